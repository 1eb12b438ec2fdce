// apps/train — checkpoints. In: the run's state, parameters and optimizer
// state. Out: DIR/checkpoint.json naming binaries beside it, written so a kill
// at any moment leaves a whole checkpoint; read back (versions 1 and 2
// upgraded), and refused when it belongs to another model.

import { join } from "node:path";
import type { LossKind } from "../../compiler/api.js";
import { RnncError, Random } from "../../runtime/index.js";
import { checkpointSchema, legacySchema, validateCheckpoint } from "./checkpoint-schema.js";
import { TrainingError } from "./errors.js";
import type { RunIo } from "./run-io.js";
import type { LrSchedule } from "./schedule.js";
import { sha256Of } from "./source.js";
import type { VocabJson } from "./tagger/vocab.js";

export const CHECKPOINT_FILE = "checkpoint.json";
export const LOG_FILE = "log.json";
const FORMAT = "rnnc-checkpoint";
/**
 * Version 3 saves the shuffle generator's state (version 2 counted its draws,
 * replayed on resume) and says what was trained (task, loss); versions 1 and 2
 * are upgraded when read. Version 2 added sha256; version 1 checkpoints still
 * resume, untied to their files.
 */
const VERSION = 3;
const READABLE_VERSIONS: readonly number[] = [1, 2, 3];

/** One finished epoch, as log.json lists them. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss over the epoch, per token (step) or, for a last-step loss, per sequence. */
  readonly loss: number;
  readonly dev: DevScores;
  readonly seconds: number;
  readonly best: boolean;
}

/**
 * A dev set's scores: what the task measures (null where it measures nothing)
 * and the metric that picks the best epoch.
 */
export interface DevScores {
  readonly accuracy: number | null;
  /** Chunk F1 of BIO tags. */
  readonly f1: number | null;
  /** The mean loss, as the epoch's training loss is measured (absent before version 3). */
  readonly loss?: number | null;
  readonly metric: number;
}

export interface TrainSettings {
  readonly epochs: number;
  readonly batch: number;
  readonly lr: number;
  readonly clip: number;
  readonly optimizer: "adam" | "sgd";
  readonly momentum: number;
  readonly seed: number;
  readonly patience: number;
  /** The dev score that picks the best epoch: higher is better, but for loss. */
  readonly metric: Metric;
  readonly forgetBias: readonly string[];
  /** Batches of similar lengths come from windows of this many batches (absent in older checkpoints: 1, off). */
  readonly bucket?: number;
  /** A tagger's: training words seen fewer times map to the unknown row. */
  readonly minCount?: number;
  /** A tagger's: probability that a training word is replaced by the unknown row (absent in older checkpoints: 0). */
  readonly wordDropout?: number;
  /** The learning rate per update (absent: constant at lr). */
  readonly schedule?: LrSchedule;
  /** Decoupled weight decay λ of the weight matrices after each update (decay.ts; absent: 0). */
  readonly weightDecay?: number;
  /** Truncated BPTT: a batch runs in chunks of this many steps, one update each, state carried (absent: whole). */
  readonly tbptt?: number;
  /** TBPTT(k1, k2): a chunk of tbptt steps starts every this many (at most tbptt; absent: tbptt, no overlap). */
  readonly tbpttStride?: number;
}

export type Metric = "accuracy" | "f1" | "loss";

/** What a run trains: a tagger (tokens to ids through vocabularies, a tag per token) or vector sequences. */
export type Task = "tagger" | "sequences";

export interface Checkpoint {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly task: Task;
  /** The module's loss (a tagger's: softmax-ce). */
  readonly loss: Exclude<LossKind, "none">;
  /** Hash of the model file's text, the model's name and every dimension. */
  readonly fingerprint: string;
  readonly model: { readonly file: string; readonly name: string; readonly dims: Readonly<Record<string, number>> };
  /** Hash of the training data, so a resumed run reads the same sentences. */
  readonly data: { readonly train: string; readonly dev: string };
  readonly settings: TrainSettings;
  readonly capacity: { readonly batch: number; readonly steps: number };
  /** A tagger's vocabularies. */
  readonly vocab?: VocabJson;
  readonly position: Position;
  readonly best: { readonly epoch: number; readonly metric: number } | null;
  /** Epochs since the best one; training stops when this reaches the patience. */
  readonly badEpochs: number;
  readonly finished: "epochs" | "patience" | null;
  /** Binary files beside checkpoint.json (rnnc parameter-file format). */
  readonly files: { readonly params: string; readonly optimizer: string; readonly best: string | null };
  /** The SHA-256 of each file named in `files`: a file from another run, or damaged, is refused. */
  readonly sha256?: Readonly<Record<string, string>>;
  readonly log: readonly EpochRecord[];
}

/** Where the run is: epochs finished, batches done of the next, and the shuffle generator's state. */
export interface Position {
  readonly epoch: number;
  readonly batch: number;
  /** The epoch's loss so far, summed, and the steps (or sequences) it is summed over. */
  readonly lossSum: number;
  readonly count: number;
  readonly seconds: number;
  /** The state of the shuffling generator (runtime's Random) before this epoch's shuffle. */
  readonly random: number;
  /** train_step calls so far, which the learning-rate schedule reads (absent when upgraded from version 2). */
  readonly updates?: number;
}

export type CheckpointBody = Omit<Checkpoint, "format" | "version" | "files" | "sha256">;

/** The shuffle draws from its own stream, so changing the initialisation never changes the batches. */
export const shuffleSeed = (seed: number): number => (seed ^ 0x9e3779b9) >>> 0;

/** A binary file of a checkpoint: its name beside checkpoint.json and the SHA-256 of its bytes. */
export interface BlobRef {
  readonly name: string;
  readonly sha256: string | undefined;
}

const binaryName = /^(params|optimizer|best)-\d+-\d+\.bin$/;

/**
 * Writes the binary files under fresh names first, then checkpoint.json (one
 * atomic rename makes the new state current), then removes files no longer
 * named. A kill between any two steps leaves the previous or the new
 * checkpoint whole. `best` is given when it changed since the last save.
 */
export function writeCheckpoint(
  dir: string,
  io: RunIo,
  body: CheckpointBody,
  blobs: { params: Uint8Array; optimizer: Uint8Array; best?: Uint8Array },
  previousBest: BlobRef | null,
): Checkpoint {
  io.prepareFolder(dir);
  const stamp = `${body.position.epoch}-${body.position.batch}`;
  const files = {
    params: `params-${stamp}.bin`,
    optimizer: `optimizer-${stamp}.bin`,
    best: blobs.best ? `best-${stamp}.bin` : (previousBest?.name ?? null),
  };
  const sha256: Record<string, string> = {
    [files.params]: sha256Of(blobs.params),
    [files.optimizer]: sha256Of(blobs.optimizer),
  };
  if (blobs.best) sha256[files.best!] = sha256Of(blobs.best);
  else if (previousBest?.sha256 !== undefined) sha256[previousBest.name] = previousBest.sha256;
  io.write(join(dir, files.params), blobs.params);
  io.write(join(dir, files.optimizer), blobs.optimizer);
  if (blobs.best) io.write(join(dir, files.best!), blobs.best);
  const checkpoint: Checkpoint = { format: FORMAT, version: VERSION, ...body, files, sha256 };
  // One line per field: the settings stay readable, the long vocabulary lists stay compact.
  const text = `{\n${Object.entries(checkpoint)
    .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(",\n")}\n}\n`;
  io.write(join(dir, CHECKPOINT_FILE), text);
  io.write(join(dir, LOG_FILE), `${JSON.stringify(body.log, null, 2)}\n`);
  const keep = new Set(Object.values(files));
  for (const name of io.list(dir)) {
    // Also the temporary files of a writer killed before its rename (RunIo.write names them PATH.PID.tmp).
    const tmp = /^(.*)\.(\d+)\.tmp$/.exec(name);
    const ours = (base: string) => binaryName.test(base) || base === CHECKPOINT_FILE || base === LOG_FILE;
    const stale = tmp ? Number(tmp[2]) !== process.pid && ours(tmp[1]!) : binaryName.test(name) && !keep.has(name);
    if (stale) io.remove(join(dir, name));
  }
  return checkpoint;
}

export function hasCheckpoint(dir: string, io: RunIo): boolean {
  return io.list(dir).includes(CHECKPOINT_FILE);
}

export function readCheckpoint(dir: string, io: RunIo): Checkpoint {
  const path = join(dir, CHECKPOINT_FILE);
  let text: string;
  try {
    text = io.readText(path);
  } catch {
    throw new TrainingError(`no checkpoint in ${dir} (expected ${path}, written by rnnc train --out ${dir})`);
  }
  let value: Partial<Checkpoint> | null;
  try {
    value = JSON.parse(text) as Partial<Checkpoint> | null;
  } catch {
    throw new TrainingError(`${path} is not JSON; the checkpoint is damaged`);
  }
  if (typeof value !== "object" || value === null || value.format !== FORMAT)
    throw new TrainingError(`${path} is not an rnnc checkpoint`);
  if (!READABLE_VERSIONS.includes(value.version as number)) {
    const readable = `${READABLE_VERSIONS.slice(0, -1).join(", ")} and ${READABLE_VERSIONS.at(-1)}`;
    throw new TrainingError(
      `${path} has checkpoint version ${JSON.stringify(value.version)}; this rnnc reads versions ${readable}`,
    );
  }
  const version = value.version as number;
  validateCheckpoint(value, path, version >= 3 ? checkpointSchema : legacySchema);
  const checkpoint = version >= 3 ? (value as Checkpoint) : upgrade(value as unknown as LegacyCheckpoint);
  if (checkpoint.task === "tagger" && checkpoint.vocab === undefined) {
    throw new TrainingError(`${path} is damaged: missing vocab (a tagger's checkpoint holds its vocabularies)`);
  }
  if (version >= 2) {
    const named = [
      checkpoint.files.params,
      checkpoint.files.optimizer,
      ...(checkpoint.files.best ? [checkpoint.files.best] : []),
    ];
    const unhashed = named.filter((name) => !Object.hasOwn(checkpoint.sha256 ?? {}, name));
    if (unhashed.length > 0)
      throw new TrainingError(`${path} is damaged: sha256 has no hash of ${unhashed.join(", ")}`);
  }
  return checkpoint;
}

/** A version 1 or 2 checkpoint, as legacySchema reads it: always a tagger's. */
type LegacyCheckpoint = Omit<Checkpoint, "version" | "task" | "loss" | "position"> & {
  readonly version: 1 | 2;
  readonly position: Omit<Position, "count" | "random" | "updates"> & {
    readonly tokens: number;
    readonly epochDraws: number;
  };
};

/** The shuffle's draw count becomes the generator's state, replayed once here; tokens become the count. */
function upgrade(old: LegacyCheckpoint): Checkpoint {
  const { position, ...rest } = old;
  const { tokens, epochDraws, ...kept } = position;
  const random = new Random(shuffleSeed(old.settings.seed));
  for (let i = 0; i < epochDraws; i++) random.next();
  return {
    ...rest,
    version: VERSION,
    task: "tagger",
    loss: "softmax-ce",
    position: { ...kept, count: tokens, random: random.state },
  };
}

/** Refuses a checkpoint whose model is not the one given (another file, model or dimensions). */
export function checkFingerprint(
  checkpoint: Checkpoint,
  dir: string,
  fingerprint: string,
  model: { file: string; name: string; dims: Readonly<Record<string, number>> },
): void {
  if (checkpoint.fingerprint === fingerprint) return;
  const dims = (d: Readonly<Record<string, number>>) =>
    Object.entries(d)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
  const differs = [
    checkpoint.model.name !== model.name ? `model '${checkpoint.model.name}', not '${model.name}'` : undefined,
    dims(checkpoint.model.dims) !== dims(model.dims)
      ? `dims ${dims(checkpoint.model.dims)}, not ${dims(model.dims)}`
      : undefined,
  ].filter((x) => x !== undefined);
  const why =
    differs.length > 0
      ? differs.join("; ")
      : `a different text of the model file (${checkpoint.model.file} when trained)`;
  throw new TrainingError(
    `the checkpoint in ${dir} belongs to another model: ${why}. ` +
      "Train afresh with another --out, or use the model it was trained with",
  );
}

/** The file `name` of a checkpoint, with its recorded hash (none in a version-1 checkpoint). */
export function blobOf(checkpoint: Checkpoint, name: string): BlobRef {
  return {
    name,
    sha256: checkpoint.sha256 && Object.hasOwn(checkpoint.sha256, name) ? checkpoint.sha256[name] : undefined,
  };
}

/** Loads a binary file the checkpoint names, mapping runtime errors to user errors; refuses one whose hash differs. */
export function loadBlob(dir: string, io: RunIo, blob: BlobRef, load: (bytes: Uint8Array) => void): void {
  const { name } = blob;
  const path = join(dir, name);
  let bytes: Uint8Array;
  try {
    bytes = io.readBytes(path);
  } catch {
    throw new TrainingError(`the checkpoint names ${path}, which cannot be read; the checkpoint is damaged`);
  }
  if (blob.sha256 !== undefined && sha256Of(bytes) !== blob.sha256) {
    throw new TrainingError(
      `${path} is not the file this checkpoint wrote (its SHA-256 differs): ` +
        "it comes from another run or was changed; the checkpoint is damaged",
    );
  }
  try {
    load(bytes);
  } catch (e) {
    if (e instanceof RnncError) throw new TrainingError(`${path}: ${e.message}`);
    throw e;
  }
}
