// compiler/cli — `rnnc train`: a tagger model file and JSONL data to trained
// parameters, through the training application (apps/train); this file reads
// the flags and files, and prints. In: flags and files. Out: OUT/checkpoint.json
// (+ binaries) and OUT/log.json, progress on stderr, a summary (or --json) on stdout.

import {
  formatMetric, isChunkTagging, parseSentences, plainProgress, terminalProgress, trainTagger, TrainingError,
  type ModelSource, type Progress, type TaggerData, type TrainSettings,
} from "../../apps/train/index.js";
import { onePositional, parse, parseChoice, parseDims, parseNumber, parsePositive } from "./args.js";
import { runFolderIo } from "./folder.js";
import { processIo, readTextOf, resolveImport, UsageError, UserError, type Io } from "./io.js";

export const trainUsage = `usage: rnnc train MODEL.ts --train TRAIN.jsonl --dev DEV.jsonl [options]

Trains a tagger model (id inputs oneOfN/wordHash, a readout; see
examples/tagger.ts) inside its module with a softmax cross-entropy loss.
Data: one JSON object per line, {"tokens": [...], "tags": [...]}. The word,
trigram and tag vocabularies come from TRAIN and bind the dimensions of the
tables and the readout (V, T, C in the examples). After each epoch the model
is scored on DEV; the best epoch's parameters are kept.

  --cell NAME          the exported model (needed when the file has several)
  --dims E=32,H=64     the other dimensions
  --train FILE         training data (JSONL)
  --dev FILE           validation data (JSONL), scored after every epoch
  --out DIR            checkpoint directory (default rnnc-out)
  --epochs N           at most N epochs (default 10)
  --batch N            sentences per minibatch (default 32)
  --optimizer adam|sgd (default adam)
  --lr X               learning rate (default 0.01 for adam, 0.001 for sgd)
  --momentum X         SGD momentum (default 0.9)
  --clip X             global gradient-norm clipping; 0 turns it off (default 5)
  --seed N             initialisation and shuffling (default 1); same seed and data, same parameters
  --patience N         stop after N epochs without a better dev score; 0 never stops early (default 3)
  --metric accuracy|f1 the dev score: chunk F1 for BIO tags (default), else token accuracy
  --min-count N        words seen fewer times in TRAIN are unknown (row 0) (default 1)
  --bucket N           batch sentences of similar length, sorted within windows of N batches;
                       1 batches them as shuffled (default 20)
  --word-dropout P     replace each training word by the unknown row with probability P,
                       so that row learns unseen words (default 0.05)
  --forget-bias NAMES  biases initialised to 1, comma-separated (default bf); "" for none
  --save-every SECS    also checkpoint within an epoch this often (default 60)
  --resume             continue the run in --out where it stopped (same model, data and settings)
  --json               print the run's summary and log as JSON`;

const trainFlags = {
  cell: { type: "string" }, dims: { type: "string" }, train: { type: "string" }, dev: { type: "string" },
  out: { type: "string" }, epochs: { type: "string" }, batch: { type: "string" }, optimizer: { type: "string" },
  lr: { type: "string" }, momentum: { type: "string" }, clip: { type: "string" }, seed: { type: "string" },
  patience: { type: "string" }, metric: { type: "string" }, "min-count": { type: "string" }, "word-dropout": { type: "string" }, bucket: { type: "string" },
  "forget-bias": { type: "string" }, "save-every": { type: "string" }, resume: { type: "boolean" },
  json: { type: "boolean" }, help: { type: "boolean", short: "h" },
} as const;

export function trainCommand(argv: readonly string[], io: Io): number {
  const { values, positionals } = parse(argv, trainFlags, trainUsage);
  if (values.help) {
    io.out(trainUsage);
    return 0;
  }
  const file = onePositional(positionals, "model file", trainUsage);
  if (values.train === undefined || values.dev === undefined) throw new UsageError(`--train and --dev are required\n\n${trainUsage}`);
  const optimizer = parseChoice<"adam" | "sgd">("optimizer", values.optimizer, ["adam", "sgd"], "adam");
  if (values.momentum !== undefined && optimizer !== "sgd") throw new UsageError("--momentum needs --optimizer sgd");
  const momentum = values.momentum === undefined ? 0.9 : Number(values.momentum);
  if (!(momentum >= 0 && momentum < 1)) throw new UsageError(`--momentum: expected a number in [0, 1), got "${values.momentum}"`);
  const metric = values.metric === undefined ? undefined : parseChoice<"accuracy" | "f1">("metric", values.metric, ["accuracy", "f1"], "f1");
  const settings: Omit<TrainSettings, "metric"> = {
    epochs: parsePositive("epochs", values.epochs, 10),
    batch: parsePositive("batch", values.batch, 32),
    lr: parseNumber("lr", values.lr, optimizer === "adam" ? 0.01 : 0.001),
    clip: parseNonNegative("clip", values.clip, 5),
    optimizer,
    momentum: optimizer === "sgd" ? momentum : 0,
    seed: parseSeed(values.seed),
    patience: parseNonNegative("patience", values.patience, 3, true),
    minCount: parsePositive("min-count", values["min-count"], 1),
    bucket: parsePositive("bucket", values.bucket, 20),
    wordDropout: parseProbability("word-dropout", values["word-dropout"], 0.05),
    forgetBias: (values["forget-bias"] ?? "bf").split(",").map((s) => s.trim()).filter((s) => s !== ""),
  };
  const flagOf: Record<keyof TrainSettings, string | undefined> = {
    epochs: values.epochs, batch: values.batch, lr: values.lr, clip: values.clip, optimizer: values.optimizer,
    momentum: values.momentum, seed: values.seed, patience: values.patience, metric: values.metric,
    minCount: values["min-count"], forgetBias: values["forget-bias"], wordDropout: values["word-dropout"], bucket: values.bucket,
  };
  const given = new Set((Object.keys(flagOf) as (keyof TrainSettings)[]).filter((k) => flagOf[k] !== undefined));
  const saveEverySeconds = parseNonNegative("save-every", values["save-every"], 60);
  const userDims = parseDims(values.dims);

  return asUserErrors(() => {
    const source = modelSource(file, values.cell, io);
    const train = readData(values.train!, io, true);
    const dev = readData(values.dev!, io, true);
    const chosenMetric = metric ?? (isChunkTagging(train.sentences.flatMap((s) => s.tags ?? [])) ? "f1" : "accuracy");
    const out = values.out ?? "rnnc-out";
    const result = trainTagger({
      source, userDims, train, dev, out, io: runFolderIo(io), settings: { ...settings, metric: chosenMetric }, given,
      resume: values.resume === true, saveEverySeconds, progress: progressFor(io),
    });
    const c = result.checkpoint!;
    const { metric: scored } = c.settings;
    const best = c.best ? `best dev ${scored} ${formatMetric(scored, c.best.metric)} at epoch ${c.best.epoch}` : "no epoch finished";
    if (values.json) {
      io.out(JSON.stringify({ out, model: c.model, stopped: result.stopped, epochs: c.position.epoch, best: c.best, settings: c.settings, log: c.log }, null, 2));
    } else {
      const epochs = `${c.position.epoch} epoch${c.position.epoch === 1 ? "" : "s"}`;
      io.out(`${c.model.name}: ${epochs} (${result.stopped === "patience" ? "stopped early" : "done"}); ${best}\ncheckpoint ${out}/checkpoint.json, log ${out}/log.json`);
    }
    return 0;
  });
}

/** A bar when stderr is the user's terminal; plain lines into logs and pipes. */
function progressFor(io: Io): Progress {
  return io === processIo && process.stderr.isTTY ? terminalProgress(process.stderr) : plainProgress((line) => io.err(line));
}

export function modelSource(file: string, cell: string | undefined, io: Io): ModelSource {
  return { file, text: readTextOf(io, file), cell, readFile: (path) => io.readText(path), resolveImport };
}

export function readData(file: string, io: Io, requireTags: boolean): TaggerData {
  const text = readTextOf(io, file);
  return { file, text, sentences: parseSentences(file, text, { requireTags }) };
}

/** Training's own errors (data, checkpoints) are the user's to fix: exit 1 with the message. */
export function asUserErrors<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof TrainingError) throw new UserError(e.message);
    throw e;
  }
}

function parseNonNegative(flag: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag}: expected a non-negative ${integer ? "integer" : "number"}, got "${value}"`);
  }
  return n;
}

function parseProbability(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !(n >= 0 && n < 1)) throw new UsageError(`--${flag}: expected a probability in [0, 1), got "${value}"`);
  return n;
}

function parseSeed(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--seed: expected an integer in [0, 2^32), got "${value}"`);
  return n;
}
