// apps/import/torch — a PyTorch state_dict as a Network. The architecture is
// read from names and shapes: nn.RNN, nn.LSTM and nn.GRU modules by their
// weight_ih_l{k}[_reverse], weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} and
// weight_hr_l{k} (proj_size); the gate count of weight_ih gives the kind (1,
// 4, 3 blocks of H rows); an nn.Embedding before and an nn.Linear after by
// their shapes. What names cannot say comes from options (nn.RNN's
// nonlinearity, the readout's activation, which module is which when shapes
// fit several ways). In: a StateDict (pt.ts, or a safetensors file). Out: a
// Network; every tensor is used, or the import fails naming those left over.

import { packedGateOrder } from "../conventions.js";
import { ImportError } from "../errors.js";
import type { DirectionWeights, GateWeights, Network, Readout, RecurrentLayer, Tensor } from "../network.js";
import { rowBlock, showShape } from "../tensor.js";

export interface StateTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** f32 or f64 for weights (f16 and bf16 storages are read as f32); another type for what rnnc cannot use. */
  readonly dtype: string;
  readonly data?: Float64Array;
  /** The storage type, where the tensor was converted from it. */
  readonly stored?: string;
}

export interface StateDict {
  readonly file: string;
  readonly tensors: readonly StateTensor[];
  /**
   * Whether the tensors are in the state_dict's order (modules as registered):
   * torch.save keeps it, safetensors files sort their tensors. Without it,
   * only shapes place the modules.
   */
  readonly ordered: boolean;
}

export interface TorchOptions {
  /** nn.RNN's nonlinearity, which a state_dict does not record (default tanh). */
  readonly rnnNonlinearity?: "tanh" | "relu";
  /** The activation after the nn.Linear readout (default linear: none). */
  readonly readoutActivation?: Readout["activation"];
  /** Module prefixes of the recurrent modules, in the order they run (default: the state_dict's order). */
  readonly rnn?: readonly string[];
  /** The nn.Embedding's prefix, or "none"; found by its shape when left out. */
  readonly embedding?: string;
  /** The nn.Linear readout's prefix, or "none"; found by its shape when left out. */
  readonly readout?: string;
}

const recurrentName =
  /^(?<prefix>(?:.*\.)?)(?<param>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(?<layer>\d+)(?<reverse>_reverse)?$/;

interface Module {
  readonly prefix: string;
  readonly first: number;
  readonly names: Set<string>;
}

const moduleName = (prefix: string) => (prefix === "" ? "(the top level)" : prefix.slice(0, -1));

export function stateDictNetwork(sd: StateDict, options: TorchOptions = {}): Network {
  const { file } = sd;
  const fail = (why: string): never => {
    throw new ImportError(`${file}: ${why}`);
  };
  const byName = new Map<string, StateTensor>();
  sd.tensors.forEach((t) => (byName.has(t.name) ? fail(`holds ${t.name} twice`) : byName.set(t.name, t)));
  const used = new Set<string>();
  const take = (name: string): Tensor => {
    const t = byName.get(name) ?? fail(`has no tensor ${name}`);
    if (!t.data) fail(`${name} holds ${t.dtype} values; weights are floating point (f32, f64, f16 or bf16)`);
    used.add(name);
    return { shape: t.shape, data: t.data! };
  };

  const modules = new Map<string, Module>();
  sd.tensors.forEach((t, i) => {
    const m = recurrentName.exec(t.name);
    if (!m) return;
    const prefix = m.groups!.prefix!;
    if (!modules.has(prefix)) modules.set(prefix, { prefix, first: i, names: new Set() });
    modules.get(prefix)!.names.add(t.name);
  });
  let order = [...modules.values()];
  if (!sd.ordered && order.length > 1 && options.rnn === undefined) {
    fail(
      `holds several recurrent modules (${order.map((m) => moduleName(m.prefix)).join(", ")}) and, as a ` +
        `safetensors file, ` +
        "not the order they run in: give it with --rnn PREFIX,PREFIX,...",
    );
  }
  if (options.rnn !== undefined) {
    order = options.rnn.map((p) => {
      const prefix = p === "" || p.endsWith(".") ? p : `${p}.`;
      return (
        modules.get(prefix) ??
        fail(
          `--rnn names ${JSON.stringify(p)}, but no recurrent module has that prefix (found: ` +
            `${[...modules.keys()].map(moduleName).join(", ") || "none"})`,
        )
      );
    });
  }
  if (order.length === 0) {
    fail(
      "holds no nn.RNN, nn.LSTM or nn.GRU weights (no tensor named like weight_ih_l0); rnnc imports recurrent networks",
    );
  }

  const layers: RecurrentLayer[] = [];
  const kinds: string[] = [];
  for (const module of order) {
    const built = moduleLayers(module, take, byName, options, fail);
    layers.push(...built.layers);
    kinds.push(built.kind);
  }
  if (options.rnnNonlinearity !== undefined && !kinds.includes("rnn"))
    fail("--rnn-nonlinearity is for nn.RNN modules, and this state_dict has none");

  // The rest: an nn.Embedding before the first module, an nn.Linear after the last.
  const rest = new Map<string, { first: number; leaves: Map<string, StateTensor> }>();
  sd.tensors.forEach((t, i) => {
    if (used.has(t.name)) return;
    const dot = t.name.lastIndexOf(".");
    const prefix = t.name.slice(0, dot + 1);
    if (!rest.has(prefix)) rest.set(prefix, { first: i, leaves: new Map() });
    rest.get(prefix)!.leaves.set(t.name.slice(dot + 1), t);
  });
  const firstRnn = Math.min(...order.map((m) => m.first));
  const I0 = layers[0]!.inputSize;
  const F = outputFeatures(layers.at(-1)!);
  const isMatrix = (t: StateTensor | undefined) => t !== undefined && t.shape.length === 2;
  const pick = (
    flag: "embedding" | "readout",
    fits: (prefix: string, leaves: Map<string, StateTensor>, first: number) => boolean,
  ) => {
    const chosen = options[flag];
    if (chosen === "none") return undefined;
    if (chosen !== undefined) {
      const prefix = chosen.endsWith(".") ? chosen : `${chosen}.`;
      const m = rest.get(prefix) ?? fail(`--${flag} ${chosen}: no tensors under ${prefix}* besides those already used`);
      return fits(prefix, m.leaves, m.first)
        ? prefix
        : fail(`--${flag} ${chosen} does not fit: ${describeModule(prefix, m.leaves)}`);
    }
    const found = [...rest.entries()].filter(([p, m]) => fits(p, m.leaves, m.first)).map(([p]) => p);
    if (found.length > 1) {
      fail(
        `several modules could be the ${flag} (${found.map(moduleName).join(", ")}); choose one with --${flag} PREFIX`,
      );
    }
    return found[0];
  };
  const embeddingPrefix = pick(
    "embedding",
    (_, leaves, first) =>
      leaves.size === 1 &&
      isMatrix(leaves.get("weight")) &&
      leaves.get("weight")!.shape[1] === I0 &&
      (options.embedding !== undefined || !sd.ordered || first < firstRnn),
  );
  if (embeddingPrefix !== undefined) rest.delete(embeddingPrefix);
  const readoutPrefix = pick("readout", (_, leaves, first) => {
    const w = leaves.get("weight");
    const b = leaves.get("bias");
    const shapes =
      isMatrix(w) && w!.shape[1] === F && (b === undefined || (b.shape.length === 1 && b.shape[0] === w!.shape[0]));
    return (
      shapes &&
      leaves.size === (b ? 2 : 1) &&
      (options.readout !== undefined || b !== undefined || !sd.ordered || first > firstRnn)
    );
  });
  if (options.readoutActivation !== undefined && readoutPrefix === undefined)
    fail("--readout-activation needs an nn.Linear readout, and none was found");

  const input: Network["input"] =
    embeddingPrefix === undefined
      ? { kind: "dense", size: I0 }
      : {
          kind: "embedding",
          table: take(`${embeddingPrefix}weight`),
          origin: `nn.Embedding ${moduleName(embeddingPrefix)}`,
          pytorch: embeddingPrefix,
        };
  const readout: Readout | undefined =
    readoutPrefix === undefined
      ? undefined
      : {
          weight: take(`${readoutPrefix}weight`),
          ...(byName.has(`${readoutPrefix}bias`) ? { bias: take(`${readoutPrefix}bias`) } : {}),
          activation: options.readoutActivation ?? "linear",
          origin: `nn.Linear ${moduleName(readoutPrefix)}`,
          pytorch: readoutPrefix,
        };
  // The parameter file keeps f64 weights f64; anything else is written as f32.
  const dtype = [...used].some((n) => byName.get(n)!.dtype === "f64") ? "f64" : "f32";
  const network: Network = { framework: "pytorch", file, dtype, input, layers, ...(readout ? { readout } : {}) };
  const left = sd.tensors.filter((t) => !used.has(t.name));
  if (left.length > 0) {
    fail(
      `holds tensors that rnnc cannot place: ${left.map((t) => `${t.name} ${showShape(t.shape)}`).join(", ")}. ` +
        "rnnc imports an optional nn.Embedding, then nn.RNN / nn.LSTM / nn.GRU modules (stacked in order), " +
        "then an optional nn.Linear; --embedding and --readout name modules whose shapes do not say it",
    );
  }
  return network;
}

function describeModule(prefix: string, leaves: Map<string, StateTensor>): string {
  return [...leaves.values()]
    .map((t) => `${prefix}${t.name.slice(t.name.lastIndexOf(".") + 1)} ${showShape(t.shape)}`)
    .join(", ");
}

function outputFeatures(layer: RecurrentLayer): number {
  const units = layer.kind === "lstm" && layer.projectionSize !== undefined ? layer.projectionSize : layer.hiddenSize;
  return layer.directions.length * units;
}

function moduleLayers(
  module: Module,
  take: (name: string) => Tensor,
  byName: Map<string, StateTensor>,
  options: TorchOptions,
  fail: (why: string) => never,
): { kind: RecurrentLayer["kind"]; layers: RecurrentLayer[] } {
  const { prefix } = module;
  const name = moduleName(prefix);
  const count = 1 + Math.max(...[...module.names].map((n) => Number(recurrentName.exec(n)!.groups!.layer)));
  const bidirectional = [...module.names].some((n) => n.endsWith("_reverse"));
  const shapeOf = (n: string) => byName.get(n)?.shape;
  const hh0 = shapeOf(`${prefix}weight_hh_l0`) ?? fail(`module ${name} has no ${prefix}weight_hh_l0`);
  const hr0 = shapeOf(`${prefix}weight_hr_l0`);
  if (hh0.length !== 2 || (hr0 !== undefined && hr0.length !== 2))
    fail(`${prefix}weight_hh_l0 has shape ${showShape(hh0)}, expected a matrix`);
  const H = hr0 ? hr0[1]! : hh0[1]!;
  const P = hr0 ? hr0[0]! : undefined;
  const gates = hh0[0]! / H;
  const kind = gates === 4 ? "lstm" : gates === 3 ? "gru" : gates === 1 ? "rnn" : undefined;
  if (kind === undefined) {
    fail(
      `${prefix}weight_hh_l0 has ${hh0[0]} rows for hidden size ${H}: not 1, 3 or 4 gates (nn.RNN, nn.GRU, nn.LSTM)`,
    );
  }
  if (P !== undefined && kind !== "lstm") fail(`${prefix}weight_hr_l0 is a projection, which only nn.LSTM has`);
  const hasBias = byName.has(`${prefix}bias_ih_l0`);
  const R = P ?? H;
  const G = gates * H;
  const expect = (n: string, shape: readonly number[]) => {
    const t = byName.get(n);
    if (!t) fail(`module ${name} has layer weights under ${prefix}*_l0 but no ${n}`);
    if (t!.shape.length !== shape.length || t!.shape.some((d, i) => d !== shape[i])) {
      fail(
        `${n} has shape ${showShape(t!.shape)}, expected ${showShape(shape)} (an nn.${kind!.toUpperCase()} with hidden `
          + `size ${H}${P ? `, proj_size ${P}` : ""})`,
      );
    }
  };
  const directionsOf = (k: number, I: number): DirectionWeights[] =>
    (bidirectional ? ["", "_reverse"] : [""]).map((suffix) => {
      const s = `_l${k}${suffix}`;
      expect(`${prefix}weight_ih${s}`, [G, I]);
      expect(`${prefix}weight_hh${s}`, [G, R]);
      if (hasBias) for (const b of ["bias_ih", "bias_hh"]) expect(`${prefix}${b}${s}`, [G]);
      else {
        for (const b of ["bias_ih", "bias_hh"])
          if (byName.has(`${prefix}${b}${s}`)) fail(`${prefix}${b}${s} is there but ${prefix}bias_ih_l0 is not`);
      }
      if (P !== undefined) expect(`${prefix}weight_hr${s}`, [P, H]);
      const wih = take(`${prefix}weight_ih${s}`);
      const whh = take(`${prefix}weight_hh${s}`);
      const [bih, bhh] = hasBias
        ? [take(`${prefix}bias_ih${s}`), take(`${prefix}bias_hh${s}`)]
        : [undefined, undefined];
      const weights: Record<string, GateWeights> = {};
      packedGateOrder.pytorch[kind!].forEach((gate, block) => {
        weights[gate] = {
          W: rowBlock(wih, block, H),
          U: rowBlock(whh, block, H),
          ...(bih && bhh ? { bx: rowBlock(bih, block, H), bh: rowBlock(bhh, block, H) } : {}),
        };
      });
      return { gates: weights, ...(P !== undefined ? { projection: take(`${prefix}weight_hr${s}`) } : {}) };
    });
  const layers: RecurrentLayer[] = [];
  for (let k = 0; k < count; k++) {
    const I =
      k === 0
        ? (shapeOf(`${prefix}weight_ih_l0`) ?? fail(`module ${name} has no ${prefix}weight_ih_l0`))[1]!
        : (bidirectional ? 2 : 1) * R;
    const base = {
      inputSize: I,
      hiddenSize: H,
      directions: directionsOf(k, I),
      merge: "concat" as const,
      origin:
        `nn.${kind!.toUpperCase()} ${name}, layer ${k} ` +
        `(${prefix}*_l${k}${bidirectional ? ", *_l" + k + "_reverse" : ""})`,
      pytorch: { module: prefix, index: k },
    };
    const sigmoid = { kind: "sigmoid" } as const;
    const tanh = { kind: "tanh" } as const;
    if (kind === "rnn") layers.push({ ...base, kind, activation: { kind: options.rnnNonlinearity ?? "tanh" } });
    else if (kind === "gru")
      layers.push({ ...base, kind, activations: { gate: sigmoid, candidate: tanh }, resetAfter: true });
    else {
      layers.push({
        ...base,
        kind: "lstm",
        activations: { gate: sigmoid, candidate: tanh, cell: tanh },
        coupledForget: false,
        ...(P !== undefined ? { projectionSize: P } : {}),
      });
    }
  }
  return { kind: kind!, layers };
}
