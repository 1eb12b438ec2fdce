// compiler/lower — the buffers of a program and where each scan's values
// live. In: a Program, the element type, the optimizer and whether the build
// is for inference or checkpointed. Out: the MemoryLayout: every buffer of
// the module (params, gradients, optimizer state, sequences, states, tape,
// masks) and, for each scan, its forward and backward schedules with every
// var and output bound to its buffer, and in a checkpointed build the
// schedule that recomputes its tape (checkpoint.ts emits it). module.ts plans
// their memory and emits the module.

import { IRError, type Node, type VarArg } from "../ir/index.js";
import {
  lossAtLastStep,
  readersOf,
  targetsAreClasses,
  type Program,
  type Stage,
  type StepOutput,
} from "../time/index.js";
import { type Buffer, type BufferType, type Role } from "./buffers.js";
import { LastingPanels } from "./panels.js";
import type { Kernel, Schedule, Sink, Tiling } from "./kernel.js";
import { readsOf } from "./phases.js";
import { schedule } from "./schedule.js";
import { trainBuffers, type Optimizer, type TrainBuffers } from "./train.js";

class BufferTable {
  readonly all: Buffer[] = [];
  private readonly byKey = new Map<string, Buffer>();
  constructor(private readonly dtype: BufferType) {}

  add(
    name: string,
    role: Role,
    shape: readonly number[],
    opts: {
      perStep?: boolean;
      batched?: boolean;
      type?: BufferType;
      idsBelow?: number | undefined;
      init?: Buffer["init"]
    } = {},
  ): Buffer {
    const key = `${role}:${name}`;
    if (this.byKey.has(key)) throw new IRError(`two ${role} tensors named ${name}`);
    const buffer: Buffer = {
      name,
      role,
      shape,
      perStep: opts.perStep ?? false,
      batched: opts.batched ?? false,
      type: opts.type ?? this.dtype,
      place: undefined,
      ...(opts.idsBelow !== undefined ? { idsBelow: opts.idsBelow } : {}),
      ...(opts.init !== undefined ? { init: opts.init } : {}),
    };
    this.all.push(buffer);
    this.byKey.set(key, buffer);
    return buffer;
  }

  /** Puts `next` where `buffer` was, in the table's order (a tape entry that holds one checkpoint segment). */
  replace(buffer: Buffer, next: Buffer): void {
    const at = this.all.indexOf(buffer);
    if (at < 0) throw new IRError(`no ${buffer.role} buffer ${buffer.name} to replace`);
    this.all[at] = next;
    this.byKey.set(`${buffer.role}:${buffer.name}`, next);
  }

  get(role: Role, name: string): Buffer {
    const buffer = this.byKey.get(`${role}:${name}`);
    if (!buffer) throw new IRError(`no ${role} buffer ${name}`);
    return buffer;
  }
}

type ScanStage = Extract<Stage, { kind: "scan" }>;

/** How one scan is looped: its forward and backward schedules, and how a checkpointed build recomputes its tape. */
export interface ScanSchedules {
  readonly forward: Schedule;
  readonly backward: Schedule | undefined;
  readonly checkpoint?: Checkpointing | undefined;
}

/**
 * A scan whose backward recomputes its tape segment by segment (rnnc compile
 * --checkpoint). The forward stores the state entering every K-th step; for
 * each segment the backward restores it into `working` and runs `recompute`,
 * the forward step cut down to the next states and the tape entries that
 * hold one segment (Buffer.segment). The other tape entries (those the
 * backward reads over all steps at once, before or after its loop: a weight
 * gradient summed over steps reads them in the order of the full-tape build)
 * stay whole and are written by the forward as before.
 */
export interface Checkpointing {
  readonly recompute: Schedule;
  readonly states: readonly { readonly state: Buffer; readonly saved: Buffer; readonly working: Buffer }[];
}

/** Every buffer of the module and where each stage's values live. */
export class MemoryLayout {
  readonly t: BufferTable;
  readonly lengths: Buffer;
  readonly mask: Buffer;
  /** 1 at each sequence's last step, for losses counted there only. */
  readonly last: Buffer | undefined;
  /** Cotangent sequences that several stages add into: zeroed before backward. */
  readonly accumulated = new Set<Buffer>();
  /** Each parameter's gradient buffer. */
  readonly grads = new Map<Buffer, Buffer>();
  readonly train: TrainBuffers | undefined;
  /** Each int8 parameter's row scales (quantized.ts), placed right after it. */
  readonly scales = new Map<Buffer, Buffer>();
  private readonly readers: Map<string, number>;

  constructor(
    readonly program: Program, dtype: BufferType, optimizer: Optimizer | undefined, readonly inference: boolean,
    readonly checkpoint = false, quantized: ReadonlySet<string> = new Set(),
  ) {
    const t = (this.t = new BufferTable(dtype));
    const differentiable = !inference;
    this.readers = readersOf(program);
    const scans = program.stages.filter((s): s is ScanStage => s.kind === "scan");
    const seq = { perStep: true, batched: true };
    const row = { batched: true };
    for (const s of scans) {
      for (const p of s.scan.params) {
        const name = s.prefix + p.name;
        if (!quantized.has(name)) {
          t.add(name, "param", p.shape, { init: p.init });
          continue;
        }
        // The scales follow the int8 rows: the product's last 8-byte read of a row may pass its end (quantized.ts).
        const param = t.add(name, "param", p.shape, { init: p.init, type: "i8" });
        this.scales.set(param, t.add(name, "param_scale", [p.shape[0]!], { type: "f32" }));
      }
    }
    if (differentiable) {
      for (const s of scans) {
        for (const p of s.scan.params)
          this.grads.set(t.get("param", s.prefix + p.name), t.add(s.prefix + p.name, "grad", p.shape));
      }
    }
    this.train = optimizer && trainBuffers(
      [...this.grads.keys()],
      optimizer,
      (name, shape, type) => t.add(name, "optimizer", shape, type ? { type } : {}),
    );
    const sequences = program.sequences;
    for (const q of sequences.filter((q) => q.role === "input")) {
      t.add(q.name, "input", q.shape, q.idsBelow === undefined ? seq : { ...seq, type: "i32", idsBelow: q.idsBelow });
    }
    if (differentiable) {
      for (const q of sequences.filter((q) => q.role === "input" && q.idsBelow === undefined))
        t.add(q.name, "grad", q.shape, seq);
    }
    if (program.loss !== "none") {
      const classes = targetsAreClasses(program.loss);
      // A loss read at each sequence's last step only needs one target per sequence: [batch, ...], not per step.
      const layout = lossAtLastStep(program.loss) ? row : seq;
      for (const q of sequences.filter((q) => q.role === "output")) {
        t.add(q.name, "target", classes ? [] : q.shape, classes ? { ...layout, type: "i32" } : layout);
      }
    }
    this.lengths = t.add("lengths", "lengths", [], { batched: true, type: "i32" });
    const stateRoles = differentiable
      ? (["state_in", "grad", "state_out", ...(program.loss === "none" ? ["grad_state_out" as const] : [])] as const)
      : (["state_in", "state_out"] as const);
    for (const role of stateRoles) {
      for (const s of scans) for (const st of s.scan.states) t.add(s.prefix + st.name, role, st.shape, row);
    }
    for (const q of sequences.filter((q) => q.role === "output")) t.add(q.name, "output", q.shape, seq);
    if (program.loss === "none" && differentiable)
      for (const q of sequences.filter((q) => q.role === "output")) t.add(q.name, "grad_output", q.shape, seq);
    for (const q of sequences.filter((q) => q.role === "internal")) {
      t.add(`seq.${q.name}`, "scratch", q.shape, seq);
      if (differentiable) t.add(`dseq.${q.name}`, "scratch", q.shape, seq);
    }
    if (differentiable) {
      for (const s of scans)
        for (const e of s.scan.tape) t.add(s.prefix + e.name, "tape", e.shape, { perStep: true, batched: e.batched });
    }
    this.mask = t.add("mask", "scratch", [], seq);
    this.last = lossAtLastStep(program.loss) ? t.add("last", "scratch", [], seq) : undefined;
    if (differentiable) {
      for (const q of sequences) {
        if (q.idsBelow === undefined && (this.readers.get(q.name) ?? 0) > 1)
          this.accumulated.add(this.cotangent(q.name));
      }
    }
  }

  private roleOf(name: string) {
    const q = this.program.sequences.find((q) => q.name === name);
    if (!q) throw new IRError(`no sequence ${name}`);
    return q.role;
  }

  values(name: string): Buffer {
    const role = this.roleOf(name);
    return role === "internal" ? this.t.get("scratch", `seq.${name}`) : this.t.get(role, name);
  }

  cotangent(name: string): Buffer {
    const role = this.roleOf(name);
    if (role === "internal") return this.t.get("scratch", `dseq.${name}`);
    return role === "input" ? this.t.get("grad", name) : this.t.get("grad_output", name);
  }

  /** Whether the adjoint of a stage reading `name` adds to its cotangent or overwrites it. */
  accumulates(name: string): boolean {
    return (this.readers.get(name) ?? 0) > 1;
  }

  scheduleScan(stage: ScanStage, dtype: "f32" | "f64", lasting: LastingPanels, tiling: Tiling): ScanSchedules {
    const { scan, prefix } = stage;
    const t = this.t;
    const firstOutput = scan.outputs[0]!.name;
    /** The state each recomputed step reads and writes, in place of state_out (which holds the final state). */
    const working = new Map<string, Buffer>();
    const varBuffer = (phase: "forward" | "backward" | "recompute") => (node: Node): Buffer => {
      const v = node.arg as VarArg;
      switch (v.role) {
        case "param": return t.get("param", prefix + v.name);
        case "input": return this.values(stage.reads[v.name]!);
        case "target": return t.get("target", stage.writes[firstOutput]!);
        case "mask": return v.marks === "last" ? this.last! : this.mask;
        case "state":
          if (phase === "recompute") return working.get(v.name)!;
          if (phase === "forward") return t.get("state_out", prefix + v.name);
          throw new IRError(`backward reads state ${v.name} directly; it should be on the tape`);
        case "seed": {
          const of = v.seeds!;
          return of.kind === "next" ? t.get("grad", prefix + of.name) : this.cotangent(stage.writes[of.name]!);
        }
        case "tape": return t.get("tape", prefix + v.name);
      }
    };
    const sinkOf = (phase: "forward" | "backward" | "recompute") => ({ port: { kind, name } }: StepOutput): Sink => {
      switch (kind) {
        case "next": return {
          kind: "deferred",
          buffer: phase === "recompute" ? working.get(name)! : t.get("state_out", prefix + name),
        };
        case "output": return { kind: "store", buffer: this.values(stage.writes[name]!) };
        case "loss": return { kind: "loss" };
        case "tape": return { kind: "store", buffer: t.get("tape", prefix + name) };
        case "dstate": return { kind: "deferred", buffer: t.get("grad", prefix + name) };
        case "dinput": {
          const source = stage.reads[name]!;
          return { kind: this.accumulates(source) ? "accumulate" : "store", buffer: this.cotangent(source) };
        }
        case "dparam": return { kind: "accumulate", buffer: t.get("grad", prefix + name) };
      }
    };
    const title = prefix === "" ? "" : prefix;
    const scheduleBackward = (panels: LastingPanels) => schedule({
      fn: scan.backward, title: `${title}backward`, varBuffer: varBuffer("backward"), sinkOf: sinkOf("backward"), dtype,
      lastingPanels: (p, transpose) => panels.of("backward", p, transpose), tiling,
    });
    // Which tape entries the backward reads only in its loop, from a schedule made to be asked (its panels go nowhere).
    const probe = this.checkpoint && !this.inference ? scheduleBackward(new LastingPanels(tiling)) : undefined;
    const segmented = probe ? this.segmentTape(stage, probe) : new Set<string>();
    // Without a backward pass nothing reads the tape: the forward step stores none of it; with
    // checkpoints the forward stores only the entries kept whole, the recomputation the others.
    const stores = (o: StepOutput) => o.port.kind !== "tape" || (!this.inference && !segmented.has(o.port.name));
    const forward = { ...scan.forward, outputs: scan.forward.outputs.filter(stores) };
    const scheduled: ScanSchedules = {
      forward: schedule({
        fn: forward, title: `${title}forward`, varBuffer: varBuffer("forward"), sinkOf: sinkOf("forward"), dtype,
        lastingPanels: (p, transpose) => lasting.of("forward", p, transpose), tiling,
        ...(this.scales.size > 0 ? { scalesOf: (p: Buffer) => this.scales.get(p) } : {}),
      }),
      backward: this.inference ? undefined : scheduleBackward(lasting),
    };
    if (segmented.size === 0) return scheduled;
    const states = scan.states.map((st) => {
      const row = { perStep: false, batched: true, type: dtype, place: undefined } as const;
      const state = t.get("state_out", prefix + st.name);
      const saved: Buffer = {
        ...row,
        name: `${prefix}${st.name}.checkpoints`,
        role: "tape",
        shape: st.shape,
        perStep: true,
        segment: true,
      };
      const held: Buffer = { ...row, name: `${prefix}${st.name}.recomputed`, role: "scratch", shape: st.shape };
      working.set(st.name, held);
      return { state, saved, working: held };
    });
    const recomputed = (o: StepOutput) =>
      o.port.kind === "next" || (o.port.kind === "tape" && segmented.has(o.port.name));
    const recompute = schedule({
      fn: { ...scan.forward, outputs: scan.forward.outputs.filter(recomputed) }, title: `${title}recompute`,
      varBuffer: varBuffer("recompute"), sinkOf: sinkOf("recompute"), dtype,
      lastingPanels: (p, transpose) => lasting.of("backward", p, transpose), tiling,
    });
    return { ...scheduled, checkpoint: { recompute: withinSegment(recompute), states } };
  }

  /**
   * Gives every tape entry of the scan that the backward reads only inside
   * its loop a region of one segment (replacing its buffer in the table);
   * returns their names. An entry a kernel before or after the loop reads
   * over all steps stays whole.
   */
  private segmentTape(stage: ScanStage, backward: Schedule): Set<string> {
    const wholeReads = new Set(
      [...backward.before, ...backward.after].flatMap((k) => [...readsOf(k, backward.located)]),
    );
    const names = new Set<string>();
    for (const e of stage.scan.tape) {
      const buffer = this.t.get("tape", stage.prefix + e.name);
      if (wholeReads.has(buffer) || !buffer.batched) continue;
      this.t.replace(buffer, { ...buffer, segment: true });
      names.add(e.name);
    }
    return names;
  }
}

/**
 * The recomputation's values that cross its phases need a row per step of one segment only: it runs a segment at a
 * time.
 */
function withinSegment(s: Schedule): Schedule {
  const swapped = new Map(
    s.scratch.filter((b) => b.perStep && b.batched).map((b) => [b, { ...b, segment: true as const }]),
  );
  const swap = (b: Buffer) => swapped.get(b) ?? b;
  const retarget = (k: Kernel): Kernel => ("dest" in k ? ({ ...k, dest: swap(k.dest) } as Kernel) : k);
  return {
    before: s.before.map(retarget),
    loop: s.loop.map(retarget),
    after: s.after.map(retarget),
    located: new Map([...s.located].map(([n, b]) => [n, swap(b)])),
    scratch: s.scratch.map(swap),
  };
}
