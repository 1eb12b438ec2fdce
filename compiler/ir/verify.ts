// compiler/ir — the verifier: rechecks every node of a function against its
// op's arity, shape rule and batching rule. Run after every pass in tests and
// in `--verify` builds; a failure is a compiler bug and names the pass.

import { allOps, arity, isBatched, opInfo, takesOperands } from "./ops.js";
import { IRError, topoOrder, type Fn, type Node, type VarArg } from "./node.js";
import { inferShape, sameShape, ShapeError, formatShape, type SliceArg } from "./shape.js";
import { printNode } from "./print.js";

export function verifyProblems(fn: Fn): string[] {
  const problems: string[] = [];
  const vars = new Map<string, Node>();
  const names = new Set<string>();
  for (const { name } of fn.outputs) {
    if (names.has(name)) problems.push(`output ${name} appears twice`);
    names.add(name);
  }
  for (const node of topoOrder(fn.outputs.map((o) => o.node))) {
    const bad = (why: string) => problems.push(`${why}: ${printNode(node)}`);
    if (!allOps.includes(node.op)) {
      bad(`unknown op ${node.op}`);
      continue;
    }
    if (!takesOperands(node.op, node.inputs.length)) bad(`${node.op} takes ${arity[node.op]} operands`);
    if (node.shape.some((d) => !Number.isInteger(d) || d < 1)) bad(`bad shape ${formatShape(node.shape)}`);
    if (node.op === "const") {
      if (typeof node.arg !== "number") bad("const without a number");
      continue;
    }
    if (node.op === "var") {
      const v = node.arg as VarArg | undefined;
      if (!v || typeof v.name !== "string") {
        bad("var without a name");
        continue;
      }
      const key = `${v.role}:${v.name}`;
      const other = vars.get(key);
      if (other && (!sameShape(other.shape, node.shape) || other.batched !== node.batched))
        bad(`var ${key} declared twice differently`);
      vars.set(key, node);
      continue;
    }
    const shape = inferShape(
      node.op,
      node.inputs.map((n) => n.shape),
      node.op === "slice" ? (node.arg as SliceArg) : undefined,
    );
    if (shape instanceof ShapeError) bad(shape.message);
    else if (!sameShape(shape, node.shape))
      bad(`shape ${formatShape(node.shape)} but its rule gives ${formatShape(shape)}`);
    const batched = isBatched(node.op, node.inputs);
    if (batched !== node.batched) bad(`batched is ${node.batched}, its operands say ${batched}`);
    if (opInfo[node.op].batching === "reduces" && !node.inputs[0]!.batched) bad(`${node.op} of an unbatched value`);
  }
  return problems;
}

/** Throws an IRError naming `pass` when `fn` is malformed. */
export function verify(fn: Fn, pass = "input"): void {
  const problems = verifyProblems(fn);
  if (problems.length > 0) throw new IRError(`IR invalid after ${pass}:\n  ${problems.join("\n  ")}`);
}
