// compiler/lower/math — the body of one math function under construction: its
// argument and named intermediate values (wasm locals, so each is computed
// once). Builders in exp.ts, log.ts and activations.ts receive a Scope and
// return the result expression.

import { binaryen, type Expr, type FunctionBuilder, type WasmType } from "../wasm.js";
import type { Lanes } from "../lanes.js";
import { bitsFor, type Bits } from "./bits.js";

/** A value held in a local: read it as often as needed. */
export type Value = () => Expr;

export class Scope {
  readonly bits: Bits;
  /** local.set statements, in order, ahead of the result. */
  readonly statements: Expr[] = [];

  constructor(
    readonly lanes: Lanes,
    private readonly fb: FunctionBuilder,
  ) {
    this.bits = bitsFor(lanes);
  }

  /** The function's single argument. */
  get x(): Value {
    return () => this.fb.get(0, this.lanes.type);
  }

  /** Computes `value` once into a fresh local. */
  let(value: Expr, type: WasmType = this.lanes.type): Value {
    const index = this.fb.local(type);
    this.statements.push(this.fb.set(index, value));
    return () => this.fb.get(index, type);
  }

  /** Computes a comparison mask once (i32 for scalar kinds, v128 for vectors). */
  letMask(mask: Expr): Value {
    return this.let(mask, this.lanes.width === 1 ? binaryen.i32 : binaryen.v128);
  }

  const(c: number): Expr {
    return this.lanes.const(c);
  }

  /**
   * c[0] + c[1]·z + c[2]·z² + …, by Estrin's scheme: pairs c[i] + c[i+1]·z,
   * combined with z², z⁴, …, so the longest chain of dependent operations is
   * about 2·log2(n) instead of Horner's 2·n (the same count of operations).
   * `square` is z², when the caller has it.
   */
  estrin(z: Value, coefficients: readonly number[], square?: Value): Expr {
    const l = this.lanes;
    let terms: Expr[] = [];
    for (let i = 0; i < coefficients.length; i += 2) {
      const c = l.const(coefficients[i]!);
      terms.push(i + 1 < coefficients.length ? l.add(c, l.mul(l.const(coefficients[i + 1]!), z())) : c);
    }
    let power: Value = square ?? this.let(l.mul(z(), z()));
    while (terms.length > 1) {
      const next: Expr[] = [];
      for (let i = 0; i < terms.length; i += 2)
        next.push(i + 1 < terms.length ? l.add(terms[i]!, l.mul(power(), terms[i + 1]!)) : terms[i]!);
      terms = next;
      if (terms.length > 1) {
        const p = power;
        power = this.let(l.mul(p(), p()));
      }
    }
    return terms[0]!;
  }

  /** c[0] + z·(c[1] + z·(c[2] + …)), by Horner's rule. */
  horner(z: Value, coefficients: readonly number[]): Expr {
    const l = this.lanes;
    let acc = l.const(coefficients[coefficients.length - 1]!);
    for (let i = coefficients.length - 2; i >= 0; i--) acc = l.add(l.const(coefficients[i]!), l.mul(z(), acc));
    return acc;
  }

  /** lo ≤ x ≤ hi, with NaN passing through (the IR's min/max pick the non-NaN side when it comes second). */
  clamp(x: Expr, lo: number, hi: number): Expr {
    const l = this.lanes;
    return l.min(l.const(hi), l.max(l.const(lo), x));
  }
}
