// compiler/ad — vector-Jacobian rules, one line per primitive. A rule gets the
// node, the cotangent g of its result, and the graph to build in; it returns
// one cotangent per operand (null where the operand gets none). Cotangents
// have the node's shape: summing away broadcast dimensions (scalars, batch)
// and accumulation happen once, in the sweep, never here.

import { sliceArg, type Graph, type Node, type Op } from "../ir/index.js";

export type VjpRule = (node: Node, g: Node, b: Graph) => readonly (Node | null)[];

const one = (b: Graph) => b.constant(1);
const none: VjpRule = () => [];

export const vjpRules = {
  const: none,
  var: none,
  neg: (_, g, b) => [b.apply("neg", [g])],
  exp: (y, g, b) => [b.apply("mul", [g, y])],
  log: (y, g, b) => [b.apply("div", [g, y.inputs[0]!])],
  tanh: (y, g, b) => [b.apply("mul", [g, b.apply("sub", [one(b), b.apply("mul", [y, y])])])],
  sigmoid: (y, g, b) => [b.apply("mul", [g, b.apply("mul", [y, b.apply("sub", [one(b), y])])])],
  relu: (y, g, b) => [b.apply("mul", [g, b.apply("step", [y.inputs[0]!])])],
  softplus: (y, g, b) => [b.apply("mul", [g, b.apply("sigmoid", [y.inputs[0]!])])],
  sqrt: (y, g, b) => [b.apply("div", [b.apply("mul", [b.constant(0.5), g]), y])],
  step: () => [null],
  expm1: (y, g, b) => [b.apply("mul", [g, b.apply("add", [y, one(b)])])],
  // sign(x), 0 at 0 (PyTorch's and JAX's convention).
  abs: (y, g, b) => {
    const x = y.inputs[0]!;
    return [b.apply("mul", [g, b.apply("sub", [b.apply("step", [x]), b.apply("step", [b.apply("neg", [x])])])])];
  },
  add: (_, g) => [g, g],
  sub: (_, g, b) => [g, b.apply("neg", [g])],
  mul: (y, g, b) => [b.apply("mul", [g, y.inputs[1]!]), b.apply("mul", [g, y.inputs[0]!])],
  div: (y, g, b) => {
    const ga = b.apply("div", [g, y.inputs[1]!]);
    return [ga, b.apply("neg", [b.apply("mul", [ga, y])])];
  },
  // max(a, b) is a where a > b, else b; min(a, b) is a where a < b, else b.
  max: (y, g, b) => {
    const takeA = b.apply("step", [b.apply("sub", [y.inputs[0]!, y.inputs[1]!])]);
    return [b.apply("select", [takeA, g, zero(b)]), b.apply("select", [takeA, zero(b), g])];
  },
  min: (y, g, b) => {
    const takeA = b.apply("step", [b.apply("sub", [y.inputs[1]!, y.inputs[0]!])]);
    return [b.apply("select", [takeA, g, zero(b)]), b.apply("select", [takeA, zero(b), g])];
  },
  onehot: () => [null, null],
  // Each operand's cotangent is its rows of g; a slice's is g placed among zero rows.
  concat: (y, g, b) => {
    let start = 0;
    return y.inputs.map((part) => {
      const rows = part.shape[0]!;
      start += rows;
      return b.slice(g, start - rows, rows);
    });
  },
  slice: (y, g, b) => {
    const x = y.inputs[0]!;
    const { start, rows } = sliceArg(y);
    const zeros = (n: number) => (n === 0 ? [] : [b.constant(0, [n, ...x.shape.slice(1)])]);
    return [b.apply("concat", [...zeros(start), g, ...zeros(x.shape[0]! - start - rows)])];
  },
  logsumexp: (y, g, b) => [b.apply("mul", [g, b.apply("exp", [b.apply("sub", [y.inputs[0]!, y])])])],
  select: (y, g, b) => [
    null,
    b.apply("select", [y.inputs[0]!, g, zero(b)]),
    b.apply("select", [y.inputs[0]!, zero(b), g]),
  ],
  matvec: (y, g, b) => [
    b.apply("outer", [g, y.inputs[1]!]),
    b.apply("matvec", [b.apply("transpose", [y.inputs[0]!]), g]),
  ],
  matmul: (y, g, b) => [
    b.apply("matmul", [g, b.apply("transpose", [y.inputs[1]!])]),
    b.apply("matmul", [b.apply("transpose", [y.inputs[0]!]), g]),
  ],
  outer: (y, g, b) => [
    b.apply("matvec", [g, y.inputs[1]!]),
    b.apply("matvec", [b.apply("transpose", [g]), y.inputs[0]!]),
  ],
  transpose: (_, g, b) => [b.apply("transpose", [g])],
  // Ids are integers: no cotangent. The table's cotangent touches only the rows used.
  gathersum: (y, g, b) => [b.apply("scatterrows", [g, y.inputs[1]!, y.inputs[0]!]), null],
  scatterrows: (y, g, b) => [b.apply("gathersum", [g, y.inputs[1]!]), null, null],
  sum: (_, g) => [g],
  batchsum: (_, g) => [g],
  // The elements equal to the largest share its cotangent equally (JAX's convention): g · [x = y] / #[x = y].
  maxof: (y, g, b) => {
    const ties = b.apply("sub", [one(b), b.apply("step", [b.apply("sub", [y, y.inputs[0]!])])]);
    return [b.apply("mul", [b.apply("div", [g, b.apply("sum", [ties])]), ties])];
  },
} satisfies Record<Op, VjpRule>;

function zero(b: Graph): Node {
  return b.constant(0);
}
