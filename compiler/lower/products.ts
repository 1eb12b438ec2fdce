// compiler/lower — the product kernels: y = W·x and y = Wᵀ·x (one product
// over the batch on a packed matrix, or entry by entry), Σ_b a_b ⊗ c_b and
// a ⊗ c, and the pack and transpose kernels that lay matrices out for them.
// In: a kernel's operands and destination at one step (a KernelSite). Out:
// one Binaryen expression; the register-tiled loops are gemm.ts's.

import type { Node } from "../ir/index.js";
import type { Buffer } from "./buffers.js";
import { emitProduct } from "./gemm.js";
import type { Lanes } from "./lanes.js";
import { emitPack } from "./pack.js";
import type { Tiling } from "./kernel.js";
import type { KernelSite } from "./site.js";
import { emitTranspose } from "./transpose.js";
import { binaryen, type Expr } from "./wasm.js";

const i32 = binaryen.i32;

export class ProductKernels {
  constructor(private readonly s: KernelSite) {}

  /**
   * y = W·x. Rows go in blocks of four, each block over the whole batch, so
   * the block's rows of W stay in cache while every batch entry reads them,
   * and each load of x feeds four products.
   */
  matvec(w: Node, x: Node, tiling: Tiling, dest: Buffer, accumulate: boolean): Expr {
    const rowsM = w.shape[0]!;
    const block = tiling.dotRows;
    const full = Math.floor(rowsM / block) * block;
    const parts: Expr[] = [];
    if (full > 0) parts.push(this.matvecRows(w, x, dest, accumulate, 0, full, block));
    if (full < rowsM) parts.push(this.matvecRows(w, x, dest, accumulate, full, rowsM, 1));
    return this.s.m.block(null, parts);
  }

  /** Rows [from, to) of y = W·x in blocks of `block` rows. */
  matvecRows(w: Node, x: Node, dest: Buffer, accumulate: boolean, from: number, to: number, block: number): Expr {
    const fb = this.s.ctx.fb;
    const { vec, scalar } = this.s.ctx;
    const m = this.s.m;
    const cols = w.shape[1]!;
    const simd = vec.width > 1;
    const [ib, b, jb, px, py, pw] = [0, 0, 0, 0, 0, 0]
      .map(() => this.s.newLocal()) as [number, number, number, number, number, number];
    const rows = Array.from({ length: block }, () => this.s.newLocal());
    const vacc = rows.map(() => fb.local(vec.type));
    const sacc = rows.map(() => fb.local(scalar.type));
    const xv = fb.local(vec.type);
    const xs = fb.local(scalar.type);
    const get = (local: number) => fb.get(local, i32);
    const body = (l: Lanes) => {
      const vector = l === vec && simd;
      const [acc, xl] = vector ? [vacc, xv] : [sacc, xs];
      return m.block(null, [
        fb.set(xl, l.load(m.i32.add(get(px), get(jb)))),
        ...rows.map((r, k) => fb.set(
          acc[k]!,
          l.add(fb.get(acc[k]!, l.type), l.mul(l.load(m.i32.add(get(r), get(jb))), fb.get(xl, l.type))),
        )),
      ]);
    };
    const total = (k: number) => (
      simd
        ? scalar.add(vec.horizontalSum(fb.get(vacc[k]!, vec.type)), fb.get(sacc[k]!, scalar.type))
        : fb.get(sacc[k]!, scalar.type)
    );
    const yPtr = (k: number) => m.i32.add(get(py), m.i32.mul(m.i32.add(get(ib), this.s.c(k)), this.s.c(this.s.bytes)));
    return fb.forLoop(ib, this.s.c(from), this.s.c(to), block, [
      fb.forLoop(b, this.s.c(0), this.s.copies(dest), 1, [
        fb.set(pw, this.s.row(this.s.locate(w), w.batched, b)),
        ...rows.map((r, k) =>
          fb.set(r, m.i32.add(get(pw), m.i32.mul(m.i32.add(get(ib), this.s.c(k)), this.s.c(cols * this.s.bytes)))),
        ),
        fb.set(px, this.s.row(this.s.locate(x), x.batched, b)),
        fb.set(py, this.s.row(dest, true, b)),
        ...(simd ? vacc.map((a) => fb.set(a, vec.const(0))) : []),
        ...sacc.map((a) => fb.set(a, scalar.const(0))),
        ...this.s.overElements(cols, jb, body),
        ...rows.map((_, k) =>
          scalar.store(yPtr(k), accumulate ? scalar.add(scalar.load(yPtr(k)), total(k)) : total(k)),
        ),
      ]),
    ]);
  }

  /**
   * y = W·x or Wᵀ·x for every batch entry as one product (gemm.ts): p = batch
   * entry, q = entry of x, B = Wᵀ or W, read from its packed copy.
   */
  product(
    w: Node,
    transposed: boolean,
    panels: Buffer,
    x: Node,
    tiling: Tiling,
    dest: Buffer,
    accumulate: boolean,
  ): Expr {
    const [rowsM, colsM] = w.shape as [number, number];
    const [depth, cols] = transposed ? [rowsM, colsM] : [colsM, rowsM];
    return emitProduct(this.s.ctx.fb, this.s.ctx.vec, this.s.ctx.scalar, {
      rows: () => this.s.copies(dest), depth: () => this.s.c(depth), cols,
      a: () => this.s.start(x), aRow: x.batched ? depth * this.s.bytes : 0, aStep: this.s.bytes,
      b: () => this.s.base(panels), bStep: cols * this.s.bytes, panels: depth,
      c: () => this.s.base(dest), cRow: cols * this.s.bytes,
      accumulate, tiling,
    });
  }

  /** y = Wᵀ g entry by entry (a W of each batch entry, or a single g): y += g[i] · W[i, :] for each row i. */
  matvecTransposedEach(w: Node, g: Node, dest: Buffer, accumulate: boolean): Expr {
    const fb = this.s.ctx.fb;
    const m = this.s.m;
    const [rowsM, cols] = w.shape as [number, number];
    const [b, i, jb, pw, pg, py, pwi] = [0, 0, 0, 0, 0, 0, 0]
      .map(() => this.s.newLocal()) as number[] as [number, number, number, number, number, number, number];
    const gi = (l: Lanes) => l.loadSplat(m.i32.add(fb.get(pg, i32), m.i32.mul(fb.get(i, i32), this.s.c(this.s.bytes))));
    const zero = (l: Lanes) => l.store(m.i32.add(fb.get(py, i32), fb.get(jb, i32)), l.const(0));
    const axpy = (l: Lanes) => {
      const yp = () => m.i32.add(fb.get(py, i32), fb.get(jb, i32));
      return l.store(yp(), l.add(l.load(yp()), l.mul(gi(l), l.load(m.i32.add(fb.get(pwi, i32), fb.get(jb, i32))))));
    };
    return fb.forLoop(b, this.s.c(0), this.s.copies(dest), 1, [
      fb.set(pw, this.s.row(this.s.locate(w), w.batched, b)),
      fb.set(pg, this.s.row(this.s.locate(g), g.batched, b)),
      fb.set(py, this.s.row(dest, true, b)),
      ...(accumulate ? [] : this.s.overElements(cols, jb, zero)),
      fb.forLoop(i, this.s.c(0), this.s.c(rowsM), 1, [
        fb.set(pwi, m.i32.add(fb.get(pw, i32), m.i32.mul(fb.get(i, i32), this.s.c(cols * this.s.bytes)))),
        ...this.s.overElements(cols, jb, axpy),
      ]),
    ]);
  }

  /** dest[i, :] (+)= a[i] · c[:], for each batch entry, or summed over the batch. */
  outer(
    a: Node,
    c: Node,
    batchsum: boolean,
    packing: Buffer | undefined,
    tiling: Tiling,
    dest: Buffer,
    accumulate: boolean,
  ): Expr {
    const fb = this.s.ctx.fb;
    const m = this.s.m;
    const rowsM = a.shape[0]!;
    const cols = c.shape[0]!;
    const [b, i, jb, pa, pc, pd, pdi] = [0, 0, 0, 0, 0, 0, 0]
      .map(() => this.s.newLocal()) as [number, number, number, number, number, number, number];
    const ai = (l: Lanes) => l.loadSplat(m.i32.add(fb.get(pa, i32), m.i32.mul(fb.get(i, i32), this.s.c(this.s.bytes))));
    const update = (add: boolean) => (l: Lanes) => {
      const dp = () => m.i32.add(fb.get(pdi, i32), fb.get(jb, i32));
      const prod = l.mul(ai(l), l.load(m.i32.add(fb.get(pc, i32), fb.get(jb, i32))));
      return l.store(dp(), add ? l.add(l.load(dp()), prod) : prod);
    };
    const rowLoop = (add: boolean) =>
      fb.forLoop(i, this.s.c(0), this.s.c(rowsM), 1, [
        fb.set(pdi, m.i32.add(fb.get(pd, i32), m.i32.mul(fb.get(i, i32), this.s.c(cols * this.s.bytes)))),
        ...this.s.overElements(cols, jb, update(add)),
      ]);
    const operands = [
      fb.set(pa, this.s.row(this.s.locate(a), a.batched, b)),
      fb.set(pc, this.s.row(this.s.locate(c), c.batched, b)),
    ];
    if (batchsum) {
      // dest[i, :] = Σ_b a[b, i] · c[b, :]: one product whose contraction is the batch.
      return emitProduct(fb, this.s.ctx.vec, this.s.ctx.scalar, {
        rows: () => this.s.c(rowsM), depth: () => this.s.get(this.s.ctx.batch), cols,
        a: () => this.s.start(a), aRow: this.s.bytes, aStep: a.batched ? rowsM * this.s.bytes : 0,
        b: () => this.s.start(c), bStep: c.batched ? cols * this.s.bytes : 0,
        c: () => this.s.base(dest), cRow: cols * this.s.bytes,
        accumulate, tiling,
        ...(packing ? { packed: { buffer: () => this.s.base(packing), rows: rowsM, block: tiling.batchBlock } } : {}),
      });
    }
    return fb.forLoop(b, this.s.c(0), this.s.copies(dest), 1, [
      ...operands,
      fb.set(pd, this.s.row(dest, true, b)),
      rowLoop(accumulate),
    ]);
  }

  /** dest (+)= A·B for each batch entry: the register-tiled product, its contraction A's columns. */
  matmul(a: Node, c: Node, tiling: Tiling, dest: Buffer, accumulate: boolean): Expr {
    const fb = this.s.ctx.fb;
    const [rowsM, depth] = a.shape as [number, number];
    const cols = c.shape[1]!;
    const [b, pa, pc, pd] = [0, 0, 0, 0].map(() => this.s.newLocal()) as [number, number, number, number];
    const bytes = this.s.bytes;
    return fb.forLoop(b, this.s.c(0), this.s.copies(dest), 1, [
      fb.set(pa, this.s.row(this.s.locate(a), a.batched, b)),
      fb.set(pc, this.s.row(this.s.locate(c), c.batched, b)),
      fb.set(pd, this.s.row(dest, true, b)),
      emitProduct(fb, this.s.ctx.vec, this.s.ctx.scalar, {
        rows: () => this.s.c(rowsM), depth: () => this.s.c(depth), cols,
        a: () => this.s.get(pa), aRow: depth * bytes, aStep: bytes,
        b: () => this.s.get(pc), bStep: cols * bytes,
        c: () => this.s.get(pd), cRow: cols * bytes,
        accumulate, tiling,
      }),
    ]);
  }

  pack(x: Node, transpose: boolean, tiling: Tiling, dest: Buffer): Expr {
    const fb = this.s.ctx.fb;
    const [px, pd] = [this.s.newLocal(), this.s.newLocal()];
    return this.s.m.block(null, [
      fb.set(px, this.s.start(x)),
      fb.set(pd, this.s.base(dest)),
      emitPack(
        fb, this.s.ctx.vec, this.s.ctx.scalar, px, pd, x.shape as [number, number], transpose, tiling.stripVectors,
      ),
    ]);
  }

  transpose(x: Node, dest: Buffer, accumulate: boolean): Expr {
    const fb = this.s.ctx.fb;
    const [px, pd, b] = [this.s.newLocal(), this.s.newLocal(), this.s.newLocal()];
    return fb.forLoop(b, this.s.c(0), this.s.copies(dest), 1, [
      fb.set(px, this.s.row(this.s.locate(x), x.batched, b)),
      fb.set(pd, this.s.row(dest, true, b)),
      emitTranspose(fb, this.s.ctx.vec, this.s.ctx.scalar, px, pd, x.shape as [number, number], accumulate),
    ]);
  }
}
