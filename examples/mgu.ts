// Minimal gated unit (Zhou, Wu, Zhang & Zhou 2016): a GRU with one gate. The
// forget gate f decides both how much of the old state the candidate sees and
// how much of the old state is kept:
//   f  = σ(Wf x + Uf h + bf)
//   n  = tanh(Wn x + Un (f ⊙ h) + bn)
//   h' = (1 − f) ⊙ h + f ⊙ n
// Convention of the paper: f is the share of the NEW candidate (like z in
// examples/gru.ts).
import { cell, sigmoid, tanh } from "rnnc";

export const mgu = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: {
    Wf: ["H", "I"], Uf: ["H", "H"], bf: ["H"],
    Wn: ["H", "I"], Un: ["H", "H"], bn: ["H"],
  },
  step: ({ x, h, Wf, Uf, bf, Wn, Un, bn }) => {
    const f = sigmoid(Wf * x + Uf * h + bf);
    const n = tanh(Wn * x + Un * (f * h) + bn);
    return { h: (1 - f) * h + f * n };
  },
});
