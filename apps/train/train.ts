// apps/train — `rnnc train`'s entry: which task a model is trained as. In: the
// run (model file, data files, settings). Out: the trained run. A model with
// id inputs (oneOfN, wordHash) is a tagger, trained on tagged sentences;
// anything else reads vector sequences into its one dense input.

import { describeUnit } from "../../compiler/api.js";
import type { TrainResult } from "./loop.js";
import type { SequenceLoss } from "./sequences/data.js";
import { trainSequences, type SequenceRun } from "./sequences/task.js";
import { trainTagger, type TaggerRun } from "./tagger/task.js";
import { TrainingError } from "./errors.js";

export type TrainRequest = TaggerRun & SequenceRun;

export function train(request: TrainRequest): TrainResult {
  const unit = describeUnit(request.source);
  if (!unit.inputs.some((i) => i.kind === "ids")) return trainSequences(request);
  if (request.loss !== undefined && request.loss !== "softmax-ce") {
    throw new TrainingError(
      `--loss ${request.loss}: a tagger ('${unit.name}' reads ids) scores its tags with softmax-ce`,
    );
  }
  return trainTagger(request);
}

export type { SequenceLoss };
