// Gated recurrent unit with the reset gate applied AFTER the recurrent
// product, the convention of PyTorch's nn.GRU, cuDNN and Keras' GRU with
// reset_after=True (its default). Input and recurrent projections have
// separate biases (bx*, bh*), because r scales the recurrent one:
//   z  = σ(Wz x + bxz + Uz h + bhz)
//   r  = σ(Wr x + bxr + Ur h + bhr)
//   n  = tanh(Wn x + bxn + r ⊙ (Un h + bhn))
//   h' = (1 − z) ⊙ n + z ⊙ h
// The update follows PyTorch: z is the share of the OLD state kept. (The GRU
// of examples/gru.ts, reset before the product as in Keras reset_after=False
// and TF.js, follows the original paper's h' = (1 − z) ⊙ h + z ⊙ n.)
// Weight layout matches PyTorch's gates split out of weight_ih_l0 [r; z; n]
// and weight_hh_l0, bias_ih_l0 and bias_hh_l0.
import { cell, sigmoid, tanh } from "rnnc";

export const gruResetAfter = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: {
    Wz: ["H", "I"], Uz: ["H", "H"], bxz: ["H"], bhz: ["H"],
    Wr: ["H", "I"], Ur: ["H", "H"], bxr: ["H"], bhr: ["H"],
    Wn: ["H", "I"], Un: ["H", "H"], bxn: ["H"], bhn: ["H"],
  },
  step: ({ x, h, Wz, Uz, bxz, bhz, Wr, Ur, bxr, bhr, Wn, Un, bxn, bhn }) => {
    const z = sigmoid(Wz * x + bxz + Uz * h + bhz);
    const r = sigmoid(Wr * x + bxr + Ur * h + bhr);
    const n = tanh(Wn * x + bxn + r * (Un * h + bhn));
    return { h: (1 - z) * n + z * h };
  },
});
