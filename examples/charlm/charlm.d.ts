// Types of charlm.js (plain JavaScript, which `node` runs as it is), for the TypeScript spec.

import type { RnncModel } from "rnnc/runtime";

/** model.ts compiled for `vocab` characters, `batch` streams of `chunk` steps, parameters from `seed`. */
export function charModel(o: {
  vocab: number;
  embed: number;
  hidden: number;
  batch: number;
  chunk: number;
  seed: number;
  optimize?: boolean;
}): RnncModel;

/** A text cut into `batch` streams: each character a target once, its input the character before it. */
export function streams(
  ids: Int32Array,
  batch: number,
  newline: number,
): { inputs: Int32Array; targets: Int32Array }[];

/** `updates` updates of TBPTT(stride, chunk) over the text as `batch` streams, the rate on a cosine. */
export function trainStreams(
  model: RnncModel,
  ids: Int32Array,
  o: { updates: number; batch: number; chunk: number; stride: number; lr: number; clip: number; newline: number },
  progress?: (update: number, bits: number) => void,
): void;

/** The model's cross-entropy on the text in bits per character, every character predicted once. */
export function bitsPerChar(model: RnncModel, ids: Int32Array, newline: number): number;

/** The uniform and the add-one unigram cross-entropies on `heldOut`, in bits per character. */
export function baselines(train: Int32Array, heldOut: Int32Array, vocab: number): { uniform: number; unigram: number };

/** `length` characters sampled step by step after `prime`, at `temperature`, from `seed`. */
export function sample(
  model: RnncModel,
  chars: readonly string[],
  o: { prime: string; length: number; temperature: number; seed: number },
): string;
