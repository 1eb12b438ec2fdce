// compiler/lower — buffers: named regions of the module's memory, the unit
// of the memory plan and of the ABI. A buffer holds one value per batch entry
// (batched) and per step (perStep), laid out [step, batch, ...shape] packed
// for the call's batch, from the region's start.

import type { Shape } from "../ir/index.js";
import { sizeOf } from "../ir/index.js";
import type { ParamInit } from "../../runtime/abi.js";

export type Role =
  | "param" | "grad" | "input" | "target" | "lengths" | "output" | "state_in" | "state_out"
  | "grad_output" | "grad_state_out" | "optimizer" | "tape" | "scratch";

export type BufferType = "f32" | "f64" | "i32";

export interface Buffer {
  readonly name: string;
  readonly role: Role;
  /** Shape of one element (one step, one batch entry). */
  readonly shape: Shape;
  readonly perStep: boolean;
  readonly batched: boolean;
  readonly type: BufferType;
  /** Byte offset in memory, set by the memory plan. */
  offset: number;
  /** Integer ids: each below this bound (negative: none). */
  readonly idsBelow?: number;
  /** A parameter's initialisation hint. */
  readonly init?: ParamInit;
}

export function bytesOf(type: BufferType): number {
  return type === "f64" ? 8 : 4;
}

/** Elements of one step of one batch entry. */
export function elementCount(buffer: Buffer): number {
  return sizeOf(buffer.shape);
}

/** The region's size in bytes at full capacity. */
export function capacityBytes(buffer: Buffer, capacity: { batch: number; steps: number }): number {
  const copies = (buffer.perStep ? capacity.steps : 1) * (buffer.batched ? capacity.batch : 1);
  return copies * elementCount(buffer) * bytesOf(buffer.type);
}

/** Assign 16-byte aligned offsets to every buffer in order; returns the bytes used. */
export function planMemory(buffers: readonly Buffer[], capacity: { batch: number; steps: number }, start = 64): number {
  let offset = start;
  for (const buffer of buffers) {
    buffer.offset = offset;
    offset += Math.ceil(capacityBytes(buffer, capacity) / 16) * 16;
  }
  return offset;
}
