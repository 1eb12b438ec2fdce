// compiler/frontend — the intrinsics a cell may call, one rule each: how many
// arguments, and the IR ops the call breaks down to. In: checked argument
// trees. Out: a checked tree, or undefined once a shape rule reported an error.
// The names here are exactly the functions dsl/index.d.ts declares.

import type { Op, UnaryOp } from "../ir/ops.js";
import { formatShape, type Dim, type Shape } from "../ir/shape.js";
import { addSizes } from "../ir/size.js";
import type { Expr } from "./syntax.js";

/** Builds checked nodes at one call site; reports shape errors against it. */
export interface OpBuilder {
  /** undefined when an operand is (an error was reported below) or the shape rule fails. */
  apply(op: Op, args: readonly (Expr | undefined)[]): Expr | undefined;
  /** Rows start … start + rows − 1 of x. */
  slice(x: Expr | undefined, start: Dim, rows: Dim): Expr | undefined;
  /** The call's size arguments (parameters from sizesFrom on), read from the source: whole numbers or size strings. */
  readonly sizes: readonly Dim[];
  /** Reports a shape mismatch the op's rule cannot see (RNNC102 at the call); returns undefined. */
  mismatch(message: string): undefined;
  /** A constant: a scalar, or every element of a tensor of `shape`. */
  literal(value: number, shape?: Shape<Dim>): Expr;
  /** The scalar 1/size(x), fixed once dims are bound. */
  inverseSize(x: Expr): Expr;
  /** The number argument `index` stands for (a literal, or arithmetic on literals); undefined after RNNC220. */
  constantArgument(index: number): number | undefined;
}

interface IntrinsicSignature {
  /** Parameter names, as in the .d.ts; their count is the arity. */
  readonly params: readonly string[];
  /** The values of the last parameters where a call leaves them out, in order. */
  readonly defaults?: readonly number[];
  /** The last parameter repeats: a call passes it once or more. */
  readonly rest?: true;
  /** Parameters from this index on are sizes (OpBuilder.sizes), not tensors. */
  readonly sizesFrom?: number;
  /** The first size is where rows start, so it may be 0. */
  readonly startFirst?: true;
}

/** An intrinsic whose call is one tensor (`lower`), or several that a `const [a, b] = …` destructures (`parts`). */
export type Intrinsic = IntrinsicSignature & (
  | { readonly lower: (b: OpBuilder, args: readonly Expr[]) => Expr | undefined; readonly parts?: undefined }
  | { readonly parts: (b: OpBuilder, args: readonly Expr[]) => Expr[] | undefined; readonly lower?: undefined }
);

const unary = (op: UnaryOp): Intrinsic => ({ params: ["x"], lower: (b, [x]) => b.apply(op, [x]) });

/** x^n for an integer n ≥ 1 by repeated squaring: about 2·log2(n) products. */
function integerPower(b: OpBuilder, x: Expr, n: number): Expr | undefined {
  let result: Expr | undefined;
  let square: Expr | undefined = x;
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result = result === undefined ? square : b.apply("mul", [result, square]);
    if (k > 1) square = b.apply("mul", [square, square]);
  }
  return result;
}

/**
 * pow(x, c) for a constant exponent: products for integer c (exact where it can be, and defined for a
 * negative base wherever Math.pow is), a square root times products for half-integers, exp(c·log x)
 * otherwise — an exp and a log, what a pow kernel would cost in wasm, which has none.
 */
function power(b: OpBuilder, x: Expr, c: number | undefined): Expr | undefined {
  if (c === undefined) return undefined;
  // Math.pow(x, 0) is 1 for every x, NaN included.
  if (c === 0) return b.literal(1, x.shape);
  if (c < 0) return b.apply("div", [b.literal(1), power(b, x, -c)]);
  if (Number.isSafeInteger(c)) return integerPower(b, x, c);
  if (Number.isSafeInteger(2 * c)) {
    const root = b.apply("sqrt", [x]);
    return c < 1 ? root : b.apply("mul", [integerPower(b, x, Math.floor(c)), root]);
  }
  return b.apply("exp", [b.apply("mul", [b.literal(c), b.apply("log", [x])])]);
}

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
  matmul: { params: ["m", "v"], lower: (b, [m, v]) => b.apply(v!.shape.length === 2 ? "matmul" : "matvec", [m, v]) },
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
  abs: unary("abs"),
  square: { params: ["x"], lower: (b, [x]) => b.apply("mul", [x, x]) },
  pow: { params: ["x", "c"], lower: (b, [x]) => power(b, x!, b.constantArgument(1)) },
  // x where x > 0, else alpha·x: the derivative at 0 is alpha, as in PyTorch.
  leakyRelu: {
    params: ["x", "alpha"], defaults: [0.01],
    lower: (b, [x, alpha]) => b.apply("select", [b.apply("step", [x]), x, b.apply("mul", [alpha, x])]),
  },
  // alpha·(e^x − 1) where x ≤ 0; min(0, x) keeps the branch not taken finite for its
  // cotangent (0 · e^x is NaN where e^x overflows) and hands x the derivative alpha at 0.
  elu: {
    params: ["x", "alpha"], defaults: [1],
    lower: (b, [x, alpha]) => {
      const negative = b.apply("mul", [alpha, b.apply("expm1", [b.apply("min", [b.literal(0), x])])]);
      return b.apply("select", [b.apply("step", [x]), x, negative]);
    },
  },
  silu: { params: ["x"], lower: (b, [x]) => b.apply("mul", [x, b.apply("sigmoid", [x])]) },
  gelu: { params: ["x"], lower: (b, [x]) => gelu(b, x!) },
  logSigmoid: { params: ["x"], lower: (b, [x]) => b.apply("neg", [b.apply("softplus", [b.apply("neg", [x])])]) },
  maxOf: { params: ["v"], lower: (b, [v]) => b.apply("maxof", [v]) },
  outer: { params: ["u", "v"], lower: (b, [u, v]) => b.apply("outer", [u, v]) },
  transpose: { params: ["m"], lower: (b, [m]) => b.apply("transpose", [m]) },
  concat: { params: ["parts"], rest: true, lower: (b, parts) => b.apply("concat", parts) },
  slice: {
    params: ["v", "start", "length"],
    sizesFrom: 1,
    startFirst: true,
    lower: (b, [v]) => b.slice(v, b.sizes[0]!, b.sizes[1]!),
  },
  split: { params: ["v", "sizes"], rest: true, sizesFrom: 1, parts: (b, [v]) => split(b, v!) },
} satisfies Record<string, Intrinsic>;

/** Consecutive slices of v, one per size; the sizes must add up to v's rows exactly. */
function split(b: OpBuilder, v: Expr): Expr[] | undefined {
  const total = b.sizes.reduce((a, n) => addSizes(a, n));
  if (v.shape.length === 0) return b.mismatch(`split cuts a vector or a matrix, got ${formatShape(v.shape)}`);
  if (total !== v.shape[0])
    return b.mismatch(`the parts add up to ${total} rows, but ${formatShape(v.shape)} has ${v.shape[0]}`);
  let start: Dim = 0;
  const parts = b.sizes.map((rows) => {
    const part = b.slice(v, start, rows);
    start = addSizes(start, rows);
    return part;
  });
  return parts.every((p) => p !== undefined) ? (parts as Expr[]) : undefined;
}

/**
 * GELU's tanh form ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) as x·σ(2√(2/π)·(x + 0.044715·x³)):
 * the same function (½(1 + tanh z) = σ(2z)), one activation fewer, and no cancellation in 1 + tanh z
 * for x ≪ 0, where σ keeps its relative accuracy.
 */
function gelu(b: OpBuilder, x: Expr): Expr | undefined {
  const cube = b.apply("mul", [b.apply("mul", [x, x]), x]);
  const inner = b.apply("add", [x, b.apply("mul", [b.literal(0.044715), cube])]);
  return b.apply("mul", [x, b.apply("sigmoid", [b.apply("mul", [b.literal(2 * Math.sqrt(2 / Math.PI)), inner])])]);
}

export type IntrinsicName = keyof typeof intrinsics;

export function isIntrinsic(name: string): name is IntrinsicName {
  return Object.hasOwn(intrinsics, name);
}

export const intrinsicNames = Object.keys(intrinsics) as IntrinsicName[];
