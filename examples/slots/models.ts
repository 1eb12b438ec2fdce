// Slot-filling models: a left-to-right LSTM tagger (a word's tag may depend on every EARLIER word,
// such as the verb before a city) and a per-token baseline whose layer has no recurrent
// connection, so it cannot tell "leave taipei" from "arrive taipei".
import { cell, dense, model, oneOfN, tanh } from "rnnc";
import { lstm } from "../lstm.js";

/** A layer without recurrence: h depends on the current word only. */
export const perToken = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], b: ["H"] },
  step: ({ x, W, b }) => ({ h: tanh(W * x + b) }),
});

/** Left-to-right LSTM over word embeddings, a tag per word. */
export const slotTagger = model({
  input: { words: oneOfN("V", "E") },
  layers: [lstm],
  readout: dense("C"),
});

/** The same embeddings and readout, one word at a time: the non-recurrent baseline. */
export const tokenTagger = model({
  input: { words: oneOfN("V", "E") },
  layers: [perToken],
  readout: dense("C"),
});
