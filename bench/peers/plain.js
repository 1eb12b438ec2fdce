// bench/peers — runners for the hand-written JavaScript LSTM and GRU (and the
// Elman network, forward only). In: a shape and the shared data. Out: a
// forward runner and a training runner.

import { gatesOf, stack, unstack } from "../weights.js";
import { plainElman } from "./plain-elman.js";
import { plainGru } from "./plain-gru.js";
import { plainLstm } from "./plain-lstm.js";

const nets = { lstm: plainLstm, gru: plainGru, elman: plainElman };

/** The network for `shape` with the shared parameters loaded. */
export function build(shape, data) {
  const net = nets[shape.cell](shape);
  const order = gatesOf[shape.cell];
  const load = (params) => {
    net.weights.W.set(stack(params, "W", order));
    net.weights.U.set(stack(params, "U", order));
    net.weights.b.set(stack(params, "b", order));
  };
  load(data.params);
  const params = () => ({
    ...unstack(net.weights.W, "W", order), ...unstack(net.weights.U, "U", order), ...unstack(net.weights.b, "b", order),
  });
  return { net, load, params };
}

export function plainForward(shape, data) {
  const { net } = build(shape, data);
  return {
    name: "plain JS",
    sync: true,
    run: () => net.forward(data.x),
    output: () => Float32Array.from(net.output()),
  };
}

export function plainTrain(shape, data) {
  const { net, load, params } = build(shape, data);
  let learningRate = 0;
  return {
    name: "plain JS",
    sync: true,
    setLearningRate: (lr) => { learningRate = lr; },
    load,
    params,
    run: () => net.trainStep(data.x, data.target, learningRate),
  };
}
