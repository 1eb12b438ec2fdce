// Multiplicative-integration RNN (Wu, Zhang, Zhang, Bengio & Salakhutdinov 2016, "On Multiplicative
// Integration with Recurrent Neural Networks", §2, the general form): an Elman network whose input
// and recurrent projections are also multiplied elementwise, so that the input rescales how the
// state is read, with learned gains on the product term and on each first-order term:
//   h' = tanh(α ⊙ Wx ⊙ Uh + β₁ ⊙ Uh + β₂ ⊙ Wx + b)
// With α = 0 and β₁ = β₂ = 1 it is the Elman network (examples/elman.ts). α, β₁ and β₂ start at 1
// here (the declared inits), so training starts from Elman's sum plus the product term.
import { cell, tanh } from "rnnc";

export const miRnn = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: {
    W: ["H", "I"], U: ["H", "H"], b: ["H"],
    alpha: { shape: ["H"], init: 1 },
    beta1: { shape: ["H"], init: 1 },
    beta2: { shape: ["H"], init: 1 },
  },
  step: ({ x, h, W, U, b, alpha, beta1, beta2 }) => {
    const wx = W * x;
    const uh = U * h;
    return { h: tanh(alpha * wx * uh + beta1 * uh + beta2 * wx + b) };
  },
});
