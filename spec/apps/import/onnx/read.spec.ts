// spec/apps/import/onnx — what the ONNX reader (apps/import/onnx/read.ts) does
// besides onnxruntime's parity (../onnx.spec.ts): layout 1, which onnxruntime
// does not run, against layout 0; initializers in external data files; and
// each kind of graph it refuses, with the node named, damaged files included.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { importFile, ImportError } from "../../../../apps/import/index.js";
import { buildModel, tensor, uniform, type NodeSpec } from "./graphs.js";

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../../fixtures/import/onnx/${name}.onnx`, import.meta.url)));

describe("layout 1 (batch-major), which onnxruntime does not run", () => {
  it(
    "imports to the same model and parameters as the same node in layout 0, its inputs and outputs noted as " +
      "batch-major",
    () => {
      const draw = uniform(7);
      const [W, R, B] = [draw(16 * 3, 1), draw(16 * 4, 1), draw(32, 1)];
      const graph = (layout: 0 | 1) =>
        buildModel({
          nodes: [
            { opType: "LSTM", inputs: ["X", "W", "R", "B"], outputs: ["Y"], attributes: { hidden_size: 4, layout } },
            { opType: "Squeeze", inputs: ["Y", "axis"], outputs: ["y"] },
          ],
          initializers: [
            tensor("W", [1, 16, 3], W),
            tensor("R", [1, 16, 4], R),
            tensor("B", [1, 32], B),
            tensor("axis", [1], [layout === 0 ? 1 : 2], "int64"),
          ],
          inputs: [{ name: "X", dims: layout === 0 ? ["T", "N", 3] : ["N", "T", 3] }],
          outputs: [{ name: "y", dims: layout === 0 ? ["T", "N", 4] : ["N", "T", 4] }],
        });
      const [time, batch] = [importFile("a.onnx", graph(0), "onnx"), importFile("a.onnx", graph(1), "onnx")];
      expect(batch.params).toEqual(time.params);
      expect(batch.network.bindings).toEqual([
        {
          source: "X",
          role: "input",
          rnnc: ["x"],
          note: "ONNX's is [batch, steps, features]; rnnc's x is [steps, batch, features]",
        },
        {
          source: "y",
          role: "output",
          rnnc: ["y"],
          note: "ONNX's is [batch, steps, features]; rnnc's y is [steps, batch, features]",
        },
      ]);
      expect(time.network.bindings).toEqual([
        { source: "X", role: "input", rnnc: ["x"] },
        { source: "y", role: "output", rnnc: ["y"] },
      ]);
    },
  );
});

describe("ONNX graphs rnnc refuses, naming the node", () => {
  const W = tensor("W", [1, 4, 2], new Array(8).fill(0.1));
  const R = tensor("R", [1, 4, 4], new Array(16).fill(0.1));
  const refuse = (
    nodes: NodeSpec[],
    message: RegExp,
    extra: { initializers?: ReturnType<typeof tensor>[]; outputs?: string[] } = {},
  ) => {
    const bytes = buildModel({
      nodes,
      initializers: [W, R, ...(extra.initializers ?? [])],
      inputs: [{ name: "X", dims: ["T", "B", 2] }],
      outputs: (extra.outputs ?? ["y"]).map((name) => ({ name, dims: ["T", "B", 4] })),
    });
    expect(() => importFile("bad.onnx", bytes, "onnx")).toThrow(ImportError);
    expect(() => importFile("bad.onnx", bytes, "onnx")).toThrow(message);
  };

  it("an operator rnnc does not import", () => {
    refuse(
      [
        { opType: "RNN", inputs: ["X", "W", "R"], outputs: ["Y"], attributes: { hidden_size: 4 } },
        { opType: "LayerNormalization", inputs: ["Y"], outputs: ["y"] },
      ],
      /node layernormalization1 \(LayerNormalization\): rnnc does not import LayerNormalization nodes/,
    );
  });

  it("a reverse-only layer, ThresholdedRelu, a missing alpha, different activations per direction", () => {
    refuse(
      [
        {
          opType: "RNN",
          inputs: ["X", "W", "R"],
          outputs: ["y"],
          attributes: { hidden_size: 4, direction: "reverse" },
        },
      ],
      /node rnn0 \(RNN\): direction reverse/,
    );
    refuse(
      [
        {
          opType: "RNN",
          inputs: ["X", "W", "R"],
          outputs: ["y"],
          attributes: { hidden_size: 4, activations: ["ThresholdedRelu"] },
        },
      ],
      /ThresholdedRelu .* no exact form/,
    );
    refuse(
      [
        {
          opType: "RNN",
          inputs: ["X", "W", "R"],
          outputs: ["y"],
          attributes: { hidden_size: 4, activations: ["Affine"], activation_alpha: [2] },
        },
      ],
      /Affine needs its alpha and beta/,
    );
    refuse(
      [
        {
          opType: "RNN",
          inputs: ["X", "W2", "R2"],
          outputs: ["y"],
          attributes: { hidden_size: 4, direction: "bidirectional", activations: ["Tanh", "Relu"] },
        },
      ],
      /two directions use different activations/,
      {
        initializers: [tensor("W2", [2, 4, 2], new Array(16).fill(0)), tensor("R2", [2, 4, 4], new Array(32).fill(0))],
      },
    );
  });

  it("a graph output that is not the end of the network, a nonzero constant initial state", () => {
    refuse(
      [
        { opType: "RNN", inputs: ["X", "W", "R"], outputs: ["Y"], attributes: { hidden_size: 4 } },
        { opType: "Squeeze", inputs: ["Y", "one"], outputs: ["z"] },
        { opType: "RNN", inputs: ["z", "W4", "R"], outputs: ["y"], attributes: { hidden_size: 4 } },
      ],
      /graph output z is a sequence .*; rnnc's module outputs the end of the network/,
      {
        initializers: [tensor("one", [1], [1], "int64"), tensor("W4", [1, 4, 4], new Array(16).fill(0))],
        outputs: ["y", "z"],
      },
    );
    refuse(
      [{ opType: "RNN", inputs: ["X", "W", "R", "", "", "h0"], outputs: ["y"], attributes: { hidden_size: 4 } }],
      /initial_h is a nonzero constant/,
      { initializers: [tensor("h0", [1, 1, 4], [1, 0, 0, 0])] },
    );
  });

  it("damaged files: ImportErrors naming the file, never a crash", () => {
    const good = fixture("lstm-tagger");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.nat(good.length),
        (flips, cut) => {
          const damaged = good.slice(0, Math.max(cut, good.length - 64));
          for (const [at, x] of flips) if (at < damaged.length) damaged[at]! ^= x;
          try {
            importFile("damaged.onnx", damaged, "onnx");
          } catch (e) {
            if (!(e instanceof ImportError)) throw e;
            expect((e as Error).message).toMatch(/^damaged\.onnx: /);
          }
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });

  it("initializers kept in an external data file beside the model", () => {
    const draw = uniform(3);
    const [w, r] = [draw(4 * 2, 1), draw(4 * 4, 1)];
    const external = new Uint8Array(8 + 4 * (8 + 16));
    new Float32Array(external.buffer, 8).set([...w, ...r]);
    const outside = (name: string, dims: number[], offset: number, length: number) => ({
      name,
      dims,
      dataType: 1,
      dataLocation: 1,
      externalData: [
        { key: "location", value: "weights.bin" },
        { key: "offset", value: String(offset) },
        { key: "length", value: String(length) },
      ],
    });
    const graph = (W: ReturnType<typeof tensor>, R: ReturnType<typeof tensor>) =>
      buildModel({
        nodes: [
          { opType: "RNN", inputs: ["X", "W", "R"], outputs: ["Y"], attributes: { hidden_size: 4 } },
          { opType: "Squeeze", inputs: ["Y", "one"], outputs: ["y"] },
        ],
        initializers: [W, R, tensor("one", [1], [1], "int64")],
        inputs: [{ name: "X", dims: ["T", "B", 2] }],
        outputs: [{ name: "y", dims: ["T", "B", 4] }],
      });
    const inline = importFile("a.onnx", graph(tensor("W", [1, 4, 2], w), tensor("R", [1, 4, 4], r)), "onnx");
    const beside = (path: string) => {
      if (path !== "weights.bin") throw new Error(`no file ${path}`);
      return external;
    };
    const bytes = graph(outside("W", [1, 4, 2], 8, 32), outside("R", [1, 4, 4], 40, 64));
    expect(importFile("a.onnx", bytes, "onnx", {}, beside).params).toEqual(inline.params);
    expect(() => importFile("a.onnx", bytes, "onnx")).toThrow(
      /initializer W keeps its data in weights\.bin, which cannot be read/,
    );
    const past = graph(outside("W", [1, 4, 2], 8, 32), outside("R", [1, 4, 4], 60, 64));
    expect(() => importFile("a.onnx", past, "onnx", {}, beside)).toThrow(
      /initializer R: its data at \[60, 124\) runs past the end of weights\.bin/,
    );
  });

  it("a file that is not ONNX", () => {
    expect(() => importFile("x.onnx", new Uint8Array([1, 2, 3, 4, 5]), "onnx")).toThrow(/x\.onnx: not an ONNX model/);
  });
});
