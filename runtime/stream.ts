// runtime — streaming inference: the state carried from call to call (online
// use: a chat box, a sensor). In: a loaded model and a batch size. Out: the
// outputs of each block of steps. A block of s steps runs as forward(batch, s)
// (split into calls of at most the capacity's steps), after which the final
// states become the next call's initial states; step() is a block of one.
// Every input is checked before anything is written to the module's memory.

import type { TensorEntry } from "./abi.js";
import { RnncError } from "./errors.js";
import type { RnncModel, TensorView } from "./model.js";

/** Inputs of a block by name: [steps, batch, features] values, time-major, packed. */
export type StreamInputs = Readonly<Record<string, ArrayLike<number>>>;

/** Elements of one batch entry at one step: the fixed extents of a [steps, batch, ...] or [batch, ...] shape. */
const rowOf = (entry: TensorEntry) => entry.shape.reduce<number>((n, d) => (typeof d === "number" ? n * d : n), 1);

/** The views a call reads and writes, made once per memory buffer (a grown memory detaches old ones). */
interface Views {
  readonly buffer: ArrayBuffer;
  readonly inputs: readonly TensorView[];
  readonly outputs: readonly TensorView[];
  readonly lengths: TensorView | undefined;
  readonly statesIn: readonly TensorView[];
  readonly statesOut: readonly TensorView[];
}

export class RnncStream {
  readonly #model: RnncModel;
  readonly #batch: number;
  readonly #inputs: readonly TensorEntry[];
  readonly #outputs: readonly TensorEntry[];
  readonly #states: readonly TensorEntry[];
  readonly #lengths: TensorEntry | undefined;
  readonly #initial: readonly Float64Array[];
  #views: Views | undefined;

  constructor(model: RnncModel, batch: number) {
    const reverse = model.tensors().find((t) => t.role === "state_in" && t.name.includes(".bwd."));
    if (reverse) {
      throw new RnncError(`a bidirectional model cannot stream: its reverse direction (${reverse.name}) needs the whole sequence`);
    }
    const most = model.capacity.batch;
    if (!Number.isInteger(batch) || batch < 1 || batch > most) {
      throw new RangeError(`a stream's batch must be an integer in [1, ${most}] (the compiled capacity); got ${batch}`);
    }
    this.#model = model;
    this.#batch = batch;
    this.#inputs = model.tensors().filter((t) => t.role === "input");
    this.#outputs = model.tensors().filter((t) => t.role === "output");
    this.#states = model.tensors().filter((t) => t.role === "state_in");
    this.#lengths = model.tensors().find((t) => t.role === "lengths");
    for (const s of this.#states) model.entry(s.name, "state_out");
    this.#initial = this.#live().statesIn.map((v, i) => Float64Array.from(v.subarray(0, this.#rows(this.#states[i]!))));
  }

  get batch(): number { return this.#batch; }

  /** Elements of one step of a tensor: batch entries times the fixed extents. */
  #rows(entry: TensorEntry): number {
    return this.#batch * rowOf(entry);
  }

  /** Back to the initial states the model held when the stream was made. */
  reset(): void {
    this.#live().statesIn.forEach((view, i) => view.set(this.#initial[i]!));
  }

  /** Runs one step on `inputs` (name → batch × features values); returns each output of that step. */
  step(inputs: StreamInputs): Record<string, TensorView> {
    return this.run(inputs, 1);
  }

  /**
   * Runs `steps` steps on `inputs` (name → [steps, batch, features] values,
   * time-major and packed, as the ABI lays sequences out), continuing from
   * the state the last block left; returns each output as [steps, batch,
   * units]. Blocks longer than the capacity run as several calls.
   */
  run(inputs: StreamInputs, steps: number): Record<string, TensorView> {
    if (!Number.isInteger(steps) || steps < 1) {
      throw new RangeError(`a block needs a positive integer number of steps; got ${steps}`);
    }
    this.#check(inputs, steps);
    const model = this.#model;
    const outputs = this.#live().outputs.map((view, i) => {
      const Type = view.constructor as new (length: number) => TensorView;
      return new Type(steps * this.#rows(this.#outputs[i]!));
    });
    const most = model.capacity.steps;
    for (let t0 = 0; t0 < steps; t0 += most) {
      const n = Math.min(most, steps - t0);
      const views = this.#live();
      this.#inputs.forEach((e, i) => {
        const per = this.#rows(e);
        views.inputs[i]!.set(slice(inputs[e.name]!, t0 * per, (t0 + n) * per));
      });
      views.lengths?.fill(n, 0, this.#batch);
      model.forward(this.#batch, n);
      // The views again: nothing in forward grows memory today, but a view must never outlive its buffer.
      const after = this.#live();
      this.#outputs.forEach((e, i) => {
        const per = this.#rows(e);
        outputs[i]!.set(after.outputs[i]!.subarray(0, n * per), t0 * per);
      });
      after.statesIn.forEach((view, i) => view.set(after.statesOut[i]!.subarray(0, this.#rows(this.#states[i]!))));
    }
    return Object.fromEntries(this.#outputs.map((e, i) => [e.name, outputs[i]!]));
  }

  /** Every input present, of the right length, finite (ids: integers in range); nothing else. */
  #check(inputs: StreamInputs, steps: number): void {
    const expected = this.#inputs.map((e) => `"${e.name}"`).join(", ");
    for (const name of Object.keys(inputs)) {
      if (!this.#inputs.some((e) => e.name === name)) {
        throw new RnncError(`this model has no input "${name}"; its inputs are ${expected}`);
      }
    }
    for (const e of this.#inputs) {
      const data = inputs[e.name];
      if (!data) throw new RnncError(`a block needs a value for input "${e.name}" (inputs: ${expected})`);
      const row = rowOf(e);
      const want = steps * this.#rows(e);
      if (data.length !== want) {
        throw new RnncError(
          `input "${e.name}": got ${data.length} values, expected ${want} = ${steps} steps × batch ${this.#batch} × ${row}`
          + ` ([steps, batch, ${row}], time-major)`,
        );
      }
      const bad = firstBad(e, data);
      if (bad >= 0) {
        const at = `[step ${Math.floor(bad / this.#rows(e))}, batch ${Math.floor(bad / row) % this.#batch}, ${bad % row}]`;
        const what = `input "${e.name}"${at} = ${data[bad]}`;
        if (e.idsBelow === undefined && e.dtype !== "i32") throw new RnncError(`${what} is not a finite number`);
        const range = e.idsBelow === undefined ? "an i32" : `an integer id in [0, ${e.idsBelow}) (or -1 for none)`;
        throw new RangeError(`${what} is not ${range}`);
      }
    }
  }

  #live(): Views {
    const model = this.#model;
    const buffer = model.memory.buffer;
    if (this.#views?.buffer !== buffer) {
      this.#views = {
        buffer,
        inputs: this.#inputs.map((e) => model.tensor(e.name, "input")),
        outputs: this.#outputs.map((e) => model.tensor(e.name, "output")),
        lengths: this.#lengths && model.tensor(this.#lengths.name, "lengths"),
        statesIn: this.#states.map((e) => model.tensor(e.name, "state_in")),
        statesOut: this.#states.map((e) => model.tensor(e.name, "state_out")),
      };
    }
    return this.#views;
  }
}

/** The index of the first value the tensor cannot hold (a float that is not finite, an id outside its table), or -1. */
function firstBad(entry: TensorEntry, data: ArrayLike<number>): number {
  const ids = entry.idsBelow;
  if (entry.dtype !== "i32") {
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
    return -1;
  }
  const [low, high] = ids === undefined ? [-(2 ** 31), 2 ** 31] : [-1, ids];
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < low || v >= high) return i;
  }
  return -1;
}

function slice(data: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (from === 0 && to === data.length) return data;
  if (ArrayBuffer.isView(data)) return (data as unknown as Float64Array).subarray(from, to);
  return Array.prototype.slice.call(data, from, to);
}
