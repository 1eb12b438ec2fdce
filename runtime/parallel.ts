// runtime — data-parallel training: one training step of a batch split across
// workers. In: the host's model (an RnncModel whose memory the host fills as
// for train_step) and a number of workers, each running rnnc-worker.js with
// its own instance of the module. Out: trainStep(batch, steps, args): every
// worker runs forward and backward on its rows of the batch; the workers sum
// their parameter gradients (each a run of the elements, in parallel), the
// host copies the sum into its own instance and calls its apply_update once.
// The loss is a sum over the batch (docs/abi.md), so the batch's gradient is
// the plain sum of the shards' and the step is the single-instance train_step
// up to the order of that sum. Parameters, shards, gradients and final states
// travel through one SharedArrayBuffer, the requests through Atomics on a
// control buffer: a step posts no message.

import type { CallSize } from "./abi.js";
import { RnncError } from "./errors.js";
import { checkCallSize, loadModel, type LoadOptions, type ModelSource, type RnncModel } from "./model.js";
import {
  activeWorkers, CONTROL, controlBytes, controlWords, errorOffset, lossIndex, planParallel, SHARED, shardRows,
  type ParallelPlan, type SharedSlot,
} from "./parallel-plan.js";
import type { WorkerInit } from "./parallel-worker.js";
import { encodeParams } from "./params.js";

/** What the trainer needs of a worker: Node's worker_threads Worker and the browser's Worker both qualify. */
export interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
  /** Node's: whether the worker keeps the process alive. The trainer lets it only while a step is awaited. */
  ref?(): void;
  unref?(): void;
}

export interface DataParallelOptions {
  /** How many workers, each with its own instance of the module (at least 1). */
  readonly workers: number;
  /**
   * The worker script, rnnc-worker.js of the runtime: by default the one next
   * to this file (dist/runtime in Node, dist/browser in the browser build).
   */
  readonly script?: URL | string;
  /**
   * Starts one worker running `script`; by default Node's worker_threads
   * Worker, else the host's module Worker (a browser, Deno).
   */
  readonly spawn?: (script: URL | string) => WorkerHandle;
}

/** How long a blocking call waits for a worker to instantiate its module before giving up. */
const START_MS = 120_000;

interface WorkerState {
  readonly handle: WorkerHandle;
  readonly words: Int32Array;
  requested: number;
}

/**
 * Loads the module on the host (as loadModel does, at the given capacity) and
 * starts the workers; resolves once every worker has its instance.
 */
export async function createDataParallelTrainer(
  source: ModelSource, options: DataParallelOptions & LoadOptions,
): Promise<DataParallelTrainer> {
  const trainer = new DataParallelTrainer(await loadModel(source, options), options);
  try {
    await trainer.ready();
  } catch (e) {
    trainer.close();
    throw e;
  }
  return trainer;
}

export class DataParallelTrainer {
  readonly plan: ParallelPlan;
  readonly #control: SharedArrayBuffer;
  readonly #data: SharedArrayBuffer;
  readonly #bytes: Uint8Array;
  readonly #workers: WorkerState[];
  readonly #version: { offset: number } | undefined;
  /** The parameter version last broadcast (NaN: never). */
  #broadcast = Number.NaN;
  #epoch = 0;
  #closed = false;

  /**
   * Starts `options.workers` workers for the host's `model`, which must have
   * apply_update (a module compiled with an optimizer). Each worker is laid
   * out for its share of the model's batch capacity and all of its steps.
   */
  constructor(readonly model: RnncModel, options: DataParallelOptions) {
    const { workers } = options;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`workers must be an integer ≥ 1; got ${workers}`);
    }
    if (!model.hasFunction("apply_update")) {
      const why = model.hasFunction("train_step")
        ? "it was compiled before rnnc had apply_update; compile it again"
        : "compile it with an optimizer (--optimizer)";
      throw new RnncError(`data-parallel training needs a module with apply_update: ${why}`);
    }
    if (model.loss === "none") {
      throw new RnncError(
        "data-parallel training needs a built-in loss: with loss none the host writes cotangents of outputs " +
          "that the workers compute",
      );
    }
    if (typeof SharedArrayBuffer === "undefined") {
      throw new RnncError(
        "data-parallel training needs SharedArrayBuffer, which a browser gives only to a cross-origin isolated page " +
          "(COOP and COEP headers)",
      );
    }
    this.plan = planParallel(model.abi, model.capacity, workers);
    this.#control = new SharedArrayBuffer(controlBytes(workers));
    this.#data = new SharedArrayBuffer(this.plan.bytes);
    this.#bytes = new Uint8Array(this.#data);
    const version = model.tensors().find((t) => t.role === "param_version");
    this.#version = version && { offset: model.placement(version.name, version.role).offset };
    const script = options.script ?? new URL("./rnnc-worker.js", import.meta.url);
    const spawn = options.spawn ?? defaultSpawn;
    this.#workers = [];
    try {
      for (let worker = 0; worker < workers; worker++) {
        const handle = spawn(script);
        // A host that forgets close() must still exit: idle workers do not hold a Node process open.
        handle.unref?.();
        const words = controlWords(this.#control, worker);
        this.#workers.push({ handle, words, requested: 0 });
        const init: WorkerInit = {
          module: model.module, plan: this.plan, worker, control: this.#control, data: this.#data,
        };
        handle.postMessage(init);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  get workers(): number { return this.plan.workers; }

  /** Resolves once every worker has instantiated its module; rejects with a worker's error. */
  async ready(): Promise<void> {
    await this.#holding(async () => {
      for (let k = 0; k < this.#workers.length; k++) {
        const { words } = this.#workers[k]!;
        while (Atomics.load(words, CONTROL.ready) === 0) await waitAsync(words, CONTROL.ready, 0);
        this.#checkStarted(k);
      }
    });
  }

  /** Runs `wait` with the workers keeping a Node process alive: Atomics.waitAsync alone does not. */
  async #holding<T>(wait: () => Promise<T>): Promise<T> {
    for (const w of this.#workers) w.handle.ref?.();
    try {
      return await wait();
    } finally {
      for (const w of this.#workers) w.handle.unref?.();
    }
  }

  /**
   * One training step of the batch in the host model's memory (inputs,
   * targets, lengths and initial states written as for its trainStep): the
   * workers' forward and backward on their rows, the gradients summed, the
   * host's apply_update with `args` (learning_rate, clip_norm). Blocks until
   * the workers are done (Atomics.wait: Node, or any worker; a browser's main
   * thread uses trainStepAsync). Returns the batch's loss; each sequence's
   * final state is in the host's state_out, as after train_step.
   */
  trainStep(batch: number, steps: number, args: Readonly<Record<string, number>>): number {
    const active = this.#request(batch, steps);
    for (const k of active) this.#waitDone(k);
    return this.#finish(active, { batch, steps }, args);
  }

  /** trainStep for a thread that must not block (a browser's main thread): the same step, awaited. */
  async trainStepAsync(batch: number, steps: number, args: Readonly<Record<string, number>>): Promise<number> {
    await this.ready();
    const active = this.#request(batch, steps);
    await this.#holding(async () => {
      for (const k of active) {
        const w = this.#workers[k]!;
        for (let done; (done = Atomics.load(w.words, CONTROL.done)) !== w.requested;) {
          await waitAsync(w.words, CONTROL.done, done);
        }
      }
    });
    return this.#finish(active, { batch, steps }, args);
  }

  /**
   * The parameters worker `k` computes with, as a parameter file
   * (saveParams' format): the host's, byte for byte, which it is sent first
   * when they changed (as every step starts by doing).
   */
  workerParams(k: number): Uint8Array {
    if (!Number.isInteger(k) || k < 0 || k >= this.workers) {
      throw new RangeError(`worker must be an integer in [0, ${this.workers - 1}]; got ${k}`);
    }
    this.#start();
    this.#sendParams();
    const w = this.#workers[k]!;
    w.words[CONTROL.paramsEpoch] = this.#epoch;
    w.words[CONTROL.echo] = 1;
    this.#bump(w);
    this.#waitDone(k);
    w.words[CONTROL.echo] = 0;
    this.#checkFailed(k);
    // The worker wrote its parameters where its gradients go, in the order of plan.params.
    const grads = this.plan.slots[k]!.grads;
    const dtype = this.model.dtype;
    return encodeParams(this.plan.params.map((p, i) => ({
      name: p.name,
      shape: this.model.shapeOf(p.name, "param"),
      dtype,
      data: this.#bytes.slice(grads[i]!.offset, grads[i]!.offset + p.bytes),
    })));
  }

  /** Stops the workers; the host model stays usable on its own. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers) void w.handle.terminate();
  }

  /** Sends changed parameters and each active worker its shard; returns the workers that have rows. */
  #request(batch: number, steps: number): number[] {
    if (this.#closed) throw new RnncError("this trainer was closed");
    checkCallSize({ batch, steps }, this.model.capacity);
    this.#start();
    this.#sendParams();
    const memory = new Uint8Array(this.model.memory.buffer);
    const active = activeWorkers(batch, this.workers);
    // Every worker is idle (the last step was waited for): the meeting count starts afresh.
    const shared = new Int32Array(this.#control, 0, CONTROL.words);
    shared[SHARED.batch] = batch;
    Atomics.store(shared, SHARED.arrived, 0);
    for (const k of active) {
      const rows = shardRows(batch, this.workers, k);
      for (const slot of this.plan.slots[k]!.shard) this.#sendShard(memory, slot, rows, batch, steps);
      const w = this.#workers[k]!;
      w.words[CONTROL.batch] = rows.end - rows.start;
      w.words[CONTROL.steps] = steps;
      w.words[CONTROL.paramsEpoch] = this.#epoch;
      this.#bump(w);
    }
    return active;
  }

  #bump(w: WorkerState): void {
    w.requested++;
    Atomics.store(w.words, CONTROL.request, w.requested);
    Atomics.notify(w.words, CONTROL.request);
  }

  /** Copies the workers' summed gradients and final states to the host, updates; returns the loss. */
  #finish(active: readonly number[], size: CallSize, args: Readonly<Record<string, number>>): number {
    for (const k of active) this.#checkFailed(k, size.batch);
    const buffer = this.model.memory.buffer;
    // The workers summed every worker's gradients into the first one's (parallel-worker.ts).
    const sums = this.plan.slots[active[0]!]!.grads;
    const memory = new Uint8Array(buffer);
    this.plan.params.forEach((param, i) => {
      const { offset } = this.model.placement(param.name, "grad");
      memory.set(this.#bytes.subarray(sums[i]!.offset, sums[i]!.offset + param.bytes), offset);
    });
    for (const k of active) {
      const rows = shardRows(size.batch, this.workers, k);
      for (const slot of this.plan.slots[k]!.states) {
        const { offset } = this.model.placement(slot.name, "state_out");
        const bytes = (rows.end - rows.start) * slot.row;
        memory.set(this.#bytes.subarray(slot.offset, slot.offset + bytes), offset + rows.start * slot.row);
      }
    }
    const losses = new Float64Array(this.#control);
    let loss = 0;
    for (const k of active) loss += losses[lossIndex(this.workers, k)]!;
    this.model.applyUpdate(args);
    return loss;
  }

  /** Copies the host's parameters to the shared buffer when they changed since the last copy. */
  #sendParams(): void {
    const version = this.#version && new Int32Array(this.model.memory.buffer, this.#version.offset, 1)[0]!;
    if (version !== undefined && version === this.#broadcast) return;
    const memory = new Uint8Array(this.model.memory.buffer);
    for (const slot of this.plan.params) {
      const { offset } = this.model.placement(slot.name, "param");
      this.#bytes.set(memory.subarray(offset, offset + slot.bytes), slot.offset);
    }
    this.#broadcast = version ?? Number.NaN;
    this.#epoch++;
  }

  /** Rows [start, end) of the batch's tensor into the worker's range, packed as a call of end − start entries. */
  #sendShard(
    memory: Uint8Array, slot: SharedSlot, rows: { start: number; end: number }, batch: number, steps: number,
  ): void {
    const { offset } = this.model.placement(slot.name, slot.role);
    const bytes = (rows.end - rows.start) * slot.row;
    for (let t = 0; t < (slot.perStep ? steps : 1); t++) {
      const from = offset + (t * batch + rows.start) * slot.row;
      this.#bytes.set(memory.subarray(from, from + bytes), slot.offset + t * bytes);
    }
  }

  /** Blocks until every worker is ready (or throws what failed). */
  #start(): void {
    for (let k = 0; k < this.#workers.length; k++) {
      const { words } = this.#workers[k]!;
      // Asked only when not yet ready: a browser's main thread may not call Atomics.wait at all.
      if (Atomics.load(words, CONTROL.ready) === 0 && Atomics.wait(words, CONTROL.ready, 0, START_MS) === "timed-out") {
        throw new RnncError(
          `data-parallel worker ${k} did not start within ${START_MS / 1000} s ` +
            "(is its script, rnnc-worker.js, where the trainer looks?)",
        );
      }
      this.#checkStarted(k);
    }
  }

  #waitDone(k: number): void {
    const w = this.#workers[k]!;
    for (let done; (done = Atomics.load(w.words, CONTROL.done)) !== w.requested;) {
      Atomics.wait(w.words, CONTROL.done, done);
    }
  }

  #checkStarted(k: number): void {
    if (this.#workers[k]!.words[CONTROL.ready] === -1) {
      throw new RnncError(`data-parallel worker ${k} could not load the module: ${this.#error(k)}`);
    }
  }

  #checkFailed(k: number, batch?: number): void {
    if (this.#workers[k]!.words[CONTROL.failed] !== 1) return;
    const rows = batch === undefined ? undefined : shardRows(batch, this.workers, k);
    const where = rows ? ` (batch rows ${rows.start}–${rows.end - 1}, numbered from 0 in the message)` : "";
    throw new RnncError(`data-parallel worker ${k}${where} failed: ${this.#error(k)}`);
  }

  #error(k: number): string {
    const n = this.#workers[k]!.words[CONTROL.errorBytes]!;
    return new TextDecoder().decode(new Uint8Array(this.#control, errorOffset(this.workers, k), n).slice());
  }
}

type WaitAsync = (a: Int32Array, index: number, value: number) => { async: boolean; value: Promise<unknown> | string };

/** Atomics.waitAsync where the engine has it, else a poll on the next macrotask. */
async function waitAsync(words: Int32Array, index: number, value: number): Promise<void> {
  const wait = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  if (!wait) return new Promise((resolve) => setTimeout(resolve, 0));
  const result = wait(words, index, value);
  if (result.async) await result.value;
}

type NodeProcess = { getBuiltinModule?(id: string): unknown };
type WorkerClass = new (script: URL | string, options?: { type: "module" }) => WorkerHandle;

function defaultSpawn(script: URL | string): WorkerHandle {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const threads = proc?.getBuiltinModule?.("node:worker_threads") as { Worker: WorkerClass } | undefined;
  if (threads) {
    // A missing script would fail in the worker, unseen by a host blocked in Atomics.wait: say so here.
    const fs = proc!.getBuiltinModule!("node:fs") as { existsSync(path: URL | string): boolean };
    if (!fs.existsSync(script)) {
      throw new RnncError(
        `the data-parallel worker script ${String(script)} does not exist; pass its URL as the script option`,
      );
    }
    return new threads.Worker(script);
  }
  const Web = (globalThis as { Worker?: WorkerClass }).Worker;
  if (typeof Web !== "function") {
    throw new RnncError(
      "this host has no workers (neither Node's worker_threads nor a Worker class): pass a spawn function",
    );
  }
  return new Web(script, { type: "module" });
}
