// runtime — gradient checking of a module against central finite differences
// of its own loss, a host tool: it knows only the ABI (an RnncModel's tensors
// by role), never the compiler. In: an instantiated f64 module and a seed. Out:
// the worst relative error per tensor (parameters, inputs, initial states).
// With loss none the objective is Σ cotangent·output over the outputs and
// final states, with random cotangents, which is what backward differentiates.

import type { RnncModel } from "./model.js";
import { prng, shuffle } from "./random.js";
import type { CallSize, TensorEntry } from "./abi.js";

export interface GradcheckOptions {
  readonly seed: number;
  readonly batch: number;
  readonly steps: number;
  /** Per-sequence lengths; random in [1, steps] (one of them full) when omitted. */
  readonly lengths?: readonly number[];
  /** At most this many entries per tensor are checked (a random subset). */
  readonly maxEntries?: number;
  /** Step of the finite difference. */
  readonly h?: number;
  /** Gradients smaller than this are compared absolutely (relative to it). */
  readonly floor?: number;
}

export interface TensorCheck {
  readonly name: string;
  readonly role: string;
  readonly checked: number;
  readonly worst: number;
  /** The worst entry: its flat index, analytic and numeric values. */
  readonly at: { index: number; analytic: number; numeric: number } | undefined;
}

export interface GradcheckReport {
  readonly batch: number;
  readonly steps: number;
  readonly lengths: readonly number[];
  readonly loss: number;
  readonly tensors: readonly TensorCheck[];
  readonly worst: number;
}

function fill(model: RnncModel, entry: TensorEntry, size: CallSize, rand: () => number, scale: number): void {
  const view = model.view(entry.name, entry.role, size);
  for (let i = 0; i < view.length; i++) view[i] = (rand() * 2 - 1) * scale;
}

/** Sets every host-written tensor to random values; returns the objective's evaluator. */
export function randomizeModel(
  model: RnncModel,
  size: CallSize,
  rand: () => number,
  lengths: readonly number[],
): () => number {
  const entries = model.tensors();
  for (const e of entries) {
    if (e.role === "param") {
      const fanIn = typeof e.shape[e.shape.length - 1] === "number" ? (e.shape[e.shape.length - 1] as number) : 1;
      fill(model, e, size, rand, e.shape.length === 2 ? 1.5 / Math.sqrt(fanIn) : 0.5);
    } else if (e.role === "target" && e.dtype === "i32") {
      // Class ids: uniform over the classes of the output of the same name.
      const classes = entries.find((o) => o.name === e.name && o.role === "output")!.shape.at(-1) as number;
      const view = model.view(e.name, e.role, size);
      for (let i = 0; i < view.length; i++) view[i] = Math.floor(rand() * classes);
    } else if (e.role === "input" && e.idsBelow !== undefined) {
      // Ids: several slots per step (word hashing) leave some empty (-1).
      const view = model.view(e.name, e.role, size);
      const slots = e.shape.at(-1) as number;
      for (let i = 0; i < view.length; i++) view[i] = slots > 1 && rand() < 0.25 ? -1 : Math.floor(rand() * e.idsBelow);
    } else if (e.role === "input" || e.role === "target") fill(model, e, size, rand, 1);
    else if (e.role === "state_in") fill(model, e, size, rand, 0.5);
    else if (e.role === "grad_output" || e.role === "grad_state_out") fill(model, e, size, rand, 1);
  }
  model.set("lengths", "lengths", lengths);
  if (model.loss !== "none") return () => model.forward(size.batch, size.steps);
  const pairs = entries
    .filter((e) => e.role === "grad_output" || e.role === "grad_state_out")
    .map(
      (e) =>
        [
          e,
          entries.find((o) => o.name === e.name && o.role === (e.role === "grad_output" ? "output" : "state_out"))!,
        ] as const,
    );
  return () => {
    model.forward(size.batch, size.steps);
    let total = 0;
    for (const [cot, value] of pairs) {
      const c = model.view(cot.name, cot.role, size);
      const v = model.view(value.name, value.role, size);
      for (let i = 0; i < c.length; i++) total += c[i]! * v[i]!;
    }
    return total;
  };
}

export function gradcheck(model: RnncModel, options: GradcheckOptions): GradcheckReport {
  if (model.dtype !== "f64") throw new Error("gradcheck needs an f64 module (compile with --dtype f64)");
  const rand = prng(options.seed);
  const size = { batch: options.batch, steps: options.steps };
  const lengths = options.lengths ?? randomLengths(rand, options.batch, options.steps);
  const objective = randomizeModel(model, size, rand, lengths);
  const h = options.h ?? 1e-4;
  const floor = options.floor ?? 1e-2;
  const maxEntries = options.maxEntries ?? 16;

  const loss = objective();
  model.backward(size.batch, size.steps);
  // Integer ids have no gradient; everything else the host writes does.
  const targets = model
    .tensors()
    .filter((e) => e.role === "param" || (e.role === "input" && e.idsBelow === undefined) || e.role === "state_in");
  const analytic = new Map(targets.map((e) => [e, Float64Array.from(model.view(e.name, "grad", size))]));

  const tensors: TensorCheck[] = targets.map((entry) => {
    const values = model.view(entry.name, entry.role, size);
    const grads = analytic.get(entry)!;
    const indices = pick(rand, values.length, maxEntries);
    let worst = 0;
    let at: TensorCheck["at"];
    for (const index of indices) {
      const numeric = centralDifference(model, entry, size, index, h, objective);
      const a = grads[index]!;
      const err = Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), floor);
      if (!(err <= worst)) {
        worst = err;
        at = { index, analytic: a, numeric };
      }
    }
    return { name: entry.name, role: entry.role, checked: indices.length, worst, at };
  });
  return {
    batch: size.batch,
    steps: size.steps,
    lengths,
    loss,
    tensors,
    worst: Math.max(0, ...tensors.map((t) => (Number.isNaN(t.worst) ? Infinity : t.worst))),
  };
}

/** Fourth-order central difference: error O(h⁴), so h can stay large enough to keep rounding small. */
function centralDifference(
  model: RnncModel,
  entry: TensorEntry,
  size: CallSize,
  index: number,
  h: number,
  objective: () => number,
): number {
  const at = (delta: number) => {
    const view = model.view(entry.name, entry.role, size);
    const saved = view[index]!;
    view[index] = saved + delta;
    const value = objective();
    model.view(entry.name, entry.role, size)[index] = saved;
    return value;
  };
  return (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h);
}

function randomLengths(rand: () => number, batch: number, steps: number): number[] {
  const lengths = Array.from({ length: batch }, () => 1 + Math.floor(rand() * steps));
  lengths[Math.floor(rand() * batch)] = steps;
  return lengths;
}

function pick(rand: () => number, n: number, max: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  return shuffle(all, rand)
    .slice(0, max)
    .sort((a, b) => a - b);
}
