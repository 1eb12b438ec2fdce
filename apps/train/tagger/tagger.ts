// apps/train/tagger — a model file as a tagger. In: its text and name, --dims, the vocabularies.
// Out: what the model reads (describeUnit of rnnc/compiler), its dimensions bound from the
// vocabularies, and tags predicted by the module's forward pass.

import { describeUnit } from "../../../compiler/api.js";
import type { RnncModel } from "../../../runtime/index.js";
import { argmax } from "../argmax.js";
import { chunks } from "../batches.js";
import { TrainingError } from "../errors.js";
import type { ModelSource } from "../source.js";
import { feedBatch, packBatch, type InputLayout } from "./batches.js";
import type { Sentence } from "./data.js";
import type { Vocabularies } from "./vocab.js";

/** What training needs to know of a model before compiling it. */
export interface TaggerShape {
  readonly name: string;
  readonly layout: InputLayout;
  /** The output whose scores pick each tag (a model's y). */
  readonly output: string;
  /** Dimension names bound from the vocabularies: table rows and the readout's size. */
  readonly vocabDims: {
    readonly words: readonly string[];
    readonly trigrams: readonly string[];
    readonly classes: string | undefined;
  };
  /** Trigram ids per word: the most slots of any word-hashing input. */
  readonly slots: number | undefined;
}

export function taggerShape(source: ModelSource): TaggerShape {
  const unit = describeUnit(source);
  const see = "a tagger is a model with id inputs (oneOfN, wordHash) and a readout (see examples/tagger.ts)";
  if (unit.kind !== "model") throw new TrainingError(`${source.file}: '${unit.name}' is a cell; ${see}`);
  const dense = unit.inputs.find((i) => i.kind === "dense");
  if (dense) {
    throw new TrainingError(
      `${source.file}: model '${unit.name}' reads vectors ('${dense.name}'); a tagger reads word ids (oneOfN) ` +
        "or trigram ids (wordHash)",
    );
  }
  if (!unit.readout) {
    throw new TrainingError(
      `${source.file}: model '${unit.name}' has no readout; a tagger scores its tags with readout: dense("C")`,
    );
  }
  const words: string[] = [];
  const trigrams: string[] = [];
  const layout = { words: [] as string[], trigrams: [] as { name: string; slots: number }[] };
  for (const input of unit.inputs) {
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
  const size = unit.readout.size;
  const slots = layout.trigrams.length > 0 ? Math.max(...layout.trigrams.map((t) => t.slots)) : undefined;
  const classes = typeof size === "string" ? size : undefined;
  return { name: unit.name, layout, output: unit.outputs[0]!.name, vocabDims: { words, trigrams, classes }, slots };
}

/** The user's dims plus those the vocabularies decide; a user may not bind those. */
export function bindDims(
  shape: TaggerShape,
  userDims: Readonly<Record<string, number>>,
  vocab: Vocabularies,
): Record<string, number> {
  // A Map: dimension names are the user's, and "__proto__" is one like any other.
  const dims = new Map(Object.entries(userDims));
  const bind = (dim: string, size: number, what: string) => {
    if (Object.hasOwn(userDims, dim)) {
      throw new TrainingError(
        `--dims: ${dim} is the ${what} and is set from the training data (${size}); leave it out`,
      );
    }
    const bound = dims.get(dim);
    if (bound !== undefined && bound !== size) {
      throw new TrainingError(
        `dimension ${dim} is used both as the ${what} (${size}) and for a table of ${bound} rows`,
      );
    }
    dims.set(dim, size);
  };
  for (const d of shape.vocabDims.words) bind(d, vocab.wordCount, "size of the word vocabulary");
  for (const d of shape.vocabDims.trigrams) bind(d, vocab.trigramCount, "size of the trigram vocabulary");
  if (shape.vocabDims.classes !== undefined) bind(shape.vocabDims.classes, vocab.tagCount, "number of tags");
  return Object.fromEntries(dims);
}

/** The longest sentence: the steps capacity a module needs for this data. */
export function longest(...sets: readonly (readonly Sentence[])[]): number {
  let n = 1;
  for (const set of sets) for (const s of set) n = Math.max(n, s.tokens.length);
  return n;
}

/** The most likely tag of every token, by the module's forward pass, in batches up to its capacity. */
export function predictTags(
  model: RnncModel,
  vocab: Vocabularies,
  shape: TaggerShape,
  sentences: readonly Sentence[],
): string[][] {
  const out: string[][] = new Array(sentences.length);
  const classes = vocab.tagCount;
  const untagged = sentences.map((s) => ({ tokens: s.tokens, line: s.line }));
  // In order of length, so a batch pads few steps; the tags go back to each sentence's place.
  const lengthOf = (i: number) => untagged[i]!.tokens.length;
  const byLength = untagged.map((_, i) => i).sort((a, b) => lengthOf(a) - lengthOf(b) || a - b);
  for (const indices of chunks(byLength, model.capacity.batch)) {
    const batch = packBatch(
      indices.map((i) => untagged[i]!),
      vocab,
      shape.layout,
    );
    const too = batch.sentences.find((s) => s.tokens.length > model.capacity.steps);
    if (too) throw new Error(`internal: the sentence of line ${too.line} is longer than the module's capacity`);
    feedBatch(model, batch);
    const { batch: b, steps } = batch.size;
    model.forward(b, steps);
    const scores = model.view(shape.output, "output", batch.size);
    batch.sentences.forEach((s, j) => {
      const tags: string[] = [];
      for (let t = 0; t < s.tokens.length; t++) {
        tags.push(vocab.tag(argmax(scores, (t * b + j) * classes, classes)));
      }
      out[indices[j]!] = tags;
    });
  }
  return out;
}
