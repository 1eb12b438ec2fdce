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
// batch entry, B = the c rows; A and B packed block by block, see `packed`).

import type { Tiling } from "./kernel.js";
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
   * + q·(to − from)·bytes. `panels`, a constant, is the depth the panels were
   * laid out for (at least the depth); bStep is then unused.
   */
  readonly b: () => Expr;
  readonly bStep: number;
  readonly panels?: number;
  /** C[p, :] at c + p·cRow. */
  readonly c: () => Expr;
  readonly cRow: number;
  /** Adds to C instead of overwriting it. */
  readonly accumulate: boolean;
  /** Rows per register tile and vectors per strip (the panels' layout too). */
  readonly tiling: Pick<Tiling, "tileRows" | "stripVectors">;
  /**
   * Runs the contraction in blocks of `block` steps of q, each block's A and
   * B first copied into `buffer` (block·(rows + cols) elements; `rows` is
   * then a constant): A transposed so each row's block is contiguous, B in
   * panels. For operands whose q-steps are far apart in memory (Σ_b a_b ⊗ c_b
   * steps through rows of a and c whose power-of-two strides map them onto a
   * few cache sets), the packed block stays in L1 while every tile uses it.
   */
  readonly packed?: { readonly buffer: () => Expr; readonly rows: number; readonly block: number };
}

const i32 = binaryen.i32;

export function emitProduct(fb: FunctionBuilder, vec: Lanes, scalar: Lanes, g: Product): Expr {
  const m = fb.mod.raw;
  const c = (n: number) => m.i32.const(n);
  const get = (local: number) => fb.get(local, i32);
  const bytes = scalar.bytes;
  if (g.packed) return emitPackedBlocks(fb, vec, scalar, g, g.packed);
  const [p0, q, jb, pa, pb, pc, rowEnd] = [0, 0, 0, 0, 0, 0, 0]
    .map(() => fb.local(i32)) as [number, number, number, number, number, number, number];

  /** One register tile: `tileRows` rows from p0, `vectors` vectors of `l` from column byte jb, B's strip at bAt(). */
  const tile = (l: Lanes, tileRows: number, vectors: number, bStep: number, bAt: () => Expr): Expr[] => {
    const acc = Array.from({ length: tileRows * vectors }, () => fb.local(l.type));
    const bv = Array.from({ length: vectors }, () => fb.local(l.type));
    const at = (r: number, v: number) => acc[r * vectors + v]!;
    const cPtr = () => m.i32.add(get(pc), get(jb));
    const init: Expr[] = [];
    for (let r = 0; r < tileRows; r++) {
      for (let v = 0; v < vectors; v++)
        init.push(fb.set(at(r, v), g.accumulate ? l.load(cPtr(), r * g.cRow + v * l.width * bytes) : l.const(0)));
    }
    const step: Expr[] = [];
    for (let v = 0; v < vectors; v++) step.push(fb.set(bv[v]!, l.load(get(pb), v * l.width * bytes)));
    for (let r = 0; r < tileRows; r++) {
      const a = fb.local(l.type);
      step.push(fb.set(a, l.loadSplat(get(pa), r * g.aRow)));
      for (let v = 0; v < vectors; v++)
        step.push(fb.set(at(r, v), l.madd(fb.get(a, l.type), fb.get(bv[v]!, l.type), fb.get(at(r, v), l.type))));
    }
    step.push(fb.set(pa, m.i32.add(get(pa), c(g.aStep))), fb.set(pb, m.i32.add(get(pb), c(bStep))));
    const store: Expr[] = [];
    for (let r = 0; r < tileRows; r++) {
      for (let v = 0; v < vectors; v++)
        store.push(l.store(cPtr(), fb.get(at(r, v), l.type), r * g.cRow + v * l.width * bytes));
    }
    return [
      fb.set(pa, m.i32.add(g.a(), m.i32.mul(get(p0), c(g.aRow)))),
      fb.set(pb, bAt()),
      fb.set(pc, m.i32.add(g.c(), m.i32.mul(get(p0), c(g.cRow)))),
      ...init,
      fb.forLoop(q, c(0), g.depth(), 1, step),
      ...store,
    ];
  };

  /** A strip of columns in tiles of its vectors; rows in tiles of `tileRows`, then one by one. */
  const strip = ({ lanes: l, from, to, vectors }: Strip): Expr[] => {
    const width = vectors * l.width;
    const rowsBody: Expr[] = [];
    const tileRows = g.tiling.tileRows;
    const bStep = g.panels === undefined ? g.bStep : width * bytes;
    const bAt = () =>
      (g.panels === undefined ? m.i32.add(g.b(), get(jb)) : m.i32.add(g.b(), m.i32.mul(get(jb), c(g.panels))));
    rowsBody.push(
      fb.forLoop(p0, c(0), m.i32.sub(g.rows(), c(tileRows - 1)), tileRows, tile(l, tileRows, vectors, bStep, bAt)),
    );
    // p0 is now the first row no full tile covered.
    rowsBody.push(fb.set(rowEnd, get(p0)), fb.forLoop(p0, get(rowEnd), g.rows(), 1, tile(l, 1, vectors, bStep, bAt)));
    return [fb.forLoop(jb, c(from * bytes), c(to * bytes), width * bytes, rowsBody)];
  };

  return m.block(null, strips(g.cols, vec, scalar, g.tiling.stripVectors).flatMap(strip));
}

/** The product block by block, each block of A and B packed first (see Product.packed). */
function emitPackedBlocks(
  fb: FunctionBuilder,
  vec: Lanes,
  scalar: Lanes,
  g: Product,
  { buffer, rows, block }: NonNullable<Product["packed"]>,
): Expr {
  const m = fb.mod.raw;
  const c = (n: number) => m.i32.const(n);
  const get = (local: number) => fb.get(local, i32);
  const bytes = scalar.bytes;
  const [q0, n, p, j, src, dst] = [0, 0, 0, 0, 0, 0]
    .map(() => fb.local(i32)) as [number, number, number, number, number, number];
  const aPacked = () => buffer();
  const bPacked = () => m.i32.add(buffer(), c(block * rows * bytes));
  // A(p, q0 + j) → aPacked[p·block + j], element by element (a small part of the work: rows·block per
  // rows·block·cols).
  const packA = fb.forLoop(p, c(0), c(rows), 1, [
    fb.set(src, m.i32.add(m.i32.add(g.a(), m.i32.mul(get(p), c(g.aRow))), m.i32.mul(get(q0), c(g.aStep)))),
    fb.set(dst, m.i32.add(aPacked(), m.i32.mul(get(p), c(block * bytes)))),
    fb.forLoop(j, c(0), get(n), 1, [
      scalar.store(
        m.i32.add(get(dst), m.i32.mul(get(j), c(bytes))),
        scalar.load(m.i32.add(get(src), m.i32.mul(get(j), c(g.aStep)))),
      ),
    ]),
  ]);
  // Rows q0 … q0 + n of B in panels of depth `block`.
  const packB = emitPanelRows(fb, vec, scalar, {
    src: () => m.i32.add(g.b(), m.i32.mul(get(q0), c(g.bStep))), srcStride: g.bStep,
    dst: bPacked, panelDepth: block, depth: () => get(n), cols: g.cols, vectors: g.tiling.stripVectors,
  });
  const product = emitProduct(fb, vec, scalar, {
    rows: g.rows, depth: () => get(n), cols: g.cols,
    a: aPacked, aRow: block * bytes, aStep: bytes,
    b: bPacked, bStep: 0, panels: block,
    c: g.c, cRow: g.cRow, accumulate: true, tiling: g.tiling,
  });
  return m.block(null, [
    ...(g.accumulate ? [] : [m.memory.fill(g.c(), c(0), m.i32.mul(g.rows(), c(g.cRow)))]),
    fb.forLoop(q0, c(0), g.depth(), block, [
      fb.set(n, m.i32.sub(g.depth(), get(q0))),
      m.if(m.i32.gt_s(get(n), c(block)), fb.set(n, c(block))),
      packA,
      packB,
      product,
    ]),
  ]);
}

/**
 * Rows [0, depth) of a matrix with `cols` columns (row r at src + r·srcStride)
 * into column panels, the layout of Product.panels: the strip [from, to) at
 * dst + from·panelDepth·bytes, its row r at + r·(to − from)·bytes.
 */
export function emitPanelRows(fb: FunctionBuilder, vec: Lanes, scalar: Lanes, o: PanelRows): Expr {
  const m = fb.mod.raw;
  const c = (n: number) => m.i32.const(n);
  const get = (local: number) => fb.get(local, i32);
  const bytes = scalar.bytes;
  const [j, r, from, to] = [fb.local(i32), fb.local(i32), fb.local(i32), fb.local(i32)];
  return m.block(null, strips(o.cols, vec, scalar, o.vectors).map(({ lanes, from: start, to: end, vectors }) => {
    const width = vectors * lanes.width;
    const copy = Array.from(
      { length: vectors },
      (_, v) => lanes.store(get(to), lanes.load(get(from), v * lanes.width * bytes), v * lanes.width * bytes),
    );
    return fb.forLoop(j, c(start), c(end), width, [
      fb.set(from, m.i32.add(o.src(), m.i32.mul(get(j), c(bytes)))),
      fb.set(to, m.i32.add(o.dst(), m.i32.mul(get(j), c(o.panelDepth * bytes)))),
      fb.forLoop(r, c(0), o.depth(), 1, [
        ...copy,
        fb.set(from, m.i32.add(get(from), c(o.srcStride))),
        fb.set(to, m.i32.add(get(to), c(width * bytes))),
      ]),
    ]);
  }));
}

/** Columns [from, to) of a product, read `vectors` vectors of `lanes` at a time. */
export interface Strip {
  readonly lanes: Lanes;
  readonly from: number;
  readonly to: number;
  readonly vectors: number;
}

/** Rows of a matrix to copy into column panels (emitPanelRows). */
interface PanelRows {
  readonly src: () => Expr;
  readonly srcStride: number;
  readonly dst: () => Expr;
  readonly panelDepth: number;
  readonly depth: () => Expr;
  readonly cols: number;
  /** Vectors per strip: the products' tiling. */
  readonly vectors: number;
}

/**
 * How a product's n columns are cut into strips: runs of `vectors` vectors,
 * then single vectors, then single elements. The packed layout (pack.ts)
 * follows the same cut.
 */
export function strips(n: number, vec: Lanes, scalar: Lanes, vectors: number): Strip[] {
  const out: Strip[] = [];
  let from = 0;
  const run = (lanes: Lanes, vectors: number) => {
    const width = vectors * lanes.width;
    const to = from + Math.floor((n - from) / width) * width;
    if (to > from) out.push({ lanes, from, to, vectors });
    from = to;
  };
  run(vec, vectors);
  if (vec.width > 1) run(vec, 1);
  run(scalar, 1);
  return out;
}
