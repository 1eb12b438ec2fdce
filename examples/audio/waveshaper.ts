// The audio example's model: a small LSTM with a dense readout that maps
// each sample x(t) to y(t); examples/audio/train.js trains it (I=1, H=8,
// O=1) to imitate a soft clipper. The readout has no activation, so the
// output is not squashed unless the LSTM learned to squash it.
import { dense, model } from "rnnc";
import { lstm } from "../lstm.js";

export const waveshaper = model({
  input: { x: "I" },
  layers: [lstm],
  readout: dense("O"),
});
