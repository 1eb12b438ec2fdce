// compiler/ad — the reverse sweep. In: output nodes with their seed
// cotangents, and the nodes to differentiate with respect to. Out: the
// cotangent of each of those, as new nodes in the same graph (sharing the
// primal nodes). Walks the graph once in reverse topological order, applies
// vjpRules, fits each cotangent to its operand (un-broadcasting over scalars
// and the batch, broadcasting a scalar back up) and accumulates by addition.

import { IRError, topoOrder, type Graph, type Node } from "../ir/index.js";
import { vjpRules } from "./rules.js";

export interface Seed {
  readonly node: Node;
  readonly cotangent: Node;
}

/** Make `ct` (a cotangent computed in a user's shape) a cotangent of `operand`. */
function fit(ct: Node, operand: Node, g: Graph): Node {
  let fitted = ct;
  if (fitted.shape.length > 0 && operand.shape.length === 0) fitted = g.apply("sum", [fitted]);
  if (fitted.batched && !operand.batched) fitted = g.apply("batchsum", [fitted]);
  if (fitted.shape.length === 0 && operand.shape.length > 0)
    fitted = g.apply("add", [fitted, g.constant(0, operand.shape)]);
  // An unbatched cotangent of a per-batch node stands for one copy per batch entry. Make the
  // copies explicit, or an unbatched operand further up would get one copy instead of their sum.
  if (!fitted.batched && operand.batched) fitted = g.apply("add", [fitted, g.constant(0, [], true)]);
  if (fitted.shape.length !== operand.shape.length) {
    throw new IRError(
      `cotangent of rank ${ct.shape.length} for operand %${operand.id} of rank ${operand.shape.length}`,
    );
  }
  return fitted;
}

export function vjp(graph: Graph, seeds: readonly Seed[], wrt: readonly Node[]): Node[] {
  const order = topoOrder(seeds.map((s) => s.node));
  // Only nodes that depend on something in `wrt` need a cotangent.
  const wrtSet = new Set(wrt);
  const active = new Set<Node>();
  for (const node of order) {
    if (wrtSet.has(node) || node.inputs.some((n) => active.has(n))) active.add(node);
  }
  const adjoint = new Map<Node, Node>();
  const accumulate = (node: Node, ct: Node) => {
    const fitted = fit(ct, node, graph);
    const prev = adjoint.get(node);
    adjoint.set(node, prev ? graph.apply("add", [prev, fitted]) : fitted);
  };
  for (const seed of seeds) if (active.has(seed.node)) accumulate(seed.node, seed.cotangent);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    const g = adjoint.get(node);
    if (!g || node.inputs.length === 0) continue;
    const cts = vjpRules[node.op](node, g, graph);
    node.inputs.forEach((input, k) => {
      const ct = cts[k];
      if (ct && active.has(input)) accumulate(input, ct);
    });
  }
  return wrt.map((node) => adjoint.get(node) ?? graph.constant(0, node.shape, node.batched));
}
