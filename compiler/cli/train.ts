// compiler/cli — `rnnc train`: a model file and JSONL data to trained
// parameters, through the training application (apps/train); this file reads
// the flags and files, and prints. A model with id inputs trains as a tagger
// on tagged sentences, any other on vector sequences. In: flags and files.
// Out: OUT/checkpoint.json (+ binaries) and OUT/log.json, progress on stderr,
// a summary (or --json) on stdout.

import {
  formatMetric,
  parseSentences,
  plainProgress,
  terminalProgress,
  train,
  TrainingError,
  type ModelSource,
  type Progress,
  type Sentence,
} from "../../apps/train/index.js";
import { onePositional, parse, parseChoice, parseDims, parsePositive } from "./args.js";
import { runFolderIo } from "./folder.js";
import { processIo, readTextOf, resolveImport, UsageError, UserError, type Io } from "./io.js";
import { parseSettings, settingsFlags, settingsUsage } from "./train-settings.js";

export const trainUsage = `usage: rnnc train MODEL.ts --train TRAIN.jsonl --dev DEV.jsonl [options]

Trains a cell or model inside its own module: every minibatch is one call of
its train_step. After each epoch the model is scored on DEV; the best epoch's
parameters are kept. Two kinds of data, one JSON object per line:

- a tagger (a model with id inputs oneOfN/wordHash and a readout; see
  examples/tagger.ts) reads {"tokens": [...], "tags": [...]}; the word,
  trigram and tag vocabularies come from TRAIN and bind the dimensions of the
  tables and the readout (V, T, C in the examples); the loss is softmax-ce;
- any other cell or model, with one dense input, reads vector sequences
  {"x": [[...], ...], "y": ...}: y a target per step (a list as long as x) or
  for the last step; vectors with --loss mse, class ids with --loss softmax-ce.
  The size of x's steps and the targets' width (or number of classes) bind the
  input's and the output's dimensions.

  --cell NAME          the exported model (needed when the file has several)
  --dims E=32,H=64     the other dimensions
  --train FILE         training data (JSONL)
  --dev FILE           validation data (JSONL), scored after every epoch
  --out DIR            checkpoint directory (default rnnc-out)
  --loss mse|softmax-ce  vector sequences: what y holds, vectors or class ids (default mse)
${settingsUsage}
  --save-every SECS    also checkpoint within an epoch this often (default 60)
  --workers N          share every batch among N worker threads, each with its own module
                       instance: each runs its rows, their gradients are summed, one update
                       (default 1: the module's own train_step); the same run up to the
                       order of the gradient sums, the same checkpoints
  --resume             continue the run in --out where it stopped (same model, data and settings)
  --json               print the run's summary and log as JSON
A tagger's:
  --min-count N        words seen fewer times in TRAIN are unknown (row 0) (default 1)
  --word-dropout P     replace each training word by the unknown row with probability P,
                       so that row learns unseen words (default 0.05)`;

const trainFlags = {
  ...settingsFlags,
  cell: { type: "string" },
  dims: { type: "string" },
  train: { type: "string" },
  dev: { type: "string" },
  out: { type: "string" },
  loss: { type: "string" },
  "save-every": { type: "string" },
  workers: { type: "string" },
  resume: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function trainCommand(argv: readonly string[], io: Io): number {
  const { values, positionals } = parse(argv, trainFlags, trainUsage);
  if (values.help) {
    io.out(trainUsage);
    return 0;
  }
  const file = onePositional(positionals, "model file", trainUsage);
  if (values.train === undefined || values.dev === undefined)
    throw new UsageError(`--train and --dev are required\n\n${trainUsage}`);
  const { settings, given } = parseSettings(values);
  const loss =
    values.loss === undefined ? {} : { loss: parseChoice("loss", values.loss, ["mse", "softmax-ce"] as const, "mse") };
  const saveEvery = values["save-every"];
  const saveEverySeconds = saveEvery === undefined ? 60 : Number(saveEvery);
  if (!(saveEverySeconds >= 0) || saveEvery?.trim() === "") {
    throw new UsageError(`--save-every: expected a non-negative number, got "${saveEvery}"`);
  }
  const userDims = parseDims(values.dims);
  const workers = parsePositive("workers", values.workers, 1);

  return asUserErrors(() => {
    const source = modelSource(file, values.cell, io);
    const out = values.out ?? "rnnc-out";
    const result = train({
      source,
      userDims,
      train: dataFile(io, values.train!),
      dev: dataFile(io, values.dev!),
      out,
      io: runFolderIo(io),
      settings,
      given,
      ...loss,
      resume: values.resume === true,
      saveEverySeconds,
      workers,
      progress: progressFor(io),
    });
    const c = result.checkpoint!;
    const { metric } = c.settings;
    const best = c.best
      ? `best dev ${metric} ${formatMetric(metric, c.best.metric)} at epoch ${c.best.epoch}`
      : "no epoch finished";
    if (values.json) {
      const summary = {
        out,
        model: c.model,
        stopped: result.stopped,
        epochs: c.position.epoch,
        best: c.best,
        settings: c.settings,
        log: c.log,
      };
      io.out(JSON.stringify(summary, null, 2));
    } else {
      const epochs = `${c.position.epoch} epoch${c.position.epoch === 1 ? "" : "s"}`;
      const how = result.stopped === "patience" ? "stopped early" : "done";
      io.out(`${c.model.name}: ${epochs} (${how}); ${best}\ncheckpoint ${out}/checkpoint.json, log ${out}/log.json`);
    }
    return 0;
  });
}

/** A bar when stderr is the user's terminal; plain lines into logs and pipes. */
function progressFor(io: Io): Progress {
  return io === processIo && process.stderr.isTTY
    ? terminalProgress(process.stderr)
    : plainProgress((line) => io.err(line));
}

export function modelSource(file: string, cell: string | undefined, io: Io): ModelSource {
  return { file, text: readTextOf(io, file), cell, readFile: (path) => io.readText(path), resolveImport };
}

/** A data file's name and text, as the training application reads it. */
export function dataFile(io: Io, file: string): { file: string; text: string } {
  return { file, text: readTextOf(io, file) };
}

/** Sentences of a data file for eval and predict, read as the training application reads them. */
export function readData(
  file: string,
  io: Io,
  requireTags: boolean,
): { file: string; text: string; sentences: readonly Sentence[] } {
  const text = readTextOf(io, file);
  return { file, text, sentences: parseSentences(file, text, { requireTags }) };
}

/** What eval and predict are given: the model file, --checkpoint DIR, a data file, and the batch of their calls. */
export interface CheckpointArgs {
  readonly file: string;
  readonly checkpoint: string;
  readonly data: string;
  readonly cell: string | undefined;
  readonly batch: number;
  readonly json: boolean;
  /** Score or predict with an int8 build of the model (rnnc compile --quantize int8). */
  readonly quantize?: "int8";
}

/** Parses eval's and predict's flags; undefined after printing --help. `data` names the data file in messages. */
export function parseCheckpointArgs(
  argv: readonly string[],
  io: Io,
  usage: string,
  data: string,
): CheckpointArgs | undefined {
  const flags = {
    checkpoint: { type: "string" },
    cell: { type: "string" },
    batch: { type: "string" },
    json: { type: "boolean" },
    quantize: { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  const { values, positionals } = parse(argv, flags, usage);
  if (values.help) {
    io.out(usage);
    return undefined;
  }
  if (positionals.length !== 2) {
    throw new UsageError(`expected a model file and ${data}, got ${positionals.length} arguments\n\n${usage}`);
  }
  if (values.checkpoint === undefined) throw new UsageError(`--checkpoint DIR is required\n\n${usage}`);
  const [file, dataFile] = positionals as [string, string];
  const batch = parsePositive("batch", values.batch, 32);
  const quantize =
    values.quantize === undefined
      ? {}
      : { quantize: parseChoice<"int8">("quantize", values.quantize, ["int8"], "int8") };
  return {
    file,
    checkpoint: values.checkpoint,
    data: dataFile,
    cell: values.cell,
    batch,
    json: values.json === true,
    ...quantize,
  };
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
