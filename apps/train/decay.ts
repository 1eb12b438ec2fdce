// apps/train — weight decay, applied by the host after each update because
// the module's train_step has no such argument (compiler/lower/train.ts). In:
// the model after train_step, that update's learning rate and the decay λ.
// Out: every weight matrix (a parameter of rank 2: input and recurrent
// weights, readouts, embedding tables) scaled by 1 − lr·λ; biases and other
// vectors are not decayed. This is decoupled weight decay (AdamW, Loshchilov
// & Hutter 2019) applied after the optimizer's step rather than before it:
// the two differ by lr²·λ·(the update), a second-order term.

import type { RnncModel } from "../../runtime/index.js";
import { TrainingError } from "./errors.js";

/** The parameters decay scales: the weight matrices. */
export function decayedParams(model: RnncModel): string[] {
  return model
    .tensors()
    .filter((t) => t.role === "param" && t.shape.length === 2)
    .map((t) => t.name);
}

export function applyWeightDecay(model: RnncModel, names: readonly string[], lr: number, lambda: number): void {
  if (lambda === 0) return;
  const keep = 1 - lr * lambda;
  if (!(keep > 0)) {
    throw new TrainingError(
      `--weight-decay ${lambda} with a learning rate of ${lr} scales weights by ${keep}; use lr·λ < 1`,
    );
  }
  // A view of a param counts as a write to it: the module repacks what it keeps of them.
  for (const name of names) {
    const view = model.tensor(name, "param");
    for (let i = 0; i < view.length; i++) view[i]! *= keep;
  }
}
