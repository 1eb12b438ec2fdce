// Long short-term memory without peepholes (Hochreiter & Schmidhuber; the
// gate layout of PyTorch's nn.LSTM and Keras' LSTM): input, forget and output
// gates, a candidate g, the cell c and the hidden state h. The output is h,
// the first state.
import { cell, sigmoid, tanh } from "rnnc";

export const lstm = cell({
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
    const cNext = f * c + i * g;
    return { h: o * tanh(cNext), c: cNext };
  },
});
