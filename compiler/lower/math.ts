// compiler/lower — the math library every module carries (modules import
// nothing). In: a lane kind, a function name and an argument expression; out:
// a call to that function, added to the module as `${fn}_${kind}` on first use.
// The algorithms live in math/: exp.ts, log.ts, activations.ts (each function
// is self-contained: the activations inline the exp pairs they need), and
// lean.ts, the f32 exp, tanh and sigmoid.

import type { Expr } from "./wasm.js";
import type { Lanes } from "./lanes.js";
import { Scope } from "./math/scope.js";
import { buildExp, buildExpm1 } from "./math/exp.js";
import { buildLog, buildLog1p } from "./math/log.js";
import { buildSigmoid, buildSoftplus, buildTanh } from "./math/activations.js";
import { leanExpFunction, leanSigmoid, leanTanh } from "./math/lean.js";

export type MathFn = "exp" | "expm1" | "log" | "log1p" | "tanh" | "sigmoid" | "softplus";

/** One builder per function: given the scope of a fresh function, its result. */
const mathBuilders = {
  exp: (s) => (s.lanes.elem === "f32" ? leanExpFunction(s) : buildExp(s)),
  expm1: buildExpm1,
  log: buildLog,
  log1p: buildLog1p,
  tanh: (s) => (s.lanes.elem === "f32" ? leanTanh(s) : buildTanh(s)),
  sigmoid: (s) => (s.lanes.elem === "f32" ? leanSigmoid(s) : buildSigmoid(s)),
  softplus: buildSoftplus,
} satisfies Record<MathFn, (s: Scope) => Expr>;

export const mathFns = Object.keys(mathBuilders) as MathFn[];

/**
 * Adds (once per module) a wasm function computing fn lane-wise for lanes.kind, and returns an expression calling
 * it on x.
 */
export function callMath(lanes: Lanes, fn: MathFn, x: Expr): Expr {
  const name = `${fn}_${lanes.kind}`;
  if (!lanes.mod.hasFunction(name)) {
    const fb = lanes.mod.function([lanes.type]);
    const scope = new Scope(lanes, fb);
    const result = mathBuilders[fn](scope);
    fb.finish(name, lanes.type, [...scope.statements, result]);
  }
  return lanes.mod.raw.call(name, [x], lanes.type);
}
