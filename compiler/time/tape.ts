// compiler/time — the tape: which forward values the backward step reads.
// In: a StepPair whose backward shares nodes with its forward. Out: separate
// forward and backward functions; every forward value the backward needs is
// either read from where it already lives (params, inputs, targets, the
// mask), recomputed (values of parameters alone), or written to the tape by
// the forward step (an output whose port is that tape entry) and read back (a tape var).

import { opInfo, topoOrder, type Node, type VarArg } from "../ir/index.js";
import { rebuild, substitute } from "../rewrite/index.js";
import { portOutput, type StepFn, type StepOutput, type StepPair } from "./scan.js";

export interface TapeEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly batched: boolean;
}

export interface TapedScan extends StepPair {
  readonly tape: readonly TapeEntry[];
}

/** Vars the backward step can read directly at step t. */
const readable = new Set(["param", "input", "target", "mask", "seed"]);

export function tapeScan(pair: StepPair): TapedScan {
  const backwardRoots = pair.backward.outputs.map((o) => o.node);
  const order = topoOrder(backwardRoots);
  // Nodes that depend on a seed exist only in the backward step.
  const adjointOnly = new Set<Node>();
  const dependsOnBatch = new Set<Node>();
  for (const node of order) {
    if (node.op === "var" && (node.arg as VarArg).role === "seed") adjointOnly.add(node);
    else if (node.inputs.some((n) => adjointOnly.has(n))) adjointOnly.add(node);
    if (node.batched || node.inputs.some((n) => dependsOnBatch.has(n))) dependsOnBatch.add(node);
  }
  const cut = new Set<Node>();
  for (const node of order) {
    if (adjointOnly.has(node)) for (const input of node.inputs) if (!adjointOnly.has(input)) cut.add(input);
  }
  for (const root of backwardRoots) if (!adjointOnly.has(root)) cut.add(root);
  // Ops the table marks recompute (a sum over the batch, an outer product, a scatter) are not
  // taped but recomputed in the backward step from their operands: a weight gradient of a step
  // would be a parameter-sized tape entry per step, and recomputed it is one product over all
  // steps after the backward loop (opInfo in ir/ops.ts says why).
  const recomputed = (node: Node) => opInfo[node.op].recompute;
  const frontier = new Set<Node>();
  const pending = [...cut];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (frontier.has(node)) continue;
    if (recomputed(node)) pending.push(...node.inputs);
    else frontier.add(node);
  }

  const taped = [...frontier].filter((node) => {
    if (node.op === "const") return false;
    if (node.op === "var" && readable.has((node.arg as VarArg).role)) return false;
    return dependsOnBatch.has(node); // values of parameters alone are recomputed
  });

  const g = pair.backward.graph;
  const tape: TapeEntry[] = [];
  const replace = new Map<Node, Node>();
  const tapeOutputs: StepOutput[] = [];
  taped.forEach((node, k) => {
    const name = `t${k}`;
    tape.push({ name, shape: node.shape, batched: node.batched });
    replace.set(node, g.variable(name, "tape", node.shape, node.batched));
    tapeOutputs.push(portOutput({ kind: "tape", name }, node));
  });
  const newRoots = substitute(backwardRoots, replace, g);
  const backward: StepFn = rebuild({
    graph: g,
    outputs: pair.backward.outputs.map((o, i) => ({ ...o, node: newRoots[i]! })),
  });
  const forward: StepFn = rebuild({ graph: g, outputs: [...pair.forward.outputs, ...tapeOutputs] });
  return { ...pair, forward, backward, tape };
}
