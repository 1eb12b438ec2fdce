// bench — N threads in lockstep, each running one worker's share of a training
// step (forward and backward of ⌈B/N⌉ rows on its own instance) and waiting
// for the others before the next: what a step of N data-parallel workers
// costs on this machine with the gradient sum, the update and the copies
// free. Where the cores' speed jitters from one step to the next (a shared
// virtual machine), each step waits for the slower thread, so this can be
// well above the share's time alone. In: the training module's bytes, the
// share's shape and data, N, the number of steps. Out: per step the slowest
// thread's time; the median of those, and each thread's own median.

import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { median } from "./harness.js";

/** Runs `steps` lockstep steps on `threads` threads; resolves to { slowestMs, threadMs: [...] } (medians). */
export async function lockstepShares(binary, share, data, threads, steps) {
  const control = new SharedArrayBuffer(8);
  const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url), {
    workerData: { binary, share, data, control, threads, steps },
  }));
  try {
    const times = await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    })));
    const slowest = times[0].map((_, i) => Math.max(...times.map((t) => t[i])));
    return { slowestMs: median(slowest), threadMs: times.map(median) };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Spins until `count` threads have arrived at word `at` (a futex wait would add its wake-up to a step's time). */
function meet(words, at, count) {
  Atomics.add(words, at, 1);
  while (Atomics.load(words, at) < count) { /* spin */ }
}

async function serve() {
  const { loadModel } = await import("../dist/runtime/index.js");
  const { binary, share, data, control, threads, steps } = workerData;
  const size = { batch: share.B, steps: share.T };
  const model = await loadModel(binary, { capacity: size });
  for (const [name, values] of Object.entries(data.params)) model.set(name, "param", values);
  model.set("x", "input", data.x);
  model.set("h", "target", data.target);
  model.set("lengths", "lengths", new Array(share.B).fill(share.T));
  const step = () => {
    model.forward(size.batch, size.steps);
    model.backward(size.batch, size.steps);
  };
  for (let i = 0; i < 5; i++) step(); // V8 tiers the module's functions up before the timed steps.
  const words = new Int32Array(control);
  const times = [];
  for (let i = 0; i < steps; i++) {
    meet(words, 0, threads * (i + 1));
    const started = performance.now();
    step();
    times.push(performance.now() - started);
  }
  parentPort.postMessage(times);
}

if (!isMainThread && workerData?.share) await serve();
