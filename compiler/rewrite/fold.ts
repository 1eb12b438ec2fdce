// compiler/rewrite — constant folding: an op whose operands are all constants
// becomes a constant. Constants here are uniform tensors (every element the
// same value), so folding is a scalar computation plus the node's shape.

import { constValue, scalarSemantics, sizeOf, type Graph, type Node, type Op } from "../ir/index.js";
import type { LocalRule } from "./rebuild.js";

type Folder = (values: number[], node: Node) => number | undefined;

const elementwise = (op: keyof typeof scalarSemantics): Folder => (values) =>
  (scalarSemantics[op] as (...xs: number[]) => number)(...values);

/**
 * x added n times from 0, in the interpreter's order. n·x rounds differently
 * for n ≥ 6 (1.5·0.1 summed 12 times is 1.7999999999999998, times 12 it is
 * 1.8000000000000003), and folding must not change a value.
 */
function repeatedSum(x: number, n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += x;
  return acc;
}

/** Uniform-constant semantics of each op; undefined where folding needs the batch size. */
const folders = {
  const: () => undefined,
  var: () => undefined,
  neg: elementwise("neg"), exp: elementwise("exp"), log: elementwise("log"), tanh: elementwise("tanh"),
  sigmoid: elementwise("sigmoid"), relu: elementwise("relu"), softplus: elementwise("softplus"),
  sqrt: elementwise("sqrt"), step: elementwise("step"),
  abs: elementwise("abs"),
  expm1: elementwise("expm1"),
  add: elementwise("add"), sub: elementwise("sub"), mul: elementwise("mul"), div: elementwise("div"),
  max: elementwise("max"), min: elementwise("min"), select: elementwise("select"),
  matvec: ([w, v], node) => repeatedSum(w! * v!, node.inputs[1]!.shape[0]!),
  outer: ([a, b]) => a! * b!,
  matmul: ([a, b], node) => repeatedSum(a! * b!, node.inputs[0]!.shape[1]!),
  transpose: ([x]) => x,
  sum: ([x], node) => repeatedSum(x!, sizeOf(node.inputs[0]!.shape)),
  // The interpreter's stable form on n equal values: x + log(n · e^(x − x)), NaN for x = ±∞.
  logsumexp: ([x], node) => x! + Math.log(repeatedSum(Math.exp(x! - x!), sizeOf(node.inputs[0]!.shape))),
  maxof: ([x]) => x,
  onehot: () => undefined,
  // Uniform constants stay uniform when they are all one value.
  concat: (values) => (values.every((v) => Object.is(v, values[0])) ? values[0] : undefined),
  slice: ([x]) => x,
  gathersum: () => undefined,
  scatterrows: () => undefined,
  batchsum: () => undefined,
} satisfies Record<Op, Folder>;

export const foldConstants: LocalRule = (node, inputs, g: Graph) => {
  if (inputs.length === 0) return undefined;
  const values = inputs.map(constValue);
  if (values.some((v) => v === undefined)) return undefined;
  const folded = folders[node.op](values as number[], node);
  return folded === undefined ? undefined : g.constant(folded, node.shape, node.batched);
};
