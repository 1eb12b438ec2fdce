// compiler/lower/math — tanh, sigmoid and softplus for one lane kind, built
// inline on the unrounded exp/expm1 pairs of exp.ts, so each rounds about once.
// In: a Scope whose argument is x; out: the result expression. No lane ever
// meets inf/inf or inf − inf in the value it keeps.

import type { Expr } from "../wasm.js";
import type { Scope } from "./scope.js";
import { expParts, expm1Parts } from "./exp.js";
import { log1pOf } from "./log.js";
import { dividePairs, twoSum } from "./exact.js";

const activationConstants = {
  // tanh|x| rounds to 1 beyond these (1 − tanh a ≈ 2e^−2a is below half an ulp
  // of 1), and to |x| below 2^−27 / 2^−12 (a³/3 is below half an ulp of a).
  f64: { saturate: 22, identity: 2 ** -27 },
  f32: { saturate: 10, identity: 2 ** -12 },
} as const;

/**
 * tanh|x| = t/(t + 2) with t = e^(2|x|) − 1 as a pair from expm1Parts: the
 * denominator is summed exactly and the quotient rounded once. Clamping |x|
 * keeps t finite; the sign is copied back, so tanh(−0) = −0.
 */
export function buildTanh(s: Scope): Expr {
  const l = s.lanes;
  const x = s.x;
  const { saturate, identity } = activationConstants[l.elem];
  const a = s.let(l.min(s.const(saturate), l.abs(x())));
  const [t, tError] = expm1Parts(s, l.add(a(), a()));
  const [d, dError] = twoSum(s, t(), s.const(2));
  const quotient = dividePairs(s, [t, tError], [d, s.let(l.add(dError(), tError()))]);
  // Below `identity` the answer is |x| itself, which the split products could miss by a subnormal ulp.
  return s.bits.copySign(l.select(l.lt(a(), s.const(identity)), a(), quotient), x());
}

/**
 * 1/(1 + e^−x) with e^−x as a pair, the sum exact and the quotient rounded
 * once. Where e^−x is near overflow the correction is NaN and the plain
 * quotient (then 0 or within an ulp of e^x) is kept: 0 at −inf, 1 at +inf.
 */
export function buildSigmoid(s: Scope): Expr {
  const l = s.lanes;
  const [e, eError] = expParts(s, l.neg(s.x()));
  const [d, dError] = twoSum(s, s.const(1), e());
  const refined = s.let(dividePairs(s, [() => s.const(1), () => s.const(0)], [d, s.let(l.add(dError(), eError()))]));
  return l.select(l.eq(refined(), refined()), refined(), l.div(s.const(1), d()));
}

/**
 * max(x, 0) + log1p(e^−|x|): the exponential never overflows, and passing its
 * rounding error into log1p keeps x ≪ 0 (where the result is e^x) accurate.
 */
export function buildSoftplus(s: Scope): Expr {
  const l = s.lanes;
  const x = s.x;
  const [e, eError] = expParts(s, l.neg(l.abs(x())));
  return l.add(l.max(x(), s.const(0)), log1pOf(s, e, eError));
}
