// compiler/rewrite — algebraic identities: x+0, x*1, x*0, 0/x, -(-x), select
// with equal branches, products with a zero operand, transpose of transpose
// and of an outer product.
// Mostly they clean up what reverse mode produces (zero cotangents of masked
// branches, seeds of one). A replacement is used only where it keeps the
// node's shape and batching, so no consumer's shape rule can change.

import { constValue, sameShape, type Graph, type Node } from "../ir/index.js";
import type { LocalRule } from "./rebuild.js";

const is = (node: Node, value: number) => constValue(node) === value;

function zeroLike(node: Node, g: Graph): Node {
  return g.constant(0, node.shape, node.batched);
}

function candidates(node: Node, inputs: readonly Node[], g: Graph): (Node | undefined)[] {
  const [a, b, c] = inputs as [Node, Node, Node];
  switch (node.op) {
    case "add":
      return [is(b, 0) ? a : undefined, is(a, 0) ? b : undefined];
    case "sub":
      return [is(b, 0) ? a : undefined, is(a, 0) ? g.apply("neg", [b], node.origin) : undefined];
    case "mul":
      return [
        is(b, 1) ? a : undefined,
        is(a, 1) ? b : undefined,
        is(a, 0) || is(b, 0) ? zeroLike(node, g) : undefined,
        is(a, -1) ? g.apply("neg", [b], node.origin) : undefined,
        is(b, -1) ? g.apply("neg", [a], node.origin) : undefined,
      ];
    case "div":
      return [is(b, 1) ? a : undefined, is(a, 0) ? zeroLike(node, g) : undefined];
    case "neg":
      return [a.op === "neg" ? a.inputs[0] : undefined];
    case "select":
      return [
        b === c ? b : undefined,
        is(a, 0) ? c : undefined,
        constValue(a) !== undefined && !is(a, 0) ? b : undefined,
      ];
    case "matvec":
    case "matmul":
    case "outer":
      return [is(a, 0) || is(b, 0) ? zeroLike(node, g) : undefined];
    // Only the rows are values: id 0 names row 0, it is no zero operand.
    case "gathersum":
    case "scatterrows":
      return [is(a, 0) ? zeroLike(node, g) : undefined];
    // (u vᵀ)ᵀ = v uᵀ
    case "transpose":
      return [
        is(a, 0) ? zeroLike(node, g) : undefined,
        a.op === "transpose" ? a.inputs[0] : undefined,
        a.op === "outer" ? g.apply("outer", [a.inputs[1]!, a.inputs[0]!], node.origin) : undefined,
      ];
    case "sum":
    case "batchsum":
      return [is(a, 0) ? zeroLike(node, g) : undefined];
    default:
      return [];
  }
}

export const simplifyAlgebra: LocalRule = (node, inputs, g) =>
  candidates(node, inputs, g).find(
    (r) => r !== undefined && sameShape(r.shape, node.shape) && r.batched === node.batched,
  );
