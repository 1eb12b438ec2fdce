// spec/e2e — the built-in losses end to end: softmax cross-entropy against
// class ids at every valid step ("softmax-ce") or at each sequence's last
// step only ("softmax-ce-last"), and squared error at the last step
// ("mse-last"). Example cells compiled with each loss (IR verified after every
// pass) are checked four ways: gradients against central differences
// (gradcheck); the forward loss against a float64 reference computed here
// from the module's own outputs and targets, on ragged batches; the f32 SIMD
// build against the f64 one; and softmax-ce on logits in the hundreds, where
// a naive log Σ exp overflows. The -last losses take one target per sequence
// ([batch, ...]), the others one per step ([steps, batch, ...]).

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, it, expect } from "vitest";
import { compileCell } from "../support/compile.js";
import { gradcheck, randomizeModel } from "../../runtime/gradcheck.js";
import { instantiateModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import type { LossKind } from "../../compiler/time/index.js";
import type { RnncModel } from "../../runtime/model.js";
import type { CallSize, Role } from "../../runtime/abi.js";

type Loss = Extract<LossKind, "softmax-ce" | "softmax-ce-last" | "mse-last">;
const losses: readonly Loss[] = ["softmax-ce", "softmax-ce-last", "mse-last"];

interface Example {
  readonly name: string;
  readonly file: string;
  readonly source: string;
  readonly dims: Readonly<Record<string, number>>;
}

const example = (name: string, dims: Record<string, number>): Example => ({
  name,
  file: `examples/${name}.ts`,
  source: readFileSync(new URL(`../../examples/${name}.ts`, import.meta.url), "utf8"),
  dims,
});

/** elman-readout scores O = 5 classes with its output y; lstm scores H = 4 with its output h. */
const examples: readonly Example[] = [example("elman-readout", { I: 3, H: 4, O: 5 }), example("lstm", { I: 3, H: 4 })];

/** Elman with a linear readout: logits as large as its parameters make them. */
const linearReadout: Example = {
  name: "elman-logits",
  file: "elman-logits.ts",
  source: `import { cell, tanh } from "rnnc";
export const elmanLogits = cell({
  input: { x: "I" },
  state: { h: "H" },
  output: { z: "O" },
  params: { W: ["H", "I"], U: ["H", "H"], b: ["H"], V: ["O", "H"], c: ["O"] },
  step: ({ x, h, W, U, b, V, c }) => {
    const hNext = tanh(W * x + U * h + b);
    return { h: hNext, z: V * hNext + c };
  },
});
`,
  dims: { I: 3, H: 4, O: 6 },
};

const capacity = { batch: 4, steps: 8 } as const;
const compiled = new Map<string, Uint8Array>();

/** A fresh instance; each build is compiled once per file. */
function load(e: Example, loss: Loss, dtype: "f32" | "f64"): RnncModel {
  const key = `${e.name}|${loss}|${dtype}`;
  let binary = compiled.get(key);
  if (!binary) {
    binary = compileCell({
      file: e.file, text: e.source, dims: e.dims, dtype, simd: dtype === "f32", loss, capacity, verifyEach: true,
    }).binary;
    compiled.set(key, binary);
  }
  return instantiateModel(binary);
}

/** log Σ exp(z), the max subtracted first. */
function logSumExp(z: ArrayLike<number>): number {
  let max = -Infinity;
  for (let k = 0; k < z.length; k++) max = Math.max(max, z[k]!);
  let acc = 0;
  for (let k = 0; k < z.length; k++) acc += Math.exp(z[k]! - max);
  return max + Math.log(acc);
}

/** log Σ exp(z) as written, each exp rounded by `round`: overflows past a logit of ~88.7 in f32, ~709.8 in f64. */
const naiveLogSumExp = (round: (x: number) => number) => (z: ArrayLike<number>): number => {
  let acc = 0;
  for (let k = 0; k < z.length; k++) acc += round(Math.exp(z[k]!));
  return Math.log(acc);
};

/** The (first) output the loss reads: its values [steps, batch, C] and its targets. */
function scored(model: RnncModel, size: CallSize) {
  const out = model.tensors().find((e) => e.role === "output")!;
  const y = model.view(out.name, "output", size);
  return { y, target: model.view(out.name, "target", size), classes: y.length / (size.steps * size.batch) };
}

/**
 * The loss in float64 from the module's outputs: over the valid steps of each
 * sequence (only t = length − 1 for the -last losses, against the sequence's
 * one target) and the batch, of logsumexp(z) − z[target] or ½‖y − target‖².
 */
function referenceLoss(
  model: RnncModel, loss: Loss, size: CallSize, lengths: readonly number[], lse = logSumExp,
): number {
  const { y, target, classes } = scored(model, size);
  const last = loss.endsWith("-last");
  let total = 0;
  for (let b = 0; b < size.batch; b++) {
    for (let t = 0; t < lengths[b]!; t++) {
      if (last && t !== lengths[b]! - 1) continue;
      const row = (t * size.batch + b) * classes;
      const targetRow = last ? b : t * size.batch + b;
      const z = Array.from(y.subarray(row, row + classes));
      if (loss.startsWith("softmax-ce")) {
        const id = target[targetRow]!;
        expect(Number.isInteger(id) && id >= 0 && id < classes, `class id ${id}`).toBe(true);
        total += lse(z) - z[id]!;
      } else {
        let squares = 0;
        for (let k = 0; k < classes; k++) squares += (z[k]! - target[targetRow * classes + k]!) ** 2;
        total += 0.5 * squares;
      }
    }
  }
  return total;
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

/** Batch, steps, lengths in [1, steps] with one sequence full, and a seed. */
const raggedRuns = fc
  .record({
    batch: fc.integer({ min: 1, max: capacity.batch }),
    steps: fc.integer({ min: 1, max: capacity.steps }),
    seed: fc.nat(),
  })
  .chain(({ batch, steps, seed }) =>
    fc.tuple(
      fc.array(fc.integer({ min: 1, max: steps }), { minLength: batch, maxLength: batch }),
      fc.nat({ max: batch - 1 }),
    )
      .map(([lengths, full]) => ({
        size: { batch, steps }, seed, lengths: lengths.map((n, i) => (i === full ? steps : n)),
      })));

/** Always ragged: lengths 6, 2, 4 of 6 steps (and a length-1 sequence). */
const ragged = { size: { batch: 4, steps: 6 }, seed: 20260611, lengths: [6, 2, 4, 1] };

const hostRoles: readonly Role[] = ["param", "input", "target", "lengths", "state_in"];

/** Copies what the host writes from one build to another (f32 → f64 is exact). */
function copyHostTensors(from: RnncModel, to: RnncModel, size: CallSize): void {
  for (const e of from.tensors())
    if (hostRoles.includes(e.role)) to.set(e.name, e.role, from.view(e.name, e.role, size));
}

describe.each(examples)("$name", (e) => {
  describe.each(losses)("loss %s", (loss) => {
    it(`takes ${loss.endsWith("-last") ? "one target per sequence" : "a target per step"}`, () => {
      const output = load(e, loss, "f64").tensors().find((t) => t.role === "output")!;
      const target = load(e, loss, "f64").entry(output.name, "target");
      const row = loss.startsWith("softmax-ce") ? [] : output.shape.slice(2);
      expect(target.shape).toEqual(loss.endsWith("-last") ? ["batch", ...row] : ["steps", "batch", ...row]);
    });

    it("has gradients that match central differences", () => {
      const model = load(e, loss, "f64");
      for (const seed of [1, 2]) {
        const report = gradcheck(model, { seed, batch: 3, steps: 5 });
        expect(Number.isFinite(report.loss)).toBe(true);
        expect(report.worst, JSON.stringify(report.tensors.filter((t) => t.worst >= 1e-6))).toBeLessThan(1e-6);
      }
    });

    it("computes the loss of its own outputs, on ragged batches", () => {
      const model = load(e, loss, "f64");
      fc.assert(
        fc.property(raggedRuns, ({ size, seed, lengths }) => {
          randomizeModel(model, size, prng(seed), lengths);
          const got = model.forward(size.batch, size.steps);
          const want = referenceLoss(model, loss, size, lengths);
          expect(want).toBeGreaterThan(0);
          expect(relative(got, want), `loss ${got}, reference ${want}, lengths ${lengths}`).toBeLessThan(1e-12);
        }),
        { numRuns: 20, examples: [[ragged]] },
      );
    });

    it("gives the same loss in an f32 SIMD build", () => {
      const f32 = load(e, loss, "f32");
      const f64 = load(e, loss, "f64");
      randomizeModel(f32, ragged.size, prng(ragged.seed), ragged.lengths);
      copyHostTensors(f32, f64, ragged.size);
      const single = f32.forward(ragged.size.batch, ragged.size.steps);
      const double = f64.forward(ragged.size.batch, ragged.size.steps);
      expect(relative(double, referenceLoss(f64, loss, ragged.size, ragged.lengths))).toBeLessThan(1e-12);
      expect(relative(single, double), `f32 ${single}, f64 ${double}`).toBeLessThan(1e-4);
    });
  });
});

describe("softmax-ce on large logits", () => {
  // elman-readout's logits are sigmoids and lstm's are o·tanh(c), all inside (-1, 1):
  // only a linear readout reaches the hundreds.
  const { size, seed, lengths } = ragged;

  /** Random values, then V and c scaled so the logits spread over about ±spread. */
  function scaledUp(model: RnncModel, spread: number): void {
    randomizeModel(model, size, prng(seed), lengths);
    const rand = prng(seed + 1);
    const V = model.view("V", "param", size);
    for (let i = 0; i < V.length; i++) V[i] = (rand() * 2 - 1) * 0.3 * spread;
    const c = model.view("c", "param", size);
    for (let i = 0; i < c.length; i++) c[i] = (rand() * 2 - 1) * 0.8 * spread;
  }

  const largestLogit = (model: RnncModel) => Math.max(...scored(model, size).y.map(Math.abs));
  const gradientsFinite = (model: RnncModel) =>
    model.tensors()
      .filter((t) => t.role === "grad")
      .every((t) => model.view(t.name, "grad", size).every(Number.isFinite));

  it.each([
    ["softmax-ce", 500],
    ["softmax-ce-last", 500],
    ["softmax-ce", 1000],
  ] as const)("%s with logits up to ±%d is finite and matches the stable reference", (loss, spread) => {
    const model = load(linearReadout, loss, "f64");
    scaledUp(model, spread);
    const got = model.forward(size.batch, size.steps);
    expect(largestLogit(model)).toBeGreaterThan(0.7 * spread);
    if (spread > 710) {
      // The check has teeth: log Σ exp as written overflows in float64 here.
      expect(referenceLoss(model, loss, size, lengths, naiveLogSumExp((x) => x))).toBe(Infinity);
    }
    const want = referenceLoss(model, loss, size, lengths);
    expect(Number.isFinite(got), `loss ${got}`).toBe(true);
    expect(relative(got, want), `loss ${got}, reference ${want}`).toBeLessThan(1e-12);
    model.backward(size.batch, size.steps);
    expect(gradientsFinite(model)).toBe(true);
  });

  it("with logits up to ±500 is finite in an f32 SIMD build, and agrees with f64", () => {
    const f32 = load(linearReadout, "softmax-ce", "f32");
    const f64 = load(linearReadout, "softmax-ce", "f64");
    scaledUp(f32, 500);
    copyHostTensors(f32, f64, size);
    const single = f32.forward(size.batch, size.steps);
    const double = f64.forward(size.batch, size.steps);
    expect(largestLogit(f32)).toBeGreaterThan(350);
    // The check has teeth: log Σ exp as written overflows in float32 here.
    expect(referenceLoss(f32, "softmax-ce", size, lengths, naiveLogSumExp(Math.fround))).toBe(Infinity);
    expect(Number.isFinite(single), `loss ${single}`).toBe(true);
    expect(relative(single, double), `f32 ${single}, f64 ${double}`).toBeLessThan(1e-4);
    f32.backward(size.batch, size.steps);
    expect(gradientsFinite(f32)).toBe(true);
  });
});
