// runtime — RnncModel: one instantiated rnnc module. In: a compiled module
// (source.ts makes one of bytes, a Response or a URL) and the capacity to lay
// it out at (ABI 2).
// Out: named typed views of its tensors, checked calls of
// forward/backward/train_step, save/load of its parameters (tensor-files.ts), and the parameter
// version that tells the module when its packed copies are stale.

import {
  describeTensor, elementCount, elementTypeOf, isInternalRole,
  resolveShape, type Abi, type CallSize, type Dtype, type ElementType, type Loss, type Role, type TensorEntry,
} from "./abi.js";
import { readAbiSection } from "./abi-parse.js";
import { Int8Params, isInt8 } from "./int8-params.js";
import { RnncAbiError, RnncError } from "./errors.js";
import { checkData } from "./check-data.js";
import { checkedModule, compileSource, toBytes, type ModelSource } from "./source.js";
import { checkRegions } from "./regions.js";
import { chooseCapacity, layoutError, memoryBytes, placeTensors, type Placement } from "./layout.js";
import { callArguments, checkCallSize } from "./call-size.js";
import { loadRole, saveRole, type TensorStore } from "./tensor-files.js";

/** A typed view into the module's memory; its type follows the tensor's dtype. */
export type TensorView = Float32Array | Float64Array | Int32Array;

export type { ModelSource } from "./source.js";
export { checkCallSize } from "./call-size.js";

/** The arguments of a call that takes only batch and steps. */
const NO_ARGS: Readonly<Record<string, number>> = Object.freeze({});

const VIEW_TYPES = { f32: Float32Array, f64: Float64Array, i32: Int32Array } as const;

export interface LoadOptions {
  /**
   * The largest batch and steps a call may use. ABI 2: the module's memory
   * grows to fit it. Left out, the module's default (rnnc compile
   * --batch/--steps): hosts written for ABI 1 keep the capacity they had.
   * ABI 1: at most the capacity it was compiled with.
   */
  readonly capacity?: CallSize;
}

/** Compiles (fetching if given a URL) and instantiates an rnnc module, laid out at the chosen capacity. */
export async function loadModel(source: ModelSource, options: LoadOptions = {}): Promise<RnncModel> {
  const module = checkedModule(await compileSource(source));
  return new RnncModel(module, await WebAssembly.instantiate(module, {}), options);
}

/**
 * loadModel's synchronous twin, for hosts that compile a module and run it at
 * once (the CLI, training, gradient checks, tests): bytes or a compiled module
 * in, the instantiated model out. Browsers compile only small modules
 * synchronously on their main thread; there (not in a worker), use loadModel.
 */
export function instantiateModel(
  source: ArrayBuffer | ArrayBufferView | WebAssembly.Module, options: LoadOptions = {},
): RnncModel {
  const compiled = source instanceof WebAssembly.Module
    ? source
    : new WebAssembly.Module(toBytes(source) as BufferSource);
  const module = checkedModule(compiled);
  return new RnncModel(module, new WebAssembly.Instance(module, {}), options);
}

export class RnncModel {
  readonly abi: Abi;
  readonly #memory: WebAssembly.Memory;
  readonly #capacity: CallSize;
  readonly #places: ReadonlyMap<TensorEntry, Placement>;
  /** The int8 parameters' f32 side (an 8-bit module's set, get and parameter files). */
  readonly #int8: Int8Params;
  #lastForward: CallSize | undefined;
  /** Where the module keeps packed copies of its parameters, the counter that says when they are stale. */
  readonly #paramVersion: TensorEntry | undefined;
  /** What every call checks, found once. */
  readonly #lengths: readonly TensorEntry[];
  readonly #ids: readonly TensorEntry[];
  /** All of memory as i32, re-made when memory grows (see #ints). */
  #i32: Int32Array | undefined;
  /** instance.exports, a getter V8 answers through its C++ API: asked once. */
  readonly #exports: WebAssembly.Exports;

  /**
   * Wraps a module the host instantiated itself, laying it out at the chosen
   * capacity (ABI 2: this calls its layout function); loadModel is the usual way in.
   */
  constructor(readonly module: WebAssembly.Module, readonly instance: WebAssembly.Instance, options: LoadOptions = {}) {
    this.abi = readAbiSection(module);
    this.#exports = instance.exports;
    const memory = this.#exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new RnncAbiError('module does not export its "memory"');
    this.#memory = memory;
    for (const fn of Object.keys(this.abi.functions)) {
      if (typeof instance.exports[fn] !== "function") {
        throw new RnncAbiError(`the ABI lists function "${fn}" but the module does not export it`);
      }
    }
    this.#capacity = chooseCapacity(this.abi, options.capacity);
    if (this.abi.abi >= 2) this.#layOut();
    this.#places = placeTensors(this.abi, this.#capacity);
    checkRegions(this.abi, this.#places);
    this.#int8 = new Int8Params(this.abi, memory, this.#places);
    const available = memory.buffer.byteLength;
    for (const [t, { offset, bytes }] of this.#places) {
      if (offset + bytes > available) {
        const range = `[${offset}, ${offset + bytes})`;
        throw new RnncAbiError(`${describeTensor(t)} needs bytes ${range} but memory has ${available}`);
      }
    }
    this.#lengths = this.abi.tensors.filter((t) => t.role === "lengths");
    this.#ids = this.abi.tensors.filter((t) => t.idsBelow !== undefined);
    this.#paramVersion = this.abi.tensors.find((t) => t.role === "param_version");
    // Version 0 tells the module that no one tracks parameter writes (it repacks on every call); this runtime does.
    if (this.#paramVersion && this.#view(this.#paramVersion, 1)[0] === 0) this.paramsChanged();
  }

  /** Grows the memory to the capacity and points the module's regions there (ABI 2). */
  #layOut(): void {
    const { batch, steps } = this.#capacity;
    const status = (this.instance.exports.layout as (b: number, s: number) => number)(batch, steps);
    const error = layoutError(status, this.#capacity, memoryBytes(this.abi, this.#capacity));
    if (error) throw error;
  }

  get dtype(): Dtype { return this.abi.dtype; }
  /** The largest batch and steps a call may use: the capacity chosen at load time. */
  get capacity(): CallSize { return this.#capacity; }
  get dims(): Readonly<Record<string, number>> { return this.abi.dims; }
  get loss(): Loss { return this.abi.loss; }
  get memory(): WebAssembly.Memory { return this.#memory; }

  /** Every tensor a host may read or write (internal tape and scratch left out). */
  tensors(): TensorEntry[] {
    return this.abi.tensors.filter((t) => !isInternalRole(t.role));
  }

  hasFunction(name: string): boolean {
    return name in this.abi.functions;
  }

  /** The ABI entry of a tensor; the role may be left out when the name is unambiguous. */
  entry(name: string, role?: Role): TensorEntry {
    if (role !== undefined && isInternalRole(role)) {
      throw new RnncError(`"${name}" (${role}) is the module's own: hosts never read or write tape or scratch tensors`);
    }
    if (role !== undefined) {
      const found = this.abi.tensors.find((t) => t.name === name && t.role === role);
      if (found) return found;
      const sameName = this.abi.tensors.filter((t) => t.name === name).map(describeTensor);
      const hint = sameName.length > 0 ? `; tensors named "${name}": ${sameName.join(", ")}` : this.#available();
      throw new RnncError(`no tensor "${name}" with role ${role}${hint}`);
    }
    // A param_scale shares its param's name; only its role names it.
    const candidates = this.tensors().filter((t) => t.name === name && t.role !== "param_scale");
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length === 0) throw new RnncError(`no tensor named "${name}"${this.#available()}`);
    const roles = candidates.map((t) => `"${t.role}"`).join(", ");
    throw new RnncError(`tensor name "${name}" is ambiguous; pass one of the roles ${roles}`);
  }

  /** Where the tensor's region is in memory at this model's capacity. */
  placement(name: string, role?: Role): Placement {
    return this.#places.get(this.entry(name, role))!;
  }

  /** Every region at this capacity, the module's own (tape, scratch) too: what a host must leave alone. */
  regions(): Map<TensorEntry, Placement> {
    return new Map(this.#places);
  }

  /**
   * A view of the tensor's whole region, sized for the capacity. A view of a
   * param counts as a write to it (see paramsChanged).
   */
  tensor(name: string, role?: Role): TensorView {
    const entry = this.#writable(this.#plain(this.entry(name, role)));
    return this.#view(entry, elementCount(resolveShape(entry.shape, this.capacity)));
  }

  /** The tensor's shape for a call of the given size (the capacity if none given). */
  shapeOf(name: string, size?: CallSize): number[];
  shapeOf(name: string, role: Role | undefined, size?: CallSize): number[];
  shapeOf(name: string, a?: Role | CallSize, b?: CallSize): number[] {
    const [role, size] = splitRole(a, b);
    if (size) checkCallSize(size, this.capacity);
    return resolveShape(this.entry(name, role).shape, size ?? this.capacity);
  }

  /**
   * The packed live prefix a call with this batch and steps reads or writes.
   * A view of a param counts as a write to it (see paramsChanged).
   */
  view(name: string, size: CallSize): TensorView;
  view(name: string, role: Role | undefined, size: CallSize): TensorView;
  view(name: string, a: Role | CallSize | undefined, b?: CallSize): TensorView {
    const [role, size] = splitRole(a, b);
    if (!size) throw new TypeError("view() needs a { batch, steps } call size");
    const entry = this.#plain(this.entry(name, role));
    const view = this.#live(entry, size); // checks the size before counting a write: a call that throws writes nothing
    this.#writable(entry);
    return view;
  }

  /**
   * Copies `data` to the start of the tensor's region: the whole tensor for a
   * fixed shape, else any number of whole rows (a packed [s, b, ...] prefix).
   */
  set(name: string, data: ArrayLike<number>): void;
  set(name: string, role: Role | undefined, data: ArrayLike<number>): void;
  set(name: string, a: Role | ArrayLike<number> | undefined, b?: ArrayLike<number>): void {
    const [role, data] = splitRole(a, b);
    if (data === undefined) throw new TypeError("set() needs the data to copy");
    const entry = this.entry(name, role);
    if (isInt8(entry)) {
      checkData(entry, "f32", data);
      this.#int8.write(entry, data);
      this.paramsChanged();
      return;
    }
    checkData(entry, elementTypeOf(this.abi, entry) as ElementType, data);
    const region = this.#view(entry, elementCount(resolveShape(entry.shape, this.capacity)));
    const fixed = entry.shape.every((d) => typeof d === "number");
    const row = elementCount(entry.shape.filter((d): d is number => typeof d === "number"));
    if (fixed ? data.length !== region.length : data.length > region.length || data.length % row !== 0) {
      const want = fixed ? `exactly ${region.length}` : `a multiple of ${row}, at most ${region.length}`;
      throw new RnncError(`set ${describeTensor(entry)}: got ${data.length} values, expected ${want}`);
    }
    this.#writable(entry); // only now: a set that throws writes nothing, not even the parameters' version
    region.set(data);
  }

  /** A copy of the tensor: the live prefix for a call size, else the whole region. */
  get(name: string, size?: CallSize): TensorView;
  get(name: string, role: Role | undefined, size?: CallSize): TensorView;
  get(name: string, a?: Role | CallSize, b?: CallSize): TensorView {
    const [role, size] = splitRole(a, b);
    const entry = this.entry(name, role);
    if (isInt8(entry)) return this.#int8.read(entry);
    return this.#live(entry, size ?? this.capacity).slice();
  }

  /** The entry, unless it is an int8 parameter, which has no f32 view. */
  #plain(entry: TensorEntry): TensorEntry {
    if (isInt8(entry)) {
      throw new RnncError(
        `${describeTensor(entry)} is stored in int8 with a scale per row (quantize int8): `
          + "read and write its f32 values with get and set",
      );
    }
    return entry;
  }

  /**
   * Tells the module that its parameters changed: the packed copies of them
   * it keeps between calls (modules with a param_version tensor, docs/abi.md)
   * are rebuilt at its next call. set, loadParams and initParams call it, the
   * module's train_step does the same itself, and taking a view of a param
   * (view, tensor) counts as a write. Call it after writing parameters any
   * other way: through a param view taken before a call and written after
   * it, or straight into memory.
   */
  paramsChanged(): void {
    if (!this.#paramVersion) return;
    const version = this.#view(this.#paramVersion, 1);
    // 0 would mean "untracked": skip it when the counter wraps.
    version[0] = (version[0]! + 1) | 0 || 1;
  }

  /** Runs the sequence and returns its loss (0 for a module with loss "none"). */
  forward(batch: number, steps: number): number {
    const size = this.#checkCall({ batch, steps });
    const loss = Number(this.#invoke("forward", size));
    this.#lastForward = size;
    return loss;
  }

  /** Overwrites every gradient; must follow a forward with the same batch and steps. */
  backward(batch: number, steps: number): void {
    if (!this.hasFunction("backward")) {
      throw new RnncError("this module was compiled for inference (rnnc compile --inference): it has no backward");
    }
    const size = this.#checkCall({ batch, steps });
    const last = this.#lastForward;
    if (!last || last.batch !== batch || last.steps !== steps) {
      const after = last ? `the last forward was forward(${last.batch}, ${last.steps})` : "forward was never called";
      throw new RnncError(`backward(${batch}, ${steps}) must follow forward(${batch}, ${steps}); ${after}`);
    }
    this.#invoke("backward", size);
  }

  /**
   * Runs the module's own training step. Parameters of train_step other than
   * batch and steps (say a learning rate) are taken by name from `args`.
   */
  trainStep(batch: number, steps: number, args: Readonly<Record<string, number>> = {}): number | undefined {
    if (!this.hasFunction("train_step")) {
      throw new RnncError("this module has no train_step; compile it with a training step or use forward and backward");
    }
    const size = this.#checkCall({ batch, steps });
    const result = this.#invoke("train_step", size, args);
    this.#lastForward = size;
    return typeof result === "number" ? result : undefined;
  }

  /**
   * The update of the module's own training step from the gradients in
   * memory, without a forward or backward (apply_update, in modules compiled
   * with an optimizer): clipping and the optimizer's step, as train_step
   * does after its backward. For gradients computed elsewhere and written
   * into the grad tensors, such as the sum over shards of a batch.
   */
  applyUpdate(args: Readonly<Record<string, number>>): void {
    if (!this.hasFunction("apply_update")) {
      const why = this.hasFunction("train_step")
        ? "it was compiled before rnnc had apply_update; compile it again"
        : "compile it with an optimizer";
      throw new RnncError(`this module has no apply_update: ${why}`);
    }
    this.#invoke("apply_update", this.#capacity, args);
  }

  /** All parameters (role param) as a self-describing file. */
  saveParams(): Uint8Array {
    return saveRole(this.#store(), "param");
  }

  /** Loads a file from saveParams; refuses it, writing nothing, unless names and shapes all match. */
  loadParams(file: ArrayBuffer | ArrayBufferView): void {
    loadRole(this.#store(), "param", file);
    this.paramsChanged();
  }

  /**
   * The state of train_step's optimizer (role optimizer: SGD's velocities,
   * Adam's moments and update count) as a file of the parameter format: with
   * saveParams, what a training run needs to resume exactly where it stopped.
   */
  saveOptimizerState(): Uint8Array {
    return saveRole(this.#store(), "optimizer");
  }

  /** Loads a file from saveOptimizerState; refuses it, writing nothing, unless names and shapes all match. */
  loadOptimizerState(file: ArrayBuffer | ArrayBufferView): void {
    loadRole(this.#store(), "optimizer", file);
  }

  /** What tensor-files.ts reads and writes of this model. */
  #store(): TensorStore {
    return {
      abi: this.abi,
      capacity: this.#capacity,
      bytes: (e) => this.#bytes(e),
      int8: this.#int8, // its writes are counted by loadParams
    };
  }

  #live(entry: TensorEntry, size: CallSize): TensorView {
    checkCallSize(size, this.capacity);
    return this.#view(entry, elementCount(resolveShape(entry.shape, size)));
  }

  /** The entry, after counting a view of a param as a write to it. */
  #writable(entry: TensorEntry): TensorEntry {
    if (entry.role === "param") this.paramsChanged();
    return entry;
  }

  // Views are made afresh from memory.buffer: a grown memory detaches old ones.
  #view(entry: TensorEntry, count: number): TensorView {
    const type = elementTypeOf(this.abi, entry) as ElementType;
    return new VIEW_TYPES[type](this.#memory.buffer, this.#places.get(entry)!.offset, count);
  }

  #bytes(entry: TensorEntry): Uint8Array {
    const { offset, bytes } = this.#places.get(entry)!;
    return new Uint8Array(this.#memory.buffer, offset, bytes);
  }

  #checkCall(size: CallSize): CallSize {
    checkCallSize(size, this.capacity);
    // Read through one view of all memory: a call at batch 1 costs well under a µs, and a view per call
    // is a visible part.
    const ints = this.#ints();
    for (const entry of this.#lengths) {
      const at = this.#places.get(entry)!.offset / 4;
      for (let i = 0; i < size.batch; i++) {
        const n = ints[at + i]!;
        if (n < 0 || n > size.steps) {
          throw new RangeError(`${entry.name}[${i}] = ${n} is outside [0, ${size.steps}], the steps of this call`);
        }
      }
    }
    for (const entry of this.#ids) {
      const shape = resolveShape(entry.shape, size);
      const ids = this.#view(entry, elementCount(shape));
      const perStep = elementCount(shape.slice(2));
      ids.forEach((id, i) => {
        if (id < -1 || id >= entry.idsBelow!) {
          const [t, b, k] = [Math.floor(i / (size.batch * perStep)), Math.floor(i / perStep) % size.batch, i % perStep];
          const at = `${entry.name}[step ${t}, batch ${b}, slot ${k}]`;
          throw new RangeError(`${at} = ${id} is outside [0, ${entry.idsBelow}) (or -1 for none)`);
        }
      });
    }
    return { batch: size.batch, steps: size.steps };
  }

  #ints(): Int32Array {
    // A grown memory detaches the old buffer, and every view of it then has length 0; asking memory.buffer is slower.
    if (this.#i32 === undefined || this.#i32.length === 0) this.#i32 = new Int32Array(this.#memory.buffer);
    return this.#i32;
  }

  #invoke(fn: string, size: CallSize, args: Readonly<Record<string, number>> = NO_ARGS): unknown {
    const params = this.abi.functions[fn];
    const exported = this.#exports[fn];
    if (!params || typeof exported !== "function") throw new RnncError(`this module has no function "${fn}"`);
    // forward and backward take (batch, steps) and nothing else: called straight away, without building arguments.
    if (args === NO_ARGS && params.length === 2 && params[0] === "batch" && params[1] === "steps") {
      return (exported as (batch: number, steps: number) => unknown)(size.batch, size.steps);
    }
    return (exported as (...a: number[]) => unknown)(...callArguments(fn, params, size, args));
  }

  #available(): string {
    return `; this module has ${this.tensors().map(describeTensor).join(", ")}`;
  }
}

function splitRole<T>(a: Role | T | undefined, b: T | undefined): [Role | undefined, T | undefined] {
  return typeof a === "string" ? [a as Role, b] : [undefined, (a as T | undefined) ?? b];
}

