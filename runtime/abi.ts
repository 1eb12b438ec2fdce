// runtime — the module ABI, versions 1 to 3: its types, a validating parser
// for the JSON in the `rnnc` custom section, and the arithmetic (element
// types, offsets and region sizes at a capacity, live shapes) that every host
// needs. See docs/abi.md.

import { RnncAbiError } from "./errors.js";
import { decodeUtf8 } from "./utf8.js";
import { INT8_BLOCKS, int8Bytes } from "./quantize.js";

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

/** Reads the ABI of a compiled module from its `rnnc` custom section. */
export function readAbiSection(module: WebAssembly.Module): Abi {
  const sections = WebAssembly.Module.customSections(module, "rnnc");
  if (sections.length === 0) {
    throw new RnncAbiError('module has no "rnnc" custom section; was it generated by rnnc?');
  }
  if (sections.length > 1) {
    throw new RnncAbiError(`module has ${sections.length} "rnnc" custom sections; expected exactly one`);
  }
  let text: string;
  try {
    text = decodeUtf8(new Uint8Array(sections[0]!));
  } catch {
    throw new RnncAbiError('the "rnnc" custom section is not valid UTF-8');
  }
  return parseAbi(text);
}

/** Parses and validates ABI JSON of versions 1 to 3; the result holds only the fields of its version. */
export function parseAbi(json: string): Abi {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new RnncAbiError(`ABI is not valid JSON: ${(e as Error).message}`);
  }
  const root = object(raw, "ABI");
  if (!("abi" in root)) throw new RnncAbiError('ABI: missing field "abi" (the ABI version)');
  const version = root.abi;
  if (!(ABI_VERSIONS as readonly unknown[]).includes(version)) {
    throw new RnncAbiError(
      `unsupported ABI version ${JSON.stringify(version)}; this runtime reads versions ${ABI_VERSIONS.join(", ")}`,
    );
  }
  const abiVersion = version as AbiVersion;
  const dtype = oneOf(field(root, "dtype", "ABI"), ["f32", "f64"] as const, "ABI.dtype");
  const simd = field(root, "simd", "ABI");
  if (typeof simd !== "boolean") throw new RnncAbiError("ABI.simd: expected a boolean");
  const relaxed = "relaxedSimd" in root ? root.relaxedSimd : undefined;
  if (relaxed !== undefined && relaxed !== true) throw new RnncAbiError("ABI.relaxedSimd: expected true or no field");
  const quantize = "quantize" in root ? oneOf(root.quantize, ["int8"] as const, "ABI.quantize") : undefined;

  const rawDims = object(field(root, "dims", "ABI"), "ABI.dims");
  // No prototype: a dimension may be named "__proto__" or "valueOf".
  const dims = Object.create(null) as Record<string, number>;
  for (const [k, v] of Object.entries(rawDims)) dims[k] = integer(v, `ABI.dims.${k}`, 1);

  const rawCapacity = object(field(root, "capacity", "ABI"), "ABI.capacity");
  const capacity: CallSize = {
    batch: integer(field(rawCapacity, "batch", "ABI.capacity"), "ABI.capacity.batch", 1),
    steps: integer(field(rawCapacity, "steps", "ABI.capacity"), "ABI.capacity.steps", 1),
  };

  const memory = abiVersion >= 2
    ? { memory: offsetForm(field(root, "memory", "ABI"), "ABI.memory", 1, abiVersion) }
    : {};

  const loss = field(root, "loss", "ABI");
  if (typeof loss !== "string" || loss === "")
    throw new RnncAbiError('ABI.loss: expected a string such as "mse" or "none"');

  const rawTensors = field(root, "tensors", "ABI");
  if (!Array.isArray(rawTensors)) throw new RnncAbiError("ABI.tensors: expected an array");
  const tensors = rawTensors.map((t, i) => parseTensor(t, `ABI.tensors[${i}]`, dtype, abiVersion));
  const seen = new Set<string>();
  for (const t of tensors) {
    const key = `${t.role}\u0000${t.name}`;
    if (seen.has(key)) throw new RnncAbiError(`ABI.tensors: ${describeTensor(t)} appears twice`);
    seen.add(key);
  }
  checkQuantized(tensors, quantize);
  if (tensors.filter((t) => t.role === "param_version").length > 1) {
    throw new RnncAbiError("ABI.tensors: more than one param_version tensor; a module has at most one");
  }

  const rawFunctions = object(field(root, "functions", "ABI"), "ABI.functions");
  const functions: Record<string, readonly string[]> = {};
  for (const [fn, params] of Object.entries(rawFunctions)) {
    const where = `ABI.functions.${fn}`;
    if (!Array.isArray(params) || !params.every((p): p is string => typeof p === "string")) {
      throw new RnncAbiError(`${where}: expected an array of parameter names`);
    }
    functions[fn] = [...params];
  }
  if (!("forward" in functions)) throw new RnncAbiError('ABI.functions: missing "forward"');
  if (abiVersion >= 2 && !("layout" in functions)) {
    throw new RnncAbiError(`ABI.functions: missing "layout", which every version ${abiVersion} module has`);
  }

  const causal = "causal" in root ? root.causal : undefined;
  if (causal !== undefined && typeof causal !== "boolean") throw new RnncAbiError("ABI.causal: expected true or false");
  const name = typeof root.name === "string" ? { name: root.name } : {};
  const optimizer = typeof root.optimizer === "object" && root.optimizer !== null
    ? { optimizer: root.optimizer as Readonly<Record<string, unknown>> }
    : {};
  return {
    abi: abiVersion, ...name, dtype, simd, ...(relaxed ? { relaxedSimd: true } : {}), ...(quantize ? { quantize } : {}),
    ...(causal === undefined ? {} : { causal }),
    dims, capacity, ...memory, loss, tensors, functions, ...optimizer,
  };
}

/**
 * An int8 tensor is a param matrix [rows, cols] of a module that says `quantize: "int8"`, with exactly
 * one param_scale tensor of its name: f32, shape [rows], one scale per row. A param_scale belongs to one.
 */
function checkQuantized(tensors: readonly TensorEntry[], quantize: "int8" | undefined): void {
  const scales = new Map(tensors.filter((t) => t.role === "param_scale").map((t) => [t.name, t]));
  for (const t of tensors.filter((t) => t.dtype === "i8")) {
    const at = `ABI.tensors: ${describeTensor(t)}`;
    if (quantize !== "int8") throw new RnncAbiError(`${at} says dtype "i8", but the ABI says no quantize: "int8"`);
    if (
      t.role !== "param" || t.shape.length !== 2 || typeof t.shape[0] !== "number" || typeof t.shape[1] !== "number"
    ) {
      throw new RnncAbiError(`${at}: only a param matrix [rows, cols] may have dtype "i8"`);
    }
    const scale = scales.get(t.name);
    if (!scale)
      throw new RnncAbiError(`${at} has dtype "i8" but no param_scale tensor ${t.name} holding its rows' scales`);
    if (scale.dtype !== undefined && scale.dtype !== "f32")
      throw new RnncAbiError(`ABI.tensors: ${describeTensor(scale)} must be f32`);
    if (scale.shape.length !== 1 || scale.shape[0] !== t.shape[0]) {
      throw new RnncAbiError(
        `ABI.tensors: ${describeTensor(scale)} has shape ${JSON.stringify(scale.shape)}, expected [${
          t.shape[0]
        }], one scale per row of ${t.name}`,
      );
    }
    scales.delete(t.name);
  }
  for (const orphan of scales.values())
    throw new RnncAbiError(`ABI.tensors: ${describeTensor(orphan)} scales no int8 param of its name`);
}

const FORM_TERMS = ["base", "batch", "steps", "batchSteps"] as const;

/**
 * An offset form whose every term is a multiple of `align`, so its value is
 * aligned at any capacity; version 3 may add batchSegment.
 */
function offsetForm(raw: unknown, where: string, align: number, version: AbiVersion): OffsetForm {
  const form = object(raw, where);
  const term = (name: string, raw: unknown) => {
    const v = integer(raw, `${where}.${name}`, 0);
    if (v % align !== 0) {
      throw new RnncAbiError(`${where}.${name}: ${v} is not a multiple of ${align}, the size of its elements`);
    }
    return v;
  };
  const [base, batch, steps, batchSteps] = FORM_TERMS.map(
    (name) => term(name, field(form, name, where)),
  ) as [number, number, number, number];
  if (!("batchSegment" in form)) return { base, batch, steps, batchSteps };
  if (version < 3) throw new RnncAbiError(`${where}.batchSegment: a term of version 3 in a version ${version} module`);
  return { base, batch, steps, batchSteps, batchSegment: term("batchSegment", form.batchSegment) };
}

function parseTensor(raw: unknown, where: string, moduleDtype: Dtype, version: AbiVersion): TensorEntry {
  const t = object(raw, where);
  const name = field(t, "name", where);
  if (typeof name !== "string" || name === "") throw new RnncAbiError(`${where}.name: expected a non-empty string`);
  const at = `${where} (${name})`;
  const role = oneOf(field(t, "role", at), [...PUBLIC_ROLES, ...INTERNAL_ROLES], `${at}.role`);
  const rawShape = field(t, "shape", at);
  if (!Array.isArray(rawShape)) throw new RnncAbiError(`${at}.shape: expected an array`);
  const segment = version >= 3 && isInternalRole(role);
  const shape = rawShape.map((d, i): Dim =>
    d === "steps" || d === "batch" || (segment && d === "segment")
      ? d
      : integer(d, `${at}.shape[${i}]`, 0, `or "steps" or "batch"${segment ? ' or "segment"' : ""}`),
  );
  const dtype = "dtype" in t ? oneOf(t.dtype, ["f32", "f64", "i32", "i8"] as const, `${at}.dtype`) : undefined;
  const elementType = dtype ?? moduleDtype;
  const rawOffset = field(t, "offset", at);
  const offset = version >= 2 && typeof rawOffset === "object"
    ? offsetForm(rawOffset, `${at}.offset`, BYTES_PER_ELEMENT[elementType], version)
    : integer(rawOffset, `${at}.offset`, 0, version >= 2 ? "or an offset form { base, batch, steps, batchSteps }" : "");
  if (typeof offset === "number" && offset % BYTES_PER_ELEMENT[elementType] !== 0) {
    throw new RnncAbiError(`${at}.offset: ${offset} is not aligned to its ${elementType} elements`);
  }
  if (role === "lengths" && (elementType !== "i32" || shape.length !== 1 || shape[0] !== "batch")) {
    throw new RnncAbiError(`${at}: a lengths tensor must have dtype "i32" and shape ["batch"]`);
  }
  if (role === "param_version" && (elementType !== "i32" || shape.length !== 0)) {
    throw new RnncAbiError(`${at}: a param_version tensor must have dtype "i32" and shape []`);
  }
  const idsBelow = "idsBelow" in t ? integer(t.idsBelow, `${at}.idsBelow`, 1) : undefined;
  if (idsBelow !== undefined && elementType !== "i32") throw new RnncAbiError(`${at}: idsBelow needs dtype "i32"`);
  const init = "init" in t ? parseInit(t.init, `${at}.init`) : undefined;
  if ("baked" in t && (t.baked !== true || role !== "param"))
    throw new RnncAbiError(`${at}.baked: expected true on a param tensor, or no field`);
  const baked = "baked" in t ? { baked: true as const } : {};
  const blocks = "blocks" in t || dtype === "i8" ? { blocks: int8Blocks(t.blocks, dtype, at) } : {};
  return {
    name, role, shape, offset, ...(dtype === undefined ? {} : { dtype }),
    ...(idsBelow === undefined ? {} : { idsBelow }),
    ...(init === undefined ? {} : { init }), ...baked, ...blocks,
  };
}

/** The layout of an int8 matrix: [4, 2], required on it and refused elsewhere. */
function int8Blocks(v: unknown, dtype: StoredType | undefined, where: string): readonly [number, number] {
  if (dtype !== "i8") throw new RnncAbiError(`${where}.blocks: only an int8 tensor has a block layout`);
  if (!Array.isArray(v) || v.length !== 2 || v[0] !== INT8_BLOCKS[0] || v[1] !== INT8_BLOCKS[1]) {
    throw new RnncAbiError(
      `${where}.blocks: expected [${INT8_BLOCKS.join(", ")}] (blocks of 4 rows × 2 columns), got ${JSON.stringify(v)}`,
    );
  }
  return INT8_BLOCKS;
}

function parseInit(v: unknown, where: string): ParamInit {
  if (typeof v === "string") return oneOf(v, PARAM_INITS, where);
  const o = object(v, where);
  const kind = oneOf(field(o, "kind", where), ["constant", "uniform", "normal"] as const, `${where}.kind`);
  const finite = (key: string) => {
    const x = field(o, key, where);
    if (typeof x !== "number" || !Number.isFinite(x))
      throw new RnncAbiError(`${where}.${key}: expected a finite number, got ${JSON.stringify(x)}`);
    return x;
  };
  if (kind === "constant") return { kind, value: finite("value") };
  if (kind === "uniform") {
    const [low, high] = [finite("low"), finite("high")];
    if (!(low < high)) throw new RnncAbiError(`${where}: expected low < high, got [${low}, ${high}]`);
    return { kind, low, high };
  }
  const [mean, std] = [finite("mean"), finite("std")];
  if (!(std > 0)) throw new RnncAbiError(`${where}.std: expected a positive number, got ${std}`);
  return { kind, mean, std };
}

function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new RnncAbiError(`${where}: expected an object`);
  return v as Record<string, unknown>;
}

function field(obj: Record<string, unknown>, key: string, where: string): unknown {
  if (!(key in obj)) throw new RnncAbiError(`${where}: missing field "${key}"`);
  return obj[key];
}

function integer(v: unknown, where: string, min: number, alternatives = ""): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    const want = min === 0 ? "a non-negative integer" : `an integer >= ${min}`;
    throw new RnncAbiError(
      `${where}: expected ${want}${alternatives ? ` ${alternatives}` : ""}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T {
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw new RnncAbiError(
      `${where}: expected one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}
