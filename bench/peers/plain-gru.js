// bench/peers — a hand-written GRU in plain JavaScript, the cell of
// examples/gru.ts (reset before the recurrent product, h' = (1 − z)·h + z·n),
// built like plain-lstm.js. Gates stacked in rnnc's order z, r, h:
// W [3H, I], U [3H, H]. The input gradient is not computed. `initial` is the
// state h_0 the forward pass starts from, as in plain-lstm.js.

import { addColumnSums, fillRows, gemmNN, gemmNT, gemmTN, sgdUpdate, sigmoid } from "./plain-kernels.js";

export function plainGru({ I, H, B, T }) {
  const G = 3 * H;
  const W = new Float32Array(G * I), U = new Float32Array(G * H), b = new Float32Array(G);
  const dW = new Float32Array(G * I), dU = new Float32Array(G * H), db = new Float32Array(G);
  const act = new Float32Array(T * B * G);        // z, r, n per step (the tape)
  const hs = new Float32Array((T + 1) * B * H);   // h_0 = 0, then h_1 … h_T
  const rh = new Float32Array(T * B * H);         // r ⊙ h_{t-1}
  const dA = new Float32Array(T * B * G);
  const dh = new Float32Array(B * H), drh = new Float32Array(B * H);

  function forward(x, target) {
    fillRows(act, T * B, G, b);
    gemmNT(T * B, G, I, x, 0, I, W, 0, I, act, 0, G);
    let loss = 0;
    for (let t = 0; t < T; t++) {
      const a0 = t * B * G, h0 = t * B * H, h1 = (t + 1) * B * H;
      gemmNT(B, 2 * H, H, hs, h0, H, U, 0, H, act, a0, G);
      for (let bb = 0; bb < B; bb++) {
        const a = a0 + bb * G;
        for (let j = 0; j < H; j++) {
          const r = sigmoid(act[a + H + j]);
          act[a + j] = sigmoid(act[a + j]);
          act[a + H + j] = r;
          rh[h0 + bb * H + j] = r * hs[h0 + bb * H + j];
        }
      }
      gemmNT(B, H, H, rh, h0, H, U, 2 * H * H, H, act, a0 + 2 * H, G);
      for (let bb = 0; bb < B; bb++) {
        const a = a0 + bb * G;
        for (let j = 0; j < H; j++) {
          const k = bb * H + j;
          const z = act[a + j], n = Math.tanh(act[a + 2 * H + j]);
          act[a + 2 * H + j] = n;
          const h = (1 - z) * hs[h0 + k] + z * n;
          hs[h1 + k] = h;
          if (target) { const e = h - target[h0 + k]; loss += 0.5 * e * e; }
        }
      }
    }
    return loss;
  }

  function backward(x, target) {
    dh.fill(0); dW.fill(0); dU.fill(0); db.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const a0 = t * B * G, h0 = t * B * H, h1 = (t + 1) * B * H;
      for (let bb = 0; bb < B; bb++) {
        const a = a0 + bb * G;
        for (let j = 0; j < H; j++) {
          const k = bb * H + j;
          const z = act[a + j], n = act[a + 2 * H + j];
          const dhv = dh[k] + hs[h1 + k] - target[h0 + k];
          dA[a + j] = dhv * (n - hs[h0 + k]) * z * (1 - z);
          dA[a + 2 * H + j] = dhv * z * (1 - n * n);
          dh[k] = dhv * (1 - z);
        }
      }
      drh.fill(0);
      gemmNN(B, H, H, dA, a0 + 2 * H, G, U, 2 * H * H, H, drh, 0, H);
      for (let bb = 0; bb < B; bb++) {
        const a = a0 + bb * G;
        for (let j = 0; j < H; j++) {
          const k = bb * H + j;
          const r = act[a + H + j];
          dA[a + H + j] = drh[k] * hs[h0 + k] * r * (1 - r);
          dh[k] += drh[k] * r;
        }
      }
      gemmNN(B, H, 2 * H, dA, a0, G, U, 0, H, dh, 0, H);
    }
    gemmTN(G, I, T * B, dA, 0, G, x, 0, I, dW, 0, I);
    gemmTN(2 * H, H, T * B, dA, 0, G, hs, 0, H, dU, 0, H);
    gemmTN(H, H, T * B, dA, 2 * H, G, rh, 0, H, dU, 2 * H * H, H);
    addColumnSums(dA, T * B, G, db);
  }

  return {
    weights: { W, U, b },
    forward: (x) => forward(x, undefined),
    output: () => hs.subarray(B * H),
    initial: { h: hs.subarray(0, B * H) },
    final: () => ({ h: hs.subarray(T * B * H) }),
    trainStep(x, target, lr) {
      const loss = forward(x, target);
      backward(x, target);
      sgdUpdate(W, dW, lr); sgdUpdate(U, dU, lr); sgdUpdate(b, db, lr);
      return loss;
    },
  };
}
