// compiler/graph — step graphs as a picture, built from the IR objects. In:
// StepGraphs (steps.ts). Out: a DotGraph, one cluster per step function (the
// step as written, or a scan's forward and backward step), whose nodes are
// ops, constants, vars and the function's results (labelled by their port)
// and whose edges run from each operand to its user; then its text in
// Graphviz's DOT language (printDot), which graph/svg.ts lays out.
//
// An op belongs to the first function that reaches it: before the tape pass
// the backward step reads forward values themselves, and its edges cross into
// the forward cluster; after it, the forward step's tape results are joined to
// the backward step's tape vars by dashed edges. Leaves are drawn where they
// are read (a var in each function, a constant at each use), which keeps the
// picture free of edges fanning out from a shared 0.

import { nodeType, topoOrder, type Node, type Op, type Role, varArg } from "../ir/index.js";
import type { Port, StepOutput } from "../time/index.js";
import type { StepGraph, StepGraphs } from "./steps.js";

/** What a drawn node stands for: an op, a constant, a var of some role, or a result of its function. */
export type DotNodeKind = "op" | "const" | Role | "result";

export interface DotNode {
  /** Unique in the drawing; nothing else is read from it. */
  readonly id: string;
  readonly kind: DotNodeKind;
  /** An op node: its op and shape; a var: its role, name and shape; a result: its port. */
  readonly label: string;
  /** Where the cell file wrote it (file:line:col), for ops that came from a line of it. */
  readonly origin?: string;
}

export interface DotEdge {
  readonly from: string;
  readonly to: string;
  /** operand: `from` is an operand of `to`; result: `to` is the result `from` is; tape: written, then read back. */
  readonly kind: "operand" | "result" | "tape";
  /** Which operand, for ops whose operands play different parts (select's if, then, else). */
  readonly label?: string;
}

export interface DotCluster {
  readonly id: string;
  readonly label: string;
  readonly part: StepGraph["part"];
  readonly nodes: readonly DotNode[];
}

export interface DotGraph {
  readonly label: string;
  readonly clusters: readonly DotCluster[];
  readonly edges: readonly DotEdge[];
}

const ordered = (...names: string[]) => names;
/** Names of the operands of ops whose operands are not interchangeable; [] leaves the edges unlabelled. */
const operandNames = {
  const: [], var: [],
  neg: [], exp: [], log: [], tanh: [], sigmoid: [], relu: [], softplus: [], sqrt: [], step: [],
  abs: [],
  expm1: [],
  add: [], mul: [], sub: ordered("a", "b"), div: ordered("a", "b"), max: ordered("a", "b"), min: ordered("a", "b"),
  select: ordered("if", "then", "else"),
  onehot: ordered("i", "like"),
  concat: [], slice: [],
  matvec: ordered("M", "v"), matmul: ordered("A", "B"), outer: ordered("u", "v"), transpose: [],
  gathersum: ordered("table", "ids"), scatterrows: ordered("g", "ids", "like"),
  sum: [], logsumexp: [], batchsum: [],
  maxof: [],
} satisfies Record<Op, readonly string[]>;

function nodeLabel(node: Node): string {
  const type = nodeType(node);
  if (node.op === "const") return type === "scalar" ? `${node.arg as number}` : `${node.arg as number}\n${type}`;
  if (node.op === "var") return `${varArg(node).role} ${varArg(node).name}\n${type}`;
  return `${node.op}\n${type}`;
}

const portLabel = (port: Port) => (port.kind === "loss" ? "loss" : `${port.kind} ${port.name}`);

function kindOf(node: Node): DotNodeKind {
  if (node.op === "var") return varArg(node).role;
  return node.op === "const" ? "const" : "op";
}

function clusterLabel(graphs: StepGraphs, prefix: string, part: StepGraph["part"]): string {
  const where = prefix === "" ? graphs.name : `${graphs.name} ${prefix.replace(/\.$/, "")}`;
  return part === "step" ? `${where}: step` : `${where}: ${part} step`;
}

/** The drawing of every scan's step functions. */
export function stepGraphDot(graphs: StepGraphs): DotGraph {
  const opIds = new Map<Node, string>();
  const clusters: DotCluster[] = [];
  const edges: DotEdge[] = [];
  let count = 0;
  graphs.scans.forEach(({ prefix, steps }, s) => {
    const tapeResults = new Map<string, string>();
    const tapeVars = new Map<string, string>();
    for (const { part, fn } of steps) {
      const nodes: DotNode[] = [];
      const place = (node: Node) => {
        const id = `n${count++}`;
        nodes.push({ id, kind: kindOf(node), label: nodeLabel(node), ...(node.origin ? { origin: node.origin } : {}) });
        return id;
      };
      // Leaves are drawn where they are read: a var once in each function, a constant at each use.
      const varIds = new Map<Node, string>();
      const idOf = (node: Node): string => {
        if (node.op === "const") return place(node);
        if (node.op !== "var") return opIds.get(node)!;
        let id = varIds.get(node);
        if (id === undefined) {
          id = place(node);
          varIds.set(node, id);
          if (varArg(node).role === "tape") tapeVars.set(varArg(node).name, id);
        }
        return id;
      };
      for (const node of topoOrder(fn.outputs.map((o) => o.node))) {
        if (node.op === "const" || node.op === "var" || opIds.has(node)) continue;
        const id = place(node);
        opIds.set(node, id);
        const names: readonly string[] = operandNames[node.op];
        node.inputs.forEach((input, i) => {
          const label = names[i];
          edges.push({ from: idOf(input), to: id, kind: "operand", ...(label ? { label } : {}) });
        });
      }
      const cluster = `s${s}_${part}`;
      fn.outputs.forEach((output: StepOutput, k) => {
        const id = `${cluster}_r${k}`;
        nodes.push({ id, kind: "result", label: portLabel(output.port) });
        edges.push({ from: idOf(output.node), to: id, kind: "result" });
        if (output.port.kind === "tape") tapeResults.set(output.port.name, id);
      });
      clusters.push({ id: cluster, label: clusterLabel(graphs, prefix, part), part, nodes });
    }
    for (const [name, from] of tapeResults) {
      const to = tapeVars.get(name);
      if (to !== undefined) edges.push({ from, to, kind: "tape" });
    }
  });
  const dims = Object.entries(graphs.dims).map(([d, n]) => `${d}=${n}`).join(", ");
  const label = `${graphs.kind} ${graphs.name} after ${graphs.pass}${dims === "" ? "" : ` (${dims})`}`;
  return { label, clusters, edges };
}

/** How each kind of node is drawn (Graphviz attributes). */
const nodeStyles = {
  op: { shape: "ellipse" },
  const: { shape: "plaintext", fontcolor: "#555555" },
  param: { shape: "box", style: "filled", fillcolor: "#fde9a9" },
  input: { shape: "box", style: "filled", fillcolor: "#cfe3f7" },
  state: { shape: "box", style: "filled", fillcolor: "#cdeccd" },
  target: { shape: "box", style: "filled", fillcolor: "#e4e4e4" },
  mask: { shape: "box", style: "filled", fillcolor: "#e4e4e4" },
  seed: { shape: "box", style: "filled", fillcolor: "#f6d0d8" },
  tape: { shape: "box", style: "filled", fillcolor: "#f3dcc2" },
  result: { shape: "box", style: "rounded,bold" },
} satisfies Record<DotNodeKind, Readonly<Record<string, string>>>;

const edgeStyles = {
  operand: {},
  result: { arrowhead: "none" },
  tape: { style: "dashed", color: "#b05a00" },
} satisfies Record<DotEdge["kind"], Readonly<Record<string, string>>>;

const clusterStyles = {
  step: { color: "#666666" },
  forward: { color: "#2b6cb0" },
  backward: { color: "#b83232" },
} satisfies Record<DotCluster["part"], Readonly<Record<string, string>>>;

/** A DOT string literal: quotes and backslashes escaped, newlines as DOT's centred line breaks. */
const quote = (text: string) => `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;

const attributes = (attrs: Readonly<Record<string, string | undefined>>) => {
  const list = Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${quote(v!)}`);
  return list.length === 0 ? "" : ` [${list.join(", ")}]`;
};

export function printDot(graph: DotGraph): string {
  const lines = [
    "digraph rnnc {",
    `  graph${attributes({ label: graph.label, labelloc: "t", fontname: "Helvetica", rankdir: "TB" })};`,
    `  node${attributes({ fontname: "Helvetica", fontsize: "10" })};`,
    `  edge${attributes({ fontname: "Helvetica", fontsize: "9", color: "#444444" })};`,
  ];
  for (const cluster of graph.clusters) {
    lines.push(`  subgraph ${quote(`cluster_${cluster.id}`)} {`);
    lines.push(`    graph${attributes({ label: cluster.label, style: "rounded", ...clusterStyles[cluster.part] })};`);
    for (const node of cluster.nodes) {
      const attrs = attributes({ label: node.label, tooltip: node.origin, ...nodeStyles[node.kind] });
      lines.push(`    ${quote(node.id)}${attrs};`);
    }
    lines.push("  }");
  }
  for (const edge of graph.edges) {
    const attrs = attributes({ label: edge.label, ...edgeStyles[edge.kind] });
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${attrs};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Nodes the drawing holds: what a layout's time grows with. */
export const dotNodeCount = (graph: DotGraph) => graph.clusters.reduce((n, c) => n + c.nodes.length, 0);
