// playground — the toy tasks Train teaches a module, on the host side of its
// ABI. In: a module's ABI (which inputs and targets it has) and a task name.
// Out: a fresh random batch of inputs with the matching targets, written into
// the module, every call. Targets lie in (0.1, 0.9), a range tanh, sigmoid and
// relu outputs all reach, so any cell the user writes can fit them.

import type { RnncModel, TensorEntry } from "../../../runtime/index.js";

export const tasks = {
  "leaky-sum": "a leaky running sum of the input: s(t) = 0.6·s(t−1) + 0.4·x(t)",
  "delayed-copy": "the input of the step before: x(t−1)",
} as const;

export type TaskName = keyof typeof tasks;

export interface TaskLayout {
  /** The vector inputs, whose features are read in order as one vector. */
  readonly inputs: readonly TensorEntry[];
  readonly target: TensorEntry;
  readonly features: number;
  readonly units: number;
}

/** What a task needs of a module, or a sentence saying why it cannot be trained on one. */
export function taskLayout(model: RnncModel): TaskLayout | string {
  const entries = model.tensors();
  const ids = entries.find((e) => e.role === "input" && e.idsBelow !== undefined);
  if (ids) {
    return `the toy tasks feed vectors, but input '${ids.name}' holds ids: train a cell or model with vector inputs`;
  }
  const inputs = entries.filter((e) => e.role === "input");
  const targets = entries.filter((e) => e.role === "target" && e.dtype !== "i32");
  if (inputs.length === 0) return "the module has no input to feed";
  if (targets.length !== 1) {
    return `the toy tasks fit one output with the mse loss; this module has ${targets.length} targets`;
  }
  if (!model.hasFunction("train_step")) return "the module has no train_step: compile it with an optimizer";
  const width = (e: TensorEntry) => e.shape.at(-1) as number;
  return { inputs, target: targets[0]!, features: inputs.reduce((n, e) => n + width(e), 0), units: width(targets[0]!) };
}

/**
 * Writes one batch: inputs uniform in (−1, 1); output unit k learns the task
 * on input feature k mod features. Every sequence runs all `steps`.
 */
export function fillBatch(
  model: RnncModel, layout: TaskLayout, task: TaskName, size: { batch: number; steps: number }, rand: () => number,
): void {
  const { batch, steps } = size;
  const x = new Float64Array(steps * batch * layout.features);
  for (let i = 0; i < x.length; i++) x[i] = rand() * 2 - 1;
  let first = 0;
  for (const input of layout.inputs) {
    const width = input.shape.at(-1) as number;
    const view = model.view(input.name, input.role, size);
    for (let row = 0; row < steps * batch; row++) {
      for (let f = 0; f < width; f++) view[row * width + f] = x[row * layout.features + first + f]!;
    }
    first += width;
  }
  const target = model.view(layout.target.name, layout.target.role, size);
  const { units, features } = layout;
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < units; k++) {
      const feature = k % features;
      let sum = 0;
      for (let t = 0; t < steps; t++) {
        const now = x[(t * batch + b) * features + feature]!;
        sum = 0.6 * sum + 0.4 * now;
        const before = t > 0 ? x[((t - 1) * batch + b) * features + feature]! : 0;
        target[(t * batch + b) * units + k] = 0.5 + 0.4 * (task === "leaky-sum" ? sum : before);
      }
    }
  }
  if (model.tensors().some((e) => e.role === "lengths")) {
    model.set("lengths", "lengths", new Array<number>(batch).fill(steps));
  }
}
