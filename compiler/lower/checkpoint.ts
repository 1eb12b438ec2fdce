// compiler/lower — gradient checkpointing (rnnc compile --checkpoint): the
// code a scan's forward and backward gain. In: a scan's schedules with its
// Checkpointing (memory-layout.ts), the scan function's locals. Out: wasm.
// The forward stores the state entering every K-th step, K = ⌈√steps⌉ of the
// call, in one segment region (⌈steps/K⌉ ≤ K rows). The backward runs its
// kernels before the loop over all steps, then the segments from the last to
// the first: it restores the segment's first state, reruns its forward steps
// (the recomputation writes the segment's tape and no output or loss), and
// runs its backward steps in reverse; then its kernels after the loop over
// all steps. The backward steps run in the same order as without checkpoints
// (steps − 1 down to 0) and every kernel over all steps is the full-tape
// build's, so each gradient is summed in the same order, bit for bit; a
// masked step keeps its state, so the recomputation from a checkpoint is
// exact past a sequence's end too.

import { sizeOf } from "../ir/index.js";
import { bytesOf, regionStart, type Buffer } from "./buffers.js";
import type { Schedule } from "./kernel.js";
import type { KernelEmitter } from "./kernels.js";
import { segmentStepsOf } from "./layout.js";
import type { Checkpointing } from "./memory-layout.js";
import type { StepContext } from "./site.js";
import { binaryen, type Expr, type FunctionBuilder } from "./wasm.js";

const i32 = binaryen.i32;

/** The scan function's i32 locals the checkpoint code reads. */
export interface ScanLocals {
  readonly fb: FunctionBuilder;
  readonly batch: number;
  readonly steps: number;
  readonly t: number;
  readonly zero: number;
  readonly rows: number;
  readonly loss: number;
}

/** Kernel emitters of a schedule in function `fb` at step t over `batch` rows, within a segment when given. */
export type EmitterOf = (
  fb: FunctionBuilder, loss: number, s: Schedule, t: number, batch: number, segment?: StepContext["segment"],
) => KernelEmitter;

export class CheckpointCode {
  /** K: the steps of one segment. */
  private readonly every: number;
  constructor(private readonly f: ScanLocals, private readonly c: Checkpointing) {
    this.every = f.fb.local(i32);
  }

  private get(local: number, fb = this.f.fb): Expr {
    return fb.get(local, i32);
  }

  /** K = ⌈√steps⌉, set once on entry. */
  prologue(): Expr {
    return this.f.fb.set(this.every, segmentStepsOf(this.f.fb.mod.raw, this.get(this.f.steps)));
  }

  /** Copies `batch` rows of each state to checkpoint `index`, or from it to the recomputed state. */
  private copy(fb: FunctionBuilder, batch: number, index: () => Expr, direction: "save" | "restore"): Expr[] {
    const m = fb.mod.raw;
    return this.c.states.map(({ state, saved, working }) => {
      const bytes = () => m.i32.mul(this.get(batch, fb), m.i32.const(sizeOf(state.shape) * bytesOf(state.type)));
      const slot = m.i32.add(regionStart(fb, saved), m.i32.mul(index(), bytes()));
      return direction === "save"
        ? m.memory.copy(slot, regionStart(fb, state), bytes())
        : m.memory.copy(regionStart(fb, working), slot, bytes());
    });
  }

  /** First in the forward loop's body: at every K-th step the state entering it (still in state_out) is saved. */
  save(): Expr {
    const m = this.f.fb.mod.raw;
    const t = () => this.get(this.f.t);
    const due = m.i32.eqz(m.i32.rem_u(t(), this.get(this.every)));
    return m.if(
      due,
      m.block(null, this.copy(this.f.fb, this.f.batch, () => m.i32.div_u(t(), this.get(this.every)), "save")),
    );
  }

  /**
   * The function (batch, start, end) that recomputes steps [start, end) of a
   * segment from its checkpoint (number start / K). Out of line, as each scan
   * is (module.ts: a function of too many values is compiled worse by V8):
   * measured on LSTM I=64 H=128 B=16 T=64, the backward with the
   * recomputation inline took 2.5× as long as without checkpoints.
   */
  private recomputeFunction(name: string, emitter: EmitterOf): void {
    const fb = this.f.fb.mod.function([i32, i32, i32, i32]);
    const m = fb.mod.raw;
    const [batch, start, end, index] = [0, 1, 2, 3];
    const [t, zero, firstRow, rows, loss] = [
      fb.local(i32),
      fb.local(i32),
      fb.local(i32),
      fb.local(i32),
      fb.local(binaryen.f64),
    ];
    const r = this.c.recompute;
    const all = emitter(fb, loss, r, zero, rows, { start, firstRow });
    const step = emitter(fb, loss, r, t, batch, { start });
    const get = (local: number) => this.get(local, fb);
    fb.finish(name, binaryen.none, [
      fb.set(zero, m.i32.const(0)),
      fb.set(firstRow, m.i32.mul(get(start), get(batch))),
      fb.set(rows, m.i32.mul(m.i32.sub(get(end), get(start)), get(batch))),
      ...this.copy(fb, batch, () => get(index), "restore"),
      ...r.before.map((k) => all.emit(k)),
      fb.forLoop(t, get(start), get(end), 1, r.loop.map((k) => step.emit(k))),
      ...r.after.map((k) => all.emit(k)),
    ]);
  }

  /** The backward scan's body: before its loop, the segments from the last, after its loop. */
  backward(s: Schedule, emitter: EmitterOf, name: string): Expr[] {
    const { fb, batch, steps, t, zero, rows } = this.f;
    const m = fb.mod.raw;
    this.recomputeFunction(name, emitter);
    const [segment, start, end] = [fb.local(i32), fb.local(i32), fb.local(i32)];
    const count = m.i32.div_u(
      m.i32.add(this.get(steps), m.i32.sub(this.get(this.every), m.i32.const(1))),
      this.get(this.every),
    );
    const step = emitter(fb, this.f.loss, s, t, batch, { start });
    const each = [
      fb.set(start, m.i32.mul(this.get(segment), this.get(this.every))),
      fb.set(end, m.i32.add(this.get(start), this.get(this.every))),
      m.if(m.i32.gt_s(this.get(end), this.get(steps)), fb.set(end, this.get(steps))),
      m.call(name, [this.get(batch), this.get(start), this.get(end), this.get(segment)], binaryen.none),
      fb.forLoopDown(t, this.get(end), s.loop.map((k) => step.emit(k)), () => this.get(start)),
    ];
    const all = emitter(fb, this.f.loss, s, zero, rows);
    return [
      ...s.before.map((k) => all.emit(k)),
      fb.forLoopDown(segment, count, each),
      ...s.after.map((k) => all.emit(k)),
    ];
  }

  /**
   * Regions the checkpoint code adds: each state's checkpoints and its recomputed copy, and the recomputation's
   * scratch.
   */
  static buffers(c: Checkpointing): Buffer[] {
    return [...c.states.flatMap((st) => [st.saved, st.working]), ...c.recompute.scratch];
  }
}
