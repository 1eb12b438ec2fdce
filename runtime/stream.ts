// runtime — streaming inference: the state carried from call to call (online
// use: a chat box, a sensor). In: a loaded model and a batch size. Out: the
// outputs of each block of steps. A block of s steps runs as forward(batch, s)
// (split into calls of at most the capacity's steps), after which the final
// states become the next call's initial states; step() is a block of one.
// Every input is checked before anything is written to the module's memory.
//
// At batch 1 a step of a small cell takes a fraction of a µs in the module,
// so the host side is kept lean: sizes and views are found once (views again
// only if memory is replaced), and a step allocates only what it returns:
// small outputs are views into shared 8 KiB blocks (OutputPool), and nothing
// at all is allocated given arrays to write the outputs into.

import type { ElementType, TensorEntry } from "./abi.js";
import { RnncError } from "./errors.js";
import type { RnncModel, TensorView } from "./model.js";
import { isCausal } from "./truncated.js";

/** Inputs of a block by name: [steps, batch, features] values, time-major, packed. */
export type StreamInputs = Readonly<Record<string, ArrayLike<number>>>;
/** Arrays to write outputs into by name, [steps, batch, units] each; outputs left out are allocated. */
export type StreamOutputs = Readonly<Record<string, TensorView>>;

/** A tensor the stream reads or writes, with its elements per step (batch entries × fixed extents). */
interface Slot {
  readonly entry: TensorEntry;
  readonly row: number;
  readonly perStep: number;
  readonly type: ArrayType;
}

/**
 * An element type's arrays, by functions that call their constructor
 * directly: V8 inlines `new Float32Array(…)`, but not `new type(…)` through a
 * variable, which costs a few hundred ns.
 */
interface ArrayType {
  readonly bytes: number;
  own(length: number): TensorView;
  view(buffer: ArrayBuffer, offset: number, length: number): TensorView;
}
const arrayTypes: Readonly<Record<"f32" | "f64" | "i32", ArrayType>> = {
  f32: { bytes: 4, own: (n) => new Float32Array(n), view: (b, o, n) => new Float32Array(b, o, n) },
  f64: { bytes: 8, own: (n) => new Float64Array(n), view: (b, o, n) => new Float64Array(b, o, n) },
  i32: { bytes: 4, own: (n) => new Int32Array(n), view: (b, o, n) => new Int32Array(b, o, n) },
};

/**
 * New arrays for outputs. V8 gives every typed array of more than 64 bytes a
 * backing store of its own, about 0.5 µs each: at batch 1 as much as a
 * step's products. Small arrays are therefore views into shared blocks of
 * 8 KiB, as Node's Buffer pool hands out small Buffers: a block is freed
 * once no array in it is reachable.
 */
class OutputPool {
  static readonly blockBytes = 8192;
  static readonly largest = 1024;
  #block = new ArrayBuffer(0);
  #used = 0;

  take(type: ArrayType, length: number): TensorView {
    const bytes = length * type.bytes;
    if (bytes > OutputPool.largest) return type.own(length);
    if (this.#used + bytes > this.#block.byteLength) {
      this.#block = new ArrayBuffer(OutputPool.blockBytes);
      this.#used = 0;
    }
    const array = type.view(this.#block, this.#used, length);
    this.#used += Math.ceil(bytes / 8) * 8;
    return array;
  }
}

/** The views a call reads and writes, made once per memory buffer (a grown memory detaches old ones). */
interface Views {
  /** A byte of memory: length 0 once a grown memory has detached the buffer under every view. */
  readonly probe: Uint8Array;
  readonly inputs: readonly TensorView[];
  readonly outputs: readonly TensorView[];
  /** Each output's first step, what a block of one step copies out. */
  readonly firstSteps: readonly TensorView[];
  readonly lengths: TensorView | undefined;
  /** The live [batch, units] prefix of each state. */
  readonly statesIn: readonly TensorView[];
  readonly statesOut: readonly TensorView[];
}

export class RnncStream {
  readonly #model: RnncModel;
  readonly #batch: number;
  readonly #inputs: readonly Slot[];
  readonly #outputs: readonly Slot[];
  readonly #states: readonly Slot[];
  readonly #lengths: TensorEntry | undefined;
  readonly #initial: readonly Float64Array[];
  #views: Views | undefined;
  readonly #pool = new OutputPool();

  constructor(model: RnncModel, batch: number) {
    if (!isCausal(model)) {
      throw new RnncError(
        "a model with a bidirectional layer cannot stream: its reverse direction reads each sequence from its end " +
          "(the ABI says causal: false)",
      );
    }
    const most = model.capacity.batch;
    if (!Number.isInteger(batch) || batch < 1 || batch > most) {
      throw new RangeError(`a stream's batch must be an integer in [1, ${most}] (the compiled capacity); got ${batch}`);
    }
    const slots = (role: string) => model.tensors().filter((t) => t.role === role).map((entry): Slot => {
      const row = entry.shape.reduce<number>((n, d) => (typeof d === "number" ? n * d : n), 1);
      return { entry, row, perStep: batch * row, type: arrayTypes[(entry.dtype ?? model.dtype) as ElementType] };
    });
    this.#model = model;
    this.#batch = batch;
    this.#inputs = slots("input");
    this.#outputs = slots("output");
    this.#states = slots("state_in");
    this.#lengths = model.tensors().find((t) => t.role === "lengths");
    for (const s of this.#states) model.entry(s.entry.name, "state_out");
    this.#initial = this.#live().statesIn.map((v) => Float64Array.from(v));
  }

  get batch(): number { return this.#batch; }

  /** Back to the initial states the model held when the stream was made. */
  reset(): void {
    this.#live().statesIn.forEach((view, i) => view.set(this.#initial[i]!));
  }

  /**
   * Runs one step on `inputs` (name → batch × features values); returns each
   * output of that step, written into `into` where given.
   */
  step(inputs: StreamInputs, into?: StreamOutputs): Record<string, TensorView> {
    return this.run(inputs, 1, into);
  }

  /**
   * Runs `steps` steps on `inputs` (name → [steps, batch, features] values,
   * time-major and packed, as the ABI lays sequences out), continuing from
   * the state the last block left; returns each output as [steps, batch,
   * units], written into the arrays of `into` where given. Blocks longer than
   * the capacity run as several calls. A returned array of at most 1 KiB is a
   * view into an 8 KiB block shared with other results (see OutputPool): copy
   * it (slice) to keep a few results of very many steps without the blocks.
   */
  run(inputs: StreamInputs, steps: number, into: StreamOutputs = {}): Record<string, TensorView> {
    if (!Number.isInteger(steps) || steps < 1) {
      throw new RangeError(`a block needs a positive integer number of steps; got ${steps}`);
    }
    this.#check(inputs, steps);
    this.#checkInto(into, steps);
    const model = this.#model;
    const outputs = this.#outputs.map((s) => into[s.entry.name] ?? this.#pool.take(s.type, steps * s.perStep));
    const most = model.capacity.steps;
    for (let t0 = 0; t0 < steps; t0 += most) {
      const n = Math.min(most, steps - t0);
      const views = this.#live();
      for (let i = 0; i < this.#inputs.length; i++) {
        const { entry, perStep } = this.#inputs[i]!;
        views.inputs[i]!.set(slice(inputs[entry.name]!, t0 * perStep, (t0 + n) * perStep));
      }
      views.lengths?.fill(n, 0, this.#batch);
      model.forward(this.#batch, n);
      // The views again: forward grows no memory today, but a view must never outlive its buffer.
      const after = this.#live();
      for (let i = 0; i < outputs.length; i++) {
        const live = n === 1 ? after.firstSteps[i]! : after.outputs[i]!.subarray(0, n * this.#outputs[i]!.perStep);
        outputs[i]!.set(live, t0 * this.#outputs[i]!.perStep);
      }
      for (let i = 0; i < after.statesIn.length; i++) after.statesIn[i]!.set(after.statesOut[i]!);
    }
    const result: Record<string, TensorView> = {};
    for (let i = 0; i < outputs.length; i++) result[this.#outputs[i]!.entry.name] = outputs[i]!;
    return result;
  }

  /** Every input present, of the right length, finite (ids: integers in range); nothing else. */
  #check(inputs: StreamInputs, steps: number): void {
    const expected = () => this.#inputs.map((s) => `"${s.entry.name}"`).join(", ");
    for (const name in inputs) {
      if (!this.#inputs.some((s) => s.entry.name === name)) {
        throw new RnncError(`this model has no input "${name}"; its inputs are ${expected()}`);
      }
    }
    for (const { entry, row, perStep } of this.#inputs) {
      const data = inputs[entry.name];
      if (!data) throw new RnncError(`a block needs a value for input "${entry.name}" (inputs: ${expected()})`);
      if (data.length !== steps * perStep) {
        throw new RnncError(
          `input "${entry.name}": got ${data.length} values, expected ${
            steps * perStep
          } = ${steps} steps × batch ${this.#batch}`
          + ` × ${row} ([steps, batch, ${row}], time-major)`,
        );
      }
      const bad = firstBad(entry, data);
      if (bad >= 0) {
        const at = `[step ${Math.floor(bad / perStep)}, batch ${Math.floor(bad / row) % this.#batch}, ${bad % row}]`;
        const what = `input "${entry.name}"${at} = ${data[bad]}`;
        if (entry.dtype !== "i32") throw new RnncError(`${what} is not a finite number`);
        const range = entry.idsBelow === undefined
          ? "an i32"
          : `an integer id in [0, ${entry.idsBelow}) (or -1 for none)`;
        throw new RangeError(`${what} is not ${range}`);
      }
    }
  }

  /** Arrays to write into: outputs of this model, typed arrays of the block's length. */
  #checkInto(into: StreamOutputs, steps: number): void {
    for (const name in into) {
      const slot = this.#outputs.find((s) => s.entry.name === name);
      if (!slot) {
        throw new RnncError(`this model has no output "${name}" to write into; its outputs are ${
          this.#outputs.map((s) => `"${s.entry.name}"`).join(", ")
        }`);
      }
      const array = into[name];
      const want = steps * slot.perStep;
      if (!ArrayBuffer.isView(array) || array instanceof DataView || (array as TensorView).length !== want) {
        const got = ArrayBuffer.isView(array) && !(array instanceof DataView)
          ? `${(array as TensorView).length} values`
          : "not a typed array";
        throw new RnncError(`output "${name}" to write into: ${got}; expected a typed array of ${want} = ${
          steps
        } steps × batch ${this.#batch} × ${slot.row}`);
      }
    }
  }

  #live(): Views {
    const model = this.#model;
    // Cheaper than comparing memory.buffer, which V8 answers through its C++ API.
    if (this.#views === undefined || this.#views.probe.length === 0) {
      const buffer = model.memory.buffer;
      const whole = (s: Slot) => model.tensor(s.entry.name, s.entry.role);
      const outputs = this.#outputs.map(whole);
      const state = (role: "state_in" | "state_out") => (s: Slot) =>
        model.tensor(s.entry.name, role).subarray(0, s.perStep);
      this.#views = {
        probe: new Uint8Array(buffer, 0, 1),
        inputs: this.#inputs.map(whole),
        outputs,
        firstSteps: outputs.map((view, i) => view.subarray(0, this.#outputs[i]!.perStep)),
        lengths: this.#lengths && model.tensor(this.#lengths.name, "lengths"),
        statesIn: this.#states.map(state("state_in")),
        statesOut: this.#states.map(state("state_out")),
      };
    }
    return this.#views;
  }
}

/** The index of the first value the tensor cannot hold (a float that is not finite, an id outside its table), or -1. */
function firstBad(entry: TensorEntry, data: ArrayLike<number>): number {
  if (entry.dtype !== "i32") {
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
    return -1;
  }
  const [low, high] = entry.idsBelow === undefined ? [-(2 ** 31), 2 ** 31] : [-1, entry.idsBelow];
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
