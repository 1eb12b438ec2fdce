// spec/apps/import — what the import specs share: compiling a written model
// through rnnc's public compiler API with its parameter file loaded, running
// it on a fixture's inputs and ragged lengths, and comparing with a relative
// tolerance over the valid steps only (past its length a sequence's output is
// 0 in rnnc, padding or a carried value in the frameworks).

import { expect } from "vitest";
import { instantiate } from "../../../compiler/api.js";
import { compileCell } from "../../support/compile.js";
import type { RnncModel } from "../../../runtime/index.js";
import type { Imported } from "../../../apps/import/index.js";

export const capacity = { batch: 4, steps: 8 } as const;

/** The written model compiled (inference build) with the written parameter file loaded. */
export function compileImported(imported: Imported, dtype: "f32" | "f64", simd = true): RnncModel {
  const compiled = compileCell({
    file: "model.ts",
    text: imported.model.text,
    dims: {},
    dtype,
    simd,
    capacity,
    loss: "none",
    inference: true,
  });
  const model = instantiate(compiled.binary);
  model.loadParams(imported.params);
  return model;
}

export interface Inputs {
  readonly steps: number;
  readonly batch: number;
  readonly lengths: readonly number[];
  /** Time-major [steps, batch, features], or ids [steps, batch]. */
  readonly x?: readonly number[];
  readonly ids?: readonly number[];
  /** Initial states by the model's state names (l0.h, l1.fwd.c), zero when left out. */
  readonly states?: Readonly<Record<string, readonly number[]>>;
}

export function run(model: RnncModel, inputs: Inputs): RnncModel {
  const { batch, steps } = inputs;
  if (inputs.x) model.set("x", "input", inputs.x);
  if (inputs.ids) model.set("tokens", "input", inputs.ids);
  model.set("lengths", "lengths", inputs.lengths);
  for (const e of model.tensors().filter((t) => t.role === "state_in")) {
    model.set(e.name, "state_in", inputs.states?.[e.name] ?? new Array(batch * Number(e.shape[1])).fill(0));
  }
  model.forward(batch, steps);
  return model;
}

/** Relative error max(|got − want|) / max(1, |want|), over the entries `valid` keeps. */
export function worstError(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  valid: (i: number) => boolean = () => true,
): { error: number; at: number } {
  expect(got.length, "number of values").toBe(want.length);
  let worst = { error: 0, at: -1 };
  for (let i = 0; i < want.length; i++) {
    if (!valid(i)) continue;
    const e = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
    if (!(e <= worst.error)) worst = { error: Number.isNaN(e) ? Infinity : e, at: i };
  }
  return worst;
}

export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: number,
  what: string,
  valid?: (i: number) => boolean,
): void {
  const { error, at } = worstError(got, want, valid);
  expect(
    error,
    `${what}: worst relative error ${error.toExponential(2)} at [${at}] (got ${got[at]}, expected ${want[at]})`,
  ).toBeLessThanOrEqual(tol);
}

/** Entries of a time-major [steps, batch, features] array that lie within each sequence's length. */
export function validSteps(inputs: Pick<Inputs, "batch" | "lengths">, features: number): (i: number) => boolean {
  return (i) => {
    const row = Math.floor(i / features);
    const t = Math.floor(row / inputs.batch);
    return t < inputs.lengths[row % inputs.batch]!;
  };
}
