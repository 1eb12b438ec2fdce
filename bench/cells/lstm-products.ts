// The LSTM's eight matrix products (W·x and U·h of each gate) and nothing else: timed next to
// examples/lstm.ts by bench/profile.js, the products' share of an LSTM's forward pass.
import { cell } from "rnnc";

export const lstmProducts = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: {
    Wi: ["H", "I"], Ui: ["H", "H"], Wf: ["H", "I"], Uf: ["H", "H"],
    Wg: ["H", "I"], Ug: ["H", "H"], Wo: ["H", "I"], Uo: ["H", "H"],
  },
  step: ({ x, h, Wi, Ui, Wf, Uf, Wg, Ug, Wo, Uo }) => ({
    h: (Wi * x + Ui * h) * 0.25 + (Wf * x + Uf * h) * 0.25 + (Wg * x + Ug * h) * 0.25 + (Wo * x + Uo * h) * 0.25,
  }),
});
