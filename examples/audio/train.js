// examples/audio — trains the waveshaper (waveshaper.ts: an LSTM, I=1, H=8,
// and a dense readout) to imitate a soft clipper, inside its wasm module, by
// truncated BPTT over long signals cut into 128-sample chunks with the state
// carried from chunk to chunk, as the AudioWorklet carries it from render
// quantum to render quantum. In: nothing (seeded). Out: waveshaper.params,
// and the fit on a held-out sine sweep, streamed as the worklet streams it.
//
//   npm run build && node examples/audio/train.js

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileCell } from "../../dist/compiler/api.js";
import { initParams, loadModel, prng } from "../../dist/runtime/index.js";

const QUANTUM = 128;
const SAMPLE_RATE = 48_000;
const dims = { I: 1, H: 8, O: 1 };
const file = fileURLToPath(new URL("./waveshaper.ts", import.meta.url));
const paramsPath = fileURLToPath(new URL("./waveshaper.params", import.meta.url));

/** The curve to imitate: the cubic soft clipper, 1.5x − 0.5x³ inside [−1, 1], ±1 outside. */
export function softClip(x) {
  return Math.abs(x) >= 1 ? Math.sign(x) : 1.5 * x - 0.5 * x * x * x;
}

/** A signal of `frames` samples: one to three sines (30 Hz to 6 kHz), peaking at 0.05 to 1.4. */
function randomSignal(frames, rand) {
  const partials = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
    step: (2 * Math.PI * 30 * Math.pow(200, rand())) / SAMPLE_RATE,
    phase: rand() * 2 * Math.PI,
    weight: 0.2 + rand(),
  }));
  const total = partials.reduce((s, p) => s + p.weight, 0);
  const peak = 0.05 + 1.35 * rand();
  return Float64Array.from({ length: frames }, (_, t) =>
    (peak / total) * partials.reduce((s, p) => s + p.weight * Math.sin(p.phase + p.step * t), 0));
}

const compile = (capacity, train) => compileCell({
  file, text: readFileSync(file, "utf8"), dims, capacity, readFile: (p) => readFileSync(p, "utf8"),
  ...(train ? { train } : { inference: true }),
});
const adam = { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

async function train() {
  const batch = 16;
  const chunks = 16;
  const rounds = 60;
  const model = await loadModel(compile({ batch, steps: QUANTUM }, adam).binary);
  initParams(model, 1, { forgetBias: ["bf"] });
  const rand = prng(2);
  const size = { batch, steps: QUANTUM };
  model.set("lengths", "lengths", new Array(batch).fill(QUANTUM));
  let loss = 0;
  for (let round = 0; round < rounds; round++) {
    const signals = Array.from({ length: batch }, () => randomSignal(chunks * QUANTUM, rand));
    for (const state of ["l0.h", "l0.c"]) model.view(state, "state_in", size).fill(0);
    loss = 0;
    for (let chunk = 0; chunk < chunks; chunk++) {
      const x = model.view("x", "input", size);
      const y = model.view("y", "target", size);
      for (let t = 0; t < QUANTUM; t++) {
        for (let b = 0; b < batch; b++) {
          const value = signals[b][chunk * QUANTUM + t];
          x[t * batch + b] = value;
          y[t * batch + b] = softClip(value);
        }
      }
      loss += model.trainStep(batch, QUANTUM, { learning_rate: round < 45 ? 0.01 : 0.002, clip_norm: 1 });
      for (const state of ["l0.h", "l0.c"])
        model.view(state, "state_in", size).set(model.view(state, "state_out", size));
    }
  }
  return { params: model.saveParams(), meanSquaredError: (2 * loss) / (chunks * batch * QUANTUM) };
}

/** Streams a held-out sweep through the inference build, one quantum at a time; returns the worst and RMS error. */
async function evaluate(params) {
  const model = await loadModel(compile({ batch: 1, steps: QUANTUM }).binary);
  model.loadParams(params);
  const frames = 2 * SAMPLE_RATE;
  let [phase, worst, squares] = [0, 0, 0];
  model.set("lengths", "lengths", [QUANTUM]);
  for (let start = 0; start < frames; start += QUANTUM) {
    const x = model.view("x", "input", { batch: 1, steps: QUANTUM });
    for (let t = 0; t < QUANTUM; t++) {
      const at = (start + t) / frames;
      phase += (2 * Math.PI * 50 * Math.pow(80, at)) / SAMPLE_RATE;
      x[t] = 1.2 * Math.sin(phase) * (0.25 + 0.75 * at);
    }
    model.forward(1, QUANTUM);
    const y = model.view("y", "output", { batch: 1, steps: QUANTUM });
    for (let t = 0; t < QUANTUM; t++) {
      const error = Math.abs(y[t] - softClip(x[t]));
      worst = Math.max(worst, error);
      squares += error * error;
    }
    const one = { batch: 1, steps: 1 };
    for (const state of ["l0.h", "l0.c"]) model.view(state, "state_in", one).set(model.view(state, "state_out", one));
  }
  return { worst, rms: Math.sqrt(squares / frames) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const { params, meanSquaredError } = await train();
  const took = (performance.now() - started) / 1000;
  writeFileSync(paramsPath, params);
  const { worst, rms } = await evaluate(params);
  console.log(
    `trained in ${took.toFixed(1)} s; mean squared error of the last round ${meanSquaredError.toExponential(2)}`,
  );
  console.log("held-out sweep (2 s, 50 Hz to 4 kHz, peak 0.3 to 1.2), streamed by quanta: "
    + `worst error ${worst.toFixed(4)}, RMS ${rms.toFixed(4)}`);
  console.log(`wrote ${paramsPath} (${params.byteLength} bytes)`);
}
