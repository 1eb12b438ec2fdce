// Slot-filling models for examples/slots: a unidirectional LSTM tagger (each
// word's tag may depend on every EARLIER word, e.g. the verb before a city)
// and a per-token baseline whose layer has no recurrent connection, so it
// sees one word at a time and cannot tell "leave taipei" from "arrive taipei".
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
