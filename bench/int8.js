#!/usr/bin/env node
// bench — the 8-bit inference build against the f32 one (after `npm run build`). In: --shapes
// (ids of shapes.js, default b,c), --rounds. Out: per shape, both inference builds of the cell
// (examples/lstm.ts or gru.ts) with the same parameters and inputs, their outputs compared first,
// then the forward pass timed in this one process, rounds alternating between the builds: the best
// round's wall time and this process's CPU time per call (on a shared machine the CPU time is the
// steadier of the two), their ratios, and the bytes of each build's weight matrices (the f32
// build's parameters and the packed copies it keeps of them; the int8 build's blocks and row
// scales). Prints a table with the CPU model and the load average; --json writes the numbers.

import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { compileCell } from "../dist/compiler/api.js";
import { initParams, loadModel } from "../dist/runtime/index.js";
import { cpuLine, describeCpu } from "./machine.js";
import { describeShape, forwardFlops, shapeBuild, shapesNamed } from "./shapes.js";
import { bestRounds } from "./timing.js";

const { values } = parseArgs({
  options: {
    shapes: { type: "string", default: "b,c" },
    rounds: { type: "string", default: "7" },
    json: { type: "string" },
  },
});
const rounds = Number(values.rounds);
/**
 * Bytes of the weight matrices: `own`, the param regions of rank 2 (int8: blocks and row scales);
 * `all`, with the panels the module packs from them and keeps (the f32 build's; none in int8).
 */
function weightBytes(model) {
  const matrices = new Set(model.tensors()
    .filter((t) => t.role === "param" && t.shape.length === 2)
    .map((t) => t.name));
  const bytes = { own: 0, all: 0 };
  for (const [entry, place] of model.regions()) {
    const packed = entry.role === "scratch" && entry.name.startsWith("panels.")
      && matrices.has(entry.name.slice(7).replace(/\.T$/, ""));
    const own = matrices.has(entry.name) && (entry.role === "param" || entry.role === "param_scale");
    if (own) bytes.own += place.bytes;
    if (own || packed) bytes.all += place.bytes;
  }
  return bytes;
}

const rows = [];
for (const shape of shapesNamed(values.shapes)) {
  const id = shape.id;
  const base = { ...shapeBuild(shape), inference: true };
  const builds = { f32: base, int8: { ...base, quantize: "int8" } };
  const models = {};
  const x = new Float32Array(shape.T * shape.B * shape.I).map((_, i) => Math.sin(i * 0.37));
  for (const [name, options] of Object.entries(builds)) {
    const model = await loadModel(compileCell(options).binary);
    initParams(model, { seed: 1 });
    model.set("x", "input", x);
    model.set("lengths", new Int32Array(shape.B).fill(shape.T));
    models[name] = model;
  }
  // Each build holds the weights as set: the difference below is the int8 build's whole error.
  const size = { batch: shape.B, steps: shape.T };
  const outputs = Object.fromEntries(Object.entries(models).map(([name, m]) => {
    m.forward(shape.B, shape.T);
    return [name, m.get("h", "output", size)];
  }));
  let worst = 0;
  for (let i = 0; i < outputs.f32.length; i++) worst = Math.max(worst, Math.abs(outputs.f32[i] - outputs.int8[i]));
  const best = bestRounds({
    f32: () => models.f32.forward(shape.B, shape.T),
    int8: () => models.int8.forward(shape.B, shape.T),
  }, rounds);
  rows.push({
    shape: id, describe: describeShape(shape), maxOutputDifference: worst,
    f32: { ...best.f32, weightBytes: weightBytes(models.f32) },
    int8: { ...best.int8, weightBytes: weightBytes(models.int8) },
    wallRatio: best.f32.wall / best.int8.wall, cpuRatio: best.f32.cpu / best.int8.cpu,
    int8Gops: forwardFlops(shape) / best.int8.cpu / 1e6,
  });
}

const kib = (f32, int8) => `${(f32 / 1024).toFixed(0)} → ${(int8 / 1024).toFixed(0)} (${(f32 / int8).toFixed(2)}×)`;
const machine = describeCpu();
const load = loadavg().map((l) => l.toFixed(1)).join(", ");
const lines = [
  `rnnc int8 against f32 inference builds, forward pass; ${cpuLine(machine)}; load average ${load}`,
  "",
  "| shape | f32 ms (wall / CPU) | int8 ms (wall / CPU) | speed-up (wall / CPU) | int8 GOP/s (CPU) "
    + "| weight KiB f32 → int8 | with f32's packed copies | max |Δ output| |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => [
    r.describe,
    `${r.f32.wall.toFixed(2)} / ${r.f32.cpu.toFixed(2)}`,
    `${r.int8.wall.toFixed(2)} / ${r.int8.cpu.toFixed(2)}`,
    `${r.wallRatio.toFixed(2)}× / ${r.cpuRatio.toFixed(2)}×`,
    r.int8Gops.toFixed(0),
    kib(r.f32.weightBytes.own, r.int8.weightBytes.own),
    kib(r.f32.weightBytes.all, r.int8.weightBytes.all),
    r.maxOutputDifference.toExponential(1),
  ]).map((cells) => `|${cells.map((cell) => ` ${cell} `).join("|")}|`),
];
process.stdout.write(`${lines.join("\n")}\n`);
if (values.json) writeFileSync(values.json, JSON.stringify({ machine, loadAverage: loadavg(), rows }, null, 2) + "\n");
