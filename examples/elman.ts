// Elman network (simple RNN): the hidden state reads the input and its own
// previous value. h(t) = tanh(W x(t) + U h(t-1) + b)
import { cell, tanh } from "rnnc";

export const elman = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], U: ["H", "H"], b: ["H"] },
  step: ({ x, h, W, U, b }) => ({ h: tanh(W * x + U * h + b) }),
});
