// compiler/lower/math — tanh, sigmoid and softplus for one lane kind, built
// inline on the unrounded exp/expm1 pairs of exp.ts, so each rounds about once.
// In: a Scope whose argument is x; out: the result expression. Arguments are
// clamped or folded to |x| so no intermediate overflows.

import type { Expr } from "../wasm.js";
import type { Scope } from "./scope.js";
import { expParts, expm1Parts } from "./exp.js";
import { log1pOf } from "./log.js";
import { dividePairs, fastTwoSum, twoSum } from "./exact.js";

// tanh|x| rounds to 1 beyond these (1 − tanh a ≈ 2e^−2a is below half an ulp of 1).
const tanhSaturates = { f64: 22, f32: 10 } as const;

/**
 * tanh|x| = t/(t + 2) with t = e^(2|x|) − 1 as a pair from expm1Parts: the
 * denominator is summed exactly and the quotient rounded once. Clamping |x|
 * keeps t finite; the sign is copied back, so tanh(−0) = −0.
 */
export function buildTanh(s: Scope): Expr {
  const l = s.lanes;
  const x = s.x;
  const a = s.let(l.min(s.const(tanhSaturates[l.elem]), l.abs(x())));
  const [t, tError] = expm1Parts(s, l.add(a(), a()));
  const [d, dError] = twoSum(s, t(), s.const(2));
  const quotient = dividePairs(s, [t, tError], [d, s.let(l.add(dError(), tError()))]);
  return s.bits.copySign(quotient, x());
}

/**
 * With e = e^−|x| ≤ 1 as a pair: 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0,
 * the sum exact and the quotient rounded once. Nothing overflows, so the far
 * negative tail underflows gradually like e^x; sigmoid(−inf) = 0, sigmoid(inf) = 1.
 */
export function buildSigmoid(s: Scope): Expr {
  const l = s.lanes;
  const x = s.x;
  const [e, eError] = expParts(s, l.neg(l.abs(x())));
  const [d, dError] = fastTwoSum(s, s.const(1), e());
  const nonNegative = s.letMask(l.ge(x(), s.const(0)));
  const n = s.let(l.select(nonNegative(), s.const(1), e()));
  const nError = s.let(l.select(nonNegative(), s.const(0), eError()));
  return dividePairs(s, [n, nError], [d, s.let(l.add(dError(), eError()))]);
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
