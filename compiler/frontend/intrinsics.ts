// compiler/frontend — the intrinsics a cell may call, one rule each: how many
// arguments, and the IR ops the call breaks down to. In: checked argument
// trees. Out: a checked tree, or undefined once a shape rule reported an error.
// The names here are exactly the functions dsl/index.d.ts declares.

import type { Op, UnaryOp } from "../ir/ops.js";
import type { Expr } from "./syntax.js";

/** Builds checked nodes at one call site; reports shape errors against it. */
export interface OpBuilder {
  /** undefined when an operand is (an error was reported below) or the shape rule fails. */
  apply(op: Op, args: readonly (Expr | undefined)[]): Expr | undefined;
  literal(value: number): Expr;
  /** The scalar 1/size(x), fixed once dims are bound. */
  inverseSize(x: Expr): Expr;
}

export interface Intrinsic {
  /** Parameter names, as in the .d.ts; their count is the arity. */
  readonly params: readonly string[];
  readonly lower: (b: OpBuilder, args: readonly Expr[]) => Expr | undefined;
}

const unary = (op: UnaryOp): Intrinsic => ({ params: ["x"], lower: (b, [x]) => b.apply(op, [x]) });

const clip = (b: OpBuilder, x: Expr | undefined, lo: Expr | undefined, hi: Expr | undefined) =>
  b.apply("min", [b.apply("max", [x, lo]), hi]);

export const intrinsics = {
  sigmoid: unary("sigmoid"),
  tanh: unary("tanh"),
  relu: unary("relu"),
  exp: unary("exp"),
  log: unary("log"),
  softplus: unary("softplus"),
  sqrt: unary("sqrt"),
  matmul: { params: ["m", "v"], lower: (b, [m, v]) => b.apply("matvec", [m, v]) },
  hadamard: { params: ["a", "b"], lower: (b, [x, y]) => b.apply("mul", [x, y]) },
  max: { params: ["a", "b"], lower: (b, [x, y]) => b.apply("max", [x, y]) },
  min: { params: ["a", "b"], lower: (b, [x, y]) => b.apply("min", [x, y]) },
  clip: { params: ["x", "lo", "hi"], lower: (b, [x, lo, hi]) => clip(b, x, lo, hi) },
  // Keras' hard_sigmoid: clip(0.2·x + 0.5, 0, 1).
  hardSigmoid: {
    params: ["x"],
    lower: (b, [x]) =>
      clip(b, b.apply("add", [b.apply("mul", [b.literal(0.2), x]), b.literal(0.5)]), b.literal(0), b.literal(1)),
  },
  sum: { params: ["x"], lower: (b, [x]) => b.apply("sum", [x]) },
  mean: { params: ["x"], lower: (b, [x]) => b.apply("mul", [b.apply("sum", [x]), b.inverseSize(x)]) },
} satisfies Record<string, Intrinsic>;

export type IntrinsicName = keyof typeof intrinsics;

export function isIntrinsic(name: string): name is IntrinsicName {
  return Object.hasOwn(intrinsics, name);
}

export const intrinsicNames = Object.keys(intrinsics) as IntrinsicName[];
