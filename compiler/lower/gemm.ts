// compiler/lower — the one matrix-product micro-kernel. In: a product
//   C[p, j] (+)= Σ_q A(p, q) · B[q, j]      p < P, q < Q, j < N
// given as base addresses and byte strides (P and Q may be runtime counts, N
// is known). Out: wasm loops. Register tiles of `rows` values of p times
// `vectors` vectors of j accumulate over all of q; each step of q loads the
// tile's vectors of B once and one broadcast element of A per row, so a tile
// of 2×4 vectors does 8 multiply-adds per 6 loads, and C is read and written
// once. Column strips are the outer loop, so a strip of B (Q × 16 elements)
// stays in cache while every tile of rows reuses it.
//
// B is read in place (row q at b + q·bStep) or from a copy packed in column
// panels (pack.ts): each strip's Q × 16 elements contiguous, so a strip
// streams through the cache in order instead of touching one line per row.
//
// The forms used: y = Wᵀg (p = batch entry, q = row of W, B = W, packed);
// y = W x (the same on Wᵀ, packed); dW = Σ_b a_b ⊗ c_b (p = row of dW, q =
// batch entry, B = the c rows, in place).

import type { Lanes } from "./lanes.js";
import { binaryen, type Expr, type FunctionBuilder } from "./wasm.js";

export interface Product {
  /** Rows of C (an i32 expression factory: each call a fresh tree). */
  readonly rows: () => Expr;
  /** Length of the contraction. */
  readonly depth: () => Expr;
  /** Columns of C and of B. */
  readonly cols: number;
  /** A(p, q) at a + p·aRow + q·aStep (bytes). */
  readonly a: () => Expr;
  readonly aRow: number;
  readonly aStep: number;
  /**
   * B[q, :] at b + q·bStep, or, given `panels`, packed: the strip of columns
   * [from, to) (see `strips`) at b + from·panels·bytes, its row q at
   * + q·(to − from)·bytes. `panels` is then the depth, a constant.
   */
  readonly b: () => Expr;
  readonly bStep: number;
  readonly panels?: number;
  /** C[p, :] at c + p·cRow. */
  readonly c: () => Expr;
  readonly cRow: number;
  /** Adds to C instead of overwriting it. */
  readonly accumulate: boolean;
  /**
   * Runs the contraction in blocks of this many steps of q, every tile of C
   * within one block before the next: for operands whose q-steps are far
   * apart in memory (Σ_b a_b ⊗ c_b reads a column of a and a strip of c per
   * step), a block's cache lines stay in L1 while every tile uses them.
   */
  readonly depthBlock?: number;
}

const i32 = binaryen.i32;

export function emitProduct(fb: FunctionBuilder, vec: Lanes, scalar: Lanes, g: Product): Expr {
  const m = fb.mod.raw;
  const c = (n: number) => m.i32.const(n);
  const get = (local: number) => fb.get(local, i32);
  const bytes = scalar.bytes;
  const [p0, q, jb, pa, pb, pc, rowEnd, q0, qEnd] = [0, 0, 0, 0, 0, 0, 0, 0, 0].map(() => fb.local(i32)) as [number, number, number, number, number, number, number, number, number];
  const blocked = g.depthBlock !== undefined;
  // Blocked, every block adds to C (zeroed first unless accumulating): q runs over [q0, qEnd).
  const accumulate = g.accumulate || blocked;

  /** One register tile: `tileRows` rows from p0, `vectors` vectors of `l` from column byte jb, B's strip at bAt(). */
  const tile = (l: Lanes, tileRows: number, vectors: number, bStep: number, bAt: () => Expr): Expr[] => {
    const acc = Array.from({ length: tileRows * vectors }, () => fb.local(l.type));
    const bv = Array.from({ length: vectors }, () => fb.local(l.type));
    const at = (r: number, v: number) => acc[r * vectors + v]!;
    const cPtr = () => m.i32.add(get(pc), get(jb));
    const init: Expr[] = [];
    for (let r = 0; r < tileRows; r++) {
      for (let v = 0; v < vectors; v++) init.push(fb.set(at(r, v), accumulate ? l.load(cPtr(), r * g.cRow + v * l.width * bytes) : l.const(0)));
    }
    const step: Expr[] = [];
    for (let v = 0; v < vectors; v++) step.push(fb.set(bv[v]!, l.load(get(pb), v * l.width * bytes)));
    for (let r = 0; r < tileRows; r++) {
      const a = fb.local(l.type);
      step.push(fb.set(a, l.loadSplat(get(pa), r * g.aRow)));
      for (let v = 0; v < vectors; v++) step.push(fb.set(at(r, v), l.madd(fb.get(a, l.type), fb.get(bv[v]!, l.type), fb.get(at(r, v), l.type))));
    }
    step.push(fb.set(pa, m.i32.add(get(pa), c(g.aStep))), fb.set(pb, m.i32.add(get(pb), c(bStep))));
    const store: Expr[] = [];
    for (let r = 0; r < tileRows; r++) {
      for (let v = 0; v < vectors; v++) store.push(l.store(cPtr(), fb.get(at(r, v), l.type), r * g.cRow + v * l.width * bytes));
    }
    const qFrom = () => (blocked ? get(q0) : c(0));
    return [
      fb.set(pa, m.i32.add(m.i32.add(g.a(), m.i32.mul(get(p0), c(g.aRow))), m.i32.mul(qFrom(), c(g.aStep)))),
      fb.set(pb, m.i32.add(bAt(), m.i32.mul(qFrom(), c(bStep)))),
      fb.set(pc, m.i32.add(g.c(), m.i32.mul(get(p0), c(g.cRow)))),
      ...init,
      fb.forLoop(q, qFrom(), blocked ? get(qEnd) : g.depth(), 1, step),
      ...store,
    ];
  };

  /** A strip of columns in tiles of its vectors; rows in tiles of two, then one by one. */
  const strip = ({ lanes: l, from, to, vectors }: Strip): Expr[] => {
    const width = vectors * l.width;
    const rowsBody: Expr[] = [];
    const tileRows = 2;
    const bStep = g.panels === undefined ? g.bStep : width * bytes;
    const bAt = () => (g.panels === undefined ? m.i32.add(g.b(), get(jb)) : m.i32.add(g.b(), m.i32.mul(get(jb), c(g.panels))));
    rowsBody.push(fb.forLoop(p0, c(0), m.i32.sub(g.rows(), c(tileRows - 1)), tileRows, tile(l, tileRows, vectors, bStep, bAt)));
    // p0 is now the first row no full tile covered.
    rowsBody.push(fb.set(rowEnd, get(p0)), fb.forLoop(p0, get(rowEnd), g.rows(), 1, tile(l, 1, vectors, bStep, bAt)));
    return [fb.forLoop(jb, c(from * bytes), c(to * bytes), width * bytes, rowsBody)];
  };

  const parts = strips(g.cols, vec, scalar).flatMap(strip);
  if (!blocked) return m.block(null, parts);
  const kc = g.depthBlock!;
  return m.block(null, [
    ...(g.accumulate ? [] : [m.memory.fill(g.c(), c(0), m.i32.mul(g.rows(), c(g.cRow)))]),
    fb.forLoop(q0, c(0), g.depth(), kc, [
      fb.set(qEnd, m.i32.add(get(q0), c(kc))),
      m.if(m.i32.gt_s(get(qEnd), g.depth()), fb.set(qEnd, g.depth())),
      ...parts,
    ]),
  ]);
}

/** Columns [from, to) of a product, read `vectors` vectors of `lanes` at a time. */
export interface Strip {
  readonly lanes: Lanes;
  readonly from: number;
  readonly to: number;
  readonly vectors: number;
}

/**
 * How a product's n columns are cut into strips: runs of four vectors, then
 * single vectors, then single elements. The packed layout (pack.ts) follows
 * the same cut.
 */
export function strips(n: number, vec: Lanes, scalar: Lanes): Strip[] {
  const out: Strip[] = [];
  let from = 0;
  const run = (lanes: Lanes, vectors: number) => {
    const width = vectors * lanes.width;
    const to = from + Math.floor((n - from) / width) * width;
    if (to > from) out.push({ lanes, from, to, vectors });
    from = to;
  };
  run(vec, 4);
  if (vec.width > 1) run(vec, 1);
  run(scalar, 1);
  return out;
}
