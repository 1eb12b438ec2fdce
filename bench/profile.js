#!/usr/bin/env node
// bench — where an LSTM's forward pass spends its time (after `npm run build`). In: --shapes
// (LSTM shapes of shapes.js). Out: per shape, the median forward time of examples/lstm.ts and of
// bench/cells/lstm-products.ts — the same eight products, W·x before the time loop and U·h in it,
// with no gates — both inference builds; their ratio is the products' share, the rest is the
// gates' pointwise work and the loop around it (--quantize int8: of the 8-bit builds). Shape s is
// the streaming bench's LSTM (bench/stream.js: I=1 H=32, batch 1, a block of 128 steps).

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { compileCell } from "../dist/compiler/api.js";
import { initParams, loadModel } from "../dist/runtime/index.js";
import { forwardFlops, shapes } from "./shapes.js";

const { values } = parseArgs({
  options: { shapes: { type: "string", default: "a,b,c" }, quantize: { type: "string" } },
});
if (values.quantize !== undefined && values.quantize !== "int8") {
  throw new Error(`--quantize takes int8, not ${values.quantize}`);
}
const lstmShapes = [...shapes.filter((s) => s.cell === "lstm"), { id: "s", cell: "lstm", I: 1, H: 32, B: 1, T: 128 }];
const cells = [
  ["lstm", new URL("../examples/lstm.ts", import.meta.url).pathname],
  ["lstmProducts", new URL("./cells/lstm-products.ts", import.meta.url).pathname],
];

/**
 * Median ms of one call, over `calls` samples of enough calls to last 1 ms, after 200 ms of warm-up (V8 optimises a
 * wasm function only once it has run a while).
 */
function median(run, calls) {
  const warm = performance.now();
  let inner = 0;
  while (performance.now() - warm < 200) {
    run();
    inner++;
  }
  inner = Math.max(1, Math.ceil(inner / 200));
  const times = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    for (let k = 0; k < inner; k++) run();
    times.push((performance.now() - started) / inner);
  }
  times.sort((a, b) => a - b);
  return times[calls >> 1];
}

const ms = (v) => (v >= 1 ? v.toFixed(2) : v.toFixed(3));
console.log("shape  LSTM forward ms  µs per step  products only ms  products' share  products GFLOP/s");
for (const id of values.shapes.split(",")) {
  const shape = lstmShapes.find((s) => s.id === id);
  if (!shape) throw new Error(`no LSTM shape "${id}"; choose from ${lstmShapes.map((s) => s.id).join(", ")}`);
  const { I, H, B, T } = shape;
  const times = [];
  for (const [cell, file] of cells) {
    const { binary } = compileCell({
      file, text: readFileSync(file, "utf8"), cell, dims: { I, H }, capacity: { batch: B, steps: T }, loss: "none",
      inference: true, ...(values.quantize ? { quantize: values.quantize } : {}),
    });
    const model = await loadModel(binary);
    initParams(model, 1);
    const size = { batch: B, steps: T };
    const x = model.view("x", "input", size);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
    model.set("lengths", "lengths", new Array(B).fill(T));
    times.push(median(() => model.forward(B, T), id === "c" ? 9 : 31));
  }
  const [lstm, products] = times;
  const share = `${((100 * products) / lstm).toFixed(0)}%`;
  const perStep = ((1000 * lstm) / T).toFixed(3);
  console.log(`(${id})   ${ms(lstm).padStart(14)}  ${perStep.padStart(11)}  ${ms(products).padStart(16)}  ${
    share.padStart(15)
  }  ${(forwardFlops(shape) / products / 1e6).toFixed(1).padStart(16)}`);
}
