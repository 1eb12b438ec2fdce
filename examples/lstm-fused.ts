// Long short-term memory in PyTorch's layout (torch.nn.LSTM): one [4H, I]
// matrix for the input and one [4H, H] for the state, each with its bias,
// whose rows are the gates i, f, g, o one after another. The same cell as
// lstm.ts, whose weights are its blocks of rows; a state_dict's weight_ih_l0,
// weight_hh_l0, bias_ih_l0 and bias_hh_l0 are W_ih, W_hh, b_ih and b_hh as
// they are. The output is h, the first state.
import { cell, sigmoid, split, tanh } from "rnnc";

export const lstmFused = cell({
  input: { x: "I" },
  state: { h: "H", c: "H" },
  params: { W_ih: ["4*H", "I"], W_hh: ["4*H", "H"], b_ih: ["4*H"], b_hh: ["4*H"] },
  step: ({ x, h, c, W_ih, W_hh, b_ih, b_hh }) => {
    const [i, f, g, o] = split(W_ih * x + b_ih + W_hh * h + b_hh, "H", "H", "H", "H");
    const cNext = sigmoid(f) * c + sigmoid(i) * tanh(g);
    return { h: sigmoid(o) * tanh(cNext), c: cNext };
  },
});
