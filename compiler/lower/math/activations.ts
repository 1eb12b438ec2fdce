// compiler/lower/math — tanh, sigmoid and softplus for one lane kind, built on
// calls to expm1, exp and log1p. In: a Scope whose argument is x; out: the
// result expression. Every form is chosen so no lane meets inf/inf or inf − inf.

import type { Expr } from "../wasm.js";
import type { Scope } from "./scope.js";

/**
 * tanh|x| = t/(t+2) with t = e^(2|x|) − 1, accurate for tiny |x| since expm1 is;
 * for larger |x| the equal 1 − 2/(t+2) rounds better and stays 1 when t = +inf.
 * The sign is copied back from x, so tanh(−0) = −0.
 */
export function buildTanh(s: Scope): Expr {
  const l = s.lanes;
  const x = s.x;
  const a = s.let(l.abs(x()));
  const t = s.let(s.call("expm1", l.add(a(), a())));
  const d = s.let(l.add(t(), s.const(2)));
  const small = l.div(t(), d());
  const large = l.sub(s.const(1), l.div(s.const(2), d()));
  return s.bits.copySign(l.select(l.gt(a(), s.const(0.5)), large, small), x());
}

/** 1/(1 + e^−x): e^−x = +inf gives 0 and e^−x = 0 gives 1. */
export function buildSigmoid(s: Scope): Expr {
  const l = s.lanes;
  return l.div(s.const(1), l.add(s.const(1), s.call("exp", l.neg(s.x()))));
}

/** max(x, 0) + log1p(e^−|x|): the exponential never overflows, and for x ≪ 0 log1p keeps e^x's precision. */
export function buildSoftplus(s: Scope): Expr {
  const l = s.lanes;
  const x = s.x;
  return l.add(l.max(x(), s.const(0)), s.call("log1p", s.call("exp", l.neg(l.abs(x())))));
}
