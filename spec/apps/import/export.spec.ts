// spec/apps/import — the way back (rnnc export): an imported model's
// parameters as a PyTorch state_dict. A state_dict imported and exported is
// the same state_dict, name for name and bit for bit; import → export →
// import is the identity on the model's parameters for every source PyTorch
// can hold (a PyTorch state_dict, an ONNX graph, a Keras model.json or .keras file); trained
// values go where the imported ones came from; what PyTorch has no module for
// is refused by layer.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exportTorch, importFile, ImportError, type Imported } from "../../../apps/import/index.js";
import { decodeParams, encodeParams, type ParamRecord } from "../../../runtime/index.js";
import { buildModel, tensor, uniform } from "./onnx/graphs.js";

const fixtures = new URL("../../fixtures/import/", import.meta.url);
const read = (file: string) => new Uint8Array(readFileSync(new URL(file, fixtures)));
const sorted = (records: readonly ParamRecord[]) =>
  [...records].sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({ ...r, data: [...r.data] }));
const back = (imported: Imported, params = imported.params) =>
  exportTorch(imported.skeleton, "network.json", params, "params.safetensors");

const torchCases: [string, object][] = [
  ["rnn-tanh", {}],
  ["rnn-relu-bi2", { rnnNonlinearity: "relu" }],
  ["lstm-tagger", {}],
  ["lstm-proj", {}],
  ["gru-nobias", {}],
  ["gru-bi-sigmoid", { readoutActivation: "sigmoid" }],
  ["stacked-modules", {}],
  ["lstm-f32", {}],
];

describe("PyTorch state_dicts: import, then export", () => {
  for (const [name, options] of torchCases) {
    it(`${name}: the same state_dict, bit for bit, and the same parameters imported again`, () => {
      const imported = importFile(`${name}.pt`, read(`torch/${name}.pt`), "torch", options);
      const exported = back(imported);
      expect(sorted(decodeParams(exported.file))).toEqual(sorted(decodeParams(read(`torch/${name}.safetensors`))));
      const again = importFile(`${name}.safetensors`, exported.file, "safetensors", {
        ...options,
        ...(name === "stacked-modules" ? { rnn: ["rnns.0", "rnns.1", "rnns.2"] } : {}),
      });
      expect(sorted(decodeParams(again.params))).toEqual(sorted(decodeParams(imported.params)));
    });
  }

  it("trained values land where the imported ones came from", () => {
    const imported = importFile("lstm-tagger.pt", read("torch/lstm-tagger.pt"), "torch");
    // A trained file of the model: every value halved (exact in binary floating point).
    const trained = encodeParams(
      decodeParams(imported.params).map((r) => {
        const data = new Float64Array(
          r.data.buffer.slice(r.data.byteOffset, r.data.byteOffset + r.data.byteLength),
        ).map((v) => v / 2);
        return { ...r, data: new Uint8Array(data.buffer) };
      }),
    );
    const original = new Map(
      decodeParams(read("torch/lstm-tagger.safetensors")).map((r) => [r.name, new Float64Array(r.data.slice().buffer)]),
    );
    for (const r of decodeParams(back(imported, trained).file)) {
      expect([...new Float64Array(r.data.slice().buffer)], r.name).toEqual(
        [...original.get(r.name)!].map((v) => v / 2),
      );
    }
  });
});

describe("other sources PyTorch can hold: import → export → import is the identity", () => {
  it("an ONNX graph (default names rnn., embedding., fc.)", () => {
    for (const name of ["lstm-tagger", "gru-2layer", "rnn-relu-bi"]) {
      const imported = importFile(`${name}.onnx`, read(`onnx/${name}.onnx`), "onnx");
      const exported = back(imported);
      if (name === "lstm-tagger") {
        expect(exported.names).toEqual(
          expect.arrayContaining(["embedding.weight", "rnn.weight_ih_l1_reverse", "fc.weight", "fc.bias"]),
        );
      }
      const again = importFile(
        "x.safetensors",
        exported.file,
        "safetensors",
        name === "rnn-relu-bi" ? { rnnNonlinearity: "relu" } : {},
      );
      expect(sorted(decodeParams(again.params))).toEqual(sorted(decodeParams(imported.params)));
    }
  });

  it("a Keras model.json with Bidirectional(GRU(reset_after=True))", () => {
    const dir = (p: string) => read(`keras/${p}`);
    const imported = importFile("gru-reset-after.json", dir("gru-reset-after.json"), "tfjs", {}, dir);
    const again = importFile("x.safetensors", back(imported).file, "safetensors");
    expect(sorted(decodeParams(again.params))).toEqual(sorted(decodeParams(imported.params)));
  });

  it("a Keras 3 .keras file with Bidirectional(GRU(reset_after=True)) in float64", () => {
    const imported = importFile("gru-reset-after.keras", read("keras/gru-reset-after.keras"), "keras");
    const again = importFile("x.safetensors", back(imported).file, "safetensors");
    expect(sorted(decodeParams(again.params))).toEqual(sorted(decodeParams(imported.params)));
  });

  it("a .keras LSTM's one bias comes back as PyTorch's two: bias_ih as Keras' bias, bias_hh zero", () => {
    const imported = importFile("lstm-tagger.keras", read("keras/lstm-tagger.keras"), "keras");
    const again = new Map(
      decodeParams(importFile("x.safetensors", back(imported).file, "safetensors").params).map((r) => [r.name, r]),
    );
    const before = decodeParams(imported.params);
    for (const r of before) {
      const bias = /^(l\d\.(?:fwd|bwd)\.)b([ifgo])$/.exec(r.name);
      expect(again.get(bias ? `${bias[1]}bx${bias[2]}` : r.name)?.data, r.name).toEqual(r.data);
      if (bias) expect([...again.get(`${bias[1]}bh${bias[2]}`)!.data].every((v) => v === 0)).toBe(true);
    }
    expect(again.size).toBe(before.length + 8);
  });
});

describe("what export refuses", () => {
  const refused = (imported: Imported, message: RegExp, params?: Uint8Array) => {
    expect(() => back(imported, params)).toThrow(ImportError);
    expect(() => back(imported, params)).toThrow(message);
  };
  const lstm = (attributes: Record<string, number | string>, withP = false) => {
    const draw = uniform(1);
    return importFile(
      "lstm.onnx",
      buildModel({
        nodes: [
          {
            opType: "LSTM",
            inputs: ["X", "W", "R", "", "", "", "", ...(withP ? ["P"] : [])],
            outputs: ["Y"],
            attributes: { hidden_size: 2, ...attributes },
          },
          { opType: "Squeeze", inputs: ["Y", "one"], outputs: ["y"] },
        ],
        initializers: [
          tensor("W", [1, 8, 3], draw(24, 1)),
          tensor("R", [1, 8, 2], draw(16, 1)),
          tensor("one", [1], [1], "int64"),
          ...(withP ? [tensor("P", [1, 6], draw(6, 1))] : []),
        ],
        inputs: [{ name: "X", dims: ["T", "B", 3] }],
        outputs: [{ name: "y", dims: ["T", "B", 2] }],
      }),
      "onnx",
    );
  };

  it("layers PyTorch has no module for", () => {
    refused(
      lstm({}, true),
      /layer 0 \(LSTM node lstm0\) has no PyTorch module: it has peepholes, which nn\.LSTM does not/,
    );
    refused(lstm({ clip: 2.5 }), /it clips its gates/);
    refused(lstm({ input_forget: 1 }), /its forget gate is 1 − i/);
  });

  it("parameters of another model, a network.json that is not one", () => {
    const imported = importFile("rnn-tanh.pt", read("torch/rnn-tanh.pt"), "torch");
    refused(
      imported,
      /params\.safetensors|the parameters have no l0\.W/,
      importFile("x.pt", read("torch/gru-nobias.pt"), "torch").params,
    );
    expect(() => exportTorch("{}", "network.json", imported.params, "p")).toThrow(
      'network.json: not a network.json of rnnc import (its format is not "rnnc-network")',
    );
    const broken = imported.skeleton.replace('"kind": "rnn"', '"kind": "transformer"');
    expect(() => exportTorch(broken, "network.json", imported.params, "p")).toThrow(
      "network.json: network.layers[0]: kind is not rnn, lstm or gru",
    );
  });
});
