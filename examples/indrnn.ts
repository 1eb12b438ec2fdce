// Independently recurrent network (IndRNN, Li et al. 2018): each unit feeds
// back only its own previous value, through a recurrent vector u instead of a
// matrix, h = relu(W·x + u ⊙ h + b). u starts at 1, so at initialisation every
// unit carries its value forward unchanged: the declared init says so.
import { cell, relu } from "rnnc";

export const indrnn = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: {
    W: ["H", "I"],
    u: { shape: ["H"], init: 1 },
    b: ["H"],
  },
  step: ({ x, h, W, u, b }) => ({ h: relu(W * x + u * h + b) }),
});
