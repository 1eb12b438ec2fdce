// compiler/lower — parameters baked into a module, a step after lowering. In:
// a lowered module's bytes, its ABI and the parameter values (a parameter
// file's records, as rnnc/runtime reads them). Out: the same module with
// every parameter's bytes in active data segments at the offsets its ABI
// gives for role param, those entries marked "baked", validated again: it
// runs with no other file. Parameters are fixed-size regions at fixed
// offsets (ABI 2), whatever capacity the host lays the module out at.

import type { Abi, TensorEntry } from "../../runtime/abi.js";
import { elementTypeOf, resolveShape, type ElementType } from "../../runtime/abi.js";
import { int8Bytes, quantizeRows } from "../../runtime/quantize.js";
import { RnncParamsError } from "../../runtime/errors.js";
import { convertFloats, matchParams, type ParamRecord } from "../../runtime/params.js";
import { BakeError } from "../errors.js";
import { withoutCustomSection } from "./sections.js";
import { WasmModule } from "./wasm.js";

/** An int8 parameter's bytes and its row scales', from its f32 values. */
function quantizedPieces(
  abi: Abi,
  entry: TensorEntry,
  offset: number,
  data: Uint8Array,
): { offset: number; data: Uint8Array }[] {
  const [rows, cols] = entry.shape as [number, number];
  const scalesEntry = abi.tensors.find((t) => t.role === "param_scale" && t.name === entry.name);
  if (!scalesEntry || typeof scalesEntry.offset !== "number")
    throw new Error(`bake: int8 parameter ${entry.name} has no fixed param_scale region`);
  const q = new Int8Array(int8Bytes(rows, cols));
  const scales = new Float32Array(rows);
  quantizeRows(new Float32Array(data.slice().buffer), rows, cols, q, scales);
  return [
    { offset, data: new Uint8Array(q.buffer) },
    { offset: scalesEntry.offset, data: new Uint8Array(scales.buffer) },
  ];
}

export interface Baked {
  readonly binary: Uint8Array;
  readonly abi: Abi;
  /** The module with its function names, for its text form. */
  readonly named: Uint8Array;
}

/** Writes `records` into the module's parameter regions; the file must hold exactly the module's parameters. */
export function bakeParams(binary: Uint8Array, abi: Abi, records: readonly ParamRecord[]): Baked {
  const entries = abi.tensors.filter((t) => t.role === "param");
  const slots = entries.map((e) => ({
    name: e.name,
    shape: resolveShape(e.shape, abi.capacity),
    // An int8 parameter (quantize int8) is baked from the f32 values it stands for, quantised as the runtime's set
    // does.
    dtype: e.dtype === "i8" ? "f32" as const : elementTypeOf(abi, e) as ElementType,
  }));
  let matched: ParamRecord[];
  try {
    matched = matchParams(slots, records);
  } catch (e) {
    if (e instanceof RnncParamsError)
      throw new BakeError(`cannot bake the parameters: ${e.message.replace(/^parameter file/, "the file")}`);
    throw e;
  }
  // One segment per run of adjacent regions.
  const pieces = entries
    .flatMap((entry, i) => {
      const record = matched[i]!;
      const want = slots[i]!.dtype;
      const data =
        record.dtype === want
          ? record.data
          : convertFloats(record.data, record.dtype as "f32" | "f64", want as "f32" | "f64");
      // A parameter's region never moves (ABI 2 gives it a number), so its bytes can be placed before the host
      // chooses a capacity.
      if (typeof entry.offset !== "number")
        throw new Error(`bake: parameter ${entry.name} has a moving offset; parameters are fixed regions`);
      if (entry.dtype === "i8") return quantizedPieces(abi, entry, entry.offset, data);
      return [{ offset: entry.offset, data }];
    })
    .sort((a, b) => a.offset - b.offset);
  const segments: { offset: number; data: Uint8Array }[] = [];
  for (const p of pieces) {
    const last = segments.at(-1);
    if (last && last.offset + last.data.length === p.offset) {
      const joined = new Uint8Array(last.data.length + p.data.length);
      joined.set(last.data);
      joined.set(p.data, last.data.length);
      segments[segments.length - 1] = { offset: last.offset, data: joined };
    } else segments.push({ offset: p.offset, data: p.data });
  }
  const baked: Abi = {
    ...abi,
    tensors: abi.tensors.map((t): TensorEntry => (t.role === "param" ? { ...t, baked: true } : t)),
  };
  const mod = WasmModule.read(withoutCustomSection(binary, "rnnc"), abi.simd, abi.relaxedSimd === true);
  try {
    mod.setDataSegments(segments);
    mod.customSection("rnnc", new TextEncoder().encode(JSON.stringify(baked)));
    return { ...mod.emit({ optimize: false }), abi: baked };
  } finally {
    mod.dispose();
  }
}
