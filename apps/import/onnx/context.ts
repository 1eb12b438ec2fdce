// apps/import/onnx — what an operator's rule sees (ops.ts, path.ts): the node,
// its input values, the network built so far, and helpers that read inputs
// and attributes or refuse the node with a message naming it.

import { ImportError } from "../errors.js";
import type { Binding, NetworkInput, RecurrentLayer, Tensor } from "../network.js";
import type { Attribute, ConstTensor, OnnxNode } from "./proto.js";
import { describeValue, type Value } from "./values.js";

export interface Builder {
  readonly file: string;
  input?: NetworkInput;
  readonly layers: RecurrentLayer[];
  readonly layouts: (0 | 1)[];
  readout?: { weight: Tensor; bias?: Tensor; activation: "linear" | "sigmoid" | "tanh" | "relu"; origin: string };
  /** Which of the input's leading axes is time, once the first recurrent node says. */
  time?: "a0" | "a1";
  readonly bindings: Binding[];
  /** The graph input every recurrent node takes as sequence_lens, if any. */
  lengths?: string;
}

export interface NodeContext {
  readonly node: OnnxNode;
  readonly inputs: readonly (Value | undefined)[];
  readonly builder: Builder;
  readonly where: string;
}

export type Rule = (c: NodeContext) => (Value | undefined)[];

export const fail = (c: NodeContext, why: string): never => {
  throw new ImportError(`${c.where}: ${why}`);
};

export function input(c: NodeContext, i: number, what: string): Value {
  return c.inputs[i] ?? fail(c, `needs its input ${i} (${what})`);
}

export function constOf(c: NodeContext, v: Value | undefined, what: string): ConstTensor {
  if (v?.kind === "const") return v.tensor;
  return fail(c, `${what} must be a constant, but it is ${v ? describeValue(v) : "missing"}`);
}

export function ints(c: NodeContext, v: Value | undefined, what: string): number[] {
  const t = constOf(c, v, what);
  if (t.type !== "int") fail(c, `${what} must hold integers`);
  return [...t.values];
}

export function attr(c: NodeContext, name: string): Attribute | undefined {
  return c.node.attributes.get(name);
}

export function intsAttr(c: NodeContext, name: string): number[] | undefined {
  const v = attr(c, name);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number"))
    return fail(c, `attribute ${name} must be a list of integers`);
  return [...(v as number[])];
}

/** Axes from the attribute (older opsets) or the input (newer ones). */
export function axesOf(c: NodeContext, index: number): number[] | undefined {
  return intsAttr(c, "axes") ?? (c.inputs[index] ? ints(c, c.inputs[index], "axes") : undefined);
}

let symbols = 0;

/** A name for a size the graph does not give (a dim without dim_value or dim_param). */
export function unknownSize(): string {
  return `?${symbols++}`;
}

/** A graph input used as the network's vectors: a sequence of features. */
