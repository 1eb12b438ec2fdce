// runtime — sequences longer than a call: truncated back-propagation through
// time (Williams & Peng 1990, TBPTT(k1, k2)). In: a loaded model of a causal
// cell or model, a batch of sequences of up to any number of steps, a chunk
// length k2, a stride k1 ≤ k2 (k2 unless given), and the host's writer of each
// chunk's inputs, targets and lengths. Out: a chunk of k2 steps started every
// k1 steps, each run as one call — a train_step, whose gradients stop at the
// chunk's first step, or a forward — from the state the sequence has at the
// chunk's start; the losses summed. The steps capacity need only be k2.

import type { CallSize } from "./abi.js";
import { RnncError } from "./errors.js";
import type { RnncModel, TensorView } from "./model.js";

export interface Chunks {
  /** Sequences in the batch (at most the batch capacity). */
  readonly batch: number;
  /** Steps of the longest sequence: any number, however large. */
  readonly steps: number;
  /** Steps per call, k2 (default and at most: the steps capacity). */
  readonly chunk?: number;
  /**
   * Steps from one chunk's start to the next, k1 (default: the chunk, so
   * chunks do not overlap; at most the chunk). With k1 < k2 the chunks
   * overlap: each call runs k2 steps, but the state carried into the next
   * chunk is the one after the first k1, and every step of each chunk adds
   * to its loss (a step inside an overlap is counted in each chunk it is in).
   */
  readonly stride?: number;
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
 * chunk (after `write` has filled it) and returns its loss; a chunk of k2
 * steps starts every k1 steps (the stride), the last one where a chunk
 * reaches the end of the longest sequence; each starts from the state the
 * sequence has there; afterwards the initial states are zero again. Returns
 * the summed loss. `call` gets the chunk's size and its first step.
 *
 * With k1 = k2 the final states of a chunk are the next one's initial
 * states. With k1 < k2 the state after a chunk's first k1 steps comes from a
 * forward over those steps, run before `call` with the same parameters, so it
 * is the state that call's own forward pass passes through.
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
  const stride = chunks.stride ?? chunk;
  if (!Number.isInteger(stride) || stride < 1 || stride > chunk) {
    throw new RangeError(
      `a stride must be an integer number of steps in [1, ${chunk}] (the chunk); got ${stride}`,
    );
  }
  if (!Number.isInteger(chunks.steps) || chunks.steps < 1)
    throw new RangeError(`steps must be a positive integer; got ${chunks.steps}`);
  resetStates(model);
  let loss = 0;
  try {
    for (let start = 0; ; start += stride) {
      const steps = Math.min(chunk, chunks.steps - start);
      const last = start + steps >= chunks.steps;
      chunks.write(start, steps);
      const advanced = last || stride >= steps ? undefined : statesAfter(model, chunks.batch, stride);
      loss += call({ batch: chunks.batch, steps }, start);
      if (last) break;
      if (advanced === undefined) carryStates(model, chunks.batch);
      else for (const [name, values] of advanced) model.set(name, "state_in", values);
    }
  } finally {
    resetStates(model);
  }
  return loss;
}

/**
 * The states after the first `steps` steps of the chunk written into the
 * module, by a forward over them (each sequence's length cut to those steps
 * for it, then restored); the initial states are left as they were.
 */
function statesAfter(model: RnncModel, batch: number, steps: number): Map<string, TensorView> {
  const size = { batch, steps };
  const lengths = model.tensors().find((t) => t.role === "lengths")?.name;
  const written = lengths === undefined ? undefined : model.get(lengths, "lengths", size);
  if (lengths !== undefined) model.set(lengths, "lengths", written!.map((l) => Math.min(l, steps)));
  model.forward(batch, steps);
  if (lengths !== undefined) model.set(lengths, "lengths", written!);
  const states = new Map<string, TensorView>();
  for (const t of model.tensors()) if (t.role === "state_in") states.set(t.name, model.get(t.name, "state_out", size));
  return states;
}

/**
 * Truncated BPTT, TBPTT(stride, chunk): one train_step per chunk of the
 * batch (its gradients stop at the chunk's start, its state is the
 * sequence's there, carried from the chunk before), with the named arguments
 * of train_step (learning_rate, clip_norm). Returns the summed loss of the
 * chunks.
 */
export function trainTruncated(model: RnncModel, chunks: Chunks, args: Readonly<Record<string, number>>): number {
  return runInChunks(model, chunks, (size) => model.trainStep(size.batch, size.steps, args) ?? Number.NaN);
}
