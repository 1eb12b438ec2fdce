#!/usr/bin/env node
// examples/long-range — why some long-range runs are slow: a cell trained on the adding problem
// as run.js trains it (H=64, batch 32, Adam 0.01, clipping at 1, fresh data), timing each block
// of 10 updates (CPU time) and counting the input cotangents (the gradient of the loss with
// respect to x, which the backward scan leaves in the module) that are subnormal floats. In: a
// cell file and T. Out: a line per block.
//
//   node examples/long-range/subnormals.js examples/elman.ts 200 [updates]

import { readFileSync } from "node:fs";
import { compileCell } from "rnnc/compiler";
import { initParams, instantiateModel, mixSeed } from "rnnc/runtime";
import { adding } from "./tasks.js";
import { cellChoice, cpuSince, feed, readerModel } from "./train.js";

const [cellFile, stepsText, updatesText = "60"] = process.argv.slice(2);
if (cellFile === undefined || !(Number(stepsText) >= 2) || !(Number(updatesText) > 0)) {
  process.stderr.write("usage: node examples/long-range/subnormals.js CELL.ts T [updates]\n");
  process.exit(2);
}
const [steps, updates, batch] = [Number(stepsText), Number(updatesText), 32];
const cell = cellChoice(cellFile);
const { file, text } = readerModel(cell, "O");
const { binary } = compileCell({
  file, text, cell: "reader", dims: { I: 2, O: 1, H: 64 }, capacity: { batch, steps }, loss: "mse-last",
  train: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, readFile: (path) => readFileSync(path, "utf8"),
});
const model = instantiateModel(binary);
initParams(model, 1, { forgetBias: cell.name === "lstm" ? ["bf"] : [] });
// The smallest normal f32: below it (and above 0) a float is subnormal.
const smallestNormal = 2 ** -126;
let cpu = 0;
for (let u = 0; u < updates; u++) {
  const size = feed(model, "adding", adding(batch, steps, mixSeed(1, u)));
  const from = process.cpuUsage();
  model.trainStep(size.batch, size.steps, { learning_rate: 0.01, clip_norm: 1 });
  cpu += cpuSince(from);
  if (u % 10 !== 9 && u !== updates - 1) continue;
  const dx = model.view("x", "grad", size);
  let [subnormal, zero] = [0, 0];
  for (const v of dx) {
    if (v === 0) zero++;
    else if (Math.abs(v) < smallestNormal) subnormal++;
  }
  const block = (u % 10) + 1;
  console.log(
    `${cell.name} T=${steps}, updates ${u + 2 - block}–${u + 1}: ` +
      `${((1000 * cpu) / block).toFixed(1)} ms of CPU each; ` +
      `input cotangents: ${subnormal} subnormal, ${zero} zero, of ${dx.length}`,
  );
  cpu = 0;
}
