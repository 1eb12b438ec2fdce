// apps/train/sequences — a model trained on vector sequences back from its checkpoint: scored on
// labelled sequences (rnnc eval) or run on new ones (rnnc predict). In: the checkpoint directory,
// the model file, a JSONL file. Out: the module with the best parameters; the dev loss and
// accuracy, or each sequence's outputs (vectors, or the class ids they pick).

import type { Quantize } from "../../../compiler/api.js";
import type { RnncModel } from "../../../runtime/index.js";
import { argmax } from "../argmax.js";
import { blobOf, checkFingerprint, loadBlob, readCheckpoint, type Checkpoint } from "../checkpoint.js";
import { TrainingError } from "../errors.js";
import type { DataFile } from "../loop.js";
import type { RunIo } from "../run-io.js";
import { compileModel, fingerprint, type ModelSource } from "../source.js";
import { parseSequences, type SequenceData, type TargetForm } from "./data.js";
import { checkOutputWidth, feedSequences, scoreSequences, sequenceShape, type SequenceShape } from "./model.js";

export interface TrainedSequenceModel {
  readonly model: RnncModel;
  readonly shape: SequenceShape;
  readonly checkpoint: Checkpoint;
  readonly form: TargetForm;
  readonly data: SequenceData;
  /** Which parameters were loaded: the best epoch's, or the last ones when no epoch finished. */
  readonly params: "best" | "last";
}

/** The form of target a checkpoint's loss was trained for. */
function formOf(checkpoint: Checkpoint): TargetForm {
  const { loss } = checkpoint;
  return { kind: loss.startsWith("mse") ? "vector" : "class", at: loss.endsWith("-last") ? "last" : "every" };
}

/** The checkpoint's model with its best parameters, for the sequences of `file` (labelled unless inputsOnly). */
export function loadTrainedSequences(
  dir: string,
  io: RunIo,
  source: ModelSource,
  file: DataFile,
  inputsOnly: boolean,
  batch = 32,
  quantize?: Quantize,
): TrainedSequenceModel {
  const checkpoint = readCheckpoint(dir, io);
  if (checkpoint.task !== "sequences")
    throw new TrainingError(`the checkpoint in ${dir} is of a ${checkpoint.task} run, not of vector sequences`);
  const named = { ...source, cell: source.cell ?? checkpoint.model.name };
  const shape = sequenceShape(named);
  const { dims } = checkpoint.model;
  checkFingerprint(checkpoint, dir, fingerprint(named.text, shape.name, dims), {
    file: named.file,
    name: shape.name,
    dims,
  });
  const form = formOf(checkpoint);
  const parsed = parseSequences(file.file, file.text, form.kind === "vector" ? "mse" : "softmax-ce", inputsOnly);
  const data = { ...parsed, form: inputsOnly ? form : parsed.form };
  if (!inputsOnly && data.form.at !== form.at) {
    const want = form.at === "last" ? "one target for the last step" : "a target per step";
    throw new TrainingError(`${file.file}: the model was trained with ${want}`);
  }
  const steps = data.sequences.reduce((n, s) => Math.max(n, s.steps), 1);
  const capacity = { batch: Math.max(1, Math.min(batch, data.sequences.length)), steps };
  const model = compileModel(named, shape.name, dims, capacity, checkpoint.loss, undefined, quantize);
  const features = model.shapeOf(shape.input.name, "input").at(-1);
  if (features !== data.features) {
    throw new TrainingError(
      `${file.file}: steps of x have ${data.features} numbers, but '${shape.name}' reads ${features}`,
    );
  }
  const width = model.shapeOf(shape.output.name, "output").at(-1)!;
  if (!inputsOnly && data.form.kind === "vector") checkOutputWidth(model, shape, data);
  if (!inputsOnly && data.form.kind === "class" && data.width > width) {
    throw new TrainingError(
      `${file.file} has class ids up to ${data.width - 1}, but '${shape.name}' has ${width} classes`,
    );
  }
  const params = checkpoint.files.best ?? checkpoint.files.params;
  loadBlob(dir, io, blobOf(checkpoint, params), (bytes) => model.loadParams(bytes));
  return { model, shape, checkpoint, form, data, params: checkpoint.files.best ? "best" : "last" };
}

/** The mean loss (per step, or per sequence for a last-step target) and, for classes, the accuracy. */
export function evaluateSequences(trained: TrainedSequenceModel): { loss: number; accuracy: number | null } {
  return scoreSequences(trained.model, trained.shape, { form: trained.form, sequences: trained.data.sequences });
}

/** Each sequence's outputs, as its y would be written: a vector (or class id) per step, or one for the last step. */
export function predictSequences(trained: TrainedSequenceModel): unknown[] {
  const { model, shape, form } = trained;
  const { sequences } = trained.data;
  const out: unknown[] = new Array(sequences.length);
  const width = model.shapeOf(shape.output.name, "output").at(-1)!;
  // The module reads a target too; a zero one changes nothing but the loss, which is not read.
  const placeholder = (steps: number) => {
    const rows = form.at === "every" ? steps : 1;
    return form.kind === "class" ? new Int32Array(rows) : new Float64Array(rows * width);
  };
  for (let at = 0; at < sequences.length; at += model.capacity.batch) {
    const batch = sequences.slice(at, at + model.capacity.batch);
    const { size } = feedSequences(
      model,
      shape,
      form,
      batch.map((s) => ({ ...s, y: placeholder(s.steps) })),
    );
    model.forward(size.batch, size.steps);
    const y = model.view(shape.output.name, "output", size);
    batch.forEach((s, j) => {
      const row = (t: number) => {
        const start = (t * size.batch + j) * width;
        return form.kind === "class" ? argmax(y, start, width) : Array.from(y.subarray(start, start + width));
      };
      out[at + j] = form.at === "every" ? Array.from({ length: s.steps }, (_, t) => row(t)) : row(s.steps - 1);
    });
  }
  return out;
}
