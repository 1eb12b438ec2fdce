// apps/import/keras — Keras 3's .keras files (model.save("m.keras")): a zip
// holding metadata.json (keras_version), config.json (the model's config, in
// which every layer's config is Keras' own, as in a TF.js model.json's
// topology) and model.weights.h5. Keras' saving code lays the weights out
// by the model's attributes, not by the layers' names: the model's layers
// under layers/, each under its class in snake case (lstm, simple_rnn,
// time_distributed; the next layer of a class lstm_1, lstm_2, ...), a
// layer's own variables in vars/0, vars/1, ... in the order it creates them,
// and its sublayers' under their attributes (an RNN layer's cell/,
// Bidirectional's forward_layer/ and backward_layer/, TimeDistributed's
// layer/). In: the file's bytes. Out: the TfjsModel that model.json's reader
// gives, each variable named <layer>/<sublayer path>/<variable> so that one
// layer mapping (tfjs/layers.ts) serves both formats. Variables outside
// layers/ (the optimizer's, the metrics') are training state, not read.

import { ImportError } from "../errors.js";
import type { Tensor } from "../network.js";
import { layerList, type LayerConfig, type TfjsModel } from "../tfjs/model-json.js";
import { readZip } from "../zip.js";
import { readHdf5, type H5Group, type H5Node } from "./hdf5.js";

/** The variables a layer (or an RNN layer's cell) creates, in the order it creates them. */
const variableNames = {
  Dense: ["kernel", "bias"],
  Embedding: ["embeddings"],
  SimpleRNNCell: ["kernel", "recurrent_kernel", "bias"],
  LSTMCell: ["kernel", "recurrent_kernel", "bias"],
  GRUCell: ["kernel", "recurrent_kernel", "bias"],
} as const satisfies Record<string, readonly string[]>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Keras' naming of a class in the weights file: LSTM lstm, SimpleRNN simple_rnn, TimeDistributed time_distributed. */
export function snakeCase(className: string): string {
  return className
    .replace(/\W+/g, "")
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

/** The layer (or cell) whose variables lie under `attribute` of `owner` in the weights file. */
function sublayer(owner: LayerConfig | undefined, attribute: string): LayerConfig | undefined {
  if (!owner) return undefined;
  const wrapped = (v: unknown): LayerConfig | undefined =>
    isObject(v) && typeof v.class_name === "string" && isObject(v.config)
      ? { className: v.class_name, config: v.config }
      : undefined;
  const { className, config } = owner;
  if (attribute === "cell" && ["SimpleRNN", "LSTM", "GRU"].includes(className))
    return { className: `${className}Cell`, config };
  if (className === "Bidirectional" && attribute === "forward_layer") return wrapped(config.layer);
  if (className === "Bidirectional" && attribute === "backward_layer")
    return wrapped(config.backward_layer) ?? wrapped(config.layer);
  if (className === "TimeDistributed" && attribute === "layer") return wrapped(config.layer);
  return undefined;
}

export function readKerasFile(bytes: Uint8Array, file: string): TfjsModel {
  const fail = (why: string): never => {
    throw new ImportError(`${file}: ${why}`);
  };
  const archive = readZip(bytes, file);
  for (const entry of ["metadata.json", "config.json", "model.weights.h5"]) {
    if (!archive.names.includes(entry)) {
      fail(
        `has no ${entry}; a .keras file (Keras 3's model.save) holds metadata.json, config.json and model.weights.h5`,
      );
    }
  }
  const json = (entry: string): Record<string, unknown> => {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(archive.read(entry)));
    } catch (e) {
      if (e instanceof ImportError) throw e;
      return fail(`its ${entry} is not UTF-8 JSON`);
    }
    return isObject(value) ? value : fail(`its ${entry} is not a JSON object`);
  };
  const metadata = json("metadata.json");
  const kerasVersion = metadata.keras_version;
  if (typeof kerasVersion !== "string") fail("its metadata.json does not say its keras_version");
  const layers = layerList(json("config.json"), fail);

  const h5Name = `${file}: model.weights.h5`;
  const root = readHdf5(archive.read("model.weights.h5"), h5Name);
  const top = root.members();
  // Keras 2.13's .keras files kept the layers under another attribute name, which Keras 3 still reads.
  const layersGroup = top.get("layers") ?? top.get("_layer_checkpoint_dependencies");
  const weights = new Map<string, Tensor>();
  let dtype: "f32" | "f64" | undefined;
  const add = (name: string, node: H5Node) => {
    if (node.kind !== "dataset") return fail(`model.weights.h5 holds a group /${node.path} where a variable belongs`);
    if (typeof node.type !== "string")
      fail(`model.weights.h5: /${node.path} holds ${node.type.other} values; rnnc reads float16, float32 and float64`);
    if (weights.has(name)) fail(`model.weights.h5 holds two variables that map to ${name}`);
    weights.set(name, { shape: node.shape, data: node.values() });
    dtype = node.type === "f64" && dtype !== "f32" ? "f64" : "f32";
  };
  /** Every variable below `group`, named from `name` by the layer that owns each `vars` group. */
  const collect = (group: H5Group, name: string, owner: LayerConfig | undefined) => {
    for (const [key, node] of group.members()) {
      if (key === "vars" && node.kind === "group") {
        const names: readonly string[] | undefined = owner
          ? variableNames[owner.className as keyof typeof variableNames]
          : undefined;
        for (const [index, variable] of node.members()) {
          const known = /^\d+$/.test(index) ? names?.[Number(index)] : undefined;
          add(known ? `${name}/${known}` : `${name}/vars/${index}`, variable);
        }
      } else if (node.kind === "group") collect(node, `${name}/${key}`, sublayer(owner, key));
      else add(`${name}/${key}`, node);
    }
  };
  if (layersGroup) {
    if (layersGroup.kind !== "group") fail("model.weights.h5 holds a dataset /layers");
    const groups = new Map((layersGroup as H5Group).members());
    const seen = new Map<string, number>();
    for (const layer of layers) {
      const base = snakeCase(layer.className);
      const count = seen.get(base);
      seen.set(base, count === undefined ? 0 : count + 1);
      const key = count === undefined ? base : `${base}_${count + 1}`;
      const group = groups.get(key);
      if (!group) continue;
      groups.delete(key);
      if (group.kind !== "group") fail(`model.weights.h5 holds a dataset /${group.path} where a layer's group belongs`);
      collect(group as H5Group, String(layer.config.name ?? key), layer);
    }
    // A group no layer of config.json owns: its variables keep their paths, which the mapping reports as unused.
    for (const [key, group] of groups) {
      if (group.kind === "group") collect(group, `layers/${key}`, undefined);
      else add(`layers/${key}`, group);
    }
  }
  return { layers, kerasVersion: kerasVersion as string, weights, dtype: dtype ?? "f32" };
}
