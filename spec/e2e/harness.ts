// spec/e2e — what the end-to-end specs share: compiling the example cells and
// generated cells through the whole pipeline (IR verified after every pass),
// filling a module with random values, copying those values between builds,
// and comparing numbers with a relative tolerance that says where they differ.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { type Compiled } from "../../compiler/pipeline.js";
import { compileCell } from "../support/compile.js";
import { randomizeModel, type GradcheckReport } from "../../runtime/gradcheck.js";
import { instantiateModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import type { RnncModel } from "../../runtime/model.js";
import type { CallSize, Role } from "../../runtime/abi.js";
import type { CellCase, Loss } from "../support/cells.js";

export const exampleNames = ["elman", "lstm", "gru", "lstm-fused", "mlstm"] as const;
export type ExampleName = (typeof exampleNames)[number];

export function exampleSource(name: ExampleName): string {
  return readFileSync(new URL(`../../examples/${name}.ts`, import.meta.url), "utf8");
}

/**
 * A cell that calls every elementwise intrinsic past the first ones, and maxOf,
 * each inside its smooth range (pow of 1 + sigmoid), with a learned leakyRelu
 * slope: what the builds must compute alike, SIMD tails and all.
 */
export const intrinsicsCell = `import {
  abs, cell, elu, gelu, leakyRelu, logSigmoid, maxOf, pow, sigmoid, silu, square, tanh,
} from "rnnc";

export const mix = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], U: ["H", "H"], b: "H", a: [] },
  step: ({ x, h, W, U, b, a }) => {
    const z = W * x + U * h + b;
    const s = silu(z) + gelu(z) + logSigmoid(z) - abs(z) + leakyRelu(z, a) + elu(z, 0.5);
    const p = square(tanh(z)) + pow(1 + sigmoid(z), 1.5) + pow(tanh(z), 3) + pow(1 + sigmoid(z), -0.3);
    return { h: tanh(0.1 * (s + p) + maxOf(z) - maxOf(h)) };
  },
});
`;

/** Small regions keep instantiation and memory snapshots cheap. */
export const testCapacity = { batch: 4, steps: 8 } as const;

export interface Build {
  readonly file: string;
  readonly source: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly dtype: "f32" | "f64";
  readonly simd: boolean;
  readonly loss: Loss;
  readonly capacity?: { readonly batch: number; readonly steps: number };
}

const compiled = new Map<string, Compiled>();

/** Compiles with the verifier after every pass; the same build is compiled once per spec file. */
export function build(b: Build): Compiled {
  const key = JSON.stringify(b);
  let out = compiled.get(key);
  if (!out) {
    out = compileCell({
      file: b.file, text: b.source, dims: b.dims, dtype: b.dtype, simd: b.simd, loss: b.loss,
      capacity: b.capacity ?? testCapacity, verifyEach: true,
    });
    compiled.set(key, out);
  }
  return out;
}

export function load(b: Build): RnncModel {
  return instantiateModel(build(b).binary);
}

export function exampleBuild(
  name: ExampleName, dims: Record<string, number>, dtype: "f32" | "f64", simd: boolean, loss: Loss,
): Build {
  return { file: `examples/${name}.ts`, source: exampleSource(name), dims, dtype, simd, loss };
}

export function caseBuild(c: CellCase, dtype: "f32" | "f64", simd: boolean, loss: Loss = c.loss): Build {
  return { file: "random-cell.ts", source: c.source, dims: c.dims, dtype, simd, loss };
}

/** Roles the host writes before forward (and backward). */
export const hostRoles: readonly Role[] = [
  "param", "input", "target", "lengths", "state_in", "grad_output", "grad_state_out",
];

/** Fills every host-written tensor of `model` from `seed`, as gradcheck does. */
export function randomize(model: RnncModel, size: CallSize, seed: number, lengths: readonly number[]): void {
  randomizeModel(model, size, prng(seed), lengths);
}

/** Copies every host-written tensor's live prefix from one build of a cell to another (f32 → f64 is exact). */
export function copyHostTensors(from: RnncModel, to: RnncModel, size: CallSize): void {
  for (const e of from.tensors()) {
    if (hostRoles.includes(e.role)) to.set(e.name, e.role, from.view(e.name, e.role, size));
  }
}

export interface Run {
  readonly dims: Record<string, number>;
  readonly batch: number;
  readonly steps: number;
  readonly lengths: readonly number[];
  readonly seed: number;
}

/**
 * A run that always exercises masking: one full sequence, two short ones,
 * dims that fill no SIMD vector evenly. Properties over the example cells run
 * it first (fast-check `examples`), then random runs.
 */
export const raggedRun: Run = { dims: { I: 3, H: 5 }, batch: 3, steps: 6, lengths: [6, 2, 4], seed: 20261127 };

/** Dims in 1..6, batch and steps within the test capacity, lengths in [1, steps] with one full, a seed. */
export function runs(dimNames: readonly string[]): fc.Arbitrary<Run> {
  const dim = fc.integer({ min: 1, max: 6 });
  return fc.record({
    dims: fc.record(Object.fromEntries(dimNames.map((d) => [d, dim]))),
    batch: fc.integer({ min: 1, max: testCapacity.batch }),
    steps: fc.integer({ min: 1, max: testCapacity.steps }),
    seed: fc.nat(),
  }).chain(({ dims, batch, steps, seed }) =>
    fc.tuple(
      fc.array(fc.integer({ min: 1, max: steps }), { minLength: batch, maxLength: batch }),
      fc.nat({ max: batch - 1 }),
    )
      .map(([lengths, full]) => ({
        dims, batch, steps, seed, lengths: lengths.map((n, i) => (i === full ? steps : n)),
      })));
}

/**
 * The first index where |got − want| > tol · max(1, |want|), described, or
 * undefined when all agree. NaN never agrees.
 */
export function mismatch(
  got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string,
): string | undefined {
  if (got.length !== want.length) return `${what}: ${got.length} values, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!(Math.abs(g - w) <= tol * Math.max(1, Math.abs(w)))) {
      return `${what}[${i}]: got ${g}, expected ${w} (|diff| ${
        Math.abs(g - w).toExponential(2)
      }, tolerance ${tol} relative to max(1, |expected|))`;
    }
  }
  return undefined;
}

/** A copy of the whole memory, to show a failed call wrote nothing. */
export function snapshot(model: RnncModel): Uint8Array {
  return new Uint8Array(model.memory.buffer).slice();
}

/** The objective backward differentiates: the loss, or Σ cotangent · value with loss "none". */
export function objective(model: RnncModel, size: CallSize): number {
  const loss = model.forward(size.batch, size.steps);
  if (model.loss !== "none") return loss;
  let total = 0;
  for (const cot of model.tensors().filter((e) => e.role === "grad_output" || e.role === "grad_state_out")) {
    const c = model.view(cot.name, cot.role, size);
    const v = model.view(cot.name, cot.role === "grad_output" ? "output" : "state_out", size);
    for (let i = 0; i < c.length; i++) total += c[i]! * v[i]!;
  }
  return total;
}

/** Fourth-order central difference of `objective` in one element of one tensor. */
export function numericGradient(
  model: RnncModel, size: CallSize, name: string, role: Role, index: number, h: number,
): number {
  const at = (delta: number) => {
    const view = model.view(name, role, size);
    const saved = view[index]!;
    view[index] = saved + delta;
    const value = objective(model, size);
    model.view(name, role, size)[index] = saved;
    return value;
  };
  return (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h);
}

/**
 * Runs of a random-cell property: `fallback`, or RNNC_E2E_RUNS for a longer hunt
 * (`RNNC_E2E_RUNS=500 npx vitest run spec/e2e`).
 */
export function runsFromEnv(fallback: number): number {
  const n = Number(process.env.RNNC_E2E_RUNS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The tensor's live bytes: what bit-for-bit equality compares, NaN payloads and -0 included. */
export function liveBytes(model: RnncModel, name: string, role: Role, size: CallSize): Uint8Array {
  const view = model.view(name, role, size);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Each tensor of `roles` whose live bytes differ between two builds of one unit,
 * named with its first differing byte.
 */
export function bitDifferences(want: RnncModel, got: RnncModel, roles: readonly Role[], size: CallSize): string[] {
  const problems: string[] = [];
  for (const e of want.tensors().filter((t) => roles.includes(t.role))) {
    const [a, b] = [liveBytes(want, e.name, e.role, size), liveBytes(got, e.name, e.role, size)];
    const at = a.length === b.length ? a.findIndex((x, i) => x !== b[i]) : Math.min(a.length, b.length);
    if (at >= 0) problems.push(`${e.role} ${e.name}: first differing byte ${at}`);
  }
  return problems;
}

/**
 * Runs two builds of one unit on the same random host values through forward and (when both have one) backward;
 * every difference in the loss, outputs, final states and gradients, named.
 */
export function runDifferences(
  want: RnncModel, got: RnncModel, size: CallSize, lengths: readonly number[], seed: number,
): string[] {
  randomizeModel(want, size, prng(seed), lengths);
  copyHostTensors(want, got, size);
  const [a, b] = [want.forward(size.batch, size.steps), got.forward(size.batch, size.steps)];
  const problems = Object.is(a, b) ? [] : [`loss: ${b}, expected ${a}`];
  problems.push(...bitDifferences(want, got, ["output", "state_out"], size));
  if (want.abi.functions.backward && got.abi.functions.backward) {
    want.backward(size.batch, size.steps);
    got.backward(size.batch, size.steps);
    problems.push(...bitDifferences(want, got, ["grad"], size));
  }
  return problems;
}

/** The relative error the gradient properties allow between backward and finite differences (f64). */
export const GRADIENT_TOLERANCE = 1e-6;

/** Each tensor of a gradcheck report past GRADIENT_TOLERANCE, described. */
export function gradientFailures(report: GradcheckReport): string[] {
  return report.tensors
    .filter((t) => !(t.worst < GRADIENT_TOLERANCE))
    .map((t) => `${t.role} ${t.name}: relative error ${t.worst.toExponential(2)} at [${t.at?.index}], ` +
      `analytic ${t.at?.analytic}, numeric ${t.at?.numeric}`);
}

/**
 * A stencil of ±2h that straddles a kink of relu/abs/clip/max/min/hardSigmoid
 * measures the kink, not the gradient. For each failing entry the finite
 * difference is repeated with h/8: on a smooth stretch both agree to far
 * better than the tolerance; across a kink they do not, and the case says
 * nothing about the gradient.
 */
export function straddlesKink(model: RnncModel, size: CallSize, report: GradcheckReport): boolean {
  return report.tensors.some((t) => {
    if (t.worst < GRADIENT_TOLERANCE || !t.at) return false;
    const fine = numericGradient(model, size, t.name, t.role as "param" | "input" | "state_in", t.at.index, 1e-4 / 8);
    return Math.abs(fine - t.at.numeric) > 0.1 * GRADIENT_TOLERANCE * Math.max(Math.abs(fine), 1e-2);
  });
}
