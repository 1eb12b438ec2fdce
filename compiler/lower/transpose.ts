// compiler/lower — a matrix transpose. In: locals holding the source and
// destination addresses, the source's [rows, cols]. Out: wasm loops writing
// dest[k, i] = x[i, k]. With f32x4 lanes, 4×4 blocks go through registers
// (four loads, eight shuffles, four stores); the rows and columns past the
// last whole block, and other lane kinds, go element by element. Packing Wᵀ
// for a product (pack.ts) transposes W one panel at a time with it.

import type { Lanes } from "./lanes.js";
import { binaryen, type Expr, type FunctionBuilder } from "./wasm.js";

const i32 = binaryen.i32;

/** With `accumulate`, dest[k, i] += x[i, k] (a transposed parameter's gradient adds to what is there). */
export function emitTranspose(
  fb: FunctionBuilder,
  vec: Lanes,
  scalar: Lanes,
  px: number,
  pd: number,
  [rows, cols]: readonly [number, number],
  accumulate = false,
): Expr {
  const m = fb.mod.raw;
  const c = (n: number) => m.i32.const(n);
  const get = (local: number) => fb.get(local, i32);
  const [i, k] = [fb.local(i32), fb.local(i32)];
  const bytes = scalar.bytes;
  const at = (p: number, row: number, rowLen: number, col: number) =>
    m.i32.add(get(p), m.i32.mul(m.i32.add(m.i32.mul(get(row), c(rowLen)), get(col)), c(bytes)));
  const elements = (iFrom: number, iTo: number, kFrom: number, kTo: number): Expr[] =>
    iFrom < iTo && kFrom < kTo
      ? [fb.forLoop(i, c(iFrom), c(iTo), 1, [fb.forLoop(k, c(kFrom), c(kTo), 1, [
        scalar.store(
          at(pd, k, rows, i),
          accumulate
            ? scalar.add(scalar.load(at(pd, k, rows, i)), scalar.load(at(px, i, cols, k)))
            : scalar.load(at(px, i, cols, k)),
        ),
      ])])]
      : [];
  const blocked = vec.width === 4 && vec.elem === "f32";
  const [rows4, cols4] = blocked ? [rows - (rows % 4), cols - (cols % 4)] : [0, 0];

  /** Lanes 0–3 of a, 4–7 of b. */
  const shuffle = (a: Expr, b: Expr, lanes: readonly number[]) =>
    m.i8x16.shuffle(a, b, lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
  const v = Array.from({ length: 4 }, () => fb.local(vec.type));
  const t = Array.from({ length: 4 }, () => fb.local(vec.type));
  const val = (local: number) => fb.get(local, vec.type);
  // x[i + r, k .. k+3] at px + ((i + r)·cols + k)·4; dest[k + c, i .. i+3] at pd + ((k + c)·rows + i)·4.
  const src = () => m.i32.add(get(px), m.i32.mul(m.i32.add(m.i32.mul(get(i), c(cols)), get(k)), c(4)));
  const dst = () => m.i32.add(get(pd), m.i32.mul(m.i32.add(m.i32.mul(get(k), c(rows)), get(i)), c(4)));
  const put = (value: Expr, offset: number) =>
    vec.store(dst(), accumulate ? vec.add(vec.load(dst(), offset), value) : value, offset);
  const block = [
    ...v.map((local, r) => fb.set(local, vec.load(src(), r * cols * 4))),
    fb.set(t[0]!, shuffle(val(v[0]!), val(v[1]!), [0, 4, 1, 5])),
    fb.set(t[1]!, shuffle(val(v[0]!), val(v[1]!), [2, 6, 3, 7])),
    fb.set(t[2]!, shuffle(val(v[2]!), val(v[3]!), [0, 4, 1, 5])),
    fb.set(t[3]!, shuffle(val(v[2]!), val(v[3]!), [2, 6, 3, 7])),
    put(shuffle(val(t[0]!), val(t[2]!), [0, 1, 4, 5]), 0),
    put(shuffle(val(t[0]!), val(t[2]!), [2, 3, 6, 7]), rows * 4),
    put(shuffle(val(t[1]!), val(t[3]!), [0, 1, 4, 5]), 2 * rows * 4),
    put(shuffle(val(t[1]!), val(t[3]!), [2, 3, 6, 7]), 3 * rows * 4),
  ];
  return m.block(null, [
    ...(rows4 > 0 && cols4 > 0 ? [fb.forLoop(i, c(0), c(rows4), 4, [fb.forLoop(k, c(0), c(cols4), 4, block)])] : []),
    ...elements(0, rows, cols4, cols),
    ...elements(rows4, rows, 0, cols4),
  ]);
}
