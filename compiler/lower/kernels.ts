// compiler/lower — emission of scheduled kernels as wasm loops. In: one
// Kernel, the buffers of located values, the step's locals (t, batch). Out:
// one Binaryen expression. Loops run SIMD over the innermost contiguous axis
// (full vectors first, then a scalar tail: sizes are compile-time constants)
// and over the batch, whose size is a runtime argument.

import { sizeOf, IRError, type Node } from "../ir/index.js";
import { bytesOf, type Buffer } from "./buffers.js";
import { elementwiseLowering } from "./elementwise.js";
import { emitProduct } from "./gemm.js";
import { emitPack } from "./pack.js";
import { emitTranspose } from "./transpose.js";
import { overElements } from "./loops.js";
import { emitIdRows } from "./sparse.js";
import { callMath } from "./math.js";
import type { Lanes } from "./lanes.js";
import { packingBlock, type Kernel } from "./schedule.js";
import { binaryen, type Expr, type FunctionBuilder } from "./wasm.js";

export interface StepContext {
  readonly fb: FunctionBuilder;
  /** Vector lanes (scalar lanes in a scalar build). */
  readonly vec: Lanes;
  readonly scalar: Lanes;
  /** i32 locals: the current step and the call's batch size. */
  readonly t: number;
  readonly batch: number;
  readonly located: ReadonlyMap<Node, Buffer>;
  /** f64 local accumulating the loss. */
  readonly loss: number;
}

const i32 = binaryen.i32;

export class KernelEmitter {
  constructor(private readonly ctx: StepContext) {}

  private get m() {
    return this.ctx.fb.mod.raw;
  }
  private get bytes() {
    return this.ctx.scalar.bytes;
  }
  private c(n: number): Expr {
    return this.m.i32.const(n);
  }
  private get(local: number): Expr {
    return this.ctx.fb.get(local, i32);
  }
  private newLocal(): number {
    return this.ctx.fb.local(i32);
  }

  /** Start of the buffer's data for this step. */
  private base(buffer: Buffer): Expr {
    const m = this.m;
    if (!buffer.perStep) return this.c(buffer.offset);
    const rowBytes = sizeOf(buffer.shape) * bytesOf(buffer.type);
    const stepBytes = buffer.batched ? m.i32.mul(this.get(this.ctx.batch), this.c(rowBytes)) : this.c(rowBytes);
    return m.i32.add(this.c(buffer.offset), m.i32.mul(this.get(this.ctx.t), stepBytes));
  }

  /** Start of batch entry b (a local) of a value stored in `buffer`. */
  private row(buffer: Buffer, batched: boolean, b: number): Expr {
    if (!batched || !buffer.batched) return this.base(buffer);
    const rowBytes = sizeOf(buffer.shape) * bytesOf(buffer.type);
    return this.m.i32.add(this.base(buffer), this.m.i32.mul(this.get(b), this.c(rowBytes)));
  }

  private copies(dest: Buffer): Expr {
    return dest.batched ? this.get(this.ctx.batch) : this.c(1);
  }

  private locate(node: Node): Buffer {
    const buffer = this.ctx.located.get(node);
    if (!buffer) throw new IRError(`value %${node.id} (${node.op}) is used but never stored`);
    return buffer;
  }

  emit(kernel: Kernel): Expr {
    switch (kernel.kind) {
      case "elementwise":
        return this.elementwise(kernel.root, kernel.root, kernel.dest, kernel.accumulate);
      case "copy":
        return this.elementwise(kernel.src, undefined, kernel.dest, kernel.accumulate);
      case "sum":
        return this.sum(kernel.root, kernel.dest, kernel.accumulate);
      case "logsumexp":
        return this.logsumexp(kernel.root, kernel.dest, kernel.accumulate);
      case "batchsum":
        return this.batchsum(kernel.root, kernel.dest, kernel.accumulate);
      case "matvec":
        if (kernel.panels) return this.product(kernel.w, kernel.transposed, kernel.panels, kernel.x, kernel.dest, kernel.accumulate);
        return kernel.transposed
          ? this.matvecTransposedEach(kernel.w, kernel.x, kernel.dest, kernel.accumulate)
          : this.matvec(kernel.w, kernel.x, kernel.dest, kernel.accumulate);
      case "pack":
        return this.pack(kernel.x, kernel.transpose, kernel.dest);
      case "outer":
        return this.outer(kernel.a, kernel.b, kernel.batchsum, kernel.packing, kernel.dest, kernel.accumulate);
      case "transpose":
        return this.transpose(kernel.x, kernel.dest);
      case "gathersum":
        return this.rows(kernel.table, kernel.ids, kernel.dest, kernel.accumulate, "gather");
      case "scatteradd":
        return this.rows(kernel.g, kernel.ids, kernel.dest, kernel.accumulate, "scatter");
      case "loss":
        return this.loss(kernel.src);
    }
  }

  /**
   * Fused expression `root` at batch entry b, element offset jb (bytes, a
   * local), on lanes l. Values in `located` are loaded, except `computing`
   * itself, which is what the loop computes.
   */
  private expr(node: Node, computing: Node | undefined, rows: Map<Buffer, number>, l: Lanes, jb: number): Expr {
    if (node.op === "const") return l.const(node.arg as number);
    if (node.op === "var" || (node !== computing && this.ctx.located.has(node))) {
      const buffer = this.locate(node);
      const ptr = this.get(rows.get(buffer)!);
      if (buffer.type === "i32") {
        // Integer data (class ids) is read as a float of the module's type.
        if (node.shape.length !== 0) throw new IRError(`integer tensor ${buffer.name} read elementwise`);
        const m = this.m;
        return l.splat(this.ctx.scalar.elem === "f32" ? m.f32.convert_s.i32(m.i32.load(0, 4, ptr)) : m.f64.convert_s.i32(m.i32.load(0, 4, ptr)));
      }
      return node.shape.length === 0 ? l.loadSplat(ptr) : l.load(this.m.i32.add(ptr, this.get(jb)));
    }
    const args = node.op === "onehot" ? [this.expr(node.inputs[0]!, computing, rows, l, jb)] : node.inputs.map((n) => this.expr(n, computing, rows, l, jb));
    return elementwiseLowering[node.op](l, args, () => this.elementIndex(l, jb));
  }

  /** The index of each lane's element, as floats: jb / bytes + lane. */
  private elementIndex(l: Lanes, jb: number): Expr {
    const m = this.m;
    const j = m.i32.div_u(this.get(jb), this.c(this.bytes));
    const s = this.ctx.scalar;
    const first = l.splat(s.elem === "f32" ? m.f32.convert_u.i32(j) : m.f64.convert_u.i32(j));
    if (l.width === 1) return first;
    const lanes = Array.from({ length: l.width }, (_, i) => i);
    const offsets = l.elem === "f32" ? m.v128.const(new Uint8Array(new Float32Array(lanes).buffer)) : m.v128.const(new Uint8Array(new Float64Array(lanes).buffer));
    return l.add(first, offsets);
  }

  /** Row-pointer locals for every located value the fused expression reads, set for batch entry b. */
  private rowsOf(root: Node, computing: Node | undefined, b: number): { rows: Map<Buffer, number>; init: Expr[] } {
    const rows = new Map<Buffer, number>();
    const init: Expr[] = [];
    const visit = (node: Node) => {
      if (node.op === "const") return;
      if (node.op === "var" || (node !== computing && this.ctx.located.has(node))) {
        const buffer = this.locate(node);
        if (!rows.has(buffer)) {
          const local = this.newLocal();
          rows.set(buffer, local);
          init.push(this.ctx.fb.set(local, this.row(buffer, node.batched, b)));
        }
        return;
      }
      node.inputs.forEach(visit);
    };
    visit(root);
    return { rows, init };
  }

  private overElements(size: number, jb: number, body: (l: Lanes) => Expr): Expr[] {
    return overElements(this.ctx.fb, this.ctx.vec, this.ctx.scalar, size, jb, body);
  }

  private elementwise(value: Node, computing: Node | undefined, dest: Buffer, accumulate: boolean): Expr {
    const fb = this.ctx.fb;
    const b = this.newLocal();
    const jb = this.newLocal();
    const out = this.newLocal();
    const { rows, init } = this.rowsOf(value, computing, b);
    const size = sizeOf(dest.shape);
    const body = (l: Lanes) => {
      const ptr = this.m.i32.add(fb.get(out, i32), fb.get(jb, i32));
      const v = this.expr(value, computing, rows, l, jb);
      return l.store(ptr, accumulate ? l.add(l.load(this.m.i32.add(fb.get(out, i32), fb.get(jb, i32))), v) : v);
    };
    return fb.forLoop(b, this.c(0), this.copies(dest), 1, [
      ...init,
      fb.set(out, this.row(dest, true, b)),
      ...this.overElements(size, jb, body),
    ]);
  }

  private sum(root: Node, dest: Buffer, accumulate: boolean): Expr {
    const fb = this.ctx.fb;
    const { vec, scalar } = this.ctx;
    const b = this.newLocal();
    const jb = this.newLocal();
    const vacc = fb.local(vec.type);
    const sacc = fb.local(scalar.type);
    const { rows, init } = this.rowsOf(root, undefined, b);
    const size = sizeOf(root.shape);
    const m = this.m;
    const body = (l: Lanes) => {
      const acc = l === vec && vec.width > 1 ? vacc : sacc;
      return fb.set(acc, l.add(fb.get(acc, l.type), this.expr(root, undefined, rows, l, jb)));
    };
    const total = vec.width > 1 ? scalar.add(vec.horizontalSum(fb.get(vacc, vec.type)), fb.get(sacc, scalar.type)) : fb.get(sacc, scalar.type);
    const destPtr = () => m.i32.add(this.row(dest, true, b), this.c(0));
    return fb.forLoop(b, this.c(0), this.copies(dest), 1, [
      ...init,
      ...(vec.width > 1 ? [fb.set(vacc, vec.const(0))] : []),
      fb.set(sacc, scalar.const(0)),
      ...this.overElements(size, jb, body),
      scalar.store(destPtr(), accumulate ? scalar.add(scalar.load(destPtr()), total) : total),
    ]);
  }

  /** dest[b] = log Σ exp(x) over the fused expression, max first: two scalar passes (class counts are small). */
  private logsumexp(root: Node, dest: Buffer, accumulate: boolean): Expr {
    const fb = this.ctx.fb;
    const { scalar } = this.ctx;
    const b = this.newLocal();
    const jb = this.newLocal();
    const max = fb.local(scalar.type);
    const acc = fb.local(scalar.type);
    const { rows, init } = this.rowsOf(root, undefined, b);
    const size = sizeOf(root.shape);
    const m = this.m;
    const x = () => this.expr(root, undefined, rows, scalar, jb);
    const each = (body: Expr) => fb.forLoop(jb, this.c(0), this.c(size * this.bytes), this.bytes, [body]);
    const total = scalar.add(fb.get(max, scalar.type), callMath(scalar, "log", fb.get(acc, scalar.type)));
    const destPtr = () => this.row(dest, true, b);
    return fb.forLoop(b, this.c(0), this.copies(dest), 1, [
      ...init,
      fb.set(max, scalar.const(-Infinity)),
      each(fb.set(max, scalar.max(x(), fb.get(max, scalar.type)))),
      fb.set(acc, scalar.const(0)),
      each(fb.set(acc, scalar.add(fb.get(acc, scalar.type), callMath(scalar, "exp", scalar.sub(x(), fb.get(max, scalar.type)))))),
      scalar.store(destPtr(), accumulate ? scalar.add(scalar.load(destPtr()), total) : total),
    ]);
  }

  private zero(dest: Buffer): Expr {
    const bytes = sizeOf(dest.shape) * bytesOf(dest.type);
    const count = dest.batched ? this.m.i32.mul(this.get(this.ctx.batch), this.c(bytes)) : this.c(bytes);
    return this.m.memory.fill(this.base(dest), this.c(0), count);
  }

  private batchsum(root: Node, dest: Buffer, accumulate: boolean): Expr {
    const fb = this.ctx.fb;
    const b = this.newLocal();
    const jb = this.newLocal();
    const out = this.newLocal();
    const { rows, init } = this.rowsOf(root, undefined, b);
    const body = (l: Lanes) => {
      const ptr = () => this.m.i32.add(fb.get(out, i32), fb.get(jb, i32));
      return l.store(ptr(), l.add(l.load(ptr()), this.expr(root, undefined, rows, l, jb)));
    };
    return this.m.block(null, [
      ...(accumulate ? [] : [this.zero(dest)]),
      fb.set(out, this.base(dest)),
      fb.forLoop(b, this.c(0), this.get(this.ctx.batch), 1, [...init, ...this.overElements(sizeOf(root.shape), jb, body)]),
    ]);
  }

  /**
   * y = W·x. Rows go in blocks of four, each block over the whole batch, so
   * the block's rows of W stay in cache while every batch entry reads them,
   * and each load of x feeds four products.
   */
  private matvec(w: Node, x: Node, dest: Buffer, accumulate: boolean): Expr {
    const rowsM = w.shape[0]!;
    const block = 4;
    const full = Math.floor(rowsM / block) * block;
    const parts: Expr[] = [];
    if (full > 0) parts.push(this.matvecRows(w, x, dest, accumulate, 0, full, block));
    if (full < rowsM) parts.push(this.matvecRows(w, x, dest, accumulate, full, rowsM, 1));
    return this.m.block(null, parts);
  }

  /** Rows [from, to) of y = W·x in blocks of `block` rows. */
  private matvecRows(w: Node, x: Node, dest: Buffer, accumulate: boolean, from: number, to: number, block: number): Expr {
    const fb = this.ctx.fb;
    const { vec, scalar } = this.ctx;
    const m = this.m;
    const cols = w.shape[1]!;
    const simd = vec.width > 1;
    const [ib, b, jb, px, py, pw] = [0, 0, 0, 0, 0, 0].map(() => this.newLocal()) as [number, number, number, number, number, number];
    const rows = Array.from({ length: block }, () => this.newLocal());
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
        ...rows.map((r, k) => fb.set(acc[k]!, l.add(fb.get(acc[k]!, l.type), l.mul(l.load(m.i32.add(get(r), get(jb))), fb.get(xl, l.type))))),
      ]);
    };
    const total = (k: number) => (simd ? scalar.add(vec.horizontalSum(fb.get(vacc[k]!, vec.type)), fb.get(sacc[k]!, scalar.type)) : fb.get(sacc[k]!, scalar.type));
    const yPtr = (k: number) => m.i32.add(get(py), m.i32.mul(m.i32.add(get(ib), this.c(k)), this.c(this.bytes)));
    return fb.forLoop(ib, this.c(from), this.c(to), block, [
      fb.forLoop(b, this.c(0), this.copies(dest), 1, [
        fb.set(pw, this.row(this.locate(w), w.batched, b)),
        ...rows.map((r, k) => fb.set(r, m.i32.add(get(pw), m.i32.mul(m.i32.add(get(ib), this.c(k)), this.c(cols * this.bytes))))),
        fb.set(px, this.row(this.locate(x), x.batched, b)),
        fb.set(py, this.row(dest, true, b)),
        ...(simd ? vacc.map((a) => fb.set(a, vec.const(0))) : []),
        ...sacc.map((a) => fb.set(a, scalar.const(0))),
        ...this.overElements(cols, jb, body),
        ...rows.map((_, k) => scalar.store(yPtr(k), accumulate ? scalar.add(scalar.load(yPtr(k)), total(k)) : total(k))),
      ]),
    ]);
  }

  /** Start of the value's data for this step: row 0 of a batched value. */
  private start(node: Node): Expr {
    return this.base(this.locate(node));
  }

  /**
   * y = W·x or Wᵀ·x for every batch entry as one product (gemm.ts): p = batch
   * entry, q = entry of x, B = Wᵀ or W, read from its packed copy.
   */
  private product(w: Node, transposed: boolean, panels: Buffer, x: Node, dest: Buffer, accumulate: boolean): Expr {
    const [rowsM, colsM] = w.shape as [number, number];
    const [depth, cols] = transposed ? [rowsM, colsM] : [colsM, rowsM];
    return emitProduct(this.ctx.fb, this.ctx.vec, this.ctx.scalar, {
      rows: () => this.copies(dest), depth: () => this.c(depth), cols,
      a: () => this.start(x), aRow: x.batched ? depth * this.bytes : 0, aStep: this.bytes,
      b: () => this.base(panels), bStep: cols * this.bytes, panels: depth,
      c: () => this.base(dest), cRow: cols * this.bytes,
      accumulate,
    });
  }

  /** y = Wᵀ g entry by entry (a W of each batch entry, or a single g): y += g[i] · W[i, :] for each row i. */
  private matvecTransposedEach(w: Node, g: Node, dest: Buffer, accumulate: boolean): Expr {
    const fb = this.ctx.fb;
    const m = this.m;
    const [rowsM, cols] = w.shape as [number, number];
    const [b, i, jb, pw, pg, py, pwi] = [0, 0, 0, 0, 0, 0, 0].map(() => this.newLocal()) as number[] as [number, number, number, number, number, number, number];
    const gi = (l: Lanes) => l.loadSplat(m.i32.add(fb.get(pg, i32), m.i32.mul(fb.get(i, i32), this.c(this.bytes))));
    const zero = (l: Lanes) => l.store(m.i32.add(fb.get(py, i32), fb.get(jb, i32)), l.const(0));
    const axpy = (l: Lanes) => {
      const yp = () => m.i32.add(fb.get(py, i32), fb.get(jb, i32));
      return l.store(yp(), l.add(l.load(yp()), l.mul(gi(l), l.load(m.i32.add(fb.get(pwi, i32), fb.get(jb, i32))))));
    };
    return fb.forLoop(b, this.c(0), this.copies(dest), 1, [
      fb.set(pw, this.row(this.locate(w), w.batched, b)),
      fb.set(pg, this.row(this.locate(g), g.batched, b)),
      fb.set(py, this.row(dest, true, b)),
      ...(accumulate ? [] : this.overElements(cols, jb, zero)),
      fb.forLoop(i, this.c(0), this.c(rowsM), 1, [
        fb.set(pwi, m.i32.add(fb.get(pw, i32), m.i32.mul(fb.get(i, i32), this.c(cols * this.bytes)))),
        ...this.overElements(cols, jb, axpy),
      ]),
    ]);
  }

  /** dest[i, :] (+)= a[i] · c[:], for each batch entry, or summed over the batch. */
  private outer(a: Node, c: Node, batchsum: boolean, packing: Buffer | undefined, dest: Buffer, accumulate: boolean): Expr {
    const fb = this.ctx.fb;
    const m = this.m;
    const rowsM = a.shape[0]!;
    const cols = c.shape[0]!;
    const [b, i, jb, pa, pc, pd, pdi] = [0, 0, 0, 0, 0, 0, 0].map(() => this.newLocal()) as [number, number, number, number, number, number, number];
    const ai = (l: Lanes) => l.loadSplat(m.i32.add(fb.get(pa, i32), m.i32.mul(fb.get(i, i32), this.c(this.bytes))));
    const update = (add: boolean) => (l: Lanes) => {
      const dp = () => m.i32.add(fb.get(pdi, i32), fb.get(jb, i32));
      const prod = l.mul(ai(l), l.load(m.i32.add(fb.get(pc, i32), fb.get(jb, i32))));
      return l.store(dp(), add ? l.add(l.load(dp()), prod) : prod);
    };
    const rowLoop = (add: boolean) =>
      fb.forLoop(i, this.c(0), this.c(rowsM), 1, [
        fb.set(pdi, m.i32.add(fb.get(pd, i32), m.i32.mul(fb.get(i, i32), this.c(cols * this.bytes)))),
        ...this.overElements(cols, jb, update(add)),
      ]);
    const operands = [
      fb.set(pa, this.row(this.locate(a), a.batched, b)),
      fb.set(pc, this.row(this.locate(c), c.batched, b)),
    ];
    if (batchsum) {
      // dest[i, :] = Σ_b a[b, i] · c[b, :]: one product whose contraction is the batch.
      return emitProduct(fb, this.ctx.vec, this.ctx.scalar, {
        rows: () => this.c(rowsM), depth: () => this.get(this.ctx.batch), cols,
        a: () => this.start(a), aRow: this.bytes, aStep: a.batched ? rowsM * this.bytes : 0,
        b: () => this.start(c), bStep: c.batched ? cols * this.bytes : 0,
        c: () => this.base(dest), cRow: cols * this.bytes,
        accumulate,
        ...(packing ? { packed: { buffer: () => this.base(packing), rows: rowsM, block: packingBlock } } : {}),
      });
    }
    return fb.forLoop(b, this.c(0), this.copies(dest), 1, [...operands, fb.set(pd, this.row(dest, true, b)), rowLoop(accumulate)]);
  }

  /**
   * Sparse rows of a table [V, E]. gather: dest[b] (+)= Σ_k table[ids[b, k]];
   * scatter: table-shaped dest[ids[b, k]] (+)= src[b]. Ids outside [0, V)
   * (padding is -1) are skipped, so nothing outside the table is touched.
   */
  private rows(src: Node, ids: Node, dest: Buffer, accumulate: boolean, mode: "gather" | "scatter"): Expr {
    const fb = this.ctx.fb;
    const m = this.m;
    const [rows, cols] = (mode === "gather" ? src.shape : dest.shape) as [number, number];
    const [b, jb, ps, pi, pd] = [0, 0, 0, 0, 0].map(() => this.newLocal()) as [number, number, number, number, number];
    // gather: the table is src and the entry's row dest; scatter: the entry's row is src and the table dest.
    const perEntry = emitIdRows(fb, this.ctx.vec, this.ctx.scalar, { mode, rows, cols, slots: ids.shape[0]!, ids: pi, entry: mode === "gather" ? pd : ps, table: mode === "gather" ? ps : pd });
    const operands = [
      fb.set(ps, this.row(this.locate(src), src.batched, b)),
      fb.set(pi, this.row(this.locate(ids), ids.batched, b)),
    ];
    if (mode === "gather") {
      const zeroRow = (l: Lanes) => l.store(m.i32.add(fb.get(pd, i32), fb.get(jb, i32)), l.const(0));
      return fb.forLoop(b, this.c(0), this.copies(dest), 1, [
        ...operands,
        fb.set(pd, this.row(dest, true, b)),
        ...(accumulate ? [] : this.overElements(cols, jb, zeroRow)),
        perEntry,
      ]);
    }
    return m.block(null, [
      ...(accumulate ? [] : [this.zero(dest)]),
      fb.set(pd, this.base(dest)),
      fb.forLoop(b, this.c(0), this.get(this.ctx.batch), 1, [...operands, perEntry]),
    ]);
  }

  private pack(x: Node, transpose: boolean, dest: Buffer): Expr {
    const fb = this.ctx.fb;
    const [px, pd] = [this.newLocal(), this.newLocal()];
    return this.m.block(null, [
      fb.set(px, this.start(x)),
      fb.set(pd, this.base(dest)),
      emitPack(fb, this.ctx.vec, this.ctx.scalar, px, pd, x.shape as [number, number], transpose),
    ]);
  }

  private transpose(x: Node, dest: Buffer): Expr {
    const fb = this.ctx.fb;
    const [px, pd, b] = [this.newLocal(), this.newLocal(), this.newLocal()];
    return fb.forLoop(b, this.c(0), this.copies(dest), 1, [
      fb.set(px, this.row(this.locate(x), x.batched, b)),
      fb.set(pd, this.row(dest, true, b)),
      emitTranspose(fb, this.ctx.vec, this.ctx.scalar, px, pd, x.shape as [number, number]),
    ]);
  }

  private loss(src: Node): Expr {
    const fb = this.ctx.fb;
    const { scalar } = this.ctx;
    const m = this.m;
    const b = this.newLocal();
    const value = scalar.load(this.row(this.locate(src), src.batched, b));
    const asF64 = scalar.elem === "f32" ? m.f64.promote(value) : value;
    return fb.forLoop(b, this.c(0), this.get(this.ctx.batch), 1, [
      fb.set(this.ctx.loss, m.f64.add(fb.get(this.ctx.loss, binaryen.f64), asF64)),
    ]);
  }
}
