// runtime — the parameter file format: magic "RNNCPARM", a u32 LE header length,
// a UTF-8 JSON header naming each tensor's shape and dtype, then the raw
// little-endian data. Encodes, decodes, and checks a file against a model.

import { BYTES_PER_ELEMENT, elementCount, type ElementType } from "./abi.js";
import { RnncParamsError } from "./errors.js";
import { decodeUtf8, encodeUtf8 } from "./utf8.js";

/** One parameter tensor as stored: `data` holds its raw little-endian bytes. */
export interface ParamRecord {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: ElementType;
  readonly data: Uint8Array;
}

const MAGIC = "RNNCPARM";
const FORMAT_VERSION = 1;
const PREFIX_BYTES = MAGIC.length + 4;

interface HeaderEntry {
  name: string;
  shape: number[];
  dtype: ElementType;
  offset: number;
  bytes: number;
}

export function encodeParams(records: readonly ParamRecord[]): Uint8Array {
  let dataBytes = 0;
  const entries: HeaderEntry[] = records.map((r) => {
    const entry = { name: r.name, shape: [...r.shape], dtype: r.dtype, offset: dataBytes, bytes: r.data.byteLength };
    dataBytes += align8(r.data.byteLength);
    return entry;
  });
  const header = encodeUtf8(JSON.stringify({ format: FORMAT_VERSION, tensors: entries }));
  const dataStart = align8(PREFIX_BYTES + header.byteLength);
  const file = new Uint8Array(dataStart + dataBytes);
  for (let i = 0; i < MAGIC.length; i++) file[i] = MAGIC.charCodeAt(i);
  new DataView(file.buffer).setUint32(MAGIC.length, header.byteLength, true);
  file.set(header, PREFIX_BYTES);
  records.forEach((r, i) => file.set(r.data, dataStart + entries[i]!.offset));
  return file;
}

export function decodeParams(file: Uint8Array): ParamRecord[] {
  const bad = (why: string) => new RnncParamsError(`not an rnnc parameter file: ${why}`);
  if (file.byteLength < PREFIX_BYTES) throw bad("too short");
  for (let i = 0; i < MAGIC.length; i++) {
    if (file[i] !== MAGIC.charCodeAt(i)) throw bad(`missing the "${MAGIC}" signature`);
  }
  const headerBytes = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(MAGIC.length, true);
  if (PREFIX_BYTES + headerBytes > file.byteLength) throw bad("header runs past the end of the file");
  let header: { format?: unknown; tensors?: unknown };
  try {
    header = JSON.parse(decodeUtf8(file.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes)));
  } catch {
    throw bad("header is not UTF-8 JSON");
  }
  if (header.format !== FORMAT_VERSION) throw bad(`unsupported format ${JSON.stringify(header.format)}`);
  if (!Array.isArray(header.tensors)) throw bad('header has no "tensors" list');
  const dataStart = align8(PREFIX_BYTES + headerBytes);
  return header.tensors.map((raw: unknown, i: number) => {
    const e = raw as Partial<HeaderEntry> | null;
    const validShape = Array.isArray(e?.shape) && e.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
    if (!e || typeof e.name !== "string" || !validShape || !e.dtype || !(e.dtype in BYTES_PER_ELEMENT)) {
      throw bad(`header entry ${i} is malformed`);
    }
    const shape = e.shape as number[];
    const bytes = elementCount(shape) * BYTES_PER_ELEMENT[e.dtype];
    const start = dataStart + (e.offset ?? -1);
    if (e.bytes !== bytes || !Number.isSafeInteger(e.offset) || e.offset! < 0 || start + bytes > file.byteLength) {
      throw bad(`data of ${e.name} is truncated or misplaced`);
    }
    return { name: e.name, shape, dtype: e.dtype, data: file.subarray(start, start + bytes) };
  });
}

/** The shape and element type a model expects of one parameter. */
export interface ParamSlot {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: ElementType;
}

/**
 * Pairs each expected slot with its record in the file, or throws one error
 * listing every missing, unexpected and mis-shaped tensor. Records in f32 and
 * f64 are interchangeable (the caller converts); other dtype changes are not.
 */
export function matchParams(expected: readonly ParamSlot[], found: readonly ParamRecord[]): ParamRecord[] {
  const byName = new Map(found.map((r) => [r.name, r]));
  const problems: string[] = [];
  const matched: ParamRecord[] = [];
  for (const slot of expected) {
    const r = byName.get(slot.name);
    byName.delete(slot.name);
    if (!r) {
      problems.push(`${slot.name} is missing from the file`);
    } else if (r.shape.length !== slot.shape.length || r.shape.some((d, i) => d !== slot.shape[i])) {
      problems.push(`${slot.name} has shape [${r.shape.join(", ")}] in the file but [${slot.shape.join(", ")}] in the model`);
    } else if (r.dtype !== slot.dtype && (r.dtype === "i32" || slot.dtype === "i32")) {
      problems.push(`${slot.name} is ${r.dtype} in the file but ${slot.dtype} in the model`);
    } else {
      matched.push(r);
    }
  }
  for (const name of byName.keys()) problems.push(`${name} is in the file but not in the model`);
  if (problems.length > 0) {
    throw new RnncParamsError(`parameter file does not match this model: ${problems.join("; ")}`);
  }
  return matched;
}

/** Re-encodes little-endian floats between f32 and f64. */
export function convertFloats(data: Uint8Array, from: "f32" | "f64", to: "f32" | "f64"): Uint8Array {
  if (from === to) return data;
  const src = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = data.byteLength / BYTES_PER_ELEMENT[from];
  const out = new Uint8Array(count * BYTES_PER_ELEMENT[to]);
  const dst = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    const v = from === "f32" ? src.getFloat32(i * 4, true) : src.getFloat64(i * 8, true);
    if (to === "f32") dst.setFloat32(i * 4, v, true);
    else dst.setFloat64(i * 8, v, true);
  }
  return out;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
