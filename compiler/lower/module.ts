// compiler/lower — the whole module. In: a taped scan (forward and backward
// step functions) and build options. Out: the memory plan, the ABI, and the
// wasm functions forward(batch, steps) -> f64 and backward(batch, steps),
// each a guard, a prologue and one wasm loop over time, so module size does
// not grow with sequence length.

import type { Abi, TensorEntry } from "../../runtime/abi.js";
import { IRError, type Node, type VarArg } from "../ir/index.js";
import type { TapedScan } from "../time/index.js";
import { bytesOf, planMemory, type Buffer, type BufferType, type Role } from "./buffers.js";
import { KernelEmitter, type StepContext } from "./kernels.js";
import { lanesFor } from "./lanes.js";
import { schedule, type Schedule, type Sink } from "./schedule.js";
import { binaryen, WasmModule, type Expr, type FunctionBuilder } from "./wasm.js";
import { sizeOf } from "../ir/index.js";

export interface LowerOptions {
  readonly dtype: "f32" | "f64";
  readonly simd: boolean;
  readonly capacity: { readonly batch: number; readonly steps: number };
  readonly optimize: boolean;
  readonly dims: Readonly<Record<string, number>>;
  readonly cell: string;
}

export interface Lowered {
  readonly abi: Abi;
  readonly forward: Schedule;
  readonly backward: Schedule;
  /** Emits the module; the Binaryen module is disposed afterwards. */
  emit(): { binary: Uint8Array; text: string };
}

class BufferTable {
  readonly all: Buffer[] = [];
  private readonly byKey = new Map<string, Buffer>();
  constructor(private readonly dtype: BufferType) {}

  add(name: string, role: Role, shape: readonly number[], opts: { perStep?: boolean; batched?: boolean; type?: BufferType } = {}): Buffer {
    const buffer: Buffer = { name, role, shape, perStep: opts.perStep ?? false, batched: opts.batched ?? false, type: opts.type ?? this.dtype, offset: -1 };
    this.all.push(buffer);
    this.byKey.set(`${role}:${name}`, buffer);
    return buffer;
  }

  get(role: Role, name: string): Buffer {
    const buffer = this.byKey.get(`${role}:${name}`);
    if (!buffer) throw new IRError(`no ${role} buffer ${name}`);
    return buffer;
  }
}

export function lowerScan(scan: TapedScan, options: LowerOptions): Lowered {
  const { dtype, capacity } = options;
  const t = new BufferTable(dtype);
  const seq = { perStep: true, batched: true };
  const row = { batched: true };
  for (const p of scan.params) t.add(p.name, "param", p.shape);
  for (const p of scan.params) t.add(p.name, "grad", p.shape);
  for (const x of scan.inputs) t.add(x.name, "input", x.shape, seq);
  for (const x of scan.inputs) t.add(x.name, "grad", x.shape, seq);
  if (scan.loss === "mse") t.add(scan.output.name, "target", scan.output.shape, seq);
  const lengths = t.add("lengths", "lengths", [], { batched: true, type: "i32" });
  for (const s of scan.states) t.add(s.name, "state_in", s.shape, row);
  for (const s of scan.states) t.add(s.name, "grad", s.shape, row);
  for (const s of scan.states) t.add(s.name, "state_out", s.shape, row);
  t.add(scan.output.name, "output", scan.output.shape, seq);
  if (scan.loss === "none") {
    t.add(scan.output.name, "grad_output", scan.output.shape, seq);
    for (const s of scan.states) t.add(s.name, "grad_state_out", s.shape, row);
  }
  for (const e of scan.tape) t.add(e.name, "tape", e.shape, { perStep: true, batched: e.batched });
  const mask = t.add("mask", "scratch", [], row);

  const varBuffer = (phase: "forward" | "backward") => (node: Node): Buffer => {
    const v = node.arg as VarArg;
    switch (v.role) {
      case "param": return t.get("param", v.name);
      case "input": return t.get("input", v.name);
      case "target": return t.get("target", v.name);
      case "mask": return mask;
      case "state":
        if (phase === "forward") return t.get("state_out", v.name);
        throw new IRError(`backward reads state ${v.name} directly; it should be on the tape`);
      case "seed": {
        const [kind, name] = v.name.split(":") as [string, string];
        return kind === "next" ? t.get("grad", name) : t.get("grad_output", name);
      }
      case "tape": return t.get("tape", v.name);
    }
  };

  const forwardSinks = new Map<string, Sink>();
  for (const s of scan.states) forwardSinks.set(`next:${s.name}`, { kind: "deferred", buffer: t.get("state_out", s.name) });
  forwardSinks.set(`output:${scan.output.name}`, { kind: "store", buffer: t.get("output", scan.output.name) });
  if (scan.loss === "mse") forwardSinks.set("loss", { kind: "loss" });
  for (const e of scan.tape) forwardSinks.set(`tape:${e.name}`, { kind: "store", buffer: t.get("tape", e.name) });
  const backwardSinks = new Map<string, Sink>();
  for (const s of scan.states) backwardSinks.set(`dstate:${s.name}`, { kind: "deferred", buffer: t.get("grad", s.name) });
  for (const x of scan.inputs) backwardSinks.set(`dinput:${x.name}`, { kind: "store", buffer: t.get("grad", x.name) });
  for (const p of scan.params) backwardSinks.set(`dparam:${p.name}`, { kind: "accumulate", buffer: t.get("grad", p.name) });

  const forward = schedule({ fn: scan.forward, title: "forward", varBuffer: varBuffer("forward"), sinks: forwardSinks, dtype });
  const backward = schedule({ fn: scan.backward, title: "backward", varBuffer: varBuffer("backward"), sinks: backwardSinks, dtype });
  const buffers = [...t.all, ...forward.scratch, ...backward.scratch];
  const memoryBytes = planMemory(buffers, capacity);

  const abi: Abi = {
    abi: 1,
    dtype,
    simd: options.simd,
    dims: options.dims,
    capacity: { batch: capacity.batch, steps: capacity.steps },
    loss: scan.loss,
    tensors: buffers.map(abiEntry(dtype)),
    functions: { forward: ["batch", "steps"], backward: ["batch", "steps"] },
  };

  return {
    abi, forward, backward,
    emit() {
      const mod = new WasmModule(options.simd);
      try {
        mod.setMemory(memoryBytes);
        const m = mod.raw;
        m.addGlobal("taped_batch", binaryen.i32, true, m.i32.const(-1));
        m.addGlobal("taped_steps", binaryen.i32, true, m.i32.const(-1));
        emitForward(mod, options, scan, t, forward, lengths, mask);
        emitBackward(mod, options, scan, t, backward, lengths, mask);
        mod.customSection("rnnc", new TextEncoder().encode(JSON.stringify({ ...abi, cell: options.cell })));
        const out = mod.emit({ optimize: options.optimize });
        return { binary: out.binary, text: out.text() };
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
    shape: [...(b.perStep ? ["steps" as const] : []), ...(b.batched ? ["batch" as const] : []), ...b.shape],
    offset: b.offset,
    ...(b.type !== dtype ? { dtype: b.type } : {}),
  });
}

interface Frame {
  readonly fb: FunctionBuilder;
  readonly batch: number;
  readonly steps: number;
  readonly t: number;
  readonly loss: number;
}

function frame(mod: WasmModule): Frame {
  const fb = mod.function([binaryen.i32, binaryen.i32]);
  return { fb, batch: 0, steps: 1, t: fb.local(binaryen.i32), loss: fb.local(binaryen.f64) };
}

function stepBody(mod: WasmModule, options: LowerOptions, f: Frame, s: Schedule, lengths: Buffer, mask: Buffer): Expr[] {
  const scalar = lanesFor(mod, options.dtype);
  const vec = options.simd ? lanesFor(mod, options.dtype === "f32" ? "f32x4" : "f64x2") : scalar;
  const ctx: StepContext = { fb: f.fb, vec, scalar, t: f.t, batch: f.batch, located: s.located, loss: f.loss };
  const emitter = new KernelEmitter(ctx);
  return [fillMask(mod, f, scalar, lengths, mask), ...s.kernels.map((k) => emitter.emit(k))];
}

/** mask[b] = 1 while step t is inside sequence b, else 0. */
function fillMask(mod: WasmModule, f: Frame, scalar: ReturnType<typeof lanesFor>, lengths: Buffer, mask: Buffer): Expr {
  const m = mod.raw;
  const b = f.fb.local(binaryen.i32);
  const at = (buffer: Buffer) => m.i32.add(m.i32.const(buffer.offset), m.i32.mul(f.fb.get(b, binaryen.i32), m.i32.const(bytesOf(buffer.type))));
  const inside = m.i32.lt_s(f.fb.get(f.t, binaryen.i32), m.i32.load(0, 4, at(lengths)));
  return f.fb.forLoop(b, m.i32.const(0), f.fb.get(f.batch, binaryen.i32), 1, [scalar.store(at(mask), m.select(inside, scalar.const(1), scalar.const(0)))]);
}

/** Traps unless 1 <= batch <= capacity and 0 <= steps <= capacity: nothing is written outside the regions. */
function guardCapacity(mod: WasmModule, f: Frame, capacity: LowerOptions["capacity"]): Expr {
  const m = mod.raw;
  const get = (i: number) => f.fb.get(i, binaryen.i32);
  const bad = m.i32.or(
    m.i32.or(m.i32.lt_s(get(f.batch), m.i32.const(1)), m.i32.gt_s(get(f.batch), m.i32.const(capacity.batch))),
    m.i32.or(m.i32.lt_s(get(f.steps), m.i32.const(0)), m.i32.gt_s(get(f.steps), m.i32.const(capacity.steps))),
  );
  return m.if(bad, m.unreachable());
}

function copyRows(mod: WasmModule, f: Frame, from: Buffer, to: Buffer): Expr {
  const m = mod.raw;
  const bytes = m.i32.mul(f.fb.get(f.batch, binaryen.i32), m.i32.const(sizeOf(from.shape) * bytesOf(from.type)));
  return m.memory.copy(m.i32.const(to.offset), m.i32.const(from.offset), bytes);
}

function fillZero(mod: WasmModule, f: Frame, buffer: Buffer): Expr {
  const m = mod.raw;
  const rowBytes = m.i32.const(sizeOf(buffer.shape) * bytesOf(buffer.type));
  const bytes = buffer.batched ? m.i32.mul(f.fb.get(f.batch, binaryen.i32), rowBytes) : rowBytes;
  return m.memory.fill(m.i32.const(buffer.offset), m.i32.const(0), bytes);
}

function emitForward(mod: WasmModule, options: LowerOptions, scan: TapedScan, t: BufferTable, s: Schedule, lengths: Buffer, mask: Buffer): void {
  const m = mod.raw;
  const f = frame(mod);
  const get = (i: number) => f.fb.get(i, binaryen.i32);
  f.fb.finish("forward", binaryen.f64, [
    guardCapacity(mod, f, options.capacity),
    m.global.set("taped_batch", get(f.batch)),
    m.global.set("taped_steps", get(f.steps)),
    ...scan.states.map((st) => copyRows(mod, f, t.get("state_in", st.name), t.get("state_out", st.name))),
    f.fb.set(f.loss, m.f64.const(0)),
    f.fb.forLoop(f.t, m.i32.const(0), get(f.steps), 1, stepBody(mod, options, f, s, lengths, mask)),
    f.fb.get(f.loss, binaryen.f64),
  ], "forward");
}

function emitBackward(mod: WasmModule, options: LowerOptions, scan: TapedScan, t: BufferTable, s: Schedule, lengths: Buffer, mask: Buffer): void {
  const m = mod.raw;
  const f = frame(mod);
  const get = (i: number) => f.fb.get(i, binaryen.i32);
  // The tape holds what forward(batch, steps) wrote; any other call would read stale or foreign values.
  const stale = m.i32.or(m.i32.ne(get(f.batch), m.global.get("taped_batch", binaryen.i32)), m.i32.ne(get(f.steps), m.global.get("taped_steps", binaryen.i32)));
  f.fb.finish("backward", binaryen.none, [
    m.if(stale, m.unreachable()),
    ...scan.params.map((p) => fillZero(mod, f, t.get("grad", p.name))),
    ...scan.states.map((st) =>
      scan.loss === "none" ? copyRows(mod, f, t.get("grad_state_out", st.name), t.get("grad", st.name)) : fillZero(mod, f, t.get("grad", st.name)),
    ),
    f.fb.forLoopDown(f.t, get(f.steps), stepBody(mod, options, f, s, lengths, mask)),
  ], "backward");
}
