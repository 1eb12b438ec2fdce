// compiler/cli — `rnnc graph`: a picture of a cell's step graph and of its
// derivative. In: a cell or model file, its dimensions, the pass after which
// to draw. Out: an SVG laid out by Graphviz (graph/svg.ts), or the DOT text.
// It stands on the public compiler API (drawStepGraphs, printDot).

import { basename, dirname, extname, join } from "node:path";
import { dotNodeCount, drawStepGraphs, graphPassNamed, printDot } from "../api.js";
import { lossKinds, type LossKind } from "../time/index.js";
import { renderSvg } from "../graph/svg.js";
import { onePositional, parse, parseChoice, parseDims, parsePositive } from "./args.js";
import { type Io, readTextOf, resolveImport, UsageError, UserError } from "./io.js";

const defaultMaxNodes = 600;

export const graphUsage = `usage: rnnc graph FILE --dims I=8,H=16 [options]

Draws the step graph of a cell or model after a pass of the compiler, and its
derivative: the backward step of back-propagation through time. Ovals are ops
with their shapes (per-batch: one copy per batch element), boxes the vars they
read (params yellow, inputs blue, states green, seeds red, tape orange), and
bold boxes the step's results, named by what they are (next h, loss, dparam W).
Laid out by Graphviz, compiled to wasm and shipped with rnnc.

  --cell NAME          the exported cell or model (needed when the file has several)
  --dims I=8,H=16      values of the symbolic dimensions
  --pass PASS          draw the graph after: cell (the step as written), ad (the masked forward step
                       and its backward step), simplify (both after folding, identities, dead code
                       and CSE; the default) or tape (the steps apart, joined by the tape); the
                       pipeline's own names for the first two, instantiate and differentiate, work too
  --loss KIND          the loss the forward step ends with, as for rnnc compile (default mse)
  --max-nodes N        refuse a drawing of more than N nodes (default ${defaultMaxNodes}): its layout takes
                       longer the larger it is (about 10 s for 700 nodes)
  --dot                write Graphviz's DOT text instead of SVG
  -o, --output OUT     the file to write (default: FILE, or CELL with --cell, with .svg, or .dot)`;

const flags = {
  cell: { type: "string" },
  dims: { type: "string" },
  pass: { type: "string" },
  loss: { type: "string" },
  "max-nodes": { type: "string" },
  dot: { type: "boolean" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

export function graphCommand(argv: readonly string[], io: Io): number {
  const { values, positionals } = parse(argv, flags, graphUsage);
  if (values.help) {
    io.out(graphUsage);
    return 0;
  }
  const file = onePositional(positionals, "cell file", graphUsage);
  const pass = graphPassNamed(values.pass ?? "simplify");
  if (pass === undefined) {
    throw new UsageError(`--pass: unknown pass "${values.pass}"; expected cell, ad, simplify or tape`);
  }
  const loss = parseChoice<LossKind>("loss", values.loss, lossKinds, "mse");
  const maxNodes = parsePositive("max-nodes", values["max-nodes"], defaultMaxNodes);
  const dims = parseDims(values.dims);
  const text = readTextOf(io, file);
  const readFile = (path: string) => io.readText(path);
  const graph = drawStepGraphs({ file, text, cell: values.cell, dims, loss, readFile, resolveImport }, pass);
  const nodes = dotNodeCount(graph);
  if (nodes > maxNodes) {
    throw new UserError(`${file}: the drawing of ${graph.label} has ${nodes} nodes, more than --max-nodes ${maxNodes}; `
      + "draw an earlier pass (--pass cell), one cell of a model, or raise --max-nodes");
  }
  const dot = printDot(graph);
  const extension = values.dot ? ".dot" : ".svg";
  const output = values.output ?? join(dirname(file), `${values.cell ?? basename(file, extname(file))}${extension}`);
  io.write(output, values.dot ? dot : renderSvg(dot));
  io.err(`wrote ${output}: ${graph.label}, ${nodes} nodes, ${graph.edges.length} edges`);
  return 0;
}
