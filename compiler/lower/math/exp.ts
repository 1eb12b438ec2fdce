// compiler/lower/math — exp and expm1 for one lane kind. In: a Scope whose
// argument is x; out: the result expression. Both share one Cody–Waite
// reduction x = k·ln2 + r and one Taylor polynomial for e^r − 1.

import type { Expr } from "../wasm.js";
import type { Scope, Value } from "./scope.js";
import { pow2 } from "./bits.js";
import { fastTwoSum, twoSum, type Pair } from "./exact.js";

/**
 * ln2Hi is ln2 rounded to 32 (f64) or 16 (f32) significant bits, so k·ln2Hi is
 * exact for every k the reductions meet (|k| < 2^21 resp. 2^8); ln2Lo is
 * ln2 − ln2Hi rounded to the format. Both were computed from ln2 = 2·atanh(1/3)
 * in 300-bit BigInt fixed point. Also used by log.ts.
 */
export const ln2Split = {
  f64: { hi: 0.6931471806019545, lo: -4.2009150726810846e-11 },
  f32: { hi: 0.693145751953125, lo: 0.000001428606765330187 },
} as const;

/** 1/n! for n = from … to: the Taylor coefficients of e^r (each quotient rounded once). */
function inverseFactorials(from: number, to: number): number[] {
  const out: number[] = [];
  let factorial = 1;
  for (let n = 1; n <= to; n++) {
    factorial *= n;
    if (n >= from) out.push(1 / factorial);
  }
  return out;
}

const expConstants = {
  f64: {
    // Taylor terms r^3/3! … r^13/13! (r^2/2 is added apart): on |r| ≤ ln2/2 the
    // first omitted term, r^14/14!, is < 5e-18.
    cubic: inverseFactorials(3, 13),
    // e^−750 rounds to 0 and e^710 to +inf, so clamping there keeps k in [−1082, 1024]
    // (each half of k stays a normal exponent) without changing any result.
    expRange: [-750, 710],
    // e^−45 − 1 rounds to −1, and e^710 − 1 to +inf; 2^−k2 stays normal.
    expm1Range: [-45, 710],
  },
  f32: {
    // r^3/3! … r^7/7!: the omitted r^8/8! is < 6e-9, a tenth of an f32 ulp of 1.
    cubic: inverseFactorials(3, 7),
    // e^−104 rounds to 0 and e^89 to +inf in f32; k stays in [−150, 128].
    expRange: [-104, 89],
    // e^−20 − 1 rounds to −1 in f32.
    expm1Range: [-20, 89],
  },
} as const;

interface Reduced {
  /** e^r = head + low up to the polynomial's error: head = RN(1 + hi), low = the rest. */
  head: Value;
  low: Value;
  /** 2^k = 2^k1 · 2^k2, split so each factor is a normal number even when 2^k is not. */
  k1: Value;
  k2: Value;
}

/**
 * x = k·ln2 + r with r = hi − lo: k·ln2Hi is exact and so is hi (x and k·ln2Hi
 * are within a factor 2 of each other, or k = 0), so r's error is only lo's rounding.
 * e^r = 1 + hi − lo + r²/2 + r³·Q(r). 1 + hi is split exactly (Fast2Sum,
 * |hi| < 1) so no bit of hi is lost before the last rounding; r²/2 is rounded
 * once, apart from the smaller cubic; and r·(r's rounding error) corrects r²/2
 * for the r actually used — these matter for expm1, whose result can be as
 * small as a third of r²/2.
 */
function reduce(s: Scope, x: Expr, range: readonly [number, number]): Reduced {
  const l = s.lanes;
  const split = ln2Split[l.elem];
  const xc = s.let(s.clamp(x, range[0], range[1]));
  const k = s.let(l.nearest(l.mul(xc(), s.const(1 / Math.LN2))));
  const hi = s.let(l.sub(xc(), l.mul(k(), s.const(split.hi))));
  const lo = s.let(l.mul(k(), s.const(split.lo)));
  const r = s.let(l.sub(hi(), lo()));
  const rError = l.sub(l.sub(hi(), r()), lo());
  const square = s.let(l.mul(r(), r()));
  const cubic = l.mul(square(), l.mul(r(), s.horner(r, expConstants[l.elem].cubic)));
  const small = l.sub(l.add(cubic, l.mul(r(), rError)), lo());
  const [head, headError] = fastTwoSum(s, s.const(1), hi());
  const low = s.let(l.add(headError(), l.add(l.mul(s.const(0.5), square()), small)));
  const k1 = s.let(l.floor(l.mul(k(), s.const(0.5))));
  const k2 = s.let(l.sub(k(), k1()));
  return { head, low, k1, k2 };
}

/**
 * e^x = 2^k2 · (2^k1 · (head + low)), with the rounding error of head + low
 * kept for callers that need more than the rounded result. 2^k1 scales
 * exactly, leaving one rounding in the final multiply — which is where
 * gradual underflow and overflow happen.
 */
export function expParts(s: Scope, x: Expr): Pair {
  const l = s.lanes;
  const { head, low, k1, k2 } = reduce(s, x, expConstants[l.elem].expRange);
  const [mantissa, error] = fastTwoSum(s, head(), low());
  const s1 = s.let(pow2(s.bits, k1()));
  const s2 = s.let(pow2(s.bits, k2()));
  return [s.let(l.mul(l.mul(mantissa(), s1()), s2())), s.let(l.mul(l.mul(error(), s1()), s2()))];
}

/**
 * e^x − 1 = 2^k2 · (2^k1·head − 2^−k2 + 2^k1·low). The first difference holds
 * all the cancellation; summing it exactly (TwoSum) leaves one rounding of the
 * whole at the end, for every k. For k = 0 it is head − 1 + low = x + x²/2 + …,
 * so tiny x keep full relative accuracy.
 */
export function expm1Parts(s: Scope, x: Expr): Pair {
  const l = s.lanes;
  const { head, low, k1, k2 } = reduce(s, x, expConstants[l.elem].expm1Range);
  const s1 = s.let(pow2(s.bits, k1()));
  const s2 = s.let(pow2(s.bits, k2()));
  const [sum, sumError] = twoSum(s, l.mul(s1(), head()), l.neg(pow2(s.bits, l.neg(k2()))));
  const [total, error] = twoSum(s, sum(), l.add(sumError(), l.mul(s1(), low())));
  return [s.let(l.mul(total(), s2())), s.let(l.mul(error(), s2()))];
}

export function buildExp(s: Scope): Expr {
  return expParts(s, s.x())[0]();
}

export function buildExpm1(s: Scope): Expr {
  const l = s.lanes;
  const x = s.x;
  const [value] = expm1Parts(s, x());
  // The reduction turns −0 into +0; expm1(±0) = ±0.
  return l.select(l.eq(x(), s.const(0)), x(), value());
}
