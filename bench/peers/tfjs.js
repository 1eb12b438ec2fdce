// bench/peers — TF.js layers (tf.layers.lstm / tf.layers.gru with
// returnSequences) on the "wasm" backend (@tensorflow/tfjs-backend-wasm, one
// thread) and the "cpu" backend (plain JS kernels). Training is one step of
// tf.train.sgd minimising rnnc's loss, ½·Σ (h − target)². In: a shape and the
// shared data. Out: runners, or a note why TF.js could not be loaded.
//
// Layouts: TF.js is batch-major [B, T, F]; kernel [I, G·H], recurrent kernel
// [H, G·H], bias [G·H], gates i, f, c, o (LSTM; rnnc's g is TF.js' c) and
// z, r, h (GRU). TF.js' GRU keeps z of the old state, h' = z·h + (1 − z)·n,
// where rnnc's keeps 1 − z; since σ(−a) = 1 − σ(a), negating rnnc's z
// weights and bias gives TF.js the same function.

import { gatesOf, stack, swapLeadingAxes, transpose, unstack } from "../weights.js";

let loaded;

/** Imports TF.js once; resolves to { tf, available, wasmNote } or { note }. */
export async function loadTfjs({ wasm: withWasm = true } = {}) {
  loaded ??= (async () => {
    try {
      const tf = await import("@tensorflow/tfjs");
      tf.enableProdMode(); // in TF.js this only silences warnings (the "install tfjs-node" banner)
      const available = ["cpu"];
      let wasmNote;
      if (withWasm) {
        try {
          const wasm = await import("@tensorflow/tfjs-backend-wasm");
          wasm.setThreadsCount(1);
          tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
          if (await tf.setBackend("wasm")) available.push("wasm");
          else wasmNote = "the wasm backend did not initialise";
        } catch (error) {
          wasmNote = `@tensorflow/tfjs-backend-wasm could not be loaded: ${firstLine(error)}`;
        }
      }
      await tf.setBackend("cpu");
      return { tf, available, wasmNote };
    } catch (error) {
      return { note: `@tensorflow/tfjs could not be loaded: ${firstLine(error)}` };
    }
  })();
  return loaded;
}

const negatedGates = { lstm: [], gru: ["z"] };

function tfWeights(tf, shape, params) {
  const { cell, I, H } = shape;
  const order = gatesOf[cell];
  const G = order.length * H;
  const neg = negatedGates[cell];
  return [
    tf.tensor2d(transpose(stack(params, "W", order, neg), G, I), [I, G]),
    tf.tensor2d(transpose(stack(params, "U", order, neg), G, H), [H, G]),
    tf.tensor1d(stack(params, "b", order, neg)),
  ];
}

async function build(tf, backend, shape, data) {
  await tf.setBackend(backend);
  const { cell, I, H, B, T } = shape;
  const options = {
    units: H, returnSequences: true, recurrentActivation: "sigmoid",
    kernelInitializer: "zeros", recurrentInitializer: "zeros",
  };
  const layer = cell === "lstm" ? tf.layers.lstm(options) : tf.layers.gru(options);
  const x = tf.tensor3d(swapLeadingAxes(data.x, T, B, I), [B, T, I]);
  const target = tf.tensor3d(swapLeadingAxes(data.target, T, B, H), [B, T, H]);
  tf.tidy(() => layer.apply(x)); // builds the weights
  const load = (params) => tf.tidy(() => layer.setWeights(tfWeights(tf, shape, params)));
  load(data.params);
  const params = () => {
    const [kernel, recurrent, bias] = layer.getWeights().map((w) => w.dataSync());
    const order = gatesOf[cell];
    const G = order.length * H;
    const neg = negatedGates[cell];
    return {
      ...unstack(transpose(kernel, I, G), "W", order, neg),
      ...unstack(transpose(recurrent, H, G), "U", order, neg),
      ...unstack(bias, "b", order, neg),
    };
  };
  const enter = () => tf.setBackend(backend);
  const dispose = () => { layer.dispose(); x.dispose(); target.dispose(); };
  return { layer, x, target, load, params, enter, dispose };
}

export async function tfjsForward(tf, backend, shape, data) {
  const { layer, x, enter, dispose } = await build(tf, backend, shape, data);
  const { B, T, H } = shape;
  let last;
  return {
    name: `tfjs-${backend}`,
    sync: true,
    enter,
    run: () => {
      last?.dispose();
      last = layer.apply(x);
    },
    output: () => swapLeadingAxes(last.dataSync(), B, T, H),
    dispose: () => { last?.dispose(); dispose(); },
  };
}

export async function tfjsTrain(tf, backend, shape, data) {
  const { layer, x, target, load, params, enter, dispose } = await build(tf, backend, shape, data);
  const optimizer = tf.train.sgd(0);
  const variables = layer.trainableWeights.map((w) => w.val);
  const loss = () => tf.mul(0.5, tf.sum(tf.squaredDifference(layer.apply(x), target)));
  return {
    name: `tfjs-${backend}`,
    sync: true,
    enter,
    setLearningRate: (lr) => optimizer.setLearningRate(lr),
    load,
    params,
    run: () => { optimizer.minimize(loss, false, variables); },
    dispose: () => { optimizer.dispose(); dispose(); },
  };
}

function firstLine(error) {
  return String(error?.message ?? error).split("\n")[0];
}
