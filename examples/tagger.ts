// Sequence taggers over words: each word is an id (1-of-N, a row of an
// embedding table), its letter trigrams (word hashing: the sum of the rows of
// the trigrams of "#word#"), or both concatenated; a bidirectional LSTM reads
// the sentence and a dense readout scores the tags at every step (train with
// --loss softmax-ce; targets are tag ids).
import { bidirectional, dense, model, oneOfN, wordHash } from "rnnc";
import { lstm } from "./lstm.js";

/** Words as ids into a vocabulary of V rows, embedded in E dimensions. */
export const wordTagger = model({
  input: { words: oneOfN("V", "E") },
  layers: [bidirectional(lstm)],
  readout: dense("C"),
});

/** Words as up to 16 letter-trigram ids into a trigram table of T rows. */
export const trigramTagger = model({
  input: { trigrams: wordHash("T", "E", 16) },
  layers: [bidirectional(lstm)],
  readout: dense("C"),
});

/** Both encodings, concatenated. */
export const hybridTagger = model({
  input: { words: oneOfN("V", "E"), trigrams: wordHash("T", "E", 16) },
  layers: [bidirectional(lstm)],
  readout: dense("C"),
});
