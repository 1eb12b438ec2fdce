// bench — `npm run bench`: rnnc against the ways a JavaScript user can run an
// RNN today, in one process, single-threaded, interleaved, after warm-up and
// after checking that every peer computes the same function. In: the flags
// below. Out: tables on stdout (progress on stderr) and the JSON of the run in
// .rnnc-out/bench/results.json (git-ignored; --out bench/results.json records it).
// bench/README.md says what is measured and how to read it.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { checkLearningRate, checkRunners, int8Tolerance, tolerance } from "./check.js";
import { compileShape, relaxedSimdRuns } from "./compile.js";
import { cliCompileTime, moduleFootprint, peakRss } from "./footprint.js";
import { measure, profiles, warmUp } from "./harness.js";
import { cpuLine, describeCpu } from "./machine.js";
import { loadOnnx, onnxForward } from "./peers/onnx.js";
import { plainForward, plainTrain } from "./peers/plain.js";
import { describePytorch, loadPytorch, pytorchForward, pytorchTrain } from "./peers/pytorch.js";
import { rnncForward, rnncParallelTrain, rnncTrain, sharedData } from "./peers/rnnc.js";
import { loadTfjs, tfjsForward, tfjsTrain } from "./peers/tfjs.js";
import { footprintBlock, ratioSummary, shapeBlock } from "./report.js";
import { targetRows, targetsBlock } from "./targets.js";
import { describeShape, forwardFlops, shapes, trainFlops } from "./shapes.js";

/**
 * Learning rate of the timed training steps: small, so the weights stay in one regime; the cost does not depend on
 * it.
 */
const timedLearningRate = 1e-5;
/** A peer whose one call is predicted to take longer than this is not timed. */
const maxCallMs = { quick: 1500, full: 60_000 };

const usage = `usage: npm run bench -- [options]

  --quick          fewer repetitions, a smoke run (under a minute); peers whose
                   one call would take over ${maxCallMs.quick / 1000} s (predicted from an earlier shape) are skipped
  --shapes a,b     only these shapes (a, b, c, d; default all)
  --out FILE       where to write the JSON results (default .rnnc-out/bench/results.json)
  --no-footprint   skip the footprint (CLI compile time, peak RSS)
  -h, --help       this text`;

function parseFlags() {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: "boolean" }, shapes: { type: "string" }, out: { type: "string" },
        "no-footprint": { type: "boolean" }, help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    const ids = (values.shapes ?? shapes.map((s) => s.id).join(",")).split(",").map((s) => s.trim()).filter(Boolean);
    const unknown = ids.filter((id) => !shapes.some((s) => s.id === id));
    if (unknown.length > 0 || ids.length === 0) {
      throw new Error(`unknown shape ${unknown.join(", ") || "(none)"}; choose from ${
        shapes.map((s) => s.id).join(", ")
      }`);
    }
    return {
      mode: values.quick ? "quick" : "full",
      shapes: shapes.filter((s) => ids.includes(s.id)),
      out: values.out ?? new URL("../.rnnc-out/bench/results.json", import.meta.url).pathname,
      footprint: !values["no-footprint"],
    };
  } catch (error) {
    console.error(`bench: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
}

const progress = (text) => process.stderr.write(`  … ${text}\n`);

/** Loads the optional peers once; a peer that cannot load becomes a note. */
async function loadPeers() {
  const notes = relaxedSimdRuns
    ? []
    : [
      "rnnc relaxed-SIMD: this engine has no relaxed SIMD, not even behind --experimental-wasm-relaxed-simd",
    ];
  const tfjs = await loadTfjs();
  if (tfjs.note) notes.push(tfjs.note);
  if (tfjs.wasmNote) notes.push(tfjs.wasmNote);
  const onnx = await loadOnnx();
  if (onnx.note) notes.push(onnx.note);
  const torch = await loadPytorch();
  // A missing PyTorch is a row of its own in every table, not only a note: it is the training targets' reference.
  const pytorch = (make) => [["PyTorch", torch.note ? { absent: torch.note } : make]];
  const backends = tfjs.available ?? [];
  const tfBackends = ["wasm", "cpu"].filter((b) => backends.includes(b));
  const factories = {
    forward: [
      ["rnnc", (shape, data, modules) => rnncForward(shape, data, modules.inference.binary)],
      // Checked against the f32 build within int8Tolerance, not f32's: its error is the quantisation's.
      [
        "rnnc int8",
        (shape, data, modules) => rnncForward(shape, data, modules.int8.binary, { tolerance: int8Tolerance }),
      ],
      ...(relaxedSimdRuns
        ? [["rnnc relaxed-SIMD", (shape, data, modules) => rnncForward(shape, data, modules.relaxed.inference.binary)]]
        : []),
      ...(onnx.note ? [] : [["onnxruntime-web", (shape, data) => onnxForward(onnx, shape, data)]]),
      ...pytorch((shape, data) => pytorchForward(torch, shape, data)),
      ...tfBackends.map((b) => [`tfjs-${b}`, (shape, data) => tfjsForward(tfjs.tf, b, shape, data)]),
      ["plain JS", (shape, data) => plainForward(shape, data)],
    ],
    train: [
      ["rnnc", (shape, data, modules) => rnncTrain(shape, data, modules.training.binary)],
      // Data-parallel on 2 workers (npm run bench:workers measures it against one instance, with CPU time).
      ["rnnc 2 workers", (shape, data, modules) => rnncParallelTrain(shape, data, modules.training.binary, 2)],
      ...(relaxedSimdRuns
        ? [["rnnc relaxed-SIMD", (shape, data, modules) => rnncTrain(shape, data, modules.relaxed.training.binary)]]
        : []),
      ...pytorch((shape, data) => pytorchTrain(torch, shape, data)),
      ...tfBackends.map((b) => [`tfjs-${b}`, (shape, data) => tfjsTrain(tfjs.tf, b, shape, data)]),
      ["plain JS", (shape, data) => plainTrain(shape, data)],
    ],
  };
  const versions = {
    tfjs: tfjs.tf?.version?.tfjs, onnxruntime: onnx.ort?.env?.versions?.web,
    pytorch: torch.describe ?? { absent: torch.note },
  };
  return { factories, notes, versions, close: () => torch.close?.() };
}

/** Checks, warms up and times every implementation of one work on one shape. */
async function benchWork(shape, work, data, modules, factories, profile, mode, bestGflops) {
  const flops = work === "forward" ? forwardFlops(shape) : trainFlops(shape);
  const records = [];
  const runners = [];
  for (const [name, make] of factories[work]) {
    const base = { shape: shape.id, work, name, flops };
    const best = bestGflops.get(`${name}|${work}`);
    const predictedMs = best ? flops / best / 1e6 : undefined;
    if (make.absent) {
      records.push({ ...base, status: "absent", note: make.absent });
      continue;
    }
    if (name !== "rnnc" && predictedMs > maxCallMs[mode]) {
      records.push({
        ...base,
        status: "skipped",
        note: `one call would take about ${(predictedMs / 1000).toFixed(1)} s (from its GFLOP/s on an earlier shape)${
          mode === "quick" ? "; run without --quick to time it" : ""
        }`,
      });
      continue;
    }
    try {
      runners.push({ base, runner: await make(shape, data, modules) });
    } catch (error) {
      if (name === "rnnc") throw error;
      records.push({
        ...base, status: "failed", note: `could not be set up: ${String(error?.message ?? error).split("\n")[0]}`,
      });
    }
  }
  progress(`(${shape.id}) ${work}: checking ${runners.map((r) => r.base.name).join(", ")} against rnnc`);
  const checks = await checkRunners(work, runners.map((r) => r.runner), data.params);
  const timed = [];
  for (const [i, check] of checks.entries()) {
    const { base, runner } = runners[i];
    if (!check.ok) {
      records.push({
        ...base,
        status: check.note.startsWith("failed") ? "failed" : "disagrees",
        note: check.note,
        checkError: check.error,
      });
      continue;
    }
    await runner.setLearningRate?.(timedLearningRate);
    const estimateMs = await warmUp(runner, check.firstCallMs, profile);
    timed.push({ base, runner, estimateMs, check });
  }
  progress(`(${shape.id}) ${work}: timing ${timed.map((t) => t.base.name).join(", ")}`);
  const measured = await measure(timed, profile);
  const rnncMs = measured[timed.findIndex((t) => t.base.name === "rnnc")]?.medianMs;
  timed.forEach((t, i) => {
    const m = measured[i];
    const gflops = flops / m.medianMs / 1e6;
    const key = `${t.base.name}|${work}`;
    bestGflops.set(key, Math.max(bestGflops.get(key) ?? 0, gflops));
    records.push({
      ...t.base, status: "timed", checkError: t.check.error, firstCallMs: t.check.firstCallMs, ...m, gflops,
      ratioToRnnc: m.medianMs / rnncMs,
    });
  });
  for (const { runner } of runners) await runner.dispose?.();
  const order = factories[work].map(([n]) => n);
  return records.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

async function main() {
  const options = parseFlags();
  const profile = profiles[options.mode];
  const started = performance.now();
  const cpu = describeCpu();
  console.log(`rnnc bench (${options.mode}): Node ${process.version}, ${cpuLine(cpu)}, load average ${
    loadavg()[0].toFixed(2)
  } at start`);
  const { factories, notes, versions, close } = await loadPeers();
  for (const note of notes) console.log(`note: ${note} — skipped`);
  if (versions.pytorch.torch) console.log(`PyTorch peer: ${describePytorch(versions.pytorch)}`);

  const results = [];
  const modules = [];
  const bestGflops = new Map();
  let forB;
  for (const shape of options.shapes) {
    progress(`(${shape.id}) compiling rnnc modules`);
    const compiled = compileShape(shape);
    const data = await sharedData(shape, compiled.training.binary, 1);
    if (shape.id === "b") forB = { binary: compiled.training.binary, data };
    const rows = [];
    for (const work of ["forward", "train"])
      rows.push(...(await benchWork(shape, work, data, compiled, factories, profile, options.mode, bestGflops)));
    results.push(...rows);
    const title = `${describeShape(shape)}: forward ${(forwardFlops(shape) / 1e9).toFixed(3)} GFLOP, training step ${
      (trainFlops(shape) / 1e9).toFixed(3)
    } GFLOP`;
    console.log(`\n${shapeBlock(title, rows)}`);
    const repetitions = options.mode === "quick" ? 3 : 10;
    const firstCall = (work) => rows.find((r) => r.name === "rnnc" && r.work === work)?.firstCallMs;
    const capacity = { batch: shape.B, steps: shape.T };
    modules.push({
      shape: shape.id,
      inference: {
        ...(await moduleFootprint(compiled.inference, repetitions, capacity)),
        firstCallMs: firstCall("forward"),
      },
      training: {
        ...(await moduleFootprint(compiled.training, repetitions, capacity)),
        firstCallMs: firstCall("train"),
      },
    });
  }

  const footprint = { modules };
  if (options.footprint) {
    const b = shapes.find((s) => s.id === "b");
    progress("footprint: CLI compile time");
    footprint.cli = { shape: "b", ...cliCompileTime(b, options.mode === "quick" ? 1 : 3) };
    progress("footprint: peak RSS of training in child processes");
    if (!forB) {
      const binary = compileShape(b).training.binary;
      forB = { binary, data: await sharedData(b, binary, 1) };
    }
    const kinds = options.mode === "quick" ? ["none", "rnnc"] : ["none", "rnnc", "plain JS", "tfjs-wasm", "tfjs-cpu"];
    const steps = options.mode === "quick" ? 3 : 5;
    footprint.peakRss = { shape: "b", steps, entries: peakRss(b, forB.binary, forB.data, kinds, steps) };
  }

  await close();
  const names = [...new Set(results.map((r) => r.name))].filter((n) => n !== "rnnc");
  console.log(`\n${ratioSummary(results, names)}`);
  for (const name of ["rnnc", ...(relaxedSimdRuns ? ["rnnc relaxed-SIMD"] : [])])
    console.log(`\n${targetsBlock(results, name)}`);
  console.log(`\n${footprintBlock(footprint)}`);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${results.length} measurements in ${seconds.toFixed(0)} s; load average ${
    loadavg()[0].toFixed(2)
  } at the end; JSON in ${options.out}`);

  const json = {
    mode: options.mode, date: new Date().toISOString(), node: process.version, cpu: cpu.model, cores: cpu.cores,
    lscpu: cpu.lscpu, blas: versions.pytorch.blas ?? null,
    loadAverage: loadavg(), seconds, versions, notes, profile,
    flops: "forward = 2·T·B·G·H·(I+H), G = 4 (LSTM) or 3 (GRU); training = 3 × forward; matrix products only",
    check: { tolerance, learningRate: checkLearningRate }, timedLearningRate,
    shapes: options.shapes, results, footprint,
    targets: {
      rnnc: targetRows(results),
      ...(relaxedSimdRuns ? { relaxed: targetRows(results, "rnnc relaxed-SIMD") } : {}),
    },
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(json, null, 2)}\n`);
}

await main();
