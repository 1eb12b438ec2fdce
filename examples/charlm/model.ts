// A character-level language model: each character is an id into a vocabulary
// of V characters (1-of-N, a row of an embedding table of E dimensions), an
// LSTM reads the text, and a dense readout scores the next character out of
// the same V at every step (train with --loss softmax-ce; the target of step
// t is the character at t + 1).
import { dense, model, oneOfN } from "rnnc";
import { lstm } from "../lstm.js";

export const charLm = model({
  input: { chars: oneOfN("V", "E") },
  layers: [lstm],
  readout: dense("V"),
});
