// spec/apps/import/onnx — the glue other exporters write around recurrent
// nodes, built here with onnx-proto and run in onnxruntime-web: tf2onnx's
// (a batch-major Keras model transposed to time-major and back, each
// direction of a bidirectional node sliced out and squeezed, then joined by
// Concat or Add), and a Gemm readout over the steps and batch flattened into
// rows and split again (torch.onnx.export's nn.Linear on a 2-D input), with
// alpha and beta; a classifier's readout of the last layer's final state
// (torch's fc(h_n[-1]), or a Squeeze of Y_h), which is rnnc's y at each
// sequence's last step. Outputs within 1e-5 relative of onnxruntime's
// (float32), over ragged lengths for the classifiers.

import { describe, expect, it } from "vitest";
import { importFile, ImportError } from "../../../../apps/import/index.js";
import { compileImported, expectClose, run, type Inputs } from "../harness.js";
import { buildModel, runOrt, swap01, tensor, uniform, type NodeSpec } from "./graphs.js";

const [T, B, I, H] = [5, 3, 3, 4];
const int64 = (name: string, values: number[]) => tensor(name, [values.length], values, "int64");

/** Slices direction k out of Y [T, 2, B, H] and squeezes it: tf2onnx's glue after a bidirectional node. */
const direction = (y: string, k: 0 | 1, out: string): NodeSpec[] => [
  { opType: "Slice", inputs: [y, `start${k}`, `end${k}`, "axis1"], outputs: [`${out}.4d`] },
  { opType: "Squeeze", inputs: [`${out}.4d`, "axis1"], outputs: [out] },
];
const biGru = { hidden_size: H, direction: "bidirectional", linear_before_reset: 1 };
const sliceConstants = [int64("start0", [0]), int64("end0", [1]), int64("start1", [1]), int64("end1", [2])];

function tf2onnxModel(): Uint8Array {
  const draw = uniform(31);
  return buildModel({
    nodes: [
      { opType: "Transpose", inputs: ["X"], outputs: ["Xt"], attributes: { perm: [1, 0, 2] } },
      {
        opType: "LSTM",
        inputs: ["Xt", "W0", "R0", "B0"],
        outputs: ["Y0"],
        attributes: { hidden_size: H, direction: "bidirectional" },
      },
      ...direction("Y0", 0, "fwd"),
      ...direction("Y0", 1, "bwd"),
      { opType: "Concat", inputs: ["fwd", "bwd"], outputs: ["both"], attributes: { axis: -1 } },
      { opType: "GRU", inputs: ["both", "W1", "R1", "B1"], outputs: ["Y1"], attributes: biGru },
      ...direction("Y1", 0, "f1"),
      ...direction("Y1", 1, "b1"),
      { opType: "Add", inputs: ["b1", "f1"], outputs: ["sum"] },
      { opType: "Transpose", inputs: ["sum"], outputs: ["y"], attributes: { perm: [1, 0, 2] } },
    ],
    initializers: [
      tensor("W0", [2, 4 * H, I], draw(8 * H * I, 0.8)),
      tensor("R0", [2, 4 * H, H], draw(8 * H * H, 0.8)),
      tensor("B0", [2, 8 * H], draw(16 * H, 0.8)),
      tensor("W1", [2, 3 * H, 2 * H], draw(12 * H * H, 0.8)),
      tensor("R1", [2, 3 * H, H], draw(6 * H * H, 0.8)),
      tensor("B1", [2, 6 * H], draw(12 * H, 0.8)),
      ...sliceConstants,
      int64("axis1", [1]),
    ],
    inputs: [{ name: "X", dims: ["B", "T", I] }],
    outputs: [{ name: "y", dims: ["B", "T", H] }],
  });
}

function gemmModel(transB: 0 | 1): Uint8Array {
  const draw = uniform(32 + transB);
  const O = 2;
  return buildModel({
    nodes: [
      { opType: "GRU", inputs: ["X", "W", "R", "Bias"], outputs: ["Y"], attributes: biGru },
      ...direction("Y", 0, "f"),
      ...direction("Y", 1, "b"),
      { opType: "Concat", inputs: ["f", "b"], outputs: ["both"], attributes: { axis: 2 } },
      { opType: "Reshape", inputs: ["both", "rows"], outputs: ["flat"] },
      { opType: "Gemm", inputs: ["flat", "V", "c"], outputs: ["g"], attributes: { transB, alpha: 0.5, beta: 1.5 } },
      { opType: "Sigmoid", inputs: ["g"], outputs: ["s"] },
      { opType: "Shape", inputs: ["X"], outputs: ["shape"] },
      { opType: "Slice", inputs: ["shape", "start0", "end2"], outputs: ["tb"] },
      { opType: "Concat", inputs: ["tb", "minus1"], outputs: ["back"], attributes: { axis: 0 } },
      { opType: "Reshape", inputs: ["s", "back"], outputs: ["y"] },
    ],
    initializers: [
      tensor("W", [2, 3 * H, I], draw(6 * H * I, 0.8)),
      tensor("R", [2, 3 * H, H], draw(6 * H * H, 0.8)),
      tensor("Bias", [2, 6 * H], draw(12 * H, 0.8)),
      tensor("V", transB ? [O, 2 * H] : [2 * H, O], draw(2 * H * O, 0.8)),
      tensor("c", [O], draw(O, 0.8)),
      ...sliceConstants,
      int64("axis1", [1]),
      int64("end2", [2]),
      int64("minus1", [-1]),
      int64("rows", [-1, 2 * H]),
    ],
    inputs: [{ name: "X", dims: ["T", "B", I] }],
    outputs: [{ name: "y", dims: ["T", "B", O] }],
  });
}

describe("glue of other exporters, against onnxruntime-web", () => {
  const cases = [
    {
      name: "tf2onnx: batch-major, directions sliced and joined by Concat, then by Add",
      bytes: tf2onnxModel(),
      batchMajor: true,
    },
    {
      name: "a Gemm readout (transB 1, alpha, beta) over rows, reshaped back by the shape glue",
      bytes: gemmModel(1),
      batchMajor: false,
    },
    { name: "a Gemm readout with B [features, outputs] (transB 0)", bytes: gemmModel(0), batchMajor: false },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const imported = importFile("glue.onnx", c.bytes, "onnx");
      const x = uniform(40)(T * B * I, 1.5);
      const out = (await runOrt(c.bytes, { X: { data: x, dims: c.batchMajor ? [B, T, I] : [T, B, I] } })).y!;
      const features = out.dims[2]!;
      const want = c.batchMajor ? swap01(out.data, B, T, features) : Array.from(out.data);
      const inputs: Inputs = {
        steps: T,
        batch: B,
        lengths: new Array(B).fill(T),
        x: c.batchMajor ? swap01(x, B, T, I) : [...x],
      };
      for (const dtype of ["f64", "f32"] as const) {
        const y = run(compileImported(imported, dtype), inputs).get("y", "output", { batch: B, steps: T });
        expectClose(y, want, 1e-5, `${dtype} y`);
      }
    });
  }

  it("refuses one direction read alone, or the directions joined backward", () => {
    const refuse = (nodes: NodeSpec[], message: RegExp) => {
      const draw = uniform(50);
      const bytes = buildModel({
        nodes: [
          {
            opType: "RNN",
            inputs: ["X", "W", "R"],
            outputs: ["Y"],
            attributes: { hidden_size: H, direction: "bidirectional" },
          },
          ...direction("Y", 0, "f"),
          ...direction("Y", 1, "b"),
          ...nodes,
        ],
        initializers: [
          tensor("W", [2, H, I], draw(2 * H * I, 1)),
          tensor("R", [2, H, H], draw(2 * H * H, 1)),
          ...sliceConstants,
          int64("axis1", [1]),
        ],
        inputs: [{ name: "X", dims: ["T", "B", I] }],
        outputs: [{ name: "y", dims: ["T", "B", H] }],
      });
      expect(() => importFile("m.onnx", bytes, "onnx")).toThrow(ImportError);
      expect(() => importFile("m.onnx", bytes, "onnx")).toThrow(message);
    };
    refuse([{ opType: "Identity", inputs: ["f"], outputs: ["y"] }], /graph output y is direction 0 of a sequence/);
    refuse(
      [{ opType: "Concat", inputs: ["b", "f"], outputs: ["y"], attributes: { axis: -1 } }],
      /node concat\d+ \(Concat\): concatenates direction 1 .* joins only the two directions of one layer, forward then/,
    );
  });
});

/** A classifier as torch exports fc(h_n[-1]): two LSTM nodes, h_n their Y_h concatenated, a Gemm of its last row. */
function classifierModel(kind: "gather" | "squeeze"): Uint8Array {
  const draw = uniform(kind.length);
  const O = 3;
  const lstm = (x: string, k: number): NodeSpec[] => [
    {
      opType: "LSTM",
      inputs: [x, `W${k}`, `R${k}`, `B${k}`, "lens"],
      outputs: [`Y${k}`, `h${k}`],
      attributes: { hidden_size: H },
    },
    { opType: "Squeeze", inputs: [`Y${k}`, "axis1"], outputs: [`y${k}`] },
  ];
  const weights = (k: number, I: number) => [
    tensor(`W${k}`, [1, 4 * H, I], draw(4 * H * I, 0.8)),
    tensor(`R${k}`, [1, 4 * H, H], draw(4 * H * H, 0.8)),
    tensor(`B${k}`, [1, 8 * H], draw(8 * H, 0.8)),
  ];
  const head: NodeSpec[] =
    kind === "gather"
      ? [
          { opType: "Concat", inputs: ["h0", "h1"], outputs: ["h_n"], attributes: { axis: 0 } },
          { opType: "Gather", inputs: ["h_n", "last"], outputs: ["h_last"], attributes: { axis: 0 } },
          { opType: "Gemm", inputs: ["h_last", "V", "c"], outputs: ["logits"], attributes: { transB: 1 } },
        ]
      : [
          { opType: "Squeeze", inputs: ["h1", "axis0"], outputs: ["h_last"] },
          { opType: "MatMul", inputs: ["h_last", "Vt"], outputs: ["p"] },
          { opType: "Add", inputs: ["p", "c"], outputs: ["q"] },
          { opType: "Relu", inputs: ["q"], outputs: ["logits"] },
        ];
  const V = draw(O * H, 0.8);
  return buildModel({
    nodes: [...lstm("X", 0), ...lstm("y0", 1), ...head],
    initializers: [
      ...weights(0, I),
      ...weights(1, H),
      tensor("V", [O, H], V),
      tensor("Vt", [H, O], Array.from({ length: H * O }, (_, i) => V[(i % O) * H + Math.floor(i / O)]!)),
      tensor("c", [O], draw(O, 0.8)),
      tensor("last", [], [-1], "int64"),
      int64("axis0", [0]),
      int64("axis1", [1]),
    ],
    inputs: [
      { name: "X", dims: ["T", "B", I] },
      { name: "lens", dims: ["B"], int: true },
    ],
    outputs: [{ name: "logits", dims: ["B", O] }],
  });
}

describe("a classifier's readout of the final state, against onnxruntime-web", () => {
  for (const kind of ["gather", "squeeze"] as const) {
    const name = kind === "gather" ? "fc(h_n[-1]): Gather of the last row, Gemm" : "Squeeze of Y_h, MatMul, Add, Relu";
    it(name, async () => {
      const bytes = classifierModel(kind);
      const imported = importFile("classifier.onnx", bytes, "onnx");
      expect(imported.model.text).toContain("rnnc's y at its last step (lengths[i] − 1)");
      const lengths = [5, 2, 4];
      const x = uniform(41)(T * B * I, 1.5);
      const logits = (
        await runOrt(bytes, {
          X: { data: x, dims: [T, B, I] },
          lens: { data: Int32Array.from(lengths), dims: [B] },
        })
      ).logits!;
      const O = logits.dims[1]!;
      const inputs: Inputs = { steps: T, batch: B, lengths, x: [...x] };
      for (const dtype of ["f64", "f32"] as const) {
        const y = run(compileImported(imported, dtype), inputs).get("y", "output", { batch: B, steps: T });
        const at = (n: number, b: number) => ((n - 1) * B + b) * O;
        const last = lengths.flatMap((n, b) => Array.from(y.subarray(at(n, b), at(n, b) + O)));
        expectClose(last, logits.data, 1e-5, `${dtype} y at each sequence's last step`);
      }
    });
  }

  it("refuses the final state of a bidirectional layer, or of a layer before the last", () => {
    const draw = uniform(60);
    const model = (directions: 1 | 2, row: number) =>
      buildModel({
        nodes: [
          {
            opType: "GRU",
            inputs: ["X", "W", "R"],
            outputs: ["Y", "Y_h"],
            attributes: { hidden_size: H, direction: directions === 2 ? "bidirectional" : "forward" },
          },
          { opType: "Gather", inputs: ["Y_h", "row"], outputs: ["h"], attributes: { axis: 0 } },
          { opType: "Gemm", inputs: ["h", "V"], outputs: ["logits"], attributes: { transB: 1 } },
        ],
        initializers: [
          tensor("W", [directions, 3 * H, I], draw(directions * 3 * H * I, 1)),
          tensor("R", [directions, 3 * H, H], draw(directions * 3 * H * H, 1)),
          tensor("V", [2, H], draw(2 * H, 1)),
          tensor("row", [], [row], "int64"),
        ],
        inputs: [{ name: "X", dims: ["T", "B", I] }],
        outputs: [{ name: "logits", dims: ["B", 2] }],
      });
    expect(() => importFile("m.onnx", model(2, -1), "onnx")).toThrow(
      /node gather1 \(Gather\): reads the final h of direction 1 of layer 0; rnnc follows a final state on only as/,
    );
    expect(() => importFile("m.onnx", model(1, 3), "onnx")).toThrow(/picks final state 3 of 1/);
  });
});
