#!/usr/bin/env node
// bench — the LSTM in PyTorch's layout (examples/lstm-fused.ts: one [4H, I] and one [4H, H] matrix
// split into the gates) against the four-matrix LSTM (examples/lstm.ts), after `npm run build`. In:
// --shapes (LSTM shapes of shapes.js, default b,c), --rounds. Out: per shape, both cells with the
// same weights (lstm.ts's blocks of rows stacked in PyTorch's gate order i, f, g, o; b_hh zero),
// their outputs compared first, then the forward pass (inference builds) and the training step
// (SGD builds, learning rate 0) timed in this one process, rounds interleaved: the best round's
// wall and CPU time per call and the ratio fused / four-matrix (1 is as fast). Prints a table with
// the CPU model and the load average; --json writes the numbers.

import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { compileCell } from "../dist/compiler/api.js";
import { initParams, loadModel } from "../dist/runtime/index.js";
import { cpuLine, describeCpu } from "./machine.js";
import { describeShape, shapes } from "./shapes.js";
import { bestRounds } from "./timing.js";

const options = {
  shapes: { type: "string", default: "b,c" },
  rounds: { type: "string", default: "7" },
  json: { type: "string" },
};
const { values } = parseArgs({ options });
const rounds = Number(values.rounds);
const gates = ["i", "f", "g", "o"];

async function build(cell, shape, extra) {
  const file = new URL(`../examples/${cell}.ts`, import.meta.url).pathname;
  const capacity = { batch: shape.B, steps: shape.T };
  const options = { file, text: readFileSync(file, "utf8"), dims: { I: shape.I, H: shape.H }, capacity, ...extra };
  return loadModel(compileCell(options).binary);
}

/** Writes lstm.ts's parameters into the fused cell, gate blocks stacked in rows. */
function copyWeights(four, fused) {
  const stacked = (prefix) => {
    const parts = gates.map((g) => four.get(`${prefix}${g}`, "param"));
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) out.set(p, (at += p.length) - p.length);
    return out;
  };
  fused.set("W_ih", "param", stacked("W"));
  fused.set("W_hh", "param", stacked("U"));
  fused.set("b_ih", "param", stacked("b"));
  fused.set("b_hh", "param", new Float32Array(stacked("b").length));
}

function feed(model, shape) {
  model.set("x", "input", new Float32Array(shape.T * shape.B * shape.I).map((_, i) => Math.sin(i * 0.37)));
  model.set("lengths", new Int32Array(shape.B).fill(shape.T));
  if (model.tensors().some((t) => t.role === "target")) {
    model.set("h", "target", new Float32Array(shape.T * shape.B * shape.H).map((_, i) => Math.cos(i * 0.11) / 2));
  }
}

const rows = [];
for (const id of values.shapes.split(",")) {
  const shape = shapes.find((s) => s.id === id && s.cell === "lstm");
  if (!shape) {
    throw new Error(`no LSTM shape ${id}; they are ${
      shapes.filter((s) => s.cell === "lstm").map((s) => s.id).join(", ")
    }`);
  }
  const size = { batch: shape.B, steps: shape.T };
  const row = { shape: id, describe: describeShape(shape) };
  for (const [work, extra] of [
    ["forward", { inference: true, loss: "none" }],
    ["train", { train: { kind: "sgd", momentum: 0 } }],
  ]) {
    const [four, fused] = [await build("lstm", shape, extra), await build("lstm-fused", shape, extra)];
    initParams(four, { seed: 1 });
    copyWeights(four, fused);
    for (const m of [four, fused]) feed(m, shape);
    const [a, b] = [four, fused].map((m) => (m.forward(shape.B, shape.T), m.get("h", "output", size)));
    const worst = a.reduce((w, x, i) => Math.max(w, Math.abs(x - b[i])), 0);
    if (!a.some((x) => Math.abs(x) > 1e-3))
      throw new Error(`${id} ${work}: lstm.ts's output is all but zero: nothing is compared`);
    if (!(worst < 1e-4)) throw new Error(`${id} ${work}: the fused LSTM's output differs from lstm.ts's by ${worst}`);
    const call = (m) => (work === "forward"
      ? () => m.forward(shape.B, shape.T)
      : () => m.trainStep(shape.B, shape.T, { learning_rate: 0, clip_norm: 0 }));
    const best = bestRounds({ four: call(four), fused: call(fused) }, rounds);
    row[work] = {
      ...best,
      maxOutputDifference: worst,
      wallRatio: best.fused.wall / best.four.wall,
      cpuRatio: best.fused.cpu / best.four.cpu,
    };
  }
  rows.push(row);
}

const machine = describeCpu();
const load = loadavg().map((l) => l.toFixed(1)).join(", ");
const ms = (t) => `${t.wall.toFixed(2)} / ${t.cpu.toFixed(2)}`;
const lines = [
  `the LSTM in PyTorch's layout (lstm-fused.ts) against lstm.ts, f32 SIMD; ${cpuLine(machine)}; load average ${load}`,
  "",
  "| shape | work | lstm.ts ms (wall / CPU) | lstm-fused.ts ms (wall / CPU) | "
    + "fused / four-matrix (wall / CPU) | max |Δ h| |",
  "|---|---|---|---|---|---|",
  ...rows.flatMap((r) => ["forward", "train"].map((w) =>
    `| ${r.describe} | ${w} | ${ms(r[w].four)} | ${ms(r[w].fused)} | `
      + `${r[w].wallRatio.toFixed(2)}× / ${r[w].cpuRatio.toFixed(2)}× | ${
        r[w].maxOutputDifference.toExponential(1)
      } |`)),
];
process.stdout.write(`${lines.join("\n")}\n`);
if (values.json) writeFileSync(values.json, JSON.stringify({ machine, loadAverage: loadavg(), rows }, null, 2) + "\n");
