// compiler/ir — the printer: one SSA line per node, the text that
// `rnnc compile --dump-after PASS` shows and that internal errors quote.

import { topoOrder, type Fn, type Node, type VarArg } from "./node.js";
import { formatShape, type SliceArg } from "./shape.js";

/** A node's shape and whether it has one copy per batch element: "[4] per-batch". */
export function nodeType(node: Node): string {
  return `${formatShape(node.shape)}${node.batched ? " per-batch" : ""}`;
}

export function printNode(node: Node): string {
  let rhs: string;
  if (node.op === "const") rhs = `const ${node.arg as number}`;
  else if (node.op === "var") {
    const v = node.arg as VarArg | undefined; // the verifier prints malformed vars too
    rhs = v ? `${v.role} ${v.name}` : "var ?";
  } else rhs = `${node.op} ${node.inputs.map((n) => `%${n.id}`).join(", ")}`;
  if (node.op === "slice") rhs += ` rows ${(node.arg as SliceArg).start} +${(node.arg as SliceArg).rows}`;
  const origin = node.origin ? `  ; ${node.origin}` : "";
  return `%${node.id} = ${rhs} : ${nodeType(node)}${origin}`;
}

export function printFn(fn: Fn, title = "fn"): string {
  const lines = [`${title} {`];
  for (const node of topoOrder(fn.outputs.map((o) => o.node))) lines.push(`  ${printNode(node)}`);
  for (const { name, node } of fn.outputs) lines.push(`  ${name} <- %${node.id}`);
  lines.push("}");
  return lines.join("\n");
}
