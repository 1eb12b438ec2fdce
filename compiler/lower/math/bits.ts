// compiler/lower/math — the integer side of a lane kind, for the math functions
// that read or build IEEE exponent fields. In: a `Lanes`; out: bit operations
// on the same lanes (i32/i64 for scalar kinds, i32x4/i64x2 for vector kinds).

import { binaryen, type Expr, type WasmType } from "../wasm.js";
import type { Lanes } from "../lanes.js";

/** Binary32 / binary64 layout facts the math functions depend on. */
export interface FloatFormat {
  /** Explicit significand bits: 23 or 52. */
  readonly mantissaBits: number;
  readonly bias: number;
  /** Smallest positive normal number. */
  readonly minNormal: number;
  /** Bits of 1.0. */
  readonly oneBits: bigint;
  /** Bits of √½ rounded to the format (0x3f3504f3 / 0x3fe6a09e667f3bcd). */
  readonly sqrtHalfBits: bigint;
}

export const formats = {
  f32: { mantissaBits: 23, bias: 127, minNormal: 2 ** -126, oneBits: 0x3f800000n, sqrtHalfBits: 0x3f3504f3n },
  f64: {
    mantissaBits: 52,
    bias: 1023,
    minNormal: 2 ** -1022,
    oneBits: 0x3ff0000000000000n,
    sqrtHalfBits: 0x3fe6a09e667f3bcdn,
  },
} as const satisfies Record<Lanes["elem"], FloatFormat>;

/** Integer operations on the raw bits of each lane. Shift counts are constants. */
export interface Bits {
  readonly format: FloatFormat;
  /** Type of a value holding the bits: i32, i64 or v128. */
  readonly type: WasmType;
  toBits(x: Expr): Expr;
  fromBits(i: Expr): Expr;
  /** The same integer in every lane. */
  int(n: bigint): Expr;
  add(a: Expr, b: Expr): Expr;
  and(a: Expr, b: Expr): Expr;
  or(a: Expr, b: Expr): Expr;
  shl(a: Expr, count: number): Expr;
  shrU(a: Expr, count: number): Expr;
  /** Float lanes holding integers (|k| < 2^31) → those integers. */
  truncSat(x: Expr): Expr;
  /** |mag| with the sign of `sign`, lane-wise. */
  copySign(mag: Expr, sign: Expr): Expr;
}

export function bitsFor(lanes: Lanes): Bits {
  const m = lanes.mod.raw;
  const format: FloatFormat = formats[lanes.elem];
  const wide = lanes.elem === "f64";
  const s = wide ? m.i64 : m.i32;
  const f = wide ? m.f64 : m.f32;
  const scalarInt = (n: bigint) =>
    (wide ? m.i64.const(BigInt.asIntN(64, n)) : m.i32.const(Number(BigInt.asIntN(32, n))));
  if (lanes.width === 1) {
    return {
      format, type: wide ? binaryen.i64 : binaryen.i32,
      toBits: (x) => s.reinterpret(x),
      fromBits: (i) => f.reinterpret(i),
      int: scalarInt,
      add: (a, b) => s.add(a, b),
      and: (a, b) => s.and(a, b),
      or: (a, b) => s.or(a, b),
      shl: (a, count) => s.shl(a, scalarInt(BigInt(count))),
      shrU: (a, count) => s.shr_u(a, scalarInt(BigInt(count))),
      truncSat: (x) => s.trunc_s_sat[lanes.elem](x),
      copySign: (mag, sign) => f.copysign(mag, sign),
    };
  }
  const v = wide ? m.i64x2 : m.i32x4;
  const signBit = 1n << BigInt(format.mantissaBits + (wide ? 11 : 8));
  const splat = (n: bigint) => v.splat(scalarInt(n));
  return {
    format, type: binaryen.v128,
    toBits: (x) => x,
    fromBits: (i) => i,
    int: splat,
    add: (a, b) => v.add(a, b),
    and: (a, b) => m.v128.and(a, b),
    or: (a, b) => m.v128.or(a, b),
    shl: (a, count) => v.shl(a, m.i32.const(count)),
    shrU: (a, count) => v.shr_u(a, m.i32.const(count)),
    // SIMD128 has no f64x2 → i64x2 conversion: convert into the low i32 lanes, then sign-extend.
    truncSat: (x) =>
      (wide ? m.i64x2.extend_low_i32x4_s(m.i32x4.trunc_sat_f64x2_s_zero(x)) : m.i32x4.trunc_sat_f32x4_s(x)),
    copySign: (mag, sign) => m.v128.bitselect(sign, mag, splat(signBit)),
  };
}

/** 2^k for float lanes holding integers k in the normal exponent range: k + bias placed in the exponent field. */
export function pow2(bits: Bits, k: Expr): Expr {
  return bits.fromBits(bits.add(bits.shl(bits.truncSat(k), bits.format.mantissaBits), bits.int(bits.format.oneBits)));
}
