// runtime — the arguments of a call: its batch and steps, checked against the
// capacity a model was laid out at (model.ts and parallel.ts check every call
// with it), and the named hyper-parameters of train_step and apply_update.

import type { CallSize } from "./abi.js";
import { RnncError } from "./errors.js";

/** Throws a RangeError naming the capacity unless batch and steps are integers within it. */
export function checkCallSize(size: CallSize, capacity: CallSize): void {
  checkAxis("batch", size.batch, capacity.batch);
  checkAxis("steps", size.steps, capacity.steps);
}

function checkAxis(axis: keyof CallSize, v: number, most: number): void {
  if (!Number.isInteger(v) || v < 1 || v > most) {
    const range = `[1, ${most}] (the capacity the model was loaded with)`;
    throw new RangeError(`${axis} must be an integer in ${range}; got ${v}`);
  }
}

/**
 * The values to call `fn` with, in the order of its ABI parameters `params`:
 * batch and steps from `size`, every other one from `args`, each of which must
 * be a finite number ≥ 0 (a NaN learning rate would return a normal-looking
 * loss and leave every parameter NaN). Throws naming any unknown or missing one.
 */
export function callArguments(
  fn: string, params: readonly string[], size: CallSize, args: Readonly<Record<string, number>>,
): number[] {
  const named = params.filter((p) => p !== "batch" && p !== "steps");
  const unknown = Object.keys(args).filter((k) => !named.includes(k));
  if (unknown.length > 0) {
    const quoted = (keys: readonly string[]) => keys.map((k) => `"${k}"`).join(", ");
    throw new RnncError(`${fn} has no parameter ${quoted(unknown)}; it takes ${quoted(named) || "none"}`);
  }
  return params.map((p) => {
    if (p === "batch" || p === "steps") return size[p];
    const v: unknown = Object.hasOwn(args, p) ? args[p] : undefined;
    if (v === undefined) throw new RnncError(`${fn} needs a value for its parameter "${p}"`);
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      const got = typeof v === "number" || typeof v === "bigint" ? String(v) : JSON.stringify(v) ?? typeof v;
      throw new RnncError(`${fn}: "${p}" must be a finite number ≥ 0, got ${got}`);
    }
    return v;
  });
}
