// bench — `npm run bench:stream`: streaming at batch 1, the cost of one time
// step when a host feeds a recurrent cell step by step (block 1: an online
// host, the state carried from call to call) or in blocks of 128 steps,
// against onnxruntime-web (step by step with its state fed back, and the
// whole sequence in one call) and plain JS, in one process, interleaved,
// after checking that every runner computes the same function. In: the flags
// below. Out: a table of µs per step on stdout (progress on stderr), the
// goals of issue 10 against the run, and JSON in .rnnc-out/bench/stream.json
// (git-ignored) unless --out. bench/README.md says how to read it.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { compileCell } from "../dist/compiler/api.js";
import { checkRunners, tolerance } from "./check.js";
import { cellFile } from "./compile.js";
import { measure, profiles, warmUp } from "./harness.js";
import { loadOnnx } from "./peers/onnx.js";
import { sharedData } from "./peers/rnnc.js";
import { onnxSteps, onnxWhole, plainSteps, plainWhole, rnncExports, rnncStream } from "./peers/stream.js";

const T = 128;
const cells = [
  { cell: "lstm", I: 1, H: 32 },
  { cell: "gru", I: 16, H: 64 },
  { cell: "elman", I: 8, H: 16 },
].map((c) => ({ ...c, B: 1, T }));

/** Longer samples than npm run bench's: a call is a whole sequence of tens of µs to a few ms. */
const streamProfiles = {
  full: { warmupMs: 1000, minSamples: 5, maxSamples: 31, budgetMs: 3000, sampleMs: 10, warmCallMs: 50 },
  quick: profiles.quick,
};

const usage = `usage: npm run bench:stream -- [options]

  --quick        fewer repetitions, a smoke run
  --cells a,b    only these cells (lstm, gru, elman; default all)
  --out FILE     where to write the JSON results (default .rnnc-out/bench/stream.json)
  -h, --help     this text`;

function parseFlags() {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: "boolean" },
        cells: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    const names = (values.cells ?? cells.map((c) => c.cell).join(",")).split(",").map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !cells.some((c) => c.cell === n));
    if (unknown.length > 0 || names.length === 0) {
      throw new Error(
        `unknown cell ${unknown.join(", ") || "(none)"}; choose from ${cells.map((c) => c.cell).join(", ")}`,
      );
    }
    return {
      mode: values.quick ? "quick" : "full",
      cells: cells.filter((c) => names.includes(c.cell)),
      out: values.out ?? new URL("../.rnnc-out/bench/stream.json", import.meta.url).pathname,
    };
  } catch (error) {
    console.error(`bench:stream: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
}

const progress = (text) => process.stderr.write(`  … ${text}\n`);
const describe = ({ cell, I, H, B }) => `${cell.toUpperCase()} I=${I} H=${H} B=${B}`;

/** The CPU's model name: /proc/cpuinfo where there is one (os.cpus() may shorten it), else os.cpus(). */
function cpuModel() {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
    if (line) return line.split(":")[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? "unknown CPU";
}

function compileInference(shape) {
  const file = cellFile(shape.cell);
  const { binary } = compileCell({
    file, text: readFileSync(file, "utf8"), dims: { I: shape.I, H: shape.H },
    capacity: { batch: shape.B, steps: shape.T },
    loss: "none", inference: true,
  });
  return binary;
}

const sameBits = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/** Checks, warms up and times every runner of one cell; rnnc in blocks of T is the reference. */
async function benchCell(shape, onnx, profile) {
  const binary = compileInference(shape);
  const data = await sharedData(shape, binary, 1);
  const makers = [
    () => rnncStream(shape, data, binary, T),
    () => rnncStream(shape, data, binary, 1),
    () => rnncStream(shape, data, binary, 1, { into: true }),
    () => rnncExports(shape, data, binary),
    ...(onnx.note ? [] : [() => onnxSteps(onnx, shape, data), () => onnxWhole(onnx, shape, data)]),
    () => plainSteps(shape, data),
    () => plainWhole(shape, data),
  ];
  const runners = [];
  const records = [];
  for (const make of makers) runners.push(await make());
  progress(`${describe(shape)}: checking ${runners.length - 1} runners against rnnc`);
  const checks = await checkRunners("forward", runners, data.params);
  const reference = runners[0].output().slice();
  const timed = [];
  for (const [i, check] of checks.entries()) {
    const r = runners[i];
    const base = { cell: shape.cell, name: r.name, how: r.how, block: r.block };
    if (!check.ok) {
      records.push({ ...base, status: "disagrees", note: check.note, checkError: check.error });
      continue;
    }
    const bitIdentical = r.name === "rnnc" ? sameBits(r.output(), reference) : undefined;
    if (bitIdentical === false) {
      throw new Error(`rnnc ${r.how} (block ${r.block}) is not bit-identical to RnncStream.run over ${T} steps`);
    }
    timed.push({ base, runner: r, check, bitIdentical, estimateMs: await warmUp(r, check.firstCallMs, profile) });
  }
  progress(`${describe(shape)}: timing`);
  const measured = await measure(timed, profile);
  const perStep = (ms) => (ms * 1000) / T;
  // Ratios to RnncStream's plain API at the same block: step() step by step, run() in blocks of T.
  const referenceAt = (block) => {
    const how = block === 1 ? "RnncStream.step" : "RnncStream.run";
    return measured[timed.findIndex((t) => t.base.name === "rnnc" && t.base.how === how)];
  };
  timed.forEach((t, i) => {
    const m = measured[i];
    const rnnc = referenceAt(t.base.block === 1 ? 1 : T);
    records.push({
      ...t.base, status: "timed", checkError: t.check.error, bitIdentical: t.bitIdentical, ...m,
      usPerStep: perStep(m.medianMs), ratioToRnnc: rnnc ? m.medianMs / rnnc.medianMs : undefined,
    });
  });
  for (const r of runners) r.dispose?.();
  const order = (r) => (r.block === 1 ? 0 : 1);
  return records.sort((a, b) => order(a) - order(b));
}

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const us = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));
const ratio = (r) => (r === undefined ? "" : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}x`);

/** One line of a cell's table: name and how left-aligned, the numbers right-aligned, then the check. */
const line = ([name, how, block, perStep, vs, samples, iqr, check]) =>
  `  ${pad(name, 17)}${pad(how, 23)}${lpad(block, 6)}${lpad(perStep, 10)}${lpad(vs, 9)}${lpad(samples, 9)}${
    lpad(iqr, 6)
  }  ${check}`;

function cellBlock(shape, rows) {
  const lines = [`${describe(shape)}, a sequence of ${T} steps: µs per step`];
  lines.push(line(["implementation", "how", "block", "µs/step", "vs rnnc", "samples", "IQR", "check"]));
  for (const r of rows) {
    if (r.status !== "timed") {
      lines.push(line([r.name, r.how, r.block, "—", "", "", "", `${r.status}: ${r.note}`]));
      continue;
    }
    const check = r.bitIdentical ? "bit-identical" : r.checkError.toExponential(1);
    const iqr = r.iqrPercent === undefined ? "" : `${r.iqrPercent.toFixed(0)}%`;
    lines.push(line([
      r.name, r.how, r.block, us(r.usPerStep), ratio(r.ratioToRnnc), `${r.samples}x${r.callsPerSample}`, iqr, check,
    ]));
  }
  return lines.join("\n");
}

/** Issue 10's streaming goals, for the LSTM I=1 H=32. */
function goals(results) {
  const lstm = results.filter((r) => r.cell === "lstm" && r.status === "timed");
  const find = (name, how, block) => lstm.find((r) => r.name === name && r.how === how && r.block === block);
  const block = find("rnnc", "RnncStream.run", T);
  const step = find("rnnc", "RnncStream.step", 1);
  const onnx = find("onnxruntime-web", "state fed back", 1);
  const rows = [];
  if (block) {
    rows.push({
      goal: `rnnc per step in blocks of ${T} ≤ 0.5 µs`,
      value: `${us(block.usPerStep)} µs`,
      met: block.usPerStep <= 0.5,
    });
  }
  if (step && onnx) {
    const r = onnx.usPerStep / step.usPerStep;
    rows.push({
      goal: "onnxruntime-web step by step / rnnc step by step ≥ 20×",
      value: `${r.toFixed(1)}×`,
      met: r >= 20,
    });
  }
  const lines = ["issue 10's streaming goals (LSTM I=1 H=32, batch 1)"];
  for (const r of rows) lines.push(`  ${pad(r.goal, 58)}${lpad(r.value, 10)}  ${r.met ? "met" : "not met"}`);
  if (rows.length === 0) lines.push("  (the LSTM was not run)");
  return { text: lines.join("\n"), rows };
}

async function main() {
  const options = parseFlags();
  const profile = streamProfiles[options.mode];
  const started = performance.now();
  const cpu = cpuModel();
  const load = () => loadavg()[0].toFixed(2);
  console.log(`rnnc bench:stream (${options.mode}): Node ${process.version}, ${cpu}, ${
    cpus().length
  } cores, load average ${load()} at start`);
  const onnx = await loadOnnx();
  if (onnx.note) console.log(`note: ${onnx.note} — skipped`);
  const results = [];
  for (const shape of options.cells) {
    const rows = await benchCell(shape, onnx, profile);
    results.push(...rows);
    console.log(`\n${cellBlock(shape, rows)}`);
  }
  const goal = goals(results);
  console.log(`\n${goal.text}`);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${results.length} measurements in ${seconds.toFixed(0)} s; load average ${
    load()
  } at the end; JSON in ${options.out}`);
  const json = {
    mode: options.mode, date: new Date().toISOString(), node: process.version, cpu, cores: cpus().length,
    loadAverage: loadavg(), seconds, onnxruntime: onnx.ort?.env?.versions?.web, profile, steps: T,
    check: { tolerance: tolerance.forward }, cells: options.cells, results, goals: goal.rows,
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(json, null, 2)}\n`);
}

await main();
