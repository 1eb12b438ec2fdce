// runtime — the tensors of one role of a model (its parameters, or the state
// of train_step's optimizer) as a file of the parameter format (params.ts).
// In: what the files need of the model (TensorStore). Out: the file, or the
// file's values written in place, after every name and shape matched. An int8
// parameter is saved and loaded as the f32 values it stands for: the files of
// the f32 build.

import {
  elementTypeOf,
  resolveShape,
  type Abi,
  type CallSize,
  type Dtype,
  type ElementType,
  type TensorEntry,
} from "./abi.js";
import { convertFloats, decodeParams, encodeParams, matchParams, type ParamSlot } from "./params.js";
import { toBytes } from "./source.js";
import { isInt8, type Int8Params } from "./int8-params.js";

export type FileRole = "param" | "optimizer";

/** A model's tensors as the files read and write them. */
export interface TensorStore {
  readonly abi: Abi;
  readonly capacity: CallSize;
  /** The tensor's whole region, as bytes of memory. */
  bytes(entry: TensorEntry): Uint8Array;
  /** An int8 parameter's f32 values, and writing them (quantised). */
  readonly int8: Pick<Int8Params, "read" | "write">;
}

function slots(store: TensorStore, role: FileRole): { slot: ParamSlot; entry: TensorEntry }[] {
  return store.abi.tensors.filter((t) => t.role === role).map((entry) => {
    const dtype = isInt8(entry) ? "f32" : elementTypeOf(store.abi, entry) as ElementType;
    return { entry, slot: { name: entry.name, shape: resolveShape(entry.shape, store.capacity), dtype } };
  });
}

export function saveRole(store: TensorStore, role: FileRole): Uint8Array {
  return encodeParams(slots(store, role).map(({ slot, entry }) => ({
    ...slot,
    data: isInt8(entry) ? new Uint8Array(store.int8.read(entry).buffer) : store.bytes(entry).slice(),
  })));
}

/** Refuses a file, writing nothing, unless its names and shapes all match the role's tensors. */
export function loadRole(store: TensorStore, role: FileRole, file: ArrayBuffer | ArrayBufferView): void {
  const expected = slots(store, role);
  const records = matchParams(expected.map((s) => s.slot), decodeParams(toBytes(file)));
  records.forEach((record, i) => {
    const { slot, entry } = expected[i]!;
    const data = record.dtype === slot.dtype
      ? record.data
      : convertFloats(record.data, record.dtype as Dtype, slot.dtype as Dtype);
    if (isInt8(entry)) store.int8.write(entry, new Float32Array(data.slice().buffer));
    else store.bytes(entry).set(data);
  });
}
