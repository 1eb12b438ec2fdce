// minLSTM (Feng, Tung, Ahmed, Bengio & Hajimirsadeghi 2024, "Were RNNs All We Needed?", §3):
// an LSTM reduced to a forget and an input gate that read the input alone, normalised to sum to
// one so that the scale of h does not depend on time, with no output gate, no cell state and no
// tanh:
//   f  = σ(Wf x + bf)        i = σ(Wi x + bi)
//   h̃  = Wh x + bh
//   f' = f / (f + i)         i' = i / (f + i)
//   h' = f' ⊙ h + i' ⊙ h̃
// Both gates lie in (0, 1), so f + i > 0 and the normalisation is always defined.
import { cell, sigmoid } from "rnnc";

export const minLstm = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { Wf: ["H", "I"], bf: ["H"], Wi: ["H", "I"], bi: ["H"], Wh: ["H", "I"], bh: ["H"] },
  step: ({ x, h, Wf, bf, Wi, bi, Wh, bh }) => {
    const f = sigmoid(Wf * x + bf);
    const i = sigmoid(Wi * x + bi);
    const candidate = Wh * x + bh;
    return { h: (f / (f + i)) * h + (i / (f + i)) * candidate };
  },
});
