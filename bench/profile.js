#!/usr/bin/env node
// bench — where an LSTM's forward pass spends its time (after `npm run build`). In: --shapes
// (LSTM shapes of shapes.js). Out: per shape, the median forward time of examples/lstm.ts and of
// bench/cells/lstm-products.ts — the same eight products, W·x before the time loop and U·h in it,
// with no gates — both inference builds; their ratio is the products' share, the rest is the
// gates' pointwise work and the loop around it.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { compileCell } from "../dist/compiler/api.js";
import { initParams, loadModel } from "../dist/runtime/index.js";
import { forwardFlops, shapes } from "./shapes.js";

const { values } = parseArgs({ options: { shapes: { type: "string", default: "a,b,c" } } });
const cells = [
  ["lstm", new URL("../examples/lstm.ts", import.meta.url).pathname],
  ["lstmProducts", new URL("./cells/lstm-products.ts", import.meta.url).pathname],
];

function median(run, calls) {
  for (let i = 0; i < 3; i++) run();
  const times = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[calls >> 1];
}

console.log("shape  LSTM forward ms  products only ms  products' share  products GFLOP/s");
for (const id of values.shapes.split(",")) {
  const shape = shapes.find((s) => s.id === id && s.cell === "lstm");
  if (!shape) throw new Error(`no LSTM shape "${id}"; choose from ${shapes.filter((s) => s.cell === "lstm").map((s) => s.id).join(", ")}`);
  const { I, H, B, T } = shape;
  const ms = [];
  for (const [cell, file] of cells) {
    const { binary } = compileCell({ file, text: readFileSync(file, "utf8"), cell, dims: { I, H }, capacity: { batch: B, steps: T }, loss: "none", inference: true });
    const model = await loadModel(binary);
    initParams(model, 1);
    const size = { batch: B, steps: T };
    const x = model.view("x", "input", size);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
    model.set("lengths", "lengths", new Array(B).fill(T));
    ms.push(median(() => model.forward(B, T), id === "c" ? 9 : 31));
  }
  const [lstm, products] = ms;
  console.log(`(${id})   ${lstm.toFixed(2).padStart(14)}  ${products.toFixed(2).padStart(16)}  ${`${((100 * products) / lstm).toFixed(0)}%`.padStart(15)}  ${(forwardFlops(shape) / products / 1e6).toFixed(1).padStart(16)}`);
}
