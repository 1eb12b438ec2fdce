// runtime — one worker of data-parallel training. In: the module, the plan
// (parallel-plan.ts), its index and the two shared buffers, posted once by the
// host. Out: for every step the host asks for, the loss, parameter gradients
// and final states of its shard of the batch, computed by forward and backward
// on its own instance, and its part of the sum of all workers' gradients. It
// waits on its control word (Atomics.wait), so a step costs no message: the
// host writes the shard and bumps the word; the workers meet once their
// gradients are in shared memory, each sums a run of elements of them into
// the first worker's block, and bumps its own word.

import { instantiateModel, type RnncModel } from "./model.js";
import {
  activeWorkers, CONTROL, controlWords, ERROR_BYTES, errorOffset, lossIndex, SHARED, sumRange,
  type ParallelPlan, type SharedSlot,
} from "./parallel-plan.js";

/** What the host posts to a worker when it starts it. */
export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly plan: ParallelPlan;
  readonly worker: number;
  readonly control: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
}

/** Serves steps until the worker is terminated; never returns. */
export function serveShards(init: WorkerInit): void {
  const { plan, worker } = init;
  const words = controlWords(init.control, worker);
  const shared = new Int32Array(init.control, 0, CONTROL.words);
  const losses = new Float64Array(init.control, 0, lossIndex(plan.workers, plan.workers));
  const fail = (e: unknown, word: number) => {
    const text = new TextEncoder().encode(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    const room = new Uint8Array(init.control, errorOffset(plan.workers, worker), ERROR_BYTES);
    const n = Math.min(text.length, room.length);
    room.set(text.subarray(0, n));
    words[CONTROL.errorBytes] = n;
    Atomics.store(words, word, word === CONTROL.ready ? -1 : 1);
  };
  let model: RnncModel;
  try {
    model = instantiateModel(init.module, { capacity: plan.capacity });
  } catch (e) {
    fail(e, CONTROL.ready);
    Atomics.notify(words, CONTROL.ready);
    return;
  }
  Atomics.store(words, CONTROL.ready, 1);
  Atomics.notify(words, CONTROL.ready);
  const data = new Uint8Array(init.data);
  const mine = plan.slots[worker]!;
  let epoch = 0;
  let done = 0;
  for (;;) {
    Atomics.wait(words, CONTROL.request, done);
    const request = Atomics.load(words, CONTROL.request);
    try {
      const wanted = words[CONTROL.paramsEpoch]!;
      if (wanted !== epoch) {
        copyIn(model, plan.params, data, 0);
        model.paramsChanged();
        epoch = wanted;
      }
      if (words[CONTROL.echo] === 1) {
        copyOut(model, plan.params, mine.grads, data, "param");
      } else {
        const size = { batch: words[CONTROL.batch]!, steps: words[CONTROL.steps]! };
        for (const slot of mine.shard) copyIn(model, [slot], data, rowsOf(slot, size));
        losses[lossIndex(plan.workers, worker)] = model.forward(size.batch, size.steps);
        model.backward(size.batch, size.steps);
        copyOut(model, mine.grads, mine.grads, data, "grad");
        for (const slot of mine.states) copyOut(model, [slot], [slot], data, "state_out", size.batch * slot.row);
      }
      words[CONTROL.failed] = 0;
    } catch (e) {
      fail(e, CONTROL.failed);
    }
    if (words[CONTROL.echo] !== 1) sumGradients(init, plan, worker, shared);
    done = request;
    Atomics.store(words, CONTROL.done, done);
    Atomics.notify(words, CONTROL.done);
  }
}

/**
 * Waits until every worker with rows has its gradients in shared memory
 * (failed or not), then, unless one failed, adds theirs into the first such
 * worker's block over this worker's run of elements, in the order of the
 * workers: the sum the host would make, in parallel.
 */
function sumGradients(init: WorkerInit, plan: ParallelPlan, worker: number, shared: Int32Array): void {
  const active = activeWorkers(shared[SHARED.batch]!, plan.workers);
  const arrived = Atomics.add(shared, SHARED.arrived, 1) + 1;
  if (arrived === active.length) Atomics.notify(shared, SHARED.arrived);
  for (let n = arrived; n < active.length; n = Atomics.load(shared, SHARED.arrived)) {
    Atomics.wait(shared, SHARED.arrived, n);
  }
  if (active.length < 2 || active.some((k) => controlWords(init.control, k)[CONTROL.failed] === 1)) return;
  const wide = plan.gradElement === 8;
  const block = (k: number) => plan.slots[k]!.gradBlock;
  const elements = block(active[0]!).bytes / (wide ? 8 : 4);
  const { start, end } = sumRange(elements, active.length, active.indexOf(worker));
  const view = (k: number) => (wide
    ? new Float64Array(init.data, block(k).offset + start * 8, end - start)
    : new Float32Array(init.data, block(k).offset + start * 4, end - start));
  const sum = view(active[0]!);
  for (const k of active.slice(1)) addInto(sum, view(k));
}

function addInto(sum: Float32Array | Float64Array, part: Float32Array | Float64Array): void {
  for (let i = 0; i < sum.length; i++) sum[i]! += part[i]!;
}

/** The rows a call of this size reads of a sharded tensor: steps × batch of them, or batch. */
function rowsOf(slot: SharedSlot, size: { batch: number; steps: number }): number {
  return (slot.perStep ? size.steps : 1) * size.batch;
}

/** Copies each slot's bytes (all of them, or `rows` rows) from shared memory into the tensor of its name and role. */
function copyIn(model: RnncModel, slots: readonly SharedSlot[], data: Uint8Array, rows: number): void {
  for (const slot of slots) {
    const { offset } = model.placement(slot.name, slot.role);
    const bytes = rows === 0 ? slot.bytes : rows * slot.row;
    new Uint8Array(model.memory.buffer, offset, bytes).set(data.subarray(slot.offset, slot.offset + bytes));
  }
}

/** Copies the tensors of `from` (read under `role`) into the shared ranges `to`: all bytes, or the first `bytes`. */
function copyOut(
  model: RnncModel, from: readonly SharedSlot[], to: readonly SharedSlot[], data: Uint8Array,
  role: "param" | "grad" | "state_out", bytes?: number,
): void {
  from.forEach((slot, i) => {
    const { offset } = model.placement(slot.name, role);
    const n = bytes ?? slot.bytes;
    data.set(new Uint8Array(model.memory.buffer, offset, n), to[i]!.offset);
  });
}
