// sLSTM, the scalar-memory cell of xLSTM (Beck, Pöppel, Spanring, Auer, Prudnikova, Kopp, Klambauer,
// Brandstetter & Hochreiter 2024, "xLSTM: Extended Long Short-Term Memory", §2.2). An LSTM whose
// input gate is exponential, so that one input can outweigh everything stored before it; a
// normaliser n sums the gate weights the cell c has taken in, and a stabiliser m keeps the
// exponentials in range (the paper's stabilised form):
//   z  = tanh(Wz x + Rz h + bz)                cell input
//   ĩ  = Wi x + Ri h + bi                      log i: the input gate is i = exp(ĩ)
//   f̃  = Wf x + Rf h + bf                      f = σ(f̃), so log f = logσ(f̃)
//   o  = σ(Wo x + Ro h + bo)
//   m' = max(log f + m, ĩ)                     elementwise
//   i' = exp(ĩ − m'),  f' = exp(log f + m − m')
//   c' = f' ⊙ c + i' ⊙ z
//   n' = f' ⊙ n + i'
//   h' = o ⊙ c' / n'
// m scales c and n alike (c = C·e^−m, n = N·e^−m for the unstabilised C, N), so h, the output,
// does not depend on it: the stabiliser changes no output and no gradient of a loss on outputs.
// Kink: where log f + m = ĩ, max hands the whole derivative to its second argument, ĩ (see the
// kinks table of docs/dsl.md); only the carried states c, n, m see it. n stays positive from
// n = 0, its usual start (xLSTM starts every state at 0), so c'/n' is defined there; a host that
// starts n negative can drive n' through 0.
import { cell, exp, logSigmoid, max, sigmoid, tanh, type Tensor } from "rnnc";

/** The pre-activation of one gate: its input projection, its recurrent projection and its bias. */
const preActivation = (W: Tensor, x: Tensor, R: Tensor, h: Tensor, b: Tensor) => W * x + R * h + b;

export const slstm = cell({
  input: { x: "I" },
  state: { h: "H", c: "H", n: "H", m: "H" },
  params: {
    Wz: ["H", "I"], Rz: ["H", "H"], bz: ["H"],
    Wi: ["H", "I"], Ri: ["H", "H"], bi: ["H"],
    Wf: ["H", "I"], Rf: ["H", "H"], bf: ["H"],
    Wo: ["H", "I"], Ro: ["H", "H"], bo: ["H"],
  },
  step: ({ x, h, c, n, m, Wz, Rz, bz, Wi, Ri, bi, Wf, Rf, bf, Wo, Ro, bo }) => {
    const z = tanh(preActivation(Wz, x, Rz, h, bz));
    const logI = preActivation(Wi, x, Ri, h, bi);
    const logF = logSigmoid(preActivation(Wf, x, Rf, h, bf));
    const o = sigmoid(preActivation(Wo, x, Ro, h, bo));
    const mNext = max(logF + m, logI);
    const iStable = exp(logI - mNext);
    const fStable = exp(logF + m - mNext);
    const cNext = fStable * c + iStable * z;
    const nNext = fStable * n + iStable;
    return { h: o * cNext / nNext, c: cNext, n: nNext, m: mNext };
  },
});
