// apps/import — the writer of the parameter file. In: a checked Network and
// the cell plans of write-model.ts. Out: one record per parameter of the
// written model, under the model's names (l0.Wi, l1.fwd.Wz, tokens.table,
// readout.V and readout.c) in the source's element type, and the file that
// the runtime's loadParams and `rnnc compile --params` read.

import { encodeParams, type ParamRecord } from "../../runtime/index.js";
import { paramValue, type CellPlan } from "./cells.js";
import type { Network, Tensor } from "./network.js";
import { zeros } from "./tensor.js";
import { idsInput } from "./write-model.js";

function bytesOf(t: Tensor, dtype: "f32" | "f64"): Uint8Array {
  const size = dtype === "f32" ? 4 : 8;
  const out = new Uint8Array(t.data.length * size);
  const view = new DataView(out.buffer);
  t.data.forEach((v, i) => (dtype === "f32" ? view.setFloat32(i * size, v, true) : view.setFloat64(i * size, v, true)));
  return out;
}

/** The prefix of a layer's parameters in a model: l0. for one direction, l0.fwd. and l0.bwd. for two. */
export function directionPrefixes(index: number, directions: number): string[] {
  return directions === 1 ? [`l${index}.`] : [`l${index}.fwd.`, `l${index}.bwd.`];
}

export function paramRecords(network: Network, plans: readonly CellPlan[]): ParamRecord[] {
  const { dtype } = network;
  const record = (name: string, t: Tensor): ParamRecord => ({
    name,
    shape: [...t.shape],
    dtype,
    data: bytesOf(t, dtype),
  });
  const records: ParamRecord[] = [];
  if (network.input.kind === "embedding") records.push(record(`${idsInput}.table`, network.input.table));
  network.layers.forEach((layer, i) => {
    const prefixes = directionPrefixes(i, layer.directions.length);
    layer.directions.forEach((direction, d) => {
      for (const p of plans[i]!.params)
        records.push(record(`${prefixes[d]}${p.name}`, paramValue(direction, p.source)));
    });
  });
  const { readout } = network;
  if (readout) {
    records.push(record("readout.V", readout.weight));
    records.push(record("readout.c", readout.bias ?? zeros([readout.weight.shape[0]!])));
  }
  return records;
}

export function writeParams(network: Network, plans: readonly CellPlan[]): Uint8Array {
  return encodeParams(paramRecords(network, plans));
}
