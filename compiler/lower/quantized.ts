// compiler/lower — the 8-bit inference build (rnnc compile --quantize int8).
// In: a Program and the build options; at emission, one `quantize` or `qmatvec`
// kernel at a step (a KernelSite). Out: which parameter matrices are stored in int8 (one
// f32 scale per row, the buffer role param_scale; the weights in blocks of 4
// rows × 2 columns, runtime/quantize.ts), and the wasm of y = W·x with such a
// W: each vector x quantised once to i16 with a scale of its own (a quantize
// kernel, whose staged copy every product reading x shares), the products
// summed exactly in i32 by i32x4.dot_i16x8_s, the sum scaled back to f32 by
// the row's and the vector's scales. docs/quantization.md states the
// scheme and the error bound that spec/lower/quantized.spec.ts checks.

import { topoOrder, type Node, type VarArg } from "../ir/index.js";
import type { Program } from "../time/index.js";
import { BuildError } from "../errors.js";
import { paddedColumns, stagedElements, type KernelOf } from "./kernel.js";
import type { KernelSite } from "./site.js";
import { binaryen, type Expr } from "./wasm.js";

export type Quantize = "int8";

/** Largest magnitude of a quantised weight: q = round(w / s), s = max |w| / 127 over the row. */
export const WEIGHT_RANGE = 127;


/** Columns of a stored int8 matrix: padded to whole pairs, one pair per block (runtime/quantize.ts). */
const paddedPairs = (cols: number): number => Math.ceil(cols / 2) * 2;

/**
 * Largest magnitude of a quantised activation for a product over `cols`
 * columns: i16's 32767, or less where the exact i32 sum of a row, at most
 * 127 · range · paddedColumns(cols), could otherwise overflow (cols > 516).
 */
export function activationRange(cols: number): number {
  return Math.min(32767, Math.floor((2 ** 31 - 1) / (WEIGHT_RANGE * paddedColumns(cols))));
}

/** Refuses a quantised build that is not an f32 SIMD inference build. */
export function checkQuantize(o: {
  quantize?: Quantize | undefined;
  inference: boolean;
  dtype: string;
  simd: boolean;
  train?: unknown;
}): void {
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
/**
 * 1.5·2²³ and its bits: x + ROUNDING holds round(x) in the low bits of ROUNDING_BITS + round(x),
 * for |x| < 2²².
 */
const ROUNDING = 12582912;
const ROUNDING_BITS = 0x4b400000;
const v128 = binaryen.v128;

/**
 * Every batch entry of x (every step's too, over all steps at once) quantised into its row of the
 * staged buffer: levels round(x · range / max |x|) as i16, then the scale max |x| / range (0, with
 * levels 0, for a vector of zeros). The int8 products that read x (one per gate) read it from there.
 */
export function emitQuantize(s: KernelSite, k: KernelOf<"quantize">): Expr {
  const fb = s.ctx.fb;
  const m = s.m;
  const cols = k.x.shape[0]!;
  const range = activationRange(cols);
  const rowBytes = stagedElements(cols) * 4;
  const c = (n: number) => m.i32.const(n);
  const get = (local: number) => fb.get(local, i32);
  const [b, px, pq, jb] = Array.from({ length: 4 }, () => s.newLocal()) as [number, number, number, number];
  const inv = fb.local(f32);
  const amax = fb.local(f32);
  const vmax = fb.local(v128);
  const full = Math.floor(cols / 4) * 4;
  const tail = Array.from({ length: cols - full }, (_, t) => full + t);
  const absAt = (el: number) => m.f32.abs(m.f32.load(el * 4, 4, get(px)));
  const lane = (n: number) => m.f32x4.extract_lane(fb.get(vmax, v128), n);
  const largest = [0, 1, 2, 3].map(lane).concat(tail.map(absAt)).reduce((a, x) => m.f32.max(a, x), m.f32.const(0));
  // round(x · inv) as i32 lanes: adding 1.5·2²³ rounds to the nearest integer (ties to even, as
  // f32x4.nearest) into the low mantissa bits, valid while |x · inv| ≤ 32767 < 2²²; two instructions
  // where nearest and trunc_sat take about eight in V8.
  const levels = (at: Expr, offset: number) => m.i32x4.sub(
    m.f32x4.add(
      m.f32x4.mul(m.v128.load(offset, 4, at), m.f32x4.splat(fb.get(inv, f32))),
      m.f32x4.splat(m.f32.const(ROUNDING)),
    ),
    m.i32x4.splat(m.i32.const(ROUNDING_BITS)),
  );
  const zeros = () => m.v128.const(new Uint8Array(16));
  const groups = Math.floor(cols / 8) * 8;
  const rest: Expr[] = [];
  if (groups < cols) {
    rest.push(m.v128.store(groups * 2, 16, get(pq), zeros()));
    const fourth = cols - groups >= 4;
    if (fourth) {
      rest.push(m.v128.store(groups * 2, 16, get(pq), m.i16x8.narrow_i32x4_s(levels(get(px), groups * 4), zeros())));
    }
    for (let el = fourth ? groups + 4 : groups; el < cols; el++) {
      const level = m.i32.trunc_s_sat.f32(m.f32.nearest(m.f32.mul(m.f32.load(el * 4, 4, get(px)), fb.get(inv, f32))));
      rest.push(m.i32.store16(el * 2, 2, get(pq), level));
    }
  }
  const xRow = k.x.batched ? m.i32.add(s.start(k.x), m.i32.mul(get(b), c(cols * 4))) : s.start(k.x);
  const qRow = k.dest.batched ? m.i32.add(s.base(k.dest), m.i32.mul(get(b), c(rowBytes))) : s.base(k.dest);
  return fb.forLoop(b, c(0), s.copies(k.dest), 1, [
    fb.set(px, xRow),
    fb.set(pq, qRow),
    fb.set(vmax, zeros()),
    fb.forLoop(jb, c(0), c(full * 4), 16, [
      fb.set(vmax, m.f32x4.max(fb.get(vmax, v128), m.f32x4.abs(m.v128.load(0, 4, m.i32.add(get(px), get(jb)))))),
    ]),
    fb.set(amax, largest),
    m.f32.store(paddedColumns(cols) * 2, 4, get(pq), m.f32.div(fb.get(amax, f32), m.f32.const(range))),
    fb.set(inv, m.select(
      m.f32.gt(fb.get(amax, f32), m.f32.const(0)),
      m.f32.div(m.f32.const(range), fb.get(amax, f32)),
      m.f32.const(0),
    )),
    // Groups of 8: two f32x4 → i32x4 levels, narrowed to one i16x8.
    fb.forLoop(jb, c(0), c(groups * 4), 32, [
      m.v128.store(0, 16, m.i32.add(get(pq), m.i32.shr_u(get(jb), c(1))),
        m.i16x8.narrow_i32x4_s(levels(m.i32.add(get(px), get(jb)), 0), levels(m.i32.add(get(px), get(jb)), 16))),
    ]),
    ...rest,
  ]);
}

/**
 * y (+)= W·x for every batch entry (every step too, over all steps at once),
 * W int8 [rows, cols] in blocks with scales [rows], x as a quantize kernel
 * staged it. Batch entries go four at a time (then one by one): every row of
 * W in tiles of 8 rows × the four, each tile's 32 sums in 8 i32x4 registers,
 * one row per lane.
 */
export function emitQuantizedProduct(s: KernelSite, k: KernelOf<"qmatvec">): Expr {
  const fb = s.ctx.fb;
  const m = s.m;
  const [rows, cols] = k.w.shape as [number, number];
  const rowBytes = stagedElements(cols) * 4;
  const scaleAt = paddedColumns(cols) * 2;
  const c = (n: number) => m.i32.const(n);
  const get = (local: number) => fb.get(local, i32);
  const [b, i, q, pd, ps, p0, pe] = Array.from({ length: 7 }, () => s.newLocal()) as
    [number, number, number, number, number, number, number];
  const scale = Array.from({ length: 4 }, () => fb.local(f32));
  const qRow = (entry: Expr) =>
    (k.staged.batched ? m.i32.add(s.base(k.staged), m.i32.mul(entry, c(rowBytes))) : s.base(k.staged));
  const dRow = (entry: Expr) =>
    (k.dest.batched ? m.i32.add(s.base(k.dest), m.i32.mul(entry, c(rows * 4))) : s.base(k.dest));

  const blocked = paddedPairs(cols);
  const groupBytes = 4 * blocked;
  const fullGroups = Math.floor(rows / 4);

  /**
   * Row groups g … g + groups (rows i …, i = 4g) against the `entries` staged vectors. Each step
   * reads 2 columns: per group one block of 4 rows × 2 weights, widened, whose dot products with a
   * vector's 2 levels (splat) are the group's 4 rows in the 4 lanes; no sum across lanes remains.
   * `valid`: the rows of a last, partial group that exist (the others are padding and not stored).
   */
  const tile = (groups: 1 | 2, entries: 1 | 4, valid = 4): Expr[] => {
    const acc = Array.from({ length: groups * entries }, () => fb.local(v128));
    const at = (g: number, e: number) => acc[g * entries + e]!;
    const xv = Array.from({ length: entries }, () => fb.local(v128));
    const wv = Array.from({ length: groups }, () => fb.local(v128));
    const step: Expr[] = [
      ...xv.map((x, e) => fb.set(x, m.v128.load32_splat(e * rowBytes, 4, get(ps)))),
      ...wv.map((w, g) => fb.set(w, m.v128.load8x8_s(g * groupBytes, 1, get(q)))),
    ];
    for (let g = 0; g < groups; g++) {
      for (let e = 0; e < entries; e++) {
        const dot = m.i32x4.dot_i16x8_s(fb.get(wv[g]!, v128), fb.get(xv[e]!, v128));
        step.push(fb.set(at(g, e), m.i32x4.add(fb.get(at(g, e), v128), dot)));
      }
    }
    step.push(fb.set(q, m.i32.add(get(q), c(8))));
    const scalesAt = () => m.i32.add(s.base(k.scales), m.i32.mul(get(i), c(4)));
    const destAt = () => m.i32.add(get(pd), m.i32.mul(get(i), c(4)));
    const out: Expr[] = [];
    for (let g = 0; g < groups; g++) {
      for (let e = 0; e < entries; e++) {
        // The scales' region ends on a 16-byte boundary: a partial group's load stays inside it.
        const scales = m.v128.load(g * 16, 4, scalesAt());
        const sums = m.f32x4.convert_i32x4_s(fb.get(at(g, e), v128));
        const y = m.f32x4.mul(m.f32x4.mul(sums, scales), m.f32x4.splat(fb.get(scale[e]!, f32)));
        const offset = e * rows * 4 + g * 16;
        if (valid === 4) {
          const sum = k.accumulate ? m.f32x4.add(m.v128.load(offset, 4, destAt()), y) : y;
          out.push(m.v128.store(offset, 4, destAt(), sum));
          continue;
        }
        const yl = fb.local(v128);
        out.push(fb.set(yl, y));
        for (let lane = 0; lane < valid; lane++) {
          const v = m.f32x4.extract_lane(fb.get(yl, v128), lane);
          const sum = k.accumulate ? m.f32.add(m.f32.load(offset + lane * 4, 4, destAt()), v) : v;
          out.push(m.f32.store(offset + lane * 4, 4, destAt(), sum));
        }
      }
    }
    const label = fb.mod.label("qdot");
    return [
      ...acc.map((a) => fb.set(a, m.v128.const(new Uint8Array(16)))),
      fb.set(q, m.i32.add(s.base(s.locate(k.w)), m.i32.mul(get(i), c(blocked)))),
      fb.set(ps, get(p0)),
      m.loop(label, m.block(null, [
        ...step,
        fb.set(ps, m.i32.add(get(ps), c(4))),
        m.br(label, m.i32.lt_u(get(ps), get(pe))),
      ])),
      ...out,
    ];
  };

  const pairedRows = Math.floor(fullGroups / 2) * 8;
  /** Entries b … b + entries against every row group, their staged rows read from p0 on. */
  const overRows = (entries: 1 | 4): Expr[] => [
    fb.set(p0, qRow(get(b))),
    fb.set(pe, m.i32.add(get(p0), c(blocked * 2))),
    ...scale.slice(0, entries).map((sc, e) => fb.set(sc, m.f32.load(e * rowBytes + scaleAt, 4, get(p0)))),
    fb.set(pd, dRow(get(b))),
    fb.forLoop(i, c(0), c(pairedRows), 8, tile(2, entries)),
    ...(fullGroups % 2 === 1 ? [fb.set(i, c(pairedRows)), ...tile(1, entries)] : []),
    ...(rows % 4 !== 0 ? [fb.set(i, c(fullGroups * 4)), ...tile(1, entries, rows % 4)] : []),
  ];
  const copies = () => s.copies(k.dest);
  return m.block(null, [
    fb.forLoop(b, c(0), m.i32.sub(copies(), c(3)), 4, overRows(4)),
    // b is now the first entry no group of four covered.
    fb.forLoop(b, get(b), copies(), 1, overRows(1)),
  ]);
}
