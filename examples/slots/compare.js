#!/usr/bin/env node
// examples/slots — the whole comparison in one command (after `npm run build`). In: --seed. Out:
// queries in examples/slots/data, runs of slotTagger (LSTM) and tokenTagger (per-token) in
// examples/slots/runs, and their held-out slot F1 per entity type, side by side.

import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateSplits, toJsonl } from "./generate.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const rnnc = fileURLToPath(new URL("../../bin/rnnc.js", import.meta.url));
const { values } = parseArgs({ options: { seed: { type: "string" } } });
const seed = Number(values.seed ?? 1);

const data = join(here, "data");
mkdirSync(data, { recursive: true });
for (const [name, sentences] of Object.entries(generateSplits({ seed, train: 3000, dev: 500, test: 1000 }))) {
  writeFileSync(join(data, `${name}.jsonl`), toJsonl(sentences));
}

/** @param {string[]} args */
function run(args) {
  const result = spawnSync(process.execPath, [rnnc, ...args], {
    stdio: ["ignore", "pipe", "inherit"], encoding: "utf8",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  return result.stdout;
}

/**
 * @type {Record<string, {
 *   chunks: { overall: { f1: number }, byType: Record<string, { f1: number }> }, accuracy: number }>}
 */
const reports = {};
for (const cell of ["slotTagger", "tokenTagger"]) {
  const out = join(here, "runs", cell);
  rmSync(out, { recursive: true, force: true }); // a fresh run each time: train refuses to overwrite a checkpoint
  process.stderr.write(`\n== rnnc train ${cell}\n`);
  run([
    "train", join(here, "models.ts"), "--cell", cell, "--dims", "E=32,H=32",
    "--train", join(data, "train.jsonl"), "--dev", join(data, "dev.jsonl"),
    "--out", out, "--epochs", "10", "--seed", String(seed),
  ]);
  reports[cell] = JSON.parse(
    run(["eval", join(here, "models.ts"), "--checkpoint", out, join(data, "test.jsonl"), "--json"]),
  );
}

const [lstm, token] = [reports.slotTagger, reports.tokenTagger];
const pct = (/** @type {number | undefined} */ x) => (
  x === undefined ? "   -  " : `${(100 * x).toFixed(2).padStart(6)}`
);
const lines = [
  `\nheld-out slot F1 (${join(data, "test.jsonl")}):`,
  `${"".padEnd(16)} ${"LSTM".padStart(8)} ${"per-token".padStart(10)}`,
  ...Object.keys(lstm.chunks.byType).map((type) =>
    `${type.padEnd(16)} ${pct(lstm.chunks.byType[type]?.f1).padStart(8)} ${
      pct(token.chunks.byType[type]?.f1).padStart(10)
    }`),
  `${"overall".padEnd(16)} ${pct(lstm.chunks.overall.f1).padStart(8)} ${pct(token.chunks.overall.f1).padStart(10)}`,
  `${"token accuracy".padEnd(16)} ${pct(lstm.accuracy).padStart(8)} ${pct(token.accuracy).padStart(10)}`,
];
process.stdout.write(`${lines.join("\n")}\n`);
