// apps/train/sequences — training any sequence model on vector sequences: regression (mse) or
// classification (softmax-ce), with a target per step or at the last step. In: the model file,
// --dims, train and dev JSONL ({"x": [[...], ...], "y": ...}), settings. Out: the training loop's
// task (loop.ts): the dimensions the data binds, batches written time-major, and dev scores (the
// mean loss; accuracy for classes).

import { formatMetric, trainModel, type DataFile, type TrainResult, type TrainRun } from "../loop.js";
import type { Metric, TrainSettings } from "../checkpoint.js";
import { TrainingError } from "../errors.js";
import { parseSequences, type SequenceData, type SequenceLoss } from "./data.js";
import { bindSequenceDims, checkOutputWidth, feedSequences, lossOf, scoreSequences, sequenceShape } from "./model.js";

export interface SequenceRun extends TrainRun {
  /** The dimensions the user gave (--dims); the data binds the input's size and the output's width. */
  readonly userDims: Readonly<Record<string, number>>;
  /** What the targets are: vectors (mse, the default) or class ids (softmax-ce). */
  readonly loss?: SequenceLoss;
}

/** Settings that only a tagger reads. */
const taggerOnly = { minCount: "--min-count", wordDropout: "--word-dropout" } satisfies Partial<
  Record<keyof TrainSettings, string>
>;

/** Both data files, with one form of target: the file's widths must agree. */
export function readSequenceFiles(
  train: DataFile,
  dev: DataFile,
  loss: SequenceLoss,
): { train: SequenceData; dev: SequenceData } {
  const [t, d] = [parseSequences(train.file, train.text, loss), parseSequences(dev.file, dev.text, loss)];
  const unlike = (what: string, a: unknown, b: unknown) =>
    new TrainingError(`${d.file} has ${what} ${String(b)}, but ${t.file} has ${String(a)}`);
  if (t.form.at !== d.form.at) {
    throw unlike(
      "targets",
      t.form.at === "last" ? "at the last step" : "per step",
      d.form.at === "last" ? "at the last step" : "per step",
    );
  }
  if (t.features !== d.features) throw unlike("steps of x of", t.features, d.features);
  if (t.form.kind === "vector" && t.width !== d.width) throw unlike("targets of", t.width, d.width);
  // Class ids come from both files, so the readout has a row for every class that occurs.
  const width = Math.max(t.width, d.width);
  return { train: { ...t, width }, dev: { ...d, width } };
}

export function trainSequences(run: SequenceRun): TrainResult {
  const shape = sequenceShape(run.source);
  for (const [key, flag] of Object.entries(taggerOnly)) {
    if (run.given.has(key as keyof TrainSettings))
      throw new TrainingError(`${flag} is a tagger's; '${shape.name}' reads vector sequences`);
  }
  // Read before the run's folder is made: malformed data leaves nothing behind.
  const data = readSequenceFiles(run.train, run.dev, run.loss ?? "mse");
  const { form } = data.train;
  const sequences = data.train.sequences;
  const longest = [...sequences, ...data.dev.sequences].reduce((n, s) => Math.max(n, s.steps), 1);
  const { minCount: _count, wordDropout: _dropout, ...settings } = run.settings;
  return trainModel({ ...run, settings }, () => ({
    kind: "sequences",
    name: shape.name,
    dims: bindSequenceDims(shape, run.userDims, data.train),
    loss: lossOf(form),
    capacity: { batch: run.settings.batch, steps: longest },
    defaultMetric: form.kind === "class" ? "accuracy" : "loss",
    refuseMetric: (metric: Metric) =>
      metric === "f1"
        ? "--metric f1 scores a tagger's BIO chunks; vector sequences are scored by loss or accuracy"
        : metric === "accuracy" && form.kind !== "class"
          ? "--metric accuracy needs class ids as targets (--loss softmax-ce); vectors are scored by loss"
          : undefined,
    refuseTbptt: () =>
      form.at === "last"
        ? "--tbptt needs a target per step: with one at the last step, every chunk would be scored at its end"
        : undefined,
    check: (model) => checkOutputWidth(model, shape, data.train),
    examples: sequences.length,
    lengthOf: (i) => sequences[i]!.steps,
    feed: (model, examples, _at, window) =>
      feedSequences(
        model,
        shape,
        form,
        examples.map((i) => sequences[i]!),
        window,
      ),
    evaluate(model, metric) {
      const { loss, accuracy } = scoreSequences(model, shape, data.dev);
      return { accuracy, f1: null, loss, metric: metric === "accuracy" ? (accuracy ?? 0) : loss };
    },
    describe: (dev) =>
      `dev loss ${formatMetric("loss", dev.loss ?? 0)}` +
      (dev.accuracy === null ? "" : `, accuracy ${formatMetric("accuracy", dev.accuracy)}`),
  }));
}
