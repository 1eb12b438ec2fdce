// apps/train/sequences — a cell or model as a trainer of vector sequences. In: the model file
// (through describeUnit of rnnc/compiler), --dims, the data's widths. Out: which tensors the
// data goes into, the dimensions the data binds (the input's size, the output's width or number
// of classes), the module's loss, and batches written into the module, time-major.

import { describeUnit, type DeclaredDim, type LossKind } from "../../../compiler/api.js";
import { runInChunks, type CallSize, type RnncModel } from "../../../runtime/index.js";
import { argmax } from "../argmax.js";
import { TrainingError } from "../errors.js";
import type { Window } from "../loop.js";
import type { ModelSource } from "../source.js";
import type { SequenceData, TargetForm, VectorSequence } from "./data.js";

export interface SequenceShape {
  readonly name: string;
  /** The dense input the vectors go into, and its declared size. */
  readonly input: { readonly name: string; readonly size: DeclaredDim };
  /** The output the loss compares with the targets (its target has the same name), and its declared width. */
  readonly output: { readonly name: string; readonly size: DeclaredDim | undefined };
}

/** The module's loss for a form of target. */
export function lossOf(form: TargetForm): Exclude<LossKind, "none"> {
  const loss = form.kind === "vector" ? "mse" : "softmax-ce";
  return form.at === "last" ? `${loss}-last` : loss;
}

export function sequenceShape(source: ModelSource): SequenceShape {
  const unit = describeUnit(source);
  const what = `${source.file}: ${unit.kind} '${unit.name}'`;
  const [input, ...more] = unit.inputs;
  if (!input || more.length > 0 || input.kind !== "dense" || input.shape.length !== 1) {
    const reads = unit.inputs.map((i) => `'${i.name}'`).join(", ") || "nothing";
    throw new TrainingError(
      `${what} reads ${reads}; rnnc train feeds vector sequences into one input of one axis (x: "I")`,
    );
  }
  if (unit.outputs.length !== 1) {
    const names = unit.outputs.map((o) => `'${o.name}'`).join(", ");
    throw new TrainingError(`${what} has outputs ${names}; rnnc train compares one output with the targets`);
  }
  const output = unit.outputs[0]!;
  if (output.shape !== undefined && output.shape.length !== 1) {
    throw new TrainingError(
      `${what}: output '${output.name}' has shape [${output.shape.join(", ")}]; a target is a vector per step`,
    );
  }
  return {
    name: unit.name,
    input: { name: input.name, size: input.shape[0]! },
    output: { name: output.name, size: output.shape?.[0] },
  };
}

/** The user's dims plus those the data decides (the input's size, the output's width); a user may not bind those. */
export function bindSequenceDims(
  shape: SequenceShape,
  userDims: Readonly<Record<string, number>>,
  data: Pick<SequenceData, "features" | "width" | "form">,
): Record<string, number> {
  const dims = new Map(Object.entries(userDims));
  const bind = (dim: DeclaredDim | undefined, size: number, what: string) => {
    if (dim === undefined) return;
    if (typeof dim === "number") {
      if (dim !== size) throw new TrainingError(`the model's ${what} is ${dim}, but the data's is ${size}`);
      return;
    }
    if (Object.hasOwn(userDims, dim)) {
      throw new TrainingError(
        `--dims: ${dim} is the ${what} and is set from the training data (${size}); leave it out`,
      );
    }
    const bound = dims.get(dim);
    if (bound !== undefined && bound !== size)
      throw new TrainingError(`dimension ${dim} is both the ${what} (${size}) and ${bound}`);
    dims.set(dim, size);
  };
  bind(shape.input.size, data.features, `size of input '${shape.input.name}' (numbers per step of x)`);
  const width = data.form.kind === "class" ? "number of classes (the largest class id + 1)" : "width of the targets";
  bind(shape.output.size, data.width, `${width}, the size of output '${shape.output.name}'`);
  return Object.fromEntries(dims);
}

/** Refuses a module whose output is not as wide as the targets (a model without a readout, its width set by --dims). */
export function checkOutputWidth(
  model: RnncModel,
  shape: SequenceShape,
  data: Pick<SequenceData, "width" | "form">,
): void {
  const width = model.shapeOf(shape.output.name, "output").at(-1);
  if (width === data.width) return;
  const targets = data.form.kind === "class" ? `${data.width} classes` : `targets of ${data.width} numbers`;
  throw new TrainingError(
    `output '${shape.output.name}' of '${shape.name}' has ${width} numbers per step, but the data has ${targets}`,
  );
}

/**
 * Writes sequences into the module, time-major, padded to the longest: the
 * inputs, each one's length, and the targets; or only the steps of `window`,
 * each sequence's steps there as its length (0 once it has ended). Returns
 * the call size and what the loss is summed over (valid steps, or sequences
 * for a last-step target).
 */
export function feedSequences(
  model: RnncModel,
  shape: SequenceShape,
  form: TargetForm,
  sequences: readonly VectorSequence[],
  window?: Window,
): { size: CallSize; count: number } {
  const batch = sequences.length;
  const start = window?.start ?? 0;
  const steps = window?.steps ?? Math.max(...sequences.map((s) => s.steps));
  const features = model.shapeOf(shape.input.name, "input").at(-1)!;
  const width = form.kind === "vector" ? model.shapeOf(shape.output.name, "output").at(-1)! : 1;
  const perStep = form.at === "every";
  const x = new Float64Array(steps * batch * features);
  const rows = perStep ? steps : 1;
  const y = form.kind === "vector" ? new Float64Array(rows * batch * width) : new Int32Array(rows * batch);
  const lengths = sequences.map((s) => Math.max(0, Math.min(steps, s.steps - start)));
  sequences.forEach((s, j) => {
    for (let t = 0; t < lengths[j]!; t++) {
      const from = (start + t) * features;
      x.set(s.x.subarray(from, from + features), (t * batch + j) * features);
    }
    for (let t = 0; t < (perStep ? lengths[j]! : 1); t++) {
      const from = (perStep ? start + t : 0) * width;
      y.set(s.y.subarray(from, from + width), (t * batch + j) * width);
    }
  });
  model.set(shape.input.name, "input", x);
  for (const entry of model.tensors()) if (entry.role === "lengths") model.set(entry.name, "lengths", lengths);
  model.set(shape.output.name, "target", y);
  return { size: { batch, steps }, count: perStep ? lengths.reduce((n, l) => n + l, 0) : batch };
}

/**
 * The dev loss (mean per step, or per sequence for a last-step target) and,
 * for class targets, the accuracy. Sequences longer than the module's steps
 * capacity (a run with --tbptt) run in chunks, the state carried.
 */
export function scoreSequences(
  model: RnncModel,
  shape: SequenceShape,
  data: Pick<SequenceData, "form" | "sequences">,
): { loss: number; accuracy: number | null } {
  const { form, sequences } = data;
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[a]!.steps - sequences[b]!.steps || a - b);
  let [lossSum, count, correct, scored] = [0, 0, 0, 0];
  for (let at = 0; at < order.length; at += model.capacity.batch) {
    const batch = order.slice(at, at + model.capacity.batch).map((i) => sequences[i]!);
    // Each call scores the steps it ran: those of its window, or at the last step.
    const score = (size: CallSize, start: number) => {
      if (form.kind !== "class") return;
      const scores = model.view(shape.output.name, "output", size);
      const classes = scores.length / (size.steps * size.batch);
      batch.forEach((s, j) => {
        const steps = form.at === "every" ? Math.max(0, Math.min(size.steps, s.steps - start)) : 1;
        for (let k = 0; k < steps; k++) {
          const t = form.at === "every" ? k : s.steps - 1;
          correct +=
            argmax(scores, (t * size.batch + j) * classes, classes) === s.y[form.at === "every" ? start + k : 0]
              ? 1
              : 0;
          scored++;
        }
      });
    };
    const longest = batch.at(-1)!.steps;
    if (longest <= model.capacity.steps) {
      const fed = feedSequences(model, shape, form, batch);
      lossSum += model.forward(fed.size.batch, fed.size.steps);
      count += fed.count;
      score(fed.size, 0);
      continue;
    }
    const write = (start: number, steps: number) =>
      void (count += feedSequences(model, shape, form, batch, { start, steps }).count);
    lossSum += runInChunks(model, { batch: batch.length, steps: longest, write }, (size, start) => {
      const loss = model.forward(size.batch, size.steps);
      score(size, start);
      return loss;
    });
  }
  return { loss: lossSum / Math.max(count, 1), accuracy: form.kind === "class" ? correct / Math.max(scored, 1) : null };
}
