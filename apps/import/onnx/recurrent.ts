// apps/import/onnx — one RNN, LSTM or GRU node as a layer of the Network. In:
// the node's attributes (direction, hidden_size, activations with their
// alphas and betas, clip, input_forget, linear_before_reset, layout) and its
// constant weights W [dirs, G·H, I], R [dirs, G·H, H], B [dirs, 2·G·H] (Wb
// then Rb) and P [dirs, 3·H] (peepholes i, o, f). Out: the layer, its gates
// split out of ONNX's packing order (LSTM i, o, f, c; GRU z, r, h), and its
// layout. Anything ONNX allows that rnnc cannot compute exactly is an error
// naming the node and the attribute.

import { packedGateOrder } from "../conventions.js";
import { ImportError } from "../errors.js";
import type { Activation, DirectionWeights, GateWeights, RecurrentLayer, Tensor } from "../network.js";
import { index0, rowBlock } from "../tensor.js";
import type { Attribute, ConstTensor, OnnxNode } from "./proto.js";

const kinds = { RNN: "rnn", LSTM: "lstm", GRU: "gru" } as const;
const activationCount = { rnn: 1, lstm: 3, gru: 2 } as const;
const defaultActivations = { rnn: ["Tanh"], lstm: ["Sigmoid", "Tanh", "Tanh"], gru: ["Sigmoid", "Tanh"] } as const;
const knownAttributes = [
  "activations",
  "activation_alpha",
  "activation_beta",
  "clip",
  "direction",
  "hidden_size",
  "input_forget",
  "layout",
  "linear_before_reset",
];

export function isRecurrent(opType: string): opType is keyof typeof kinds {
  return Object.hasOwn(kinds, opType);
}

/**
 * Activations by their ONNX name (matched without case, as onnxruntime does), with the defaults of the ONNX operators
 * of the same name.
 */
const activationTable: Record<
  string,
  { alpha?: number; beta?: number; make: (alpha: number, beta: number) => Activation }
> = {
  sigmoid: { make: () => ({ kind: "sigmoid" }) },
  tanh: { make: () => ({ kind: "tanh" }) },
  relu: { make: () => ({ kind: "relu" }) },
  softsign: { make: () => ({ kind: "softsign" }) },
  softplus: { make: () => ({ kind: "softplus" }) },
  leakyrelu: { alpha: 0.01, make: (alpha) => ({ kind: "leakyRelu", alpha }) },
  elu: { alpha: 1, make: (alpha) => ({ kind: "elu", alpha }) },
  hardsigmoid: { alpha: 0.2, beta: 0.5, make: (alpha, beta) => ({ kind: "hardSigmoid", alpha, beta }) },
  affine: { alpha: NaN, beta: NaN, make: (alpha, beta) => ({ kind: "affine", alpha, beta }) },
  scaledtanh: { alpha: NaN, beta: NaN, make: (alpha, beta) => ({ kind: "scaledTanh", alpha, beta }) },
};

export interface RecurrentWeights {
  readonly W: ConstTensor;
  readonly R: ConstTensor;
  readonly B?: ConstTensor;
  readonly P?: ConstTensor;
}

export interface RecurrentNode {
  readonly layer: RecurrentLayer;
  /** 0: X [T, B, I], Y [T, dirs, B, H]; 1: X [B, T, I], Y [B, T, dirs, H]. */
  readonly layout: 0 | 1;
}

const asTensor = (t: ConstTensor): Tensor => ({ shape: t.dims, data: t.values });

export function recurrentNode(node: OnnxNode, weights: RecurrentWeights, where: string): RecurrentNode {
  const fail = (why: string): never => {
    throw new ImportError(`${where}: ${why}`);
  };
  const kind = kinds[node.opType as keyof typeof kinds];
  for (const name of node.attributes.keys()) {
    if (
      !knownAttributes.includes(name) ||
      (name === "input_forget" && kind !== "lstm") ||
      (name === "linear_before_reset" && kind !== "gru")
    ) {
      fail(`attribute ${name} is not one of ${node.opType}'s`);
    }
  }
  const attr = <T extends Attribute>(name: string, fallback: T, check: (v: Attribute) => boolean, what: string): T => {
    const v = node.attributes.get(name);
    if (v === undefined) return fallback;
    if (!check(v)) fail(`attribute ${name} must be ${what}`);
    return v as T;
  };
  const isInt = (v: Attribute) => typeof v === "number" && Number.isInteger(v);
  const direction = attr<string>("direction", "forward", (v) => typeof v === "string", "a string");
  if (direction === "reverse") {
    fail(
      "direction reverse (the layer alone, run backwards) has no rnnc model; rnnc runs a reverse direction only " +
        "beside a forward one (bidirectional)",
    );
  }
  if (direction !== "forward" && direction !== "bidirectional")
    fail(`direction must be forward, reverse or bidirectional, got ${JSON.stringify(direction)}`);
  const dirs = direction === "bidirectional" ? 2 : 1;
  const layout = attr<number>("layout", 0, (v) => v === 0 || v === 1, "0 or 1") as 0 | 1;
  const clip = attr<number>("clip", NaN, (v) => typeof v === "number" && v > 0, "a positive number");
  const coupled = attr<number>("input_forget", 0, (v) => v === 0 || v === 1, "0 or 1") === 1;
  const resetAfter = attr<number>("linear_before_reset", 0, (v) => v === 0 || v === 1, "0 or 1") === 1;

  const { W, R, B, P } = weights;
  if (W.dims.length !== 3 || R.dims.length !== 3) {
    fail(
      `W and R must be [num_directions, gates·hidden_size, ...], got W [${W.dims.join(", ")}] and R ` +
        `[${R.dims.join(", ")}]`,
    );
  }
  const H = R.dims[2]!;
  const G = packedGateOrder.onnx[kind].length;
  const I = W.dims[2]!;
  const hidden = attr<number>("hidden_size", H, isInt, "an integer");
  if (hidden !== H) fail(`hidden_size is ${hidden} but R [${R.dims.join(", ")}] says ${H}`);
  const expect = (t: ConstTensor | undefined, name: string, dims: number[]) => {
    if (t && (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])))
      fail(`${name} is [${t.dims.join(", ")}], expected [${dims.join(", ")}]`);
  };
  expect(W, "W", [dirs, G * H, I]);
  expect(R, "R", [dirs, G * H, H]);
  expect(B, "B", [dirs, 2 * G * H]);
  if (P && kind !== "lstm") fail("only an LSTM has peepholes (P)");
  expect(P, "P", [dirs, 3 * H]);
  for (const [name, t] of [
    ["W", W],
    ["R", R],
    ["B", B],
    ["P", P],
  ] as const) {
    if (t && t.type === "int") fail(`${name} holds integers; weights are floating point`);
  }

  const names = attr<readonly string[]>(
    "activations",
    [],
    (v) => Array.isArray(v) && v.every((s) => typeof s === "string"),
    "a list of strings",
  );
  const perDirection = activationCount[kind];
  const given = names.length > 0 ? names : Array.from({ length: dirs }, () => defaultActivations[kind]).flat();
  if (given.length !== perDirection * dirs)
    fail(`activations lists ${given.length} functions; a ${direction} ${node.opType} takes ${perDirection * dirs}`);
  const alphas = [...attr<readonly number[]>("activation_alpha", [], Array.isArray, "a list of floats")];
  const betas = [...attr<readonly number[]>("activation_beta", [], Array.isArray, "a list of floats")];
  // The alphas and betas are consumed in order by the functions that take them.
  const activations = given.map((name) => {
    const entry = activationTable[name.toLowerCase()];
    if (!entry) {
      return fail(
        name.toLowerCase() === "thresholdedrelu"
          ? "activation ThresholdedRelu (x where x > alpha, else 0) has no exact form in rnnc's DSL, which has no " +
              "comparisons"
          : `activation ${JSON.stringify(name)} is not an ONNX activation (${Object.keys(activationTable).join(", ")})`,
      );
    }
    const alpha = entry.alpha === undefined ? 0 : alphas.length > 0 ? alphas.shift()! : entry.alpha;
    const beta = entry.beta === undefined ? 0 : betas.length > 0 ? betas.shift()! : entry.beta;
    if (Number.isNaN(alpha) || Number.isNaN(beta))
      fail(`activation ${name} needs its alpha and beta in activation_alpha and activation_beta`);
    return entry.make(alpha, beta);
  });
  const key = (a: Activation) => JSON.stringify(a);
  if (
    dirs === 2 &&
    activations.slice(0, perDirection).map(key).join() !== activations.slice(perDirection).map(key).join()
  ) {
    fail("its two directions use different activations; an rnnc bidirectional layer runs one cell both ways");
  }

  const order = packedGateOrder.onnx[kind];
  const directions: DirectionWeights[] = [];
  for (let d = 0; d < dirs; d++) {
    const w = index0(asTensor(W), d);
    const r = index0(asTensor(R), d);
    const b = B ? index0(asTensor(B), d) : undefined;
    const gates: Record<string, GateWeights> = {};
    order.forEach((gate, k) => {
      if (coupled && gate === "f") return;
      gates[gate] = {
        W: rowBlock(w, k, H),
        U: rowBlock(r, k, H),
        ...(b ? { bx: rowBlock(b, k, H), bh: rowBlock(b, G + k, H) } : {}),
      };
    });
    const p = P ? index0(asTensor(P), d) : undefined;
    directions.push({
      gates,
      ...(p ? { peepholes: { i: rowBlock(p, 0, H), o: rowBlock(p, 1, H), f: rowBlock(p, 2, H) } } : {}),
    });
  }
  const base = {
    inputSize: I,
    hiddenSize: H,
    directions,
    merge: "concat" as const,
    origin: `${node.opType} node ${node.name}`,
    ...(Number.isNaN(clip) ? {} : { clip }),
  };
  const layer: RecurrentLayer =
    kind === "rnn"
      ? { ...base, kind, activation: activations[0]! }
      : kind === "gru"
        ? { ...base, kind, activations: { gate: activations[0]!, candidate: activations[1]! }, resetAfter }
        : {
            ...base,
            kind,
            activations: { gate: activations[0]!, candidate: activations[1]!, cell: activations[2]! },
            coupledForget: coupled,
          };
  return { layer, layout };
}
