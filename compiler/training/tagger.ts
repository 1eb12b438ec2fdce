// compiler/training — a model file as a tagger. In: its text and name, --dims, the vocabularies.
// Out: the module (V, T, C bound from the vocabularies, loss softmax-ce), the model's
// fingerprint, and tags predicted by the module's forward pass.

import { createHash } from "node:crypto";
import { parseUnits } from "../frontend/index.js";
import { pickUnit, type ReadCellFile, type ResolveImport } from "../model.js";
import { instantiateModel } from "../../runtime/model.js";
import type { Optimizer } from "../lower/train.js";
import { compileCell } from "../pipeline.js";
import type { RnncModel } from "../../runtime/model.js";
import { chunks, feedBatch, packBatch, type InputLayout } from "./batches.js";
import { TrainingError, type Sentence } from "./data.js";
import type { Vocabularies } from "./vocab.js";
import { nameRecord, own } from "../names.js";

export interface ModelSource {
  readonly file: string;
  readonly text: string;
  /** The exported model; may be left out when the file has one. */
  readonly cell: string | undefined;
  readonly readFile: ReadCellFile;
  readonly resolveImport?: ResolveImport;
}

/** What training needs to know of a model before compiling it. */
export interface TaggerShape {
  readonly name: string;
  readonly layout: InputLayout;
  /** Dimension names bound from the vocabularies: table rows and the readout's size. */
  readonly vocabDims: { readonly words: readonly string[]; readonly trigrams: readonly string[]; readonly classes: string | undefined };
  /** Trigram ids per word: the most slots of any word-hashing input. */
  readonly slots: number | undefined;
}

export function taggerShape(source: ModelSource): TaggerShape {
  const unit = pickUnit(parseUnits(source.file, source.text), source.cell, source.file);
  if (unit.kind !== "model") {
    throw new TrainingError(`${source.file}: '${unit.cell.name}' is a cell; a tagger is a model with id inputs (oneOfN, wordHash) and a readout (see examples/tagger.ts)`);
  }
  const model = unit.model;
  const dense = model.inputs.find((i) => i.kind === "dense");
  if (dense) throw new TrainingError(`${source.file}: model '${model.name}' reads vectors ('${dense.name}'); a tagger reads word ids (oneOfN) or trigram ids (wordHash)`);
  if (!model.readout) throw new TrainingError(`${source.file}: model '${model.name}' has no readout; a tagger scores its tags with readout: dense("C")`);
  const words: string[] = [];
  const trigrams: string[] = [];
  const layout = { words: [] as string[], trigrams: [] as { name: string; slots: number }[] };
  for (const input of model.inputs) {
    if (input.kind !== "ids") continue;
    const rows = typeof input.rows === "string" ? [input.rows] : [];
    if (input.encoding === "oneOfN") {
      layout.words.push(input.name);
      words.push(...rows);
    } else {
      layout.trigrams.push({ name: input.name, slots: input.slots });
      trigrams.push(...rows);
    }
  }
  const size = model.readout.size;
  const slots = layout.trigrams.length > 0 ? Math.max(...layout.trigrams.map((t) => t.slots)) : undefined;
  return { name: model.name, layout, vocabDims: { words, trigrams, classes: typeof size === "string" ? size : undefined }, slots };
}

/** The user's dims plus those the vocabularies decide; a user may not bind those. */
export function bindDims(shape: TaggerShape, userDims: Readonly<Record<string, number>>, vocab: Vocabularies): Record<string, number> {
  const dims = nameRecord(Object.entries(userDims));
  const bind = (dim: string, size: number, what: string) => {
    if (Object.hasOwn(userDims, dim)) throw new TrainingError(`--dims: ${dim} is the ${what} and is set from the training data (${size}); leave it out`);
    if (own(dims, dim) !== undefined && dims[dim] !== size) throw new TrainingError(`dimension ${dim} is used both as the ${what} (${size}) and for a table of ${dims[dim]} rows`);
    dims[dim] = size;
  };
  for (const d of shape.vocabDims.words) bind(d, vocab.wordCount, "size of the word vocabulary");
  for (const d of shape.vocabDims.trigrams) bind(d, vocab.trigramCount, "size of the trigram vocabulary");
  if (shape.vocabDims.classes !== undefined) bind(shape.vocabDims.classes, vocab.tagCount, "number of tags");
  return dims;
}

/** A hash of what decides the parameters' meaning: the model's text, its name, every dimension. */
export function fingerprint(text: string, name: string, dims: Readonly<Record<string, number>>): string {
  const sorted = Object.fromEntries(Object.entries(dims).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash("sha256").update(JSON.stringify({ text, name, dims: sorted })).digest("hex").slice(0, 32);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** Compiles the tagger with a softmax cross-entropy loss, and train_step when an optimizer is given. */
export function compileTagger(
  source: ModelSource, shape: TaggerShape, dims: Readonly<Record<string, number>>,
  capacity: { batch: number; steps: number }, optimizer: Optimizer | undefined,
): RnncModel {
  const { binary } = compileCell({
    file: source.file, text: source.text, cell: shape.name, dims, capacity,
    loss: "softmax-ce", train: optimizer, readFile: source.readFile, resolveImport: source.resolveImport,
  });
  return instantiateModel(binary);
}

/** The longest sentence: the steps capacity a module needs for this data. */
export function longest(...sets: readonly (readonly Sentence[])[]): number {
  let n = 1;
  for (const set of sets) for (const s of set) n = Math.max(n, s.tokens.length);
  return n;
}

/** The most likely tag of every token, by the module's forward pass, in batches up to its capacity. */
export function predictTags(model: RnncModel, vocab: Vocabularies, layout: InputLayout, sentences: readonly Sentence[]): string[][] {
  const out: string[][] = new Array(sentences.length);
  const classes = vocab.tagCount;
  const untagged = sentences.map((s) => ({ tokens: s.tokens, line: s.line }));
  // In order of length, so a batch pads few steps; the tags go back to each sentence's place.
  const byLength = untagged.map((_, i) => i).sort((a, b) => untagged[a]!.tokens.length - untagged[b]!.tokens.length || a - b);
  for (const indices of chunks(byLength, model.capacity.batch)) {
    const batch = packBatch(indices.map((i) => untagged[i]!), vocab, layout);
    const too = batch.sentences.find((s) => s.tokens.length > model.capacity.steps);
    if (too) throw new Error(`internal: the sentence of line ${too.line} is longer than the module's capacity`);
    feedBatch(model, batch);
    const { batch: b, steps } = batch.size;
    model.forward(b, steps);
    const scores = model.view("y", "output", batch.size);
    batch.sentences.forEach((s, j) => {
      const tags: string[] = [];
      for (let t = 0; t < s.tokens.length; t++) {
        const at = (t * b + j) * classes;
        let best = 0;
        for (let c = 1; c < classes; c++) if (scores[at + c]! > scores[at + best]!) best = c;
        tags.push(vocab.tag(best));
      }
      out[indices[j]!] = tags;
    });
  }
  return out;
}
