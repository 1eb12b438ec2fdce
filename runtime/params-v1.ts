// runtime — version 1 of the parameter file, read so that files written by
// earlier releases still load: magic "RNNCPARM", a u32 LE header length, a
// UTF-8 JSON header naming each tensor's shape, dtype, offset and size, then
// the raw little-endian data, each tensor 8-aligned. It has no checksum.

import { BYTES_PER_ELEMENT, elementCount, type ElementType } from "./abi.js";
import { RnncParamsError } from "./errors.js";
import type { StoredTensor } from "./safetensors.js";
import { decodeUtf8 } from "./utf8.js";

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

export function isLegacyParams(file: Uint8Array): boolean {
  return file.byteLength >= MAGIC.length && [...MAGIC].every((c, i) => file[i] === c.charCodeAt(0));
}

export function decodeLegacyParams(file: Uint8Array): StoredTensor[] {
  const bad = (why: string) => new RnncParamsError(`not a valid version-1 rnnc parameter file: ${why}`);
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

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
