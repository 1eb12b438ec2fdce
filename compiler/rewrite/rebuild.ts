// compiler/rewrite — the one traversal every rewrite pass uses: copy a
// function into a fresh graph, bottom-up, offering each node (with its operands
// already rewritten) to a local rule. Only nodes reachable from the outputs
// are copied (dead code elimination), and the fresh graph interns every node
// it makes (common-subexpression elimination).

import { Graph, topoOrder, type Fn, type Node, type Output } from "../ir/index.js";

/**
 * A local rewrite: given the original node and its rewritten operands, return a
 * replacement built in `g`, or undefined to keep the node. A replacement must
 * have the node's shape and batching.
 */
export type LocalRule = (node: Node, inputs: readonly Node[], g: Graph) => Node | undefined;

export function rebuild<O extends Output>(fn: Fn<O>, rule: LocalRule = () => undefined): Fn<O> {
  const g = new Graph();
  const map = new Map<Node, Node>();
  for (const node of topoOrder(fn.outputs.map((o) => o.node))) {
    const inputs = node.inputs.map((n) => map.get(n)!);
    const replaced = rule(node, inputs, g);
    map.set(node, replaced ?? g.copy(node, inputs));
  }
  return { graph: g, outputs: fn.outputs.map((o) => ({ ...o, node: map.get(o.node)! })) };
}

/** Rebuild `roots` inside `g`, replacing the nodes in `substitute`; shares g's interning. */
export function substitute(roots: readonly Node[], substitute: ReadonlyMap<Node, Node>, g: Graph): Node[] {
  const map = new Map<Node, Node>();
  for (const node of topoOrder(roots)) {
    map.set(node, substitute.get(node) ?? g.copy(node, node.inputs.map((n) => map.get(n)!)));
  }
  return roots.map((r) => map.get(r)!);
}
