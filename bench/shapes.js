// bench — the benchmark's shapes and how much arithmetic each one is.
// In: nothing. Out: the four shapes of issue 5 and their nominal flop counts.
//
// Flops count only the matrix products, at 2 flops per multiply-add, with the
// same count for every implementation (so GFLOP/s ratios equal time ratios):
//   forward  = 2 · T · B · G·H · (I + H)      G = 4 gates (LSTM), 3 (GRU)
//   training = 3 · forward                     the forward products, plus per
//              product one for the adjoint of its input (dx, dh) and one for
//              its weight gradient (dW, dU); elementwise work is not counted.

import { readFileSync } from "node:fs";

export const shapes = [
  { id: "a", cell: "lstm", I: 64, H: 128, B: 1, T: 64 },
  { id: "b", cell: "lstm", I: 64, H: 128, B: 16, T: 64 },
  { id: "c", cell: "lstm", I: 256, H: 512, B: 32, T: 32 },
  { id: "d", cell: "gru", I: 64, H: 128, B: 16, T: 64 },
];

export const gateCount = { lstm: 4, gru: 3 };

/** compileCell's options for the shape's example cell at its dims and capacity. */
export function shapeBuild(shape) {
  const file = new URL(`../examples/${shape.cell}.ts`, import.meta.url).pathname;
  return {
    file, text: readFileSync(file, "utf8"), dims: { I: shape.I, H: shape.H },
    capacity: { batch: shape.B, steps: shape.T },
  };
}

export function forwardFlops({ cell, I, H, B, T }) {
  return 2 * T * B * gateCount[cell] * H * (I + H);
}

export function trainFlops(shape) {
  return 3 * forwardFlops(shape);
}

export function describeShape({ id, cell, I, H, B, T }) {
  return `(${id}) ${cell.toUpperCase()} I=${I} H=${H} B=${B} T=${T}`;
}

/** The shapes a --shapes list names ("b,c"), in this file's order; throws on an unknown or empty list. */
export function shapesNamed(list) {
  const ids = list.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !shapes.some((s) => s.id === id));
  if (unknown.length > 0 || ids.length === 0) {
    throw new Error(
      `unknown shape ${unknown.join(", ") || "(none)"}; choose from ${shapes.map((s) => s.id).join(", ")}`,
    );
  }
  return shapes.filter((s) => ids.includes(s.id));
}
