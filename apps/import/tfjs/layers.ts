// apps/import/tfjs — a Keras layer stack (as TF.js and tfjs-converter save
// it) as a Network. In: the layers in order and the weights by name. Out: the
// Network: an InputLayer, Embedding (mask_zero) or Masking; SimpleRNN, LSTM
// and GRU (reset_after both ways), alone or in Bidirectional (concat or sum);
// Dense or TimeDistributed(Dense) with its activation (or an Activation layer
// after it); dropout and noise layers, which do nothing at inference. Keras
// packs kernels [I, G·H] by columns in the order LSTM i, f, c, o and GRU z,
// r, h; biases [G·H], or [2, G·H] (input, recurrent) for reset_after.

import { packedGateOrder } from "../conventions.js";
import { ImportError } from "../errors.js";
import type {
  Activation,
  Binding,
  DirectionWeights,
  GateWeights,
  Network,
  NetworkInput,
  Readout,
  RecurrentLayer,
  Tensor,
} from "../network.js";
import { columnBlock, index0, rowBlock, transpose } from "../tensor.js";
import type { LayerConfig, TfjsModel } from "./model-json.js";

const inert = [
  "Dropout",
  "SpatialDropout1D",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
  "ActivityRegularization",
];
const recurrentKinds = { SimpleRNN: "rnn", LSTM: "lstm", GRU: "gru" } as const;

export function tfjsNetwork(model: TfjsModel, file: string): Network {
  const fail = (why: string): never => {
    throw new ImportError(`${file}: ${why}`);
  };
  const used = new Set<string>();
  const weight = (prefix: string, leaf: string, what: string): Tensor => {
    const found = [...model.weights.keys()].filter(
      (n) => n.startsWith(`${prefix}/`) && (n.endsWith(`/${leaf}`) || n.endsWith(`/${leaf}:0`)),
    );
    if (found.length !== 1)
      fail(`${what}: ${found.length === 0 ? "no" : "more than one"} weight named ${prefix}/…/${leaf}`);
    used.add(found[0]!);
    return model.weights.get(found[0]!)!;
  };
  const keras3 = /^3\./.test(model.kerasVersion);
  const activation = (name: unknown, where: string): Activation => {
    const n = typeof name === "string" ? name : "";
    if (n === "tanh" || n === "sigmoid" || n === "relu" || n === "softsign" || n === "softplus" || n === "linear")
      return { kind: n };
    if (n === "hard_sigmoid" || n === "hardSigmoid")
      return keras3 ? { kind: "hardSigmoid", alpha: 1 / 6, beta: 0.5 } : { kind: "hardSigmoid", alpha: 0.2, beta: 0.5 };
    if (n === "elu") return { kind: "elu", alpha: 1 };
    return fail(
      `${where}: activation ${JSON.stringify(name)} is not one rnnc writes (tanh, sigmoid, hard_sigmoid, relu, elu, ` +
        `softsign, softplus, linear)`,
    );
  };

  let input: NetworkInput | undefined;
  let features: number | undefined;
  const layers: RecurrentLayer[] = [];
  const bindings: Binding[] = [];
  let readout: { weight: Tensor; bias?: Tensor; activation: Readout["activation"]; origin: string } | undefined;
  let lastStepOnly = false;
  /** A Bidirectional layer with return_sequences false outputs its two final states, merged. */
  let finalStates = false;
  let masked: string | undefined;

  const inputShape = (config: Readonly<Record<string, unknown>>) => {
    const shape = config.batch_input_shape ?? config.batch_shape;
    return Array.isArray(shape) ? shape : undefined;
  };
  const denseInput = (shape: unknown[] | undefined, where: string) => {
    if (input) return;
    const F = shape?.[2];
    if (!shape || shape.length !== 3 || typeof F !== "number")
      fail(`${where}: the model's input must be [batch, steps, features] with a known number of features`);
    input = { kind: "dense", size: F as number };
    features = F as number;
  };

  for (const { className, config } of model.layers) {
    const name = String(config.name ?? className);
    const where = `layer ${name} (${className})`;
    if (className === "InputLayer") {
      const shape = inputShape(config);
      if (shape && shape.length === 3) denseInput(shape, where);
      continue;
    }
    if (inert.includes(className)) continue;
    if (className === "Embedding") {
      if (input) fail(`${where}: an Embedding after the model's first layer`);
      const table = weight(name, "embeddings", where);
      input = { kind: "embedding", table, origin: `Keras Embedding ${name}` };
      features = table.shape[1];
      if (config.mask_zero === true)
        masked = "Keras masks id 0 (mask_zero): give each sequence's length without its trailing zeros as lengths";
      continue;
    }
    if (className === "Masking") {
      denseInput(inputShape(config), where);
      masked =
        `Keras masks the steps whose features all equal ${String(config.mask_value ?? 0)} (Masking): give each ` +
        `sequence's length without its trailing masked steps as lengths`;
      continue;
    }
    if (className in recurrentKinds || className === "Bidirectional") {
      if (readout) fail(`${where}: a recurrent layer after the Dense readout`);
      if (layers.length > 0 && lastStepOnly)
        fail(`${where}: reads a layer with return_sequences false (one vector, not a sequence)`);
      denseInput(inputShape(config), where);
      const bidirectional = className === "Bidirectional";
      const inner = bidirectional ? innerLayer(config, where, fail) : { className, config };
      if (!(inner.className in recurrentKinds))
        fail(`${where}: wraps a ${inner.className}; rnnc reads SimpleRNN, LSTM and GRU`);
      const merge = bidirectional ? (config.merge_mode ?? "concat") : "concat";
      if (merge !== "concat" && merge !== "sum")
        fail(`${where}: merge_mode ${JSON.stringify(merge)}; rnnc merges directions by concat or sum`);
      if (bidirectional && isObject(config.backward_layer)) {
        const back = config.backward_layer as Record<string, unknown>;
        const same = (k: string) =>
          JSON.stringify((back.config as Record<string, unknown>)?.[k]) === JSON.stringify(inner.config[k]);
        if (
          back.class_name !== inner.className ||
          !["units", "activation", "recurrent_activation", "use_bias", "reset_after"].every(same)
        ) {
          fail(
            `${where}: its backward layer differs from its forward one; an rnnc bidirectional layer runs one cell ` +
              `both ways`,
          );
        }
      }
      const c = inner.config;
      if (!bidirectional && c.go_backwards === true) {
        fail(
          `${where}: go_backwards alone (the layer run backwards) has no rnnc model; rnnc runs a reverse direction ` +
            `only beside a forward one (Bidirectional)`,
        );
      }
      if (c.time_major === true) fail(`${where}: time_major; rnnc reads Keras' batch-major layers`);
      const kind = recurrentKinds[inner.className as keyof typeof recurrentKinds];
      const prefixes = bidirectional ? directionPrefixes(name, model, fail, where) : [name];
      const units = c.units;
      if (!Number.isSafeInteger(units) || (units as number) < 1) fail(`${where}: units must be a positive integer`);
      const H = units as number;
      const I = features!;
      const resetAfter = kind === "gru" && c.reset_after === true;
      const useBias = c.use_bias !== false;
      const G = packedGateOrder.tfjs[kind].length;
      const directions = prefixes.map((prefix): DirectionWeights => {
        const kernel = weight(prefix, "kernel", where);
        const recurrent = weight(prefix, "recurrent_kernel", where);
        const bias = useBias ? weight(prefix, "bias", where) : undefined;
        const expect = (t: Tensor, label: string, shape: number[]) => {
          if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
            fail(`${where}: its ${label} is [${t.shape.join(", ")}], expected [${shape.join(", ")}]`);
        };
        expect(kernel, "kernel", [I, G * H]);
        expect(recurrent, "recurrent_kernel", [H, G * H]);
        if (bias) expect(bias, "bias", resetAfter ? [2, G * H] : [G * H]);
        const gates: Record<string, GateWeights> = {};
        packedGateOrder.tfjs[kind].forEach((gate, k) => {
          const b =
            bias &&
            (resetAfter
              ? { bx: rowBlock(index0(bias, 0), k, H), bh: rowBlock(index0(bias, 1), k, H) }
              : { bx: rowBlock(bias, k, H) });
          gates[gate] = { W: transpose(columnBlock(kernel, k, H)), U: transpose(columnBlock(recurrent, k, H)), ...b };
        });
        return { gates };
      });
      const base = {
        inputSize: I,
        hiddenSize: H,
        directions,
        merge: merge as "concat" | "sum",
        origin: `Keras ${className}${bidirectional ? `(${inner.className})` : ""} ${name}`,
      };
      const act = activation(c.activation ?? "tanh", where);
      // Keras and TF.js differ in its default, so the saved config must say it.
      const gateAct = () =>
        activation(c.recurrent_activation ?? fail(`${where}: its config does not say its recurrent_activation`), where);
      layers.push(
        kind === "rnn"
          ? { ...base, kind, activation: act }
          : kind === "gru"
            ? { ...base, kind, activations: { gate: gateAct(), candidate: act }, resetAfter }
            : { ...base, kind, activations: { gate: gateAct(), candidate: act, cell: act }, coupledForget: false },
      );
      lastStepOnly = c.return_sequences !== true;
      finalStates = lastStepOnly && bidirectional;
      features = (bidirectional && merge === "concat" ? 2 : 1) * H;
      continue;
    }
    if (className === "Dense" || className === "TimeDistributed") {
      const dense = className === "TimeDistributed" ? innerLayer(config, where, fail) : { className, config };
      if (dense.className !== "Dense") fail(`${where}: wraps a ${dense.className}; rnnc reads TimeDistributed(Dense)`);
      if (layers.length === 0)
        fail(`${where}: a Dense layer before the recurrent layers; rnnc's dense layer is the readout after them`);
      if (readout) fail(`${where}: a second Dense layer; rnnc's model has one dense readout`);
      if (finalStates) {
        fail(
          `${where}: reads a Bidirectional layer with return_sequences false, `
            + "which outputs its two directions' final states; rnnc's readout reads one step of the sequence "
            + "(set return_sequences and read the readout's last step, or drop the Dense layer)",
        );
      }
      const kernel = weight(name, "kernel", where);
      const bias = dense.config.use_bias === false ? undefined : weight(name, "bias", where);
      const a = dense.config.activation ?? "linear";
      if (a !== "linear" && a !== "sigmoid" && a !== "tanh" && a !== "relu") {
        const softmax = a === "softmax"
          ? " (train with --loss softmax-ce on its logits, and take a softmax of them yourself)"
          : "";
        fail(`${where}: activation ${JSON.stringify(a)}; rnnc's readout is linear, sigmoid, tanh or relu${softmax}`);
      }
      readout = {
        weight: transpose(kernel),
        ...(bias ? { bias } : {}),
        activation: a as Readout["activation"],
        origin: `Keras ${className} ${name}`,
      };
      continue;
    }
    if (className === "Activation" && readout && readout.activation === "linear") {
      const a = config.activation;
      if (a !== "linear" && a !== "sigmoid" && a !== "tanh" && a !== "relu") {
        fail(
          `${where}: activation ${JSON.stringify(a)} after the readout; rnnc's readout is linear, sigmoid, ` +
            `tanh or relu`,
        );
      }
      readout.activation = a as Readout["activation"];
      continue;
    }
    fail(
      `${where}: rnnc does not import ${className} layers; it reads InputLayer, Embedding, Masking, SimpleRNN, LSTM, ` +
        `GRU, Bidirectional, Dense, TimeDistributed(Dense), Activation and dropout layers`,
    );
  }
  if (!input) fail("no input layer says the size of the model's input");
  const left = [...model.weights.keys()].filter((n) => !used.has(n));
  if (left.length > 0) fail(`holds weights no layer uses: ${left.join(", ")}`);
  const inputName = input!.kind === "dense" ? "x" : "tokens";
  bindings.push({
    source: "",
    role: "input",
    rnnc: [inputName],
    note: [
      `Keras' is [batch, steps${input!.kind === "dense" ? ", features" : ""}]; rnnc's ${inputName} is [steps, batch, ` +
        `${input!.kind === "dense" ? "features" : "1"}]`,
      ...(masked ? [masked] : []),
    ].join("; "),
  });
  const last = layers.length - 1;
  if (finalStates) {
    const merged = layers[last]!.merge === "sum" ? "their sum" : "the two concatenated";
    bindings.push({
      source: "",
      role: "state_out",
      rnnc: [`l${last}.fwd.h`, `l${last}.bwd.h`],
      note: `Keras returns the Bidirectional layer's final states (return_sequences false), ${merged}`,
    });
  } else {
    bindings.push({
      source: "",
      role: "output",
      rnnc: ["y"],
      note: lastStepOnly
        ? "Keras returns each sequence's last step (return_sequences false): rnnc's y at step lengths[i] − 1"
        : "Keras' is [batch, steps, features]; rnnc's y is [steps, batch, features]",
    });
  }
  const network = { framework: "tfjs", file, dtype: model.dtype, input: input!, layers, bindings } as const;
  return readout ? { ...network, readout } : network;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function innerLayer(
  config: Readonly<Record<string, unknown>>,
  where: string,
  fail: (why: string) => never,
): LayerConfig {
  const layer = config.layer;
  if (!isObject(layer) || typeof layer.class_name !== "string" || !isObject(layer.config))
    return fail(`${where}: its wrapped layer is malformed`);
  return { className: layer.class_name, config: layer.config };
}

/** The weight prefixes of a Bidirectional layer's forward and backward layers (NAME/forward_…, NAME/backward_…). */
function directionPrefixes(name: string, model: TfjsModel, fail: (why: string) => never, where: string): string[] {
  return ["forward_", "backward_"].map((side) => {
    const found = new Set(
      [...model.weights.keys()]
        .filter((n) => n.startsWith(`${name}/${side}`))
        .map((n) => n.split("/").slice(0, 2).join("/")),
    );
    if (found.size !== 1)
      return fail(`${where}: ${found.size === 0 ? "no" : "several"} ${side}layer weights under ${name}/${side}…`);
    return [...found][0]!;
  });
}
