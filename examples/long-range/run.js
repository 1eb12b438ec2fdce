#!/usr/bin/env node
// examples/long-range — the long-range table (npm run long-range): every cell × task × T trained
// within one budget (train.js), printed as two Markdown tables and written as JSON. In: flags
// (below). Out: stdout, the tables; stderr, a line per run; --out, every run with its curve.

import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const usage = `usage: npm run long-range -- [options]   (node examples/long-range/run.js after npm run build)

  --cells A.ts[:name],...  more cells for the table, after Elman, LSTM, GRU and MGU (a file's only
                           cell, or the one named; it starts as its file declares its parameters)
  --only NAME,...          only these of the cells (by name: elman, lstm, gru, mgu, and those of --cells)
  --tasks adding,copy      the tasks (default both)
  --steps 10,50,100,200    the lengths T
  --updates N              Adam updates at most per run (default 1500); a run stops once solved
  --batch N                sequences per update (default 32)
  --hidden N               H, the cell's state size (default 64)
  --lr X                   Adam's learning rate (default 0.01)
  --clip X                 global gradient-norm clipping (default 1)
  --eval-every N           updates between scores of the held-out set (default 50)
  --test N                 held-out sequences (default 256)
  --seed N                 initialisation and data (default 1)
  --out FILE               the results as JSON (default examples/long-range/results.json; "" for none)`;

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
/**
 * The four cells of the table: file, cell name, and the biases that start at 1 (only the LSTM's forget
 * bias: GRU's and MGU's gates weigh the new value).
 */
const defaultCells = [
  ["../elman.ts", "elman", []],
  ["../lstm.ts", "lstm", ["bf"]],
  ["../gru.ts", "gru", []],
  ["../mgu.ts", "mgu", []],
];

const { values } = parseArgs({
  options: {
    cells: { type: "string", default: "" },
    only: { type: "string", default: "" },
    tasks: { type: "string", default: "adding,copy" },
    steps: { type: "string", default: "10,50,100,200" },
    updates: { type: "string", default: "1500" },
    batch: { type: "string", default: "32" },
    hidden: { type: "string", default: "64" },
    lr: { type: "string", default: "0.01" },
    clip: { type: "string", default: "1" },
    "eval-every": { type: "string", default: "50" },
    test: { type: "string", default: "256" },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: here("./results.json") },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
/** @param {string} flag @param {string} text @param {(n: number) => boolean} ok */
const numberOf = (flag, text, ok) => {
  const n = Number(text);
  if (text === "" || !ok(n)) {
    process.stderr.write(`run.js: --${flag} "${text}" is not allowed\n\n${usage}\n`);
    process.exit(2);
  }
  return n;
};
const positiveInt = (n) => Number.isInteger(n) && n > 0;
const list = (text) => text.split(",").map((s) => s.trim()).filter((s) => s !== "");

const tasks = list(values.tasks).map((t) => {
  if (t !== "adding" && t !== "copy") numberOf("tasks", t, () => false);
  return /** @type {"adding" | "copy"} */ (t);
});
const lengths = list(values.steps).map((s) => numberOf("steps", s, (n) => Number.isInteger(n) && n >= 2));
const budget = {
  updates: numberOf("updates", values.updates, positiveInt),
  batch: numberOf("batch", values.batch, positiveInt),
  hidden: numberOf("hidden", values.hidden, positiveInt),
  lr: numberOf("lr", values.lr, (n) => n > 0),
  clip: numberOf("clip", values.clip, (n) => n >= 0),
  evalEvery: numberOf("eval-every", values["eval-every"], positiveInt),
  testSize: numberOf("test", values.test, positiveInt),
  seed: numberOf("seed", values.seed, (n) => Number.isInteger(n) && n >= 0),
};
const only = list(values.only);
/** Exits with a message where --only names a cell that is not among `names`. @param {string[]} names */
const checkOnly = (names) => {
  const unknown = only.find((name) => !names.includes(name));
  if (unknown === undefined) return;
  process.stderr.write(`run.js: --only ${unknown}: no such cell; the cells are ${names.join(", ")}\n`);
  process.exit(2);
};
// The compiler (ts-morph and Binaryen) loads only once the flags are known to be good: a mistyped flag fails at once.
if (values.cells === "") checkOnly(defaultCells.map(([, name]) => name));
const { BuildError, DiagnosticError } = await import("rnnc/compiler");
const { cellChoice, cpuSince, scoring, trainOnTask } = await import("./train.js");
const everyCell = [
  ...defaultCells.map(([path, name, forgetBias]) => cellChoice(here(path), name, forgetBias)),
  ...list(values.cells).map((spec) => {
    const [file, name] = spec.split(":");
    try {
      return cellChoice(file, name);
    } catch (e) {
      process.stderr.write(`run.js: --cells ${spec}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    }
  }),
];
checkOnly(everyCell.map((c) => c.name));
const cells = only.length === 0 ? everyCell : everyCell.filter((c) => only.includes(c.name));

/** A run, or the message of a cell that does not make a model (a diagnostic, not a stack trace). */
function trainOrExplain(cell, task, steps) {
  try {
    return trainOnTask(cell, task, steps, budget);
  } catch (e) {
    if (!(e instanceof DiagnosticError || e instanceof BuildError)) throw e;
    process.stderr.write(`run.js: ${cell.file}: '${cell.name}' as the layer of a model:\n${e.message}\n`);
    process.exit(1);
  }
}

const cpu = cpus()[0]?.model ?? "unknown";
const [started, startedCpu] = [performance.now(), process.cpuUsage()];
const results = [];
for (const task of tasks) {
  for (const cell of cells) {
    for (const steps of lengths) {
      const r = trainOrExplain(cell, task, steps);
      results.push(r);
      process.stderr.write(
        `${task} T=${steps} ${cell.name}: ${scoring[task].what} ${r.score.toFixed(4)} ` +
          `(baseline ${r.baseline.toFixed(4)}) after ${r.updates} updates, ${r.solved ? "solved" : "not solved"}, ` +
          `${r.cpuSeconds.toFixed(1)} s of CPU\n`,
      );
    }
  }
}
const seconds = (performance.now() - started) / 1000;
const cpuSeconds = cpuSince(startedCpu);

/** @param {"adding" | "copy"} task */
function table(task) {
  const mine = results.filter((r) => r.task === task);
  const show = (n) => (task === "adding" ? n.toFixed(4) : `${(100 * n).toFixed(1)}%`);
  const what = task === "adding" ? "test MSE" : "recalled symbols right";
  const rows = [`| ${what} | ${lengths.map((t) => `T=${t}`).join(" | ")} |`];
  rows.push(`|---|${lengths.map(() => "---:").join("|")}|`);
  const baselines = lengths.map((t) => mine.find((r) => r.steps === t)?.baseline ?? Number.NaN);
  rows.push(`| trivial baseline | ${baselines.map(show).join(" | ")} |`);
  for (const cell of cells) {
    const cellsRuns = lengths.map((t) => mine.find((r) => r.steps === t && r.cell === cell.name));
    const entry = (r) => (r === undefined ? "" : r.solved ? `**${show(r.score)}** (${r.updates})` : show(r.score));
    rows.push(`| ${cell.name} | ${cellsRuns.map(entry).join(" | ")} |`);
  }
  return rows.join("\n");
}

const b = budget;
process.stdout.write(
  `budget: at most ${b.updates} Adam updates (lr ${b.lr}, clip ${b.clip}) of ${b.batch} fresh sequences, ` +
    `H=${b.hidden}, ` +
    `scored every ${b.evalEvery} on ${b.testSize} held-out sequences, seed ${b.seed}; ` +
    `${cpu}, ${cpuSeconds.toFixed(0)} s of CPU, ${seconds.toFixed(0)} s wall\n` +
    `solved (bold, with the updates it took): adding below a tenth of the baseline's MSE, ` +
    `copy 99% of symbols right\n\n` +
    tasks.map(table).join("\n\n") +
    "\n",
);
if (values.out !== "") {
  writeFileSync(values.out, JSON.stringify({ cpu, seconds, cpuSeconds, budget, results }, null, 1) + "\n");
  process.stderr.write(`wrote ${values.out}\n`);
}
