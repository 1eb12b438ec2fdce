// bench/peers — rnnc itself, through its runtime only (the modules come from
// ../compile.js), and the data every implementation shares. In: a shape and
// the modules' bytes. Out: the shared data, a forward runner on the inference
// module, a training runner on the training module's train_step, and one that
// shares each batch among workers (DataParallelTrainer).

import { DataParallelTrainer, initParams, loadModel, prng } from "../../dist/runtime/index.js";
import { paramNames, uniformArray } from "../weights.js";

/**
 * The parameters every implementation starts from (rnnc's own initialiser:
 * Glorot, orthogonal, forget bias 1), an input sequence and a target.
 */
export async function sharedData(shape, trainingBinary, seed) {
  const model = await loadModel(trainingBinary);
  initParams(model, seed, { forgetBias: ["bf"] });
  const params = Object.fromEntries(paramNames(shape.cell).map((n) => [n, Float32Array.from(model.get(n, "param"))]));
  const rand = prng(seed + 1);
  const { I, H, B, T } = shape;
  return { params, x: uniformArray(rand, T * B * I, 1), target: uniformArray(rand, T * B * H, 0.5) };
}

async function loaded(binary, shape, data) {
  const size = { batch: shape.B, steps: shape.T };
  const model = await loadModel(binary, { capacity: size });
  const load = (params) => {
    for (const [name, values] of Object.entries(params)) model.set(name, "param", values);
  };
  load(data.params);
  model.set("x", "input", data.x);
  model.set("lengths", "lengths", new Array(shape.B).fill(shape.T));
  for (const s of model.tensors().filter((t) => t.role === "state_in")) model.view(s.name, "state_in", size).fill(0);
  if (model.tensors().some((t) => t.role === "target")) model.set("h", "target", data.target);
  return { model, size, load };
}

/** `extra` adds fields to the runner (a tolerance of its own for the check). */
export async function rnncForward(shape, data, binary, extra = {}) {
  const { model, size } = await loaded(binary, shape, data);
  return {
    ...extra,
    name: "rnnc",
    sync: true,
    run: () => model.forward(size.batch, size.steps),
    output: () => Float32Array.from(model.view("h", "output", size)),
  };
}

export async function rnncTrain(shape, data, binary) {
  const { model, size, load } = await loaded(binary, shape, data);
  let learningRate = 0;
  return {
    name: "rnnc",
    sync: true,
    model,
    setLearningRate: (lr) => { learningRate = lr; },
    load,
    params: () => Object.fromEntries(paramNames(shape.cell).map((n) => [n, Float32Array.from(model.get(n, "param"))])),
    run: () => model.trainStep(size.batch, size.steps, { learning_rate: learningRate, clip_norm: 0 }),
  };
}

/** `workers` workers sharing each batch, on a host model filled as rnncTrain fills its one instance. */
export async function rnncParallelTrain(shape, data, binary, workers) {
  const single = await rnncTrain(shape, data, binary);
  const trainer = new DataParallelTrainer(single.model, { workers });
  let learningRate = 0;
  return {
    ...single,
    name: `rnnc ${workers} workers`,
    setLearningRate: (lr) => { learningRate = lr; },
    run: () => trainer.trainStep(shape.B, shape.T, { learning_rate: learningRate, clip_norm: 0 }),
    dispose: () => trainer.close(),
  };
}
