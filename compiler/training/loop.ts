// compiler/training — the training loop. In: a tagger model, train and dev sentences, settings,
// an output directory (with a checkpoint, to resume). Out: trained parameters, checkpoints every
// epoch and every few seconds, the epoch log; the best dev epoch kept, early stopping.

import { initParams } from "../../runtime/init.js";
import type { RnncModel } from "../../runtime/model.js";
import type { Optimizer } from "../lower/train.js";
import { bucketed, CountedRandom, dropWords, feedBatch, packBatch, shuffled } from "./batches.js";
import {
  blobOf, checkFingerprint, hasCheckpoint, loadBlob, type BlobRef, loadOptimizerState, readCheckpoint, saveOptimizerState, writeCheckpoint,
  type Checkpoint, type CheckpointBody, type CheckpointIo, type EpochRecord, type TrainSettings,
} from "./checkpoint.js";
import { tagsOf, TrainingError, type Sentence } from "./data.js";
import { prepareFolder } from "./folder.js";
import { evaluateTags, type Metrics } from "./metrics.js";
import type { Progress } from "./progress.js";
import { bindDims, compileTagger, fingerprint, longest, predictTags, sha256, taggerShape, type ModelSource, type TaggerShape } from "./tagger.js";
import { Vocabularies } from "./vocab.js";

export interface DataFile {
  readonly file: string;
  readonly text: string;
  readonly sentences: readonly Sentence[];
}

export interface TrainRun {
  readonly source: ModelSource;
  readonly userDims: Readonly<Record<string, number>>;
  readonly train: DataFile;
  readonly dev: DataFile;
  readonly out: string;
  readonly io: CheckpointIo;
  readonly settings: TrainSettings;
  /** Settings given explicitly; on resume they must agree with the checkpoint's (but epochs and patience may change). */
  readonly given: ReadonlySet<keyof TrainSettings>;
  readonly resume: boolean;
  /** Also checkpoint within an epoch when this many seconds passed since the last save (0: after every batch). */
  readonly saveEverySeconds: number;
  readonly progress: Progress;
  readonly now?: () => number;
  /** Return after this many minibatches, as if killed (tests of resuming). */
  readonly interruptAfter?: number;
}

export interface TrainResult {
  /** The last checkpoint written (by this call or before); none when interrupted before any save. */
  readonly checkpoint: Checkpoint | undefined;
  readonly stopped: "epochs" | "patience" | "interrupted";
}

/** The shuffle draws from its own stream, so changing the initialisation never changes the batches. */
const shuffleSeed = (seed: number) => (seed ^ 0x9e3779b9) >>> 0;

export function optimizerOf(settings: TrainSettings): Optimizer {
  return settings.optimizer === "adam"
    ? { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }
    : { kind: "sgd", momentum: settings.momentum };
}

/** Metrics of the module on labelled sentences (OOV = not in the word vocabulary). */
export function evaluateModel(model: RnncModel, vocab: Vocabularies, shape: TaggerShape, sentences: readonly Sentence[]): Metrics {
  const predicted = predictTags(model, vocab, shape.layout, sentences);
  return evaluateTags(sentences.map(tagsOf), predicted, sentences.map((s) => s.tokens.map((t) => vocab.isUnknown(t))));
}

export function metricOf(metrics: Metrics, metric: TrainSettings["metric"]): number {
  return metric === "f1" ? (metrics.chunks?.overall.f1 ?? 0) : metrics.accuracy;
}

export function trainTagger(run: TrainRun): TrainResult {
  const now = run.now ?? Date.now;
  const shape = taggerShape(run.source);
  // Before any work: a folder that cannot take the checkpoint fails now, not after an epoch.
  if (!run.resume) prepareFolder(run.out);
  const previous = run.resume ? readCheckpoint(run.out, run.io) : undefined;
  if (!run.resume && hasCheckpoint(run.out)) {
    throw new TrainingError(`${run.out} already holds a checkpoint; continue it with --resume, or train into another --out`);
  }
  const vocab = previous ? Vocabularies.fromJson(previous.vocab, run.out) : Vocabularies.build(run.train.sentences, { minCount: run.settings.minCount, ...(shape.slots ? { slots: shape.slots } : {}) });
  const dims = bindDims(shape, run.userDims, vocab);
  const print = fingerprint(run.source.text, shape.name, dims);
  const data = { train: sha256(run.train.text), dev: sha256(run.dev.text) };
  const settings = previous ? resumedSettings(run, previous, print, dims, shape.name, data) : run.settings;
  if (settings.metric === "f1" && !vocab.json.tags.some((t) => /^[BIES]-/.test(t))) {
    throw new TrainingError('--metric f1 needs BIO chunk tags ("B-city", "I-city", "O"); these tags are not, use --metric accuracy');
  }
  const capacity = previous?.capacity ?? { batch: settings.batch, steps: longest(run.train.sentences, run.dev.sentences) };
  const model = compileTagger(run.source, shape, dims, capacity, optimizerOf(settings));

  let body: CheckpointBody;
  let bestFile: BlobRef | null = null;
  if (previous) {
    loadBlob(run.out, run.io, blobOf(previous, previous.files.params), (bytes) => model.loadParams(bytes));
    loadBlob(run.out, run.io, blobOf(previous, previous.files.optimizer), (bytes) => loadOptimizerState(model, bytes));
    const { format: _f, version: _v, files, sha256: _h, ...rest } = previous;
    // An early stop stands unless a larger --patience lifts it.
    const stopped = previous.finished === "patience" && settings.patience > 0 && previous.badEpochs >= settings.patience;
    body = { ...rest, settings, finished: stopped ? "patience" : null };
    bestFile = files.best === null ? null : blobOf(previous, files.best);
    if (stopped) {
      run.progress.line(`training stopped early at epoch ${body.position.epoch} (no better dev ${settings.metric} in ${settings.patience} epochs); nothing to resume`);
      return { checkpoint: previous, stopped: "patience" };
    }
    if (body.position.epoch >= settings.epochs) {
      run.progress.line(`${run.out} already holds ${body.position.epoch} trained epochs; pass a larger --epochs to train on`);
      return { checkpoint: previous, stopped: "epochs" };
    }
    run.progress.line(`resuming ${run.out}: ${body.position.epoch} epoch${body.position.epoch === 1 ? "" : "s"} done${body.position.batch > 0 ? `, ${body.position.batch} batches into epoch ${body.position.epoch + 1}` : ""}`);
  } else {
    initParams(model, settings.seed, { forgetBias: settings.forgetBias });
    body = {
      fingerprint: print, model: { file: run.source.file, name: shape.name, dims }, data, settings, capacity, vocab: vocab.json,
      position: { epoch: 0, batch: 0, lossSum: 0, tokens: 0, seconds: 0, epochDraws: 0 },
      best: null, badEpochs: 0, finished: null, log: [],
    };
  }

  const save = (next: CheckpointBody, best?: Uint8Array) => {
    const written = writeCheckpoint(run.out, run.io, next, { params: model.saveParams(), optimizer: saveOptimizerState(model), ...(best ? { best } : {}) }, bestFile);
    bestFile = written.files.best === null ? null : blobOf(written, written.files.best);
    lastSave = now();
    return written;
  };
  let lastSave = now();
  let batchesRun = 0;
  let checkpoint: Checkpoint | undefined;
  const sentences = run.train.sentences;
  const args = { learning_rate: settings.lr, clip_norm: settings.clip };

  while (body.position.epoch < settings.epochs) {
    const { position } = body;
    const epoch = position.epoch + 1;
    const random = new CountedRandom(shuffleSeed(settings.seed), position.epochDraws);
    const batches = bucketed(shuffled(sentences.length, random), (i) => sentences[i]!.tokens.length, settings.batch, settings.bucket ?? 1, random);
    let { lossSum, tokens } = position;
    const started = now() - position.seconds * 1000;
    for (let b = position.batch; b < batches.length; b++) {
      const packed = packBatch(batches[b]!.map((i) => sentences[i]!), vocab, shape.layout);
      const batch = dropWords(packed, shape.layout, settings.wordDropout ?? 0, settings.seed, epoch, b);
      feedBatch(model, batch);
      const loss = model.trainStep(batch.size.batch, batch.size.steps, args) ?? Number.NaN;
      if (!Number.isFinite(loss)) {
        throw new TrainingError(`the loss became ${loss} in epoch ${epoch}, batch ${b + 1}; lower --lr or clip the gradient (--clip)`);
      }
      lossSum += loss;
      tokens += batch.lengths.reduce((n, l) => n + l, 0);
      run.progress.batch(epoch, settings.epochs, b + 1, batches.length, lossSum / tokens);
      batchesRun++;
      const more = b + 1 < batches.length;
      if (more && now() - lastSave >= run.saveEverySeconds * 1000) {
        checkpoint = save({ ...body, position: { ...position, batch: b + 1, lossSum, tokens, seconds: (now() - started) / 1000 } });
      }
      // A kill loses the batches since the last save; so does this.
      if (more && batchesRun === run.interruptAfter) return { checkpoint: checkpoint ?? previous, stopped: "interrupted" };
    }

    const metrics = evaluateModel(model, vocab, shape, run.dev.sentences);
    const metric = metricOf(metrics, settings.metric);
    const improved = body.best === null || metric > body.best.metric;
    const record: EpochRecord = {
      epoch, loss: lossSum / Math.max(tokens, 1), seconds: (now() - started) / 1000, best: improved,
      dev: { accuracy: metrics.accuracy, f1: metrics.chunks?.overall.f1 ?? null, metric },
    };
    const badEpochs = improved ? 0 : body.badEpochs + 1;
    const finished = epoch >= settings.epochs ? "epochs" : settings.patience > 0 && badEpochs >= settings.patience ? "patience" : null;
    body = {
      ...body, best: improved ? { epoch, metric } : body.best, badEpochs, finished, log: [...body.log, record],
      position: { epoch, batch: 0, lossSum: 0, tokens: 0, seconds: 0, epochDraws: random.draws },
    };
    checkpoint = save(body, improved ? model.saveParams() : undefined);
    run.progress.line(summary(record, settings));
    if (finished === "patience") {
      run.progress.line(`stopping early: no better dev ${settings.metric} in ${settings.patience} epochs (best ${percent(body.best!.metric)} at epoch ${body.best!.epoch})`);
      return { checkpoint, stopped: "patience" };
    }
    if (batchesRun === run.interruptAfter) return { checkpoint, stopped: "interrupted" };
  }
  return { checkpoint: checkpoint ?? save(body), stopped: "epochs" };
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

function summary(r: EpochRecord, settings: TrainSettings): string {
  const f1 = r.dev.f1 === null ? "" : `, F1 ${percent(r.dev.f1)}`;
  return `epoch ${r.epoch}/${settings.epochs}: loss ${r.loss.toFixed(4)}, dev accuracy ${percent(r.dev.accuracy)}${f1}, ${r.seconds.toFixed(1)}s${r.best ? "  (best so far)" : ""}`;
}

/** The checkpoint's settings, with epochs and patience as now given; refuses another model, other data or other settings. */
function resumedSettings(run: TrainRun, previous: Checkpoint, print: string, dims: Record<string, number>, name: string, data: { train: string; dev: string }): TrainSettings {
  checkFingerprint(previous, run.out, print, { file: run.source.file, name, dims });
  if (previous.data.train !== data.train) throw new TrainingError(`${run.train.file} is not the training data of the checkpoint in ${run.out}; resuming needs the same sentences`);
  if (previous.data.dev !== data.dev) throw new TrainingError(`${run.dev.file} is not the dev data of the checkpoint in ${run.out}; resuming needs the same sentences`);
  const changeable = new Set<keyof TrainSettings>(["epochs", "patience"]);
  for (const key of run.given) {
    if (changeable.has(key)) continue;
    const [was, now] = [JSON.stringify(previous.settings[key]), JSON.stringify(run.settings[key])];
    if (was !== now) throw new TrainingError(`--${key} ${now} differs from the checkpoint's ${was}; a resumed run keeps its settings (only --epochs and --patience may change)`);
  }
  return {
    ...previous.settings,
    ...(run.given.has("epochs") ? { epochs: run.settings.epochs } : {}),
    ...(run.given.has("patience") ? { patience: run.settings.patience } : {}),
  };
}
