// bench/peers — the runners of the streaming bench (bench/stream.js). Each
// run() processes one sequence of T steps from the zero state, either in
// blocks of `block` steps with the state carried from block to block (block
// 1: step by step, the state fed back after every step, as an online host
// does) or in one call; output() is h_1 … h_T, [T, B, H]. In: a shape
// { cell, I, H, B, T } and the shared data. Out: runners for harness.js.

import { loadModel, RnncStream } from "../../dist/runtime/index.js";
import { buildRnnModel, onnxForward, stateNames } from "./onnx.js";
import { build } from "./plain.js";

/** Consecutive pieces of x, `block` steps each. */
function blocksOf(x, shape, block) {
  const per = shape.B * shape.I;
  const out = [];
  for (let t = 0; t < shape.T; t += block) out.push(x.subarray(t * per, Math.min(shape.T, t + block) * per));
  return out;
}

async function rnncModel(binary, data) {
  const model = await loadModel(binary);
  for (const [name, values] of Object.entries(data.params)) model.set(name, "param", values);
  return model;
}

/**
 * rnnc through the runtime's RnncStream: step() for blocks of 1, run(inputs,
 * block) otherwise; each returns new arrays, or, with `into`, writes the
 * outputs straight into the sequence's output array.
 */
export async function rnncStream(shape, data, binary, block, { into = false } = {}) {
  const { B, H } = shape;
  const stream = new RnncStream(await rnncModel(binary, data), B);
  const pieces = blocksOf(data.x, shape, block);
  const out = new Float32Array(shape.T * B * H);
  const rows = pieces.map((x, k) => ({
    h: out.subarray(k * block * B * H, (k * block + x.length / (B * shape.I)) * B * H),
  }));
  const stepsOf = (x) => x.length / (B * shape.I);
  const run = into
    ? () => pieces.forEach((x, k) => stream.run({ x }, stepsOf(x), rows[k]))
    : block === 1
      ? () => pieces.forEach((x, t) => out.set(stream.step({ x }).h, t * B * H))
      : () => pieces.forEach((x, k) => out.set(stream.run({ x }, stepsOf(x)).h, k * block * B * H));
  const how = `${block === 1 ? "RnncStream.step" : "RnncStream.run"}${into ? ", into" : ""}`;
  return {
    name: "rnnc", how, block, sync: true,
    run: () => { stream.reset(); run(); },
    output: () => out,
  };
}

/** rnnc's module called as a host without the runtime would: write x, forward(B, 1), copy the state back. */
export async function rnncExports(shape, data, binary) {
  const { B, H } = shape;
  const model = await rnncModel(binary, data);
  const states = model.tensors().filter((t) => t.role === "state_in").map((t) => {
    const units = t.shape.at(-1);
    return {
      from: model.tensor(t.name, "state_out").subarray(0, B * units),
      to: model.tensor(t.name, "state_in").subarray(0, B * units),
    };
  });
  const x = model.tensor("x", "input");
  const h = model.tensor("h", "output").subarray(0, B * H);
  model.tensor("lengths", "lengths").fill(1);
  const forward = model.instance.exports.forward;
  const pieces = blocksOf(data.x, shape, 1);
  const out = new Float32Array(shape.T * B * H);
  return {
    name: "rnnc", how: "raw exports", block: 1, sync: true,
    run: () => {
      for (const s of states) s.to.fill(0);
      for (let t = 0; t < pieces.length; t++) {
        x.set(pieces[t]);
        forward(B, 1);
        for (const s of states) s.to.set(s.from);
        out.set(h, t * B * H);
      }
    },
    output: () => out,
  };
}

/** onnxruntime-web on a one-step model with state inputs and outputs, the state fed back after every step. */
export async function onnxSteps({ onnx, ort }, shape, data) {
  const { B, I, H } = shape;
  const names = stateNames[shape.cell];
  const session = await ort.InferenceSession.create(
    buildRnnModel(onnx, { ...shape, T: 1 }, data.params, { state: true }),
    { executionProviders: ["wasm"], graphOptimizationLevel: "all" },
  );
  const xs = blocksOf(data.x, shape, 1).map((x) => new ort.Tensor("float32", Float32Array.from(x), [1, B, I]));
  const zero = names.map(() => new ort.Tensor("float32", new Float32Array(B * H), [1, B, H]));
  const fetches = names.map(([, output]) => output);
  const out = new Float32Array(shape.T * B * H);
  return {
    name: "onnxruntime-web", how: "state fed back", block: 1, sync: false,
    run: async () => {
      let state = zero;
      for (let t = 0; t < xs.length; t++) {
        const feeds = { X: xs[t] };
        names.forEach(([input], k) => { feeds[input] = state[k]; });
        const result = await session.run(feeds, fetches);
        state = fetches.map((name) => result[name]);
        out.set(result.Y_h.data, t * B * H);
      }
    },
    output: () => out,
    dispose: () => session.release(),
  };
}

/** onnxruntime-web on the whole sequence in one call. */
export async function onnxWhole(onnx, shape, data) {
  const runner = await onnxForward(onnx, shape, data);
  return { ...runner, how: "one call", block: shape.T };
}

/** The hand-written JavaScript cell on one step at a time, its final state written back as the next initial state. */
export function plainSteps(shape, data) {
  const { B, H } = shape;
  const { net } = build({ ...shape, T: 1 }, data);
  const pieces = blocksOf(data.x, shape, 1);
  const out = new Float32Array(shape.T * B * H);
  return {
    name: "plain JS", how: "state fed back", block: 1, sync: true,
    run: () => {
      for (const s of Object.values(net.initial)) s.fill(0);
      for (let t = 0; t < pieces.length; t++) {
        net.forward(pieces[t]);
        const final = net.final();
        for (const [name, s] of Object.entries(net.initial)) s.set(final[name]);
        out.set(net.output(), t * B * H);
      }
    },
    output: () => out,
  };
}

/** The hand-written JavaScript cell on the whole sequence in one call. */
export function plainWhole(shape, data) {
  const { net } = build(shape, data);
  return {
    name: "plain JS", how: "one call", block: shape.T, sync: true,
    run: () => net.forward(data.x),
    output: () => net.output(),
  };
}
