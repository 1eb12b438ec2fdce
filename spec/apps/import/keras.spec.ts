// spec/apps/import — Keras 3 .keras files imported and compiled, against the
// framework: each fixture (spec/fixtures/import/make-keras.mjs) is a model
// built in @tensorflow/tfjs with seeded weights, written as Keras 3 writes
// it (config.json, metadata.json, model.weights.h5 by h5py), with TF.js'
// outputs on ragged, masked inputs: within 1e-5 relative (TF.js runs
// float32) over each sequence's valid steps, its last step, or the final
// states. The reset_after=True GRU, which TF.js lacks, holds a PyTorch GRU's
// weights in float64 and is checked against PyTorch: 1e-9 (f64 build).
// Then what the reader refuses or leaves out: damaged and incomplete
// archives and weights files, variables no layer owns, the optimizer's state
// (ignored).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { importFile, ImportError } from "../../../apps/import/index.js";
import { snakeCase } from "../../../apps/import/keras/keras-file.js";
import { readZip } from "../../../apps/import/zip.js";
import { prng } from "../../../compiler/api.js";
import { crc32, decodeParams } from "../../../runtime/index.js";
import { compileImported, expectClose, run, validSteps, type Inputs } from "./harness.js";

const dir = new URL("../../fixtures/import/keras/", import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
const expected = (name: string) => JSON.parse(readFileSync(new URL(`${name}.expected.json`, dir), "utf8"));

const cases = [
  {
    name: "lstm-tagger",
    what: "Embedding mask_zero, Bidirectional(LSTM unit_forget_bias) concat, TimeDistributed(Dense sigmoid)",
  },
  {
    name: "gru-stack",
    what: "a Functional chain: Masking, GRU, GRU (reset_after=False), SimpleRNN relu (no bias), Dense, Activation tanh",
  },
  { name: "lstm-last-step", what: "Masking, LSTM softsign returning its last step, Dense relu" },
  { name: "gru-sum-states", what: "Masking, Bidirectional(GRU) sum returning its final states" },
] as const;

describe("Keras 3 .keras files, against @tensorflow/tfjs running the same models", () => {
  for (const c of cases) {
    it(c.name + ": " + c.what, () => {
      const f = expected(c.name);
      const imported = importFile(`${c.name}.keras`, read(`${c.name}.keras`), "keras");
      const given = f.ids ? { ids: f.ids } : { x: f.x };
      const inputs: Inputs = { steps: f.steps, batch: f.batch, lengths: f.lengths, ...given };
      const features = f.y.shape.at(-1);
      for (const dtype of ["f64", "f32"] as const) {
        const model = run(compileImported(imported, dtype), inputs);
        const shape = { batch: f.batch, steps: f.steps };
        if (f.output === "final states") {
          const [fwd, bwd] = ["l0.fwd.h", "l0.bwd.h"].map((n) => model.get(n, "state_out", shape));
          expectClose(fwd!.map((v, i) => v + bwd![i]!), f.y.data, 1e-5, `${dtype} the sum of the final states`);
          continue;
        }
        const y = model.get("y", "output", shape);
        if (f.output === "last step") {
          const last = f.lengths.flatMap((n: number, b: number) =>
            Array.from(y.subarray(((n - 1) * f.batch + b) * features, ((n - 1) * f.batch + b + 1) * features)),
          );
          expectClose(last, f.y.data, 1e-5, `${dtype} y at each sequence's last step`);
        } else expectClose(y, f.y.data, 1e-5, `${dtype} y`, validSteps(inputs, features));
      }
    });
  }

  it("takes the biases as saved: unit_forget_bias only initialised them (the forget gate's 1s)", () => {
    const params = decodeParams(importFile("t.keras", read("lstm-tagger.keras"), "keras").params);
    const values = (name: string) => {
      const r = params.find((p) => p.name === name)!;
      return Array.from(new Float32Array(r.data.slice().buffer));
    };
    expect(values("l0.fwd.bf")).toEqual([1, 1, 1, 1]);
    expect(values("l0.bwd.bi")).toEqual([0, 0, 0, 0]);
  });
});

describe("a .keras GRU with reset_after=True (Keras 3's default) in float64, against PyTorch", () => {
  const f = JSON.parse(readFileSync(new URL("gru-reset-after.expected.json", dir), "utf8"));
  const imported = importFile("gru-reset-after.keras", read("gru-reset-after.keras"), "keras");
  it("writes the reset-after cell with both biases, and keeps the file's float64", () => {
    expect(imported.model.text).toContain("const n = tanh(Wn * x + bxn + r * (Un * h + bhn));");
    expect(imported.network.dtype).toBe("f64");
  });
  for (const [dtype, tolerance] of [
    ["f64", 1e-9],
    ["f32", 1e-5],
  ] as const) {
    it(`${dtype} build: every valid step within ${tolerance} relative of PyTorch`, () => {
      const inputs: Inputs = { steps: f.steps, batch: f.batch, lengths: f.lengths, x: f.x };
      const y = run(compileImported(imported, dtype), inputs).get("y", "output", { batch: f.batch, steps: f.steps });
      expectClose(y, f.y.data, tolerance, `${dtype} y`, validSteps(inputs, f.y.shape[2]));
    });
  }
});

/** A stored zip of the given entries, as Keras writes .keras files. */
function zip(entries: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = new TextEncoder().encode(name);
    const local = new Uint8Array(30 + n.length);
    const v = new DataView(local.buffer);
    v.setUint32(0, 0x04034b50, true);
    v.setUint32(14, crc32(data), true);
    v.setUint32(18, data.length, true);
    v.setUint32(22, data.length, true);
    v.setUint16(26, n.length, true);
    local.set(n, 30);
    const c = new Uint8Array(46 + n.length);
    const w = new DataView(c.buffer);
    w.setUint32(0, 0x02014b50, true);
    w.setUint32(16, crc32(data), true);
    w.setUint32(20, data.length, true);
    w.setUint32(24, data.length, true);
    w.setUint16(28, n.length, true);
    w.setUint32(42, offset, true);
    c.set(n, 46);
    parts.push(local, data);
    central.push(c);
    offset += local.length + data.length;
  }
  const size = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const e = new DataView(end.buffer);
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, entries.length, true);
  e.setUint16(10, entries.length, true);
  e.setUint32(12, size, true);
  e.setUint32(16, offset, true);
  const out = new Uint8Array(offset + size + 22);
  let at = 0;
  for (const p of [...parts, ...central, end]) (out.set(p, at), (at += p.length));
  return out;
}

describe("what the .keras reader refuses, naming the file and what is wrong", () => {
  const tagger = read("lstm-tagger.keras");
  // The fixture's own entries, to be put together again with one changed.
  const archive = readZip(tagger, "lstm-tagger.keras");
  const entries = (["metadata.json", "config.json", "model.weights.h5"] as const).map(
    (name) => [name, archive.read(name)] as const,
  );
  const refuse = (bytes: Uint8Array, message: RegExp) => {
    expect(() => importFile("m.keras", bytes, "keras")).toThrow(ImportError);
    expect(() => importFile("m.keras", bytes, "keras")).toThrow(message);
  };
  const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

  it("reads the zip as written again (the entries' bytes are what the spec rebuilds from)", () => {
    expect(importFile("m.keras", zip(entries), "keras").params).toEqual(importFile("m.keras", tagger, "keras").params);
  });

  it("an archive without an entry, entries that are not JSON, no keras_version", () => {
    refuse(zip(entries.slice(0, 2)), /m\.keras: has no model\.weights\.h5; a \.keras file \(Keras 3's model\.save\)/);
    refuse(zip([["metadata.json", json({})], entries[1]!, entries[2]!]), /does not say its keras_version/);
    refuse(zip([entries[0]!, ["config.json", new Uint8Array([0xff, 0x7b])], entries[2]!]), /config\.json is not UTF-8/);
  });

  it("a weights file that is not HDF5, or is cut short", () => {
    const weights = (h5: Uint8Array) => zip([entries[0]!, entries[1]!, ["model.weights.h5", h5]]);
    refuse(weights(new Uint8Array(64)), /m\.keras: model\.weights\.h5: not a readable HDF5 file/);
    const h5 = entries[2]![1];
    refuse(weights(h5.subarray(0, h5.length >> 1)), /m\.keras: model\.weights\.h5: not a readable HDF5 file/);
  });

  it("150 damaged weights files (3 bits flipped each): an ImportError or a network, never another exception", () => {
    const rand = prng(17);
    const h5 = entries[2]![1];
    for (let k = 0; k < 150; k++) {
      const damaged = h5.slice();
      for (let j = 0; j < 3; j++) damaged[Math.floor(rand() * h5.length)]! ^= 1 << Math.floor(rand() * 8);
      try {
        importFile("m.keras", zip([entries[0]!, entries[1]!, ["model.weights.h5", damaged]]), "keras");
      } catch (e) {
        expect(e, `flips of seed 17, case ${k}`).toBeInstanceOf(ImportError);
      }
    }
  });

  it("variables no layer of config.json owns are named (a layer removed from the config)", () => {
    const config = JSON.parse(new TextDecoder().decode(entries[1]![1]));
    config.config.layers.pop(); // the TimeDistributed readout
    refuse(
      zip([entries[0]!, ["config.json", json(config)], entries[2]!]),
      /weights no layer uses: layers\/time_distributed\/layer\/vars\/0, layers\/time_distributed\/layer\/vars\/1$/,
    );
  });

  it("Keras' naming of classes in the weights file", () => {
    expect(["LSTM", "SimpleRNN", "GRU", "TimeDistributed", "Bidirectional", "InputLayer"].map(snakeCase)).toEqual([
      "lstm",
      "simple_rnn",
      "gru",
      "time_distributed",
      "bidirectional",
      "input_layer",
    ]);
  });
});
