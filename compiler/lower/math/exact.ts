// compiler/lower/math — error-free transformations (Dekker, Knuth): a sum or
// product returned as its rounded value plus the exact rounding error, and a
// quotient of such pairs rounded once. In: Scope values; out: Scope values.
// wasm has no fused multiply-add, so products are split by hand (Veltkamp).

import type { Expr } from "../wasm.js";
import type { Scope, Value } from "./scope.js";

/** An unevaluated sum value + error with |error| ≤ half an ulp of value (or close to it). */
export type Pair = readonly [value: Value, error: Value];

/** a + b = value + error exactly, for |a| ≥ |b| (Fast2Sum). */
export function fastTwoSum(s: Scope, a: Expr, b: Expr): Pair {
  const l = s.lanes;
  const av = s.let(a);
  const bv = s.let(b);
  const sum = s.let(l.add(av(), bv()));
  return [sum, s.let(l.add(l.sub(av(), sum()), bv()))];
}

/** a + b = value + error exactly, whatever the magnitudes (TwoSum). */
export function twoSum(s: Scope, a: Expr, b: Expr): Pair {
  const l = s.lanes;
  const av = s.let(a);
  const bv = s.let(b);
  const sum = s.let(l.add(av(), bv()));
  const bPart = s.let(l.sub(sum(), av()));
  return [sum, s.let(l.add(l.sub(av(), l.sub(sum(), bPart())), l.sub(bv(), bPart())))];
}

/**
 * a = high + low with each half at most half the significand wide, so the
 * product of two halves is exact. The factor is 2^⌈p/2⌉ + 1 for p-bit
 * significands (24 → 2^12 + 1, 53 → 2^27 + 1); |a| must stay below max/factor.
 */
function split(s: Scope, a: Value): Pair {
  const l = s.lanes;
  const scaled = s.let(l.mul(a(), s.const(l.elem === "f32" ? 4097 : 134217729)));
  const high = s.let(l.sub(scaled(), l.sub(scaled(), a())));
  return [high, s.let(l.sub(a(), high()))];
}

/** a·b = value + error exactly (Dekker's product). */
export function twoProduct(s: Scope, a: Value, b: Value): Pair {
  const l = s.lanes;
  const [aHigh, aLow] = split(s, a);
  const [bHigh, bLow] = split(s, b);
  const product = s.let(l.mul(a(), b()));
  const error = l.add(
    l.add(l.add(l.sub(l.mul(aHigh(), bHigh()), product()), l.mul(aHigh(), bLow())), l.mul(aLow(), bHigh())),
    l.mul(aLow(), bLow()),
  );
  return [product, s.let(error)];
}

/**
 * (n + nError)/(d + dError) with one rounding at the end: q = n/d, then the
 * remainder n − q·d (exact: q·d is a two-product within an ulp of n) and the
 * error terms correct q by less than an ulp. q and d must be splittable (see split).
 */
export function dividePairs(s: Scope, [n, nError]: Pair, [d, dError]: Pair): Expr {
  const l = s.lanes;
  const q = s.let(l.div(n(), d()));
  const [product, productError] = twoProduct(s, q, d);
  const remainder = l.add(l.sub(l.sub(n(), product()), productError()), l.sub(nError(), l.mul(q(), dError())));
  return l.add(q(), l.div(remainder, d()));
}
