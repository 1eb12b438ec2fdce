#!/usr/bin/env node
// examples/long-range — the two long-range tasks of the RNN literature, as vector sequences for
// rnnc (`rnnc train`, or examples/long-range/run.js). In: a seed, a length T and how many
// sequences. Out: {"x": [[...], ...], "y": ...} per sequence (JSONL from the command line).
// Plain JavaScript (JSDoc types) on rnnc's runtime (its seeded generator, prng).
//
//   adding  (Hochreiter & Schmidhuber 1997; the form of Le, Jaitly & Hinton 2015): T steps of two
//           numbers, a value drawn from U(0, 1) and a marker, 1 at two steps (one in the first
//           half, one in the second) and 0 elsewhere. The target, at the last step, is the sum of
//           the two marked values. Answering the mean, 1, scores the variance of a sum of two
//           U(0, 1): MSE 1/6 ≈ 0.167.
//   copy    (the copy-memory task of Hochreiter & Schmidhuber 1997, in the form of Arjovsky,
//           Shah & Bengio 2016, with 5 symbols to remember instead of their 10, so that a small
//           cell can learn it within a small budget): SYMBOLS symbols drawn from 1..ALPHABET,
//           then T − 1 blanks (0), a delimiter (ALPHABET + 1) and SYMBOLS blanks, each step
//           one-hot over CLASSES; the target is a class per step, blank everywhere except the
//           last SYMBOLS steps, which repeat the symbols in order. A model with no memory that outputs blanks and then
//           guesses gets 1/ALPHABET of the recalled symbols right.

import { prng } from "rnnc/runtime";
import { generatorArgs, isMain, toJsonl, writeSplits } from "../generator.js";

/** Copy memory: symbols to remember, the alphabet they come from, the classes (blank, symbols, delimiter). */
export const SYMBOLS = 5;
export const ALPHABET = 8;
export const BLANK = 0;
export const DELIMITER = ALPHABET + 1;
export const CLASSES = ALPHABET + 2;

/**
 * @param {number} count
 * @param {number} steps T, at least 2
 * @param {number} seed
 * @returns {{ x: number[][], y: number[] }[]}
 */
export function adding(count, steps, seed) {
  if (!Number.isInteger(steps) || steps < 2) throw new RangeError(`adding: T is at least 2, got ${steps}`);
  const random = prng(seed);
  const half = Math.floor(steps / 2);
  return Array.from({ length: count }, () => {
    const x = Array.from({ length: steps }, () => [random(), 0]);
    const first = Math.floor(random() * half);
    const second = half + Math.floor(random() * (steps - half));
    x[first][1] = 1;
    x[second][1] = 1;
    return { x, y: [x[first][0] + x[second][0]] };
  });
}

/**
 * @param {number} count
 * @param {number} steps T, the distance from the last symbol to the delimiter; at least 1
 * @param {number} seed
 * @returns {{ x: number[][], y: number[] }[]} sequences of T + 2·SYMBOLS steps
 */
export function copyMemory(count, steps, seed) {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`copy: T is at least 1, got ${steps}`);
  const random = prng(seed);
  const length = steps + 2 * SYMBOLS;
  /** @param {number} c */
  const oneHot = (c) => Array.from({ length: CLASSES }, (_, k) => (k === c ? 1 : 0));
  return Array.from({ length: count }, () => {
    const symbols = Array.from({ length: SYMBOLS }, () => 1 + Math.floor(random() * ALPHABET));
    const input = Array.from({ length }, (_, t) =>
      t < SYMBOLS ? symbols[t] : t === SYMBOLS + steps - 1 ? DELIMITER : BLANK,
    );
    const y = Array.from({ length }, (_, t) => (t < length - SYMBOLS ? BLANK : symbols[t - (length - SYMBOLS)]));
    return { x: input.map(oneHot), y };
  });
}

/** The steps of a copy sequence whose targets are recalled symbols: the last SYMBOLS. @param {number} length */
export const recalledSteps = (length) => ({ from: length - SYMBOLS, to: length });

export { toJsonl };

const usage = `usage: node examples/long-range/tasks.js [--out DIR] [--steps T] [--seed N] [--train N] [--dev N]

Writes DIR/adding-T-{train,dev}.jsonl (a target at the last step, for --loss mse) and
DIR/copy-T-{train,dev}.jsonl (a class per step, for --loss softmax-ce); default DIR:
examples/long-range/data; T 50; seed 1; 2000 and 500 sequences.`;

if (isMain(import.meta.url)) {
  const { out, counts } = generatorArgs(usage, import.meta.url, { steps: 50, seed: 1, train: 2000, dev: 500 });
  const { steps, seed, train, dev } = counts;
  writeSplits(out, seed, { train, dev }, {
    [`adding-${steps}`]: (n, s) => adding(n, steps, s),
    [`copy-${steps}`]: (n, s) => copyMemory(n, steps, s),
  });
}
