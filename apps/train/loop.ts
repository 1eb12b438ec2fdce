// apps/train — the training loop, for any task. In: a task (what the examples
// are, how a batch is written into the module, how the dev set is scored),
// the model, settings, and the run's folder (with a checkpoint, to resume).
// Out: trained parameters, checkpoints every epoch and every few seconds, the
// epoch log; the best dev epoch kept, early stopping. Every update is one call
// of the module's own train_step, or with workers one data-parallel step
// (rnnc/runtime's DataParallelTrainer: the batch's shards on the workers,
// their gradients summed, one update).

import type { LossKind, Optimizer } from "../../compiler/api.js";
import {
  DataParallelTrainer,
  initParams,
  Random,
  runInChunks,
  type CallSize,
  type RnncModel,
} from "../../runtime/index.js";
import { epochBatches } from "./batches.js";
import { applyWeightDecay, decayedParams } from "./decay.js";
import {
  blobOf,
  checkFingerprint,
  hasCheckpoint,
  loadBlob,
  readCheckpoint,
  shuffleSeed,
  writeCheckpoint,
  type BlobRef,
  type Checkpoint,
  type CheckpointBody,
  type DevScores,
  type EpochRecord,
  type Metric,
  type Task,
  type TrainSettings,
} from "./checkpoint.js";
import { TrainingError } from "./errors.js";
import type { Progress } from "./progress.js";
import type { RunIo } from "./run-io.js";
import { learningRate } from "./schedule.js";
import { compileModel, fingerprint, textHash, type ModelSource } from "./source.js";
import type { VocabJson } from "./tagger/vocab.js";

/** A data file of the run: its name for messages, its text for the hash that ties it to the checkpoint. */
export interface DataFile {
  readonly file: string;
  readonly text: string;
}

/** The settings of a run as given: the metric may be left to the task (a tagger's F1 for BIO tags, else accuracy). */
export type RunSettings = Omit<TrainSettings, "metric"> & { readonly metric?: Metric };

export interface TrainRun {
  readonly source: ModelSource;
  readonly train: DataFile;
  readonly dev: DataFile;
  readonly out: string;
  readonly io: RunIo;
  readonly settings: RunSettings;
  /** Settings given explicitly; on resume they must be the checkpoint's (but epochs and patience may change). */
  readonly given: ReadonlySet<keyof TrainSettings>;
  readonly resume: boolean;
  /** Also checkpoint within an epoch when this many seconds passed since the last save (0: after every batch). */
  readonly saveEverySeconds: number;
  readonly progress: Progress;
  readonly now?: () => number;
  /** Return after this many minibatches, as if killed (tests of resuming). */
  readonly interruptAfter?: number;
  /**
   * Workers that share every batch (rnnc/runtime's DataParallelTrainer: each
   * runs forward and backward on its rows, the gradients are summed, one
   * update); 1 or absent: the module's own train_step. Not a setting: a run
   * may resume with another number, its results the same up to the order of
   * the gradient sums.
   */
  readonly workers?: number;
  /** Where the workers' script is: the runtime's rnnc-worker.js by default (specs running the sources name dist's). */
  readonly workerScript?: URL | string;
}

export interface TrainResult {
  /** The last checkpoint written (by this call or before); none when interrupted before any save. */
  readonly checkpoint: Checkpoint | undefined;
  readonly stopped: "epochs" | "patience" | "interrupted";
}

/** Where a training batch sits in the run, for what a task draws per batch (a tagger's word dropout). */
export interface BatchContext {
  readonly epoch: number;
  readonly batch: number;
  readonly settings: TrainSettings;
}

/** Steps [start, start + steps) of a batch: the chunk of truncated BPTT that one call runs. */
export interface Window {
  readonly start: number;
  readonly steps: number;
}

/** What the loop needs of a task: the model it binds, its examples, and how they go into the module. */
export interface TrainingTask {
  readonly kind: Task;
  /** The unit trained, its dimensions (the user's and those the data binds) and the module's loss. */
  readonly name: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly loss: Exclude<LossKind, "none">;
  /** The capacity a fresh run compiles with (batch, and the longest example of train and dev). */
  readonly capacity: CallSize;
  /** The metric that picks the best epoch unless --metric says otherwise. */
  readonly defaultMetric: Metric;
  /** Why this task cannot pick epochs by `metric` (a tagger's F1 needs BIO tags), or undefined when it can. */
  refuseMetric(metric: Metric): string | undefined;
  readonly vocab?: VocabJson;
  /** Refuses a compiled module that does not fit the data (an output narrower than the targets). */
  check?(model: RnncModel): void;
  /** Training examples: how many, and each one's steps (bucketing). */
  readonly examples: number;
  lengthOf(example: number): number;
  /**
   * Writes a batch of training examples into the module, or only the steps of
   * `window` of it (each example's steps there as its length); returns the
   * call size and what its loss is summed over.
   */
  feed(
    model: RnncModel,
    examples: readonly number[],
    at: BatchContext,
    window?: Window,
  ): { size: CallSize; count: number };
  /** Why this task cannot train in chunks (--tbptt), or undefined when it can. */
  refuseTbptt(): string | undefined;
  /** The dev set's scores under the module's current parameters. */
  evaluate(model: RnncModel, metric: Metric): DevScores;
  /** The dev scores for the epoch's summary line ("dev accuracy 97.10%, F1 91.20%"). */
  describe(dev: DevScores): string;
}

export function optimizerOf(settings: TrainSettings): Optimizer {
  return settings.optimizer === "adam"
    ? { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }
    : { kind: "sgd", momentum: settings.momentum };
}

/** A metric as people read it: loss as a number, scores in percent. */
export function formatMetric(metric: Metric, value: number): string {
  return metric === "loss" ? value.toFixed(4) : `${(100 * value).toFixed(2)}%`;
}

/** Whether `value` beats the best so far: a lower loss, a higher score. */
export function better(metric: Metric, value: number, best: number | undefined): boolean {
  return best === undefined || (metric === "loss" ? value < best : value > best);
}

/**
 * Trains `run.source` on the task `setup` makes: from the checkpoint being
 * resumed (a tagger's vocabularies come from it), or from the data.
 */
export function trainModel(run: TrainRun, setup: (previous: Checkpoint | undefined) => TrainingTask): TrainResult {
  const now = run.now ?? Date.now;
  // Before any work: a folder that cannot take the checkpoint fails now, not after an epoch.
  if (!run.resume) run.io.prepareFolder(run.out);
  const previous = run.resume ? readCheckpoint(run.out, run.io) : undefined;
  if (!run.resume && hasCheckpoint(run.out, run.io)) {
    throw new TrainingError(
      `${run.out} already holds a checkpoint; continue it with --resume, or train into another --out`,
    );
  }
  const task = setup(previous);
  const print = fingerprint(run.source.text, task.name, task.dims);
  const data = { train: textHash(run.train.text), dev: textHash(run.dev.text) };
  const settings = previous
    ? resumedSettings(run, previous, task, print, data)
    : { ...run.settings, metric: run.settings.metric ?? task.defaultMetric };
  const refused = task.refuseMetric(settings.metric);
  if (refused !== undefined) throw new TrainingError(refused);
  const { tbptt, tbpttStride, schedule } = settings;
  if (tbptt !== undefined) {
    const why = task.refuseTbptt();
    if (why !== undefined) throw new TrainingError(why);
    if (schedule?.kind === "cosine" && schedule.steps === undefined) {
      throw new TrainingError(
        "--tbptt runs a batch as a varying number of updates: give a cosine schedule its length, --lr-steps N",
      );
    }
  }
  // With --tbptt a call runs one chunk: the module needs room for that many steps, not for the longest sequence.
  const steps = tbptt === undefined ? task.capacity.steps : Math.min(tbptt, task.capacity.steps);
  const capacity = previous?.capacity ?? { batch: task.capacity.batch, steps };
  const model = compileModel(run.source, task.name, task.dims, capacity, task.loss, optimizerOf(settings));
  task.check?.(model);

  let body: CheckpointBody;
  let bestFile: BlobRef | null = null;
  if (previous) {
    loadBlob(run.out, run.io, blobOf(previous, previous.files.params), (bytes) => model.loadParams(bytes));
    loadBlob(run.out, run.io, blobOf(previous, previous.files.optimizer), (bytes) => model.loadOptimizerState(bytes));
    const { format: _f, version: _v, files, sha256: _h, ...rest } = previous;
    // An early stop stands unless a larger --patience lifts it.
    const stopped =
      previous.finished === "patience" && settings.patience > 0 && previous.badEpochs >= settings.patience;
    body = { ...rest, settings, finished: stopped ? "patience" : null };
    bestFile = files.best === null ? null : blobOf(previous, files.best);
    const { epoch, batch } = body.position;
    if (stopped) {
      const why = `no better dev ${settings.metric} in ${settings.patience} epochs`;
      run.progress.line(`training stopped early at epoch ${epoch} (${why}); nothing to resume`);
      return { checkpoint: previous, stopped: "patience" };
    }
    if (epoch >= settings.epochs) {
      run.progress.line(`${run.out} already holds ${epoch} trained epochs; pass a larger --epochs to train on`);
      return { checkpoint: previous, stopped: "epochs" };
    }
    const within = batch > 0 ? `, ${batch} batches into epoch ${epoch + 1}` : "";
    run.progress.line(`resuming ${run.out}: ${epoch} epoch${epoch === 1 ? "" : "s"} done${within}`);
  } else {
    initParams(model, settings.seed, { forgetBias: settings.forgetBias });
    body = {
      task: task.kind,
      loss: task.loss,
      fingerprint: print,
      model: { file: run.source.file, name: task.name, dims: task.dims },
      data,
      settings,
      capacity,
      ...(task.vocab ? { vocab: task.vocab } : {}),
      position: {
        epoch: 0,
        batch: 0,
        lossSum: 0,
        count: 0,
        seconds: 0,
        random: shuffleSeed(settings.seed),
        updates: 0,
      },
      best: null,
      badEpochs: 0,
      finished: null,
      log: [],
    };
  }

  let lastSave = now();
  const save = (next: CheckpointBody, best?: Uint8Array) => {
    const blobs = { params: model.saveParams(), optimizer: model.saveOptimizerState(), ...(best ? { best } : {}) };
    const written = writeCheckpoint(run.out, run.io, next, blobs, bestFile);
    bestFile = written.files.best === null ? null : blobOf(written, written.files.best);
    lastSave = now();
    return written;
  };
  const workers = run.workers ?? 1;
  const parallel =
    workers > 1
      ? new DataParallelTrainer(model, { workers, ...(run.workerScript ? { script: run.workerScript } : {}) })
      : undefined;
  let batchesRun = 0;
  let checkpoint: Checkpoint | undefined;
  const decayed = decayedParams(model);

  try {
    while (body.position.epoch < settings.epochs) {
      const { position } = body;
      const epoch = position.epoch + 1;
      // The epoch's batches come from the generator's state saved at its start: resuming within it draws them again.
      const random = new Random(position.random);
      const batches = epochBatches(task.examples, task.lengthOf, settings.batch, settings.bucket ?? 1, random);
      let { lossSum, count } = position;
      let updates = position.updates ?? (epoch - 1) * batches.length + position.batch;
      const planned = settings.epochs * batches.length;
      const started = now() - position.seconds * 1000;
      const update = (size: CallSize) => {
        const lr = learningRate(settings.lr, settings.schedule, updates, planned);
        const args = { learning_rate: lr, clip_norm: settings.clip };
        const loss = parallel
          ? parallel.trainStep(size.batch, size.steps, args)
          : (model.trainStep(size.batch, size.steps, args) ?? Number.NaN);
        applyWeightDecay(model, decayed, lr, settings.weightDecay ?? 0);
        updates++;
        return loss;
      };
      for (let b = position.batch; b < batches.length; b++) {
        const examples = batches[b]!;
        const at = { epoch, batch: b, settings };
        let fed = 0;
        const feed = (window?: Window) => {
          const written = task.feed(model, examples, at, window);
          fed += written.count;
          return written.size;
        };
        const longest = examples.reduce((n, i) => Math.max(n, task.lengthOf(i)), 1);
        const loss =
          tbptt === undefined
            ? update(feed())
            : runInChunks(
                model,
                {
                  batch: examples.length,
                  steps: longest,
                  chunk: tbptt,
                  ...(tbpttStride === undefined ? {} : { stride: tbpttStride }),
                  write: (start, steps) => void feed({ start, steps }),
                },
                update,
              );
        if (!Number.isFinite(loss)) {
          throw new TrainingError(
            `the loss became ${loss} in epoch ${epoch}, batch ${b + 1}; lower --lr or clip the gradient (--clip)`,
          );
        }
        lossSum += loss;
        count += fed;
        run.progress.batch(epoch, settings.epochs, b + 1, batches.length, lossSum / count);
        batchesRun++;
        const more = b + 1 < batches.length;
        if (more && now() - lastSave >= run.saveEverySeconds * 1000) {
          const seconds = (now() - started) / 1000;
          checkpoint = save({ ...body, position: { ...position, batch: b + 1, lossSum, count, seconds, updates } });
        }
        // A kill loses the batches since the last save; so does this.
        if (more && batchesRun === run.interruptAfter)
          return { checkpoint: checkpoint ?? previous, stopped: "interrupted" };
      }

      const dev = task.evaluate(model, settings.metric);
      const improved = better(settings.metric, dev.metric, body.best?.metric);
      const record: EpochRecord = {
        epoch,
        loss: lossSum / Math.max(count, 1),
        seconds: (now() - started) / 1000,
        best: improved,
        dev,
      };
      const badEpochs = improved ? 0 : body.badEpochs + 1;
      const patienceOut = settings.patience > 0 && badEpochs >= settings.patience;
      const finished = epoch >= settings.epochs ? "epochs" : patienceOut ? "patience" : null;
      body = {
        ...body,
        best: improved ? { epoch, metric: dev.metric } : body.best,
        badEpochs,
        finished,
        log: [...body.log, record],
        position: { epoch, batch: 0, lossSum: 0, count: 0, seconds: 0, random: random.state, updates },
      };
      checkpoint = save(body, improved ? model.saveParams() : undefined);
      run.progress.line(summary(record, settings, task));
      if (finished === "patience") {
        const best = `best ${formatMetric(settings.metric, body.best!.metric)} at epoch ${body.best!.epoch}`;
        run.progress.line(`stopping early: no better dev ${settings.metric} in ${settings.patience} epochs (${best})`);
        return { checkpoint, stopped: "patience" };
      }
      if (batchesRun === run.interruptAfter) return { checkpoint, stopped: "interrupted" };
    }
    return { checkpoint: checkpoint ?? save(body), stopped: "epochs" };
  } finally {
    parallel?.close();
  }
}

function summary(r: EpochRecord, settings: TrainSettings, task: TrainingTask): string {
  const best = r.best ? "  (best so far)" : "";
  const seconds = `${r.seconds.toFixed(1)}s`;
  return `epoch ${r.epoch}/${settings.epochs}: loss ${r.loss.toFixed(4)}, ${task.describe(r.dev)}, ${seconds}${best}`;
}

/**
 * The checkpoint's settings, with epochs and patience as now given; refuses
 * another model, other data or other settings.
 */
function resumedSettings(
  run: TrainRun,
  previous: Checkpoint,
  task: TrainingTask,
  print: string,
  data: { train: string; dev: string },
): TrainSettings {
  if (previous.task !== task.kind) {
    throw new TrainingError(`the checkpoint in ${run.out} is of a ${previous.task} run, not a ${task.kind} one`);
  }
  checkFingerprint(previous, run.out, print, { file: run.source.file, name: task.name, dims: task.dims });
  if (previous.loss !== task.loss) {
    throw new TrainingError(
      `the checkpoint in ${run.out} was trained with loss ${previous.loss}, these targets need ${task.loss}`,
    );
  }
  const needs = "resuming needs the same data";
  if (previous.data.train !== data.train)
    throw new TrainingError(`${run.train.file} is not the training data of the checkpoint in ${run.out}; ${needs}`);
  if (previous.data.dev !== data.dev)
    throw new TrainingError(`${run.dev.file} is not the dev data of the checkpoint in ${run.out}; ${needs}`);
  const changeable = new Set<keyof TrainSettings>(["epochs", "patience"]);
  for (const key of run.given) {
    if (changeable.has(key)) continue;
    const [was, now] = [JSON.stringify(previous.settings[key]), JSON.stringify(run.settings[key])];
    if (was !== now) {
      throw new TrainingError(
        `--${key} ${now} differs from the checkpoint's ${was}; ` +
          "a resumed run keeps its settings (only --epochs and --patience may change)",
      );
    }
  }
  const { schedule } = previous.settings;
  if (
    run.given.has("epochs") &&
    run.settings.epochs !== previous.settings.epochs &&
    schedule?.kind === "cosine" &&
    schedule.steps === undefined
  ) {
    throw new TrainingError(
      `--epochs ${run.settings.epochs} would change the length of the run's cosine schedule, planned over ` +
        `${previous.settings.epochs} epochs; start a run you may extend with --lr-steps N`,
    );
  }
  return {
    ...previous.settings,
    ...(run.given.has("epochs") ? { epochs: run.settings.epochs } : {}),
    ...(run.given.has("patience") ? { patience: run.settings.patience } : {}),
  };
}
