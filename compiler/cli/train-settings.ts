// compiler/cli — the flags of `rnnc train` that become the run's settings
// (stored in its checkpoint, compared on --resume). In: the parsed flag
// values. Out: the settings, with the defaults filled in, and which of them
// the user gave. A malformed or contradictory value is a UsageError (exit 2).

import type { LrSchedule, RunSettings, ScheduleKind, TrainSettings } from "../../apps/train/index.js";
import { parseChoice, parseNumber, parsePositive } from "./args.js";
import { UsageError } from "./io.js";

export const settingsUsage = `  --epochs N           at most N epochs (default 10)
  --batch N            sequences per minibatch (default 32)
  --optimizer adam|sgd (default adam)
  --lr X               learning rate (default 0.01 for adam, 0.001 for sgd)
  --momentum X         SGD momentum (default 0.9)
  --lr-schedule S      constant, step or cosine: the rate of each update (default constant)
  --warmup N           the first N updates ramp the rate linearly up to it (default 0)
  --lr-step N          step: multiply the rate by --lr-gamma every N updates
  --lr-gamma G         step: the factor (default 0.1)
  --lr-steps N         cosine: decay over N updates after the warm-up (default: the run's, --epochs of them)
  --lr-min X           cosine: the rate it decays to (default 0)
  --weight-decay L     after each update scale every weight matrix by 1 - rate·L (decoupled; default 0)
  --tbptt K            truncated BPTT: run each batch in chunks of K steps, one update each, the state
                       carried from chunk to chunk; the module holds K steps, sequences may be longer
                       (vector sequences with a target per step)
  --tbptt-stride K1    with --tbptt K2: start a chunk of K2 steps every K1 ≤ K2 steps (Williams & Peng's
                       TBPTT(K1, K2)): each update back-propagates K2 steps, the state carried is the one
                       after K1; every step of a chunk adds to its loss (default K1 = K2, no overlap)
  --clip X             global gradient-norm clipping; 0 turns it off (default 5)
  --seed N             initialisation and shuffling (default 1); same seed and data, same parameters
  --patience N         stop after N epochs without a better dev score; 0 never stops early (default 3)
  --metric M           the dev score that picks the best epoch: accuracy, f1 (a tagger's chunks) or loss
                       (default: f1 for BIO tags, accuracy for other tags and classes, loss for vectors)
  --bucket N           batch sequences of similar length, sorted within windows of N batches;
                       1 batches them as shuffled (default 20)
  --forget-bias NAMES  biases initialised to 1, comma-separated (default bf); "" for none`;

export const settingsFlags = {
  epochs: { type: "string" },
  batch: { type: "string" },
  optimizer: { type: "string" },
  lr: { type: "string" },
  momentum: { type: "string" },
  "lr-schedule": { type: "string" },
  warmup: { type: "string" },
  "lr-step": { type: "string" },
  "lr-gamma": { type: "string" },
  "lr-steps": { type: "string" },
  "lr-min": { type: "string" },
  "weight-decay": { type: "string" },
  tbptt: { type: "string" },
  "tbptt-stride": { type: "string" },
  clip: { type: "string" },
  seed: { type: "string" },
  patience: { type: "string" },
  metric: { type: "string" },
  bucket: { type: "string" },
  "forget-bias": { type: "string" },
  "min-count": { type: "string" },
  "word-dropout": { type: "string" },
} as const;

type Values = { readonly [K in keyof typeof settingsFlags]?: string | undefined };

export function parseSettings(values: Values): { settings: RunSettings; given: Set<keyof TrainSettings> } {
  const optimizer = parseChoice<"adam" | "sgd">("optimizer", values.optimizer, ["adam", "sgd"], "adam");
  if (values.momentum !== undefined && optimizer !== "sgd") throw new UsageError("--momentum needs --optimizer sgd");
  const momentum = values.momentum === undefined ? 0.9 : Number(values.momentum);
  if (!(momentum >= 0 && momentum < 1))
    throw new UsageError(`--momentum: expected a number in [0, 1), got "${values.momentum}"`);
  const metrics = ["accuracy", "f1", "loss"] as const;
  const settings: RunSettings = {
    epochs: parsePositive("epochs", values.epochs, 10),
    batch: parsePositive("batch", values.batch, 32),
    lr: parseNumber("lr", values.lr, optimizer === "adam" ? 0.01 : 0.001),
    clip: parseNonNegative("clip", values.clip, 5),
    optimizer,
    momentum: optimizer === "sgd" ? momentum : 0,
    seed: parseSeed(values.seed),
    patience: parseNonNegative("patience", values.patience, 3, true),
    ...(values.metric === undefined ? {} : { metric: parseChoice("metric", values.metric, metrics, "loss") }),
    minCount: parsePositive("min-count", values["min-count"], 1),
    bucket: parsePositive("bucket", values.bucket, 20),
    wordDropout: parseProbability("word-dropout", values["word-dropout"], 0.05),
    forgetBias: (values["forget-bias"] ?? "bf")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    schedule: parseSchedule(values),
    weightDecay: parseNonNegative("weight-decay", values["weight-decay"], 0),
    ...parseTbptt(values),
  };
  const scheduleFlags = [
    values["lr-schedule"],
    values.warmup,
    values["lr-step"],
    values["lr-gamma"],
    values["lr-steps"],
    values["lr-min"],
  ];
  const flagOf: Record<keyof TrainSettings, string | undefined> = {
    epochs: values.epochs,
    batch: values.batch,
    lr: values.lr,
    clip: values.clip,
    optimizer: values.optimizer,
    momentum: values.momentum,
    seed: values.seed,
    patience: values.patience,
    metric: values.metric,
    minCount: values["min-count"],
    forgetBias: values["forget-bias"],
    wordDropout: values["word-dropout"],
    bucket: values.bucket,
    schedule: scheduleFlags.find((v) => v !== undefined),
    weightDecay: values["weight-decay"],
    tbptt: values.tbptt,
    tbpttStride: values["tbptt-stride"],
  };
  const given = new Set((Object.keys(flagOf) as (keyof TrainSettings)[]).filter((k) => flagOf[k] !== undefined));
  return { settings, given };
}

/** --tbptt K2 and --tbptt-stride K1 ≤ K2, which needs it. */
function parseTbptt(values: Values): Pick<TrainSettings, "tbptt" | "tbpttStride"> {
  if (values.tbptt === undefined) {
    if (values["tbptt-stride"] !== undefined) throw new UsageError("--tbptt-stride needs --tbptt K (the chunk)");
    return {};
  }
  const tbptt = parsePositive("tbptt", values.tbptt, 1);
  if (values["tbptt-stride"] === undefined) return { tbptt };
  const tbpttStride = parsePositive("tbptt-stride", values["tbptt-stride"], 1);
  if (tbpttStride > tbptt) {
    throw new UsageError(
      `--tbptt-stride ${tbpttStride} is longer than the chunk (--tbptt ${tbptt}); chunks would skip steps`,
    );
  }
  return { tbptt, tbpttStride };
}

/** The schedule the flags describe; a flag of another kind of schedule is refused. */
function parseSchedule(values: Values): LrSchedule {
  const kinds: readonly ScheduleKind[] = ["constant", "step", "cosine"];
  const kind = parseChoice("lr-schedule", values["lr-schedule"], kinds, "constant");
  const warmup = parseNonNegative("warmup", values.warmup, 0, true);
  const own: Record<ScheduleKind, readonly (keyof Values)[]> = {
    constant: [],
    step: ["lr-step", "lr-gamma"],
    cosine: ["lr-steps", "lr-min"],
  };
  for (const other of kinds.filter((k) => k !== kind)) {
    const stray = own[other].find((flag) => values[flag] !== undefined);
    if (stray) throw new UsageError(`--${stray} is for --lr-schedule ${other}, not ${kind}`);
  }
  if (kind === "step") {
    if (values["lr-step"] === undefined)
      throw new UsageError("--lr-schedule step needs --lr-step N (updates between decays)");
    const gamma = parseNumber("lr-gamma", values["lr-gamma"], 0.1);
    return { kind, warmup, every: parsePositive("lr-step", values["lr-step"], 1), gamma };
  }
  if (kind === "cosine") {
    const steps = values["lr-steps"] === undefined ? {} : { steps: parsePositive("lr-steps", values["lr-steps"], 1) };
    return { kind, warmup, ...steps, min: parseNonNegative("lr-min", values["lr-min"], 0) };
  }
  return { kind, warmup };
}

function parseNonNegative(flag: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag}: expected a non-negative ${integer ? "integer" : "number"}, got "${value}"`);
  }
  return n;
}

function parseProbability(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !(n >= 0 && n < 1))
    throw new UsageError(`--${flag}: expected a probability in [0, 1), got "${value}"`);
  return n;
}

function parseSeed(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new UsageError(`--seed: expected an integer in [0, 2^32), got "${value}"`);
  return n;
}
