// apps/import — network.json, the imported network without its weights: what
// `rnnc import` writes beside model.ts so that `rnnc export` can put trained
// weights back under the source's names. In: a Network, or the file's text
// and the parameter file of the written model. Out: the file's text, or the
// Network with those parameters in it (through the same cell plans that wrote
// them, so the two directions are one mapping).

import { paramValue, planCell, type ParamSource } from "./cells.js";
import { checkNetwork } from "./check.js";
import { ImportError } from "./errors.js";
import type { DirectionWeights, GateWeights, Network, RecurrentLayer, Tensor } from "./network.js";
import { idsInput } from "./write-model.js";
import { directionPrefixes } from "./write-params.js";

const FORMAT = "rnnc-network";
const VERSION = 1;

/** The network with every tensor reduced to its shape. */
export function writeSkeleton(network: Network): string {
  const strip = (_key: string, value: unknown) => (value instanceof Float64Array ? undefined : value);
  return `${JSON.stringify({ format: FORMAT, version: VERSION, network }, strip, 1)}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every { shape } of the file as a tensor of zeros, so the network can be planned and checked before it is filled. */
function revive(v: unknown, where: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => revive(x, `${where}[${i}]`));
  if (!isObject(v)) return v;
  if (Array.isArray(v.shape) && Object.keys(v).length === 1) {
    if (!v.shape.every((d) => Number.isSafeInteger(d) && d >= 0 && d < 2 ** 31))
      throw new ImportError(`${where}.shape is malformed`);
    const count = (v.shape as number[]).reduce((n, d) => n * d, 1);
    if (count > 2 ** 28) throw new ImportError(`${where}.shape is too large`);
    return { shape: v.shape, data: new Float64Array(count) };
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x, `${where}.${k}`)]));
}

function checkFields(network: Record<string, unknown>, fail: (why: string) => never): void {
  if (!["pytorch", "onnx", "tfjs"].includes(network.framework as string))
    fail("network.framework is not pytorch, onnx or tfjs");
  if (network.dtype !== "f32" && network.dtype !== "f64") fail("network.dtype is not f32 or f64");
  if (!isObject(network.input) || (network.input.kind !== "dense" && network.input.kind !== "embedding"))
    fail("network.input is malformed");
  if (!Array.isArray(network.layers)) fail("network.layers is not a list");
  const activation = (a: unknown) =>
    isObject(a) &&
    typeof a.kind === "string" &&
    [
      "sigmoid",
      "tanh",
      "relu",
      "softsign",
      "softplus",
      "linear",
      "hardSigmoid",
      "affine",
      "scaledTanh",
      "leakyRelu",
      "elu",
    ].includes(a.kind);
  (network.layers as unknown[]).forEach((l, i) => {
    const bad = (what: string) => fail(`network.layers[${i}]: ${what}`);
    if (!isObject(l)) return bad("not an object");
    if (l.kind !== "rnn" && l.kind !== "lstm" && l.kind !== "gru") bad("kind is not rnn, lstm or gru");
    if (!Array.isArray(l.directions) || l.directions.length < 1 || l.directions.length > 2)
      bad("needs one or two directions");
    for (const d of l.directions as unknown[]) if (!isObject(d) || !isObject(d.gates)) bad("a direction has no gates");
    if (l.merge !== "concat" && l.merge !== "sum") bad("merge is not concat or sum");
    if (typeof l.origin !== "string") bad("origin is not a string");
    for (const k of ["inputSize", "hiddenSize"])
      if (!Number.isSafeInteger(l[k]) || (l[k] as number) < 1) bad(`${k} is not a positive integer`);
    const acts =
      l.kind === "rnn" ? [l.activation] : isObject(l.activations) ? Object.values(l.activations) : [undefined];
    if (!acts.every(activation)) bad("an activation is malformed");
    if (l.kind === "gru" && typeof l.resetAfter !== "boolean") bad("resetAfter is not a boolean");
    if (l.kind === "lstm" && typeof l.coupledForget !== "boolean") bad("coupledForget is not a boolean");
  });
  if (
    network.readout !== undefined &&
    (!isObject(network.readout) ||
      !["linear", "sigmoid", "tanh", "relu"].includes(network.readout.activation as string))
  ) {
    fail("network.readout is malformed");
  }
}

/**
 * The network of a network.json, its weights taken from `params` (the
 * written model's parameters by name: params.safetensors, or a trained file
 * of the same model).
 */
export function readSkeleton(text: string, file: string, params: ReadonlyMap<string, Tensor>): Network {
  const fail = (why: string): never => {
    throw new ImportError(`${file}: ${why}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail("not JSON");
  }
  if (!isObject(raw) || raw.format !== FORMAT)
    return fail(`not a network.json of rnnc import (its format is not "${FORMAT}")`);
  if (raw.version !== VERSION)
    return fail(`network.json version ${JSON.stringify(raw.version)}; this rnnc reads version ${VERSION}`);
  if (!isObject(raw.network)) return fail("has no network");
  checkFields(raw.network, fail);
  const shell = revive(raw.network, "network") as Network;
  try {
    checkNetwork(shell);
  } catch (e) {
    if (e instanceof ImportError) fail(e.message);
    throw e;
  }
  const used = new Set<string>();
  const take = (name: string, like: Tensor): Tensor => {
    const t = params.get(name) ?? fail(`the parameters have no ${name}`);
    if (t.shape.length !== like.shape.length || t.shape.some((d, i) => d !== like.shape[i])) {
      fail(`the parameter ${name} is [${t.shape.join(", ")}], but the network's is [${like.shape.join(", ")}]`);
    }
    used.add(name);
    return t;
  };
  const input =
    shell.input.kind === "embedding"
      ? { ...shell.input, table: take(`${idsInput}.table`, shell.input.table) }
      : shell.input;
  const layers = shell.layers.map((layer, i): RecurrentLayer => {
    const plan = planCell(layer);
    const prefixes = directionPrefixes(i, layer.directions.length);
    const directions = layer.directions.map((d, k) => {
      let filled: DirectionWeights = d;
      for (const p of plan.params)
        filled = withParam(filled, p.source, take(`${prefixes[k]}${p.name}`, paramValue(d, p.source)));
      return filled;
    });
    return { ...layer, directions };
  });
  const readout = shell.readout && {
    ...shell.readout,
    weight: take("readout.V", shell.readout.weight),
    ...(shell.readout.bias ? { bias: take("readout.c", shell.readout.bias) } : {}),
  };
  if (shell.readout && !shell.readout.bias) {
    const c = take("readout.c", { shape: [shell.readout.weight.shape[0]!], data: new Float64Array(0) });
    if (c.data.some((v) => v !== 0)) fail("readout.c is not zero, but the source's readout has no bias to hold it");
  }
  const left = [...params.keys()].filter((n) => !used.has(n));
  if (left.length > 0) fail(`the parameters hold tensors the network does not have: ${left.join(", ")}`);
  return { ...shell, input, layers, ...(readout ? { readout } : {}) };
}

function withParam(d: DirectionWeights, source: ParamSource, t: Tensor): DirectionWeights {
  if (source.kind === "projection") return { ...d, projection: t };
  if (source.kind === "peephole") return { ...d, peepholes: { ...d.peepholes!, [source.gate]: t } };
  const gate: GateWeights = { ...d.gates[source.gate]!, [source.field]: t };
  return { ...d, gates: { ...d.gates, [source.gate]: gate } };
}
