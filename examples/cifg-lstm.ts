// Coupled input-forget gate LSTM (CIFG; Greff et al. 2017, "LSTM: A Search
// Space Odyssey"): the forget gate is tied to the input gate, f = 1 − i, so
// the cell forgets exactly as much as it writes. One gate fewer than
// examples/lstm.ts, no peepholes:
//   i  = σ(Wi x + Ui h + bi)
//   g  = tanh(Wg x + Ug h + bg)
//   o  = σ(Wo x + Uo h + bo)
//   c' = (1 − i) ⊙ c + i ⊙ g
//   h' = o ⊙ tanh(c')
// The output is h, the first state.
import { cell, sigmoid, tanh } from "rnnc";

export const cifgLstm = cell({
  input: { x: "I" },
  state: { h: "H", c: "H" },
  params: {
    Wi: ["H", "I"], Ui: ["H", "H"], bi: ["H"],
    Wg: ["H", "I"], Ug: ["H", "H"], bg: ["H"],
    Wo: ["H", "I"], Uo: ["H", "H"], bo: ["H"],
  },
  step: ({ x, h, c, Wi, Ui, bi, Wg, Ug, bg, Wo, Uo, bo }) => {
    const i = sigmoid(Wi * x + Ui * h + bi);
    const f = 1 - i;
    const g = tanh(Wg * x + Ug * h + bg);
    const o = sigmoid(Wo * x + Uo * h + bo);
    const cNext = f * c + i * g;
    return { h: o * tanh(cNext), c: cNext };
  },
});
