// apps/train/tagger — minibatches. In: sentences, vocabularies, which inputs take word or trigram
// ids. Out: time-major i32 buffers as the module reads them (ids [steps, batch(, slots)], lengths,
// targets [steps, batch]).

import { mixSeed, prng, type CallSize, type RnncModel } from "../../../runtime/index.js";
import type { Sentence } from "./data.js";
import { UNKNOWN_ID, type Vocabularies } from "./vocab.js";

/** The id inputs of a model, by encoding: 1-of-N inputs read word ids, word-hashing inputs trigram ids. */
export interface InputLayout {
  readonly words: readonly string[];
  readonly trigrams: readonly { readonly name: string; readonly slots: number }[];
}

export interface Batch {
  readonly size: CallSize;
  readonly sentences: readonly Sentence[];
  readonly lengths: Int32Array;
  /** Tag ids [steps, batch]; 0 past a sentence's end (the module masks those steps). */
  readonly targets: Int32Array;
  /** Each id input's buffer, by tensor name. */
  readonly inputs: ReadonlyMap<string, Int32Array>;
}

/**
 * Packs sentences in the given order (no sorting by length: the batch is what
 * the shuffle drew). steps = the longest sentence; shorter ones are padded
 * with word id 0 and trigram id -1 (an empty slot). Unknown tags become
 * target 0: callers that train only pass sentences with known tags.
 */
export function packBatch(sentences: readonly Sentence[], vocab: Vocabularies, layout: InputLayout): Batch {
  const batch = sentences.length;
  const steps = Math.max(...sentences.map((s) => s.tokens.length));
  const lengths = Int32Array.from(sentences, (s) => s.tokens.length);
  const targets = new Int32Array(steps * batch);
  const words = new Int32Array(steps * batch).fill(UNKNOWN_ID);
  const trigramBuffers = new Map(
    layout.trigrams.map(({ name, slots }) => [name, { slots, ids: new Int32Array(steps * batch * slots).fill(-1) }]),
  );
  sentences.forEach((s, b) => {
    s.tokens.forEach((token, t) => {
      const at = t * batch + b;
      words[at] = vocab.wordId(token);
      if (s.tags) targets[at] = vocab.tagId(s.tags[t]!) ?? 0;
      if (trigramBuffers.size === 0) return;
      const ids = vocab.trigramIds(token);
      for (const { slots, ids: buffer } of trigramBuffers.values()) {
        for (let k = 0; k < Math.min(slots, ids.length); k++) buffer[at * slots + k] = ids[k]!;
      }
    });
  });
  const inputs = new Map<string, Int32Array>();
  for (const name of layout.words) inputs.set(name, words);
  for (const [name, { ids }] of trigramBuffers) inputs.set(name, ids);
  return { size: { batch, steps }, sentences, lengths, targets, inputs };
}

/** Writes a batch into the module's input, lengths and target tensors. */
export function feedBatch(model: RnncModel, batch: Batch): void {
  for (const [name, ids] of batch.inputs) model.set(name, "input", ids);
  for (const entry of model.tensors()) {
    if (entry.role === "lengths") model.set(entry.name, "lengths", batch.lengths);
    if (entry.role === "target") model.set(entry.name, "target", batch.targets);
  }
}

/**
 * Word dropout: each in-sentence word id of the 1-of-N inputs becomes the
 * unknown row with probability `p`, so that row learns what an unseen word
 * looks like (word-hashing ids are left alone: they are how a model with
 * both encodings still reads the dropped word). The draws come from a
 * generator seeded by (seed, epoch, batch) alone, so a resumed run drops the
 * same words. Returns the batch with its own copy of the word ids.
 */
export function dropWords(
  batch: Batch,
  layout: InputLayout,
  p: number,
  seed: number,
  epoch: number,
  index: number,
): Batch {
  if (p <= 0 || layout.words.length === 0) return batch;
  const random = prng(mixSeed(seed, epoch, index));
  const words = Int32Array.from(batch.inputs.get(layout.words[0]!)!);
  const { batch: width } = batch.size;
  batch.lengths.forEach((length, b) => {
    for (let t = 0; t < length; t++) if (random() < p) words[t * width + b] = UNKNOWN_ID;
  });
  const inputs = new Map(batch.inputs);
  for (const name of layout.words) inputs.set(name, words);
  return { ...batch, inputs };
}
