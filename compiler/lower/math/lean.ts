// compiler/lower/math — exp, tanh and sigmoid for f32 lanes, lean: single-rounding
// f32 arithmetic throughout instead of the error-carrying pairs of
// activations.ts, within 4 ulps (the f32 budget of spec/lower/math.spec.ts)
// at about a third of the instructions. These are the activations of every
// gate, so they decide the cost of a cell's pointwise work. In: a Scope whose
// argument is x; out: the result expression.

import type { Expr } from "../wasm.js";
import type { Scope, Value } from "./scope.js";
import { pow2 } from "./bits.js";
import { ln2Split } from "./exp.js";

/**
 * 1.5·2^23: adding it to an f32 of magnitude below 2^22 rounds it to an integer, held in the sum's low
 * significand bits.
 */
const shifter = 1.5 * 2 ** 23;

/**
 * x = k·ln2 + r for |x| < 2^21 (Cody–Waite, k·ln2Hi exact), k rounded to
 * nearest by the shifter: k = (x/ln2 + shifter) − shifter, no rounding
 * instruction and no float→int conversion. `pow2(shift)` is 2^(k + shift),
 * for k + shift a normal exponent, built from the sum's bits: shifting them
 * left by 23 keeps k's and drops the shifter's (its low 23 bits are zero but
 * for bit 22, which falls off too).
 */
function reduceLean(s: Scope, x: Value): { k: Value; r: Value; pow2: (shift: number) => Expr } {
  const l = s.lanes;
  const t = s.let(l.add(l.mul(x(), s.const(1 / Math.LN2)), s.const(shifter)));
  const k = s.let(l.sub(t(), s.const(shifter)));
  const r = s.let(l.sub(l.sub(x(), l.mul(k(), s.const(ln2Split.f32.hi))), l.mul(k(), s.const(ln2Split.f32.lo))));
  const b = s.bits;
  const m = b.format.mantissaBits;
  return {
    k,
    r,
    pow2: (shift) => b.fromBits(b.add(b.shl(b.toBits(t()), m), b.int(BigInt(b.format.bias + shift) << BigInt(m)))),
  };
}

/**
 * P(r) ≈ (e^r − 1 − r)/r² on |r| ≤ ln2/2, degree 4: a minimax fit (Lawson's
 * iteration on 4001 Chebyshev points against 40-digit values), coefficients
 * rounded to f32. Its error is below 7e-8, so r²·P's below 8e-9 of e^r and
 * |r|·P's below 2.4e-8 of e^r − 1 (0.2 ulp): a degree-5 Taylor tail would
 * need one more multiply-add for the same.
 */
const expTail = [0.5, 0.16666576266288757, 0.04166637361049652, 0.008363175205886364, 0.0013941113138571382];

/** e^r − 1 ≈ r + r²·P(r), P by Estrin's scheme (a short chain of dependent operations). */
function expm1Reduced(s: Scope, r: Value): Expr {
  const l = s.lanes;
  const r2 = s.let(l.mul(r(), r()));
  return l.add(r(), l.mul(r2(), s.estrin(r, expTail, r2)));
}

/**
 * e^x for x ≤ 89, rounded a few times: x = k·ln2 + r (reduceLean),
 * e^r = 1 + (r + r²·P(r)), then 2^k1 · 2^k2 with k1 + k2 = k so both
 * factors are normal and only the last multiply rounds — where the result is
 * subnormal too. Below −104 the result rounds to 0.
 */
export function leanExp(s: Scope, x: Expr): Expr {
  const l = s.lanes;
  const { k, r } = reduceLean(s, s.let(s.clamp(x, -104, 89)));
  const p = l.add(s.const(1), expm1Reduced(s, r));
  const k1 = s.let(l.floor(l.mul(k(), s.const(0.5))));
  return l.mul(l.mul(p, pow2(s.bits, k1())), pow2(s.bits, l.sub(k(), k1())));
}

/** e^x for f32 lanes: NaN stays NaN (the clamp keeps it), ±0 gives 1, below −104 0, above 88.72 +inf. */
export function leanExpFunction(s: Scope): Expr {
  return leanExp(s, s.x());
}

/**
 * tanh|x| = q/(q + 2) with q = e^(2|x|) − 1, and |x| clamped at 10, where
 * tanh rounds to 1. q comes from the reduction of leanExp: 2|x| = k·ln2 + r,
 * e^r − 1 = r + r²·P(r) =: p, q = 2^k·p + (2^k − 1) — for k = 0 just p, so
 * small arguments lose nothing to cancellation (tanh x = x below 2^−12, to
 * the bit, subnormals included), and 2^k (k ≤ 29) is exact. One exp-sized
 * polynomial and one division; the sign is copied back: tanh(−0) = −0.
 */
export function leanTanh(s: Scope): Expr {
  const l = s.lanes;
  const x = s.x;
  const b = s.bits;
  const sign = s.let(b.and(b.toBits(x()), b.int(1n << 31n)), b.type);
  const a = s.let(l.min(s.const(10), b.fromBits(b.and(b.toBits(x()), b.int((1n << 31n) - 1n))))); // |x|, NaN kept
  const { r, pow2: scaleBy } = reduceLean(s, s.let(l.add(a(), a())));
  const p = expm1Reduced(s, r);
  const scale = s.let(scaleBy(0));
  const q = s.let(l.add(l.mul(scale(), p), l.sub(scale(), s.const(1))));
  return b.fromBits(
    b.or(b.toBits(l.div(q(), l.add(q(), s.const(2)))), sign()), // the quotient is ≥ 0 (or NaN): x's sign bit or-ed in
  );
}

/**
 * e^x for x ≤ 0 (or NaN), as leanExp but with one scaling: 2^k for k in
 * [−150, 0] is 2^(k+24) — a normal number — times 2^−24, the one multiply
 * that rounds where the result is subnormal.
 */
function leanExpNonPositive(s: Scope, x: Expr): Expr {
  const l = s.lanes;
  const { r, pow2: scaleBy } = reduceLean(
    s,
    s.let(l.max(s.const(-104), x)), // NaN passes: the IR's max picks the second operand
  );
  const p = l.add(s.const(1), expm1Reduced(s, r));
  return l.mul(l.mul(p, scaleBy(24)), s.const(2 ** -24));
}

/**
 * e = e^−|x|; 1/(1 + e) for x ≥ 0, e/(1 + e) below. Nothing overflows; the far left tail is e^x, subnormals
 * included.
 */
export function leanSigmoid(s: Scope): Expr {
  const l = s.lanes;
  const x = s.x;
  const b = s.bits;
  const e = s.let(leanExpNonPositive(s, b.fromBits(b.or(b.toBits(x()), b.int(1n << 31n))))); // −|x|: the sign bit set
  const d = s.let(l.add(s.const(1), e()));
  return l.div(l.select(l.ge(x(), s.const(0)), s.const(1), e()), d());
}
