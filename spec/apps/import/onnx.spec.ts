// spec/apps/import — ONNX models imported and compiled, against onnxruntime-web
// running the same models on the same inputs in this process: networks that
// torch.onnx.export wrote (spec/fixtures/import/onnx: stacked layers joined
// by Squeeze or Transpose and Reshape, an embedding Gather, a MatMul and Add
// readout, a batch-first graph), and single nodes built here for what torch
// never writes (peepholes, clip, input_forget, activations with alphas and
// betas, linear_before_reset 0, sequence_lens over ragged lengths, initial
// states as inputs, directions summed by ReduceSum). onnxruntime computes in
// float32, so outputs must agree within 1e-5 relative (rnnc's f64 and f32
// builds alike).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { importFile } from "../../../apps/import/index.js";
import { prng } from "../../../compiler/api.js";
import { compileImported, expectClose, run, validSteps, type Inputs } from "./harness.js";
import {
  buildModel,
  runOrt,
  swap01,
  tensor,
  uniform,
  type AttributeValue,
  type Feed,
  type NodeSpec,
} from "./onnx/graphs.js";

const T = 6;
const BATCH = 3;
const tol = 1e-5;

/** Splits a [layers·dirs, batch, units] state into the module's state names, in order. */
function splitStates(data: ArrayLike<number>, names: readonly string[]): Record<string, number[]> {
  const per = data.length / names.length;
  return Object.fromEntries(names.map((n, i) => [n, Array.from(data).slice(i * per, (i + 1) * per)]));
}

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../fixtures/import/onnx/${name}.onnx`, import.meta.url)));

describe("ONNX models that torch.onnx.export wrote, against onnxruntime-web", () => {
  const cases = [
    { name: "lstm-tagger", ids: 11, states: ["l0.fwd.h", "l0.bwd.h", "l1.fwd.h", "l1.bwd.h"] },
    { name: "gru-2layer", features: 3, states: ["l0.h", "l1.h"] },
    { name: "rnn-relu-bi", features: 3, states: ["l0.fwd.h", "l0.bwd.h"] },
    // Exported with static shapes: 3 sequences of 5 steps.
    { name: "lstm-batch-first", features: 3, batchFirst: true, steps: 5, states: ["l0.fwd.h", "l0.bwd.h"] },
  ];
  for (const c of cases) {
    it(`${c.name}: every step's output and the final states`, async () => {
      const bytes = fixture(c.name);
      const imported = importFile(`${c.name}.onnx`, bytes, "onnx");
      const rand = prng(c.name.length);
      const T = c.steps ?? 6;
      const [d0, d1] = c.batchFirst ? [BATCH, T] : [T, BATCH];
      const feed: Feed = c.ids
        ? { data: BigInt64Array.from({ length: T * BATCH }, () => BigInt(Math.floor(rand() * c.ids!))), dims: [d0, d1] }
        : {
            data: Float32Array.from({ length: T * BATCH * c.features! }, () => rand() * 2 - 1),
            dims: [d0, d1, c.features!],
          };
      const out = await runOrt(bytes, { input: feed });
      const flat = Array.from(feed.data, Number);
      const inputs: Inputs = {
        steps: T,
        batch: BATCH,
        lengths: new Array(BATCH).fill(T),
        ...(c.ids ? { ids: flat } : { x: c.batchFirst ? swap01(flat, BATCH, T, c.features!) : flat }),
      };
      const y = out.y!;
      const features = y.dims[y.dims.length - 1]!;
      const want = c.batchFirst ? swap01(y.data, BATCH, T, features) : Array.from(y.data);
      const states = splitStates(out.h_n!.data, c.states);
      for (const dtype of ["f64", "f32"] as const) {
        const model = run(compileImported(imported, dtype), inputs);
        const size = { batch: BATCH, steps: T };
        expectClose(model.get("y", "output", size), want, tol, `${dtype} y`);
        for (const [name, data] of Object.entries(states))
          expectClose(model.get(name, "state_out", size), data, tol, `${dtype} ${name}`);
      }
    });
  }
});

interface NodeCase {
  readonly name: string;
  readonly op: "LSTM" | "GRU" | "RNN";
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  readonly dirs: 1 | 2;
  readonly peepholes?: boolean;
  readonly bias?: boolean;
  /** How a bidirectional node's directions are joined after it. */
  readonly join?: "concat" | "sum";
  readonly scale: number;
}

const gatesOf = { LSTM: 4, GRU: 3, RNN: 1 };

/** A model of one node with sequence_lens and initial states as inputs; Y's directions joined after it. */
function nodeModel(c: NodeCase, I: number, H: number, seed: number): Uint8Array {
  const G = gatesOf[c.op] * H;
  const draw = uniform(seed);
  const D = c.dirs;
  const lstm = c.op === "LSTM";
  const node: NodeSpec = {
    opType: c.op,
    inputs: [
      "X",
      "W",
      "R",
      c.bias === false ? "" : "B",
      "lens",
      "h0",
      ...(lstm ? ["c0", ...(c.peepholes ? ["P"] : [])] : []),
    ],
    outputs: ["Y", "Y_h", ...(lstm ? ["Y_c"] : [])],
    attributes: { hidden_size: H, direction: D === 2 ? "bidirectional" : "forward", ...c.attributes },
  };
  const join: NodeSpec[] =
    D === 1
      ? [{ opType: "Squeeze", inputs: ["Y", "one"], outputs: ["y"] }]
      : c.join === "sum"
        ? [{ opType: "ReduceSum", inputs: ["Y", "one"], outputs: ["y"], attributes: { keepdims: 0 } }]
        : [
            { opType: "Transpose", inputs: ["Y"], outputs: ["Yt"], attributes: { perm: [0, 2, 1, 3] } },
            { opType: "Reshape", inputs: ["Yt", "shape"], outputs: ["y"] },
          ];
  return buildModel({
    nodes: [node, ...join],
    initializers: [
      tensor("W", [D, G, I], draw(D * G * I, c.scale)),
      tensor("R", [D, G, H], draw(D * G * H, c.scale)),
      ...(c.bias === false ? [] : [tensor("B", [D, 2 * G], draw(D * 2 * G, c.scale))]),
      ...(c.peepholes ? [tensor("P", [D, 3 * H], draw(D * 3 * H, c.scale))] : []),
      tensor("one", [1], [1], "int64"),
      tensor("shape", [3], [0, 0, -1], "int64"),
    ],
    inputs: [
      { name: "X", dims: ["T", "B", I] },
      { name: "lens", dims: ["B"], int: true },
      { name: "h0", dims: [D, "B", H] },
      ...(lstm ? [{ name: "c0", dims: [D, "B", H] }] : []),
    ],
    outputs: [
      { name: "y", dims: ["T", "B", c.join === "sum" || D === 1 ? H : 2 * H] },
      { name: "Y_h", dims: [D, "B", H] },
      ...(lstm ? [{ name: "Y_c", dims: [D, "B", H] }] : []),
    ],
  });
}

const nodeCases: NodeCase[] = [
  {
    name: "LSTM with peepholes and clip 0.6",
    op: "LSTM",
    dirs: 1,
    peepholes: true,
    attributes: { clip: 0.6 },
    scale: 1.4,
  },
  {
    name: "bidirectional LSTM, input_forget, HardSigmoid/Tanh/Softsign with alpha and beta",
    op: "LSTM",
    dirs: 2,
    peepholes: true,
    attributes: {
      input_forget: 1,
      activations: ["HardSigmoid", "Tanh", "Softsign", "HardSigmoid", "Tanh", "Softsign"],
      activation_alpha: [0.3, 0.3],
      activation_beta: [0.45, 0.45],
    },
    scale: 0.9,
  },
  {
    name: "LSTM whose alpha goes to the one activation that takes it (Sigmoid, LeakyRelu, Tanh)",
    op: "LSTM",
    dirs: 1,
    attributes: { activations: ["Sigmoid", "LeakyRelu", "Tanh"], activation_alpha: [0.3] },
    scale: 0.9,
  },
  { name: "bidirectional GRU, reset before the product (linear_before_reset 0)", op: "GRU", dirs: 2, scale: 0.9 },
  {
    name: "GRU with linear_before_reset 1, HardSigmoid and Elu, summed directions",
    op: "GRU",
    dirs: 2,
    join: "sum",
    attributes: {
      linear_before_reset: 1,
      activations: ["HardSigmoid", "Elu", "HardSigmoid", "Elu"],
      activation_alpha: [0.2, 0.7, 0.2, 0.7],
      activation_beta: [0.5, 0.5],
    },
    scale: 0.9,
  },
  { name: "GRU without B", op: "GRU", dirs: 1, bias: false, attributes: { linear_before_reset: 1 }, scale: 0.9 },
  { name: "GRU with clip 0.5", op: "GRU", dirs: 1, attributes: { linear_before_reset: 1, clip: 0.5 }, scale: 1.4 },
  { name: "RNN with clip 0.4", op: "RNN", dirs: 2, attributes: { clip: 0.4 }, scale: 1.4 },
  {
    name: "RNN with LeakyRelu 0.2",
    op: "RNN",
    dirs: 1,
    attributes: { activations: ["LeakyRelu"], activation_alpha: [0.2] },
    scale: 0.6,
  },
  {
    name: "bidirectional RNN, ScaledTanh",
    op: "RNN",
    dirs: 2,
    attributes: {
      activations: ["ScaledTanh", "ScaledTanh"],
      activation_alpha: [1.5, 1.5],
      activation_beta: [0.8, 0.8],
    },
    scale: 0.6,
  },
  { name: "RNN with Softplus", op: "RNN", dirs: 1, attributes: { activations: ["Softplus"] }, scale: 0.5 },
  {
    name: "RNN with Affine",
    op: "RNN",
    dirs: 1,
    attributes: { activations: ["Affine"], activation_alpha: [0.5], activation_beta: [0.1] },
    scale: 0.5,
  },
];

describe(
  "single ONNX nodes built here, against onnxruntime-web, over ragged lengths (sequence_lens) from given " +
    "initial states",
  () => {
    const I = 3;
    const H = 4;
    nodeCases.forEach((c, k) => {
      it(c.name, async () => {
        const bytes = nodeModel(c, I, H, 100 + k);
        const imported = importFile(`${c.op}.onnx`, bytes, "onnx");
        const draw = uniform(200 + k);
        const lengths = [T, 2, 5];
        const x = draw(T * BATCH * I, 1.5);
        const h0 = draw(c.dirs * BATCH * H, 0.8);
        const c0 = draw(c.dirs * BATCH * H, 0.8);
        const lstm = c.op === "LSTM";
        const out = await runOrt(bytes, {
          X: { data: x, dims: [T, BATCH, I] },
          lens: { data: Int32Array.from(lengths), dims: [BATCH] },
          h0: { data: h0, dims: [c.dirs, BATCH, H] },
          ...(lstm ? { c0: { data: c0, dims: [c.dirs, BATCH, H] } } : {}),
        });
        const names = (state: string) => (c.dirs === 2 ? [`l0.fwd.${state}`, `l0.bwd.${state}`] : [`l0.${state}`]);
        const inputs: Inputs = {
          steps: T,
          batch: BATCH,
          lengths,
          x: [...x],
          states: { ...splitStates(h0, names("h")), ...(lstm ? splitStates(c0, names("c")) : {}) },
        };
        const features = out.y!.dims[2]!;
        for (const dtype of ["f64", "f32"] as const) {
          const model = run(compileImported(imported, dtype), inputs);
          const size = { batch: BATCH, steps: T };
          expectClose(model.get("y", "output", size), out.y!.data, tol, `${dtype} y`, validSteps(inputs, features));
          for (const [name, data] of Object.entries(splitStates(out.Y_h!.data, names("h"))))
            expectClose(model.get(name, "state_out", size), data, tol, `${dtype} ${name}`);
          if (lstm) {
            for (const [name, data] of Object.entries(splitStates(out.Y_c!.data, names("c"))))
              expectClose(model.get(name, "state_out", size), data, tol, `${dtype} ${name}`);
          }
        }
      });
    });
  },
);
