// compiler/graph — public surface of the pictures of step graphs (api.ts
// re-exports it): a cell's or model's step graphs after one of the passes
// over them, drawn as a DotGraph (dot.ts) from the IR objects (steps.ts).
// Nothing here lays a graph out: graph/svg.ts does, with Graphviz.

import { passAliases, stepGraphs, type GraphOptions } from "../pipeline.js";
import { stepGraphDot, type DotGraph } from "./dot.js";
import { graphPasses, type GraphPass } from "./steps.js";

export {
  dotNodeCount, printDot, type DotCluster, type DotEdge, type DotGraph, type DotNode, type DotNodeKind,
} from "./dot.js";
export { graphPasses, type GraphPass } from "./steps.js";
export type { GraphOptions } from "../pipeline.js";

/**
 * The picture of a cell's or model's step graphs after a pass: the step as
 * written (instantiate), or each scan's forward and backward step
 * (differentiate, simplify, tape). Throws what checkCell throws for the same
 * options: DiagnosticError for the cell file's errors (an unbound dimension).
 */
export function drawStepGraphs(options: GraphOptions, after: GraphPass): DotGraph {
  return stepGraphDot(stepGraphs(options, after));
}

/** The graph pass a name means: one of graphPasses, or an alias of --dump-after (cell, ad); undefined for another. */
export function graphPassNamed(name: string): GraphPass | undefined {
  const pass = passAliases[name] ?? name;
  return graphPasses.find((p) => p === pass);
}
