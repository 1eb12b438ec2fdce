// apps/import — `rnnc export`: a Network as a PyTorch state_dict, the way back
// from rnnc. In: the Network (network.json filled with trained parameters,
// skeleton.ts). Out: the tensors under PyTorch's names (weight_ih_l{k},
// bias_hh_l{k}_reverse, embedding and linear weights), packed in PyTorch's gate
// order, ready for model.load_state_dict. A layer PyTorch has no module for
// (peepholes, clip, a reset-before GRU, other activations, summed directions)
// is an error naming it. Layers read from a state_dict keep their module's
// prefix; others get rnn. (or rnn0., rnn1., ... when they differ), embedding.
// and fc.

import { packedGateOrder } from "./conventions.js";
import { ImportError } from "./errors.js";
import type { Network, RecurrentLayer, Tensor } from "./network.js";
import { concatRows, zeros } from "./tensor.js";

export interface NamedTensor {
  readonly name: string;
  readonly tensor: Tensor;
}

/** Why PyTorch has no module for this layer, or undefined when it has. */
function notTorch(layer: RecurrentLayer): string | undefined {
  if (layer.clip !== undefined) return "it clips its gates (ONNX clip), which nn.LSTM/GRU/RNN do not";
  if (layer.directions.length === 2 && layer.merge === "sum")
    return "it sums its two directions; PyTorch's bidirectional layers concatenate them";
  if (layer.kind === "rnn") {
    return ["tanh", "relu"].includes(layer.activation.kind)
      ? undefined
      : `nn.RNN's nonlinearity is tanh or relu, not ${layer.activation.kind}`;
  }
  const { gate, candidate } = layer.activations;
  if (
    gate.kind !== "sigmoid" ||
    candidate.kind !== "tanh" ||
    (layer.kind === "lstm" && layer.activations.cell.kind !== "tanh")
  ) {
    return "PyTorch's gates are sigmoid and its candidate and cell tanh";
  }
  if (layer.kind === "gru" && !layer.resetAfter)
    return "it applies the reset before the recurrent product; nn.GRU applies it after";
  if (layer.kind === "lstm" && layer.coupledForget) return "its forget gate is 1 − i (ONNX input_forget)";
  if (layer.kind === "lstm" && layer.directions[0]!.peepholes) return "it has peepholes, which nn.LSTM does not";
  return undefined;
}

/**
 * The modules of PyTorch that hold the layers: their own for layers read from a state_dict, else runs of alike
 * layers.
 */
function modules(layers: readonly RecurrentLayer[]): { prefix: string; index: number }[] {
  if (layers.every((l) => l.pytorch))
    return layers.map((l) => ({ prefix: l.pytorch!.module, index: l.pytorch!.index }));
  const key = (l: RecurrentLayer) =>
    JSON.stringify([
      l.kind,
      l.hiddenSize,
      l.directions.length,
      l.kind === "lstm" ? (l.projectionSize ?? null) : null,
      l.kind === "rnn" ? l.activation.kind : null,
      Object.values(l.directions[0]!.gates)[0]!.bx !== undefined,
    ]);
  const runs: number[] = [];
  layers.forEach((l, i) => runs.push(i > 0 && key(l) === key(layers[i - 1]!) ? runs[i - 1]! : (runs[i - 1] ?? -1) + 1));
  const count = runs.at(-1)! + 1;
  return layers.map((_, i) => ({ prefix: count === 1 ? "rnn." : `rnn${runs[i]}.`, index: i - runs.indexOf(runs[i]!) }));
}

export function torchStateDict(network: Network): NamedTensor[] {
  const out: NamedTensor[] = [];
  const { input, readout } = network;
  if (input.kind === "embedding") out.push({ name: `${input.pytorch ?? "embedding."}weight`, tensor: input.table });
  const places = modules(network.layers);
  network.layers.forEach((layer, i) => {
    const why = notTorch(layer);
    if (why) throw new ImportError(`layer ${i} (${layer.origin}) has no PyTorch module: ${why}`);
    const { prefix, index } = places[i]!;
    const order = packedGateOrder.pytorch[layer.kind];
    const H = layer.hiddenSize;
    layer.directions.forEach((d, k) => {
      const s = `_l${index}${k === 1 ? "_reverse" : ""}`;
      const gates = order.map((g) => d.gates[g]!);
      out.push({ name: `${prefix}weight_ih${s}`, tensor: concatRows(gates.map((g) => g.W)) });
      out.push({ name: `${prefix}weight_hh${s}`, tensor: concatRows(gates.map((g) => g.U)) });
      if (gates[0]!.bx || gates[0]!.bh) {
        // A single bias (Keras') is the input side's; PyTorch's recurrent side is then zero, and the sum the same.
        out.push({ name: `${prefix}bias_ih${s}`, tensor: concatRows(gates.map((g) => g.bx ?? zeros([H]))) });
        out.push({ name: `${prefix}bias_hh${s}`, tensor: concatRows(gates.map((g) => g.bh ?? zeros([H]))) });
      }
      if (d.projection) out.push({ name: `${prefix}weight_hr${s}`, tensor: d.projection });
    });
  });
  if (readout) {
    out.push({ name: `${readout.pytorch ?? "fc."}weight`, tensor: readout.weight });
    if (readout.bias) out.push({ name: `${readout.pytorch ?? "fc."}bias`, tensor: readout.bias });
  }
  const seen = new Set<string>();
  for (const t of out) {
    if (seen.has(t.name)) throw new ImportError(`the export would write ${t.name} twice; the layers' modules overlap`);
    seen.add(t.name);
  }
  return out;
}
