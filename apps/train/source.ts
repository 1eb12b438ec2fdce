// apps/train — the model a run trains, through rnnc's public surfaces alone.
// In: the model file's text and name, the dimensions the run bound, a
// capacity, a loss and an optimizer. Out: the module (rnnc/compiler's
// compileCell, rnnc/runtime's instantiateModel), and the hashes that tie a
// checkpoint to its model and data.

import { createHash } from "node:crypto";
import {
  compileCell,
  type LossKind,
  type Optimizer,
  type Quantize,
  type ReadCellFile,
  type ResolveImport,
} from "../../compiler/api.js";
import { instantiateModel, type RnncModel } from "../../runtime/index.js";

export interface ModelSource {
  readonly file: string;
  readonly text: string;
  /** The exported model or cell; may be left out when the file has one. */
  readonly cell: string | undefined;
  readonly readFile: ReadCellFile;
  readonly resolveImport?: ResolveImport;
}

/**
 * Compiles the unit `name` of the source with this loss, and train_step when an optimizer is given;
 * with `quantize`, an inference build of it in 8 bits (rnnc compile --inference --quantize).
 */
export function compileModel(
  source: ModelSource,
  name: string,
  dims: Readonly<Record<string, number>>,
  capacity: { batch: number; steps: number },
  loss: LossKind,
  optimizer: Optimizer | undefined,
  quantize?: Quantize,
): RnncModel {
  const { binary } = compileCell({
    file: source.file,
    text: source.text,
    cell: name,
    dims,
    capacity,
    loss,
    train: optimizer,
    ...(quantize ? { inference: true, quantize } : {}),
    readFile: source.readFile,
    resolveImport: source.resolveImport,
  });
  return instantiateModel(binary);
}

/** A hash of what decides the parameters' meaning: the model's text, its name, every dimension. */
export function fingerprint(text: string, name: string, dims: Readonly<Record<string, number>>): string {
  const sorted = Object.fromEntries(Object.entries(dims).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash("sha256")
    .update(JSON.stringify({ text, name, dims: sorted }))
    .digest("hex")
    .slice(0, 32);
}

/** A short hash of a data file's text, so a resumed run reads the same data. */
export function textHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** The SHA-256 of a checkpoint's binary file. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
