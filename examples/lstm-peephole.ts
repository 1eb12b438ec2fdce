// LSTM with diagonal peephole connections (Gers & Schmidhuber 2000), in the
// ONNX LSTM convention: the input and forget gates look at the previous cell
// c(t-1), the output gate at the new cell c(t). The peepholes pi, pf, po are
// vectors (one weight per unit), so `p * c` is elementwise.
//   i  = σ(Wi x + Ui h + pi ⊙ c  + bi)
//   f  = σ(Wf x + Uf h + pf ⊙ c  + bf)
//   g  = tanh(Wg x + Ug h + bg)
//   c' = f ⊙ c + i ⊙ g
//   o  = σ(Wo x + Uo h + po ⊙ c' + bo)
//   h' = o ⊙ tanh(c')
// The output is h, the first state.
import { cell, sigmoid, tanh } from "rnnc";

export const lstmPeephole = cell({
  input: { x: "I" },
  state: { h: "H", c: "H" },
  params: {
    Wi: ["H", "I"], Ui: ["H", "H"], pi: ["H"], bi: ["H"],
    Wf: ["H", "I"], Uf: ["H", "H"], pf: ["H"], bf: ["H"],
    Wg: ["H", "I"], Ug: ["H", "H"], bg: ["H"],
    Wo: ["H", "I"], Uo: ["H", "H"], po: ["H"], bo: ["H"],
  },
  step: ({ x, h, c, Wi, Ui, pi, bi, Wf, Uf, pf, bf, Wg, Ug, bg, Wo, Uo, po, bo }) => {
    const i = sigmoid(Wi * x + Ui * h + pi * c + bi);
    const f = sigmoid(Wf * x + Uf * h + pf * c + bf);
    const g = tanh(Wg * x + Ug * h + bg);
    const cNext = f * c + i * g;
    const o = sigmoid(Wo * x + Uo * h + po * cNext + bo);
    return { h: o * tanh(cNext), c: cNext };
  },
});
