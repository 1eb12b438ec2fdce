// Elman network with an output layer: the hidden state h is carried, the
// output y = sigmoid(V h(t) + c) is read out at every step but not fed back.
import { cell, sigmoid, tanh } from "rnnc";

export const elmanReadout = cell({
  input: { x: "I" },
  state: { h: "H" },
  output: { y: "O" },
  params: { W: ["H", "I"], U: ["H", "H"], b: ["H"], V: ["O", "H"], c: ["O"] },
  step: ({ x, h, W, U, b, V, c }) => {
    const hNext = tanh(W * x + U * h + b);
    return { h: hNext, y: sigmoid(V * hNext + c) };
  },
});
