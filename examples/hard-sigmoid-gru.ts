// GRU with piecewise-linear gates: hardSigmoid(v) = clip(0.2 v + 0.5, 0, 1),
// the Keras hard_sigmoid (Keras' recurrent_activation="hard_sigmoid", the
// default of Keras 2's GRU), cheaper than σ and exactly 0 or 1 far from 0.
// Reset before the recurrent product and the update of examples/gru.ts
// (Keras reset_after=False / TF.js, the original paper):
//   z  = hardSigmoid(Wz x + Uz h + bz)
//   r  = hardSigmoid(Wr x + Ur h + br)
//   n  = tanh(Wh x + Uh (r ⊙ h) + bh)
//   h' = (1 − z) ⊙ h + z ⊙ n
// Where a gate saturates its gradient is 0, as in Keras.
import { cell, hardSigmoid, tanh } from "rnnc";

export const hardSigmoidGru = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: {
    Wz: ["H", "I"], Uz: ["H", "H"], bz: ["H"],
    Wr: ["H", "I"], Ur: ["H", "H"], br: ["H"],
    Wh: ["H", "I"], Uh: ["H", "H"], bh: ["H"],
  },
  step: ({ x, h, Wz, Uz, bz, Wr, Ur, br, Wh, Uh, bh }) => {
    const z = hardSigmoid(Wz * x + Uz * h + bz);
    const r = hardSigmoid(Wr * x + Ur * h + br);
    const n = tanh(Wh * x + Uh * (r * h) + bh);
    return { h: (1 - z) * h + z * n };
  },
});
