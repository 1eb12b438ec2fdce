// bench — one implementation's training steps on a shape, alone in a fresh
// process, to measure its peak resident set. In (argv): the implementation
// (none | rnnc | plain JS | tfjs-wasm | tfjs-cpu), a directory holding the
// rnnc training module (train.wasm) and the shared data (data.f32: the
// parameters in rnnc's order, then x, then the target), the shape as JSON,
// the number of steps. Out (stdout): JSON with process.resourceUsage().maxRSS
// in KiB and, where /proc exists, VmHWM (the same peak from the kernel's
// memory map). "none" loads rnnc's runtime and nothing else: the baseline.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { rnncTrain } from "./peers/rnnc.js";
import { paramNames } from "./weights.js";

const [kind, dir, shapeJson, stepsArg] = process.argv.slice(2);
const shape = JSON.parse(shapeJson);
const steps = Number(stepsArg);

/** Inverse of writeSharedData in footprint.js. */
function readSharedData() {
  const all = new Float32Array(readFileSync(join(dir, "data.f32")).buffer.slice(0));
  const { cell, I, H, B, T } = shape;
  let at = 0;
  const take = (n) => all.subarray(at, (at += n));
  const params = {};
  for (const name of paramNames(cell))
    params[name] = take(name.startsWith("W") ? H * I : name.startsWith("U") ? H * H : H);
  return { params, x: take(T * B * I), target: take(T * B * H) };
}

async function runner(data) {
  switch (kind) {
    case "rnnc": return rnncTrain(shape, data, readFileSync(join(dir, "train.wasm")));
    case "plain JS": return (await import("./peers/plain.js")).plainTrain(shape, data);
    case "tfjs-wasm":
    case "tfjs-cpu": {
      const backend = kind.slice("tfjs-".length);
      const tfjs = await import("./peers/tfjs.js");
      const { tf, available, note, wasmNote } = await tfjs.loadTfjs({ wasm: backend === "wasm" });
      if (!tf || !available.includes(backend)) throw new Error(note ?? wasmNote);
      return tfjs.tfjsTrain(tf, backend, shape, data);
    }
    default: throw new Error(`unknown implementation ${kind}`);
  }
}

if (kind !== "none") {
  const r = await runner(readSharedData());
  await r.enter?.();
  r.setLearningRate(1e-5);
  for (let i = 0; i < steps; i++) await r.run();
}
const status = existsSync("/proc/self/status") ? readFileSync("/proc/self/status", "utf8") : "";
const vmHwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) || undefined;
process.stdout.write(JSON.stringify({
  kind, steps: kind === "none" ? 0 : steps, maxRssKiB: process.resourceUsage().maxRSS, vmHwmKiB,
}));
