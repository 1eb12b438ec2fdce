// apps/import/tfjs — the TF.js layers format: model.json (format
// "layers-model": the Keras topology, and a manifest of weight groups) and the
// binary shards beside it. In: model.json's bytes and a way to read the
// shards. Out: the layer configurations in order and every weight by name.
// Also what tfjs-converter writes from Keras (the topology under
// model_config); quantised weights are refused.

import { ImportError } from "../errors.js";
import type { Tensor } from "../network.js";

/** One layer's class and config, as Keras serialises it (snake_case keys). */
export interface LayerConfig {
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface TfjsModel {
  /** The layers in the order they run. */
  readonly layers: readonly LayerConfig[];
  /** "tfjs-layers 4.22.0", "2.15.0", ... as the file says. */
  readonly kerasVersion: string;
  readonly weights: ReadonlyMap<string, Tensor>;
  /** The weights' element type (model.json's are float32; a .keras file's may be float64). */
  readonly dtype: "f32" | "f64";
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The one layer a functional model's layer reads, from its inbound_nodes:
 * Keras 2 and TF.js write [[[name, node, tensor, kwargs]]], Keras 3 one node
 * {args: [a __keras_tensor__ whose keras_history is [name, node, tensor]]}.
 */
function inboundLayer(inbound: unknown): unknown {
  if (!Array.isArray(inbound) || inbound.length !== 1) return undefined;
  const node: unknown = inbound[0];
  if (Array.isArray(node)) return node.length === 1 && Array.isArray(node[0]) ? node[0][0] : undefined;
  if (!isObject(node) || !Array.isArray(node.args) || node.args.length !== 1) return undefined;
  const tensor: unknown = node.args[0];
  if (!isObject(tensor) || tensor.class_name !== "__keras_tensor__" || !isObject(tensor.config)) return undefined;
  const history = tensor.config.keras_history;
  return Array.isArray(history) ? history[0] : undefined;
}

/** The layers of a model's topology (Keras' model config), in the order they run. */
export function layerList(topology: Record<string, unknown>, fail: (why: string) => never): LayerConfig[] {
  const root = isObject(topology.model_config) ? topology.model_config : topology;
  const className = root.class_name;
  const config = root.config;
  const raw = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(raw)) fail("its modelTopology has no list of layers");
  const layers = (raw as unknown[]).map((l, i): LayerConfig & { inbound?: unknown } => {
    if (!isObject(l) || typeof l.class_name !== "string" || !isObject(l.config))
      fail(`layer ${i} of its topology is malformed`);
    const layer = l as Record<string, unknown>;
    return {
      className: layer.class_name as string,
      config: layer.config as Record<string, unknown>,
      inbound: layer.inbound_nodes,
    };
  });
  if (className === "Sequential") return layers;
  if (className !== "Model" && className !== "Functional") {
    fail(
      `its model is a ${String(className)}; rnnc reads Sequential models and functional models that are one chain ` +
        `of layers`,
    );
  }
  // A functional model must be a chain: each layer reads the one before it.
  layers.forEach((l, i) => {
    if (i > 0 && inboundLayer(l.inbound) !== layers[i - 1]!.config.name) {
      fail(
        `its layer ${String(l.config.name)} does not read the layer before it alone; rnnc reads functional models that `
          + `are one chain`,
      );
    }
  });
  return layers;
}

export function readTfjsModel(bytes: Uint8Array, file: string, readBeside: (path: string) => Uint8Array): TfjsModel {
  const fail = (why: string): never => {
    throw new ImportError(`${file}: ${why}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return fail("not a TF.js model.json (not UTF-8 JSON)");
  }
  if (!isObject(json) || !isObject(json.modelTopology)) return fail("not a TF.js layers model (no modelTopology)");
  if (json.format !== undefined && json.format !== "layers-model") {
    return fail(
      `a TF.js ${String(json.format)}; rnnc reads layers models (tf.LayersModel.save, tfjs-converter from Keras), not `
        + `graph models`,
    );
  }
  const topology = json.modelTopology;
  const layers = layerList(topology, fail);
  const kerasVersion = typeof topology.keras_version === "string" ? topology.keras_version : "";
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) return fail("has no weightsManifest");
  const weights = new Map<string, Tensor>();
  for (const [g, group] of manifest.entries()) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      return fail(`weight group ${g} is malformed`);
    const shards = (group.paths as unknown[]).map((p) => {
      if (typeof p !== "string") return fail(`weight group ${g} names a shard that is not a path`);
      try {
        return readBeside(p);
      } catch (e) {
        return fail(`cannot read its weight shard ${p}: ${(e as Error).message}`);
      }
    });
    const data = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
    shards.reduce((at, s) => (data.set(s, at), at + s.length), 0);
    const view = new DataView(data.buffer);
    let at = 0;
    for (const w of group.weights as unknown[]) {
      if (
        !isObject(w) ||
        typeof w.name !== "string" ||
        !Array.isArray(w.shape) ||
        !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
      ) {
        return fail(`weight group ${g} has a malformed entry`);
      }
      const name = w.name;
      if (w.quantization !== undefined) fail(`weight ${name} is quantised; convert the model without quantisation`);
      if (w.dtype !== undefined && w.dtype !== "float32")
        fail(`weight ${name} is ${String(w.dtype)}; rnnc reads float32 weights`);
      const shape = w.shape as number[];
      const count = shape.reduce((n, d) => n * d, 1);
      if (at + 4 * count > data.length) fail(`weight ${name} runs past the end of its shards (${data.length} bytes)`);
      const values = new Float64Array(count);
      for (let i = 0; i < count; i++) values[i] = view.getFloat32(at + 4 * i, true);
      at += 4 * count;
      if (weights.has(name)) fail(`holds the weight ${name} twice`);
      weights.set(name, { shape, data: values });
    }
    if (at !== data.length) fail(`weight group ${g}: its shards hold ${data.length} bytes, its weights ${at}`);
  }
  return { layers, kerasVersion, weights, dtype: "f32" };
}
