#!/usr/bin/env node
// bench — which register tile of the matrix products is fastest on this core (after `npm run
// build`). In: --shapes (ids of shapes.js, default a,b,c,d), --tiles (ROWSxVECTORS variants, the
// default tile first), --work (forward, train or both), --rounds, --json. Out: per shape and work,
// one build per tile (the `tiling` option, `rnnc compile --tiles`) with the same parameters and
// inputs, their outputs compared first (every tiling sums each output in the same order, so they
// must agree bit for bit), then the forward pass (inference build) or the training step (SGD
// build) timed in this one process, rounds alternating between the tiles, in two passes of
// --rounds rounds each: per tile the best round's CPU time per call over both passes and its speed
// over the default's in each pass. A tile is reported faster than the default only when it is
// faster by more than --margin (default 3%) in both passes: on a shared machine one pass can
// favour a tile by more than that (these machines' speed changes by up to 1.5x from second to
// second, whichever code runs).

import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { compileCell } from "../dist/compiler/api.js";
import { initParams, loadModel } from "../dist/runtime/index.js";
import { cpuLine, describeCpu } from "./machine.js";
import { describeShape, shapeBuild, shapesNamed } from "./shapes.js";
import { bestRounds } from "./timing.js";

const { values } = parseArgs({
  options: {
    shapes: { type: "string", default: "a,b,c,d" },
    tiles: { type: "string", default: "2x4,1x4,2x2,2x3,3x2,3x3,4x2,4x3,1x6" },
    work: { type: "string", default: "both" },
    rounds: { type: "string", default: "5" },
    margin: { type: "string", default: "0.03" },
    json: { type: "string" },
  },
});
const works = values.work === "both" ? ["forward", "train"] : [values.work];
if (!works.every((w) => w === "forward" || w === "train")) throw new Error("--work takes forward, train or both");
const tiles = values.tiles.split(",").map((t) => {
  const m = /^(\d+)x(\d+)$/.exec(t.trim());
  if (!m) throw new Error(`--tiles: "${t}" is not ROWSxVECTORS`);
  return { name: t.trim(), tiling: { tileRows: Number(m[1]), stripVectors: Number(m[2]) } };
});
const rounds = Number(values.rounds);
const margin = Number(values.margin);

/** The model of one build, filled from the same seed and inputs as every other tile's. */
async function filled(options, shape) {
  const model = await loadModel(compileCell(options).binary);
  initParams(model, { seed: 1 });
  const size = { batch: shape.B, steps: shape.T };
  model.set("x", "input", new Float32Array(shape.T * shape.B * shape.I).map((_, i) => Math.sin(i * 0.37)));
  model.set("lengths", new Int32Array(shape.B).fill(shape.T));
  if (model.tensors().some((t) => t.role === "target")) {
    model.set("h", "target", new Float32Array(shape.T * shape.B * shape.H).map((_, i) => Math.cos(i * 0.11) / 2));
  }
  return { model, size };
}

const rows = [];
for (const shape of shapesNamed(values.shapes)) {
  const id = shape.id;
  const base = shapeBuild(shape);
  for (const work of works) {
    const build = work === "forward"
      ? { ...base, inference: true, loss: "none" }
      : { ...base, loss: "mse", train: { kind: "sgd", momentum: 0 } };
    const runs = {};
    let reference;
    for (const { name, tiling } of tiles) {
      const { model, size } = await filled({ ...build, tiling }, shape);
      // learning rate 0: every call starts from the same parameters, so the calls time the same work.
      const run = work === "forward"
        ? () => model.forward(size.batch, size.steps)
        : () => model.trainStep(size.batch, size.steps, { learning_rate: 0, clip_norm: 0 });
      const loss = run();
      const output = Float32Array.from(model.get("h", "output", size));
      reference ??= { name, loss, output };
      const same = loss === reference.loss && output.every((v, i) => Object.is(v, reference.output[i]));
      if (!same) throw new Error(`(${id}) ${work}: tile ${name} computes other numbers than ${reference.name}`);
      runs[name] = run;
    }
    const passes = [bestRounds(runs, rounds), bestRounds(runs, rounds)];
    const timed = tiles.map(({ name }) => ({
      tile: name,
      wall: Math.min(...passes.map((p) => p[name].wall)),
      cpu: Math.min(...passes.map((p) => p[name].cpu)),
      speeds: passes.map((p) => p[tiles[0].name].cpu / p[name].cpu),
    }));
    const faster = timed.filter((t) => t.tile !== tiles[0].name && t.speeds.every((v) => v > 1 + margin));
    const fastest = faster.reduce((a, b) => (Math.min(...b.speeds) > Math.min(...a.speeds) ? b : a), timed[0]);
    rows.push({ shape: id, describe: describeShape(shape), work, tiles: timed, fastest: fastest.tile });
  }
}

const machine = describeCpu();
const load = loadavg().map((l) => l.toFixed(1)).join(", ");
const ms = (v) => (v >= 1 ? v.toFixed(2) : v.toFixed(3));
const speeds = (t) => [...t.speeds].sort((a, b) => a - b).map((v) => v.toFixed(2)).join("–");
const verdict = (r) => (r.fastest === tiles[0].name
  ? `none faster than ${tiles[0].name} by ${100 * margin}% in both passes`
  : `${r.fastest}, faster in both passes`);
const lines = [
  `rnnc products by register tile (rows x vectors): best CPU ms per call over two passes of ${rounds} rounds,`,
  `and in brackets the speed over ${tiles[0].name} in each pass; ${cpuLine(machine)}; load average ${load}`,
  "",
  `| shape | work | ${tiles.map((t) => t.name).join(" | ")} | verdict |`,
  `|---|---|${tiles.map(() => "---:").join("|")}|---|`,
  ...rows.map((r) => `| (${r.shape}) | ${r.work} | ${
    r.tiles.map((t) => `${ms(t.cpu)} (${speeds(t)}×)`).join(" | ")
  } | ${verdict(r)} |`),
  "",
  ...rows.filter((r, i) => rows.findIndex((o) => o.shape === r.shape) === i).map((r) => r.describe),
];
process.stdout.write(`${lines.join("\n")}\n`);
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ machine, loadAverage: loadavg(), rounds, margin, rows }, null, 2) + "\n");
}
