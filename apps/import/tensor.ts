// apps/import — small operations on the dense tensors of network.ts that the
// readers need to unpack a framework's weights (blocks of rows, transposes,
// sums, slices along the first axis, and IEEE half floats, which ONNX and
// torch both store) and the exporters to pack them again (rows and
// directions stacked). In: Tensors or raw bits. Out: new Tensors or numbers.

import type { Tensor } from "./network.js";

export function tensor(shape: readonly number[], data: ArrayLike<number>): Tensor {
  const count = shape.reduce((n, d) => n * d, 1);
  if (data.length !== count) throw new Error(`tensor: ${data.length} values for shape [${shape.join(", ")}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

export function zeros(shape: readonly number[]): Tensor {
  return tensor(shape, new Float64Array(shape.reduce((n, d) => n * d, 1)));
}

/** Rows [k·n, (k+1)·n) of a matrix or vector: gate k of a packed [G·n, ...] tensor. */
export function rowBlock(t: Tensor, k: number, n: number): Tensor {
  const row = t.shape.slice(1).reduce((a, d) => a * d, 1);
  return tensor([n, ...t.shape.slice(1)], t.data.subarray(k * n * row, (k + 1) * n * row));
}

/** Entry k along the first axis, that axis dropped: direction k of ONNX's [num_directions, ...]. */
export function index0(t: Tensor, k: number): Tensor {
  const size = t.shape.slice(1).reduce((a, d) => a * d, 1);
  return tensor(t.shape.slice(1), t.data.subarray(k * size, (k + 1) * size));
}

/** Tensors of one shape but the first axis, concatenated along it: gate blocks of rows stacked again. */
export function concatRows(parts: readonly Tensor[]): Tensor {
  const data = new Float64Array(parts.reduce((n, p) => n + p.data.length, 0));
  parts.reduce((at, p) => (data.set(p.data, at), at + p.data.length), 0);
  return { shape: [parts.reduce((n, p) => n + p.shape[0]!, 0), ...parts[0]!.shape.slice(1)], data };
}

/** Tensors of one shape stacked along a new first axis: ONNX's num_directions. */
export function stackNew(parts: readonly Tensor[]): Tensor {
  const { shape, data } = concatRows(parts.map((p) => ({ shape: [1, ...p.shape], data: p.data })));
  return { shape, data };
}

export function transpose(t: Tensor): Tensor {
  const [m, n] = t.shape as [number, number];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = t.data[i * n + j]!;
  return { shape: [n, m], data: out };
}

/** Columns [k·n, (k+1)·n) of a matrix: gate k of Keras' [I, G·n] kernels. */
export function columnBlock(t: Tensor, k: number, n: number): Tensor {
  const [m, cols] = t.shape as [number, number];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) out.set(t.data.subarray(i * cols + k * n, i * cols + (k + 1) * n), i * n);
  return { shape: [m, n], data: out };
}

export function add(a: Tensor, b: Tensor): Tensor {
  return { shape: a.shape, data: a.data.map((v, i) => v + b.data[i]!) };
}

export function isZero(t: Tensor): boolean {
  return t.data.every((v) => v === 0);
}

export function sameShape(t: Tensor, shape: readonly number[]): boolean {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
}

export function showShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** IEEE half precision (binary16) bits to a double, exactly. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
