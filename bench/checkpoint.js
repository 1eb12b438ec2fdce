// bench — `npm run bench:checkpoint`: what gradient checkpointing (rnnc
// compile --checkpoint) costs and saves on the training step of shapes b and
// c (bench/shapes.js): the same LSTM training module (MSE, plain SGD) built
// with and without it, timed interleaved in one process after checking that
// one train_step leaves both with the same parameters bit for bit. In: the
// flags below. Out: a table on stdout (linear memory bytes and tape bytes at
// capacity B × T, ms per train_step, the time ratio against the issue's
// 1.4×), progress on stderr, and JSON in .rnnc-out/bench/checkpoint.json
// (git-ignored) unless --out. bench/README.md says how to read it.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { compileCell } from "../dist/compiler/api.js";
import { loadModel } from "../dist/runtime/index.js";
import { cellFile } from "./compile.js";
import { measure, profiles, warmUp } from "./harness.js";
import { rnncTrain, sharedData } from "./peers/rnnc.js";
import { describeShape, shapesNamed } from "./shapes.js";

/** The bound on the training step's time with checkpoints, against the full tape. */
const TIME_GOAL = 1.4;

const usage = `usage: npm run bench:checkpoint -- [options]

  --quick          fewer repetitions, a smoke run
  --shapes b,c     which shapes of bench/shapes.js (default b,c)
  --steps N        run every shape with T = N steps instead of its own
  --out FILE       where to write the JSON results (default .rnnc-out/bench/checkpoint.json)
  -h, --help       this text`;

function parseFlags() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean" }, shapes: { type: "string" }, steps: { type: "string" }, out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1))
    throw new Error(`--steps: expected a positive integer, got ${values.steps}`);
  return {
    mode: values.quick ? "quick" : "full",
    shapes: shapesNamed(values.shapes ?? "b,c").map((s) => (steps === undefined ? s : { ...s, T: steps })),
    out: values.out ?? new URL("../.rnnc-out/bench/checkpoint.json", import.meta.url).pathname,
  };
}

function compileTraining({ cell, I, H, B, T }, checkpoint) {
  const file = cellFile(cell);
  return compileCell({
    file, text: readFileSync(file, "utf8"), dims: { I, H }, capacity: { batch: B, steps: T },
    loss: "mse", train: { kind: "sgd", momentum: 0 }, ...(checkpoint ? { checkpoint: true } : {}),
  });
}

const elementBytes = { f32: 4, f64: 8, i32: 4 };

/** Bytes of the module's tape regions at capacity B × T (a "segment" axis is ⌈√T⌉ steps). */
function tapeBytes(abi, { B, T }) {
  const extent = (d) => (d === "steps" ? T : d === "batch" ? B : d === "segment" ? Math.ceil(Math.sqrt(T)) : d);
  return abi.tensors
    .filter((t) => t.role === "tape")
    .reduce((n, t) => n + t.shape.reduce((k, d) => k * extent(d), 1) * elementBytes[t.dtype ?? abi.dtype], 0);
}

const params = (runner) => runner.params();
const sameBits = (a, b) =>
  Object.keys(a).every((k) => Buffer.compare(Buffer.from(a[k].buffer), Buffer.from(b[k].buffer)) === 0);
const mib = (bytes) => (bytes / 2 ** 20).toFixed(2);

async function benchShape(shape, profile) {
  const builds = [false, true].map((checkpoint) => ({ checkpoint, compiled: compileTraining(shape, checkpoint) }));
  const data = await sharedData(shape, builds[0].compiled.binary, 1);
  const runners = await Promise.all(builds.map((b) => rnncTrain(shape, data, b.compiled.binary)));
  // One step each from the same start: the parameters after it must agree bit for bit.
  for (const r of runners) r.setLearningRate(1e-2);
  const firstMs = runners.map((r) => {
    const started = performance.now();
    r.run();
    return performance.now() - started;
  });
  const same = sameBits(params(runners[0]), params(runners[1]));
  if (!same)
    throw new Error(`${describeShape(shape)}: the checkpointed train_step's parameters differ from the full tape's`);
  for (const r of runners) {
    r.load(data.params);
    r.setLearningRate(0);
  }
  const estimates = await Promise.all(runners.map((r, i) => warmUp(r, firstMs[i], profile)));
  const timed = await measure(runners.map((runner, i) => ({ runner, estimateMs: estimates[i] })), profile);
  const rows = await Promise.all(builds.map(async (b, i) => {
    // The linear memory a module laid out at B × T has: what the layout function grew it to.
    const model = await loadModel(b.compiled.binary, { capacity: { batch: shape.B, steps: shape.T } });
    return {
      checkpoint: b.checkpoint, abi: b.compiled.abi.abi, memoryBytes: model.memory.buffer.byteLength,
      tapeBytes: tapeBytes(b.compiled.abi, shape), ...timed[i],
    };
  }));
  return {
    shape,
    sameParameters: same,
    rows,
    timeRatio: rows[1].medianMs / rows[0].medianMs,
    memoryRatio: rows[1].memoryBytes / rows[0].memoryBytes,
  };
}

async function main() {
  const options = parseFlags();
  const profile = profiles[options.mode];
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`rnnc bench:checkpoint (${options.mode}): Node ${process.version}, ${cpu}, ${
    cpus().length
  } cores, load average ${loadavg()[0].toFixed(2)} at start`);
  console.log("The machine may be shared: numbers are indicative.\n");
  const results = [];
  for (const shape of options.shapes) {
    console.error(`${describeShape(shape)} ...`);
    results.push(await benchShape(shape, profile));
  }
  console.log(
    "| shape | build | ABI | linear memory (MiB) | tape (MiB) | train_step ms (median) | IQR % | vs full tape |",
  );
  console.log("|---|---|---|---:|---:|---:|---:|---:|");
  for (const r of results) {
    for (const row of r.rows) {
      const ratio = row.checkpoint ? `${r.timeRatio.toFixed(2)}× time, ${r.memoryRatio.toFixed(2)}× memory` : "";
      console.log(`| ${describeShape(r.shape)} | ${row.checkpoint ? "--checkpoint" : "full tape"} | ${row.abi} | ${
        mib(row.memoryBytes)
      } | ${mib(row.tapeBytes)} | ${row.medianMs.toFixed(3)} | ${row.iqrPercent?.toFixed(0) ?? "-"} | ${ratio} |`);
    }
  }
  console.log("");
  for (const r of results) {
    const verdict = r.timeRatio <= TIME_GOAL ? "within" : "over";
    console.log(`${describeShape(r.shape)}: checkpointed train_step takes ${
      r.timeRatio.toFixed(2)
    }× the full tape's time, ${verdict} the issue's ${TIME_GOAL}×; parameters after one step identical bit for bit`);
  }
  console.log(`load average ${loadavg()[0].toFixed(2)} at the end; JSON in ${options.out}`);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify({
    mode: options.mode, date: new Date().toISOString(), node: process.version, cpu, cores: cpus().length,
    loadAverage: loadavg(),
    profile, timeGoal: TIME_GOAL, results,
  }, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
