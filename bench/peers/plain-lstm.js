// bench/peers — a hand-written LSTM in plain JavaScript (Float32Array loops),
// the baseline a user would write without any library: the input projection
// of all steps as one product before the loop, the recurrent product per
// step, BPTT with the weight gradients as products after the backward loop,
// then SGD. Gates stacked in rnnc's order i, f, g, o: W [4H, I], U [4H, H].
// Loss ½·Σ (h − target)², as rnnc's. The input gradient is not computed.
// `initial` is the state h_0, c_0 the forward pass starts from (zero unless
// a host streaming step by step writes the last step's state there).

import { addColumnSums, fillRows, gemmNN, gemmNT, gemmTN, sgdUpdate, sigmoid } from "./plain-kernels.js";

export function plainLstm({ I, H, B, T }) {
  const G = 4 * H;
  const W = new Float32Array(G * I), U = new Float32Array(G * H), b = new Float32Array(G);
  const dW = new Float32Array(G * I), dU = new Float32Array(G * H), db = new Float32Array(G);
  const act = new Float32Array(T * B * G);        // gate activations per step (the tape)
  const hs = new Float32Array((T + 1) * B * H);   // h_0 = 0, then h_1 … h_T
  const cs = new Float32Array((T + 1) * B * H);
  const tc = new Float32Array(T * B * H);         // tanh(c_t)
  const dA = new Float32Array(T * B * G);         // adjoints of the gate pre-activations
  const dh = new Float32Array(B * H), dc = new Float32Array(B * H);

  function forward(x, target) {
    fillRows(act, T * B, G, b);
    gemmNT(T * B, G, I, x, 0, I, W, 0, I, act, 0, G);
    let loss = 0;
    for (let t = 0; t < T; t++) {
      const a0 = t * B * G, h0 = t * B * H, h1 = (t + 1) * B * H;
      gemmNT(B, G, H, hs, h0, H, U, 0, H, act, a0, G);
      for (let bb = 0; bb < B; bb++) {
        const a = a0 + bb * G;
        for (let j = 0; j < H; j++) {
          const i = sigmoid(act[a + j]), f = sigmoid(act[a + H + j]);
          const g = Math.tanh(act[a + 2 * H + j]), o = sigmoid(act[a + 3 * H + j]);
          act[a + j] = i; act[a + H + j] = f; act[a + 2 * H + j] = g; act[a + 3 * H + j] = o;
          const k = bb * H + j;
          const c = f * cs[h0 + k] + i * g;
          cs[h1 + k] = c;
          const tanhC = Math.tanh(c);
          tc[h0 + k] = tanhC;
          const h = o * tanhC;
          hs[h1 + k] = h;
          if (target) { const e = h - target[h0 + k]; loss += 0.5 * e * e; }
        }
      }
    }
    return loss;
  }

  function backward(x, target) {
    dh.fill(0); dc.fill(0); dW.fill(0); dU.fill(0); db.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const a0 = t * B * G, h0 = t * B * H, h1 = (t + 1) * B * H;
      for (let bb = 0; bb < B; bb++) {
        const a = a0 + bb * G;
        for (let j = 0; j < H; j++) {
          const k = bb * H + j;
          const i = act[a + j], f = act[a + H + j], g = act[a + 2 * H + j], o = act[a + 3 * H + j];
          const dhv = dh[k] + hs[h1 + k] - target[h0 + k];
          const tanhC = tc[h0 + k];
          const dcv = dc[k] + dhv * o * (1 - tanhC * tanhC);
          dA[a + j] = dcv * g * i * (1 - i);
          dA[a + H + j] = dcv * cs[h0 + k] * f * (1 - f);
          dA[a + 2 * H + j] = dcv * i * (1 - g * g);
          dA[a + 3 * H + j] = dhv * tanhC * o * (1 - o);
          dc[k] = dcv * f;
        }
      }
      dh.fill(0);
      gemmNN(B, H, G, dA, a0, G, U, 0, H, dh, 0, H);
    }
    gemmTN(G, I, T * B, dA, 0, G, x, 0, I, dW, 0, I);
    gemmTN(G, H, T * B, dA, 0, G, hs, 0, H, dU, 0, H);
    addColumnSums(dA, T * B, G, db);
  }

  return {
    weights: { W, U, b },
    forward: (x) => forward(x, undefined),
    output: () => hs.subarray(B * H),
    initial: { h: hs.subarray(0, B * H), c: cs.subarray(0, B * H) },
    final: () => ({ h: hs.subarray(T * B * H), c: cs.subarray(T * B * H) }),
    trainStep(x, target, lr) {
      const loss = forward(x, target);
      backward(x, target);
      sgdUpdate(W, dW, lr); sgdUpdate(U, dU, lr); sgdUpdate(b, db, lr);
      return loss;
    },
  };
}
