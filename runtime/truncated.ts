// runtime — sequences longer than a call: truncated back-propagation through
// time (Williams & Peng 1990, TBPTT(k, k)). In: a loaded model of a causal
// cell or model, a batch of sequences of up to any number of steps, a chunk
// length k, and the host's writer of each chunk's inputs, targets and lengths.
// Out: each chunk run as one call — a train_step, whose gradients stop at the
// chunk's first step, or a forward — its final states carried into the next
// chunk's initial states; the losses summed. The steps capacity need only be k.

import type { CallSize } from "./abi.js";
import { RnncError } from "./errors.js";
import type { RnncModel } from "./model.js";

export interface Chunks {
  /** Sequences in the batch (at most the batch capacity). */
  readonly batch: number;
  /** Steps of the longest sequence: any number, however large. */
  readonly steps: number;
  /** Steps per call (default and at most: the steps capacity). */
  readonly chunk?: number;
  /**
   * Writes steps [start, start + steps) of the batch into the module: the
   * inputs and targets packed from the region's start, time-major, and each
   * sequence's steps in this chunk as its length (0 once it has ended, which
   * keeps its state).
   */
  write(start: number, steps: number): void;
}

/**
 * Whether every step reads only the past, so a sequence may run in pieces,
 * state carried: false for a model with a bidirectional layer.
 */
export function isCausal(model: RnncModel): boolean {
  // Version 1 modules do not say; their reverse directions were named l<i>.bwd.
  return model.abi.causal ?? !model.tensors().some((t) => t.role === "state_in" && t.name.includes(".bwd."));
}

/** The initial states (role state_in) back to zero, as a fresh module has them. */
export function resetStates(model: RnncModel): void {
  for (const t of model.tensors()) if (t.role === "state_in") model.tensor(t.name, "state_in").fill(0);
}

/** Each sequence's final state (state_out) becomes its initial state (state_in) for the next call. */
export function carryStates(model: RnncModel, batch: number): void {
  const size = { batch, steps: 1 };
  for (const t of model.tensors())
    if (t.role === "state_in") model.set(t.name, "state_in", model.get(t.name, "state_out", size));
}

/**
 * Runs the batch chunk by chunk: from zero initial states, `call` runs each
 * chunk (after `write` has filled it) and returns its loss; between chunks
 * the final states are carried; afterwards the initial states are zero again.
 * Returns the summed loss. `call` gets the chunk's size and its first step.
 */
export function runInChunks(model: RnncModel, chunks: Chunks, call: (size: CallSize, start: number) => number): number {
  if (!isCausal(model)) {
    throw new RnncError(
      "a model with a bidirectional layer cannot run a sequence in chunks: " +
        "its reverse direction reads each sequence from its end",
    );
  }
  const most = model.capacity.steps;
  const chunk = chunks.chunk ?? most;
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > most) {
    throw new RangeError(
      `a chunk must be an integer number of steps in [1, ${most}] (the steps capacity); got ${chunk}`,
    );
  }
  if (!Number.isInteger(chunks.steps) || chunks.steps < 1)
    throw new RangeError(`steps must be a positive integer; got ${chunks.steps}`);
  resetStates(model);
  let loss = 0;
  try {
    for (let start = 0; start < chunks.steps; start += chunk) {
      const steps = Math.min(chunk, chunks.steps - start);
      chunks.write(start, steps);
      loss += call({ batch: chunks.batch, steps }, start);
      if (start + steps < chunks.steps) carryStates(model, chunks.batch);
    }
  } finally {
    resetStates(model);
  }
  return loss;
}

/**
 * Truncated BPTT: one train_step per chunk of the batch (its gradients stop
 * at the chunk's start, its state comes from the chunk before), with the
 * named arguments of train_step (learning_rate, clip_norm). Returns the
 * summed loss of the chunks.
 */
export function trainTruncated(model: RnncModel, chunks: Chunks, args: Readonly<Record<string, number>>): number {
  return runInChunks(model, chunks, (size) => model.trainStep(size.batch, size.steps, args) ?? Number.NaN);
}
