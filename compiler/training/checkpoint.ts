// compiler/training — checkpoints. In: the run's state, parameters and optimizer state. Out:
// DIR/checkpoint.json naming binaries beside it, written so a kill at any moment leaves a whole
// checkpoint; read back, and refused when it belongs to another model.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { elementTypeOf, resolveShape } from "../../runtime/abi.js";
import { RnncError } from "../../runtime/errors.js";
import type { RnncModel } from "../../runtime/model.js";
import { decodeParams, encodeParams, matchParams } from "../../runtime/params.js";
import { TrainingError } from "./data.js";
import { validateCheckpoint } from "./checkpoint-schema.js";
import { describeFsError, prepareFolder } from "./folder.js";
import type { VocabJson } from "./vocab.js";

export const CHECKPOINT_FILE = "checkpoint.json";
export const LOG_FILE = "log.json";
const FORMAT = "rnnc-checkpoint";
/** Version 2 adds sha256; version 1 checkpoints still resume, untied to their files. */
const VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, 2];

/** One finished epoch, as log.json lists them. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss per token over the epoch (softmax cross-entropy, nats). */
  readonly loss: number;
  readonly dev: { readonly accuracy: number; readonly f1: number | null; readonly metric: number };
  readonly seconds: number;
  readonly best: boolean;
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
  readonly metric: "accuracy" | "f1";
  readonly minCount: number;
  readonly forgetBias: readonly string[];
  /** Probability that a training word is replaced by the unknown row (absent in older checkpoints: 0). */
  readonly wordDropout?: number;
  /** Batches of similar lengths are formed within windows of this many batches (absent in older checkpoints: 1, off). */
  readonly bucket?: number;
}

export interface Checkpoint {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  /** Hash of the model file's text, the model's name and every dimension. */
  readonly fingerprint: string;
  readonly model: { readonly file: string; readonly name: string; readonly dims: Readonly<Record<string, number>> };
  /** Hash of the training data, so a resumed run reads the same sentences. */
  readonly data: { readonly train: string; readonly dev: string };
  readonly settings: TrainSettings;
  readonly capacity: { readonly batch: number; readonly steps: number };
  readonly vocab: VocabJson;
  /** Where the run is: epochs finished, batches done of the next, and the shuffle's generator. */
  readonly position: {
    readonly epoch: number;
    readonly batch: number;
    readonly lossSum: number;
    readonly tokens: number;
    readonly seconds: number;
    /** Draws of the shuffling generator (seeded from settings.seed) before this epoch's shuffle. */
    readonly epochDraws: number;
  };
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

export type CheckpointBody = Omit<Checkpoint, "format" | "version" | "files" | "sha256">;

/** A binary file of a checkpoint: its name beside checkpoint.json and the SHA-256 of its bytes. */
export interface BlobRef {
  readonly name: string;
  readonly sha256: string | undefined;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The module's optimizer-state tensors (Adam's moments and step count, SGD's velocity) as one file. */
export function saveOptimizerState(model: RnncModel): Uint8Array {
  return encodeParams(model.tensors().filter((t) => t.role === "optimizer").map((entry) => ({
    name: entry.name,
    shape: resolveShape(entry.shape, model.capacity),
    dtype: elementTypeOf(model.abi, entry),
    data: regionOf(model, entry.name).slice(),
  })));
}

export function loadOptimizerState(model: RnncModel, file: Uint8Array): void {
  const entries = model.tensors().filter((t) => t.role === "optimizer");
  const slots = entries.map((e) => ({ name: e.name, shape: resolveShape(e.shape, model.capacity), dtype: elementTypeOf(model.abi, e) }));
  const records = matchParams(slots, decodeParams(file));
  records.forEach((r, i) => {
    if (r.dtype !== slots[i]!.dtype) throw new TrainingError(`optimizer state ${r.name} is ${r.dtype} in the checkpoint but ${slots[i]!.dtype} in the module`);
    regionOf(model, entries[i]!.name).set(r.data);
  });
}

function regionOf(model: RnncModel, name: string): Uint8Array {
  const { offset, bytes } = model.placement(name, "optimizer");
  return new Uint8Array(model.memory.buffer, offset, bytes);
}

/** What a checkpoint directory is written through: atomic whole-file writes (tmp + rename). */
export interface CheckpointIo {
  readText(path: string): string;
  readBytes(path: string): Uint8Array;
  write(path: string, data: string | Uint8Array): void;
}

const binaryName = /^(params|optimizer|best)-\d+-\d+\.bin$/;

/**
 * Writes the binary files under fresh names first, then checkpoint.json (one
 * atomic rename makes the new state current), then removes files no longer
 * named. A kill between any two steps leaves the previous or the new
 * checkpoint whole. `best` is given when it changed since the last save.
 */
export function writeCheckpoint(dir: string, io: CheckpointIo, body: CheckpointBody, blobs: { params: Uint8Array; optimizer: Uint8Array; best?: Uint8Array }, previousBest: BlobRef | null): Checkpoint {
  prepareFolder(dir);
  const stamp = `${body.position.epoch}-${body.position.batch}`;
  const files = { params: `params-${stamp}.bin`, optimizer: `optimizer-${stamp}.bin`, best: blobs.best ? `best-${stamp}.bin` : previousBest?.name ?? null };
  const sha256: Record<string, string> = { [files.params]: sha256Of(blobs.params), [files.optimizer]: sha256Of(blobs.optimizer) };
  if (blobs.best) sha256[files.best!] = sha256Of(blobs.best);
  else if (previousBest?.sha256 !== undefined) sha256[previousBest.name] = previousBest.sha256;
  io.write(join(dir, files.params), blobs.params);
  io.write(join(dir, files.optimizer), blobs.optimizer);
  if (blobs.best) io.write(join(dir, files.best!), blobs.best);
  const checkpoint: Checkpoint = { format: FORMAT, version: VERSION, ...body, files, sha256 };
  // One line per field: the settings stay readable, the long vocabulary lists stay compact.
  const text = `{\n${Object.entries(checkpoint).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(",\n")}\n}\n`;
  io.write(join(dir, CHECKPOINT_FILE), text);
  io.write(join(dir, LOG_FILE), `${JSON.stringify(body.log, null, 2)}\n`);
  const keep = new Set(Object.values(files));
  try {
    for (const name of readdirSync(dir)) {
      // Also the temporary files of a writer killed before its rename (processIo names them PATH.PID.tmp).
      const tmp = /^(.*)\.(\d+)\.tmp$/.exec(name);
      const stale = tmp ? Number(tmp[2]) !== process.pid && (binaryName.test(tmp[1]!) || tmp[1] === CHECKPOINT_FILE || tmp[1] === LOG_FILE) : binaryName.test(name) && !keep.has(name);
      if (stale) unlinkSync(join(dir, name));
    }
  } catch (e) {
    throw new TrainingError(`cannot tidy the run's folder ${dir}: ${describeFsError(e)}`);
  }
  return checkpoint;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILE));
}

export function readCheckpoint(dir: string, io: CheckpointIo): Checkpoint {
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
  if (typeof value !== "object" || value === null || value.format !== FORMAT) throw new TrainingError(`${path} is not an rnnc checkpoint`);
  if (!READABLE_VERSIONS.includes(value.version as number)) {
    throw new TrainingError(`${path} has checkpoint version ${JSON.stringify(value.version)}; this rnnc reads versions ${READABLE_VERSIONS.join(" and ")}`);
  }
  validateCheckpoint(value, path);
  const checkpoint = value as Checkpoint;
  if (checkpoint.version >= 2) {
    const named = [checkpoint.files.params, checkpoint.files.optimizer, ...(checkpoint.files.best ? [checkpoint.files.best] : [])];
    const unhashed = named.filter((name) => !Object.hasOwn(checkpoint.sha256 ?? {}, name));
    if (unhashed.length > 0) throw new TrainingError(`${path} is damaged: sha256 has no hash of ${unhashed.join(", ")}`);
  }
  return checkpoint;
}

/** Refuses a checkpoint whose model is not the one given (another file, model or dimensions). */
export function checkFingerprint(checkpoint: Checkpoint, dir: string, fingerprint: string, model: { file: string; name: string; dims: Readonly<Record<string, number>> }): void {
  if (checkpoint.fingerprint === fingerprint) return;
  const dims = (d: Readonly<Record<string, number>>) => Object.entries(d).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(",");
  const differs = [
    checkpoint.model.name !== model.name ? `model '${checkpoint.model.name}', not '${model.name}'` : undefined,
    dims(checkpoint.model.dims) !== dims(model.dims) ? `dims ${dims(checkpoint.model.dims)}, not ${dims(model.dims)}` : undefined,
  ].filter((x) => x !== undefined);
  const why = differs.length > 0 ? differs.join("; ") : `a different text of the model file (${checkpoint.model.file} when trained)`;
  throw new TrainingError(`the checkpoint in ${dir} belongs to another model: ${why}. Train afresh with another --out, or use the model it was trained with`);
}

/** The file `name` of a checkpoint, with its recorded hash (none in a version-1 checkpoint). */
export function blobOf(checkpoint: Checkpoint, name: string): BlobRef {
  return { name, sha256: checkpoint.sha256 && Object.hasOwn(checkpoint.sha256, name) ? checkpoint.sha256[name] : undefined };
}

/** Loads a binary file the checkpoint names, mapping runtime errors to user errors; refuses one whose hash differs. */
export function loadBlob(dir: string, io: CheckpointIo, blob: BlobRef, load: (bytes: Uint8Array) => void): void {
  const { name } = blob;
  const path = join(dir, name);
  let bytes: Uint8Array;
  try {
    bytes = io.readBytes(path);
  } catch {
    throw new TrainingError(`the checkpoint names ${path}, which cannot be read; the checkpoint is damaged`);
  }
  if (blob.sha256 !== undefined && sha256Of(bytes) !== blob.sha256) {
    throw new TrainingError(`${path} is not the file this checkpoint wrote (its SHA-256 differs): it comes from another run or was changed; the checkpoint is damaged`);
  }
  try {
    load(bytes);
  } catch (e) {
    if (e instanceof RnncError) throw new TrainingError(`${path}: ${e.message}`);
    throw e;
  }
}
