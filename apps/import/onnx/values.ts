// apps/import/onnx — what a tensor of an ONNX graph is, as the reader follows
// the graph (read.ts): a constant it can compute, a list of sizes (what Shape
// and the glue after it make), a tensor filled with one number (initial
// states from ConstantOfShape), a graph input not yet used, or a sequence
// that the network computes, whose axes the reader tracks by meaning (the
// input's two leading axes, directions, features). In: constants. Out: the
// same constants folded through the shape operators torch.onnx.export emits.

import { ImportError } from "../errors.js";
import type { ConstTensor, OnnxValueInfo } from "./proto.js";

/** A size: a number, or a symbolic one (a dim_param such as "T"). */
export type Size = number | string;

/**
 * An axis of a sequence: a0 and a1 are the input's leading axes (time and
 * batch, in an order the first RNN settles); rows is both of them flattened
 * into one (a Reshape to [steps·batch, features] before a Gemm), and keeps
 * them as its parts so that a Reshape can split them again.
 */
export interface Axis {
  readonly label: "a0" | "a1" | "rows" | "dirs" | "features";
  readonly size: Size;
  readonly parts?: readonly Axis[];
}

/** The part of the readout a sequence has been through: MatMul, then an Add of its bias, then an activation. */
export type Head = "matmul" | "bias" | "activated";

export type Value =
  | { readonly kind: "const"; readonly tensor: ConstTensor }
  | { readonly kind: "sizes"; readonly sizes: readonly Size[]; readonly scalar: boolean }
  | { readonly kind: "fill"; readonly value: number }
  | { readonly kind: "input"; readonly info: OnnxValueInfo }
  | {
      readonly kind: "seq";
      readonly axes: readonly Axis[];
      /** -1 for the network's input, k for the output of layer k. */
      readonly stage: number;
      /** How the directions of a bidirectional layer were joined, once they are. */
      readonly merge?: "concat" | "sum";
      /** One direction of a bidirectional layer's Y, sliced out (tf2onnx joins them again by Concat or Add). */
      readonly direction?: 0 | 1;
      /** The last layer's final h, [batch, units]: each sequence's output at its last step (h_n[-1]). */
      readonly lastStep?: boolean;
      readonly head?: Head;
      /** The graph tensor this sequence came out of, for messages. */
      readonly origin: string;
    }
  /** Final states (Y_h, Y_c), of one layer or concatenated over layers as torch exports h_n. */
  | { readonly kind: "final"; readonly parts: readonly { readonly layer: number; readonly state: "h" | "c" }[] }
  | { readonly kind: "unusable"; readonly why: string };

export type Seq = Extract<Value, { kind: "seq" }>;

export function constant(dims: readonly number[], values: ArrayLike<number>, type: ConstTensor["type"] = "int"): Value {
  return { kind: "const", tensor: { dims, values: Float64Array.from(values), type } };
}

export function describeValue(v: Value): string {
  switch (v.kind) {
    case "const":
      return `a constant [${v.tensor.dims.join(", ")}]`;
    case "sizes":
      return "a list of sizes";
    case "fill":
      return `a tensor filled with ${v.value}`;
    case "input":
      return `the graph input ${v.info.name}`;
    case "seq":
      return (
        `${v.direction === undefined ? "a sequence" : `direction ${v.direction} of a sequence`} ` +
        `[${v.axes.map((a) => a.size).join(", ")}] (from ${v.origin})`
      );
    case "final":
      return `the final state ${v.parts.map((p) => `${p.state} of layer ${p.layer}`).join(", ")}`;
    case "unusable":
      return v.why;
  }
}

/** Normalises a possibly negative axis of a rank-`rank` tensor. */
export function axisOf(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) throw new ImportError(`${where}: axis ${axis} is outside a tensor of rank ${rank}`);
  return a;
}

function strides(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) out[i] = out[i + 1]! * dims[i + 1]!;
  return out;
}

export function transposeConst(t: ConstTensor, perm: readonly number[]): ConstTensor {
  const dims = perm.map((p) => t.dims[p]!);
  const from = strides(t.dims);
  const count = t.values.length;
  const values = new Float64Array(count);
  const index = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = 0;
    for (let d = 0; d < dims.length; d++) at += index[d]! * from[perm[d]!]!;
    values[i] = t.values[at]!;
    for (let d = dims.length - 1; d >= 0 && ++index[d]! === dims[d]; d--) index[d] = 0;
  }
  return { dims, values, type: t.type };
}

/** Entries `indices` along `axis` (Gather). */
export function gatherConst(t: ConstTensor, indices: ConstTensor, axis: number): ConstTensor {
  const outer = t.dims.slice(0, axis).reduce((n, d) => n * d, 1);
  const inner = t.dims.slice(axis + 1).reduce((n, d) => n * d, 1);
  const extent = t.dims[axis]!;
  const picks = [...indices.values].map((i) => (i < 0 ? i + extent : i));
  if (picks.some((i) => !(i >= 0 && i < extent))) throw new ImportError(`Gather index out of range [0, ${extent})`);
  const values = new Float64Array(outer * picks.length * inner);
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (const p of picks) for (let i = 0; i < inner; i++) values[k++] = t.values[(o * extent + p) * inner + i]!;
  return { dims: [...t.dims.slice(0, axis), ...indices.dims, ...t.dims.slice(axis + 1)], values, type: t.type };
}

/** Slice along each of `axes` from starts to ends by steps, clamped as ONNX says. */
export function sliceConst(
  t: ConstTensor,
  starts: readonly number[],
  ends: readonly number[],
  axes: readonly number[],
  steps: readonly number[],
): ConstTensor {
  const ranges = t.dims.map((d) => ({ start: 0, step: 1, count: d }));
  axes.forEach((axis, k) => {
    const d = t.dims[axis]!;
    const step = steps[k] ?? 1;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const start = step > 0 ? clamp(starts[k]!, 0, d) : clamp(starts[k]!, -1, d - 1);
    const end = step > 0 ? clamp(ends[k]!, 0, d) : clamp(ends[k]!, -1, d - 1);
    ranges[axis] = { start, step, count: Math.max(0, Math.ceil((end - start) / step)) };
  });
  const dims = ranges.map((r) => r.count);
  const from = strides(t.dims);
  const count = dims.reduce((n, d) => n * d, 1);
  const values = new Float64Array(count);
  const index = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = 0;
    for (let d = 0; d < dims.length; d++) at += (ranges[d]!.start + index[d]! * ranges[d]!.step) * from[d]!;
    values[i] = t.values[at]!;
    for (let d = dims.length - 1; d >= 0 && ++index[d]! === dims[d]; d--) index[d] = 0;
  }
  return { dims, values, type: t.type };
}

export function concatConst(parts: readonly ConstTensor[], axis: number): ConstTensor {
  const first = parts[0]!;
  const outer = first.dims.slice(0, axis).reduce((n, d) => n * d, 1);
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const size = p.dims.slice(axis).reduce((n, d) => n * d, 1);
      values.push(...p.values.subarray(o * size, (o + 1) * size));
    }
  }
  const dims = [...first.dims];
  dims[axis] = parts.reduce((n, p) => n + p.dims[axis]!, 0);
  return { dims, values: Float64Array.from(values), type: first.type };
}
