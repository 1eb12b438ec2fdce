// compiler/time — one step function as a scan over time. In: a step graph
// (inputs, states, params; the next value of each state and the step's
// outputs) and how its outputs are differentiated: by a built-in loss, or by
// cotangents written from outside (the host, or the stage above in a model).
// Out: a forward step (masked next states, masked outputs, the step's loss)
// and its adjoint, the backward step (cotangents of the previous state, of
// the step's inputs, and the step's contribution to every parameter
// gradient). Masking by sequence length is IR (select), so reverse mode
// differentiates it like any other op.

import { vjp, type Seed } from "../ad/index.js";
import { topoOrder, type Fn, type Graph, type Node, type Output, type Shape } from "../ir/index.js";
import { simplify, substitute } from "../rewrite/index.js";
import { BuildError } from "../errors.js";
import type { ParamInit } from "../../runtime/abi.js";

/**
 * The loss on the first output: mean squared error against a target sequence,
 * or softmax cross-entropy against class ids, at every valid step or at each
 * sequence's last step only (sequence classification); or none.
 */
const lossInfo = {
  "mse": { targets: "vectors", at: "every" },
  "mse-last": { targets: "vectors", at: "last" },
  "softmax-ce": { targets: "classes", at: "every" },
  "softmax-ce-last": { targets: "classes", at: "last" },
  "none": { targets: "none", at: "every" },
} as const satisfies Record<string, { targets: "vectors" | "classes" | "none"; at: "every" | "last" }>;
export type LossKind = keyof typeof lossInfo;
export const lossKinds = Object.keys(lossInfo) as LossKind[];

/** Whether the loss compares with class ids (an i32 scalar per step) rather than a target vector. */
export function targetsAreClasses(loss: LossKind): boolean {
  return lossInfo[loss].targets === "classes";
}

export function lossAtLastStep(loss: LossKind): boolean {
  return lossInfo[loss].at === "last";
}

export interface CellGraph {
  readonly graph: Graph;
  readonly inputs: readonly Node[];
  readonly states: readonly Node[];
  readonly params: readonly Node[];
  readonly next: readonly Output[];
  /** Per-step outputs; the first state's next value when omitted. */
  readonly outputs?: readonly Output[];
  /**
   * Inputs holding integer ids (embedding lookups), with the rows of their
   * table: read as i32, never differentiated.
   */
  readonly integerInputs?: ReadonlyMap<Node, number>;
  /** Parameters whose initialisation the cell file declares. */
  readonly declaredInits?: ReadonlyMap<Node, ParamInit>;
}

export interface TensorInfo {
  readonly name: string;
  readonly shape: Shape;
  /** Integer ids below this bound (an input of an embedding lookup). */
  readonly idsBelow?: number;
  /** How a parameter is initialised (a hint for hosts, in the ABI). */
  readonly init?: ParamInit;
}

/**
 * How each parameter starts: as the cell file declares it, else read off the
 * step graph by what its products multiply. glorot: a matrix applied to
 * inputs; orthogonal: a matrix applied to the recurrent state alone;
 * embedding: a table of rows; zeros: biases, gains and other vectors.
 */
function initHints(cell: CellGraph): Map<Node, ParamInit> {
  const roots = [...cell.next, ...(cell.outputs ?? [])].map((o) => o.node);
  const reads = new Map<Node, { state: boolean; input: boolean }>();
  for (const node of topoOrder(roots)) {
    const v = node.op === "var" ? (node.arg as { role: string }).role : undefined;
    const here = { state: v === "state", input: v === "input" };
    for (const i of node.inputs) {
      const r = reads.get(i)!;
      here.state ||= r.state;
      here.input ||= r.input;
    }
    reads.set(node, here);
  }
  const hints = new Map<Node, ParamInit>();
  for (const p of cell.params) hints.set(p, p.shape.length === 2 ? "glorot" : "zeros");
  const recurrent = new Set<Node>();
  const other = new Set<Node>();
  for (const node of topoOrder(roots)) {
    const [a, b] = node.inputs;
    if (node.op === "gathersum" && a!.op === "var") hints.set(a!, "embedding");
    if (node.op === "matvec" && a!.op === "var" && hints.has(a!)) {
      const r = reads.get(b!)!;
      (r.state && !r.input ? recurrent : other).add(a!);
    }
  }
  for (const p of recurrent) if (!other.has(p)) hints.set(p, "orthogonal");
  for (const [p, init] of cell.declaredInits ?? []) hints.set(p, init);
  return hints;
}

/**
 * What an output of a step function is for: the forward step's next value of
 * a state, masked output, loss and tape entries; the backward step's
 * cotangents of the previous state, of an input and of a parameter. Lowering
 * binds each to its buffer by this, never by reading it out of a name.
 */
export interface Port {
  readonly kind: "next" | "output" | "loss" | "tape" | "dstate" | "dinput" | "dparam";
  /** The state, output, tape entry, input or parameter it is of ("loss" for the loss). */
  readonly name: string;
}

export interface StepOutput extends Output {
  readonly port: Port;
}

export type StepFn = Fn<StepOutput>;

/** An output of a step, labelled by its port (a label for dumps, never parsed). */
export const portOutput = (port: Port, node: Node): StepOutput => ({
  name: port.kind === "loss" ? "loss" : `${port.kind}:${port.name}`,
  node,
  port,
});

/** The forward and backward step functions, before taping. */
export interface StepPair {
  readonly loss: LossKind;
  readonly inputs: readonly TensorInfo[];
  readonly states: readonly TensorInfo[];
  readonly params: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Outputs: the next value of each state, each output, and the loss (with one). */
  readonly forward: StepFn;
  /** Outputs: the cotangents of each state, each (non-integer) input and each parameter. */
  readonly backward: StepFn;
}

const nameOf = (node: Node) => (node.arg as { name: string }).name;
const info = (node: Node): TensorInfo => ({ name: nameOf(node), shape: node.shape });

/**
 * With a loss the first output is compared with a target and the backward
 * pass starts from the loss; with "none" every output's cotangent is a seed
 * var `output:NAME`, written before backward.
 */
export function buildStepPair(given: CellGraph, loss: LossKind): StepPair {
  const g = given.graph;
  const mask = g.variable("mask", "mask", [], true, { marks: "valid" });
  const zero = g.constant(0);
  const cell = maskInputs(given, mask, zero);
  const stateByName = new Map(cell.states.map((s) => [nameOf(s), s]));
  const outputs = cell.outputs ?? [cell.next[0]!];

  // A finished sequence keeps its state, emits 0 and adds no loss.
  const forwardOutputs: StepOutput[] = cell.next.map(({ name, node }) =>
    portOutput({ kind: "next", name }, g.apply("select", [mask, node, stateByName.get(name)!])),
  );
  const seed = (of: "next" | "output", name: string, shape: Shape) =>
    g.variable(`${of}:${name}`, "seed", shape, true, { seeds: { kind: of, name } });
  const seeds: Seed[] = cell.next.map(({ name }, i) => ({
    node: forwardOutputs[i]!.node,
    cotangent: seed("next", name, stateByName.get(name)!.shape),
  }));
  for (const { name, node } of outputs) {
    const masked = g.apply("select", [mask, node, zero]);
    forwardOutputs.push(portOutput({ kind: "output", name }, masked));
    if (loss === "none") seeds.push({ node: masked, cotangent: seed("output", name, node.shape) });
  }
  if (loss !== "none") {
    const { name, node } = outputs[0]!;
    let value: Node;
    if (targetsAreClasses(loss)) {
      if (node.shape.length !== 1) {
        throw new BuildError(
          `--loss ${loss} scores a vector of class scores, but output '${name}' has shape [${node.shape.join(", ")}]; `
            + "give the output one axis of classes (a readout of size C) or use --loss mse",
        );
      }
      // −log softmax(z)[t] = logsumexp(z) − z[t], never forming the softmax.
      const target = g.apply("select", [mask, g.variable(name, "target", [], true), zero]);
      value = g.apply("sub", [
        g.apply("logsumexp", [node]),
        g.apply("sum", [g.apply("mul", [node, g.apply("onehot", [target, node])])]),
      ]);
    } else {
      const diff = g.apply("sub", [
        node,
        g.apply("select", [mask, g.variable(name, "target", node.shape, true), zero]),
      ]);
      value = g.apply("mul", [g.constant(0.5), g.apply("sum", [g.apply("mul", [diff, diff])])]);
    }
    const counted = lossAtLastStep(loss) ? g.variable("last", "mask", [], true, { marks: "last" }) : mask;
    const stepLoss = g.apply("select", [counted, value, zero]);
    forwardOutputs.push(portOutput({ kind: "loss", name: "loss" }, stepLoss));
    seeds.push({ node: stepLoss, cotangent: g.constant(1) });
  }

  const integer = cell.integerInputs ?? new Map<Node, number>();
  const hints = initHints(cell);
  const wrt = [...cell.states, ...cell.inputs.filter((x) => !integer.has(x)), ...cell.params];
  const cts = vjp(g, seeds, wrt);
  const backwardOutputs: StepOutput[] = wrt.map((node, i) => {
    const role = (node.arg as { role: string }).role;
    const kind = role === "state" ? "dstate" : role === "input" ? "dinput" : "dparam";
    return portOutput({ kind, name: nameOf(node) }, kind === "dstate" ? flushTiny(g, cts[i]!) : cts[i]!);
  });

  return {
    loss,
    inputs: cell.inputs.map((x) => (integer.has(x) ? { ...info(x), idsBelow: integer.get(x)! } : info(x))),
    states: cell.states.map(info),
    params: cell.params.map((p) => ({ ...info(p), init: hints.get(p)! })),
    outputs: outputs.map(({ name, node }) => ({ name, shape: node.shape })),
    forward: { graph: g, outputs: forwardOutputs },
    backward: { graph: g, outputs: backwardOutputs },
  };
}

/**
 * A state's cotangent smaller than this in magnitude is carried back as 0:
 * 2⁻¹⁰⁰ ≈ 7.9e-31, far enough above the smallest normal f32 (2⁻¹²⁶) that what
 * the step multiplies it by stays out of the subnormal range too.
 */
const flushBelow = 2 ** -100;

/**
 * A state's cotangent with every element under flushBelow in magnitude made 0
 * (NaN kept): what the backward scan carries to the step before. A gradient
 * that decays over the steps would otherwise become subnormal floats, on which
 * x86 computes in microcode, many times slower (WebAssembly has no
 * flush-to-zero mode): Elman's adding run at T=200 took 80–99 ms per update
 * instead of 7 (examples/long-range/subnormals.js). What is flushed is under
 * 1e-30, below the rounding of any gradient of f32 size it would add to.
 */
function flushTiny(g: Graph, ct: Node): Node {
  const tiny = g.apply("step", [g.apply("sub", [g.constant(flushBelow), g.apply("abs", [ct])])]);
  return g.apply("select", [tiny, g.constant(0), ct]);
}

/**
 * The step reads its (non-integer) inputs through select(mask, x, 0): padding
 * past a sequence's end may hold anything, even NaN, and a masked step's zero
 * cotangent times a derivative taken at NaN would still be NaN.
 */
function maskInputs(cell: CellGraph, mask: Node, zero: Node): CellGraph {
  const integer = cell.integerInputs ?? new Map<Node, number>();
  const replace = new Map(
    cell.inputs.filter((x) => !integer.has(x)).map((x) => [x, cell.graph.apply("select", [mask, x, zero])]),
  );
  if (replace.size === 0) return cell;
  const outputs = cell.outputs ?? [cell.next[0]!];
  const roots = [...cell.next.map((o) => o.node), ...outputs.map((o) => o.node)];
  const rebuilt = substitute(roots, replace, cell.graph);
  const n = cell.next.length;
  return {
    ...cell,
    next: cell.next.map((o, i) => ({ name: o.name, node: rebuilt[i]! })),
    outputs: outputs.map((o, i) => ({ name: o.name, node: rebuilt[n + i]! })),
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
