// apps/train/tagger — a trained tagger back from its checkpoint. In: the checkpoint directory, the
// model file, the sentences to tag (they set the capacity). Out: the module with the best
// parameters and the run's vocabularies; a checkpoint of another model is refused.

import type { Quantize } from "../../../compiler/api.js";
import type { RnncModel } from "../../../runtime/index.js";
import { blobOf, checkFingerprint, loadBlob, readCheckpoint, type Checkpoint } from "../checkpoint.js";
import { TrainingError } from "../errors.js";
import type { RunIo } from "../run-io.js";
import { compileModel, fingerprint, type ModelSource } from "../source.js";
import type { Sentence } from "./data.js";
import { bindDims, longest, taggerShape, type TaggerShape } from "./tagger.js";
import { Vocabularies } from "./vocab.js";

export interface TrainedTagger {
  readonly model: RnncModel;
  readonly vocab: Vocabularies;
  readonly shape: TaggerShape;
  readonly checkpoint: Checkpoint;
  /** Which parameters were loaded: the best epoch's, or the last ones when no epoch finished. */
  readonly params: "best" | "last";
}

export function loadTrainedTagger(
  dir: string,
  io: RunIo,
  source: ModelSource,
  sentences: readonly Sentence[],
  batch = 32,
  quantize?: Quantize,
): TrainedTagger {
  const checkpoint = readCheckpoint(dir, io);
  if (checkpoint.task !== "tagger" || !checkpoint.vocab) {
    throw new TrainingError(`the checkpoint in ${dir} is of a ${checkpoint.task} run, not a tagger's`);
  }
  const named = { ...source, cell: source.cell ?? checkpoint.model.name };
  const shape = taggerShape(named);
  const vocab = Vocabularies.fromJson(checkpoint.vocab, dir);
  // The checkpoint's dims, less those the vocabularies bind again.
  const fromVocab = new Set([...shape.vocabDims.words, ...shape.vocabDims.trigrams, shape.vocabDims.classes]);
  const userDims = Object.fromEntries(Object.entries(checkpoint.model.dims).filter(([d]) => !fromVocab.has(d)));
  const dims = bindDims(shape, userDims, vocab);
  const model = { file: named.file, name: shape.name, dims };
  checkFingerprint(checkpoint, dir, fingerprint(named.text, shape.name, dims), model);
  const capacity = { batch: Math.max(1, Math.min(batch, sentences.length)), steps: longest(sentences) };
  const compiled = compileModel(named, shape.name, dims, capacity, "softmax-ce", undefined, quantize);
  const file = checkpoint.files.best ?? checkpoint.files.params;
  loadBlob(dir, io, blobOf(checkpoint, file), (bytes) => compiled.loadParams(bytes));
  return { model: compiled, vocab, shape, checkpoint, params: checkpoint.files.best ? "best" : "last" };
}
