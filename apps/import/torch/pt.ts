// apps/import/torch — a file written by torch.save(model.state_dict()): a zip
// holding NAME/data.pkl (the pickled dict, read by pickle.ts, which runs
// nothing) and NAME/data/KEY (the raw little-endian bytes of each storage).
// In: the file's bytes. Out: its tensors in the dict's order, as a StateDict.
// A checkpoint dict that holds the state_dict under a key (model, state_dict,
// model_state_dict) is opened at that key, or at the one --key names.

import { ImportError } from "../errors.js";
import { halfToNumber } from "../tensor.js";
import { unpickle, type PyDict, type PyTensor, type PyValue, type StorageType } from "./pickle.js";
import type { StateDict, StateTensor } from "./state-dict.js";
import { isZip, readZip } from "../zip.js";

const elementBytes: Record<StorageType, number> = {
  f32: 4,
  f64: 8,
  f16: 2,
  bf16: 2,
  i64: 8,
  i32: 4,
  i16: 2,
  i8: 1,
  u8: 1,
  bool: 1,
};

function readElement(view: DataView, dtype: StorageType, index: number): number {
  switch (dtype) {
    case "f32":
      return view.getFloat32(index * 4, true);
    case "f64":
      return view.getFloat64(index * 8, true);
    case "f16":
      return halfToNumber(view.getUint16(index * 2, true));
    case "bf16": {
      const bits = new DataView(new ArrayBuffer(4));
      bits.setUint32(0, view.getUint16(index * 2, true) << 16);
      return bits.getFloat32(0);
    }
    default:
      return NaN;
  }
}

const isDict = (v: PyValue): v is PyDict => typeof v === "object" && v !== null && "kind" in v && v.kind === "dict";
const isTensor = (v: PyValue): v is PyTensor =>
  typeof v === "object" && v !== null && "kind" in v && v.kind === "tensor";

/** The dict of tensors in the pickle: the top level, or a checkpoint's entry. */
function stateDictIn(root: PyValue, file: string, key: string | undefined): PyDict {
  if (!isDict(root))
    throw new ImportError(`${file}: holds no dict of tensors; save one with torch.save(model.state_dict(), path)`);
  const keys = root.entries.map(([k]) => String(k));
  if (key !== undefined) {
    const found = root.entries.find(([k]) => k === key)?.[1];
    if (found === undefined)
      throw new ImportError(`${file}: has no key ${JSON.stringify(key)} (its keys: ${keys.join(", ")})`);
    if (!isDict(found)) throw new ImportError(`${file}: the value at ${JSON.stringify(key)} is not a dict of tensors`);
    return found;
  }
  if (root.entries.every(([, v]) => isTensor(v))) return root;
  const known = ["state_dict", "model_state_dict", "model"].find((k) =>
    root.entries.some(([rk, v]) => rk === k && isDict(v)),
  );
  if (known !== undefined) return root.entries.find(([k]) => k === known)![1] as PyDict;
  throw new ImportError(
    `${file}: is a dict but not of tensors alone (keys: ${keys.join(", ")}); name the entry that holds the state_dict `
      + `with --key NAME`,
  );
}

export function readTorchFile(bytes: Uint8Array, file: string, key?: string): StateDict {
  if (!isZip(bytes)) {
    throw new ImportError(
      `${file}: not a zip archive, so not a file of torch.save since PyTorch 1.6 (the legacy format is not read); ` +
        "re-save it with a current PyTorch, or as safetensors",
    );
  }
  const zip = readZip(bytes, file);
  const pkl = zip.names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) {
    throw new ImportError(
      `${file}: a zip archive, but not one torch.save wrote (${pkl.length === 0 ? "no" : "several"} NAME/data.pkl)`,
    );
  }
  const base = pkl[0]!.slice(0, -"data.pkl".length);
  const order = zip.names.find((n) => n === `${base}byteorder`);
  if (order !== undefined && new TextDecoder().decode(zip.read(order)).trim() !== "little") {
    throw new ImportError(`${file}: its storages are big-endian; re-save it on a little-endian machine`);
  }
  const dict = stateDictIn(unpickle(zip.read(pkl[0]!), file), file, key);
  const storages = new Map<string, DataView>();
  const tensors: StateTensor[] = dict.entries.map(([k, v]) => {
    if (typeof k !== "string")
      throw new ImportError(`${file}: a state_dict key is not a string (${JSON.stringify(k)})`);
    if (!isTensor(v)) throw new ImportError(`${file}: ${k} is not a tensor`);
    const { storage, offset, size, stride } = v;
    const shape = [...size];
    if (storage.dtype !== "f32" && storage.dtype !== "f64" && storage.dtype !== "f16" && storage.dtype !== "bf16") {
      return { name: k, shape, dtype: storage.dtype };
    }
    let view = storages.get(storage.key);
    if (!view) {
      const entry = `${base}data/${storage.key}`;
      if (!zip.names.includes(entry))
        throw new ImportError(`${file}: ${k} lives in storage ${storage.key}, but the archive has no ${entry}`);
      const data = zip.read(entry);
      if (data.length < storage.numel * elementBytes[storage.dtype])
        throw new ImportError(`${file}: storage ${storage.key} is shorter than its ${storage.numel} elements`);
      view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      storages.set(storage.key, view);
    }
    const count = shape.reduce((n, d) => n * d, 1);
    const values = new Float64Array(count);
    const index = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < count; i++) {
      let at = offset;
      for (let d = 0; d < shape.length; d++) at += index[d]! * stride[d]!;
      if (at < 0 || at >= storage.numel)
        throw new ImportError(`${file}: ${k} reaches element ${at} of a storage of ${storage.numel}`);
      values[i] = readElement(view, storage.dtype, at);
      for (let d = shape.length - 1; d >= 0 && ++index[d]! === shape[d]; d--) index[d] = 0;
    }
    return { name: k, shape, dtype: storage.dtype === "f64" ? "f64" : "f32", data: values, stored: storage.dtype };
  });
  return { file, tensors, ordered: true };
}
