// runtime — what data-parallel training shares between the host and its
// workers, and where. In: a module's ABI and the capacity of one worker. Out:
// the plan both sides read: the control words of each worker, and the byte
// ranges of one SharedArrayBuffer that hold the parameters (host to workers),
// and per worker its gradients and final states (worker to host) and its
// shard of the batch's inputs, targets, lengths and initial states (host to
// worker). Every tensor travels as raw bytes in its own dtype; each range is
// 16-byte aligned, so any typed view of it lines up.

import {
  elementCount, elementTypeOf, resolveShape, type Abi, type CallSize, type Role, type TensorEntry,
} from "./abi.js";

/** A tensor's range in the shared buffer: where it starts, how many bytes a row (one batch entry) has. */
export interface SharedSlot {
  readonly name: string;
  readonly role: Role;
  readonly offset: number;
  readonly bytes: number;
  /** Bytes per batch entry at one step; 0 for a fixed tensor (a parameter or its gradient). */
  readonly row: number;
  /** Whether the tensor has a steps axis (["steps", "batch", ...]). */
  readonly perStep: boolean;
}

/** One worker's ranges: its gradients and final states out, its shard in. */
export interface WorkerSlots {
  readonly grads: readonly SharedSlot[];
  /**
   * Where `grads` lie, one after the other: every worker's block has the same
   * layout, so the blocks sum element by element (the padding between
   * tensors is zero in all of them).
   */
  readonly gradBlock: { readonly offset: number; readonly bytes: number };
  readonly shard: readonly SharedSlot[];
  readonly states: readonly SharedSlot[];
}

export interface ParallelPlan {
  readonly workers: number;
  /** The capacity each worker is laid out at: a shard of the host's batch, all of its steps. */
  readonly capacity: CallSize;
  readonly params: readonly SharedSlot[];
  readonly slots: readonly WorkerSlots[];
  /** Bytes per element of the gradients: the module's dtype, f32 or f64. */
  readonly gradElement: 4 | 8;
  /** Bytes of the shared data buffer. */
  readonly bytes: number;
}

/** Roles the host writes that have a batch axis: each worker gets its rows of them. */
const SHARDED: ReadonlySet<Role> = new Set<Role>([
  "input", "target", "lengths", "state_in", "grad_output", "grad_state_out",
]);

/** Control words all workers share, at the start of the control buffer (Int32Array indices). */
export const SHARED = {
  /** Host: the batch of the step, from which each worker knows which workers have rows. */
  batch: 0,
  /** Workers: how many have their gradients in shared memory this step (the host zeroes it first). */
  arrived: 1,
} as const;

/** Control words per worker (Int32Array indices, a cache line apart), after the shared ones. */
export const CONTROL = {
  /** Host: the number of the step it asks for (the worker waits on it). */
  request: 0,
  /** Worker: the number of the last step it finished (the host waits on it). */
  done: 1,
  batch: 2,
  steps: 3,
  /** Host: how many times the parameters were broadcast; a worker copies them when this moved. */
  paramsEpoch: 4,
  /** Worker: 1 once its module is instantiated; -1 when it failed (the message follows in its error bytes). */
  ready: 5,
  /** Worker: 1 when the last step failed. */
  failed: 6,
  /** Host: 1 asks the worker to copy its parameters into its gradient range (a check that they are the host's). */
  echo: 7,
  /** Worker: the length in bytes of its UTF-8 error message. */
  errorBytes: 8,
  words: 16,
} as const;

/** Bytes of each worker's error message at the end of the control buffer. */
export const ERROR_BYTES = 1024;

/**
 * The control buffer: CONTROL.words i32 shared (SHARED), then as many per
 * worker (CONTROL), one f64 loss per worker, then the error messages.
 */
export function controlBytes(workers: number): number {
  return (workers + 1) * CONTROL.words * 4 + workers * (8 + ERROR_BYTES);
}

/** Worker `worker`'s control words. */
export function controlWords(control: SharedArrayBuffer, worker: number): Int32Array {
  return new Int32Array(control, (worker + 1) * CONTROL.words * 4, CONTROL.words);
}

export function lossIndex(workers: number, worker: number): number {
  return ((workers + 1) * CONTROL.words * 4) / 8 + worker;
}

export function errorOffset(workers: number, worker: number): number {
  return (workers + 1) * CONTROL.words * 4 + workers * 8 + worker * ERROR_BYTES;
}

/** The workers that have rows in a batch of `batch` entries. */
export function activeWorkers(batch: number, workers: number): number[] {
  const active: number[] = [];
  for (let k = 0; k < workers; k++) {
    const { start, end } = shardRows(batch, workers, k);
    if (end > start) active.push(k);
  }
  return active;
}

/**
 * The elements [start, end) of the gradient blocks that the `rank`-th of
 * `count` active workers sums: near-equal runs, each a multiple of 4.
 */
export function sumRange(elements: number, count: number, rank: number): { start: number; end: number } {
  const at = (r: number) => Math.min(elements, Math.ceil((r * elements) / count / 4) * 4);
  return { start: at(rank), end: at(rank + 1) };
}

/** The batch rows [start, end) of shard `worker` of a batch of `batch` entries: near-equal contiguous runs. */
export function shardRows(batch: number, workers: number, worker: number): { start: number; end: number } {
  return { start: Math.floor((worker * batch) / workers), end: Math.floor(((worker + 1) * batch) / workers) };
}

export function planParallel(abi: Abi, hostCapacity: CallSize, workers: number): ParallelPlan {
  const capacity = { batch: Math.ceil(hostCapacity.batch / workers), steps: hostCapacity.steps };
  let end = 0;
  const place = (t: TensorEntry): SharedSlot => {
    const size = elementTypeOf(abi, t) === "f64" ? 8 : 4;
    const shape = resolveShape(t.shape, capacity);
    const batched = t.shape.includes("batch");
    const perStep = t.shape.includes("steps");
    const fixed = t.shape.filter((d): d is number => typeof d === "number");
    const slot = {
      name: t.name, role: t.role, offset: end, bytes: elementCount(shape) * size,
      row: batched ? elementCount(fixed) * size : 0, perStep,
    };
    end += Math.ceil(slot.bytes / 16) * 16;
    return slot;
  };
  const paramEntries = abi.tensors.filter((t) => t.role === "param");
  const params = paramEntries.map(place);
  const gradOf = (p: TensorEntry) => abi.tensors.find((t) => t.role === "grad" && t.name === p.name)!;
  const slots = Array.from({ length: workers }, () => {
    const start = end;
    const grads = paramEntries.map((p) => place(gradOf(p)));
    return {
      grads,
      gradBlock: { offset: start, bytes: end - start },
      shard: abi.tensors.filter((t) => SHARDED.has(t.role) && t.shape.includes("batch")).map(place),
      states: abi.tensors.filter((t) => t.role === "state_out").map(place),
    };
  });
  return { workers, capacity, params, slots, gradElement: abi.dtype === "f64" ? 8 : 4, bytes: end };
}
