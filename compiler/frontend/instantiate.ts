// compiler/frontend — binds a checked cell's dimensions and builds its IR.
// In: a CellSyntax, dimension sizes (`--dims H=128`) and the graph to build
// in. Out: a CellIR — the var nodes and the next value of every state.

import { sizeOf, varArg, type Dim, type Graph, type Node, type Role, type Shape } from "../ir/index.js";
import { DiagnosticError, diagnostic, type Diagnostic } from "../diagnostics.js";
import type { CellSyntax, Expr, TensorDecl } from "./syntax.js";
import type { ParamInit } from "../../runtime/abi.js";
import { nameRecord, own } from "../names.js";
import { evaluateSize } from "../ir/size.js";

export interface CellIR {
  name: string;
  /** The dimensions the cell uses, in order of first use. */
  dims: Record<string, number>;
  /** Var nodes in declaration order. */
  inputs: Node[];
  states: Node[];
  params: Node[];
  /** The next value of each state, in state order. */
  next: { name: string; node: Node }[];
  /** Declared outputs besides the states; empty when the first state is the output. */
  outputs: { name: string; node: Node }[];
  /** Parameters whose initialisation the cell file declares. */
  inits: Map<Node, ParamInit>;
}

export function instantiateCell(cell: CellSyntax, dims: Record<string, number>, graph: Graph): CellIR {
  const bound = bindDims(cell, dims);
  const concrete = (shape: Shape<Dim>): number[] => shape.map((d) => evaluateSize(d, bound));
  const vars = (decls: TensorDecl[], role: Role, batched: boolean) =>
    decls.map((d) => graph.variable(d.name, role, concrete(d.shape), batched));
  const inputs = vars(cell.inputs, "input", true);
  const states = vars(cell.states, "state", true);
  const params = vars(cell.params, "param", false);
  const byName = new Map([...inputs, ...states, ...params].map((node) => [varArg(node).name, node]));

  // Sub-trees are shared by every use of a const; build each once.
  const built = new Map<Expr, Node>();
  const build = (expr: Expr): Node => {
    const done = built.get(expr);
    if (done) return done;
    const origin = `${expr.at.file}:${expr.at.line}:${expr.at.column}`;
    let node: Node;
    switch (expr.kind) {
      case "literal":
        node = graph.constant(expr.value, concrete(expr.shape));
        break;
      case "inverseSize":
        node = graph.constant(1 / sizeOf(concrete(expr.of)));
        break;
      case "tensor":
        node = byName.get(expr.name)!;
        break;
      case "apply":
        node = expr.slice
          ? graph.slice(
              build(expr.args[0]!),
              evaluateSize(expr.slice.start, bound),
              evaluateSize(expr.slice.rows, bound),
              origin,
            )
          : graph.apply(expr.op, expr.args.map(build), origin);
        break;
    }
    built.set(expr, node);
    return node;
  };
  const next = cell.next.map(({ name, expr }) => ({ name, node: build(expr) }));
  const outputs = cell.outs.map(({ name, expr }) => ({ name, node: build(expr) }));
  const inits = new Map(cell.params.flatMap((d, i) => (d.init ? [[params[i]!, d.init] as const] : [])));
  return { name: cell.name, dims: bound, inputs, states, params, next, outputs, inits };
}

/** The sizes of the dims the cell uses; RNNC104 for each one not given. */
function bindDims(cell: CellSyntax, dims: Record<string, number>): Record<string, number> {
  const bound = nameRecord<number>();
  const problems: Diagnostic[] = [];
  for (const { dim, at } of cell.dimSites) {
    const size = own(dims, dim);
    if (size === undefined) {
      problems.push(diagnostic("RNNC104", [dim], at));
    } else if (!Number.isInteger(size) || size <= 0) {
      // compileCell and checkCell refuse such --dims before any cell is read (compiler/options.ts).
      throw new Error(`frontend: dimension '${dim}' of cell '${cell.name}' is bound to ${size}`);
    } else {
      bound[dim] = size;
    }
  }
  if (problems.length > 0) throw new DiagnosticError(problems);
  return bound;
}
