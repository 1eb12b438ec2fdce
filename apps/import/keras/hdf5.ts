// apps/import/keras — HDF5 files as the .keras reader needs them, through
// jsfive (a pure-JavaScript reader: synchronous, so importing stays one
// synchronous call, and it reads from memory, where a zip entry is). In: the
// file's bytes. Out: a tree of groups and floating-point datasets; whatever
// jsfive throws on a damaged file (it throws strings too) becomes an
// ImportError naming the file and the object it was reading.

import { Dataset, File, Group } from "jsfive";
import { ImportError } from "../errors.js";

export interface H5Group {
  readonly kind: "group";
  /** The path from the file's root, without a leading slash ("" for the root). */
  readonly path: string;
  readonly attrs: Readonly<Record<string, unknown>>;
  /** The group's members by name, in the file's order. */
  members(): ReadonlyMap<string, H5Node>;
}

export interface H5Dataset {
  readonly kind: "dataset";
  readonly path: string;
  readonly shape: readonly number[];
  /** f16, f32 or f64 (either byte order); anything else is named as the file types it. */
  readonly type: "f16" | "f32" | "f64" | { readonly other: string };
  /** The values, row-major, exactly (every float type fits a double). */
  values(): Float64Array;
}

export type H5Node = H5Group | H5Dataset;

const floatTypes = { "2": "f16", "4": "f32", "8": "f64" } as const;

export function readHdf5(bytes: Uint8Array, file: string): H5Group {
  const guard = <T>(what: string, read: () => T): T => {
    // jsfive writes what it cannot parse to the console; the ImportError says it, once.
    const { log, warn } = console;
    console.log = console.warn = () => undefined;
    try {
      return read();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new ImportError(`${file}: not a readable HDF5 file (${what}: ${why})`);
    } finally {
      console.log = log;
      console.warn = warn;
    }
  };
  const wrapGroup = (group: Group, path: string): H5Group => ({
    kind: "group",
    path,
    attrs: guard(`the attributes of /${path}`, () => group.attrs),
    members: () =>
      guard(`the members of /${path}`, () => {
        const members = new Map<string, H5Node>();
        for (const key of group.keys) {
          const child = group.get(key);
          const at = path === "" ? key : `${path}/${key}`;
          if (child instanceof Group) members.set(key, wrapGroup(child, at));
          else if (child instanceof Dataset) members.set(key, wrapDataset(child, at));
        }
        return members;
      }),
  });
  const wrapDataset = (dataset: Dataset, path: string): H5Dataset => {
    const dtype = guard(`the type of /${path}`, () => dataset.dtype);
    const match = typeof dtype === "string" ? /^[<>]f([248])$/.exec(dtype) : null;
    const type = match ? floatTypes[match[1] as keyof typeof floatTypes] : { other: JSON.stringify(dtype) };
    const shape = guard(`the shape of /${path}`, () => [...dataset.shape]);
    return {
      kind: "dataset",
      path,
      shape,
      type,
      values: () =>
        guard(`the values of /${path}`, () => {
          const raw = dataset.value;
          const count = shape.reduce((n, d) => n * d, 1);
          if (!Array.isArray(raw) || raw.length !== count || !raw.every((v) => typeof v === "number"))
            throw new Error(`expected ${count} numbers`);
          return Float64Array.from(raw as number[]);
        }),
    };
  };
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return wrapGroup(guard("its superblock", () => new File(copy, file)), "");
}
