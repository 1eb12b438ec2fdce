// apps/train — `rnnc train`, `eval` and `predict` as a library: models
// trained inside their own module (train_step) on a task's data, with
// checkpoints that resume exactly, early stopping, learning-rate schedules,
// weight decay and a JSON log. Tasks: taggers (tokens through vocabularies, a
// tag per token) and vector sequences (regression or classes, per step or at
// the last step). Stands on rnnc's
// public surfaces only (rnnc/compiler's compileCell and describeUnit,
// rnnc/runtime's module, initialisation and generator); the host gives it
// its files (RunIo).

export { TrainingError, DataError } from "./errors.js";
export type { RunIo } from "./run-io.js";
export { fingerprint, type ModelSource } from "./source.js";
export { readCheckpoint, type Checkpoint, type Metric, type TrainSettings } from "./checkpoint.js";
export { formatMetric, type RunSettings, type TrainResult } from "./loop.js";
export { train, type SequenceLoss, type TrainRequest } from "./train.js";
export { learningRate, scheduleKinds, type LrSchedule, type ScheduleKind } from "./schedule.js";
export { plainProgress, silentProgress, terminalProgress, type Progress } from "./progress.js";

export { parseSentences, type Sentence } from "./tagger/data.js";
export { formatMetrics, isChunkTagging, metricsJson, type Metrics } from "./tagger/metrics.js";
export { predictTags } from "./tagger/tagger.js";
export { evaluateTagger, trainTagger, type TaggerRun } from "./tagger/task.js";
export { loadTrainedTagger, type TrainedTagger } from "./tagger/trained.js";

export { trainSequences, type SequenceRun } from "./sequences/task.js";
export {
  evaluateSequences,
  loadTrainedSequences,
  predictSequences,
  type TrainedSequenceModel,
} from "./sequences/trained.js";
