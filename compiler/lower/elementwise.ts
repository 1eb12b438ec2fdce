// compiler/lower — how each elementwise op is computed on lanes, one line per
// op (a table, like the shape and gradient rules). Non-elementwise ops have
// kernels of their own (kernels.ts) and are never reached here. Each operand
// expression appears once: Binaryen expressions are trees, not DAGs.

import { IRError, type Op } from "../ir/index.js";
import type { Lanes } from "./lanes.js";
import { callMath } from "./math.js";
import type { Expr } from "./wasm.js";

/** Operand expressions, and the index of the element(s) computed, as lanes of floats. */
type Lowering = (l: Lanes, args: Expr[], index: () => Expr) => Expr;

const notElementwise = (op: Op): Lowering => () => {
  throw new IRError(`${op} is not elementwise`);
};

export const elementwiseLowering = {
  const: notElementwise("const"),
  var: notElementwise("var"),
  neg: (l, [x]) => l.neg(x!),
  exp: (l, [x]) => callMath(l, "exp", x!),
  log: (l, [x]) => callMath(l, "log", x!),
  tanh: (l, [x]) => callMath(l, "tanh", x!),
  sigmoid: (l, [x]) => callMath(l, "sigmoid", x!),
  relu: (l, [x]) => l.max(x!, l.const(0)),
  softplus: (l, [x]) => callMath(l, "softplus", x!),
  sqrt: (l, [x]) => l.sqrt(x!),
  step: (l, [x]) => l.select(l.gt(x!, l.const(0)), l.const(1), l.const(0)),
  add: (l, [a, b]) => l.add(a!, b!),
  sub: (l, [a, b]) => l.sub(a!, b!),
  mul: (l, [a, b]) => l.mul(a!, b!),
  div: (l, [a, b]) => l.div(a!, b!),
  max: (l, [a, b]) => l.max(a!, b!),
  min: (l, [a, b]) => l.min(a!, b!),
  select: (l, [c, a, b]) => l.select(l.ne(c!, l.const(0)), a!, b!),
  // The second operand only gives the shape; its value is never computed.
  onehot: (l, [i], index) => l.select(l.eq(index(), i!), l.const(1), l.const(0)),
  matvec: notElementwise("matvec"),
  outer: notElementwise("outer"),
  transpose: notElementwise("transpose"),
  gathersum: notElementwise("gathersum"),
  scatterrows: notElementwise("scatterrows"),
  sum: notElementwise("sum"),
  logsumexp: notElementwise("logsumexp"),
  batchsum: notElementwise("batchsum"),
} satisfies Record<Op, Lowering>;
