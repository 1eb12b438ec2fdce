// runtime — the batch and steps of a call, checked against the capacity a
// model was laid out at (model.ts and parallel.ts check every call with it).

import type { CallSize } from "./abi.js";

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
