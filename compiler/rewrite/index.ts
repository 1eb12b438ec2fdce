// compiler/rewrite — public surface: the rewrite passes, each a whole-function
// transform Fn → Fn.

import type { Fn, Output } from "../ir/index.js";
import { foldConstants } from "./fold.js";
import { rebuild, type LocalRule } from "./rebuild.js";
import { simplifyAlgebra } from "./simplify.js";
import { simplifyRows } from "./rows.js";

export { rebuild, substitute, type LocalRule } from "./rebuild.js";
export { foldConstants } from "./fold.js";
export { simplifyAlgebra } from "./simplify.js";

/** Fold and simplify to a fixed point (each round also drops dead code and merges duplicates). */
export function simplify<O extends Output>(fn: Fn<O>): Fn<O> {
  const rows = simplifyRows((node, inputs, g) => rule(node, inputs, g));
  const rule: LocalRule = (node, inputs, g) =>
    foldConstants(node, inputs, g) ?? simplifyAlgebra(node, inputs, g) ?? rows(node, inputs, g);
  let current = rebuild(fn, rule);
  for (let round = 0; round < 8; round++) {
    const next = rebuild(current, rule);
    if (countNodes(next) === countNodes(current)) return next;
    current = next;
  }
  return current;
}

function countNodes(fn: Fn): number {
  const seen = new Set<number>();
  const stack = fn.outputs.map((o) => o.node);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    stack.push(...n.inputs);
  }
  return seen.size;
}
