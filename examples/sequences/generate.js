#!/usr/bin/env node
// examples/sequences — two small tasks of vector sequences for `rnnc train`. In: a seed and how
// many sequences. Out: JSONL, {"x": [[...], ...], "y": ...} per line. Plain JavaScript (JSDoc
// types) on rnnc's runtime (its seeded generator, prng): `node` runs it after `npm run build`.
//
//   delay  regression, a target per step: y_t = x_{t−1}[0] (0 at the first step), so the model
//          must remember one step back. Always answering 0 scores ½·E[x²] = 1/6 per step.
//   sign   classification at the last step: class 1 when Σ_t (x_t[0] − x_t[1]) > 0, else 0.
// Inputs are uniform in [-1, 1], two per step; lengths vary (delay 4–12 steps, sign 3–10).

import { prng } from "rnnc/runtime";
import { generatorArgs, isMain, toJsonl, writeSplits } from "../generator.js";

/** @typedef {{ x: number[][], y: number[][] | number }} Sequence */

/**
 * @param {() => number} random
 * @param {number} shortest
 * @param {number} longest
 */
const inputs = (random, shortest, longest) =>
  Array.from({ length: shortest + Math.floor(random() * (longest - shortest + 1)) }, () => [
    random() * 2 - 1,
    random() * 2 - 1,
  ]);

/**
 * @param {number} count
 * @param {number} seed
 * @param {number} [steps] every sequence this long (default: 4 to 12 steps)
 * @returns {Sequence[]}
 */
export function delayed(count, seed, steps) {
  const random = prng(seed);
  return Array.from({ length: count }, () => {
    const x = steps === undefined ? inputs(random, 4, 12) : inputs(random, steps, steps);
    return { x, y: x.map((_, t) => [t === 0 ? 0 : x[t - 1][0]]) };
  });
}

/**
 * @param {number} count
 * @param {number} seed
 * @returns {Sequence[]}
 */
export function signs(count, seed) {
  const random = prng(seed);
  return Array.from({ length: count }, () => {
    const x = inputs(random, 3, 10);
    return { x, y: x.reduce((s, v) => s + v[0] - v[1], 0) > 0 ? 1 : 0 };
  });
}

export { toJsonl };

const usage = `usage: node examples/sequences/generate.js [--out DIR] [--seed N] [--train N] [--dev N]

Writes DIR/delay-{train,dev}.jsonl and DIR/sign-{train,dev}.jsonl (default DIR:
examples/sequences/data; seed 1; 200 and 50 sequences).`;

if (isMain(import.meta.url)) {
  const { out, counts: { seed, train, dev } } = generatorArgs(usage, import.meta.url, { seed: 1, train: 200, dev: 50 });
  writeSplits(out, seed, { train, dev }, { delay: delayed, sign: signs });
}
