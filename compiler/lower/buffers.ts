// compiler/lower — buffers: named regions of the module's memory, the unit
// of the memory plan (layout.ts) and of the ABI. A buffer holds one value per
// batch entry (batched) and per step (perStep), laid out [step, batch,
// ...shape] packed for the call's batch, from the region's start; where that
// start is, as code: a constant, or the global the layout function set.

import { segmentSteps, type OffsetForm, type ParamInit } from "../../runtime/abi.js";
import { int8Bytes } from "../../runtime/quantize.js";
import type { Shape } from "../ir/index.js";
import { IRError, sizeOf } from "../ir/index.js";
import { binaryen, type Expr, type FunctionBuilder } from "./wasm.js";

export type Role =
  | "param" | "grad" | "input" | "target" | "lengths" | "output" | "state_in" | "state_out"
  | "grad_output" | "grad_state_out" | "optimizer" | "param_version" | "param_scale" | "tape" | "scratch";

/** i8: a parameter matrix of the 8-bit build (quantized.ts). */
export type BufferType = "f32" | "f64" | "i32" | "i8";

export interface Buffer {
  readonly name: string;
  readonly role: Role;
  /** Shape of one element (one step, one batch entry). */
  readonly shape: Shape;
  readonly perStep: boolean;
  /**
   * With perStep: the region holds the steps of one checkpoint segment only
   * (⌈√S⌉ rows of steps, ABI 3), indexed from the segment's first step.
   */
  readonly segment?: true;
  readonly batched: boolean;
  readonly type: BufferType;
  /** Where the region starts, set by the memory plan. */
  place: Placement | undefined;
  /** Integer ids: each below this bound (negative: none). */
  readonly idsBelow?: number;
  /** A parameter's initialisation hint. */
  readonly init?: ParamInit;
}

/** A region with neither a batch nor a steps axis never moves; the others move with the capacity. */
export type Placement = FixedPlace | MovingPlace;
export interface FixedPlace {
  readonly kind: "fixed";
  readonly offset: number;
}
export interface MovingPlace {
  readonly kind: "moving";
  /** The offset as a form in the capacity (the ABI's). */
  readonly form: OffsetForm;
  /** The i32 global layout() sets to the offset at the chosen capacity. */
  readonly global: string;
}

export function bytesOf(type: BufferType): number {
  return type === "f64" ? 8 : type === "i8" ? 1 : 4;
}

/** Elements of one step of one batch entry; an int8 matrix's, padded to its blocks (runtime/quantize.ts). */
export function elementCount(buffer: Buffer): number {
  if (buffer.type === "i8") return int8Bytes(buffer.shape[0]!, buffer.shape[1]!);
  return sizeOf(buffer.shape);
}

/** The region's size in bytes at full capacity. */
export function capacityBytes(buffer: Buffer, capacity: { batch: number; steps: number }): number {
  const steps = buffer.segment ? segmentSteps(capacity.steps) : capacity.steps;
  const copies = (buffer.perStep ? steps : 1) * (buffer.batched ? capacity.batch : 1);
  return copies * elementCount(buffer) * bytesOf(buffer.type);
}

/**
 * The address of the region's start in the function being built: a constant
 * for a fixed region; for a moving one, a local its global is read into once
 * on entry, so loops read a register rather than the instance's globals.
 */
export function regionStart(fb: FunctionBuilder, buffer: Buffer): Expr {
  const place = buffer.place;
  if (!place) throw new IRError(`${buffer.role} ${buffer.name} was never placed in memory`);
  if (place.kind === "fixed") return fb.mod.raw.i32.const(place.offset);
  return fb.get(fb.globalOnEntry(place.global, binaryen.i32), binaryen.i32);
}
