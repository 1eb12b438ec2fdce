// compiler/flow — the spectral radius of recurrent matrices, and rescaling it.
// In: a module's parameters. Out: each square parameter the ABI marks as
// recurrent (init "orthogonal": a matrix applied to the state alone, as the
// compiler reads the step, or declared so) scaled to a chosen spectral radius.
// A radius above 1 lets the linearised recurrence grow: how gradients explode.

import type { RnncModel, TensorEntry } from "../../runtime/index.js";

/**
 * max |λ| of a square matrix (row-major, n×n), by Gelfand's formula
 * ρ = lim ‖Aᵐ‖^(1/m) with m = 2^j, A squared j times and renormalised each
 * time. Unlike power iteration it needs no gap between the largest
 * eigenvalues and handles complex pairs and orthogonal matrices (all |λ| = 1).
 */
export function spectralRadius(matrix: ArrayLike<number>, n: number): number {
  let a: Float64Array = Float64Array.from(matrix);
  let logScale = 0; // A^(2^j) = e^logScale · a, with ‖a‖_F = 1
  let estimate = Number.NaN;
  for (let j = 0; j < 64; j++) {
    let norm = 0;
    for (let i = 0; i < a.length; i++) norm += a[i]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) return 0; // nilpotent
    for (let i = 0; i < a.length; i++) a[i]! /= norm;
    logScale += Math.log(norm);
    const next = Math.exp(logScale / 2 ** j);
    if (Math.abs(next - estimate) <= 1e-15 * next) return next;
    estimate = next;
    a = square(a, n);
    logScale *= 2;
  }
  return estimate;
}

function square(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += aik * a[k * n + j]!;
    }
  }
  return out;
}

export interface Rescaled {
  readonly name: string;
  /** The spectral radius before rescaling. */
  readonly before: number;
}

/** Scales every recurrent square parameter to spectral radius `radius`; throws an Error naming the problem. */
export function rescaleRecurrent(model: RnncModel, radius: number): Rescaled[] {
  const square = (t: TensorEntry) => t.shape.length === 2 && t.shape[0] === t.shape[1];
  const recurrent = model.tensors().filter((t) => t.role === "param" && t.init === "orthogonal" && square(t));
  if (recurrent.length === 0) {
    throw new Error("it has no recurrent matrix to rescale "
      + "(a square parameter that multiplies the state alone, marked orthogonal in its ABI)");
  }
  return recurrent.map((entry) => {
    const n = entry.shape[0] as number;
    const values = model.get(entry.name, "param");
    const before = spectralRadius(values, n);
    if (!(before > 0)) {
      throw new Error(`${entry.name} has spectral radius 0 (nilpotent): no scaling gives it radius ${radius}`);
    }
    model.set(entry.name, "param", Array.from(values, (v) => (v * radius) / before));
    return { name: entry.name, before };
  });
}
