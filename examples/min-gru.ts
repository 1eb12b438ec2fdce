// minGRU (Feng, Tung, Ahmed, Bengio & Hajimirsadeghi 2024, "Were RNNs All We Needed?", §3):
// a GRU whose update gate and candidate read the input alone, with no reset gate and no tanh, so
// that h is a linear recurrence in h (what lets the paper train it with a parallel scan; rnnc runs
// the same equations step by step):
//   z  = σ(Wz x + bz)
//   h̃  = Wh x + bh
//   h' = (1 − z) ⊙ h + z ⊙ h̃
// Convention of the paper: z is the share of the new candidate (like z in examples/gru.ts).
import { cell, sigmoid } from "rnnc";

export const minGru = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { Wz: ["H", "I"], bz: ["H"], Wh: ["H", "I"], bh: ["H"] },
  step: ({ x, h, Wz, bz, Wh, bh }) => {
    const z = sigmoid(Wz * x + bz);
    const candidate = Wh * x + bh;
    return { h: (1 - z) * h + z * candidate };
  },
});
