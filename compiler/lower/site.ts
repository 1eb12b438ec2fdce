// compiler/lower — what every kernel emitter needs at one step of a scan: the
// step's locals (t, batch), where each located value lives, and address
// arithmetic over buffers (a buffer's start for this step, a batch entry's
// row). In: a StepContext. Out: i32 expressions; kernels.ts and products.ts
// build their loops from them.

import { sizeOf, IRError, type Node } from "../ir/index.js";
import { bytesOf, regionStart, type Buffer } from "./buffers.js";
import { overElements } from "./loops.js";
import type { Lanes } from "./lanes.js";
import { binaryen, type Expr, type FunctionBuilder } from "./wasm.js";

export interface StepContext {
  readonly fb: FunctionBuilder;
  /** Vector lanes (scalar lanes in a scalar build). */
  readonly vec: Lanes;
  readonly scalar: Lanes;
  /** i32 locals: the current step and the call's batch size. */
  readonly t: number;
  readonly batch: number;
  readonly located: ReadonlyMap<Node, Buffer>;
  /** f64 local accumulating the loss. */
  readonly loss: number;
  /**
   * In a checkpointed backward: the segment's first step (an i32 local), from
   * which a segment region (Buffer.segment) counts its steps; and, for kernels
   * over all of a segment's steps at once, its first row (first step · batch)
   * in every other per-step region, where t is then unused.
   */
  readonly segment?: { readonly start: number; readonly firstRow?: number };
}

const i32 = binaryen.i32;

export class KernelSite {
  constructor(readonly ctx: StepContext) {}

  get m() {
    return this.ctx.fb.mod.raw;
  }
  get bytes() {
    return this.ctx.scalar.bytes;
  }
  c(n: number): Expr {
    return this.m.i32.const(n);
  }
  get(local: number): Expr {
    return this.ctx.fb.get(local, i32);
  }
  newLocal(): number {
    return this.ctx.fb.local(i32);
  }

  /** Start of the buffer's data for this step. */
  base(buffer: Buffer): Expr {
    const m = this.m;
    if (!buffer.perStep) return regionStart(this.ctx.fb, buffer);
    const rowBytes = sizeOf(buffer.shape) * bytesOf(buffer.type);
    const segment = this.ctx.segment;
    if (segment?.firstRow !== undefined) {
      if (buffer.segment) return regionStart(this.ctx.fb, buffer);
      if (!buffer.batched)
        throw new IRError(`${buffer.role} ${buffer.name}: one row per step cannot be read over a segment's steps`);
      return m.i32.add(regionStart(this.ctx.fb, buffer), m.i32.mul(this.get(segment.firstRow), this.c(rowBytes)));
    }
    const stepBytes = buffer.batched ? m.i32.mul(this.get(this.ctx.batch), this.c(rowBytes)) : this.c(rowBytes);
    const step = buffer.segment ? this.segmentStep() : this.get(this.ctx.t);
    return m.i32.add(regionStart(this.ctx.fb, buffer), m.i32.mul(step, stepBytes));
  }

  /** The step within the segment: t − the segment's first step. */
  private segmentStep(): Expr {
    const segment = this.ctx.segment;
    if (!segment) throw new IRError("a segment region is read outside a checkpointed backward");
    return this.m.i32.sub(this.get(this.ctx.t), this.get(segment.start));
  }

  /** Start of batch entry b (a local) of a value stored in `buffer`. */
  row(buffer: Buffer, batched: boolean, b: number): Expr {
    if (!batched || !buffer.batched) return this.base(buffer);
    const rowBytes = sizeOf(buffer.shape) * bytesOf(buffer.type);
    return this.m.i32.add(this.base(buffer), this.m.i32.mul(this.get(b), this.c(rowBytes)));
  }

  copies(dest: Buffer): Expr {
    return dest.batched ? this.get(this.ctx.batch) : this.c(1);
  }

  locate(node: Node): Buffer {
    const buffer = this.ctx.located.get(node);
    if (!buffer) throw new IRError(`value %${node.id} (${node.op}) is used but never stored`);
    return buffer;
  }

  /** Start of the value's data for this step: row 0 of a batched value. */
  start(node: Node): Expr {
    return this.base(this.locate(node));
  }

  overElements(size: number, jb: number, body: (l: Lanes) => Expr): Expr[] {
    return overElements(this.ctx.fb, this.ctx.vec, this.ctx.scalar, size, jb, body);
  }

  zero(dest: Buffer): Expr {
    const bytes = sizeOf(dest.shape) * bytesOf(dest.type);
    const count = dest.batched ? this.m.i32.mul(this.get(this.ctx.batch), this.c(bytes)) : this.c(bytes);
    return this.m.memory.fill(this.base(dest), this.c(0), count);
  }
}
