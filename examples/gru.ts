// Gated recurrent unit (Cho et al. 2014), reset applied before the recurrent
// product: n = tanh(Wh x + Uh (r * h) + bh), h' = (1 - z) * h + z * n.
import { cell, sigmoid, tanh } from "rnnc";

export const gru = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: {
    Wz: ["H", "I"], Uz: ["H", "H"], bz: ["H"],
    Wr: ["H", "I"], Ur: ["H", "H"], br: ["H"],
    Wh: ["H", "I"], Uh: ["H", "H"], bh: ["H"],
  },
  step: ({ x, h, Wz, Uz, bz, Wr, Ur, br, Wh, Uh, bh }) => {
    const z = sigmoid(Wz * x + Uz * h + bz);
    const r = sigmoid(Wr * x + Ur * h + br);
    const n = tanh(Wh * x + Uh * (r * h) + bh);
    return { h: (1 - z) * h + z * n };
  },
});
