// compiler/time — a model as a program. In: each layer's step graph(s) (two
// copies for a bidirectional layer, so each direction has its own
// parameters), the input sequence, a readout, and the loss. Out: a Program:
// layer after layer over whole sequences; the reverse direction reads the
// input reversed per sequence (its valid prefix only) and its output is
// reversed back before the two are merged. The readout (a dense layer, or
// the identity) is a scan without state that carries the loss.

import { Graph, varArg } from "../ir/index.js";
import type { Program, Sequence, Stage } from "./program.js";
import type { CellGraph, LossKind } from "./scan.js";

export interface ModelLayer {
  readonly forward: CellGraph;
  /** The reverse direction of a bidirectional layer. */
  readonly reverse?: CellGraph;
  readonly merge: "concat" | "sum";
}

export type Activation = "linear" | "sigmoid" | "tanh" | "relu";

/** The one per-step output of a layer's cell, and its size. */
function outputOf(cell: CellGraph): { name: string; size: number } {
  const out = cell.outputs?.[0] ?? cell.next[0]!;
  return { name: out.name, size: out.node.shape[0]! };
}

/**
 * A model input: a dense vector sequence, or integer ids looked up in an
 * embedding table (1-of-N: one id per step; word hashing: several, -1 for
 * none).
 */
export type ModelInput =
  | { readonly kind: "dense"; readonly name: string; readonly size: number }
  | {
      readonly kind: "ids";
      readonly name: string;
      readonly rows: number;
      readonly dim: number;
      readonly slots: number
    };

/** A stateless step: e = Σ_k table[ids[k]], the embedding of one step's ids. */
export function embeddingGraph(input: Extract<ModelInput, { kind: "ids" }>): CellGraph {
  const g = new Graph();
  const ids = g.variable(input.name, "input", [input.slots], true);
  const table = g.variable("table", "param", [input.rows, input.dim], false);
  return {
    graph: g,
    inputs: [ids],
    states: [],
    params: [table],
    next: [],
    outputs: [{ name: "e", node: g.apply("gathersum", [table, ids]) }],
    integerInputs: new Map([[ids, input.rows]]),
  };
}

/** The name of a model's output sequence (and of its target): its readout's, or its last layer's without one. */
export const modelOutput = "y";

/** A stateless step: y = activation(V · z + c), or y = z without a readout. */
export function readoutGraph(
  features: number,
  readout: { size: number; activation: Activation } | undefined,
): CellGraph {
  const g = new Graph();
  const z = g.variable("z", "input", [features], true);
  if (!readout) {
    return { graph: g, inputs: [z], states: [], params: [], next: [], outputs: [{ name: modelOutput, node: z }] };
  }
  const V = g.variable("V", "param", [readout.size, features], false);
  const c = g.variable("c", "param", [readout.size], false);
  const pre = g.apply("add", [g.apply("matvec", [V, z]), c]);
  const y = readout.activation === "linear" ? pre : g.apply(readout.activation, [pre]);
  return { graph: g, inputs: [z], states: [], params: [V, c], next: [], outputs: [{ name: modelOutput, node: y }] };
}

/** The program of a model, over step graphs; its stages are named l0, l1, ... and readout. */
export function modelProgram(
  inputs: readonly ModelInput[],
  layers: readonly ModelLayer[],
  readout: CellGraph,
  loss: LossKind,
): Program<CellGraph> {
  const sequences: Sequence[] = [];
  const stages: Stage<CellGraph>[] = [];
  const internal = (name: string, size: number) => sequences.push({ name, shape: [size], role: "internal" });
  const scanStage = (
    cell: CellGraph,
    prefix: string,
    reads: string,
    writes: string,
    stageLoss: LossKind,
  ): Stage<CellGraph> => ({
    kind: "scan", prefix, scan: cell, loss: stageLoss,
    reads: Object.fromEntries(cell.inputs.map((x) => [varArg(x).name, reads])),
    writes: Object.fromEntries((cell.outputs ?? [cell.next[0]!]).map((y) => [y.name, writes])),
  });
  // Each input becomes one sequence of features; several are concatenated.
  const encoded = inputs.map((input) => {
    if (input.kind === "dense") {
      sequences.push({ name: input.name, shape: [input.size], role: "input" });
      return { name: input.name, size: input.size };
    }
    sequences.push({ name: input.name, shape: [input.slots], role: "input", idsBelow: input.rows });
    internal(`${input.name}.e`, input.dim);
    stages.push(scanStage(embeddingGraph(input), `${input.name}.`, input.name, `${input.name}.e`, "none"));
    return { name: `${input.name}.e`, size: input.dim };
  });
  let current = encoded[0]!.name;
  let currentSize = encoded[0]!.size;
  encoded.slice(1).forEach((next, i) => {
    const to = `input${i + 1}`;
    currentSize += next.size;
    internal(to, currentSize);
    stages.push({ kind: "merge", op: "concat", from: [current, next.name], to });
    current = to;
  });
  layers.forEach((layer, i) => {
    const out = outputOf(layer.forward);
    if (!layer.reverse) {
      internal(`l${i}`, out.size);
      stages.push(scanStage(layer.forward, `l${i}.`, current, `l${i}`, "none"));
      current = `l${i}`;
      return;
    }
    const inSize = sequences.find((q) => q.name === current)!.shape[0]!;
    internal(`l${i}.fwd`, out.size);
    internal(`l${i}.in.rev`, inSize);
    internal(`l${i}.bwd.rev`, out.size);
    internal(`l${i}.bwd`, out.size);
    internal(`l${i}`, layer.merge === "concat" ? 2 * out.size : out.size);
    stages.push(scanStage(layer.forward, `l${i}.fwd.`, current, `l${i}.fwd`, "none"));
    stages.push({ kind: "reverse", from: current, to: `l${i}.in.rev` });
    stages.push(scanStage(layer.reverse, `l${i}.bwd.`, `l${i}.in.rev`, `l${i}.bwd.rev`, "none"));
    stages.push({ kind: "reverse", from: `l${i}.bwd.rev`, to: `l${i}.bwd` });
    stages.push({ kind: "merge", op: layer.merge, from: [`l${i}.fwd`, `l${i}.bwd`], to: `l${i}` });
    current = `l${i}`;
  });
  const size = readout.outputs![0]!.node.shape[0]!;
  sequences.push({ name: modelOutput, shape: [size], role: "output" });
  stages.push(scanStage(readout, "readout.", current, modelOutput, loss));
  return { loss, sequences, stages };
}
