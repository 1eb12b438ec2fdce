// runtime — the module ABI, versions 1 to 3: its types and the arithmetic
// (element types, offsets and region sizes at a capacity, live shapes) that
// every host needs; abi-parse.ts reads and validates the JSON of a module's
// `rnnc` custom section. See docs/abi.md.

import { int8Bytes } from "./quantize.js";

/** The version rnnc writes: the host chooses the capacity when it loads the module. */
export const ABI_VERSION = 2;
/**
 * Every version this runtime reads; version 1 fixes the capacity at compile
 * time; version 3 is version 2 with regions of one checkpoint segment
 * (rnnc compile --checkpoint: the "segment" extent, ⌈√S⌉).
 */
export const ABI_VERSIONS = [1, 2, 3] as const;
export type AbiVersion = (typeof ABI_VERSIONS)[number];

/** Float type of a module's computation. */
export type Dtype = "f32" | "f64";
/** Element type of one tensor: the module's dtype unless the entry says otherwise. */
export type ElementType = Dtype | "i32";
/**
 * What a region stores: an element type, or (a module with `quantize: "int8"`) "i8", a parameter
 * matrix in 8 bits whose rows' f32 scales are the param_scale tensor of its name. The host reads and
 * writes such a parameter as f32 values (docs/quantization.md).
 */
export type StoredType = ElementType | "i8";

export const PUBLIC_ROLES = [
  "param", "grad", "input", "target", "lengths", "output",
  "state_in", "state_out", "grad_output", "grad_state_out", "optimizer", "param_version", "param_scale",
] as const;
/** Roles the module uses for itself; hosts never read or write them. */
export const INTERNAL_ROLES = ["tape", "scratch"] as const;

export type PublicRole = (typeof PUBLIC_ROLES)[number];
export type InternalRole = (typeof INTERNAL_ROLES)[number];
export type Role = PublicRole | InternalRole;

/**
 * A shape entry: a fixed extent, the capacity along the time or batch axis,
 * or (version 3, internal tensors only) the steps of one checkpoint segment:
 * ⌈√S⌉ at a steps capacity S.
 */
export type Dim = number | "steps" | "batch" | "segment";

/**
 * A byte count that depends on the capacity B × S the host chose:
 * base + batch·B + steps·S + batchSteps·B·S (ABI 2: where a region that
 * grows with the capacity starts, and how much memory the module needs),
 * plus batchSegment·B·⌈√S⌉ in version 3.
 */
export interface OffsetForm {
  readonly base: number;
  readonly batch: number;
  readonly steps: number;
  readonly batchSteps: number;
  /** Version 3 only, where nonzero: bytes per batch entry and step of one checkpoint segment. */
  readonly batchSegment?: number;
}

export interface TensorEntry {
  readonly name: string;
  readonly role: Role;
  readonly shape: readonly Dim[];
  /** Byte offset of the region in the exported memory: fixed, or (ABI 2) a form in the capacity. */
  readonly offset: number | OffsetForm;
  readonly dtype?: StoredType;
  /** An i32 input of ids (embedding rows): each must be below this bound, or -1 for none. */
  readonly idsBelow?: number;
  /** How a parameter is best initialised (see initParams). */
  readonly init?: ParamInit;
  /** A parameter whose values the module carries in its data segment (rnnc compile --params). */
  readonly baked?: true;
  /** An int8 matrix's layout: blocks of [4, 2] (rows, columns), the only one (runtime/quantize.ts). */
  readonly blocks?: readonly [number, number];
}

/** Initialisations without arguments: Glorot-uniform, orthogonal, embedding rows (±√(3/cols)), 0, 1. */
export const PARAM_INITS = ["glorot", "orthogonal", "embedding", "zeros", "ones"] as const;
export type NamedInit = (typeof PARAM_INITS)[number];
/**
 * How a parameter starts: declared in the cell file, or else the compiler's
 * hint from how the step uses it. Shared by the compiler and every host.
 */
export type ParamInit =
  | NamedInit
  | { readonly kind: "constant"; readonly value: number }
  | { readonly kind: "uniform"; readonly low: number; readonly high: number }
  | { readonly kind: "normal"; readonly mean: number; readonly std: number };

/** Batch size and number of steps, of one call or of a capacity. */
export interface CallSize {
  readonly batch: number;
  readonly steps: number;
}

/** "mse" and "none" in version 1; other names are reserved for later losses. */
export type Loss = "mse" | "none" | (string & {});

export interface Abi {
  readonly abi: AbiVersion;
  /** The exported name of the compiled cell or model. */
  readonly name?: string;
  /** The optimizer of train_step, where the module has one: { kind: "sgd" | "adam", ... }. */
  readonly optimizer?: Readonly<Record<string, unknown>>;
  readonly dtype: Dtype;
  readonly simd: boolean;
  /** Uses relaxed SIMD (compiled with --relaxed-simd); absent otherwise. */
  readonly relaxedSimd?: boolean;
  /**
   * "int8": parameter matrices stored in 8 bits with f32 row scales (rnnc compile --quantize int8); absent
   * otherwise.
   */
  readonly quantize?: "int8";
  /**
   * Whether each step reads only the input of that step and the state before
   * it (false for a model with a bidirectional layer), so that the sequence
   * can be run a block at a time with the state carried. Absent in version 1.
   */
  readonly causal?: boolean;
  readonly dims: Readonly<Record<string, number>>;
  /** Version 1: the capacity, fixed. Version 2: the default a host without a preference lays the module out at. */
  readonly capacity: CallSize;
  /** Version 2: the bytes of memory the module needs at a capacity (the end of its last region). */
  readonly memory?: OffsetForm;
  readonly loss: Loss;
  readonly tensors: readonly TensorEntry[];
  /** Exported function name → names of its i32 parameters, in order. */
  readonly functions: Readonly<Record<string, readonly string[]>>;
}

/**
 * What `layout(batch, steps)` of a version 2 module returns: 0 when the module
 * now runs calls up to that capacity, else why not (nothing changed then).
 */
export const LAYOUT_STATUS = {
  ok: 0,
  /** batch < 1 (as a signed i32). */
  badBatch: 1,
  /** steps < 1. */
  badSteps: 2,
  /** The regions at this capacity would end past wasm's 4 GiB. */
  tooLarge: 3,
  /** The engine refused to grow the memory (memory.grow returned -1). */
  growRefused: 4,
} as const;

export const BYTES_PER_ELEMENT: Readonly<Record<StoredType, number>> = { f32: 4, f64: 8, i32: 4, i8: 1 };

export function isInternalRole(role: Role): role is InternalRole {
  return (INTERNAL_ROLES as readonly string[]).includes(role);
}

export function elementTypeOf(abi: Abi, entry: TensorEntry): StoredType {
  return entry.dtype ?? abi.dtype;
}

/** The steps of one checkpoint segment for `steps` steps: ⌈√steps⌉ (exact in f64 for every i32). */
export function segmentSteps(steps: number): number {
  return Math.ceil(Math.sqrt(steps));
}

/** Replaces "steps", "batch" and "segment" by the extents of `size`. */
export function resolveShape(shape: readonly Dim[], size: CallSize): number[] {
  return shape.map((d) => (
    d === "steps" ? size.steps : d === "batch" ? size.batch : d === "segment" ? segmentSteps(size.steps) : d
  ));
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** The value of a fixed offset or of an offset form at a capacity. */
export function atCapacity(offset: number | OffsetForm, capacity: CallSize): number {
  if (typeof offset === "number") return offset;
  const { batch, steps } = capacity;
  const segment = offset.batchSegment ? offset.batchSegment * batch * segmentSteps(steps) : 0;
  return offset.base + offset.batch * batch + offset.steps * steps + offset.batchSteps * batch * steps + segment;
}

/** Bytes the module reserves for the tensor at a capacity: its shape with that batch and steps. */
export function regionBytes(abi: Abi, entry: TensorEntry, capacity: CallSize): number {
  if (elementTypeOf(abi, entry) === "i8") return int8Bytes(entry.shape[0] as number, entry.shape[1] as number);
  const count = elementCount(resolveShape(entry.shape, capacity));
  return count * BYTES_PER_ELEMENT[elementTypeOf(abi, entry)];
}

export function describeTensor(entry: TensorEntry): string {
  return `${entry.name} (${entry.role})`;
}
