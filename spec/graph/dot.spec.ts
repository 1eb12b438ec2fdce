// spec/graph — the drawing of step graphs (compiler/graph/dot.ts), read as a
// structure, without Graphviz: Elman's step as written has exactly the nodes
// and edges of h = tanh(W x + U h + b); after simplify every op of both steps
// is drawn once and the backward step reads forward values; after tape the
// steps meet only through the tape; a model draws one pair per scan; the DOT
// text quotes what it must.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dotNodeCount, printDot, stepGraphDot, type DotGraph, type DotNode } from "../../compiler/graph/dot.js";
import { stepGraphs, type GraphOptions } from "../../compiler/pipeline.js";
import { topoOrder } from "../../compiler/ir/index.js";
import type { GraphPass } from "../../compiler/graph/steps.js";

const source = (file: string, dims: Record<string, number>, cell?: string): GraphOptions => ({
  file, text: readFileSync(file, "utf8"), dims, cell, readFile: (path) => readFileSync(path, "utf8"),
  resolveImport: (importer, specifier) => `${importer.replace(/[^/]*$/, "")}${specifier.replace(/^\.\//, "")}`,
});
const elman = source("examples/elman.ts", { I: 3, H: 4 });

const nodesOf = (graph: DotGraph) =>
  new Map(graph.clusters.flatMap((c) => c.nodes.map((n) => [n.id, { ...n, cluster: c }])));
/** A node's label's first line: its op, its var's role and name, or its result's port. */
const head = (node: DotNode) => node.label.split("\n")[0]!;
const part = (graph: DotGraph, name: string) => graph.clusters.find((c) => c.part === name)!.nodes;
/** Edges between nodes of different clusters. */
const crossingOf = (graph: DotGraph, nodes: ReturnType<typeof nodesOf>) =>
  graph.edges.filter((e) => nodes.get(e.from)!.cluster.part !== nodes.get(e.to)!.cluster.part);

/** Every edge as "from -> to (label)", by the nodes' heads, sorted. */
function edgeList(graph: DotGraph): string[] {
  const nodes = nodesOf(graph);
  return graph.edges
    .map((e) => `${head(nodes.get(e.from)!)} -> ${head(nodes.get(e.to)!)}${e.label ? ` (${e.label})` : ""}`)
    .sort();
}

describe("stepGraphDot", () => {
  it("draws Elman's step as written: h = tanh(W x + U h + b)", () => {
    const graph = stepGraphDot(stepGraphs(elman, "instantiate"));
    expect(graph.clusters.map((c) => [c.part, c.label])).toEqual([["step", "elman: step"]]);
    const labels = graph.clusters[0]!.nodes.map((n) => n.label).sort();
    expect(labels).toEqual([
      "add\n[4] per-batch", "add\n[4] per-batch", "input x\n[3] per-batch",
      "matvec\n[4] per-batch", "matvec\n[4] per-batch", "next h", "param U\n[4, 4]", "param W\n[4, 3]", "param b\n[4]",
      "state h\n[4] per-batch", "tanh\n[4] per-batch",
    ]);
    expect(edgeList(graph)).toEqual([
      "add -> add", "add -> tanh", "input x -> matvec (v)", "matvec -> add", "matvec -> add",
      "param U -> matvec (M)", "param W -> matvec (M)", "param b -> add", "state h -> matvec (v)", "tanh -> next h",
    ]);
    const kinds = Object.fromEntries(graph.clusters[0]!.nodes.map((n) => [head(n), n.kind]));
    expect(kinds).toMatchObject({
      "param W": "param", "input x": "input", "state h": "state", tanh: "op", "next h": "result",
    });
    expect(graph.clusters[0]!.nodes.find((n) => head(n) === "tanh")!.origin).toMatch(/^examples\/elman\.ts:9:\d+$/);
    expect(graph.label).toBe("cell elman after instantiate (I=3, H=4)");
  });

  it("after simplify, draws each op of the forward and backward step once, the backward reading forward values", () => {
    const steps = stepGraphs(elman, "simplify");
    const graph = stepGraphDot(steps);
    const nodes = nodesOf(graph);
    expect(graph.clusters.map((c) => c.part)).toEqual(["forward", "backward"]);
    const results = (name: string) => part(graph, name).filter((n) => n.kind === "result").map(head);
    expect(results("forward")).toEqual(["next h", "output h", "loss"]);
    expect(results("backward")).toEqual(["dstate h", "dinput x", "dparam W", "dparam U", "dparam b"]);

    const fns = steps.scans[0]!.steps.map((s) => s.fn);
    const reached = fns.flatMap((fn) => topoOrder(fn.outputs.map((o) => o.node)));
    const ops = new Set(reached.filter((n) => n.op !== "var" && n.op !== "const"));
    expect([...nodes.values()].filter((n) => n.kind === "op").length).toBe(ops.size);
    // Every edge joins drawn nodes; an edge between the clusters runs from a forward op into the backward step.
    for (const edge of graph.edges) {
      expect(nodes.has(edge.from) && nodes.has(edge.to), `${edge.from} -> ${edge.to}`).toBe(true);
    }
    const crossing = crossingOf(graph, nodes);
    expect(crossing.length).toBeGreaterThan(0);
    const sources = crossing.map((e) => nodes.get(e.from)!);
    expect(sources.every((n) => n.cluster.part === "forward" && n.kind === "op")).toBe(true);
    expect(sources.map(head)).toContain("tanh"); // tanh' = 1 − tanh² reads the forward tanh
    // The backward step starts from the seed of the next state and reads the parameters itself.
    const backwardHeads = graph.clusters[1]!.nodes.map(head);
    expect(backwardHeads).toContain("seed next:h");
    expect(backwardHeads).toContain("param U");
    expect(graph.edges.filter((e) => e.kind === "tape")).toEqual([]);
  });

  it("after tape, joins the steps only through the tape: each entry written forward and read backward", () => {
    const steps = stepGraphs(elman, "tape");
    const graph = stepGraphDot(steps);
    const nodes = nodesOf(graph);
    const crossing = crossingOf(graph, nodes);
    expect(crossing.length).toBeGreaterThan(0);
    expect(crossing.every((e) => e.kind === "tape")).toBe(true);
    const written = part(graph, "forward").filter((n) => n.kind === "result" && head(n).startsWith("tape ")).map(head);
    const read = part(graph, "backward").filter((n) => n.kind === "tape").map(head);
    expect(written.length).toBeGreaterThan(0);
    expect(read.sort()).toEqual(written.sort());
    const joined = crossing.map((e) => `${head(nodes.get(e.from)!)} -> ${head(nodes.get(e.to)!)}`);
    expect(joined.sort()).toEqual(written.map((t) => `${t} -> ${t}`));
  });

  it("draws a constant at each use and a var once in each step that reads it", () => {
    const graph = stepGraphDot(stepGraphs(elman, "differentiate"));
    for (const cluster of graph.clusters) {
      const vars = cluster.nodes.filter((n) => n.kind !== "op" && n.kind !== "const" && n.kind !== "result").map(head);
      expect(new Set(vars).size, cluster.label).toBe(vars.length);
    }
    const constants = graph.clusters.flatMap((c) => c.nodes).filter((n) => n.kind === "const");
    const uses = new Map(constants.map((n) => [n.id, graph.edges.filter((e) => e.from === n.id).length]));
    expect([...uses.values()].every((n) => n === 1)).toBe(true);
  });

  it.each<GraphPass>(["instantiate", "simplify"])("draws each scan of a model as its own clusters (%s)", (pass) => {
    const options = source("examples/models.ts", { I: 3, H: 4, H2: 2, O: 2 }, "deepLstm");
    const steps = stepGraphs(options, pass);
    const graph = stepGraphDot(steps);
    const parts = pass === "instantiate" ? 1 : 2;
    expect(graph.clusters.length).toBe(steps.scans.length * parts);
    expect(steps.scans.length).toBeGreaterThanOrEqual(3); // two layers and the readout
    expect(new Set(graph.clusters.map((c) => c.label)).size).toBe(graph.clusters.length);
    const ids = graph.clusters.flatMap((c) => c.nodes.map((n) => n.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(dotNodeCount(graph)).toBe(ids.length);
    expect(graph.label).toMatch(/^model deepLstm after /);
  });
});

describe("printDot", () => {
  it("writes every node and edge, labels quoted, newlines as DOT's line breaks", () => {
    const graph: DotGraph = {
      label: 'a "quoted" \\ label',
      clusters: [{
        id: "s0_step", label: "c: step", part: "step",
        nodes: [
          { id: "n0", kind: "param", label: "param W\n[2, 2]" },
          { id: "n1", kind: "op", label: "tanh", origin: "f.ts:1:2" },
        ],
      }],
      edges: [{ from: "n0", to: "n1", kind: "operand", label: "M" }],
    };
    const text = printDot(graph);
    expect(text).toMatch(/^digraph rnnc \{\n/);
    expect(text).toContain('label="a \\"quoted\\" \\\\ label"');
    expect(text).toContain('subgraph "cluster_s0_step" {');
    expect(text).toContain('"n0" [label="param W\\n[2, 2]", shape="box"');
    expect(text).toContain('"n1" [label="tanh", tooltip="f.ts:1:2", shape="ellipse"]');
    expect(text).toContain('"n0" -> "n1" [label="M"]');
    expect(text.trimEnd().endsWith("}")).toBe(true);
  });
});
