// compiler/lower — the 8-bit inference build (rnnc compile --quantize int8).
// In: a Program and the build options; at emission, one `qmatvec` kernel at a
// step (a KernelSite). Out: which parameter matrices are stored in int8 (one
// f32 scale per row, the buffer role param_scale), and the wasm of y = W·x
// with such a W: each vector x quantised to i16 with a scale of its own, the
// products summed exactly in i32 by i32x4.dot_i16x8_s, the sum scaled back to
// f32 by the row's and the vector's scales. docs/quantization.md states the
// scheme and the error bound that spec/lower/quantized.spec.ts checks.

import { topoOrder, type Node, type VarArg } from "../ir/index.js";
import type { Program } from "../time/index.js";
import { BuildError } from "../errors.js";
import type { KernelOf } from "./kernel.js";
import type { KernelSite } from "./site.js";
import { binaryen, type Expr } from "./wasm.js";

export type Quantize = "int8";

/** Largest magnitude of a quantised weight: q = round(w / s), s = max |w| / 127 over the row. */
export const WEIGHT_RANGE = 127;

/** Columns of a quantised vector: the columns of W rounded up to whole groups of 8 (one dot_i16x8 each), zero-padded. */
export const paddedColumns = (cols: number): number => Math.ceil(cols / 8) * 8;

/**
 * Largest magnitude of a quantised activation for a product over `cols`
 * columns: i16's 32767, or less where the exact i32 sum of a row, at most
 * 127 · range · paddedColumns(cols), could otherwise overflow (cols > 516).
 */
export function activationRange(cols: number): number {
  return Math.min(32767, Math.floor((2 ** 31 - 1) / (WEIGHT_RANGE * paddedColumns(cols))));
}

/** Refuses a quantised build that is not an f32 SIMD inference build. */
export function checkQuantize(o: { quantize?: Quantize | undefined; inference: boolean; dtype: string; simd: boolean; train?: unknown }): void {
  if (o.quantize === undefined) return;
  const why = o.train
    ? "it cannot train: int8 weights have no gradient; leave out the optimizer"
    : !o.inference
      ? "it is an inference build, with no backward pass: add the inference option (--inference)"
      : o.dtype !== "f32"
        ? `its activations are f32, not ${o.dtype}: leave out the f64 dtype`
        : !o.simd
          ? "its products are SIMD128 integer dot products: leave out the scalar build (--no-simd)"
          : undefined;
  if (why) throw new BuildError(`quantize ${o.quantize}: ${why}`);
}

/**
 * The parameter matrices (full names, with their layer's prefix) stored in
 * int8: those whose every use in the forward step is as the matrix of W·x.
 * A matrix read any other way (transposed, elementwise, as an embedding
 * table) stays f32, as do biases and every other vector.
 */
export function quantizedParams(program: Program): Set<string> {
  const out = new Set<string>();
  for (const stage of program.stages) {
    if (stage.kind !== "scan") continue;
    const uses = new Map<Node, boolean>();
    for (const node of topoOrder(stage.scan.forward.outputs.map((o) => o.node))) {
      node.inputs.forEach((input, i) => {
        if (input.op !== "var" || (input.arg as VarArg).role !== "param") return;
        const asMatrix = node.op === "matvec" && i === 0 && node.inputs[1] !== input;
        uses.set(input, (uses.get(input) ?? true) && asMatrix);
      });
    }
    for (const [param, onlyMatrix] of uses) {
      if (onlyMatrix && param.shape.length === 2) out.add(stage.prefix + (param.arg as VarArg).name);
    }
  }
  return out;
}

const i32 = binaryen.i32;
const f32 = binaryen.f32;
const v128 = binaryen.v128;

/** Lanes [0, 1, 2, 3] as picked from two i32x4 (4–7 the second): the shuffle's bytes. */
const lanes32 = (picks: readonly number[]): number[] => picks.flatMap((p) => [0, 1, 2, 3].map((b) => p * 4 + b));

/**
 * y (+)= W·x for every batch entry (every step too, over all steps at once),
 * W int8 [rows, cols] with scales [rows]. Batch entries go in pairs: both
 * quantised into the packing scratch (i16, zero-padded to whole groups of
 * 8), then every row of W in tiles of 4 rows × the pair, each tile's 8 sums
 * in i32x4 registers. A weight row is read in groups of 8 bytes, the last
 * possibly past the row's end: those weights meet the zero padding of x.
 */
export function emitQuantizedProduct(s: KernelSite, k: KernelOf<"qmatvec">): Expr {
  const fb = s.ctx.fb;
  const m = s.m;
  const [rows, cols] = k.w.shape as [number, number];
  const padded = paddedColumns(cols);
  const range = activationRange(cols);
  const stageRow = padded * 2;
  if (!k.packing) throw new Error(`qmatvec of %${k.w.id} has no packing scratch to quantise its vectors into`);
  const packing = k.packing;
  const c = (n: number) => m.i32.const(n);
  const get = (local: number) => fb.get(local, i32);
  const [b, i, q, pw, pd, ps, px, jb] = Array.from({ length: 8 }, () => s.newLocal()) as [number, number, number, number, number, number, number, number];
  const scale = [fb.local(f32), fb.local(f32)];
  const inv = fb.local(f32);
  const amax = fb.local(f32);
  const vmax = fb.local(v128);
  const xRow = (entry: Expr) => (k.x.batched ? m.i32.add(s.start(k.x), m.i32.mul(entry, c(cols * 4))) : s.start(k.x));
  const dRow = (entry: Expr) => (k.dest.batched ? m.i32.add(s.base(k.dest), m.i32.mul(entry, c(rows * 4))) : s.base(k.dest));

  /** Batch entry `entry` quantised into stage row `e`: its scale into scale[e]. */
  const quantise = (entry: Expr, e: number): Expr[] => {
    const stage = () => m.i32.add(s.base(packing), c(e * stageRow));
    const full = Math.floor(cols / 4) * 4;
    const tail = Array.from({ length: cols - full }, (_, t) => full + t);
    const absAt = (el: number) => m.f32.abs(m.f32.load(el * 4, 4, get(px)));
    const lane = (n: number) => m.f32x4.extract_lane(fb.get(vmax, v128), n);
    const largest = [0, 1, 2, 3].map(lane).concat(tail.map(absAt)).reduce((a, x) => m.f32.max(a, x), m.f32.const(0));
    const levels = (at: Expr, offset: number) =>
      m.i32x4.trunc_sat_f32x4_s(m.f32x4.nearest(m.f32x4.mul(m.v128.load(offset, 4, at), m.f32x4.splat(fb.get(inv, f32)))));
    const groups = Math.floor(cols / 8) * 8;
    const rest: Expr[] = [];
    if (groups < cols) {
      const at = groups;
      rest.push(m.v128.store(at * 2, 16, stage(), m.v128.const(new Uint8Array(16))));
      const fourth = cols - at >= 4;
      if (fourth) rest.push(m.v128.store(at * 2, 16, stage(), m.i16x8.narrow_i32x4_s(levels(get(px), at * 4), m.v128.const(new Uint8Array(16)))));
      for (let el = fourth ? at + 4 : at; el < cols; el++) {
        const level = m.i32.trunc_s_sat.f32(m.f32.nearest(m.f32.mul(m.f32.load(el * 4, 4, get(px)), fb.get(inv, f32))));
        rest.push(m.i32.store16(el * 2, 2, stage(), level));
      }
    }
    return [
      fb.set(px, entry),
      fb.set(vmax, m.v128.const(new Uint8Array(16))),
      fb.forLoop(jb, c(0), c(full * 4), 16, [
        fb.set(vmax, m.f32x4.max(fb.get(vmax, v128), m.f32x4.abs(m.v128.load(0, 4, m.i32.add(get(px), get(jb)))))),
      ]),
      fb.set(amax, largest),
      fb.set(scale[e]!, m.f32.div(fb.get(amax, f32), m.f32.const(range))),
      fb.set(inv, m.select(m.f32.gt(fb.get(amax, f32), m.f32.const(0)), m.f32.div(m.f32.const(range), fb.get(amax, f32)), m.f32.const(0))),
      // Groups of 8: two f32x4 → i32x4 levels, narrowed to one i16x8.
      fb.forLoop(jb, c(0), c(groups * 4), 32, [
        m.v128.store(0, 16, m.i32.add(stage(), m.i32.shr_u(get(jb), c(1))),
          m.i16x8.narrow_i32x4_s(levels(m.i32.add(get(px), get(jb)), 0), levels(m.i32.add(get(px), get(jb)), 16))),
      ]),
      ...rest,
    ];
  };

  /** Rows i … i + tileRows of W against the `entries` quantised vectors: the sums, scaled, into y. */
  const tile = (tileRows: 1 | 4, entries: 1 | 2): Expr[] => {
    const acc = Array.from({ length: tileRows * entries }, () => fb.local(v128));
    const at = (r: number, e: number) => acc[r * entries + e]!;
    const xv = Array.from({ length: entries }, () => fb.local(v128));
    const step: Expr[] = xv.map((x, e) => fb.set(x, m.v128.load(e * stageRow, 16, get(ps))));
    for (let r = 0; r < tileRows; r++) {
      const w = m.v128.load8x8_s(r * cols, 1, get(q));
      const wl = fb.local(v128);
      step.push(fb.set(wl, w));
      for (let e = 0; e < entries; e++) {
        step.push(fb.set(at(r, e), m.i32x4.add(fb.get(at(r, e), v128), m.i32x4.dot_i16x8_s(fb.get(wl, v128), fb.get(xv[e]!, v128)))));
      }
    }
    step.push(fb.set(q, m.i32.add(get(q), c(8))));
    const zero = () => m.v128.const(new Uint8Array(16));
    const out: Expr[] = [];
    const dest = (e: number) => m.i32.add(get(pd), m.i32.mul(get(i), c(4)));
    for (let e = 0; e < entries; e++) {
      const a = fb.get(scale[e]!, f32);
      if (tileRows === 4) {
        // The 4 × 4 lanes of the rows' sums, added across: one i32x4 of the four rows' totals.
        const sum = (x: Expr, y: Expr) => m.i32x4.add(x, y);
        const g = (r: number) => fb.get(at(r, e), v128);
        const pair = (r: number) => sum(m.i8x16.shuffle(g(r), g(r + 1), lanes32([0, 4, 1, 5])), m.i8x16.shuffle(g(r), g(r + 1), lanes32([2, 6, 3, 7])));
        const half = fb.local(v128);
        out.push(fb.set(half, pair(0)));
        const other = fb.local(v128);
        out.push(fb.set(other, pair(2)));
        const totals = sum(
          m.i8x16.shuffle(fb.get(half, v128), fb.get(other, v128), lanes32([0, 1, 4, 5])),
          m.i8x16.shuffle(fb.get(half, v128), fb.get(other, v128), lanes32([2, 3, 6, 7])),
        );
        const scales = m.v128.load(0, 4, m.i32.add(s.base(k.scales), m.i32.mul(get(i), c(4))));
        let y = m.f32x4.mul(m.f32x4.mul(m.f32x4.convert_i32x4_s(totals), scales), m.f32x4.splat(a));
        if (k.accumulate) y = m.f32x4.add(m.v128.load(e * rows * 4, 4, dest(e)), y);
        out.push(m.v128.store(e * rows * 4, 4, dest(e), y));
      } else {
        const lane = (n: number) => m.i32x4.extract_lane(fb.get(at(0, e), v128), n);
        const total = m.i32.add(m.i32.add(lane(0), lane(1)), m.i32.add(lane(2), lane(3)));
        const rowScale = m.f32.load(0, 4, m.i32.add(s.base(k.scales), m.i32.mul(get(i), c(4))));
        let y = m.f32.mul(m.f32.mul(m.f32.convert_s.i32(total), rowScale), a);
        if (k.accumulate) y = m.f32.add(m.f32.load(e * rows * 4, 4, dest(e)), y);
        out.push(m.f32.store(e * rows * 4, 4, dest(e), y));
      }
    }
    return [
      ...acc.map((a) => fb.set(a, zero())),
      fb.set(q, m.i32.add(s.base(s.locate(k.w)), m.i32.mul(get(i), c(cols)))),
      fb.set(ps, s.base(packing)),
      loopOver(ps, stageRow, step),
      ...out,
    ];
  };

  /** ps from the packing scratch's start over one stage row, 16 bytes (8 columns) at a time. */
  const loopOver = (p: number, bytes: number, body: Expr[]): Expr => {
    const label = fb.mod.label("qdot");
    const end = () => m.i32.add(s.base(packing), c(bytes));
    return m.loop(label, m.block(null, [...body, fb.set(p, m.i32.add(get(p), c(16))), m.br(label, m.i32.lt_u(get(p), end()))]));
  };

  const fullRows = Math.floor(rows / 4) * 4;
  const overRows = (entries: 1 | 2): Expr[] => [
    fb.set(pd, dRow(get(b))),
    fb.forLoop(i, c(0), c(fullRows), 4, tile(4, entries)),
    fb.forLoop(i, c(fullRows), c(rows), 1, tile(1, entries)),
  ];
  const copies = s.copies(k.dest);
  return m.block(null, [
    fb.forLoop(b, c(0), m.i32.sub(copies, c(1)), 2, [
      ...quantise(xRow(get(b)), 0),
      ...quantise(xRow(m.i32.add(get(b), c(1))), 1),
      ...overRows(2),
    ]),
    // b is now the first entry no pair covered: the last one, for an odd count.
    m.if(m.i32.lt_s(get(b), s.copies(k.dest)), m.block(null, [...quantise(xRow(get(b)), 0), ...overRows(1)])),
  ]);
}
