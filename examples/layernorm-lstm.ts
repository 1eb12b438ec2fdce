// Layer-normalised LSTM (Ba, Kiros & Hinton 2016, §3.1 and eq. 20–22). Each
// gate's pre-activation is normalised over its H units, and so is the cell
// before the output tanh:
//   ln(v; γ, β) = γ ⊙ (v − mean(v)) / sqrt(mean((v − mean(v))²) + 1e-5) + β
//   i  = σ(ln(Wi x + Ui h; γi, βi))      f = σ(ln(Wf x + Uf h; γf, βf))
//   g  = tanh(ln(Wg x + Ug h; γg, βg))   o = σ(ln(Wo x + Uo h; γo, βo))
//   c' = f ⊙ c + i ⊙ g
//   h' = o ⊙ tanh(ln(c'; γc, βc))
// The shift β of each normalisation is the gate's bias, so the gates have no
// other. Convention: the paper's — the state keeps the unnormalised c'
// (TF Addons' LayerNormLSTMCell stores ln(c') instead). The normalisation is
// a helper function, inlined at each of its five calls when rnnc reads the
// file (the module is the one the equations written out give). The output is h.
import { cell, mean, sigmoid, sqrt, tanh, type Tensor } from "rnnc";

/** ln(v; gain, shift): v normalised over its elements, scaled and shifted elementwise. */
function ln(v: Tensor, gain: Tensor, shift: Tensor): Tensor {
  const d = v - mean(v);
  return gain * d / sqrt(mean(d * d) + 1e-5) + shift;
}

export const layernormLstm = cell({
  input: { x: "I" },
  state: { h: "H", c: "H" },
  params: {
    Wi: ["H", "I"], Ui: ["H", "H"], gi: ["H"], bi: ["H"],
    Wf: ["H", "I"], Uf: ["H", "H"], gf: ["H"], bf: ["H"],
    Wg: ["H", "I"], Ug: ["H", "H"], gg: ["H"], bg: ["H"],
    Wo: ["H", "I"], Uo: ["H", "H"], go: ["H"], bo: ["H"],
    gc: ["H"], bc: ["H"],
  },
  step: ({ x, h, c, Wi, Ui, gi, bi, Wf, Uf, gf, bf, Wg, Ug, gg, bg, Wo, Uo, go, bo, gc, bc }) => {
    const i = sigmoid(ln(Wi * x + Ui * h, gi, bi));
    const f = sigmoid(ln(Wf * x + Uf * h, gf, bf));
    const g = tanh(ln(Wg * x + Ug * h, gg, bg));
    const o = sigmoid(ln(Wo * x + Uo * h, go, bo));
    const cNext = f * c + i * g;
    return { h: o * tanh(ln(cNext, gc, bc)), c: cNext };
  },
});
