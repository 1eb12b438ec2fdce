// runtime — the parameter file: safetensors (runtime/safetensors.ts) whose
// metadata says format "rnnc-params" and carries a CRC-32 of the table and
// data. In: records, or a file. Out: the other, and the check of a file
// against a model. Version-1 "RNNCPARM" files still load (params-v1.ts).

import { BYTES_PER_ELEMENT, elementCount, type ElementType } from "./abi.js";
import { RnncParamsError } from "./errors.js";
import { crc32 } from "./crc32.js";
import { decodeLegacyParams, isLegacyParams } from "./params-v1.js";
import { decodeSafetensors, encodeSafetensors, looksLikeSafetensors, type StoredTensor } from "./safetensors.js";
import { encodeUtf8 } from "./utf8.js";

/** One parameter tensor as stored: `data` holds its raw little-endian bytes. */
export type ParamRecord = StoredTensor;

const FORMAT = "rnnc-params";
const FORMAT_VERSION = "2";

/**
 * The checksum of everything a reader takes from the file: the tensor table
 * (names, dtypes, shapes, where each lies), the other metadata and the data.
 */
function checksum(tensors: readonly StoredTensor[], metadata: Readonly<Record<string, string>>): string {
  let at = 0;
  const table = tensors.map((t) => [t.name, t.dtype, t.shape, at, (at += t.data.byteLength)]);
  const meta = Object.keys(metadata).filter((k) => k !== "crc32").sort().map((k) => [k, metadata[k]]);
  const crc = crc32(encodeUtf8(JSON.stringify([table, meta])), ...tensors.map((t) => t.data));
  return crc.toString(16).padStart(8, "0");
}

/** A safetensors file whose metadata says it is rnnc's and carries its CRC-32. */
export function encodeParams(records: readonly ParamRecord[]): Uint8Array {
  const metadata = { format: FORMAT, format_version: FORMAT_VERSION };
  return encodeSafetensors(records, { ...metadata, crc32: checksum(records, metadata) });
}

/**
 * Reads rnnc's parameter files (safetensors with a CRC-32; the version-1
 * "RNNCPARM" files of earlier releases too) and other safetensors files. A
 * file that says it is rnnc's is refused unless its checksum matches.
 */
export function decodeParams(file: Uint8Array): ParamRecord[] {
  if (isLegacyParams(file)) return decodeLegacyParams(file);
  if (!looksLikeSafetensors(file))
    throw new RnncParamsError("not an rnnc parameter file: neither safetensors nor an RNNCPARM file");
  const { tensors, metadata } = decodeSafetensors(file);
  if (metadata.format === FORMAT || metadata.crc32 !== undefined) {
    if (metadata.crc32 === undefined)
      throw new RnncParamsError("damaged rnnc parameter file: its checksum (crc32 in the metadata) is missing");
    const expected = checksum(tensors, metadata);
    if (metadata.crc32 !== expected) {
      throw new RnncParamsError(`damaged rnnc parameter file: its checksum is ${expected} but the file says ${
        metadata.crc32
      }; it was changed after it was written`);
    }
  }
  return [...tensors];
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
      problems.push(
        `${slot.name} has shape [${r.shape.join(", ")}] in the file but [${slot.shape.join(", ")}] in the model`,
      );
    } else if (r.dtype !== slot.dtype && (r.dtype === "i32" || slot.dtype === "i32")) {
      problems.push(`${slot.name} is ${r.dtype} in the file but ${slot.dtype} in the model`);
    } else {
      matched.push(r);
    }
  }
  for (const name of byName.keys()) problems.push(`${name} is in the file but not in the model`);
  if (problems.length > 0) {
    // A file of another model has dozens of problems; the first few say so.
    const more = problems.length > 8 ? `; and ${problems.length - 8} more` : "";
    throw new RnncParamsError(`parameter file does not match this model: ${problems.slice(0, 8).join("; ")}${more}`);
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
