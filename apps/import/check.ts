// apps/import — the check every Network passes before it is written: each
// layer reads what the one before it writes, every gate's tensors have the
// shapes of network.ts, a layer's directions agree. A reader that maps a
// source faithfully always passes; a source whose own sizes do not chain (an
// ONNX graph edited by hand, a state_dict of mismatched modules) fails here
// with the layers named. In: a Network. Out: nothing, or an ImportError.

import { ImportError } from "./errors.js";
import { gateNames, inputSize, layerOutputSize, type Network, type RecurrentLayer, type Tensor } from "./network.js";
import { sameShape, showShape } from "./tensor.js";

function expectShape(t: Tensor | undefined, shape: readonly number[], what: string): void {
  if (t === undefined) throw new ImportError(`${what} is missing`);
  if (!sameShape(t, shape))
    throw new ImportError(`${what} has shape ${showShape(t.shape)}, expected ${showShape(shape)}`);
  // A NaN or infinite weight is a broken or damaged network; compiled, it would only give NaN.
  const bad = t.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new ImportError(`${what} holds ${t.data[bad]} at index ${bad}; a trained network's weights are finite`);
}

function checkLayer(layer: RecurrentLayer, index: number, features: number): void {
  const where = `layer ${index} (${layer.origin})`;
  if (layer.inputSize !== features) {
    throw new ImportError(
      `${where} reads ${layer.inputSize} features per step, but what comes before it writes ${features}`,
    );
  }
  if (layer.directions.length !== 1 && layer.directions.length !== 2)
    throw new ImportError(`${where} has ${layer.directions.length} directions`);
  const H = layer.hiddenSize;
  const R = layer.kind === "lstm" && layer.projectionSize !== undefined ? layer.projectionSize : H;
  const skipped = layer.kind === "lstm" && layer.coupledForget ? ["f"] : [];
  const first = Object.values(layer.directions[0]!.gates)[0];
  layer.directions.forEach((d, k) => {
    const side = layer.directions.length === 2 ? (k === 0 ? " forward" : " reverse") : "";
    for (const gate of gateNames[layer.kind].filter((g) => !skipped.includes(g))) {
      const g = d.gates[gate];
      if (!g) throw new ImportError(`${where}${side}: gate ${gate} has no weights`);
      expectShape(g.W, [H, layer.inputSize], `${where}${side}: W of gate ${gate}`);
      expectShape(g.U, [H, R], `${where}${side}: U of gate ${gate}`);
      for (const b of ["bx", "bh"] as const) {
        if ((g[b] === undefined) !== (first?.[b] === undefined))
          throw new ImportError(`${where}${side}: gate ${gate} has ${g[b] ? "a" : "no"} ${b} bias, unlike the others`);
        if (g[b]) expectShape(g[b], [H], `${where}${side}: ${b} of gate ${gate}`);
      }
    }
    if (layer.kind === "lstm") {
      if ((d.peepholes === undefined) !== (layer.directions[0]!.peepholes === undefined))
        throw new ImportError(`${where}: only one direction has peepholes`);
      if (d.peepholes)
        for (const g of ["i", "f", "o"] as const) expectShape(d.peepholes[g], [H], `${where}${side}: peephole ${g}`);
      if (layer.projectionSize !== undefined)
        expectShape(d.projection, [layer.projectionSize, H], `${where}${side}: the projection`);
    }
  });
}

export function checkNetwork(network: Network): void {
  if (network.layers.length === 0)
    throw new ImportError(`${network.file}: no recurrent layer found; rnnc imports RNN, LSTM and GRU networks`);
  if (network.input.kind === "embedding") {
    const [rows, dim] = network.input.table.shape;
    if (network.input.table.shape.length !== 2 || !(rows! > 0 && dim! > 0)) {
      throw new ImportError(
        `the embedding ${network.input.origin} has shape ${showShape(network.input.table.shape)}, expected [rows, dim]`,
      );
    }
    expectShape(network.input.table, [rows!, dim!], `the embedding ${network.input.origin}`);
  }
  let features = inputSize(network.input);
  network.layers.forEach((layer, i) => {
    checkLayer(layer, i, features);
    features = layerOutputSize(layer);
  });
  const { readout } = network;
  if (readout) {
    const O = readout.weight.shape[0]!;
    expectShape(readout.weight, [O, features], `the readout ${readout.origin}: its weight`);
    if (readout.bias) expectShape(readout.bias, [O], `the readout ${readout.origin}: its bias`);
  }
}
