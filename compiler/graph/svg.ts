// compiler/graph — DOT text laid out as SVG by Graphviz compiled to wasm
// (@hpcc-js/wasm-graphviz: the wasm travels inside the package, so nothing is
// fetched). In: DOT (printDot of dot.ts). Out: an SVG document.
//
// The wasm is instantiated once, when this module loads (about 0.3 s): wasm
// instantiation is asynchronous, and the commands of the CLI are synchronous,
// so the module waits for it at its top level and lays out synchronously after.

import { Graphviz } from "@hpcc-js/wasm-graphviz";

const graphviz = await Graphviz.load();

/** The SVG of a DOT graph, laid out by dot (layered, edges downwards). Throws Graphviz's error for malformed DOT. */
export function renderSvg(dot: string): string {
  return graphviz.dot(dot, "svg");
}

/** The version of Graphviz that lays out the pictures. */
export const graphvizVersion = (): string => graphviz.version();
