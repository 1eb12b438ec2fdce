// runtime — what a host may write into a tensor. In: the tensor's ABI entry
// and the values given to set(). Out: nothing, or an RnncError naming the
// tensor and the first bad position. Typed-array stores coerce silently (NaN
// to 0 in an Int32Array, "3" to 3, 2^32 + 2 to 2), so values are checked
// before they are copied: integers in range for i32 tensors (lengths, ids),
// numbers for float tensors, finite ones for parameters and initial states. Lengths are checked against the call's
// steps when the call is made, where the bound is known.

import { describeTensor, type ElementType, type TensorEntry } from "./abi.js";
import { RnncError } from "./errors.js";

const show = (v: unknown) => (
  typeof v === "number" || typeof v === "bigint" ? String(v) : JSON.stringify(v) ?? typeof v
);

export function checkData(entry: TensorEntry, type: ElementType, data: unknown): asserts data is ArrayLike<number> {
  const where = `set ${describeTensor(entry)}`;
  const isArrayLike = Array.isArray(data) || ArrayBuffer.isView(data);
  if (!isArrayLike || data instanceof DataView) {
    throw new RnncError(`${where}: expected an array or typed array of numbers, got ${
      typeof data === "object" ? (data === null ? "null" : data.constructor?.name ?? "an object") : typeof data
    }`);
  }
  const values = data as ArrayLike<unknown>;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array)
    throw new RnncError(`${where}: expected numbers, got a ${data.constructor.name}`);
  if (type === "i32") {
    if (
      data instanceof Int32Array || data instanceof Int16Array || data instanceof Int8Array ||
      data instanceof Uint16Array || data instanceof Uint8Array
    ) return;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
        throw new RnncError(`${where}: value ${i} is ${show(v)}, but ${
          entry.role === "lengths" ? "a length" : "an id"
        } must be an integer`);
      }
      if (entry.idsBelow !== undefined && (v < -1 || v >= entry.idsBelow)) {
        throw new RnncError(`${where}: value ${i} is ${v}, but ids must be in [0, ${entry.idsBelow}) or -1 for none`);
      }
    }
    return;
  }
  // Parameters and initial states feed every step, so NaN or ±Infinity there is never data; sequence
  // tensors may hold anything in the padding past a sequence's length, which no step reads.
  const finite = entry.role === "param" || entry.role === "state_in" || entry.role === "optimizer";
  if (finite && (data instanceof Float32Array || data instanceof Float64Array)) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!))
        throw new RnncError(`${where}: value ${i} is ${data[i]}, but a ${entry.role} holds finite numbers`);
    }
    return;
  }
  if (ArrayBuffer.isView(data)) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number")
      throw new RnncError(`${where}: value ${i} is ${show(v)}, but a ${type} tensor holds numbers`);
    if (finite && !Number.isFinite(v))
      throw new RnncError(`${where}: value ${i} is ${v}, but a ${entry.role} holds finite numbers`);
  }
}
