// Jordan network: the hidden layer reads the previous OUTPUT y(t-1), not the
// previous hidden state. The output is fed back, so it is the cell's state.
//   h(t) = sigmoid(W x(t) + U y(t-1) + b),  y(t) = sigmoid(V h(t) + c)
import { cell, sigmoid } from "rnnc";

export const jordan = cell({
  input: { x: "I" },
  state: { y: "O" },
  params: { W: ["H", "I"], U: ["H", "O"], b: ["H"], V: ["O", "H"], c: ["O"] },
  step: ({ x, y, W, U, b, V, c }) => {
    const h = sigmoid(W * x + U * y + b);
    return { y: sigmoid(V * h + c) };
  },
});
