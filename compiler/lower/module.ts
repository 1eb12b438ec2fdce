// compiler/lower — the whole module. In: a Program (stages over sequences)
// and build options. Out: the memory plan (layout.ts), the ABI, and the wasm
// functions layout(batch, steps) -> status, forward(batch, steps) -> f64 and
// backward(batch, steps): a guard, then each stage in order (backward: each
// adjoint in reverse order), after repacking any parameter panels that are
// stale (panels.ts). A scan is one wasm loop over time, so module size does
// not grow with sequence length.

import type { Abi, TensorEntry } from "../../runtime/abi.js";
import { sizeOf } from "../ir/index.js";
import { type Program, type Stage } from "../time/index.js";
import { atCapacity } from "../../runtime/abi.js";
import { MAX_MEMORY_BYTES } from "../../runtime/layout.js";
import { bytesOf, capacityBytes, regionStart, type Buffer } from "./buffers.js";
import { abiOffset, capacityGuard, emitLayout, planMemory } from "./layout.js";
import { BuildError } from "../errors.js";
import { KernelEmitter } from "./kernels.js";
import { lanesFor } from "./lanes.js";
import { LastingPanels } from "./panels.js";
import { defaultTiling, type Schedule, type Tiling } from "./kernel.js";
import { schedule } from "./schedule.js";
import { mergeAdjoint, mergeSequences, reverseSequences, type SequenceFrame } from "./sequences.js";
import { emitTrainStep, type Optimizer } from "./train.js";
import { binaryen, noInlinePrefix, WasmModule, type Expr, type FunctionBuilder } from "./wasm.js";
import { MemoryLayout, type Checkpointing, type ScanSchedules } from "./memory-layout.js";
import { CheckpointCode } from "./checkpoint.js";
import { checkQuantize, quantizedParams, type Quantize } from "./quantized.js";
import { INT8_BLOCKS } from "../../runtime/quantize.js";
import type { StepContext } from "./site.js";

export interface LowerOptions {
  readonly dtype: "f32" | "f64";
  readonly simd: boolean;
  /** The default capacity, recorded in the ABI: a host lays the module out at any other. */
  readonly capacity: { readonly batch: number; readonly steps: number };
  readonly optimize: boolean;
  readonly dims: Readonly<Record<string, number>>;
  readonly name: string;
  /**
   * Adds train_step(batch, steps, learning_rate, clip_norm) and apply_update(learning_rate, clip_norm) with this
   * optimizer.
   */
  readonly train?: Optimizer | undefined;
  /** Forward only: no backward function, tape or gradient tensors. */
  readonly inference: boolean;
  /** Relaxed SIMD: the product kernel multiplies and adds in one relaxed_madd. */
  readonly relaxedSimd?: boolean;
  /** Gradient checkpointing (checkpoint.ts): a tape of one segment of ⌈√steps⌉ steps, recomputed in backward. */
  readonly checkpoint?: boolean;
  /** "int8": parameter matrices stored and multiplied in 8 bits (quantized.ts); an f32 SIMD inference build only. */
  readonly quantize?: Quantize | undefined;
  /** How products are cut into loops, field by field over defaultTiling (the outputs are the same for every one). */
  readonly tiling?: Partial<Tiling> | undefined;
}

export interface Lowered {
  readonly abi: Abi;
  /** Forward and backward schedule of each scan, for dumps. */
  readonly schedules: readonly ({ readonly prefix: string } & ScanSchedules)[];
  /**
   * Emits the module's bytes, and the same with function names (WasmModule.emit); the Binaryen module is disposed
   * afterwards.
   */
  emit(): { binary: Uint8Array; named: Uint8Array };
}

export function lowerProgram(program: Program, options: LowerOptions): Lowered {
  const { dtype, capacity } = options;
  if (options.inference && options.train) {
    throw new BuildError(
      "an inference build has no backward pass to train with: leave out the optimizer or the inference option",
    );
  }
  if (options.inference && options.checkpoint) {
    throw new BuildError(
      "an inference build keeps no tape to checkpoint: leave out the checkpoint or the inference option",
    );
  }
  checkQuantize(options);
  const quantized = options.quantize ? quantizedParams(program) : new Set<string>();
  const layout = new MemoryLayout(
    program, dtype, options.train, options.inference, options.checkpoint ?? false, quantized,
  );
  const scheduled = new Map<Stage, ScanSchedules>();
  const tiling: Tiling = { ...defaultTiling, ...options.tiling };
  const lasting = new LastingPanels(tiling);
  for (const stage of program.stages)
    if (stage.kind === "scan") scheduled.set(stage, layout.scheduleScan(stage, dtype, lasting, tiling));
  const scratch = [...scheduled.values()].flatMap((s) => [
    ...s.forward.scratch, ...(s.backward?.scratch ?? []), ...(s.checkpoint ? CheckpointCode.buffers(s.checkpoint) : []),
  ]);
  const buffers = [...layout.t.all, ...lasting.buffers(), ...scratch];
  const plan = planMemory(buffers);
  const memoryBytes = atCapacity(plan.memory, capacity);
  if (memoryBytes > MAX_MEMORY_BYTES) {
    const largest = [...buffers].sort((a, b) => capacityBytes(b, capacity) - capacityBytes(a, capacity)).slice(0, 3);
    throw new BuildError(
      `at its default capacity (batch ${capacity.batch}, steps ${capacity.steps}) the module needs ` +
      `${(memoryBytes / 2 ** 30).toFixed(1)} GiB of memory, more than wasm's 4 GiB; the largest tensors are ` +
      `${largest.map((b) => `${b.role} ${b.name} (${(capacityBytes(b, capacity) / 2 ** 20).toFixed(0)} MiB)`)
        .join(", ")}: ` +
      "lower --batch, --steps or the dimensions",
    );
  }

  const abi: Abi = {
    // Regions of one checkpoint segment are sized by a term ABI 2 does not have: such a module is version 3.
    abi: buffers.some((b) => b.segment) ? 3 : 2,
    name: options.name,
    dtype,
    simd: options.simd,
    ...(options.simd && options.relaxedSimd ? { relaxedSimd: true } : {}),
    ...(options.quantize ? { quantize: options.quantize } : {}),
    dims: options.dims,
    capacity: { batch: capacity.batch, steps: capacity.steps },
    memory: plan.memory,
    // A stage that reverses a sequence reads its end before its start: such a module cannot stream.
    causal: program.stages.every((s) => s.kind !== "reverse"),
    loss: program.loss,
    tensors: buffers.map(abiEntry(dtype)),
    functions: {
      layout: ["batch", "steps"],
      forward: ["batch", "steps"],
      ...(options.inference ? {} : { backward: ["batch", "steps"] }),
      ...(options.train
        ? { train_step: ["batch", "steps", "learning_rate", "clip_norm"], apply_update: ["learning_rate", "clip_norm"] }
        : {}),
    },
    ...(options.train ? { optimizer: options.train } : {}),
  };

  return {
    abi,
    schedules: program.stages.flatMap((s) => (s.kind === "scan" ? [{ prefix: s.prefix, ...scheduled.get(s)! }] : [])),
    emit() {
      const mod = new WasmModule(options.simd, options.relaxedSimd ?? false);
      try {
        // Only the fixed regions until the host calls layout: a host that wants a small capacity
        // never pays for a large one.
        mod.setMemory(plan.fixedBytes);
        const m = mod.raw;
        m.addGlobal("taped_batch", binaryen.i32, true, m.i32.const(-1));
        m.addGlobal("taped_steps", binaryen.i32, true, m.i32.const(-1));
        emitLayout(mod, plan, ["taped_batch", "taped_steps"]);
        new Emitter(mod, options, layout, scheduled, lasting).emit();
        mod.customSection("rnnc", new TextEncoder().encode(JSON.stringify(abi)));
        return mod.emit({ optimize: options.optimize });
      } finally {
        mod.dispose();
      }
    },
  };
}

function abiEntry(dtype: string) {
  return (b: Buffer): TensorEntry => ({
    name: b.name,
    role: b.role,
    shape: [
      ...(b.perStep ? [b.segment ? "segment" as const : "steps" as const] : []),
      ...(b.batched ? ["batch" as const] : []),
      ...b.shape,
    ],
    offset: abiOffset(b),
    ...(b.type !== dtype ? { dtype: b.type } : {}),
    ...(b.idsBelow !== undefined ? { idsBelow: b.idsBelow } : {}),
    ...(b.init !== undefined ? { init: b.init } : {}),
    ...(b.type === "i8" ? { blocks: INT8_BLOCKS } : {}),
  });
}

interface Frame {
  readonly fb: FunctionBuilder;
  readonly batch: number;
  readonly steps: number;
  readonly t: number;
  readonly loss: number;
  /** i32 locals for kernels over all steps at once: 0 as the step, steps·batch as the batch. */
  readonly zero: number;
  readonly rows: number;
}

class Emitter {
  private readonly scalar;
  private readonly vec;
  constructor(
    private readonly mod: WasmModule,
    private readonly options: LowerOptions,
    private readonly layout: MemoryLayout,
    private readonly scheduled: ReadonlyMap<Stage, ScanSchedules>,
    private readonly lasting: LastingPanels,
  ) {
    this.scalar = lanesFor(mod, options.dtype);
    this.vec = options.simd ? lanesFor(mod, options.dtype === "f32" ? "f32x4" : "f64x2") : this.scalar;
  }

  emit(): void {
    this.emitForward();
    if (!this.options.inference) this.emitBackward();
    const { train } = this.layout;
    if (this.options.train && train) {
      const bump = (fb: FunctionBuilder) => [this.lasting.emitBump(fb)].filter((e): e is Expr => e !== undefined);
      emitTrainStep(this.mod, this.vec, this.scalar, this.layout.grads, train, this.options.train, bump);
    }
  }

  private frame(): Frame {
    const fb = this.mod.function([binaryen.i32, binaryen.i32]);
    return {
      fb,
      batch: 0,
      steps: 1,
      t: fb.local(binaryen.i32),
      loss: fb.local(binaryen.f64),
      zero: fb.local(binaryen.i32),
      rows: fb.local(binaryen.i32),
    };
  }

  /** Locals of the frame over all steps: zero is 0, rows is steps·batch. */
  private prologue(f: Frame): Expr[] {
    const m = this.mod.raw;
    return [f.fb.set(f.zero, m.i32.const(0)), f.fb.set(f.rows, m.i32.mul(this.get(f, f.batch), this.get(f, f.steps)))];
  }

  /**
   * A scan's work in `pass` as a function of its own (batch, steps) → its
   * loss, called by forward or backward. V8 hands a function with too many
   * values (a model of several layers in one body) to its mid-tier register
   * allocator, which spills the product tiles' accumulators: measured on the
   * bidirectional tagger, its forward took 7.6 ms in one function and 4.5 ms
   * in one per scan. Kept out of line (wasm.ts).
   */
  private scanFunction(
    caller: Frame,
    pass: "forward" | "backward",
    index: number,
    setup: (f: Frame) => Expr[],
    s: Schedule,
    checkpoint: Checkpointing | undefined,
  ): Expr {
    const m = this.mod.raw;
    const f = this.frame();
    const name = `${noInlinePrefix}${pass}_scan${index}`;
    const checkpoints = checkpoint && new CheckpointCode(f, checkpoint);
    // In this order: a region's start is read into a local where it is first used (buffers.ts).
    const head = [
      f.fb.set(f.loss, m.f64.const(0)),
      ...this.prologue(f),
      ...(checkpoints ? [checkpoints.prologue()] : []),
      ...setup(f),
    ];
    const body = checkpoints && pass === "backward"
      ? checkpoints.backward(
        s,
        (fb, loss, schedule, t, batch, segment) => this.kernelEmitter({ fb, loss }, schedule, t, batch, segment),
        `${noInlinePrefix}recompute_scan${index}`,
      )
      : this.scanBody(f, s, pass === "forward" ? "up" : "down", checkpoints ? [checkpoints.save()] : []);
    f.fb.finish(name, binaryen.f64, [...head, ...body, f.fb.get(f.loss, binaryen.f64)]);
    return m.call(name, [this.get(caller, caller.batch), this.get(caller, caller.steps)], binaryen.f64);
  }

  private kernelEmitter(
    f: Pick<Frame, "fb" | "loss">,
    s: Schedule,
    t: number,
    batch: number,
    segment?: StepContext["segment"],
  ): KernelEmitter {
    const context = { fb: f.fb, vec: this.vec, scalar: this.scalar, t, batch, located: s.located, loss: f.loss };
    return new KernelEmitter(segment ? { ...context, segment } : context);
  }

  /**
   * A scan's phases: the kernels over all steps before the loop, the loop (up
   * or down in time, each step first running `first`), those after it.
   */
  private scanBody(f: Frame, s: Schedule, direction: "up" | "down", first: readonly Expr[]): Expr[] {
    const m = this.mod.raw;
    const all = this.kernelEmitter(f, s, f.zero, f.rows);
    const step = this.kernelEmitter(f, s, f.t, f.batch);
    const body = [...first, ...s.loop.map((k) => step.emit(k))];
    const loop = body.length === 0 ? [] : [
      direction === "up"
        ? f.fb.forLoop(f.t, m.i32.const(0), this.get(f, f.steps), 1, body)
        : f.fb.forLoopDown(f.t, this.get(f, f.steps), body),
    ];
    return [...s.before.map((k) => all.emit(k)), ...loop, ...s.after.map((k) => all.emit(k))];
  }

  private get(f: Frame, local: number): Expr {
    return f.fb.get(local, binaryen.i32);
  }

  private sequenceFrame(f: Frame): SequenceFrame {
    return { fb: f.fb, scalar: this.scalar, batch: f.batch, steps: f.steps, lengths: this.layout.lengths };
  }

  /** mask[t, b] = 1 while step t is inside sequence b, else 0; last[t, b] = 1 at its last step. */
  private fillMasks(f: Frame): Expr {
    const m = this.mod.raw;
    const { lengths, mask, last } = this.layout;
    const [t, b] = [f.fb.local(binaryen.i32), f.fb.local(binaryen.i32)];
    const at = (buffer: Buffer) => {
      const index = buffer.perStep
        ? m.i32.add(m.i32.mul(this.get(f, t), this.get(f, f.batch)), this.get(f, b))
        : this.get(f, b);
      return m.i32.add(regionStart(f.fb, buffer), m.i32.mul(index, m.i32.const(bytesOf(buffer.type))));
    };
    const flag = (cond: Expr) => m.select(cond, this.scalar.const(1), this.scalar.const(0));
    const length = () => m.i32.load(0, 4, at(lengths));
    const body = [this.scalar.store(at(mask), flag(m.i32.lt_s(this.get(f, t), length())))];
    if (last)
      body.push(this.scalar.store(at(last), flag(m.i32.eq(this.get(f, t), m.i32.sub(length(), m.i32.const(1))))));
    return f.fb.forLoop(t, m.i32.const(0), this.get(f, f.steps), 1, [
      f.fb.forLoop(b, m.i32.const(0), this.get(f, f.batch), 1, body),
    ]);
  }

  private copyRows(f: Frame, from: Buffer, to: Buffer): Expr {
    const m = this.mod.raw;
    const bytes = m.i32.mul(this.get(f, f.batch), m.i32.const(sizeOf(from.shape) * bytesOf(from.type)));
    return m.memory.copy(regionStart(f.fb, to), regionStart(f.fb, from), bytes);
  }

  /** Zero the live part of a buffer: its rows for this batch (and steps). */
  private fillZero(f: Frame, buffer: Buffer): Expr {
    const m = this.mod.raw;
    let bytes = m.i32.const(sizeOf(buffer.shape) * bytesOf(buffer.type));
    if (buffer.batched) bytes = m.i32.mul(this.get(f, f.batch), bytes);
    if (buffer.perStep) bytes = m.i32.mul(this.get(f, f.steps), bytes);
    return m.memory.fill(regionStart(f.fb, buffer), m.i32.const(0), bytes);
  }

  private emitForward(): void {
    const m = this.mod.raw;
    const f = this.frame();
    const t = this.layout.t;
    const body: Expr[] = [];
    const addLoss = (call: Expr) => f.fb.set(f.loss, m.f64.add(f.fb.get(f.loss, binaryen.f64), call));
    this.layout.program.stages.forEach((stage, index) => {
      if (stage.kind === "scan") {
        const { forward: s, checkpoint } = this.scheduled.get(stage)!;
        const setup = (g: Frame) => stage.scan.states.map((st) =>
          this.copyRows(g, t.get("state_in", stage.prefix + st.name), t.get("state_out", stage.prefix + st.name)),
        );
        body.push(addLoss(this.scanFunction(f, "forward", index, setup, s, checkpoint)));
      } else if (stage.kind === "reverse") {
        body.push(reverseSequences(
          this.sequenceFrame(f),
          this.layout.values(stage.from),
          this.layout.values(stage.to),
          false,
        ));
      } else {
        body.push(mergeSequences(
          this.sequenceFrame(f),
          stage.op,
          this.layout.values(stage.from[0]),
          this.layout.values(stage.from[1]),
          this.layout.values(stage.to),
        ));
      }
    });
    const refresh = this.lasting.emitRefresh(this.mod, this.vec, this.scalar, "forward");
    f.fb.finish("forward", binaryen.f64, [
      capacityGuard(f.fb, f.batch, f.steps),
      ...(refresh ? [refresh] : []),
      m.global.set("taped_batch", this.get(f, f.batch)),
      m.global.set("taped_steps", this.get(f, f.steps)),
      f.fb.set(f.loss, m.f64.const(0)),
      this.fillMasks(f),
      ...body,
      f.fb.get(f.loss, binaryen.f64),
    ], "forward");
  }

  private emitBackward(): void {
    const m = this.mod.raw;
    const f = this.frame();
    const { t, program } = this.layout;
    // The tape holds what forward(batch, steps) wrote; any other call would read stale or foreign values.
    const stale = m.i32.or(
      m.i32.ne(this.get(f, f.batch), m.global.get("taped_batch", binaryen.i32)),
      m.i32.ne(this.get(f, f.steps), m.global.get("taped_steps", binaryen.i32)),
    );
    const refresh = this.lasting.emitRefresh(this.mod, this.vec, this.scalar, "backward");
    const body: Expr[] = [m.if(stale, m.unreachable()), ...(refresh ? [refresh] : []), this.fillMasks(f)];
    for (const stage of program.stages) {
      if (stage.kind === "scan")
        body.push(...stage.scan.params.map((p) => this.fillZero(f, t.get("grad", stage.prefix + p.name))));
    }
    for (const buffer of this.layout.accumulated) body.push(this.fillZero(f, buffer));
    for (const [index, stage] of [...program.stages.entries()].reverse()) {
      if (stage.kind === "scan") {
        const { backward, checkpoint } = this.scheduled.get(stage)!;
        const s = backward!;
        const setup = (g: Frame) => stage.scan.states.map((st) =>
          program.loss === "none"
            ? this.copyRows(g, t.get("grad_state_out", stage.prefix + st.name), t.get("grad", stage.prefix + st.name))
            : this.fillZero(g, t.get("grad", stage.prefix + st.name)),
        );
        body.push(m.drop(this.scanFunction(f, "backward", index, setup, s, checkpoint)));
      } else if (stage.kind === "reverse") {
        const l = this.layout;
        body.push(reverseSequences(
          this.sequenceFrame(f),
          l.cotangent(stage.to),
          l.cotangent(stage.from),
          l.accumulates(stage.from),
        ));
      } else {
        const l = this.layout;
        const [a, b] = stage.from;
        body.push(mergeAdjoint(
          this.sequenceFrame(f),
          stage.op,
          l.cotangent(stage.to),
          l.cotangent(a), l.accumulates(a),
          l.cotangent(b), l.accumulates(b),
        ));
      }
    }
    f.fb.finish("backward", binaryen.none, body, "backward");
  }
}
