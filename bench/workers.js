// bench — `npm run bench:workers`: data-parallel training (rnnc/runtime's
// DataParallelTrainer) against one instance's train_step, on the training
// module of shapes b, c and d (bench/shapes.js; MSE, plain SGD, as in `npm run
// bench`). Three runners, timed interleaved in one process: one instance at
// batch B (the reference), N workers sharing batch B, and one instance at
// batch ⌈B/N⌉ (a worker's share alone: the best N workers could do, were the
// gradient sum, the update and the copies free). After them, N threads run a
// share each in lockstep (lockstep.js): the same best with each step waiting
// for the slower thread, as the workers do, which on a machine whose cores'
// speed jitters is a bound of its own. First one step of each of the
// first two from the same start: their parameters must agree to the f32
// rounding of a sum in another order. Besides the wall time, the CPU time of
// the process per step (all its threads, process.cpuUsage): what the workers
// cost beyond one instance's work, whatever share of the cores the machine
// gives. In: the flags below. Out: a table on stdout (ms per step, the
// throughput ratio, paired by round (harness.js), against the 1.7×,
// CPU ms per step and the cores that makes), the CPU (lscpu), the load
// average before and after and whether the kernel shares the CPU by session
// (autogroup), progress on stderr, and
// JSON in .rnnc-out/bench/workers.json (git-ignored) unless --out.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { compileShape } from "./compile.js";
import { measure, pairedRatio, profiles, warmUp } from "./harness.js";
import { lockstepShares } from "./lockstep.js";
import { cpuLine, describeCpu } from "./machine.js";
import { rnncParallelTrain, rnncTrain, sharedData } from "./peers/rnnc.js";
import { describeShape, shapesNamed } from "./shapes.js";

/** The goal: N = 2 workers on a 2-core machine train at least this many times as fast as one instance. */
const GOAL = 1.7;
/** The largest |Δ| / max(1, |p|) between the parameters after one step of each, in f32. */
const AGREEMENT = 1e-5;

const usage = `usage: npm run bench:workers -- [options]

  --quick          fewer repetitions, a smoke run
  --shapes b,c,d   which shapes of bench/shapes.js (default b,c,d)
  --workers N      workers sharing each batch (default 2)
  --out FILE       where to write the JSON results (default .rnnc-out/bench/workers.json)
  -h, --help       this text`;

function parseFlags() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean" }, shapes: { type: "string" }, workers: { type: "string" }, out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const workers = Number(values.workers ?? 2);
  if (!(Number.isInteger(workers) && workers >= 2)) {
    throw new Error(`--workers: expected an integer ≥ 2, got ${values.workers}`);
  }
  return {
    mode: values.quick ? "quick" : "full",
    shapes: shapesNamed(values.shapes ?? "b,c,d"),
    workers,
    out: values.out ?? new URL("../.rnnc-out/bench/workers.json", import.meta.url).pathname,
  };
}

/** Wall and CPU (user + system, every thread of the process) milliseconds per step over about `ms`. */
function cpuPerStep(runner, estimateMs, ms) {
  const n = Math.max(3, Math.ceil(ms / Math.max(estimateMs, 1)));
  const [cpu, started] = [process.cpuUsage(), performance.now()];
  for (let i = 0; i < n; i++) runner.run();
  const wallMs = (performance.now() - started) / n;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / n;
  return { wallMs, cpuMs, cores: cpuMs / wallMs };
}

/** Linux's autogroup: when on, the CPU is shared by session, so more threads of one process get no more of it. */
function autogroup() {
  try {
    return readFileSync("/proc/sys/kernel/sched_autogroup_enabled", "utf8").trim() === "1";
  } catch {
    return undefined;
  }
}

function worstDifference(a, b) {
  let worst = 0;
  for (const name of Object.keys(a)) {
    const [x, y] = [a[name], b[name]];
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(x[i])));
  }
  return worst;
}

async function benchShape(shape, workers, profile) {
  const binary = compileShape(shape).training.binary;
  const data = await sharedData(shape, binary, 1);
  const share = { ...shape, B: Math.ceil(shape.B / workers) };
  const rows = share.T * share.B;
  const shareData = { ...data, x: data.x.subarray(0, rows * shape.I), target: data.target.subarray(0, rows * shape.H) };
  const runners = [
    await rnncTrain(shape, data, binary),
    await rnncParallelTrain(shape, data, binary, workers),
    await rnncTrain(share, shareData, binary),
  ];
  try {
    // One step each of the whole batch from the same start: the parameters must agree up to the order of the sum.
    const firstMs = runners.map((r) => {
      r.setLearningRate(1e-2);
      const started = performance.now();
      r.run();
      return performance.now() - started;
    });
    const difference = worstDifference(runners[0].params(), runners[1].params());
    if (!(difference <= AGREEMENT)) {
      const what = `${workers} workers' parameters after one step differ from one instance's`;
      throw new Error(`${describeShape(shape)}: ${what} by ${difference}`);
    }
    for (const r of runners) {
      r.load(data.params);
      r.setLearningRate(0);
    }
    const estimates = await Promise.all(runners.map((r, i) => warmUp(r, firstMs[i], profile)));
    const entries = runners.map((runner, i) => ({ runner, estimateMs: estimates[i] }));
    const [one, many, alone] = await measure(entries, profile);
    const cpu = runners.slice(0, 2).map((r, i) => cpuPerStep(r, estimates[i], profile.budgetMs / 2));
    const lockstepSteps = Math.min(200, Math.max(profile.maxSamples, Math.ceil(profile.budgetMs / alone.medianMs)));
    const lockstep = await lockstepShares(binary, share, shareData, workers, lockstepSteps);
    return {
      shape, workers, difference, one, many, alone, cpu: { one: cpu[0], many: cpu[1] }, lockstep,
      // Paired by round, as the targets block of `npm run bench` reads them (harness.js).
      ratio: pairedRatio(one, many), bound: pairedRatio(one, alone),
      lockstepBound: one.medianMs / lockstep.slowestMs,
    };
  } finally {
    runners[1].dispose();
  }
}

async function main() {
  const options = parseFlags();
  const profile = profiles[options.mode];
  const cpu = describeCpu();
  const loadBefore = loadavg();
  const loads = (l) => l.map((x) => x.toFixed(2)).join(" ");
  console.log(`rnnc bench:workers (${options.mode}): Node ${process.version}, ${cpuLine(cpu)}`);
  console.log(`load average ${loads(loadBefore)} at start; the machine may be shared: read the load with the ratios\n`);
  const results = [];
  for (const shape of options.shapes) {
    console.error(`${describeShape(shape)} ...`);
    results.push(await benchShape(shape, options.workers, profile));
  }
  const ms = (r) => `${r.medianMs.toFixed(2)} (IQR ${r.iqrPercent?.toFixed(0) ?? "-"}%)`;
  const N = options.workers;
  const columns = [
    "shape", "1 instance, batch B: ms/step", `${N} workers, batch B: ms/step`, `throughput ${N} workers / 1`,
    `1 instance, batch ⌈B/${N}⌉: ms/step`, "bound: 1 / share",
    `${N} shares in lockstep: slowest ms/step (threads' own)`, "bound: 1 / lockstep",
    `CPU ms/step: 1 instance, ${N} workers (cores used)`,
  ];
  console.log(`| ${columns.join(" | ")} |`);
  console.log(`|---|${columns.slice(1).map(() => "---:").join("|")}|`);
  const cpuCell = ({ one, many }) =>
    `${one.cpuMs.toFixed(1)} (${one.cores.toFixed(2)}), ${many.cpuMs.toFixed(1)} (${many.cores.toFixed(2)})`;
  for (const r of results) {
    const cells = [
      describeShape(r.shape), ms(r.one), ms(r.many), `${r.ratio.toFixed(2)}×`, ms(r.alone), `${r.bound.toFixed(2)}×`,
      `${r.lockstep.slowestMs.toFixed(2)} (${r.lockstep.threadMs.map((t) => t.toFixed(2)).join(", ")})`,
      `${r.lockstepBound.toFixed(2)}×`, cpuCell(r.cpu),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
  console.log("");
  for (const r of results) {
    const verdict = r.ratio >= GOAL ? "meets" : "misses";
    const goal = `${verdict} the issue's ${GOAL}× for 2 workers on 2 cores`;
    console.log(
      `${describeShape(r.shape)}: ${N} workers train at ${r.ratio.toFixed(2)}× one instance's throughput (${goal}); ` +
        `parameters after one step within ${r.difference.toExponential(1)}`,
    );
  }
  const loadAfter = loadavg();
  const grouped = autogroup();
  const sharing = grouped
    ? "on: a busy machine gives this process one session's share of the cores, however many threads it runs"
    : grouped === false ? "off" : "unknown";
  console.log(`load average ${loads(loadAfter)} at the end; autogroup ${sharing}; JSON in ${options.out}`);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify({
    mode: options.mode, date: new Date().toISOString(), node: process.version, cpu, loadBefore, loadAfter,
    autogroup: grouped, profile, goal: GOAL, results,
  }, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
