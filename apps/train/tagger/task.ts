// apps/train/tagger — training a tagger: sentences of tokens with a tag each. In: the model file,
// --dims, train and dev sentences, settings. Out: the training loop's task (loop.ts): the
// vocabularies built from the training sentences (or the checkpoint's), the dimensions they bind,
// minibatches of token ids with word dropout, and dev scores (token accuracy, chunk F1).

import type { RnncModel } from "../../../runtime/index.js";
import { formatMetric, trainModel, type DataFile, type TrainResult, type TrainRun } from "../loop.js";
import type { DevScores, Metric } from "../checkpoint.js";
import { TrainingError } from "../errors.js";
import { dropWords, feedBatch, packBatch } from "./batches.js";
import { parseSentences, tagsOf, type Sentence } from "./data.js";
import { evaluateTags, isChunkTagging, type Metrics } from "./metrics.js";
import { bindDims, longest, predictTags, taggerShape, type TaggerShape } from "./tagger.js";
import { Vocabularies } from "./vocab.js";

export interface TaggerRun extends TrainRun {
  /** The dimensions the user gave (--dims); the vocabularies bind the others. */
  readonly userDims: Readonly<Record<string, number>>;
}

/** Metrics of the module on labelled sentences (OOV = not in the word vocabulary). */
export function evaluateTagger(
  model: RnncModel,
  vocab: Vocabularies,
  shape: TaggerShape,
  sentences: readonly Sentence[],
): Metrics {
  const predicted = predictTags(model, vocab, shape, sentences);
  const oov = sentences.map((s) => s.tokens.map((t) => vocab.isUnknown(t)));
  return evaluateTags(sentences.map(tagsOf), predicted, oov);
}

/** Labelled sentences of a data file (JSONL, {"tokens": [...], "tags": [...]} per line). */
export function labelled(data: DataFile): readonly Sentence[] {
  return parseSentences(data.file, data.text, { requireTags: true });
}

export function trainTagger(run: TaggerRun): TrainResult {
  const shape = taggerShape(run.source);
  // Read before the run's folder is made: malformed data leaves nothing behind.
  const sentences = labelled(run.train);
  const devSentences = labelled(run.dev);
  return trainModel(run, (previous) => {
    if (previous && !previous.vocab) {
      throw new TrainingError(`the checkpoint in ${run.out} is of a ${previous.task} run, not a tagger's`);
    }
    const slots = shape.slots ? { slots: shape.slots } : {};
    const vocab = previous?.vocab
      ? Vocabularies.fromJson(previous.vocab, run.out)
      : Vocabularies.build(sentences, { minCount: run.settings.minCount ?? 1, ...slots });
    const bio = isChunkTagging(vocab.json.tags);
    return {
      kind: "tagger",
      name: shape.name,
      dims: bindDims(shape, run.userDims, vocab),
      loss: "softmax-ce",
      capacity: { batch: run.settings.batch, steps: longest(sentences, devSentences) },
      vocab: vocab.json,
      defaultMetric: bio ? "f1" : "accuracy",
      refuseMetric: (metric: Metric) =>
        metric === "loss"
          ? "--metric loss: a tagger picks its best epoch by accuracy or f1"
          : metric === "f1" && !bio
            ? '--metric f1 needs BIO chunk tags ("B-city", "I-city", "O"); these tags are not, use --metric accuracy'
            : undefined,
      refuseTbptt: () => "--tbptt trains vector sequences in chunks; a tagger trains on whole sentences",
      examples: sentences.length,
      lengthOf: (i) => sentences[i]!.tokens.length,
      feed(model, examples, at) {
        const packed = packBatch(
          examples.map((i) => sentences[i]!),
          vocab,
          shape.layout,
        );
        const { wordDropout, seed } = at.settings;
        const batch = dropWords(packed, shape.layout, wordDropout ?? 0, seed, at.epoch, at.batch);
        feedBatch(model, batch);
        return { size: batch.size, count: batch.lengths.reduce((n, l) => n + l, 0) };
      },
      evaluate(model, metric): DevScores {
        const metrics = evaluateTagger(model, vocab, shape, devSentences);
        const f1 = metrics.chunks?.overall.f1 ?? null;
        return { accuracy: metrics.accuracy, f1, metric: metric === "f1" ? (f1 ?? 0) : metrics.accuracy };
      },
      describe(dev) {
        const f1 = dev.f1 === null ? "" : `, F1 ${formatMetric("f1", dev.f1)}`;
        return `dev accuracy ${formatMetric("accuracy", dev.accuracy ?? 0)}${f1}`;
      },
    };
  });
}
