// compiler/lower/math — log and log1p for one lane kind. In: a Scope whose
// argument is x; out: the result expression. Both split x = 2^e·(1+f) from the
// exponent bits and sum log(1+f) = 2·atanh(f/(2+f)) as a series.

import type { Expr } from "../wasm.js";
import type { Scope, Value } from "./scope.js";
import { ln2Split } from "./exp.js";

const logConstants = {
  // Taylor coefficients 2/(2n+1) of 2·atanh(w) = 2w + Σ 2w^(2n+1)/(2n+1), as a
  // series in z = w². With |w| ≤ (√2−1)/(√2+1) ≈ 0.1716, the first omitted term
  // is below 1e-18 (f64, n = 11) or 3e-9 (f32, n = 5) relative to the result.
  // log1p's series x − x²/2 + x³/3 omits x⁴/4, below 2^−62 (f64) / 2^−29 (f32) relative.
  f64: { series: Array.from({ length: 10 }, (_, i) => 2 / (2 * i + 3)), subnormalShift: 54, seriesBelow: 2 ** -20 },
  f32: { series: Array.from({ length: 4 }, (_, i) => 2 / (2 * i + 3)), subnormalShift: 25, seriesBelow: 2 ** -9 },
} as const;

/**
 * log(x) for finite x > 0, plus `correction` (a small term known to belong to
 * the result, folded in before the last roundings). With m = 1 + f in [√½, √2)
 * and w = f/(2+f), log(1+f) = 2·atanh(w) = 2w + w·R with R = Σ 2w^(2n)/(2n+1);
 * since 2w = f − f²/2 + w·f²/2,
 *   log(1+f) = f − (f²/2 − w·(f²/2 + R)),
 * where f is exact and the rounded quotient w only touches small terms.
 */
function logOfPositive(s: Scope, x: Value, correction?: Expr): Expr {
  const l = s.lanes;
  const b = s.bits;
  const { mantissaBits, bias, minNormal, oneBits, sqrtHalfBits } = b.format;
  const { series, subnormalShift } = logConstants[l.elem];
  const split = ln2Split[l.elem];

  // Subnormals have no implicit leading 1; scaling them up makes them normal.
  const tiny = s.letMask(l.lt(x(), s.const(minNormal)));
  const scaled = s.let(l.select(tiny(), l.mul(x(), s.const(2 ** subnormalShift)), x()));
  // Adding bits(1) − bits(√½) carries into the exponent field exactly when the
  // significand is ≥ √½, so the field of u is the biased e with m in [√½, √2).
  const u = s.let(b.add(b.toBits(scaled()), b.int(oneBits - sqrtHalfBits)), b.type);
  // Integer → float without a vector i64 conversion: OR the biased exponent
  // into the significand of 2^mantissaBits, then subtract that power and the bias.
  const magicBits = BigInt(bias + mantissaBits) << BigInt(mantissaBits);
  const biased = b.fromBits(b.or(b.shrU(u(), mantissaBits), b.int(magicBits)));
  const e = s.let(
    l.add(l.sub(biased, s.const(2 ** mantissaBits + bias)), l.select(tiny(), s.const(-subnormalShift), s.const(0))),
  );
  const mantissaMask = (1n << BigInt(mantissaBits)) - 1n;
  const m = b.fromBits(b.add(b.and(u(), b.int(mantissaMask)), b.int(sqrtHalfBits)));

  const f = s.let(l.sub(m, s.const(1)));
  const halfSquare = s.let(l.mul(s.const(0.5), l.mul(f(), f())));
  const w = s.let(l.div(f(), l.add(s.const(2), f())));
  const z = s.let(l.mul(w(), w()));
  const r = l.mul(z(), s.horner(z, series));
  // e·ln2Hi is exact; e·ln2Lo and the correction join the small terms.
  const lowLn2 = l.mul(e(), s.const(split.lo));
  const low = l.add(l.mul(w(), l.add(halfSquare(), r)), correction === undefined ? lowLn2 : l.add(lowLn2, correction));
  return l.add(l.mul(e(), s.const(split.hi)), l.sub(f(), l.sub(halfSquare(), low)));
}

/** log(0) = −inf, log(+inf) = +inf, and NaN below zero or for NaN. */
function logSpecialCases(s: Scope, x: Value, result: Expr): Expr {
  const l = s.lanes;
  const atInfinity = l.select(l.eq(x(), s.const(Infinity)), x(), result);
  const atZero = l.select(l.eq(x(), s.const(0)), s.const(-Infinity), atInfinity);
  return l.select(l.ge(x(), s.const(0)), atZero, s.const(NaN));
}

export function buildLog(s: Scope): Expr {
  return logSpecialCases(s, s.x, logOfPositive(s, s.x));
}

/**
 * log(1 + x + xError) for a pair x + xError (xError may be absent). With u = 1 + x
 * rounded, log1p = log(u) + (x − (u − 1) + xError)/u: the quotient is the
 * first-order term of log(u + δ) for u's rounding error δ. Below `seriesBelow`
 * that quotient is comparable to the result, so x − x²/2 + x³/3 is used instead.
 */
export function log1pOf(s: Scope, x: Value, xError?: Value): Expr {
  const l = s.lanes;
  const u = s.let(l.add(s.const(1), x()));
  const lost = l.sub(x(), l.sub(u(), s.const(1)));
  const error = xError ?? (() => s.const(0));
  const correction = l.div(l.add(lost, error()), u());
  // The special cases of log(u) also cover the NaN correction at u = 0 and u = +inf.
  const general = logSpecialCases(s, u, logOfPositive(s, u, correction));
  const square = l.mul(x(), x());
  const series = l.add(x(), l.add(error(), l.mul(square, l.add(s.const(-0.5), l.mul(x(), s.const(1 / 3))))));
  const result = l.select(l.lt(l.abs(x()), s.const(logConstants[l.elem].seriesBelow)), series, general);
  // log1p(±0) = ±0: the sums above give +0 for −0.
  return l.select(l.eq(x(), s.const(0)), x(), result);
}

export function buildLog1p(s: Scope): Expr {
  return log1pOf(s, s.x);
}
