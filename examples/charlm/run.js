#!/usr/bin/env node
// examples/charlm — a character-level LSTM language model of the Brown corpus' text, end to end
// (npm run charlm, after npm run build). In: the flags below. Out: on stderr the progress; on
// stdout the held-out bits per character next to the uniform and unigram baselines and a sample
// of generated text; the same as JSON in examples/charlm/runs/results.json.

import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { baselines, bitsPerChar, charModel, sample, trainStreams } from "./charlm.js";
import { characters, encode, readBrownText } from "./text.js";

const usage = `usage: npm run charlm -- [options]

Trains examples/charlm/model.ts (an LSTM over 1-of-N characters, a softmax readout per step) on
the Brown corpus' training files with truncated BPTT, then reports its cross-entropy on the test
files in bits per character and samples text from it.

  --updates N      training updates, one per chunk (default 2000: about 2 minutes of one core;
                   an epoch of the training text is about 5,000,000 / (batch · stride) updates)
  --hidden H       LSTM units (default 128)
  --embed E        embedding of a character (default 32)
  --batch B        streams trained side by side (default 32)
  --chunk K2       steps each update back-propagates through (default 100)
  --stride K1      steps from one chunk's start to the next (default: the chunk)
  --lr X           Adam's learning rate, decayed to 0 on a cosine (default 0.005)
  --clip X         global gradient-norm clipping (default 1)
  --seed N         initialisation (default 1)
  --temperature T  sampling temperature (default 0.7)
  --sample N       characters to sample (default 300)
  --sample-seed N  the sampler's seed (default 1)
  --prime TEXT     what the model reads before it samples (default "The ")`;

const { values } = parseArgs({
  options: {
    updates: { type: "string", default: "2000" },
    hidden: { type: "string", default: "128" },
    embed: { type: "string", default: "32" },
    batch: { type: "string", default: "32" },
    chunk: { type: "string", default: "100" },
    stride: { type: "string" },
    lr: { type: "string", default: "0.005" },
    clip: { type: "string", default: "1" },
    seed: { type: "string", default: "1" },
    temperature: { type: "string", default: "0.7" },
    sample: { type: "string", default: "300" },
    "sample-seed": { type: "string", default: "1" },
    prime: { type: "string", default: "The " },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
/** @param {keyof typeof values} flag */
const number = (flag) => {
  const n = Number(values[flag]);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`--${flag}: expected a positive number, got "${values[flag]}"\n${usage}\n`);
    process.exit(2);
  }
  return n;
};
const chunk = number("chunk");
const o = {
  updates: number("updates"), hidden: number("hidden"), embed: number("embed"), batch: number("batch"), chunk,
  stride: values.stride === undefined ? chunk : number("stride"), lr: number("lr"), clip: number("clip"),
  seed: number("seed"), temperature: number("temperature"), sample: number("sample"),
  sampleSeed: number("sample-seed"),
};
if (o.stride > o.chunk) {
  process.stderr.write(`--stride ${o.stride} is longer than the chunk (--chunk ${o.chunk})\n`);
  process.exit(2);
}

const text = readBrownText();
const chars = characters(text.train);
const [train, test] = [encode(text.train, chars), encode(text.test, chars)];
const newline = chars.indexOf("\n");
process.stderr.write(`train ${train.length} characters, held out (test) ${test.length}, vocabulary ${chars.length}\n`);

const cpuSeconds = () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
const started = performance.now();
const model = charModel({ vocab: chars.length, embed: o.embed, hidden: o.hidden, batch: o.batch, chunk, seed: o.seed });
const compiled = performance.now();
const cpuCompiled = cpuSeconds();
let [recent, count] = [0, 0];
trainStreams(model, train, { ...o, newline }, (update, bits) => {
  [recent, count] = [recent + bits, count + 1];
  if (update % 50 !== 0 && update !== o.updates) return;
  const seconds = ((performance.now() - compiled) / 1000).toFixed(0);
  process.stderr.write(`update ${update}/${o.updates}: train ${(recent / count).toFixed(3)} bits/char, ${seconds} s\n`);
  [recent, count] = [0, 0];
});
const trained = performance.now();
const cpuTrained = cpuSeconds();
const bpc = bitsPerChar(model, test, newline);
const measured = performance.now();
const base = baselines(train, test, chars.length);
const generated = sample(model, chars, {
  prime: values.prime, length: o.sample, temperature: o.temperature, seed: o.sampleSeed,
});

const cpu = (() => {
  try {
    return execSync("lscpu", { encoding: "utf8" }).match(/Model name:\s*(.+)/)?.[1]?.trim() ?? cpus()[0]?.model;
  } catch {
    return cpus()[0]?.model;
  }
})();
const cpuMeasured = cpuSeconds();
const seconds = {
  compile: (compiled - started) / 1000, train: (trained - compiled) / 1000, heldOut: (measured - trained) / 1000,
  trainCpu: cpuTrained - cpuCompiled, heldOutCpu: cpuMeasured - cpuTrained,
};
const lines = [
  `held-out (Brown test files, ${test.length} characters) bits per character:`,
  `  uniform over the ${chars.length} ids  ${base.uniform.toFixed(3)}`,
  `  unigram (train counts + 1)   ${base.unigram.toFixed(3)}`,
  `  charLm                       ${bpc.toFixed(3)}`,
  `(${o.updates} updates of ${o.batch} × ${o.chunk} steps, stride ${o.stride}, H=${o.hidden}, E=${o.embed}, ` +
    `seed ${o.seed}; compile ${seconds.compile.toFixed(1)} s, train ${seconds.train.toFixed(0)} s ` +
    `(${seconds.trainCpu.toFixed(0)} s of CPU), held-out ${seconds.heldOut.toFixed(0)} s ` +
    `(${seconds.heldOutCpu.toFixed(0)} s of CPU) on ${cpu})`,
  "",
  `sample (temperature ${o.temperature}, seed ${o.sampleSeed}), after ${JSON.stringify(values.prime)}:`,
  values.prime + generated,
];
process.stdout.write(`${lines.join("\n")}\n`);
const runs = fileURLToPath(new URL("runs", import.meta.url));
mkdirSync(runs, { recursive: true });
const results = {
  settings: o, prime: values.prime, vocab: chars.length, characters: { train: train.length, heldOut: test.length },
  bitsPerChar: bpc, baselines: base, seconds, cpu, sample: generated,
};
writeFileSync(join(runs, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
