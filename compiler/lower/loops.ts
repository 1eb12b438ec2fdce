// compiler/lower — the loop over a row's elements that every kernel shares.
// In: the row's element count, a byte-offset local, a body per lane kind.
// Out: the body on full vectors, then on the scalar tail (sizes are compile
// time constants, so a row that fills whole vectors has no tail loop).

import type { Lanes } from "./lanes.js";
import type { Expr, FunctionBuilder } from "./wasm.js";

/** for jb over the first `size` elements (in bytes): vector body on full vectors, scalar body on the tail. */
export function overElements(
  fb: FunctionBuilder,
  vec: Lanes,
  scalar: Lanes,
  size: number,
  jb: number,
  body: (l: Lanes) => Expr,
): Expr[] {
  const m = fb.mod.raw;
  const bytes = scalar.bytes;
  const full = Math.floor(size / vec.width) * vec.width;
  const out: Expr[] = [];
  if (vec.width > 1 && full > 0) out.push(fb.forLoop(jb, m.i32.const(0), m.i32.const(full * bytes), 16, [body(vec)]));
  const tailStart = vec.width > 1 ? full : 0;
  if (tailStart < size)
    out.push(fb.forLoop(jb, m.i32.const(tailStart * bytes), m.i32.const(size * bytes), bytes, [body(scalar)]));
  return out;
}
