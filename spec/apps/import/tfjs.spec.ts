// spec/apps/import — TF.js layers models imported and compiled, against
// @tensorflow/tfjs running the same models in this process: each model is
// built here with seeded random weights, saved as model.json and a weight
// shard (tf.io.withSaveHandler), imported, and both are run on the same
// inputs, ragged through Keras' masks (Embedding mask_zero, Masking) and
// rnnc's lengths. TF.js computes in float32: outputs agree within 1e-5
// relative, over each sequence's valid steps (or its last one, for a layer
// with return_sequences false). TF.js refuses GRU reset_after=True: a Keras
// model.json made from a PyTorch GRU's weights (spec/fixtures/import/make.py)
// is checked against PyTorch's outputs instead.

import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { importFile, ImportError } from "../../../apps/import/index.js";
import { prng } from "../../../compiler/api.js";
import { compileImported, expectClose, run, validSteps, type Inputs } from "./harness.js";

const T = 6;
const BATCH = 3;
const LENGTHS = [6, 2, 4];
const tol = 1e-5;

/** model.json and its shard, as tf.LayersModel.save writes them to files. */
async function save(model: tf.LayersModel): Promise<{ json: Uint8Array; files: Map<string, Uint8Array> }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  const a = artifacts!;
  const json = {
    format: "layers-model",
    generatedBy: a.generatedBy,
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: a.weightSpecs }],
  };
  const data = a.weightData as ArrayBuffer;
  return {
    json: new TextEncoder().encode(JSON.stringify(json)),
    files: new Map([["group1-shard1of1.bin", new Uint8Array(data)]]),
  };
}

function randomize(model: tf.LayersModel, seed: number, scale: number): void {
  const rand = prng(seed);
  model.setWeights(
    model.getWeights().map((w) =>
      tf.tensor(
        Float32Array.from({ length: w.size }, () => (rand() * 2 - 1) * scale),
        w.shape,
      ),
    ),
  );
}

interface Case {
  readonly name: string;
  readonly build: () => tf.LayersModel;
  /** Vocabulary size of an Embedding input, else a dense input of `features`. */
  readonly vocabulary?: number;
  readonly features?: number;
  /** What the Keras model outputs, when not every step. */
  readonly output?: "last step" | "final states";
}

const cases: Case[] = [
  {
    name: "Masking, LSTM (sigmoid gates), Dense",
    features: 3,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.masking({ maskValue: 0, inputShape: [T, 3] }),
          tf.layers.lstm({ units: 4, returnSequences: true, recurrentActivation: "sigmoid" }),
          tf.layers.dense({ units: 2 }),
        ],
      }),
  },
  {
    name: "Embedding mask_zero, Bidirectional LSTM (concat, hard_sigmoid), TimeDistributed(Dense sigmoid)",
    vocabulary: 9,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputLength: T }),
          tf.layers.bidirectional({
            layer: tf.layers.lstm({ units: 4, returnSequences: true }) as tf.RNN,
            mergeMode: "concat",
          }),
          tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3, activation: "sigmoid" }) }),
        ],
      }),
  },
  {
    name: "GRU (reset before, hard_sigmoid), SimpleRNN relu without bias, Dense and Activation tanh",
    features: 2,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.masking({ maskValue: 0, inputShape: [T, 2] }),
          tf.layers.gru({ units: 4, returnSequences: true }),
          tf.layers.simpleRNN({ units: 3, returnSequences: true, activation: "relu", useBias: false }),
          tf.layers.dense({ units: 2 }),
          tf.layers.activation({ activation: "tanh" }),
        ],
      }),
  },
  {
    name: "Embedding mask_zero, GRU returning its last step, Dense relu",
    vocabulary: 7,
    output: "last step",
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 7, outputDim: 4, maskZero: true, inputLength: T }),
          tf.layers.gru({ units: 3, recurrentActivation: "sigmoid" }),
          tf.layers.dense({ units: 2, activation: "relu" }),
        ],
      }),
  },
  {
    name: "Masking, Bidirectional GRU (sum) returning its final states",
    features: 3,
    output: "final states",
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.masking({ maskValue: 0, inputShape: [T, 3] }),
          tf.layers.bidirectional({
            layer: tf.layers.gru({ units: 3, recurrentActivation: "sigmoid" }) as tf.RNN,
            mergeMode: "sum",
          }),
        ],
      }),
  },
  {
    name: "SimpleRNN softsign, LSTM elu",
    features: 3,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.masking({ maskValue: 0, inputShape: [T, 3] }),
          tf.layers.simpleRNN({ units: 3, returnSequences: true, activation: "softsign" }),
          tf.layers.lstm({ units: 2, returnSequences: true, activation: "elu", recurrentActivation: "sigmoid" }),
        ],
      }),
  },
];

/** Batch-major [B, T, F] → time-major [T, B, F]. */
function timeMajor(data: ArrayLike<number>, features: number): number[] {
  const out = new Array<number>(data.length);
  for (let b = 0; b < BATCH; b++) {
    for (let t = 0; t < T; t++)
      for (let f = 0; f < features; f++) out[(t * BATCH + b) * features + f] = data[(b * T + t) * features + f]!;
  }
  return out;
}

describe("TF.js layers models, against @tensorflow/tfjs", () => {
  cases.forEach((c, k) => {
    it(c.name, async () => {
      const model = c.build();
      randomize(model, 40 + k, 0.9);
      const { json, files } = await save(model);
      const imported = importFile("model.json", json, "tfjs", {}, (path) => files.get(path) ?? new Uint8Array());
      const rand = prng(90 + k);
      // Steps past a sequence's length are Keras' masked steps: id 0, or all features 0.
      const batchMajor = Array.from({ length: BATCH * T * (c.features ?? 1) }, (_, i) => {
        const [b, t] = [Math.floor(i / (T * (c.features ?? 1))), Math.floor(i / (c.features ?? 1)) % T];
        if (t >= LENGTHS[b]!) return 0;
        return c.vocabulary ? 1 + Math.floor(rand() * (c.vocabulary - 1)) : rand() * 2 - 1;
      });
      const x = c.vocabulary ? tf.tensor2d(batchMajor, [BATCH, T]) : tf.tensor3d(batchMajor, [BATCH, T, c.features!]);
      const predicted = model.predict(x) as tf.Tensor;
      const want = await predicted.data();
      const features = predicted.shape[predicted.shape.length - 1]!;
      const inputs: Inputs = {
        steps: T,
        batch: BATCH,
        lengths: LENGTHS,
        ...(c.vocabulary ? { ids: timeMajor(batchMajor, 1) } : { x: timeMajor(batchMajor, c.features!) }),
      };
      for (const dtype of ["f64", "f32"] as const) {
        const compiled = run(compileImported(imported, dtype), inputs);
        const y = compiled.get("y", "output", { batch: BATCH, steps: T });
        if (c.output === "final states") {
          const [f, b] = ["l0.fwd.h", "l0.bwd.h"].map((n) => compiled.get(n, "state_out", { batch: BATCH, steps: T }));
          expectClose(
            f!.map((v, i) => v + b![i]!),
            want,
            tol,
            `${dtype} the sum of the final states`,
          );
        } else if (c.output === "last step") {
          const last = LENGTHS.flatMap((n, b) =>
            Array.from(y.subarray(((n - 1) * BATCH + b) * features, ((n - 1) * BATCH + b + 1) * features)),
          );
          expectClose(last, want, tol, `${dtype} y at each sequence's last step`);
        } else {
          expectClose(y, timeMajor(want, features), tol, `${dtype} y`, validSteps(inputs, features));
        }
      }
    });
  });
});

describe(
  "a Keras model.json with Bidirectional(GRU(reset_after=True)), which TF.js cannot run, " + "against PyTorch",
  () => {
    const dir = new URL("../../fixtures/import/keras/", import.meta.url);
    const read = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
    const f = JSON.parse(readFileSync(new URL("gru-reset-after.expected.json", dir), "utf8"));
    const imported = importFile("gru-reset-after.json", read("gru-reset-after.json"), "tfjs", {}, read);
    it("writes the reset-after cell with both of Keras' biases", () => {
      expect(imported.model.text).toContain("const n = tanh(Wn * x + bxn + r * (Un * h + bhn));");
    });
    for (const [dtype, tolerance] of [
      ["f64", 1e-9],
      ["f32", 1e-5],
    ] as const) {
      it(`${dtype} build: every valid step within ${tolerance} relative of PyTorch's GRU with the same weights`, () => {
        const inputs: Inputs = { steps: f.steps, batch: f.batch, lengths: f.lengths, x: f.x };
        const y = run(compileImported(imported, dtype), inputs).get("y", "output", { batch: f.batch, steps: f.steps });
        expectClose(y, f.y.data, tolerance, `${dtype} y`, validSteps(inputs, f.y.shape[2]));
      });
    }
  },
);

describe("what rnnc refuses in a TF.js model, by layer", () => {
  const refuse = async (layers: tf.layers.Layer[], message: RegExp) => {
    const { json, files } = await save(tf.sequential({ layers }));
    expect(() => importFile("model.json", json, "tfjs", {}, (p) => files.get(p)!)).toThrow(ImportError);
    expect(() => importFile("model.json", json, "tfjs", {}, (p) => files.get(p)!)).toThrow(message);
  };
  it("a layer rnnc does not read, a softmax readout, a lone go_backwards, merge_mode mul", async () => {
    await refuse(
      [tf.layers.lstm({ units: 2, returnSequences: true, inputShape: [T, 3] }), tf.layers.layerNormalization()],
      new RegExp(
        "model\\.json: layer layer_normalization_LayerNormalization\\d+ \\(LayerNormalization\\): "
          + "rnnc does not import LayerNormalization layers",
      ),
    );
    await refuse(
      [
        tf.layers.lstm({ units: 2, returnSequences: true, inputShape: [T, 3] }),
        tf.layers.dense({ units: 2, activation: "softmax" }),
      ],
      /activation "softmax"; rnnc's readout is linear, sigmoid, tanh or relu \(train with --loss softmax-ce/,
    );
    await refuse([tf.layers.gru({ units: 2, goBackwards: true, inputShape: [T, 3] })], /go_backwards alone/);
    await refuse(
      [tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2 }) as tf.RNN, mergeMode: "mul", inputShape: [T, 3] })],
      /merge_mode "mul"/,
    );
    await refuse(
      [
        tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2 }) as tf.RNN, inputShape: [T, 3] }),
        tf.layers.dense({ units: 2 }),
      ],
      /reads a Bidirectional layer with return_sequences false, which outputs its two directions' final states/,
    );
  });

  it("a model.json that is not a layers model, a missing shard", () => {
    expect(() =>
      importFile("m.json", new TextEncoder().encode('{"format":"graph-model","modelTopology":{}}'), "tfjs"),
    ).toThrow(/m\.json: a TF\.js graph-model; rnnc reads layers models/);
    expect(() => importFile("m.json", new TextEncoder().encode("{"), "tfjs")).toThrow(/not a TF\.js model\.json/);
  });
});
