// compiler/graph — the step graphs a pass leaves, in one shape for drawing
// (`rnnc graph`). In: the program after instantiate (each scan's step as the
// cell file wrote it), differentiate or simplify (the masked forward step and
// its backward step, sharing the forward nodes the backward reads) or tape
// (the two steps apart, joined by the tape entries the forward step writes
// and the backward step reads as vars). Out: per scan, its functions,
// each output labelled by its port.

import type { Instantiated, Staged } from "../passes.js";
import { portOutput, scansOf, type CellGraph, type StepFn, type StepPair } from "../time/index.js";

/** The passes whose output is step graphs (names of pipeline.ts's passNames): what `rnnc graph --pass` draws. */
export const graphPasses = ["instantiate", "differentiate", "simplify", "tape"] as const;
export type GraphPass = (typeof graphPasses)[number];

/** One function of a scan: the step as written, or the forward or backward step of the scan. */
export interface StepGraph {
  readonly part: "step" | "forward" | "backward";
  readonly fn: StepFn;
}

export interface ScanGraphs {
  /** The scan's prefix in a model ("layer1." ...), "" for a lone cell. */
  readonly prefix: string;
  readonly steps: readonly StepGraph[];
}

export interface StepGraphs {
  readonly kind: "cell" | "model";
  readonly name: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly pass: GraphPass;
  readonly scans: readonly ScanGraphs[];
}

/** A cell's step with its results as ports: the next value of each state, then each declared output. */
function portedStep(cell: CellGraph): StepFn {
  const next = cell.next.map(({ name, node }) => portOutput({ kind: "next", name }, node));
  const outputs = (cell.outputs ?? []).map(({ name, node }) => portOutput({ kind: "output", name }, node));
  return { graph: cell.graph, outputs: [...next, ...outputs] };
}

export function instantiatedGraphs(staged: Instantiated): StepGraphs {
  const scans = scansOf(staged.program).map((stage) => ({
    prefix: stage.prefix, steps: [{ part: "step" as const, fn: portedStep(stage.scan) }],
  }));
  return { kind: staged.kind, name: staged.name, dims: staged.dims, pass: "instantiate", scans };
}

/** After differentiate, simplify or tape: each scan's forward and backward step. */
export function pairGraphs(staged: Staged<StepPair>, pass: Exclude<GraphPass, "instantiate">): StepGraphs {
  const scans = scansOf(staged.program).map(({ prefix, scan }) => ({
    prefix, steps: [{ part: "forward" as const, fn: scan.forward }, { part: "backward" as const, fn: scan.backward }],
  }));
  return { kind: staged.kind, name: staged.name, dims: staged.dims, pass, scans };
}
