// compiler/lower — the memory plan of ABI 2 and the functions that apply it.
// In: every buffer of the module. Out: each buffer's placement, the memory
// form, and the wasm pieces: layout(batch, steps) -> status, which grows the
// memory and sets the start of every region that moves with the capacity,
// and the guard each call begins with.
//
// The rule (docs/abi.md, Layout): regions with neither a batch nor a steps
// axis come first, from byte 64, each at the next 16-byte boundary: their
// offsets never change. The others follow from the end of the last fixed one,
// each where the previous one ends at the chosen capacity: first those whose
// bytes per row are a multiple of 16, then of 8, then the rest (in table order
// within each group). So every such offset is one linear form
// base + batch·B + steps·S + batchSteps·B·S (+ batchSegment·B·⌈√S⌉ in a
// checkpointed module, ABI 3), aligned at every capacity to its
// elements (and to 16 bytes in the first group, where SIMD rows live), and a C
// host computes it with one macro.

import { LAYOUT_STATUS, type OffsetForm } from "../../runtime/abi.js";
import { MAX_MEMORY_BYTES } from "../../runtime/layout.js";
import { IRError } from "../ir/index.js";
import { bytesOf, elementCount, type Buffer, type MovingPlace } from "./buffers.js";
import { binaryen, type Expr, type FunctionBuilder, type WasmModule } from "./wasm.js";

/** The first bytes of memory stay unused: a stray null pointer in a host reads nothing of ours. */
const FIRST_OFFSET = 64;

export interface MemoryPlan {
  /** End of the fixed regions: the memory a module needs before any capacity. */
  readonly fixedBytes: number;
  /** End of the last region, as a form in the capacity. */
  readonly memory: OffsetForm;
  /** The regions that move with the capacity, in memory order. */
  readonly moving: readonly Buffer[];
}

const zero: OffsetForm = { base: 0, batch: 0, steps: 0, batchSteps: 0 };

const plus = (a: OffsetForm, b: OffsetForm): OffsetForm => {
  const sum = {
    base: a.base + b.base,
    batch: a.batch + b.batch,
    steps: a.steps + b.steps,
    batchSteps: a.batchSteps + b.batchSteps,
  };
  // Only a checkpointed module (ABI 3) has the term: every other form keeps the four of ABI 2.
  const segment = (a.batchSegment ?? 0) + (b.batchSegment ?? 0);
  return segment === 0 ? sum : { ...sum, batchSegment: segment };
};

/** Bytes of one row: one step of one batch entry. */
const rowBytes = (b: Buffer) => elementCount(b) * bytesOf(b.type);

/** The region's size as a form: its row times B, S or B·S. */
function sizeForm(b: Buffer): OffsetForm {
  const row = rowBytes(b);
  if (b.segment) {
    if (!b.perStep || !b.batched)
      throw new IRError(`${b.role} ${b.name}: a segment region has a row per step and batch entry`);
    return { ...zero, batchSegment: row };
  }
  if (b.perStep && b.batched) return { ...zero, batchSteps: row };
  if (b.batched) return { ...zero, batch: row };
  return { ...zero, steps: row };
}

const alignmentGroup = (b: Buffer) => (rowBytes(b) % 16 === 0 ? 0 : rowBytes(b) % 8 === 0 ? 1 : 2);

/** Places every buffer by the rule above; each moving region gets the global that holds its start. */
export function planMemory(buffers: readonly Buffer[]): MemoryPlan {
  let end = FIRST_OFFSET;
  for (const b of buffers.filter((b) => !b.perStep && !b.batched)) {
    b.place = { kind: "fixed", offset: end };
    end += Math.ceil(rowBytes(b) / 16) * 16;
  }
  const fixedBytes = end;
  const moving = buffers.filter((b) => b.perStep || b.batched);
  const ordered = [0, 1, 2].flatMap((group) => moving.filter((b) => alignmentGroup(b) === group));
  let at: OffsetForm = { ...zero, base: fixedBytes };
  ordered.forEach((b, i) => {
    b.place = { kind: "moving", form: at, global: `region${i}` };
    at = plus(at, sizeForm(b));
  });
  return { fixedBytes, memory: at, moving: ordered };
}

const CAPACITY_BATCH = "capacity_batch";
const CAPACITY_STEPS = "capacity_steps";

/**
 * The globals of the plan, all 0 until layout succeeds (capacity 0: every
 * call traps), and the exported layout(batch, steps) -> status (LAYOUT_STATUS).
 * It may be called again: fixed regions keep their contents, the others move.
 */
export function emitLayout(mod: WasmModule, plan: MemoryPlan, resetOnLayout: readonly string[]): void {
  const m = mod.raw;
  const i32 = binaryen.i32;
  const f64 = binaryen.f64;
  const globals = [CAPACITY_BATCH, CAPACITY_STEPS, ...plan.moving.map((b) => movingPlace(b).global)];
  for (const name of globals) m.addGlobal(name, i32, true, m.i32.const(0));
  const fb = mod.function([i32, i32]);
  const [batch, steps] = [0, 1];
  const [need, pages] = [fb.local(f64), fb.local(i32)];
  const segmented = plan.moving.some((b) => b.segment);
  const segment = segmented ? fb.local(i32) : -1;
  const get = (local: number) => fb.get(local, i32);
  const status = (code: number) => m.return(m.i32.const(code));
  // In f64, exact below 2^53: a capacity too large for 4 GiB is refused before any i32 arithmetic could wrap.
  const asF64 = (local: number) => m.f64.convert_s.i32(get(local));
  const { memory } = plan;
  const k64 = (n: number) => m.f64.const(n);
  const abiTwoNeeded = m.f64.add(
    m.f64.add(k64(memory.base), m.f64.mul(k64(memory.batch), asF64(batch))),
    m.f64.add(
      m.f64.mul(k64(memory.steps), asF64(steps)),
      m.f64.mul(k64(memory.batchSteps), m.f64.mul(asF64(batch), asF64(steps))),
    ),
  );
  const needed = segmented
    ? m.f64.add(abiTwoNeeded, m.f64.mul(k64(memory.batchSegment ?? 0), m.f64.mul(asF64(batch), asF64(segment))))
    : abiTwoNeeded;
  // Below 4 GiB every form's value fits an i32 as an unsigned number, and wrapping i32 arithmetic gives it exactly.
  const k32 = (n: number) => m.i32.const(n | 0);
  const formValue = (form: OffsetForm) => [
    m.i32.mul(k32(form.batch), get(batch)),
    m.i32.mul(k32(form.steps), get(steps)),
    m.i32.mul(k32(form.batchSteps), m.i32.mul(get(batch), get(steps))),
    ...(segmented ? [m.i32.mul(k32(form.batchSegment ?? 0), m.i32.mul(get(batch), get(segment)))] : []),
  ].reduce((sum, term) => m.i32.add(sum, term), k32(form.base));
  const grown = m.memory.grow(m.i32.sub(get(pages), m.memory.size()));
  const body: Expr[] = [
    m.if(m.i32.lt_s(get(batch), m.i32.const(1)), status(LAYOUT_STATUS.badBatch)),
    m.if(m.i32.lt_s(get(steps), m.i32.const(1)), status(LAYOUT_STATUS.badSteps)),
    ...(segmented ? [fb.set(segment, segmentStepsOf(m, get(steps)))] : []),
    fb.set(need, needed),
    m.if(m.f64.gt(fb.get(need, f64), m.f64.const(MAX_MEMORY_BYTES)), status(LAYOUT_STATUS.tooLarge)),
    fb.set(pages, m.i32.trunc_u.f64(m.f64.ceil(m.f64.div(fb.get(need, f64), m.f64.const(65536))))),
    m.if(
      m.i32.gt_u(get(pages), m.memory.size()),
      m.if(m.i32.eq(grown, m.i32.const(-1)), status(LAYOUT_STATUS.growRefused)),
    ),
    m.global.set(CAPACITY_BATCH, get(batch)),
    m.global.set(CAPACITY_STEPS, get(steps)),
    ...resetOnLayout.map((name) => m.global.set(name, m.i32.const(-1))),
    ...plan.moving.map((b) => m.global.set(movingPlace(b).global, formValue(movingPlace(b).form))),
    m.i32.const(LAYOUT_STATUS.ok),
  ];
  fb.finish("layout", i32, body, "layout");
}

/** ⌈√steps⌉ of an i32 steps count ≥ 1, as runtime/abi.ts segmentSteps: exact in f64 for every i32. */
export function segmentStepsOf(m: WasmModule["raw"], steps: Expr): Expr {
  return m.i32.trunc_u.f64(m.f64.ceil(m.f64.sqrt(m.f64.convert_s.i32(steps))));
}

/** The buffer's offset as the ABI states it: a number, or the form of a region that moves. */
export function abiOffset(b: Buffer): number | OffsetForm {
  if (!b.place) throw new IRError(`${b.role} ${b.name} was never placed in memory`);
  return b.place.kind === "fixed" ? b.place.offset : b.place.form;
}

function movingPlace(b: Buffer): MovingPlace {
  if (b.place?.kind !== "moving") throw new IRError(`${b.role} ${b.name} does not move with the capacity`);
  return b.place;
}

/**
 * Traps unless 1 <= batch <= the laid-out batch and 1 <= steps <= its steps: nothing is written outside the
 * regions.
 */
export function capacityGuard(fb: FunctionBuilder, batch: number, steps: number): Expr {
  const m = fb.mod.raw;
  const i32 = binaryen.i32;
  const below = (local: number) => m.i32.lt_s(fb.get(local, i32), m.i32.const(1));
  const above = (local: number, capacity: string) => m.i32.gt_s(fb.get(local, i32), m.global.get(capacity, i32));
  const outside = (local: number, capacity: string) => m.i32.or(below(local), above(local, capacity));
  return m.if(m.i32.or(outside(batch, CAPACITY_BATCH), outside(steps, CAPACITY_STEPS)), m.unreachable());
}
