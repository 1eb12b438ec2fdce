// apps/import/onnx — `rnnc export` to ONNX: a Network as an ONNX model of
// RNN, LSTM and GRU nodes, encoded with onnx-proto. In: the Network
// (network.json filled with trained parameters, skeleton.ts) and the element
// type to write. Out: the model's bytes and its graph's input and output
// names. The graph takes x [steps, batch, features] (or ids, int64 [steps,
// batch], through a Gather of the embedding table) and lengths (int32 [batch],
// every node's sequence_lens), packs each layer's gates in ONNX's order
// (LSTM i, o, f, c; GRU z, r, h) with B as Wb then Rb, joins a bidirectional
// layer's directions by Transpose and Reshape (concat) or ReduceSum (sum),
// and ends in the readout's MatMul, Add and activation; it outputs y and
// every layer's final states. What an ONNX node cannot hold (an LSTM's
// projection) is an error naming the layer. The reader (read.ts) reads the
// file back to the same network.

import onnxProto from "onnx-proto";
import { packedGateOrder } from "../conventions.js";
import { ImportError } from "../errors.js";
import type { Activation, Network, RecurrentLayer, Tensor } from "../network.js";
import { layerOutputSize } from "../network.js";
import { concatRows, stackNew, transpose, zeros } from "../tensor.js";

const { onnx } = onnxProto;
const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;
type Attribute = onnxProto.onnx.IAttributeProto;

/** ONNX's name of an activation, and its alpha and beta where it takes them (a linear function is Affine 1, 0). */
function onnxActivation(a: Activation): { name: string; alpha?: number; beta?: number } {
  switch (a.kind) {
    case "linear":
      return { name: "Affine", alpha: 1, beta: 0 };
    case "hardSigmoid":
    case "affine":
    case "scaledTanh":
      return {
        name: { hardSigmoid: "HardSigmoid", affine: "Affine", scaledTanh: "ScaledTanh" }[a.kind],
        alpha: a.alpha,
        beta: a.beta,
      };
    case "leakyRelu":
    case "elu":
      return { name: a.kind === "elu" ? "Elu" : "LeakyRelu", alpha: a.alpha };
    default:
      return { name: a.kind[0]!.toUpperCase() + a.kind.slice(1) };
  }
}

/** Why an ONNX node cannot hold this layer, or undefined when it can. */
function notOnnx(layer: RecurrentLayer): string | undefined {
  if (layer.kind === "lstm" && layer.projectionSize !== undefined)
    return "its output is projected (PyTorch's proj_size), which an ONNX LSTM node does not do";
  return undefined;
}

const attribute = {
  int: (name: string, i: number): Attribute => ({ name, type: AttributeType.INT, i }),
  float: (name: string, f: number): Attribute => ({ name, type: AttributeType.FLOAT, f }),
  floats: (name: string, floats: number[]): Attribute => ({ name, type: AttributeType.FLOATS, floats }),
  ints: (name: string, ints: number[]): Attribute => ({ name, type: AttributeType.INTS, ints }),
  string: (name: string, s: string): Attribute => ({
    name,
    type: AttributeType.STRING,
    s: new TextEncoder().encode(s),
  }),
  strings: (name: string, strings: string[]): Attribute => ({
    name,
    type: AttributeType.STRINGS,
    strings: strings.map((s) => new TextEncoder().encode(s)),
  }),
};

export interface OnnxExport {
  readonly bytes: Uint8Array;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export function onnxModel(network: Network, dtype: "f32" | "f64"): OnnxExport {
  const floatType = dtype === "f32" ? DataType.FLOAT : DataType.DOUBLE;
  const initializers: onnxProto.onnx.ITensorProto[] = [];
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const constant = (name: string, t: Tensor) => {
    const data = dtype === "f32" ? Float32Array.from(t.data) : Float64Array.from(t.data);
    initializers.push({ name, dims: [...t.shape], dataType: floatType, rawData: new Uint8Array(data.buffer) });
    return name;
  };
  const int64s = (name: string, values: number[]) => {
    const data = BigInt64Array.from(values, BigInt);
    initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  };
  const node = (opType: string, inputs: string[], outputs: string[], attrs: Attribute[] = []) => {
    const name = `${opType.toLowerCase()}${nodes.length}`;
    nodes.push({ opType, name, input: inputs, output: outputs, attribute: attrs });
    return outputs[0]!;
  };
  const info = (name: string, elemType: number, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });

  const { input, readout } = network;
  const graphInputs = [
    input.kind === "embedding"
      ? info("tokens", DataType.INT64, ["steps", "batch"])
      : info("x", floatType, ["steps", "batch", input.size]),
    info("lengths", DataType.INT32, ["batch"]),
  ];
  let x =
    input.kind === "embedding" ? node("Gather", [constant("tokens.table", input.table), "tokens"], ["embedded"]) : "x";
  const graphOutputs: onnxProto.onnx.IValueInfoProto[] = [];
  network.layers.forEach((layer, k) => {
    const why = notOnnx(layer);
    if (why) throw new ImportError(`layer ${k} (${layer.origin}) has no ONNX node: ${why}`);
    const op = { rnn: "RNN", lstm: "LSTM", gru: "GRU" }[layer.kind];
    const H = layer.hiddenSize;
    const D = layer.directions.length;
    const order = packedGateOrder.onnx[layer.kind];
    const gate = (d: number, g: string) => layer.directions[d]!.gates[g];
    // A coupled forget gate (input_forget) has no weights of its own: ONNX still has its rows, which it ignores.
    const block = (d: number, g: string, field: "W" | "U" | "bx" | "bh", cols: number) =>
      gate(d, g)?.[field] ?? zeros(field === "W" || field === "U" ? [H, cols] : [H]);
    const dirs = [...layer.directions.keys()];
    const W = stackNew(dirs.map((d) => concatRows(order.map((g) => block(d, g, "W", layer.inputSize)))));
    const R = stackNew(dirs.map((d) => concatRows(order.map((g) => block(d, g, "U", H)))));
    const hasBias = Object.values(layer.directions[0]!.gates).some((g) => g.bx || g.bh);
    // B is Wb then Rb; a layer with one bias per gate (Keras') has it on the input side, Rb zero.
    const bias = (d: number) =>
      concatRows([...order.map((g) => block(d, g, "bx", 0)), ...order.map((g) => block(d, g, "bh", 0))]);
    const B = hasBias ? stackNew(dirs.map(bias)) : undefined;
    const peephole = (d: number) =>
      concatRows((["i", "o", "f"] as const).map((g) => layer.directions[d]!.peepholes![g]));
    const peepholes = layer.directions[0]!.peepholes ? stackNew(dirs.map(peephole)) : undefined;
    const activations =
      layer.kind === "rnn"
        ? [layer.activation]
        : layer.kind === "gru"
          ? [layer.activations.gate, layer.activations.candidate]
          : [layer.activations.gate, layer.activations.candidate, layer.activations.cell];
    const described = Array.from({ length: D }, () => activations.map(onnxActivation)).flat();
    const attrs: Attribute[] = [
      attribute.int("hidden_size", H),
      attribute.string("direction", D === 2 ? "bidirectional" : "forward"),
      attribute.strings("activations", described.map((a) => a.name)),
      ...(described.some((a) => a.alpha !== undefined)
        ? [attribute.floats("activation_alpha", described.flatMap((a) => (a.alpha === undefined ? [] : [a.alpha])))]
        : []),
      ...(described.some((a) => a.beta !== undefined)
        ? [attribute.floats("activation_beta", described.flatMap((a) => (a.beta === undefined ? [] : [a.beta])))]
        : []),
      ...(layer.clip !== undefined ? [attribute.float("clip", layer.clip)] : []),
      ...(layer.kind === "lstm" && layer.coupledForget ? [attribute.int("input_forget", 1)] : []),
      ...(layer.kind === "gru" ? [attribute.int("linear_before_reset", layer.resetAfter ? 1 : 0)] : []),
    ];
    const p = `l${k}.`;
    const states = layer.kind === "lstm" ? [`${p}h_n`, `${p}c_n`] : [`${p}h_n`];
    const inputs = [x, constant(`${p}W`, W), constant(`${p}R`, R), B ? constant(`${p}B`, B) : "", "lengths"];
    if (peepholes) inputs.push("", "", constant(`${p}P`, peepholes));
    const Y = node(op, inputs, [`${p}Y`, ...states], attrs);
    for (const s of states) graphOutputs.push(info(s, floatType, [D, "batch", H]));
    if (D === 1) x = node("Squeeze", [Y, int64s(`${p}dirs`, [1])], [`${p}y`]);
    else if (layer.merge === "sum")
      x = node("ReduceSum", [Y, int64s(`${p}dirs`, [1])], [`${p}y`], [attribute.int("keepdims", 0)]);
    else {
      const Yt = node("Transpose", [Y], [`${p}Yt`], [attribute.ints("perm", [0, 2, 1, 3])]);
      x = node("Reshape", [Yt, int64s(`${p}shape`, [0, 0, -1])], [`${p}y`]);
    }
  });
  let features = layerOutputSize(network.layers.at(-1)!);
  if (readout) {
    x = node("MatMul", [x, constant("readout.V", transpose(readout.weight))], ["readout.product"]);
    if (readout.bias) x = node("Add", [x, constant("readout.c", readout.bias)], ["readout.sum"]);
    if (readout.activation !== "linear")
      x = node({ sigmoid: "Sigmoid", tanh: "Tanh", relu: "Relu" }[readout.activation], [x], ["readout.out"]);
    features = readout.weight.shape[0]!;
  }
  node("Identity", [x], ["y"]);
  graphOutputs.unshift(info("y", floatType, ["steps", "batch", features]));
  const graph = onnx.GraphProto.create({
    name: "rnnc",
    node: nodes,
    initializer: initializers,
    input: graphInputs,
    output: graphOutputs,
    docString: `exported by rnnc from ${network.file}`,
  });
  const bytes = onnx.ModelProto.encode(
    onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: "", version: 14 }], producerName: "rnnc", graph }),
  ).finish();
  return {
    bytes,
    inputs: graphInputs.map((i) => i.name!),
    outputs: graphOutputs.map((o) => o.name!),
  };
}
