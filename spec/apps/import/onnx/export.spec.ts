// spec/apps/import/onnx — rnnc export to ONNX: models imported from PyTorch,
// Keras and ONNX (every cell kind, one and two directions merged both ways,
// embeddings, readouts with activations, Keras' single biases, a reset-before
// GRU, peepholes, clip, input_forget, ONNX's other activations), exported,
// run in onnxruntime-web over ragged lengths: y and every final state within
// 1e-5 relative of the rnnc module compiled from the same import (onnxruntime
// runs float32). Import → export → import is the identity on the parameters;
// what an ONNX node cannot hold is refused by layer.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  exportOnnx,
  importFile,
  ImportError,
  type Imported,
  type SourceFormat,
} from "../../../../apps/import/index.js";
import { prng } from "../../../../compiler/api.js";
import { decodeParams, type ParamRecord } from "../../../../runtime/index.js";
import { compileImported, expectClose, run, validSteps, type Inputs } from "../harness.js";
import { buildModel, runOrt, tensor, uniform, type Feed } from "./graphs.js";

const fixtures = new URL("../../../fixtures/import/", import.meta.url);
const read = (file: string) => new Uint8Array(readFileSync(new URL(file, fixtures)));
const toOnnx = (imported: Imported, dtype?: "f32" | "f64") =>
  exportOnnx(imported.skeleton, "network.json", imported.params, "params.safetensors", dtype);
const sorted = (records: readonly ParamRecord[]) =>
  [...records].sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({ ...r, data: [...r.data] }));

/** An LSTM with peepholes, clip and input_forget, and a GRU with HardSigmoid and Elu: what only ONNX writes. */
function onnxNode(op: "LSTM" | "GRU"): Uint8Array {
  const [I, H] = [3, 4];
  const G = op === "LSTM" ? 4 : 3;
  const draw = uniform(op.length);
  const lstm = op === "LSTM";
  return buildModel({
    nodes: [
      {
        opType: op,
        inputs: ["X", "W", "R", "B", "", "", "", ...(lstm ? ["P"] : [])],
        outputs: ["Y"],
        attributes: lstm
          ? { hidden_size: H, direction: "bidirectional", clip: 0.7, input_forget: 1 }
          : {
              hidden_size: H,
              linear_before_reset: 1,
              activations: ["HardSigmoid", "Elu"],
              activation_alpha: [0.25, 0.6],
              activation_beta: [0.45],
            },
      },
      ...(lstm
        ? [
            { opType: "Transpose", inputs: ["Y"], outputs: ["Yt"], attributes: { perm: [0, 2, 1, 3] } },
            { opType: "Reshape", inputs: ["Yt", "shape"], outputs: ["y"] },
          ]
        : [{ opType: "Squeeze", inputs: ["Y", "one"], outputs: ["y"] }]),
    ],
    initializers: [
      tensor("W", [lstm ? 2 : 1, G * H, I], draw((lstm ? 2 : 1) * G * H * I, 1.2)),
      tensor("R", [lstm ? 2 : 1, G * H, H], draw((lstm ? 2 : 1) * G * H * H, 1.2)),
      tensor("B", [lstm ? 2 : 1, 2 * G * H], draw((lstm ? 2 : 1) * 2 * G * H, 1.2)),
      ...(lstm ? [tensor("P", [2, 3 * H], draw(6 * H, 1.2))] : []),
      tensor("one", [1], [1], "int64"),
      tensor("shape", [3], [0, 0, -1], "int64"),
    ],
    inputs: [{ name: "X", dims: ["T", "B", I] }],
    outputs: [{ name: "y", dims: ["T", "B", lstm ? 2 * H : H] }],
  });
}

interface Source {
  readonly name: string;
  readonly format: SourceFormat;
  readonly bytes: () => Uint8Array;
  readonly options?: object;
}

const torch = (name: string, options: object = {}): Source => ({
  name,
  format: "torch",
  bytes: () => read(`torch/${name}.pt`),
  options,
});
const sources: Source[] = [
  torch("rnn-relu-bi2", { rnnNonlinearity: "relu" }),
  torch("lstm-tagger"),
  torch("gru-nobias"),
  torch("gru-bi-sigmoid", { readoutActivation: "sigmoid" }),
  torch("stacked-modules"),
  torch("lstm-f32"),
  ...["lstm-tagger", "gru-stack", "gru-sum-states", "gru-reset-after"].map(
    (name): Source => ({ name: `${name}.keras`, format: "keras", bytes: () => read(`keras/${name}.keras`) }),
  ),
  { name: "an ONNX LSTM with peepholes, clip, input_forget", format: "onnx", bytes: () => onnxNode("LSTM") },
  { name: "an ONNX GRU with HardSigmoid and Elu", format: "onnx", bytes: () => onnxNode("GRU") },
];

const [T, B] = [6, 3];
const lengths = [6, 2, 4];

describe("rnnc export to ONNX, run in onnxruntime-web, against the rnnc module of the same import", () => {
  for (const source of sources) {
    it(source.name, async () => {
      const imported = importFile(source.name, source.bytes(), source.format, source.options);
      const exported = toOnnx(imported, "f32");
      const { network } = imported;
      const draw = uniform(source.name.length);
      const rand = prng(source.name.length);
      const rows = network.input.kind === "embedding" ? network.input.table.shape[0]! : 0;
      const ids = rows > 0 ? Array.from({ length: T * B }, () => Math.floor(rand() * rows)) : undefined;
      const x = network.input.kind === "dense" ? draw(T * B * network.input.size, 1.3) : undefined;
      const feeds: Record<string, Feed> = {
        lengths: { data: Int32Array.from(lengths), dims: [B] },
        ...(ids
          ? { tokens: { data: BigInt64Array.from(ids, BigInt), dims: [T, B] } }
          : { x: { data: x!, dims: [T, B, network.input.kind === "dense" ? network.input.size : 0] } }),
      };
      const out = await runOrt(exported.bytes, feeds);
      const inputs: Inputs = { steps: T, batch: B, lengths, ...(ids ? { ids } : { x: [...x!] }) };
      const model = run(compileImported(imported, "f64"), inputs);
      const size = { batch: B, steps: T };
      const y = out.y!;
      expectClose(model.get("y", "output", size), y.data, 1e-5, "y", validSteps(inputs, y.dims[2]!));
      network.layers.forEach((layer, k) => {
        const names = layer.directions.length === 2 ? [`l${k}.fwd.`, `l${k}.bwd.`] : [`l${k}.`];
        for (const state of layer.kind === "lstm" ? ["h", "c"] : ["h"]) {
          const onnx = out[`l${k}.${state}_n`]!;
          const per = onnx.data.length / names.length;
          names.forEach((n, d) =>
            expectClose(
              model.get(`${n}${state}`, "state_out", size),
              Array.from(onnx.data).slice(d * per, (d + 1) * per),
              1e-5,
              `${n}${state}`,
            ),
          );
        }
      });
    });
  }
});

describe("import → export to ONNX → import is the identity on parameters", () => {
  for (const source of sources.filter((s) => s.format !== "keras")) {
    it(source.name, () => {
      const imported = importFile(source.name, source.bytes(), source.format, source.options);
      const again = importFile("back.onnx", toOnnx(imported).bytes, "onnx");
      expect(again.network.dtype).toBe(imported.network.dtype);
      expect(sorted(decodeParams(again.params))).toEqual(sorted(decodeParams(imported.params)));
    });
  }

  it("a Keras file's one bias per gate comes back as ONNX's Wb, its Rb zero", () => {
    const imported = importFile("m.keras", read("keras/gru-stack.keras"), "keras");
    const back = importFile("back.onnx", toOnnx(imported).bytes, "onnx");
    const again = new Map(decodeParams(back.params).map((r) => [r.name, r]));
    for (const r of decodeParams(imported.params)) {
      const bias = /^(l\d\.)b([zrnh])$/.exec(r.name);
      expect(again.get(bias ? `${bias[1]}bx${bias[2]}` : r.name)?.data, r.name).toEqual(r.data);
      if (bias) expect([...again.get(`${bias[1]}bh${bias[2]}`)!.data].every((v) => v === 0), r.name).toBe(true);
    }
  });
});

describe("what an ONNX node cannot hold", () => {
  it("an LSTM's projection (proj_size), named by layer", () => {
    const imported = importFile("lstm-proj.pt", read("torch/lstm-proj.pt"), "torch");
    expect(() => toOnnx(imported)).toThrow(ImportError);
    expect(() => toOnnx(imported)).toThrow(
      /^layer 0 \(nn\.LSTM rnns\.0, layer 0 .*\) has no ONNX node: its output is projected \(PyTorch's proj_size\)/,
    );
  });
});
