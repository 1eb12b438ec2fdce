// apps/import/onnx — the readout after the recurrent layers, as exporters
// write a dense layer: MatMul by a weight [features, outputs] (then an Add of
// its bias), or Gemm (alpha·A·B′ + beta·C, its rows the steps and batch
// flattened), then an optional Sigmoid, Tanh or Relu. In: a node's context.
// Out: the sequence after it; the network's readout, built on the way.

import { transpose } from "../tensor.js";
import { attr, constOf, fail, input, type NodeContext, type Rule } from "./context.js";
import { asSeq, joined, latest } from "./path.js";
import { describeValue, type Seq, type Value } from "./values.js";

/** The readout's weight [outputs, features] starting on sequence `s`; the sequence it outputs. */
function startReadout(c: NodeContext, s: Seq, weight: { dims: readonly number[]; values: Float64Array }): Seq {
  latest(c, joined(c, s));
  if (c.builder.readout || s.head) fail(c, "is a second readout; rnnc's model has one dense readout");
  if (s.axes.some((x) => x.label === "dirs"))
    fail(c, `multiplies ${describeValue(s)} before its directions are joined`);
  c.builder.readout = {
    weight: { shape: weight.dims, data: weight.values },
    activation: "linear",
    origin: `the ${c.node.opType} ${c.node.name} with ${c.node.inputs[1]}`,
  };
  return {
    ...s,
    axes: s.axes.map((x) => (x.label === "features" ? { ...x, size: weight.dims[0]! } : x)),
    head: "matmul",
    origin: c.node.outputs[0]!,
  };
}

/** The readout's bias, added to its product `s`. */
export function readoutBias(c: NodeContext, s: Seq, bias: Value, scale = 1): Seq {
  const readout = c.builder.readout;
  if (s.head !== "matmul" || !readout) return fail(c, `adds to ${describeValue(s)}; rnnc adds only the readout's bias`);
  const t = constOf(c, bias, "the readout's bias");
  const O = readout.weight.shape[0]!;
  if (t.values.length !== O || t.dims.filter((d) => d !== 1).length > 1)
    fail(c, `the readout's bias is [${t.dims.join(", ")}], expected [${O}]`);
  readout.bias = { shape: [O], data: t.values.map((v) => scale * v) };
  readout.origin += c.node.opType === "Gemm" ? "" : ` and the Add ${c.node.name}`;
  return { ...s, head: "bias", origin: c.node.outputs[0]! };
}

const matmul: Rule = (c) => {
  const [a, w] = [input(c, 0, "the data"), input(c, 1, "the weight")];
  if (a.kind === "const" && w.kind === "const") return fail(c, "multiplies two constants, which rnnc does not fold");
  const s =
    a.kind === "seq"
      ? a
      : fail(c, `multiplies ${describeValue(a)}; rnnc's readout multiplies the last layer's output by a constant`);
  const W = constOf(c, w, "the readout's weight");
  if (W.dims.length !== 2 || W.type === "int")
    fail(c, "the readout's weight must be a float matrix [features, outputs]");
  const t = transpose({ shape: W.dims, data: W.values });
  return [startReadout(c, s, { dims: t.shape, values: t.data })];
};

/** Gemm: Y = alpha·A′·B′ + beta·C, A the rows of the sequence (transA 0), B′ = Bᵀ when transB. */
const gemm: Rule = (c) => {
  const s = asSeq(c, input(c, 0, "A"));
  if (s.axes.length !== 2 || s.axes[1]!.label !== "features")
    fail(c, `multiplies ${describeValue(s)}; a Gemm reads [rows, features] (the steps and batch flattened)`);
  const number = (name: string, fallback: number) => {
    const v = attr(c, name) ?? fallback;
    return typeof v === "number" ? v : fail(c, `attribute ${name} must be a number`);
  };
  if (number("transA", 0) !== 0) fail(c, "transA 1 moves the features off the last axis of its input");
  const B = constOf(c, input(c, 1, "B"), "the readout's weight B");
  if (B.dims.length !== 2 || B.type === "int") fail(c, "the readout's weight B must be a float matrix");
  // rnnc's readout weight is [outputs, features]: B itself when transB, else Bᵀ; alpha scales it.
  const alpha = number("alpha", 1);
  const given = { shape: B.dims, data: B.values };
  const oriented = number("transB", 0) ? given : transpose(given);
  const y = startReadout(c, s, { dims: oriented.shape, values: oriented.data.map((v) => alpha * v) });
  return [c.inputs[2] ? readoutBias(c, y, c.inputs[2], number("beta", 1)) : y];
};

function activation(kind: "sigmoid" | "tanh" | "relu"): Rule {
  return (c) => {
    const s = input(c, 0, "the data");
    if (s.kind !== "seq" || (s.head !== "matmul" && s.head !== "bias") || !c.builder.readout) {
      return fail(
        c,
        `applies ${c.node.opType} to ${describeValue(s)}; rnnc has an activation only after the readout's MatMul ` +
          `or Gemm (and Add)`,
      );
    }
    c.builder.readout.activation = kind;
    return [{ ...s, head: "activated", origin: c.node.outputs[0]! }];
  };
}

export const readoutRules = {
  MatMul: matmul,
  Gemm: gemm,
  Sigmoid: activation("sigmoid"),
  Tanh: activation("tanh"),
  Relu: activation("relu"),
} as const satisfies Record<string, Rule>;
