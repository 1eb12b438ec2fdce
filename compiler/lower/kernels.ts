// compiler/lower — emission of scheduled kernels as wasm loops. In: one
// Kernel, the buffers of located values, the step's locals (t, batch). Out:
// one Binaryen expression. Loops run SIMD over the innermost contiguous axis
// (full vectors first, then a scalar tail: sizes are compile-time constants)
// and over the batch, whose size is a runtime argument.

import { printNode, sizeOf, sliceArg, IRError, type Node } from "../ir/index.js";
import type { Buffer } from "./buffers.js";
import { elementwiseLowering } from "./elementwise.js";
import { emitIdRows } from "./sparse.js";
import { callMath } from "./math.js";
import type { Lanes } from "./lanes.js";
import { ProductKernels } from "./products.js";
import { emitQuantize, emitQuantizedProduct } from "./quantized.js";
import type { Kernel, KernelKind, KernelOf } from "./kernel.js";
import { KernelSite } from "./site.js";
import { binaryen, type Expr } from "./wasm.js";

const i32 = binaryen.i32;

/** The locals of a loop over a matrix's rows: the row, and its first element's byte offset. */
interface RowLoop {
  readonly r: number;
  readonly rb: number;
}

export class KernelEmitter extends KernelSite {
  private readonly products = new ProductKernels(this);

  /** How each kind of kernel is emitted: one row per kind of kernel.ts. */
  private readonly emitters: { readonly [K in KernelKind]: (k: KernelOf<K>) => Expr } = {
    elementwise: (k) => this.elementwise(k.root, k.root, k.dest, k.accumulate),
    copy: (k) => this.elementwise(k.src, undefined, k.dest, k.accumulate),
    concat: (k) => {
      let start = 0;
      return this.m.block(null, k.parts.map((part) => {
        start += sizeOf(part.shape);
        return this.elementwise(part, undefined, k.dest, k.accumulate, {
          start: start - sizeOf(part.shape),
          size: sizeOf(part.shape),
        });
      }));
    },
    sum: (k) => this.sum(k.root, k.dest, k.accumulate),
    logsumexp: (k) => this.logsumexp(k.root, k.dest, k.accumulate),
    maxof: (k) => this.maxOf(k.root, k.dest, k.accumulate),
    batchsum: (k) => this.batchsum(k.root, k.dest, k.accumulate),
    matvec: (k) => {
      if (k.panels) return this.products.product(k.w, k.transposed, k.panels, k.x, k.tiling, k.dest, k.accumulate);
      return k.transposed
        ? this.products.matvecTransposedEach(k.w, k.x, k.dest, k.accumulate)
        : this.products.matvec(k.w, k.x, k.tiling, k.dest, k.accumulate);
    },
    quantize: (k) => emitQuantize(this, k),
    qmatvec: (k) => emitQuantizedProduct(this, k),
    pack: (k) => this.products.pack(k.x, k.transpose, k.tiling, k.dest),
    matmul: (k) => this.products.matmul(k.a, k.b, k.tiling, k.dest, k.accumulate),
    outer: (k) => this.products.outer(k.a, k.b, k.batchsum, k.packing, k.tiling, k.dest, k.accumulate),
    transpose: (k) => this.products.transpose(k.x, k.dest, k.accumulate),
    gathersum: (k) => this.rows(k.table, k.ids, k.dest, k.accumulate, "gather"),
    scatteradd: (k) => this.rows(k.g, k.ids, k.dest, k.accumulate, "scatter"),
    loss: (k) => this.loss(k.src),
  };

  emit<K extends KernelKind>(kernel: KernelOf<K>): Expr {
    return this.emitters[kernel.kind as K](kernel);
  }

  /**
   * Fused expression `root` at batch entry b, element offset jb (bytes, a
   * local) plus `shift` elements, on lanes l. Values in `located` are loaded,
   * except `computing` itself, which is what the loop computes. A slice shifts
   * the elements its operand is read at: a view, nothing copied.
   */
  private expr(
    node: Node,
    computing: Node | undefined,
    rows: Map<Buffer, number>,
    l: Lanes,
    jb: number,
    shift = 0,
    row?: RowLoop,
  ): Expr {
    if (node.op === "const") return l.const(node.arg as number);
    if (node.op === "var" || (node !== computing && this.ctx.located.has(node))) {
      const buffer = this.locate(node);
      const ptr = this.get(rows.get(buffer)!);
      if (buffer.type === "i32") {
        // Integer data (class ids) is read as a float of the module's type.
        if (node.shape.length !== 0) throw new IRError(`integer tensor ${buffer.name} read elementwise`);
        const m = this.m;
        return l.splat(
          this.ctx.scalar.elem === "f32"
            ? m.f32.convert_s.i32(m.i32.load(0, 4, ptr))
            : m.f64.convert_s.i32(m.i32.load(0, 4, ptr)),
        );
      }
      if (node.shape.length === 0) return l.loadSplat(ptr);
      const at = this.m.i32.add(row ? this.m.i32.add(ptr, this.get(row.rb)) : ptr, this.get(jb));
      return l.load(shift === 0 ? at : this.m.i32.add(at, this.c(shift * this.bytes)));
    }
    if (node.op === "slice") {
      const x = node.inputs[0]!;
      const skip = sliceArg(node).start * (sizeOf(x.shape) / x.shape[0]!);
      return this.expr(x, computing, rows, l, jb, shift + skip, row);
    }
    if (node.op === "outer") return this.outerElement(node, rows, l, jb, shift, row);
    const operand = (i: number) => this.expr(node.inputs[i]!, computing, rows, l, jb, shift, row);
    return elementwiseLowering[node.op](l, operand, () => this.elementIndex(l, jb, shift, row));
  }

  /** u[r]·v[c] of a fused outer product u vᵀ, at the row loop's row (plus the rows a slice skips) and column jb. */
  private outerElement(
    node: Node,
    rows: Map<Buffer, number>,
    l: Lanes,
    jb: number,
    shift: number,
    row: RowLoop | undefined,
  ): Expr {
    if (!row) throw new IRError(`outer product ${printNode(node)} fused into a kernel that does not loop over rows`);
    const [u, v] = node.inputs as [Node, Node];
    const m = this.m;
    const ptrOf = (x: Node) => this.get(rows.get(this.locate(x))!);
    const r = shift === 0 ? this.get(row.r) : m.i32.add(this.get(row.r), this.c(shift / v.shape[0]!));
    const left =
      u.op === "const"
        ? l.const(u.arg as number)
        : l.loadSplat(m.i32.add(ptrOf(u), m.i32.mul(r, this.c(this.bytes))));
    const right = v.op === "const" ? l.const(v.arg as number) : l.load(m.i32.add(ptrOf(v), this.get(jb)));
    return l.mul(left, right);
  }

  /** Whether the fused expression computes an outer product inside itself (so its kernel loops row by row). */
  private fusesOuter(node: Node, computing: Node | undefined): boolean {
    if (node.op === "const" || node.op === "var" || (node !== computing && this.ctx.located.has(node))) return false;
    return node.op === "outer" || node.inputs.some((n) => this.fusesOuter(n, computing));
  }

  /** The index of each lane's element, as floats: jb / bytes + shift + lane (in a row loop, from the row's start). */
  private elementIndex(l: Lanes, jb: number, shift: number, row?: RowLoop): Expr {
    const m = this.m;
    const offset = row ? m.i32.add(this.get(row.rb), this.get(jb)) : this.get(jb);
    const element = m.i32.div_u(offset, this.c(this.bytes));
    const j = shift === 0 ? element : m.i32.add(element, this.c(shift));
    const s = this.ctx.scalar;
    const first = l.splat(s.elem === "f32" ? m.f32.convert_u.i32(j) : m.f64.convert_u.i32(j));
    if (l.width === 1) return first;
    const lanes = Array.from({ length: l.width }, (_, i) => i);
    const offsets =
      l.elem === "f32"
        ? m.v128.const(new Uint8Array(new Float32Array(lanes).buffer))
        : m.v128.const(new Uint8Array(new Float64Array(lanes).buffer));
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

  /** dest (+)= value, over all of dest or over `part`: elements start … start + size − 1 of each row. */
  private elementwise(
    value: Node,
    computing: Node | undefined,
    dest: Buffer,
    accumulate: boolean,
    part?: { start: number; size: number },
  ): Expr {
    const fb = this.ctx.fb;
    const b = this.newLocal();
    const jb = this.newLocal();
    const out = this.newLocal();
    const { rows, init } = this.rowsOf(value, computing, b);
    if (this.fusesOuter(value, computing))
      return this.elementwiseByRows(value, computing, dest, accumulate, { b, jb, out, rows, init });
    const size = part ? part.size : sizeOf(dest.shape);
    const destRow = this.row(dest, true, b);
    const body = (l: Lanes) => {
      const ptr = this.m.i32.add(fb.get(out, i32), fb.get(jb, i32));
      const v = this.expr(value, computing, rows, l, jb);
      return l.store(ptr, accumulate ? l.add(l.load(this.m.i32.add(fb.get(out, i32), fb.get(jb, i32))), v) : v);
    };
    return fb.forLoop(b, this.c(0), this.copies(dest), 1, [
      ...init,
      fb.set(out, part && part.start > 0 ? this.m.i32.add(destRow, this.c(part.start * this.bytes)) : destRow),
      ...this.overElements(size, jb, body),
    ]);
  }

  /** dest (+)= a matrix expression holding an outer product, row by row: each row a vector loop over the columns. */
  private elementwiseByRows(
    value: Node, computing: Node | undefined, dest: Buffer, accumulate: boolean,
    locals: { b: number; jb: number; out: number; rows: Map<Buffer, number>; init: Expr[] },
  ): Expr {
    const { b, jb, out, rows, init } = locals;
    const fb = this.ctx.fb;
    const m = this.m;
    const [height, width] = value.shape as [number, number];
    const row: RowLoop = { r: this.newLocal(), rb: this.newLocal() };
    const body = (l: Lanes) => {
      const ptr = () => m.i32.add(m.i32.add(fb.get(out, i32), fb.get(row.rb, i32)), fb.get(jb, i32));
      const v = this.expr(value, computing, rows, l, jb, 0, row);
      return l.store(ptr(), accumulate ? l.add(l.load(ptr()), v) : v);
    };
    return fb.forLoop(b, this.c(0), this.copies(dest), 1, [
      ...init,
      fb.set(out, this.row(dest, true, b)),
      fb.forLoop(row.r, this.c(0), this.c(height), 1, [
        fb.set(row.rb, m.i32.mul(fb.get(row.r, i32), this.c(width * this.bytes))),
        ...this.overElements(width, jb, body),
      ]),
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
    const total =
      vec.width > 1
        ? scalar.add(vec.horizontalSum(fb.get(vacc, vec.type)), fb.get(sacc, scalar.type))
        : fb.get(sacc, scalar.type);
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
      each(fb.set(
        acc,
        scalar.add(fb.get(acc, scalar.type), callMath(scalar, "exp", scalar.sub(x(), fb.get(max, scalar.type)))),
      )),
      scalar.store(destPtr(), accumulate ? scalar.add(scalar.load(destPtr()), total) : total),
    ]);
  }

  /**
   * dest[b] = the largest element of the fused expression: lane-wise maxima of full vectors, then across lanes and
   * the tail.
   */
  private maxOf(root: Node, dest: Buffer, accumulate: boolean): Expr {
    const fb = this.ctx.fb;
    const { vec, scalar } = this.ctx;
    const b = this.newLocal();
    const jb = this.newLocal();
    const vmax = fb.local(vec.type);
    const smax = fb.local(scalar.type);
    const { rows, init } = this.rowsOf(root, undefined, b);
    const body = (l: Lanes) => {
      const largest = l === vec && vec.width > 1 ? vmax : smax;
      return fb.set(largest, l.maximum(this.expr(root, undefined, rows, l, jb), fb.get(largest, l.type)));
    };
    const lanes =
      vec.width > 1 ? Array.from({ length: vec.width }, (_, i) => vec.extract(fb.get(vmax, vec.type), i)) : [];
    const total = lanes.reduce((acc, lane) => scalar.maximum(lane, acc), fb.get(smax, scalar.type));
    const destPtr = () => this.row(dest, true, b);
    return fb.forLoop(b, this.c(0), this.copies(dest), 1, [
      ...init,
      ...(vec.width > 1 ? [fb.set(vmax, vec.const(-Infinity))] : []),
      fb.set(smax, scalar.const(-Infinity)),
      ...this.overElements(sizeOf(root.shape), jb, body),
      scalar.store(destPtr(), accumulate ? scalar.add(scalar.load(destPtr()), total) : total),
    ]);
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
      fb.forLoop(b, this.c(0), this.get(this.ctx.batch), 1, [
        ...init,
        ...this.overElements(sizeOf(root.shape), jb, body),
      ]),
    ]);
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
    const perEntry = emitIdRows(fb, this.ctx.vec, this.ctx.scalar, {
      mode,
      rows,
      cols,
      slots: ids.shape[0]!,
      ids: pi,
      entry: mode === "gather" ? pd : ps,
      table: mode === "gather" ? ps : pd,
    });
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
