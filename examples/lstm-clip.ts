// LSTM with cell clipping (the cell_clip of TF's LSTMCell and ONNX's `clip`
// attribute): the new cell is clipped to [−3, 3] before it is stored and
// before the output tanh reads it, which bounds the state on long sequences.
//   i  = σ(Wi x + Ui h + bi),  f = σ(Wf x + Uf h + bf)
//   g  = tanh(Wg x + Ug h + bg),  o = σ(Wo x + Uo h + bo)
//   c' = clip(f ⊙ c + i ⊙ g, −3, 3)
//   h' = o ⊙ tanh(c')
// Where the clip is active the gradient through c' is 0 (the derivative of
// the flat side), as in every framework. The output is h, the first state.
import { cell, clip, sigmoid, tanh } from "rnnc";

export const lstmClip = cell({
  input: { x: "I" },
  state: { h: "H", c: "H" },
  params: {
    Wi: ["H", "I"], Ui: ["H", "H"], bi: ["H"],
    Wf: ["H", "I"], Uf: ["H", "H"], bf: ["H"],
    Wg: ["H", "I"], Ug: ["H", "H"], bg: ["H"],
    Wo: ["H", "I"], Uo: ["H", "H"], bo: ["H"],
  },
  step: ({ x, h, c, Wi, Ui, bi, Wf, Uf, bf, Wg, Ug, bg, Wo, Uo, bo }) => {
    const i = sigmoid(Wi * x + Ui * h + bi);
    const f = sigmoid(Wf * x + Uf * h + bf);
    const g = tanh(Wg * x + Ug * h + bg);
    const o = sigmoid(Wo * x + Uo * h + bo);
    const cNext = clip(f * c + i * g, -3, 3);
    return { h: o * tanh(cNext), c: cNext };
  },
});
