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
  // linear algebra
  matvec: "[M,N] · [N] → [M]",
  outer: "[M] ⊗ [N] → [M,N]",
  transpose: "[M,N] → [N,M]",
  // sparse rows: embeddings without one-hot vectors
  gathersum: "gathersum(table [V,E], ids [K]) → [E]: the sum of the rows ids[k] (integers); ids outside [0, V) add nothing",
  scatterrows: "scatterrows(g [E], ids [K], like [V,E]) → [V,E]: g added to each row ids[k]; the adjoint of gathersum",
  // reductions
  sum: "sum of all elements → rank 0 (per batch element)",
  logsumexp: "log Σ exp(x) over all elements → rank 0, computed stably (max subtracted first)",
  batchsum: "sum over the batch → an unbatched tensor of the same shape",
} as const;

export type Op = keyof typeof opDocs;
export const allOps = Object.keys(opDocs) as Op[];

export const unaryOps = ["neg", "exp", "log", "tanh", "sigmoid", "relu", "softplus", "sqrt", "step"] as const;
export const binaryOps = ["add", "sub", "mul", "div", "max", "min"] as const;
export type UnaryOp = (typeof unaryOps)[number];
export type BinaryOp = (typeof binaryOps)[number];

/** Elementwise ops: each output element depends only on the same element of its operands. */
export const elementwiseOps: ReadonlySet<Op> = new Set<Op>([...unaryOps, ...binaryOps, "select", "onehot"]);

export function isElementwise(op: Op): boolean {
  return elementwiseOps.has(op);
}

/** Number of operands each op takes. */
export const arity = {
  const: 0, var: 0,
  neg: 1, exp: 1, log: 1, tanh: 1, sigmoid: 1, relu: 1, softplus: 1, sqrt: 1, step: 1,
  add: 2, sub: 2, mul: 2, div: 2, max: 2, min: 2,
  select: 3,
  onehot: 2,
  matvec: 2, outer: 2, transpose: 1,
  gathersum: 2, scatterrows: 3,
  sum: 1, logsumexp: 1, batchsum: 1,
} as const satisfies Record<Op, number>;
