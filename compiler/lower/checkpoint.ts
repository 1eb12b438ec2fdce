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
}

/** Kernel emitters of a schedule at step t over `batch` rows, within a segment when given. */
export type EmitterOf = (s: Schedule, t: number, batch: number, segment?: StepContext["segment"]) => KernelEmitter;

export class CheckpointCode {
  /** K: the steps of one segment. */
  private readonly every: number;
  constructor(private readonly f: ScanLocals, private readonly c: Checkpointing) {
    this.every = f.fb.local(i32);
  }

  private get(local: number): Expr {
    return this.f.fb.get(local, i32);
  }

  /** K = ⌈√steps⌉, set once on entry. */
  prologue(): Expr {
    return this.f.fb.set(this.every, segmentStepsOf(this.f.fb.mod.raw, this.get(this.f.steps)));
  }

  /** Copies `batch` rows of each state to checkpoint `index` (an expression), or from it to the recomputed state. */
  private copy(index: () => Expr, direction: "save" | "restore"): Expr[] {
    const m = this.f.fb.mod.raw;
    return this.c.states.map(({ state, saved, working }) => {
      const bytes = () => m.i32.mul(this.get(this.f.batch), m.i32.const(sizeOf(state.shape) * bytesOf(state.type)));
      const slot = m.i32.add(regionStart(this.f.fb, saved), m.i32.mul(index(), bytes()));
      return direction === "save"
        ? m.memory.copy(slot, regionStart(this.f.fb, state), bytes())
        : m.memory.copy(regionStart(this.f.fb, working), slot, bytes());
    });
  }

  /** First in the forward loop's body: at every K-th step the state entering it (still in state_out) is saved. */
  save(): Expr {
    const m = this.f.fb.mod.raw;
    const t = () => this.get(this.f.t);
    const due = m.i32.eqz(m.i32.rem_u(t(), this.get(this.every)));
    return m.if(due, m.block(null, this.copy(() => m.i32.div_u(t(), this.get(this.every)), "save")));
  }

  /** The backward scan's body: before its loop, the segments from the last, after its loop. */
  backward(s: Schedule, emitter: EmitterOf): Expr[] {
    const { fb, batch, steps, t, zero, rows } = this.f;
    const m = fb.mod.raw;
    const r = this.c.recompute;
    const [segment, start, end, firstRow, segmentRows] = [0, 0, 0, 0, 0].map(() => fb.local(i32)) as [number, number, number, number, number];
    const over = { start, firstRow };
    const within = { start };
    const count = m.i32.div_u(m.i32.add(this.get(steps), m.i32.sub(this.get(this.every), m.i32.const(1))), this.get(this.every));
    const recomputeAll = emitter(r, zero, segmentRows, over);
    const recomputeStep = emitter(r, t, batch, within);
    const backwardStep = emitter(s, t, batch, within);
    const each = [
      fb.set(start, m.i32.mul(this.get(segment), this.get(this.every))),
      fb.set(end, m.i32.add(this.get(start), this.get(this.every))),
      m.if(m.i32.gt_s(this.get(end), this.get(steps)), fb.set(end, this.get(steps))),
      fb.set(firstRow, m.i32.mul(this.get(start), this.get(batch))),
      fb.set(segmentRows, m.i32.mul(m.i32.sub(this.get(end), this.get(start)), this.get(batch))),
      ...this.copy(() => this.get(segment), "restore"),
      ...r.before.map((k) => recomputeAll.emit(k)),
      fb.forLoop(t, this.get(start), this.get(end), 1, r.loop.map((k) => recomputeStep.emit(k))),
      ...r.after.map((k) => recomputeAll.emit(k)),
      fb.forLoopDown(t, this.get(end), s.loop.map((k) => backwardStep.emit(k)), () => this.get(start)),
    ];
    const all = emitter(s, zero, rows);
    return [...s.before.map((k) => all.emit(k)), fb.forLoopDown(segment, count, each), ...s.after.map((k) => all.emit(k))];
  }

  /** Regions the checkpoint code adds: each state's checkpoints and its recomputed copy, and the recomputation's scratch. */
  static buffers(c: Checkpointing): Buffer[] {
    return [...c.states.flatMap((st) => [st.saved, st.working]), ...c.recompute.scratch];
  }
}
