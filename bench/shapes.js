// bench — the benchmark's shapes and how much arithmetic each one is.
// In: nothing. Out: the four shapes of issue 5 and their nominal flop counts.
//
// Flops count only the matrix products, at 2 flops per multiply-add, with the
// same count for every implementation (so GFLOP/s ratios equal time ratios):
//   forward  = 2 · T · B · G·H · (I + H)      G = 4 gates (LSTM), 3 (GRU)
//   training = 3 · forward                     the forward products, plus per
//              product one for the adjoint of its input (dx, dh) and one for
//              its weight gradient (dW, dU); elementwise work is not counted.

export const shapes = [
  { id: "a", cell: "lstm", I: 64, H: 128, B: 1, T: 64 },
  { id: "b", cell: "lstm", I: 64, H: 128, B: 16, T: 64 },
  { id: "c", cell: "lstm", I: 256, H: 512, B: 32, T: 32 },
  { id: "d", cell: "gru", I: 64, H: 128, B: 16, T: 64 },
];

export const gateCount = { lstm: 4, gru: 3 };

export function forwardFlops({ cell, I, H, B, T }) {
  return 2 * T * B * gateCount[cell] * H * (I + H);
}

export function trainFlops(shape) {
  return 3 * forwardFlops(shape);
}

export function describeShape({ id, cell, I, H, B, T }) {
  return `(${id}) ${cell.toUpperCase()} I=${I} H=${H} B=${B} T=${T}`;
}
