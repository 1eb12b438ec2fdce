// compiler/ir — the closed op set of rnnc's IR. Every later stage (shape
// rules, gradient rules, interpreter, lowering) keeps one table keyed by Op,
// typed `satisfies Record<Op, …>`, so a new op that misses a rule does not
// compile. Sugar (matrix-vector `*`, `1 - z`) is broken down by the frontend.

export const opDocs = {
  // leaves
  const: "a tensor whose every element is arg.value (scalars broadcast)",
  var: "a named input of the graph: param, input, state, target, mask, seed, tape",
  // elementwise, one operand
  neg: "-x",
  exp: "e^x",
  log: "natural logarithm",
  tanh: "hyperbolic tangent",
  sigmoid: "1 / (1 + e^-x)",
  relu: "max(x, 0)",
  softplus: "log(1 + e^x), computed stably",
  sqrt: "square root",
  step: "1 where x > 0, else 0 (the derivative of relu; its own derivative is 0)",
  abs: "|x| (its derivative at 0 is 0)",
  expm1: "e^x − 1, accurate for x near 0",
  // elementwise, two operands; a rank-0 operand broadcasts over the other
  add: "a + b",
  sub: "a - b",
  mul: "a * b (elementwise)",
  div: "a / b",
  max: "the larger of a and b (b where they are equal)",
  min: "the smaller of a and b (b where they are equal)",
  // elementwise, three operands
  select: "where cond != 0 take a, else b; never multiplies, so NaN in the other branch does not leak",
  // elementwise over the element index
  onehot: "onehot(i, like): 1 at element i (a scalar holding an integer), 0 elsewhere, in the shape of like",
  // rows: the matrix forms work on whole rows, the vector forms on elements
  concat: "concat(a, b, …): the operands' rows one after another (equal trailing shape) → [Σ rows, …]",
  slice:
    "slice(x) with arg { start, rows }: rows start … start + rows − 1 of x; " +
    "read in place (a view) where it can be",
  // linear algebra
  matvec: "[M,N] · [N] → [M]",
  outer: "[M] ⊗ [N] → [M,N]",
  matmul: "[M,K] · [K,N] → [M,N]",
  transpose: "[M,N] → [N,M]",
  // sparse rows: embeddings without one-hot vectors
  gathersum:
    "gathersum(table [V,E], ids [K]) → [E]: the sum of the rows ids[k] (integers); " +
    "ids outside [0, V) add nothing",
  scatterrows:
    "scatterrows(g [E], ids [K], like [V,E]) → [V,E]: g added to each row ids[k]; " +
    "the adjoint of gathersum",
  // reductions
  sum: "sum of all elements → rank 0 (per batch element)",
  logsumexp: "log Σ exp(x) over all elements → rank 0, computed stably (max subtracted first)",
  maxof: "the largest element → rank 0 (per batch element), as Math.max: NaN if any element is, +0 above −0",
  batchsum: "sum over the batch → an unbatched tensor of the same shape",
} as const;

export type Op = keyof typeof opDocs;
export const allOps = Object.keys(opDocs) as Op[];

/**
 * What each op is, for every pass that must know: how many operands it takes;
 * its class (elementwise ops each compute an element from the same element of
 * their operands, and fuse into one loop); whether its result is per batch
 * element ("any": if an operand is; "reduces": never, it sums the batch); and
 * whether the tape recomputes it in the backward step from its operands
 * instead of storing it (a sum over the batch, an outer product or a scatter
 * of one step is parameter-sized: taped per step it would cost a copy of the
 * weights per step, recomputed it is one product over all steps).
 */
export interface OpInfo {
  /** The number of operands, or "variadic": one or more. */
  readonly arity: number | "variadic";
  readonly class: "leaf" | "elementwise" | "index" | "view" | "rows" | "product" | "sparse" | "reduction";
  readonly batching: "any" | "reduces";
  readonly recompute: boolean;
}

const leaf = { arity: 0, class: "leaf", batching: "any", recompute: false } as const;
const unary = { arity: 1, class: "elementwise", batching: "any", recompute: false } as const;
const binary = { arity: 2, class: "elementwise", batching: "any", recompute: false } as const;

export const opInfo = {
  const: leaf, var: leaf,
  neg: unary, exp: unary, log: unary, tanh: unary, sigmoid: unary,
  relu: unary, softplus: unary, sqrt: unary, step: unary,
  abs: unary,
  expm1: unary,
  add: binary, sub: binary, mul: binary, div: binary, max: binary, min: binary,
  select: { arity: 3, class: "elementwise", batching: "any", recompute: false },
  onehot: { arity: 2, class: "index", batching: "any", recompute: false },
  concat: { arity: "variadic", class: "rows", batching: "any", recompute: false },
  slice: { arity: 1, class: "view", batching: "any", recompute: true },
  matvec: { arity: 2, class: "product", batching: "any", recompute: false },
  outer: { arity: 2, class: "product", batching: "any", recompute: true },
  matmul: { arity: 2, class: "product", batching: "any", recompute: false },
  transpose: { arity: 1, class: "product", batching: "any", recompute: false },
  gathersum: { arity: 2, class: "sparse", batching: "any", recompute: false },
  scatterrows: { arity: 3, class: "sparse", batching: "any", recompute: true },
  sum: { arity: 1, class: "reduction", batching: "any", recompute: false },
  logsumexp: { arity: 1, class: "reduction", batching: "any", recompute: false },
  maxof: { arity: 1, class: "reduction", batching: "any", recompute: false },
  batchsum: { arity: 1, class: "reduction", batching: "reduces", recompute: true },
} as const satisfies Record<Op, OpInfo>;

type OpsWhere<Info> = { [K in Op]: (typeof opInfo)[K] extends Info ? K : never }[Op];
export type UnaryOp = OpsWhere<{ class: "elementwise"; arity: 1 }>;
export type BinaryOp = OpsWhere<{ class: "elementwise"; arity: 2 }>;
export const unaryOps = allOps.filter(
  (op): op is UnaryOp => opInfo[op].class === "elementwise" && opInfo[op].arity === 1,
);
export const binaryOps = allOps.filter(
  (op): op is BinaryOp => opInfo[op].class === "elementwise" && opInfo[op].arity === 2,
);

/** Number of operands each op takes ("variadic": one or more). */
export const arity = Object.fromEntries(allOps.map((op) => [op, opInfo[op].arity])) as {
  readonly [K in Op]: (typeof opInfo)[K]["arity"]
};

/** Whether a node of `op` may have `count` operands. */
export function takesOperands(op: Op, count: number): boolean {
  const n = opInfo[op].arity;
  return n === "variadic" ? count >= 1 : count === n;
}

/**
 * Ops that each compute an element of their result from elements of their
 * operands alone (onehot from its index and the element's position, a slice
 * from the element as many places on), so that a chain of them fuses into one loop.
 */
export function isElementwise(op: Op): boolean {
  const c = opInfo[op].class;
  return c === "elementwise" || c === "index" || c === "view";
}

/** Whether a node of `op` over these operands holds one value per batch element. */
export function isBatched(op: Op, inputs: readonly { readonly batched: boolean }[]): boolean {
  return opInfo[op].batching === "reduces" ? false : inputs.some((n) => n.batched);
}
