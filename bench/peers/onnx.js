// bench/peers — onnxruntime-web (wasm execution provider, one thread, no
// proxy worker) running a one-node ONNX LSTM, GRU or RNN (Elman) model built
// here with onnx-proto; forward only (onnxruntime-web has no training). In: a
// shape and the shared data. Out: a forward runner, or a note why it could
// not load. With `state`, the model also takes the initial state
// (initial_h, initial_c) and returns the final one (Y_h, Y_c), for a host
// that streams step by step and feeds the state back.
//
// ONNX layouts: X [T, B, I] (time-major, as rnnc), Y [T, 1, B, H];
// W [1, G·H, I], R [1, G·H, H] with rows per gate as rnnc's W and U;
// B [1, 2·G·H] = input biases then recurrent biases (zeros here).
// Gate order i, o, f, c (LSTM; rnnc's g is ONNX's c) and z, r, h (GRU, with
// linear_before_reset = 0: the reset before the product, as examples/gru.ts);
// the RNN node's default activation is tanh, as examples/elman.ts.
// ONNX's GRU keeps z of the old state, so rnnc's z weights are negated (see
// tfjs.js).

import { stack } from "../weights.js";

let loaded;

export async function loadOnnx() {
  loaded ??= (async () => {
    try {
      const [{ default: proto }, ort] = await Promise.all([import("onnx-proto"), import("onnxruntime-web")]);
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
      ort.env.logLevel = "error";
      return { onnx: proto.onnx, ort };
    } catch (error) {
      return {
        note: `onnxruntime-web or onnx-proto could not be loaded: ${String(error?.message ?? error).split("\n")[0]}`,
      };
    }
  })();
  return loaded;
}

const onnxGates = { lstm: ["i", "o", "f", "g"], gru: ["z", "r", "h"], elman: [""] };
const negatedGates = { lstm: [], gru: ["z"], elman: [] };
const opTypes = { lstm: "LSTM", gru: "GRU", elman: "RNN" };
/** The state tensors of each node: [initial input, final output]. */
export const stateNames = {
  lstm: [["initial_h", "Y_h"], ["initial_c", "Y_c"]],
  gru: [["initial_h", "Y_h"]],
  elman: [["initial_h", "Y_h"]],
};

/** The bytes of a model with one LSTM, GRU or RNN node whose weights are initializers. */
export function buildRnnModel(onnx, shape, params, { state = false } = {}) {
  const { cell, I, H, B, T } = shape;
  const order = onnxGates[cell];
  const G = order.length * H;
  const neg = negatedGates[cell];
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const initializer = (name, dims, values) =>
    onnx.TensorProto.create({
      name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
  const valueInfo = (name, dims) => onnx.ValueInfoProto.create({
    name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const bias = new Float32Array(2 * G);
  bias.set(stack(params, "b", order, neg));
  const states = state ? stateNames[cell] : [];
  const node = onnx.NodeProto.create({
    opType: opTypes[cell],
    // Input 4 is sequence_lens (left out: every sequence is T long), then initial_h and initial_c.
    input: ["X", "W", "R", "B", ...(state ? ["", ...states.map(([i]) => i)] : [])],
    output: ["Y", ...states.map(([, o]) => o)],
    attribute: [
      { name: "hidden_size", type: onnx.AttributeProto.AttributeType.INT, i: H },
      ...(cell === "gru" ? [{ name: "linear_before_reset", type: onnx.AttributeProto.AttributeType.INT, i: 0 }] : []),
    ],
  });
  const graph = onnx.GraphProto.create({
    name: `rnnc_bench_${cell}`,
    node: [node],
    initializer: [
      initializer("W", [1, G, I], stack(params, "W", order, neg)),
      initializer("R", [1, G, H], stack(params, "U", order, neg)),
      initializer("B", [1, 2 * G], bias),
    ],
    input: [valueInfo("X", [T, B, I]), ...states.map(([i]) => valueInfo(i, [1, B, H]))],
    output: [valueInfo("Y", [T, 1, B, H]), ...states.map(([, o]) => valueInfo(o, [1, B, H]))],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8, opsetImport: [{ domain: "", version: 14 }], producerName: "rnnc-bench", graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

export async function onnxForward({ onnx, ort }, shape, data) {
  const { I, B, T } = shape;
  const session = await ort.InferenceSession.create(buildRnnModel(onnx, shape, data.params), {
    executionProviders: ["wasm"], graphOptimizationLevel: "all",
  });
  const feeds = { X: new ort.Tensor("float32", data.x, [T, B, I]) };
  let last;
  return {
    name: "onnxruntime-web",
    sync: false,
    run: async () => { last = (await session.run(feeds)).Y; },
    output: () => Float32Array.from(last.data),
    dispose: () => session.release(),
  };
}
