// compiler/time — the step graph as a scan over time. In: a cell's step graph
// (states, inputs, params and the next value of each state) and a loss. Out:
// a forward step function (masked next states, the output, the step's loss)
// and its adjoint, the backward step function (cotangents of the previous
// state, of the step's inputs, and the step's contribution to every parameter
// gradient). Masking by sequence length is IR (select), so reverse mode
// differentiates it like any other op.

import { vjp, type Seed } from "../ad/index.js";
import { type Fn, type Graph, type Node, type Output, type Shape } from "../ir/index.js";
import { simplify } from "../rewrite/index.js";

export type LossKind = "mse" | "none";

export interface CellGraph {
  readonly graph: Graph;
  readonly inputs: readonly Node[];
  readonly states: readonly Node[];
  readonly params: readonly Node[];
  readonly next: readonly Output[];
}

export interface TensorInfo {
  readonly name: string;
  readonly shape: Shape;
}

/** The forward and backward step functions, before taping. */
export interface StepPair {
  readonly loss: LossKind;
  readonly inputs: readonly TensorInfo[];
  readonly states: readonly TensorInfo[];
  readonly params: readonly TensorInfo[];
  readonly output: TensorInfo;
  /** Outputs: next:S for each state, output:Y, and loss (mse only). */
  readonly forward: Fn;
  /** Outputs: dstate:S, dinput:X, dparam:P. */
  readonly backward: Fn;
}

const info = (node: Node, name: string): TensorInfo => ({ name, shape: node.shape });
const nameOf = (node: Node) => (node.arg as { name: string }).name;

export function buildStepPair(cell: CellGraph, loss: LossKind): StepPair {
  const g = cell.graph;
  const mask = g.variable("mask", "mask", [], true);
  const zero = g.constant(0);
  const stateNames = cell.states.map(nameOf);

  // A finished sequence keeps its state, emits 0 and adds no loss.
  const forwardOutputs: Output[] = cell.next.map(({ name, node }) => {
    const state = cell.states[stateNames.indexOf(name)]!;
    return { name: `next:${name}`, node: g.apply("select", [mask, node, state]) };
  });
  const first = cell.next[0]!;
  const outputName = first.name;
  const output = g.apply("select", [mask, first.node, zero]);
  forwardOutputs.push({ name: `output:${outputName}`, node: output });

  const seeds: Seed[] = cell.next.map(({ name }, i) => ({
    node: forwardOutputs[i]!.node,
    cotangent: g.variable(`next:${name}`, "seed", cell.states[stateNames.indexOf(name)]!.shape, true),
  }));
  if (loss === "mse") {
    const target = g.variable(outputName, "target", first.node.shape, true);
    const diff = g.apply("sub", [first.node, target]);
    const halfSquares = g.apply("mul", [g.constant(0.5), g.apply("sum", [g.apply("mul", [diff, diff])])]);
    const stepLoss = g.apply("select", [mask, halfSquares, zero]);
    forwardOutputs.push({ name: "loss", node: stepLoss });
    seeds.push({ node: stepLoss, cotangent: g.constant(1) });
  } else {
    seeds.push({ node: output, cotangent: g.variable(`output:${outputName}`, "seed", output.shape, true) });
  }

  const wrt = [...cell.states, ...cell.inputs, ...cell.params];
  const cts = vjp(g, seeds, wrt);
  const backwardOutputs: Output[] = wrt.map((node, i) => {
    const v = node.arg as { name: string; role: string };
    const prefix = v.role === "state" ? "dstate" : v.role === "input" ? "dinput" : "dparam";
    return { name: `${prefix}:${v.name}`, node: cts[i]! };
  });

  const split = (from: number, to: number): Fn => ({ graph: g, outputs: [...forwardOutputs, ...backwardOutputs].slice(from, to) });
  return {
    loss,
    inputs: cell.inputs.map((n) => info(n, nameOf(n))),
    states: cell.states.map((n) => info(n, nameOf(n))),
    params: cell.params.map((n) => info(n, nameOf(n))),
    output: { name: outputName, shape: first.node.shape },
    forward: split(0, forwardOutputs.length),
    backward: split(forwardOutputs.length, forwardOutputs.length + backwardOutputs.length),
  };
}

/** Simplify forward and backward together, so the backward keeps sharing the forward's nodes. */
export function simplifyPair(pair: StepPair): StepPair {
  const both = simplify({ graph: pair.forward.graph, outputs: [...pair.forward.outputs, ...pair.backward.outputs] });
  const n = pair.forward.outputs.length;
  return {
    ...pair,
    forward: { graph: both.graph, outputs: both.outputs.slice(0, n) },
    backward: { graph: both.graph, outputs: both.outputs.slice(n) },
  };
}
