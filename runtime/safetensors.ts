// runtime — the safetensors container: a u64 LE header length, a UTF-8 JSON
// header ({ NAME: { dtype, shape, data_offsets: [begin, end] }, __metadata__:
// { key: "string" } }), then one byte buffer that the tensors cover exactly,
// without holes or overlaps. In: tensors and string metadata, or a file's
// bytes. Out: the other. Any safetensors reader opens rnnc's parameter files;
// rnnc reads the F32, F64 and I32 tensors of anyone's.

import { BYTES_PER_ELEMENT, elementCount, type ElementType } from "./abi.js";
import { RnncParamsError } from "./errors.js";
import { decodeUtf8, encodeUtf8 } from "./utf8.js";

/** One tensor as stored: `data` holds its raw little-endian bytes. */
export interface StoredTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: ElementType;
  readonly data: Uint8Array;
}

export interface Safetensors {
  /** In the order of their data in the file. */
  readonly tensors: readonly StoredTensor[];
  readonly metadata: Readonly<Record<string, string>>;
}

const names: Readonly<Record<ElementType, string>> = { f32: "F32", f64: "F64", i32: "I32" };
const dtypes = new Map(Object.entries(names).map(([dtype, name]) => [name, dtype as ElementType]));
/** A header past this is damage, not a model's table of contents. */
const maxHeaderBytes = 100 * 2 ** 20;

export function encodeSafetensors(
  tensors: readonly StoredTensor[],
  metadata: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let end = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: names[t.dtype], shape: [...t.shape], data_offsets: [end, end + t.data.byteLength] };
    end += t.data.byteLength;
  }
  const json = JSON.stringify(header);
  // Spaces pad the header so the data starts 8-aligned, as the format allows.
  const padded = encodeUtf8(json + " ".repeat((8 - ((encodeUtf8(json).byteLength + 8) % 8)) % 8));
  const file = new Uint8Array(8 + padded.byteLength + end);
  new DataView(file.buffer).setBigUint64(0, BigInt(padded.byteLength), true);
  file.set(padded, 8);
  let at = 8 + padded.byteLength;
  for (const t of tensors) {
    file.set(t.data, at);
    at += t.data.byteLength;
  }
  return file;
}

export function decodeSafetensors(file: Uint8Array): Safetensors {
  const bad = (why: string) => new RnncParamsError(`not a valid safetensors file: ${why}`);
  if (file.byteLength < 8) throw bad("shorter than its 8-byte header length");
  const length = new DataView(file.buffer, file.byteOffset, file.byteLength).getBigUint64(0, true);
  if (length > BigInt(Math.min(maxHeaderBytes, file.byteLength - 8)))
    throw bad(`its header length ${length} runs past the end of the file`);
  const dataStart = 8 + Number(length);
  let raw: unknown;
  try {
    raw = JSON.parse(decodeUtf8(file.subarray(8, dataStart)));
  } catch {
    throw bad("its header is not UTF-8 JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad("its header is not a JSON object");
  const entries = Object.entries(raw as Record<string, unknown>);
  const metadata = Object.create(null) as Record<string, string>;
  const placed: { tensor: Omit<StoredTensor, "data">; begin: number; end: number }[] = [];
  for (const [name, value] of entries) {
    if (name === "__metadata__") {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        throw bad("__metadata__ is not an object");
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string") throw bad(`metadata ${JSON.stringify(k)} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const where = `tensor ${JSON.stringify(name)}`;
    if (typeof e !== "object" || e === null) throw bad(`${where} is not an object`);
    const dtype = typeof e.dtype === "string" ? dtypes.get(e.dtype) : undefined;
    if (dtype === undefined)
      throw bad(`${where} has dtype ${JSON.stringify(e.dtype)}; rnnc reads ${[...dtypes.keys()].join(", ")}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw bad(`${where} has a malformed shape`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw bad(`${where} has malformed data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (end - begin !== elementCount(shape as number[]) * BYTES_PER_ELEMENT[dtype]) {
      throw bad(`${where}: data_offsets [${begin}, ${end}] do not hold shape [${shape.join(", ")}] of ${e.dtype}`);
    }
    placed.push({ tensor: { name, shape: shape as number[], dtype }, begin, end });
  }
  placed.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const p of placed) {
    if (p.begin !== covered) {
      throw bad(`tensor ${JSON.stringify(p.tensor.name)} starts at ${p.begin}, where ${
        p.begin < covered ? "another tensor's data is" : "a hole begins"
      }`);
    }
    covered = p.end;
  }
  if (dataStart + covered !== file.byteLength)
    throw bad(`its tensors cover ${covered} bytes of a ${file.byteLength - dataStart}-byte buffer`);
  const tensors = placed.map((p) => ({ ...p.tensor, data: file.subarray(dataStart + p.begin, dataStart + p.end) }));
  return { tensors, metadata };
}

/** Whether the bytes start like a safetensors file (a plausible header length, then "{"). */
export function looksLikeSafetensors(file: Uint8Array): boolean {
  if (file.byteLength < 10) return false;
  const length = new DataView(file.buffer, file.byteOffset, file.byteLength).getBigUint64(0, true);
  return length > 0n && length <= BigInt(file.byteLength - 8) && file[8] === 0x7b;
}
