// compiler/lower — one arithmetic vocabulary over the four lane kinds a module
// computes in: scalar f32 and f64, and SIMD128 f32x4 and f64x2. Kernels and
// math functions are written once against `Lanes` and emitted for any kind.
// Masks are i32 (0/1) for scalar kinds and v128 all-ones/all-zeros lanes for
// vector kinds; `select` hides the difference.

import { binaryen, type Expr, type WasmType, type WasmModule } from "./wasm.js";

export type ElemType = "f32" | "f64";
export type LaneKind = "f32" | "f64" | "f32x4" | "f64x2";

export interface Lanes {
  readonly kind: LaneKind;
  readonly elem: ElemType;
  /** Elements per value: 1, 2 or 4. */
  readonly width: number;
  /** Bytes per element. */
  readonly bytes: number;
  readonly type: WasmType;
  readonly mod: WasmModule;
  const(x: number): Expr;
  /** A scalar element expression broadcast to every lane. */
  splat(scalar: Expr): Expr;
  load(ptr: Expr, offset?: number): Expr;
  /** Load one element and broadcast it. */
  loadSplat(ptr: Expr, offset?: number): Expr;
  store(ptr: Expr, value: Expr, offset?: number): Expr;
  add(a: Expr, b: Expr): Expr;
  sub(a: Expr, b: Expr): Expr;
  mul(a: Expr, b: Expr): Expr;
  div(a: Expr, b: Expr): Expr;
  min(a: Expr, b: Expr): Expr;
  max(a: Expr, b: Expr): Expr;
  /** IEEE maximum, wasm's own max: NaN if either is, and +0 above −0 (JavaScript's Math.max). */
  maximum(a: Expr, b: Expr): Expr;
  neg(a: Expr): Expr;
  abs(a: Expr): Expr;
  sqrt(a: Expr): Expr;
  floor(a: Expr): Expr;
  nearest(a: Expr): Expr;
  lt(a: Expr, b: Expr): Expr;
  gt(a: Expr, b: Expr): Expr;
  le(a: Expr, b: Expr): Expr;
  ge(a: Expr, b: Expr): Expr;
  eq(a: Expr, b: Expr): Expr;
  ne(a: Expr, b: Expr): Expr;
  /** Lanes of `a` where `mask` is set, else of `b`. */
  select(mask: Expr, a: Expr, b: Expr): Expr;
  /** a·b + c: one relaxed fused multiply-add in a relaxed-SIMD module's vector lanes, else a multiply and an add. */
  madd(a: Expr, b: Expr, c: Expr): Expr;
  /** Sum of all lanes, as a scalar element. */
  horizontalSum(v: Expr): Expr;
  /** Lane i as a scalar element. */
  extract(v: Expr, lane: number): Expr;
}

export function lanesFor(mod: WasmModule, kind: LaneKind): Lanes {
  const m = mod.raw;
  const elem: ElemType = kind === "f32" || kind === "f32x4" ? "f32" : "f64";
  const bytes = elem === "f32" ? 4 : 8;
  const s = elem === "f32" ? m.f32 : m.f64;
  if (kind === "f32" || kind === "f64") {
    return {
      kind, elem, width: 1, bytes, mod,
      type: elem === "f32" ? binaryen.f32 : binaryen.f64,
      const: (x) => s.const(x),
      splat: (x) => x,
      load: (ptr, offset = 0) => s.load(offset, bytes, ptr),
      loadSplat: (ptr, offset = 0) => s.load(offset, bytes, ptr),
      store: (ptr, value, offset = 0) => s.store(offset, bytes, ptr, value),
      add: (a, b) => s.add(a, b),
      sub: (a, b) => s.sub(a, b),
      mul: (a, b) => s.mul(a, b),
      div: (a, b) => s.div(a, b),
      // wasm's f32.min/max propagate NaN; select by comparison to match the IR's semantics.
      min: (a, b) => minMaxScalar(mod, elem, a, b, "lt"),
      max: (a, b) => minMaxScalar(mod, elem, a, b, "gt"),
      maximum: (a, b) => s.max(a, b),
      neg: (a) => s.neg(a),
      abs: (a) => s.abs(a),
      sqrt: (a) => s.sqrt(a),
      floor: (a) => s.floor(a),
      nearest: (a) => s.nearest(a),
      lt: (a, b) => s.lt(a, b),
      gt: (a, b) => s.gt(a, b),
      le: (a, b) => s.le(a, b),
      ge: (a, b) => s.ge(a, b),
      eq: (a, b) => s.eq(a, b),
      ne: (a, b) => s.ne(a, b),
      select: (mask, a, b) => m.select(mask, a, b),
      horizontalSum: (v) => v,
      madd: (a, b, c) => s.add(s.mul(a, b), c),
      extract: (v) => v,
    };
  }
  const v = elem === "f32" ? m.f32x4 : m.f64x2;
  const width = 16 / bytes;
  return {
    kind, elem, width, bytes, mod,
    type: binaryen.v128,
    const: (x) => v.splat(s.const(x)),
    splat: (x) => v.splat(x),
    load: (ptr, offset = 0) => m.v128.load(offset, bytes, ptr),
    loadSplat: (ptr, offset = 0) =>
      (elem === "f32" ? m.v128.load32_splat(offset, 4, ptr) : m.v128.load64_splat(offset, 8, ptr)),
    store: (ptr, value, offset = 0) => m.v128.store(offset, bytes, ptr, value),
    add: (a, b) => v.add(a, b),
    sub: (a, b) => v.sub(a, b),
    mul: (a, b) => v.mul(a, b),
    div: (a, b) => v.div(a, b),
    // pmin(b, a) = a < b ? a : b — the IR's min, lane by lane, without NaN propagation rules of min.
    min: (a, b) => v.pmin(b, a),
    max: (a, b) => v.pmax(b, a),
    maximum: (a, b) => v.max(a, b),
    neg: (a) => v.neg(a),
    abs: (a) => v.abs(a),
    sqrt: (a) => v.sqrt(a),
    floor: (a) => v.floor(a),
    nearest: (a) => v.nearest(a),
    lt: (a, b) => v.lt(a, b),
    gt: (a, b) => v.gt(a, b),
    le: (a, b) => v.le(a, b),
    ge: (a, b) => v.ge(a, b),
    eq: (a, b) => v.eq(a, b),
    ne: (a, b) => v.ne(a, b),
    select: (mask, a, b) => m.v128.bitselect(a, b, mask),
    horizontalSum: (x) => horizontalSum(mod, elem, x),
    madd: (a, b, c) => (mod.relaxed ? mod.relaxedMadd(kind as "f32x4" | "f64x2", a, b, c) : v.add(v.mul(a, b), c)),
    extract: (x, lane) => v.extract_lane(x, lane),
  };
}

function minMaxScalar(mod: WasmModule, elem: ElemType, a: Expr, b: Expr, cmp: "lt" | "gt"): Expr {
  // a and b are each evaluated once through locals of a tiny helper function.
  const name = `${cmp === "lt" ? "min" : "max"}_${elem}`;
  const type = elem === "f32" ? binaryen.f32 : binaryen.f64;
  if (!mod.hasFunction(name)) {
    const m = mod.raw;
    const s = elem === "f32" ? m.f32 : m.f64;
    // A fresh local.get per use: Binaryen expressions are trees, and a shared node is rewritten in both places.
    const x = () => m.local.get(0, type);
    const y = () => m.local.get(1, type);
    m.addFunction(name, binaryen.createType([type, type]), type, [], m.select(s[cmp](x(), y()), x(), y()));
  }
  return mod.raw.call(name, [a, b], type);
}

function horizontalSum(mod: WasmModule, elem: ElemType, x: Expr): Expr {
  const name = `hsum_${elem}`;
  const type = elem === "f32" ? binaryen.f32 : binaryen.f64;
  if (!mod.hasFunction(name)) {
    const m = mod.raw;
    const v = elem === "f32" ? m.f32x4 : m.f64x2;
    const s = elem === "f32" ? m.f32 : m.f64;
    const get = () => m.local.get(0, binaryen.v128);
    const lanes = Array.from({ length: elem === "f32" ? 4 : 2 }, (_, i) => v.extract_lane(get(), i));
    // Pairwise, in a fixed order, so every build sums identically.
    const body =
      lanes.length === 4
        ? s.add(s.add(lanes[0]!, lanes[1]!), s.add(lanes[2]!, lanes[3]!))
        : s.add(lanes[0]!, lanes[1]!);
    m.addFunction(name, binaryen.v128, type, [], body);
  }
  return mod.raw.call(name, [x], type);
}
