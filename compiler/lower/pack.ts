// compiler/lower — a matrix packed in column panels for the product kernel
// (gemm.ts). In: locals holding the source and destination addresses, the
// source's [rows, cols], and whether the product reads it transposed. Out:
// wasm loops writing B — the source, or its transpose — strip by strip (the
// strips of `strips`): the strip of columns [from, to) of B at dest +
// from·Q·bytes, row q of it at + q·(to − from)·bytes, where Q is B's number of
// rows. A strip's rows are then one run of memory, which the product streams
// through in order, once per call instead of one cache line per row per tile.

import { emitPanelRows, strips } from "./gemm.js";
import type { Lanes } from "./lanes.js";
import { emitTranspose } from "./transpose.js";
import { binaryen, type Expr, type FunctionBuilder } from "./wasm.js";

const i32 = binaryen.i32;

export function emitPack(
  fb: FunctionBuilder, vec: Lanes, scalar: Lanes, px: number, pd: number,
  [rows, cols]: readonly [number, number], transpose: boolean, stripVectors: number,
): Expr {
  const m = fb.mod.raw;
  const c = (n: number) => m.i32.const(n);
  const get = (local: number) => fb.get(local, i32);
  const bytes = scalar.bytes;
  // B is [depth, n]: the source transposed, or the source itself.
  const [depth, n] = transpose ? [cols, rows] : [rows, cols];
  if (!transpose) {
    const whole = {
      src: () => get(px),
      srcStride: cols * bytes,
      dst: () => get(pd),
      panelDepth: depth,
      depth: () => c(depth),
    };
    return emitPanelRows(fb, vec, scalar, { ...whole, cols: n, vectors: stripVectors });
  }
  const [j, src, dst] = [fb.local(i32), fb.local(i32), fb.local(i32)];
  // Columns j.. of B are rows j.. of the source: a [width, depth] block, transposed.
  return m.block(null, strips(n, vec, scalar, stripVectors).map(({ lanes, from, to, vectors }) => {
    const width = vectors * lanes.width;
    return fb.forLoop(j, c(from), c(to), width, [
      fb.set(dst, m.i32.add(get(pd), m.i32.mul(get(j), c(depth * bytes)))),
      fb.set(src, m.i32.add(get(px), m.i32.mul(get(j), c(cols * bytes)))),
      emitTranspose(fb, vec, scalar, src, dst, [width, depth]),
    ]);
  }));
}
