// examples/audio — what one render quantum costs: the waveshaper's
// forward(1, 128) with its state carried, as processor.js calls it, timed in
// Node. In: waveshaper.wasm and waveshaper.params (see README.md). Out: the
// median time per quantum over five runs, against the 2.67 ms a quantum
// lasts at 48 kHz.
//
//   node examples/audio/speed.js

import { readFileSync } from "node:fs";
import { loadModel } from "../../dist/runtime/index.js";

const model = await loadModel(readFileSync(new URL("./waveshaper.wasm", import.meta.url)));
model.loadParams(readFileSync(new URL("./waveshaper.params", import.meta.url)));
const size = { batch: 1, steps: 128 };
const [x, y] = [model.view("x", "input", size), model.view("y", "output", size)];
const one = { batch: 1, steps: 1 };
const states = ["l0.h", "l0.c"].map((s) => [model.view(s, "state_in", one), model.view(s, "state_out", one)]);
model.set("lengths", "lengths", [128]);

let phase = 0;
const quantum = () => {
  for (let t = 0; t < 128; t++) x[t] = 0.9 * Math.sin((phase += 0.03));
  model.forward(1, 128);
  for (const [stateIn, stateOut] of states) stateIn.set(stateOut);
  return y[0];
};

const quanta = 10_000;
for (let i = 0; i < 1000; i++) quantum();
const runs = Array.from({ length: 5 }, () => {
  const started = performance.now();
  for (let i = 0; i < quanta; i++) quantum();
  return ((performance.now() - started) / quanta) * 1000;
}).sort((a, b) => a - b);
const budget = (128 / 48_000) * 1e6;
console.log(`one quantum (128 frames): ${runs[2].toFixed(1)} µs median of 5 runs of ${quanta} `
  + `(${runs[0].toFixed(1)} to ${runs[4].toFixed(1)}); a quantum lasts ${budget.toFixed(0)} µs at 48 kHz: `
  + `${(budget / runs[2]).toFixed(0)}× faster than real time`);
