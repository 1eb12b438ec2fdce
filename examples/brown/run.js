#!/usr/bin/env node
// examples/brown — part-of-speech tagging of the Brown corpus, end to end (after `npm run build`).
// In: --epochs, --dims, --seed, --models. Out: the split in examples/brown/data, one training run
// per model in examples/brown/runs, and a table of test accuracy (overall and on words never seen
// in training) next to the most-frequent-tag baseline, as Markdown on stdout and as JSON in
// examples/brown/runs/results.json.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { mostFrequentTag } from "./baseline.js";
import { dataDirectory, prepare } from "./prepare.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const rnnc = fileURLToPath(new URL("../../bin/rnnc.js", import.meta.url));
const tagger = fileURLToPath(new URL("../tagger.ts", import.meta.url));
const { values } = parseArgs({
  options: {
    epochs: { type: "string", default: "5" },
    dims: { type: "string", default: "E=64,H=64" },
    seed: { type: "string", default: "1" },
    models: { type: "string", default: "wordTagger,trigramTagger,hybridTagger" },
  },
});

const split = prepare();
for (const p of split)
  process.stderr.write(`${p.part}: ${p.files} files, ${p.sentences} sentences, ${p.tokens} tokens\n`);
const file = (/** @type {string} */ part) => join(dataDirectory, `${part}.jsonl`);
const read = (/** @type {string} */ part) =>
  readFileSync(file(part), "utf8").trim().split("\n").map((l) => JSON.parse(l));

/** @param {string[]} args */
function run(args) {
  const result = spawnSync(process.execPath, [rnnc, ...args], {
    stdio: ["ignore", "pipe", "inherit"], encoding: "utf8",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  return result.stdout;
}

const baseline = mostFrequentTag(read("train"), read("test"));
/**
 * @type {{ model: string, accuracy: number, oovAccuracy: number, oovTokens: number, tokens: number, epochs: number,
 *   bestEpoch: number, seconds: number }[]}
 */
const rows = [];
for (const model of values.models.split(",")) {
  const out = join(here, "runs", model);
  rmSync(out, { recursive: true, force: true }); // a fresh run: train refuses to overwrite a checkpoint
  process.stderr.write(`\n== rnnc train ${model}\n`);
  const started = performance.now();
  const summary = JSON.parse(run([
    "train", tagger, "--cell", model, "--dims", values.dims, "--train", file("train"), "--dev", file("dev"),
    "--out", out, "--epochs", values.epochs, "--metric", "accuracy", "--seed", values.seed, "--json",
  ]));
  const seconds = (performance.now() - started) / 1000;
  const report = JSON.parse(run(["eval", tagger, "--checkpoint", out, file("test"), "--json"]));
  rows.push({
    model, accuracy: report.accuracy, oovAccuracy: report.oovAccuracy, oovTokens: report.oovTokens,
    tokens: report.tokens, epochs: summary.epochs, bestEpoch: summary.best.epoch, seconds,
  });
}

const pct = (/** @type {number} */ x) => `${(100 * x).toFixed(2)}%`;
const lines = [
  `Brown corpus, test split (${baseline.tokens} tokens, ${baseline.oovTokens} out of the training vocabulary); --dims ${
    values.dims
  }, --seed ${values.seed}`,
  "",
  "| model | test accuracy | OOV accuracy | epochs (best) | training time |",
  "|---|---|---|---|---|",
  `| most frequent tag (unseen words: ${baseline.fallback}) | ${pct(baseline.accuracy)} | ${
    pct(baseline.oovAccuracy)
  } | - | - |`,
  ...rows.map((r) => `| ${r.model} | ${pct(r.accuracy)} | ${pct(r.oovAccuracy)} | ${r.epochs} (${r.bestEpoch}) | ${
    r.seconds.toFixed(0)
  } s |`),
];
process.stdout.write(`${lines.join("\n")}\n`);
mkdirSync(join(here, "runs"), { recursive: true });
writeFileSync(
  join(here, "runs", "results.json"),
  JSON.stringify({ dims: values.dims, seed: Number(values.seed), baseline, models: rows }, null, 2) + "\n",
);
