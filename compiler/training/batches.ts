// compiler/training — minibatches. In: sentences, vocabularies, which inputs take word or trigram ids.
// Out: time-major i32 buffers as the module reads them (ids [steps, batch(, slots)], lengths,
// targets [steps, batch]) and seeded shuffling whose position a checkpoint can store.

import type { CallSize } from "../../runtime/abi.js";
import type { RnncModel } from "../../runtime/model.js";
import { mixSeed, prng, shuffle } from "../../runtime/random.js";
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
  const trigramBuffers = new Map(layout.trigrams.map(({ name, slots }) => [name, { slots, ids: new Int32Array(steps * batch * slots).fill(-1) }]));
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
export function dropWords(batch: Batch, layout: InputLayout, p: number, seed: number, epoch: number, index: number): Batch {
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

/**
 * A seeded uniform generator that counts its draws, so a checkpoint can store
 * its position and a resumed run can continue the same stream.
 */
export class CountedRandom {
  readonly #next: () => number;
  #draws = 0;

  constructor(readonly seed: number, draws = 0) {
    this.#next = prng(seed);
    for (let i = 0; i < draws; i++) this.next();
  }

  get draws(): number { return this.#draws; }

  next(): number {
    this.#draws++;
    return this.#next();
  }
}

/** Fisher–Yates over 0..count-1. */
export function shuffled(count: number, random: CountedRandom): number[] {
  return shuffle(Array.from({ length: count }, (_, i) => i), () => random.next());
}

/**
 * Minibatches of sentences of similar length, so few steps are padding: the
 * shuffled order is cut into windows of `window` batches, each window sorted
 * by length (stably) and cut into batches, and the batches shuffled. A batch
 * still holds sentences drawn at random; window 1 is plain `chunks`.
 */
export function bucketed(order: readonly number[], lengthOf: (i: number) => number, size: number, window: number, random: CountedRandom): number[][] {
  if (window <= 1) return chunks(order, size);
  const batches: number[][] = [];
  for (const group of chunks(order, size * window)) {
    const sorted = group.map((i, k) => ({ i, k, n: lengthOf(i) })).sort((a, b) => a.n - b.n || a.k - b.k).map((x) => x.i);
    batches.push(...chunks(sorted, size));
  }
  return shuffled(batches.length, random).map((j) => batches[j]!);
}

/** Consecutive runs of at most `size` indices: the minibatches of one epoch. */
export function chunks(order: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  return out;
}
