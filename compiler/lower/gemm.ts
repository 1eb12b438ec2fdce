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
// The forms used: y = Wᵀg (p = batch entry, q = row of W, B = W); dW = Σ_b
// a_b ⊗ c_b (p = row of dW, q = batch entry, B = the c rows); y = W x reads a
// transposed copy of W and is the first form.

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
  /** B[q, :] at b + q·bStep. */
  readonly b: () => Expr;
  readonly bStep: number;
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

  /** One register tile: `tileRows` rows from p0, `vectors` vectors of `l` from column byte jb. */
  const tile = (l: Lanes, tileRows: number, vectors: number): Expr[] => {
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
    step.push(fb.set(pa, m.i32.add(get(pa), c(g.aStep))), fb.set(pb, m.i32.add(get(pb), c(g.bStep))));
    const store: Expr[] = [];
    for (let r = 0; r < tileRows; r++) {
      for (let v = 0; v < vectors; v++) store.push(l.store(cPtr(), fb.get(at(r, v), l.type), r * g.cRow + v * l.width * bytes));
    }
    const qFrom = () => (blocked ? get(q0) : c(0));
    return [
      fb.set(pa, m.i32.add(m.i32.add(g.a(), m.i32.mul(get(p0), c(g.aRow))), m.i32.mul(qFrom(), c(g.aStep)))),
      fb.set(pb, m.i32.add(m.i32.add(g.b(), get(jb)), m.i32.mul(qFrom(), c(g.bStep)))),
      fb.set(pc, m.i32.add(g.c(), m.i32.mul(get(p0), c(g.cRow)))),
      ...init,
      fb.forLoop(q, qFrom(), blocked ? get(qEnd) : g.depth(), 1, step),
      ...store,
    ];
  };

  /** Columns [from, to) in tiles of `vectors` vectors of `l`; rows in tiles of `tileRows`, then one by one. */
  const strip = (l: Lanes, from: number, to: number, vectors: number, tileRows: number): Expr[] => {
    const width = vectors * l.width;
    const end = from + Math.floor((to - from) / width) * width;
    if (end <= from) return [];
    const rowsBody: Expr[] = [];
    if (tileRows > 1) {
      rowsBody.push(fb.forLoop(p0, c(0), m.i32.sub(g.rows(), c(tileRows - 1)), tileRows, tile(l, tileRows, vectors)));
      // p0 is now the first row no full tile covered.
      rowsBody.push(fb.set(rowEnd, get(p0)), fb.forLoop(p0, get(rowEnd), g.rows(), 1, tile(l, 1, vectors)));
    } else {
      rowsBody.push(fb.forLoop(p0, c(0), g.rows(), 1, tile(l, 1, vectors)));
    }
    return [fb.forLoop(jb, c(from * bytes), c(end * bytes), width * bytes, rowsBody)];
  };

  const n = g.cols;
  const wide = 4 * vec.width;
  const fullWide = Math.floor(n / wide) * wide;
  const fullVec = Math.floor(n / vec.width) * vec.width;
  const parts = [
    ...strip(vec, 0, fullWide, 4, 2),
    ...(vec.width > 1 ? strip(vec, fullWide, fullVec, 1, 2) : []),
    ...strip(scalar, vec.width > 1 ? fullVec : fullWide, n, 1, 2),
  ];
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
