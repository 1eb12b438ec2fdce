// Models for vector sequences (examples/sequences/generate.js; docs/training.md): an Elman layer
// read out by a dense layer, for regression (O outputs) and for classes (C of them); a model
// without a readout; and the plain cell, which rnnc train can train on its own state.
import { cell, dense, model, tanh } from "rnnc";

export const elman = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], U: ["H", "H"], b: ["H"] },
  step: ({ x, h, W, U, b }) => ({ h: tanh(W * x + U * h + b) }),
});

export const regressor = model({
  input: { x: "I" },
  layers: [elman],
  readout: dense("O"),
});

export const classifier = model({
  input: { x: "I" },
  layers: [elman],
  readout: dense("C"),
});

export const noReadout = model({
  input: { x: "I" },
  layers: [elman],
});
