// compiler/ir — the one node type and the builder that makes every node.
// Nodes are immutable and hash-consed: building the same op on the same
// operands twice returns the same node, which is common-subexpression
// elimination for free. A node knows its shape and whether it varies over the
// batch (inputs and states do, parameters and constants do not).

import { arity, isBatched, opInfo, takesOperands, type Op } from "./ops.js";
import { inferShape, ShapeError, formatShape, sameShape, type Shape, type SliceArg } from "./shape.js";

/** Where a graph input comes from. */
export type Role = "param" | "input" | "state" | "target" | "mask" | "seed" | "tape";

export interface VarArg {
  readonly name: string;
  readonly role: Role;
  /** A seed's: the output of the forward step whose cotangent it is (a state's next value, or an output). */
  readonly seeds?: { readonly kind: "next" | "output"; readonly name: string };
  /** A mask's: whether it marks every valid step or each sequence's last one. */
  readonly marks?: "valid" | "last";
}

export interface Node {
  readonly id: number;
  readonly op: Op;
  readonly inputs: readonly Node[];
  readonly shape: Shape;
  /** True when the value has one copy per batch element. */
  readonly batched: boolean;
  /** const: the value of every element; var: its name and role; slice: its rows. */
  readonly arg: number | VarArg | SliceArg | undefined;
  /** file:line:col of the source that made it, for internal errors and dumps. */
  readonly origin: string | undefined;
}

export interface Output {
  readonly name: string;
  readonly node: Node;
}

/**
 * A graph function: named results, whose inputs are the vars they reach, and
 * the graph that interns its nodes. Outputs may carry more than a name (a step
 * function's say what each is for, time/scan.ts); rewrites keep it.
 */
export interface Fn<O extends Output = Output> {
  readonly graph: Graph;
  readonly outputs: readonly O[];
}

/** A compiler bug: an op applied to operands it cannot take. */
export class IRError extends Error {}

export function varArg(node: Node): VarArg {
  if (node.op !== "var") throw new IRError(`node %${node.id} is ${node.op}, not var`);
  return node.arg as VarArg;
}

export function sliceArg(node: Node): SliceArg {
  if (node.op !== "slice") throw new IRError(`node %${node.id} is ${node.op}, not slice`);
  return node.arg as SliceArg;
}

export function constValue(node: Node): number | undefined {
  return node.op === "const" ? (node.arg as number) : undefined;
}

export class Graph {
  private readonly interned = new Map<string, Node>();
  private nextId = 0;

  /** A constant tensor; `batched` marks a constant that stands for a per-batch value (a rewritten one). */
  constant(value: number, shape: Shape = [], batched = false): Node {
    return this.make("const", [], shape, batched, value, undefined);
  }

  /** A var; `detail` says what a seed or a mask stands for (its name is only a label). */
  variable(name: string, role: Role, shape: Shape, batched: boolean, detail?: Pick<VarArg, "seeds" | "marks">): Node {
    return this.make("var", [], shape, batched, { name, role, ...detail }, undefined);
  }

  apply(op: Op, inputs: readonly Node[], origin?: string, arg?: SliceArg): Node {
    if (op === "const" || op === "var") throw new IRError(`${op} nodes are made by constant() and variable()`);
    if (!takesOperands(op, inputs.length)) throw new IRError(`${op} takes ${arity[op]} operands, got ${inputs.length}`);
    if ((op === "slice") !== (arg !== undefined))
      throw new IRError(`${op} ${op === "slice" ? "needs" : "takes no"} rows`);
    const shape = inferShape(op, inputs.map((n) => n.shape), arg);
    if (shape instanceof ShapeError) {
      throw new IRError(
        `${op}(${inputs.map((n) => `%${n.id}: ${formatShape(n.shape)}`).join(", ")}): ${shape.message}`,
      );
    }
    const batched = isBatched(op, inputs);
    if (opInfo[op].batching === "reduces" && !inputs[0]!.batched)
      throw new IRError(`${op} of unbatched %${inputs[0]!.id}`);
    return this.make(op, inputs, shape, batched, arg, origin);
  }

  /** Rows start … start + rows − 1 of x. */
  slice(x: Node, start: number, rows: number, origin?: string): Node {
    return this.apply("slice", [x], origin, { start, rows });
  }

  /** Rebuild `node` here with new operands (same op, shape rules rechecked). */
  copy(node: Node, inputs: readonly Node[]): Node {
    if (node.op === "const") return this.constant(node.arg as number, node.shape, node.batched);
    if (node.op === "var") {
      const v = node.arg as VarArg;
      return this.variable(v.name, v.role, node.shape, node.batched, v);
    }
    return this.apply(node.op, inputs, node.origin, node.op === "slice" ? sliceArg(node) : undefined);
  }

  private make(
    op: Op,
    inputs: readonly Node[],
    shape: Shape,
    batched: boolean,
    arg: Node["arg"],
    origin: string | undefined,
  ): Node {
    const argKey =
      typeof arg === "number"
        ? numberKey(arg)
        : !arg
          ? ""
          : "rows" in arg
            ? `${arg.start}+${arg.rows}`
            : `${arg.role}:${arg.name}`;
    // A var is keyed by role and name alone, so a second declaration with another type is caught here.
    const key =
      op === "var"
        ? `var|${argKey}`
        : `${op}|${argKey}|${shape.join("x")}|${batched ? "b" : ""}|${inputs.map((n) => n.id).join(",")}`;
    const found = this.interned.get(key);
    if (found) {
      if (op === "var" && (found.batched !== batched || !sameShape(found.shape, shape)))
        throw new IRError(`var ${argKey} declared twice differently`);
      return found;
    }
    const node: Node = { id: this.nextId++, op, inputs, shape, batched, arg, origin };
    this.interned.set(key, node);
    return node;
  }
}

function numberKey(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}

/** Nodes reachable from `roots`, every operand before its users. */
export function topoOrder(roots: readonly Node[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: { node: Node; next: number }[] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push({ node: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.inputs.length) {
        const child = top.node.inputs[top.next++]!;
        if (!seen.has(child)) {
          seen.add(child);
          stack.push({ node: child, next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}

/** The var nodes a function reads, in first-use order. */
export function fnVars(fn: Fn): Node[] {
  return topoOrder(fn.outputs.map((o) => o.node)).filter((n) => n.op === "var");
}

/** Number of users of each node among the nodes reachable from `roots`. */
export function userCounts(roots: readonly Node[]): Map<Node, number> {
  const counts = new Map<Node, number>();
  for (const node of topoOrder(roots)) {
    for (const input of node.inputs) counts.set(input, (counts.get(input) ?? 0) + 1);
  }
  return counts;
}
