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
// (TF Addons' LayerNormLSTMCell stores ln(c') instead). The DSL has no helper
// functions, so ln is written out for each gate. The output is h.
import { cell, mean, sigmoid, sqrt, tanh } from "rnnc";

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
    const ai = Wi * x + Ui * h;
    const di = ai - mean(ai);
    const i = sigmoid(gi * di / sqrt(mean(di * di) + 1e-5) + bi);

    const af = Wf * x + Uf * h;
    const df = af - mean(af);
    const f = sigmoid(gf * df / sqrt(mean(df * df) + 1e-5) + bf);

    const ag = Wg * x + Ug * h;
    const dg = ag - mean(ag);
    const g = tanh(gg * dg / sqrt(mean(dg * dg) + 1e-5) + bg);

    const ao = Wo * x + Uo * h;
    const dO = ao - mean(ao);
    const o = sigmoid(go * dO / sqrt(mean(dO * dO) + 1e-5) + bo);

    const cNext = f * c + i * g;
    const dc = cNext - mean(cNext);
    const cNorm = gc * dc / sqrt(mean(dc * dc) + 1e-5) + bc;
    return { h: o * tanh(cNorm), c: cNext };
  },
});
