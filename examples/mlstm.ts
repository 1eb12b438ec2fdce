// xLSTM's mLSTM (Beck et al. 2024): a matrix memory C written by a rank-1
// update of value and key, C_t = f_t C_{t−1} + i_t v_t k_tᵀ, a normaliser
// n_t = f_t n_{t−1} + i_t k_t, and h_t = o_t ⊙ (C_t q_t) / max(|n_tᵀ q_t|, 1),
// read with the query q_t. The input gate i is a scalar exponential gate, the
// forget gate f a scalar sigmoid gate, the output gate o a vector one; q, k
// and v are projections of the input (the paper's 1/√d on k, d = H here, is
// left to W_k).
// The states are C and n; the output is h.
import { abs, cell, exp, max, outer, sigmoid, sum } from "rnnc";

export const mlstm = cell({
  input: { x: "I" },
  state: { C: ["H", "H"], n: "H" },
  output: { h: "H" },
  params: {
    W_q: ["H", "I"], b_q: ["H"], W_k: ["H", "I"], b_k: ["H"], W_v: ["H", "I"], b_v: ["H"],
    w_i: ["I"], b_i: [], w_f: ["I"], b_f: [], W_o: ["H", "I"], b_o: ["H"],
  },
  step: ({ x, C, n, W_q, b_q, W_k, b_k, W_v, b_v, w_i, b_i, w_f, b_f, W_o, b_o }) => {
    const q = W_q * x + b_q;
    const k = W_k * x + b_k;
    const v = W_v * x + b_v;
    const i = exp(sum(w_i * x) + b_i);
    const f = sigmoid(sum(w_f * x) + b_f);
    const o = sigmoid(W_o * x + b_o);
    const CNext = f * C + i * outer(v, k);
    const nNext = f * n + i * k;
    const h = o * (CNext * q) / max(abs(sum(nNext * q)), 1);
    return { C: CNext, n: nNext, h };
  },
});
