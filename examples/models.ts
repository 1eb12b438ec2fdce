// Models: cells composed into one module, with gradients through all of it.
// Layers stack in order; bidirectional(...) runs a second copy of the cell
// over each sequence reversed (its valid prefix only) and merges the two
// directions by concat or sum; a dense readout maps every step's output.
import { bidirectional, dense, layer, model } from "rnnc";
import { gru } from "./gru.js";
import { lstm } from "./lstm.js";

/** A deep (two-layer) LSTM; the second layer has its own hidden size H2. */
export const deepLstm = model({
  input: { x: "I" },
  layers: [lstm, layer(lstm, { H: "H2" })],
  readout: dense("O"),
});

/** Two bidirectional LSTM layers (concat, then sum) and a sigmoid readout. */
export const biLstm = model({
  input: { x: "I" },
  layers: [bidirectional(lstm), bidirectional(lstm, "sum")],
  readout: dense("O", "sigmoid"),
});

/** Different cells per layer: a GRU under a bidirectional LSTM. */
export const gruUnderBiLstm = model({
  input: { x: "I" },
  layers: [layer(gru, { H: "G" }), bidirectional(lstm, "sum")],
});
