// compiler/lower — how each elementwise op is computed on lanes, one line per
// op (a table, like the shape and gradient rules). Non-elementwise ops have
// kernels of their own (kernels.ts) and are never reached here. Each operand
// expression appears once: Binaryen expressions are trees, not DAGs.

import { IRError, type Op } from "../ir/index.js";
import type { Lanes } from "./lanes.js";
import { callMath } from "./math.js";
import type { Expr } from "./wasm.js";

/**
 * The lanes, the operand expressions (`x(i)` emits operand i; call it once per
 * operand, in order, and only for the operands whose value the op reads), and
 * the index of the element(s) computed, as lanes of floats.
 */
type Lowering = (l: Lanes, x: (i: number) => Expr, index: () => Expr) => Expr;

const notElementwise = (op: Op): Lowering => () => {
  throw new IRError(`${op} is not elementwise`);
};

export const elementwiseLowering = {
  const: notElementwise("const"),
  var: notElementwise("var"),
  neg: (l, x) => l.neg(x(0)),
  exp: (l, x) => callMath(l, "exp", x(0)),
  log: (l, x) => callMath(l, "log", x(0)),
  tanh: (l, x) => callMath(l, "tanh", x(0)),
  sigmoid: (l, x) => callMath(l, "sigmoid", x(0)),
  relu: (l, x) => l.max(x(0), l.const(0)),
  softplus: (l, x) => callMath(l, "softplus", x(0)),
  sqrt: (l, x) => l.sqrt(x(0)),
  step: (l, x) => l.select(l.gt(x(0), l.const(0)), l.const(1), l.const(0)),
  abs: (l, x) => l.abs(x(0)),
  expm1: (l, x) => callMath(l, "expm1", x(0)),
  add: (l, x) => l.add(x(0), x(1)),
  sub: (l, x) => l.sub(x(0), x(1)),
  mul: (l, x) => l.mul(x(0), x(1)),
  div: (l, x) => l.div(x(0), x(1)),
  max: (l, x) => l.max(x(0), x(1)),
  min: (l, x) => l.min(x(0), x(1)),
  select: (l, x) => l.select(l.ne(x(0), l.const(0)), x(1), x(2)),
  // The second operand only gives the shape; its value is never computed.
  onehot: (l, x, index) => l.select(l.eq(index(), x(0)), l.const(1), l.const(0)),
  concat: notElementwise("concat"),
  // A slice reads its operand further on (kernels.ts), it computes nothing.
  slice: notElementwise("slice"),
  matvec: notElementwise("matvec"),
  outer: notElementwise("outer"),
  matmul: notElementwise("matmul"),
  transpose: notElementwise("transpose"),
  gathersum: notElementwise("gathersum"),
  scatterrows: notElementwise("scatterrows"),
  sum: notElementwise("sum"),
  logsumexp: notElementwise("logsumexp"),
  maxof: notElementwise("maxof"),
  batchsum: notElementwise("batchsum"),
} satisfies Record<Op, Lowering>;
