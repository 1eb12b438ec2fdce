// compiler/lower — kernels over whole sequences, between scans: the
// per-sequence time reversal of a bidirectional layer and the merges of its
// two directions, forward and adjoint. In: sequence buffers and the call's
// locals. Out: loops over steps × batch rows. Not hot: one pass per layer.

import { sizeOf } from "../ir/index.js";
import { bytesOf, regionStart, type Buffer } from "./buffers.js";
import type { Lanes } from "./lanes.js";
import { binaryen, type Expr, type FunctionBuilder } from "./wasm.js";

export interface SequenceFrame {
  readonly fb: FunctionBuilder;
  readonly scalar: Lanes;
  readonly batch: number;
  readonly steps: number;
  readonly lengths: Buffer;
}

const i32 = binaryen.i32;

/** Byte address of element `column` of row (t, b) of a sequence buffer, from i32 expressions. */
function at(f: SequenceFrame, buffer: Buffer, t: Expr, b: Expr, column = 0): Expr {
  const m = f.fb.mod.raw;
  const rowBytes = sizeOf(buffer.shape) * bytesOf(buffer.type);
  const row = m.i32.add(m.i32.mul(t, f.fb.get(f.batch, i32)), b);
  const start = column === 0
    ? regionStart(f.fb, buffer)
    : m.i32.add(regionStart(f.fb, buffer), m.i32.const(column * bytesOf(buffer.type)));
  return m.i32.add(start, m.i32.mul(row, m.i32.const(rowBytes)));
}

/** for t < steps, b < batch: body(t, b) with fresh locals. */
function overRows(f: SequenceFrame, body: (t: number, b: number) => Expr[]): Expr {
  const t = f.fb.local(i32);
  const b = f.fb.local(i32);
  return f.fb.forLoop(t, f.fb.mod.raw.i32.const(0), f.fb.get(f.steps, i32), 1, [
    f.fb.forLoop(b, f.fb.mod.raw.i32.const(0), f.fb.get(f.batch, i32), 1, body(t, b)),
  ]);
}

/** dest[0..n) (+)= src[0..n), one element at a time, from byte addresses held in locals. */
function moveElements(f: SequenceFrame, dest: number, src: number, n: number, accumulate: boolean): Expr {
  const m = f.fb.mod.raw;
  const { scalar } = f;
  const k = f.fb.local(i32);
  const ptr = (base: number) => m.i32.add(f.fb.get(base, i32), f.fb.get(k, i32));
  const value = accumulate ? scalar.add(scalar.load(ptr(dest)), scalar.load(ptr(src))) : scalar.load(ptr(src));
  return f.fb.forLoop(k, m.i32.const(0), m.i32.const(n * scalar.bytes), scalar.bytes, [scalar.store(ptr(dest), value)]);
}

/**
 * to[t, b] (+)= from[len_b - 1 - t, b] for t < len_b; rows past the length
 * are 0 (or left alone when accumulating). Its own adjoint.
 */
export function reverseSequences(f: SequenceFrame, from: Buffer, to: Buffer, accumulate: boolean): Expr {
  const m = f.fb.mod.raw;
  const n = sizeOf(to.shape);
  const [src, dest, len] = [f.fb.local(i32), f.fb.local(i32), f.fb.local(i32)];
  return overRows(f, (t, b) => {
    const getT = () => f.fb.get(t, i32);
    const getB = () => f.fb.get(b, i32);
    return [
      f.fb.set(len, m.i32.load(0, 4, m.i32.add(regionStart(f.fb, f.lengths), m.i32.mul(getB(), m.i32.const(4))))),
      // A length past this call's steps counts as the steps: the reversal never reads outside the live rows.
      f.fb.set(
        len,
        m.select(m.i32.gt_s(f.fb.get(len, i32), f.fb.get(f.steps, i32)), f.fb.get(f.steps, i32), f.fb.get(len, i32)),
      ),
      f.fb.set(dest, at(f, to, getT(), getB())),
      m.if(
        m.i32.lt_s(getT(), f.fb.get(len, i32)),
        m.block(null, [
          f.fb.set(src, at(f, from, m.i32.sub(m.i32.sub(f.fb.get(len, i32), m.i32.const(1)), getT()), getB())),
          moveElements(f, dest, src, n, accumulate),
        ]),
        accumulate ? undefined : m.memory.fill(f.fb.get(dest, i32), m.i32.const(0), m.i32.const(n * f.scalar.bytes)),
      ),
    ];
  });
}

/** to = [a, b] along features (concat), or a + b (sum). */
export function mergeSequences(f: SequenceFrame, op: "concat" | "sum", a: Buffer, b: Buffer, to: Buffer): Expr {
  const n = sizeOf(a.shape);
  const [pa, pb, pd] = [f.fb.local(i32), f.fb.local(i32), f.fb.local(i32)];
  return overRows(f, (t, r) => {
    const set = (local: number, buffer: Buffer, column = 0) =>
      f.fb.set(local, at(f, buffer, f.fb.get(t, i32), f.fb.get(r, i32), column));
    if (op === "concat") {
      return [
        set(pa, a), set(pb, b), set(pd, to),
        moveElements(f, pd, pa, n, false),
        set(pd, to, n),
        moveElements(f, pd, pb, sizeOf(b.shape), false),
      ];
    }
    return [set(pa, a), set(pb, b), set(pd, to), moveElements(f, pd, pa, n, false), moveElements(f, pd, pb, n, true)];
  });
}

/** The adjoint of a merge: the cotangent of `to` flows to a and b (split for concat, copied for sum). */
export function mergeAdjoint(
  f: SequenceFrame,
  op: "concat" | "sum",
  dTo: Buffer,
  da: Buffer,
  accA: boolean,
  db: Buffer,
  accB: boolean,
): Expr {
  const n = sizeOf(da.shape);
  const [pa, pb, pd] = [f.fb.local(i32), f.fb.local(i32), f.fb.local(i32)];
  return overRows(f, (t, r) => {
    const set = (local: number, buffer: Buffer, column = 0) =>
      f.fb.set(local, at(f, buffer, f.fb.get(t, i32), f.fb.get(r, i32), column));
    return [
      set(pa, da), set(pb, db), set(pd, dTo),
      moveElements(f, pa, pd, n, accA),
      op === "concat" ? set(pd, dTo, n) : f.fb.mod.raw.nop(),
      moveElements(f, pb, pd, sizeOf(db.shape), accB),
    ];
  });
}
