// bench/peers — a hand-written Elman network in plain JavaScript, the cell of
// examples/elman.ts, h' = tanh(W·x + U·h + b), forward only (the streaming
// bench runs no training): the input projection of all steps as one product
// before the loop, the recurrent product per step, as plain-lstm.js does.
// `initial` is the state h_0 the forward pass starts from.

import { fillRows, gemmNT } from "./plain-kernels.js";

export function plainElman({ I, H, B, T }) {
  const W = new Float32Array(H * I), U = new Float32Array(H * H), b = new Float32Array(H);
  const hs = new Float32Array((T + 1) * B * H);   // h_0, then h_1 … h_T

  function forward(x) {
    // Pre-activations of step t go to h_t's row, then become h_t in place.
    fillRows(hs.subarray(B * H), T * B, H, b);
    gemmNT(T * B, H, I, x, 0, I, W, 0, I, hs, B * H, H);
    for (let t = 0; t < T; t++) {
      const h0 = t * B * H, h1 = (t + 1) * B * H;
      gemmNT(B, H, H, hs, h0, H, U, 0, H, hs, h1, H);
      for (let k = 0; k < B * H; k++) hs[h1 + k] = Math.tanh(hs[h1 + k]);
    }
    return 0;
  }

  return {
    weights: { W, U, b },
    forward,
    output: () => hs.subarray(B * H),
    initial: { h: hs.subarray(0, B * H) },
    final: () => ({ h: hs.subarray(T * B * H) }),
  };
}
