// spec/runtime — a hand-assembled stand-in for a generated module, so runtime
// tests need no compiler and no Binaryen. In: an ABI object and options.
// Out: wasm bytes with memory, forward/backward(/train_step) and an rnnc section.

import type { Dtype } from "../../runtime/index.js";

/** Byte addresses where the stub functions count their calls. */
export const FORWARD_CALLS = 0;
export const BACKWARD_CALLS = 4;
export const TRAIN_STEP_ARG = 8;

export interface TinyOptions {
  dtype?: Dtype;
  /** The ABI JSON to embed; a string is embedded verbatim. */
  abi: object | string;
  /** Byte offset and row width of the input that forward sums. */
  sumInput?: { offset: number; features: number };
  trainStep?: boolean;
  /** Adds an import of a global, which rnnc modules never have. */
  withImport?: boolean;
  /** Number of extra "rnnc" sections to append (a malformed module). */
  extraSections?: number;
  /** Leaves the rnnc section out. */
  noSection?: boolean;
}

const I32 = 0x7f;
const F64 = 0x7c;

/**
 * forward(batch, steps) sums the first batch*steps*features elements of the
 * input region (the packed live prefix) and bumps a call counter; backward
 * bumps another; train_step(batch, steps, seed) stores seed, returns batch*1000+steps.
 */
export function tinyModule(opts: TinyOptions): Uint8Array<ArrayBuffer> {
  const dtype = opts.dtype ?? "f32";
  const sum = opts.sumInput ?? { offset: 256, features: 3 };
  const types = [functype([I32, I32], [F64]), functype([I32, I32], []), functype([I32, I32, I32], [F64])];
  const funcs = [0, 1, ...(opts.trainStep ? [2] : [])];
  const exports = [
    [...name("memory"), 0x02, 0],
    [...name("forward"), 0x00, 0],
    [...name("backward"), 0x00, 1],
    ...(opts.trainStep ? [[...name("train_step"), 0x00, 2]] : []),
  ];
  const load = dtype === "f32" ? [0x2a, 2, ...uleb(sum.offset), 0xbb] : [0x2b, 3, ...uleb(sum.offset)];
  const forward = [
    0x20, 0, 0x20, 1, 0x6c, 0x41, ...sleb(sum.features), 0x6c, 0x21, 3, // n = batch*steps*features
    0x02, 0x40, 0x03, 0x40, //                                             block loop
    0x20, 2, 0x20, 3, 0x4f, 0x0d, 1, //                                    br_if i >= n
    0x20, 4, 0x20, 2, 0x41, ...sleb(dtype === "f32" ? 2 : 3), 0x74, ...load, 0xa0, 0x21, 4,
    0x20, 2, 0x41, 1, 0x6a, 0x21, 2, 0x0c, 0, //                           i++, continue
    0x0b, 0x0b,
    ...bump(FORWARD_CALLS),
    0x20, 4, 0x0b,
  ];
  const backward = [...bump(BACKWARD_CALLS), 0x0b];
  const trainStep = [
    0x41, ...sleb(TRAIN_STEP_ARG), 0x20, 2, 0x36, 2, 0,
    0x20, 0, 0x41, ...sleb(1000), 0x6c, 0x20, 1, 0x6a, 0xb7, 0x0b,
  ];
  const bodies = [
    body([[2, I32], [1, F64]], forward),
    body([], backward),
    ...(opts.trainStep ? [body([], trainStep)] : []),
  ];
  const abiText = typeof opts.abi === "string" ? opts.abi : JSON.stringify(opts.abi);
  const rnnc = section(0, [...name("rnnc"), ...new TextEncoder().encode(abiText)]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...(opts.withImport ? section(2, vec([[...name("env"), ...name("g"), 0x03, I32, 0x00]])) : []),
    ...section(3, vec(funcs.map((t) => [t]))),
    ...section(5, vec([[0x00, 1]])), // one page, growable
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
    ...(opts.noSection ? [] : rnnc),
    ...Array.from({ length: opts.extraSections ?? 0 }, () => rnnc).flat(),
  ]);
}

/** mem[at] += 1 */
function bump(at: number): number[] {
  return [0x41, 0, 0x41, 0, 0x28, 2, ...uleb(at), 0x41, 1, 0x6a, 0x36, 2, ...uleb(at)];
}

function functype(params: number[], results: number[]): number[] {
  return [0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))];
}

function body(locals: [number, number][], code: number[]): number[] {
  const content = [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...code];
  return [...uleb(content.length), ...content];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/**
 * The ABI of a cell with I = 3, H = 2 and capacity batch 4, steps 5. Offsets
 * are those of an f32 build, doubled for f64 so that regions never overlap.
 */
export function tinyAbi(dtype: Dtype = "f32") {
  const k = dtype === "f32" ? 1 : 2;
  return {
    abi: 1, dtype, simd: false,
    dims: { I: 3, H: 2 },
    capacity: { batch: 4, steps: 5 },
    loss: "mse",
    tensors: [
      { name: "W", role: "param", shape: [2, 3], offset: 64 * k },
      { name: "b", role: "param", shape: [2], offset: 96 * k },
      { name: "W", role: "grad", shape: [2, 3], offset: 128 * k },
      { name: "b", role: "grad", shape: [2], offset: 160 * k },
      { name: "x", role: "input", shape: ["steps", "batch", 3], offset: 256 * k },
      { name: "x", role: "grad", shape: ["steps", "batch", 3], offset: 512 * k },
      { name: "h", role: "state_in", shape: ["batch", 2], offset: 768 * k },
      { name: "h", role: "grad", shape: ["batch", 2], offset: 800 * k },
      { name: "h", role: "state_out", shape: ["batch", 2], offset: 832 * k },
      { name: "y", role: "output", shape: ["steps", "batch", 2], offset: 1024 * k },
      { name: "target", role: "target", shape: ["steps", "batch", 2], offset: 1280 * k },
      { name: "len", role: "lengths", shape: ["batch"], offset: 1536 * k, dtype: "i32" },
      { name: "tape", role: "tape", shape: [100], offset: 2048 * k },
    ] as { name: string; role: string; shape: (number | string)[]; offset: number; dtype?: string }[],
    functions: { forward: ["batch", "steps"], backward: ["batch", "steps"] } as Record<string, string[]>,
  };
}
