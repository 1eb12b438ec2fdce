// spec — describeUnit (compiler/unit.ts): what the example cells and models
// declare, read before any dimension is bound, as applications see it, and
// the diagnostics of a name the file does not export or a file that does not parse.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DiagnosticError, describeUnit } from "../compiler/api.js";

const example = (name: string) => {
  const file = `examples/${name}`;
  return { file, text: readFileSync(new URL(`../${file}`, import.meta.url), "utf8") };
};

describe("describeUnit", () => {
  it("reads a tagger's id inputs, its readout and that it reads the future too", () => {
    const d = describeUnit({ ...example("tagger.ts"), cell: "hybridTagger" });
    expect(d).toEqual({
      kind: "model",
      name: "hybridTagger",
      units: ["wordTagger", "trigramTagger", "hybridTagger"],
      inputs: [
        { kind: "ids", encoding: "oneOfN", name: "words", rows: "V", dim: "E", slots: 1 },
        { kind: "ids", encoding: "wordHash", name: "trigrams", rows: "T", dim: "E", slots: 16 },
      ],
      outputs: [{ name: "y", shape: ["C"] }],
      readout: { size: "C", activation: "linear" },
      causal: false,
    });
  });

  it("reads a model's dense input; without a readout its output's size is its layers'", () => {
    const deep = describeUnit({ ...example("models.ts"), cell: "deepLstm" });
    expect(deep).toMatchObject({
      inputs: [{ kind: "dense", name: "x", shape: ["I"] }],
      outputs: [{ name: "y", shape: ["O"] }],
      causal: true,
    });
    const stacked = describeUnit({ ...example("models.ts"), cell: "gruUnderBiLstm" });
    expect(stacked).toMatchObject({ outputs: [{ name: "y", shape: undefined }], readout: undefined, causal: false });
  });

  it("gives a cell's declared output, else its first state", () => {
    expect(describeUnit(example("elman-readout.ts"))).toMatchObject({
      kind: "cell",
      inputs: [{ kind: "dense", name: "x", shape: ["I"] }],
      outputs: [{ name: "y", shape: ["O"] }],
      causal: true,
    });
    expect(describeUnit(example("lstm.ts"))).toMatchObject({
      kind: "cell",
      name: "lstm",
      outputs: [{ name: "h", shape: ["H"] }],
    });
  });

  it("throws compileCell's diagnostics: a name not exported, a file that does not parse", () => {
    const codes = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        if (e instanceof DiagnosticError) return e.diagnostics.map((d) => d.code);
        throw e;
      }
      return [];
    };
    expect(codes(() => describeUnit({ ...example("tagger.ts"), cell: "nope" }))).toEqual(["RNNC120"]);
    expect(codes(() => describeUnit({ file: "broken.ts", text: "export const c = cell({" }))).not.toEqual([]);
  });
});
