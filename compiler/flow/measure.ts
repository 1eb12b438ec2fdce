// compiler/flow — how far back a gradient reaches. In: an instantiated f64
// module of a causal cell or model, compiled with loss "none", and a batch of
// random sequences. Out: for k = 0..T−1 the norm of ∂ℓ_T/∂h_{T−k}, the
// gradient of the last step's loss with respect to the state k steps before
// the last step reads it, per sequence and averaged; and, per horizon, the
// parameter gradient a training step on that window would see.
//
// Method: one exact reverse sweep, one step per call. The forward pass runs
// the sequence a step at a time (forward(B, 1), state_out fed back as
// state_in) and keeps every state. The backward pass walks back: at step t it
// re-runs forward(B, 1) from h_t, writes the cotangent it carries into
// grad_state_out (at the last step: ∂ℓ_T/∂y into grad_output instead), calls
// backward(B, 1) and reads the gradient of state_in, which is ∂ℓ_T/∂h_t. That
// is BPTT itself, factored at the steps, so every horizon comes out of one
// sweep: 2T forward and T backward calls of one step, where running each
// horizon as its own sequence would cost O(T²) steps.
//
// Only a public surface is used: RnncModel's tensors by name and role.

import { prng, type RnncModel, type TensorEntry } from "../../runtime/index.js";

/** The random sequences of a measurement: the same seed gives the same inputs to every cell of the same input size. */
export interface FlowData {
  readonly batch: number;
  readonly steps: number;
  /** Per input tensor: one packed [batch, features] array per step (ids for an id input). */
  readonly inputs: ReadonlyMap<string, readonly Float64Array[]>;
  /** Per output: the targets of the last step, [batch, units]. */
  readonly targets: ReadonlyMap<string, Float64Array>;
}

export interface FlowMeasurement {
  /** The states whose gradients are concatenated, in ABI order (an LSTM's h and c). */
  readonly states: readonly string[];
  /** norms[k]: the mean over the batch of ‖∂ℓ_T/∂h_{T−k}‖. */
  readonly norms: readonly number[];
  /** perSequence[k][b]: ‖∂ℓ_T/∂h_{T−k}‖ of sequence b. */
  readonly perSequence: readonly (readonly number[])[];
  /** The mean over the batch of ℓ_T = ½‖y_T − target‖². */
  readonly loss: number;
  /**
   * paramNorms[k]: the global norm of ∂(Σ_b ℓ_T)/∂θ over every parameter,
   * back-propagated through the last k+1 steps only: the gradient train_step
   * would clip for a window of k+1 steps that starts from h_{T−k}.
   */
  readonly paramNorms: readonly number[];
}

/** Random sequences for the model: inputs uniform in ±1 (ids uniform over their table), targets uniform in ±1. */
export function randomSequences(model: RnncModel, size: { batch: number; steps: number; seed: number }): FlowData {
  const random = prng(size.seed);
  const inputs = new Map<string, Float64Array[]>();
  for (const entry of model.tensors().filter((t) => t.role === "input")) {
    const features = rowSize(model, entry, size.batch);
    const draw = entry.idsBelow === undefined ? () => random() * 2 - 1 : () => Math.floor(random() * entry.idsBelow!);
    inputs.set(entry.name, Array.from({ length: size.steps }, () => Float64Array.from({ length: features }, draw)));
  }
  const targets = new Map<string, Float64Array>();
  for (const entry of model.tensors().filter((t) => t.role === "output")) {
    targets.set(entry.name, Float64Array.from({ length: rowSize(model, entry, size.batch) }, () => random() * 2 - 1));
  }
  return { batch: size.batch, steps: size.steps, inputs, targets };
}

/** Elements of one step of a [steps, batch, ...] tensor, or of a [batch, ...] one. */
function rowSize(model: RnncModel, entry: TensorEntry, batch: number): number {
  return model.view(entry.name, entry.role, { batch, steps: 1 }).length;
}

export function measureFlow(model: RnncModel, data: FlowData): FlowMeasurement {
  if (model.loss !== "none") {
    throw new Error(`measureFlow needs a module compiled with loss "none", not "${model.loss}"`);
  }
  const { batch, steps } = data;
  const size = { batch, steps: 1 };
  const entries = model.tensors();
  const states = entries.filter((t) => t.role === "state_in").map((t) => t.name);
  const outputs = entries.filter((t) => t.role === "output").map((t) => t.name);
  const params = entries.filter((t) => t.role === "param").map((t) => t.name);
  const hasLengths = entries.some((t) => t.role === "lengths");

  const runStep = (t: number, from: ReadonlyMap<string, Float64Array>) => {
    for (const [name, perStep] of data.inputs) model.view(name, "input", size).set(perStep[t]!);
    for (const name of states) model.view(name, "state_in", size).set(from.get(name)!);
    if (hasLengths) model.set("lengths", "lengths", new Array<number>(batch).fill(1));
    model.forward(batch, 1);
  };

  // The state each step reads: trajectory[t] is h_t, trajectory[0] the zero initial state.
  const zero = new Map(states.map((s) => [s, new Float64Array(model.view(s, "state_in", size).length)]));
  const trajectory: Map<string, Float64Array>[] = [zero];
  for (let t = 0; t < steps - 1; t++) {
    runStep(t, trajectory[t]!);
    trajectory.push(new Map(states.map((s) => [s, Float64Array.from(model.view(s, "state_out", size))])));
  }

  const perSequence: number[][] = [];
  const paramNorms: number[] = [];
  const paramSums = new Map(params.map((p) => [p, new Float64Array(model.view(p, "param", size).length)]));
  let carried: Map<string, Float64Array> | undefined;
  let loss = 0;
  for (let t = steps - 1; t >= 0; t--) {
    runStep(t, trajectory[t]!);
    for (const name of outputs) {
      const cotangent = model.view(name, "grad_output", size);
      if (carried) cotangent.fill(0);
      else {
        const y = model.view(name, "output", size);
        const target = data.targets.get(name)!;
        for (let i = 0; i < y.length; i++) {
          cotangent[i] = y[i]! - target[i]!;
          loss += 0.5 * cotangent[i]! ** 2;
        }
      }
    }
    for (const name of states) {
      const cotangent = model.view(name, "grad_state_out", size);
      if (carried) cotangent.set(carried.get(name)!);
      else cotangent.fill(0);
    }
    model.backward(batch, 1);
    carried = new Map(states.map((s) => [s, Float64Array.from(model.view(s, "grad", size))]));
    perSequence.push(sequenceNorms(carried, batch));
    let squares = 0;
    for (const [name, sum] of paramSums) {
      const grad = model.view(name, "grad", size);
      for (let i = 0; i < sum.length; i++) {
        sum[i]! += grad[i]!;
        squares += sum[i]! ** 2;
      }
    }
    paramNorms.push(Math.sqrt(squares));
  }
  const norms = perSequence.map((row) => row.reduce((a, b) => a + b, 0) / batch);
  return { states, norms, perSequence, loss: loss / batch, paramNorms };
}

/** ‖(λ_s[b, ·] for every state s)‖ for each sequence b: the states' gradients concatenated. */
function sequenceNorms(gradients: ReadonlyMap<string, Float64Array>, batch: number): number[] {
  const squares = new Array<number>(batch).fill(0);
  for (const g of gradients.values()) {
    const units = g.length / batch;
    for (let i = 0; i < g.length; i++) squares[Math.floor(i / units)]! += g[i]! ** 2;
  }
  return squares.map(Math.sqrt);
}

/**
 * The norm of the update train_step makes with learning rate 1 from a gradient
 * of this norm: global-norm clipping scales it by clip / norm when it exceeds
 * clip (clip ≤ 0: no clipping).
 */
export function clippedNorm(norm: number, clip: number): number {
  return clip > 0 && norm > clip ? norm * (clip / norm) : norm;
}
