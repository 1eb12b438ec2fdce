// Models for training the cells of docs/cell-zoo.md on the tasks of examples/sequences/generate.js:
// each cell new to rnnc, and IndRNN, as the one layer of a classifier read out by a dense layer
// over C classes (the sign task binds C = 2). The cells are the files of examples/, imported as
// they are.
import { dense, model } from "rnnc";
import { indrnn } from "../indrnn.js";
import { miRnn } from "../mi-rnn.js";
import { minGru } from "../min-gru.js";
import { minLstm } from "../min-lstm.js";
import { slstm } from "../slstm.js";

export const slstmClassifier = model({ input: { x: "I" }, layers: [slstm], readout: dense("C") });
export const minGruClassifier = model({ input: { x: "I" }, layers: [minGru], readout: dense("C") });
export const minLstmClassifier = model({ input: { x: "I" }, layers: [minLstm], readout: dense("C") });
export const miRnnClassifier = model({ input: { x: "I" }, layers: [miRnn], readout: dense("C") });
export const indrnnClassifier = model({ input: { x: "I" }, layers: [indrnn], readout: dense("C") });
