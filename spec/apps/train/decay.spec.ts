// spec/apps/train — weight decay as decay.ts states it: after an update every weight matrix
// (rank 2: input, recurrent and readout weights) is scaled by 1 − lr·λ and every vector (the
// biases) is left alone; a decay that would flip or zero the weights is refused.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { applyWeightDecay, decayedParams } from "../../../apps/train/decay.js";
import { compileCell } from "../../support/compile.js";
import { initParams, instantiateModel } from "../../../runtime/index.js";

const file = fileURLToPath(new URL("../../../examples/sequences/models.ts", import.meta.url));

describe("weight decay", () => {
  it("scales the weight matrices by 1 − lr·λ, not the biases", () => {
    const { binary } = compileCell({
      file,
      text: readFileSync(file, "utf8"),
      cell: "regressor",
      dims: { I: 2, H: 3, O: 1 },
      dtype: "f64",
      readFile: (path) => readFileSync(path, "utf8"),
    });
    const model = instantiateModel(binary);
    initParams(model, 3);
    const params = model.tensors().filter((t) => t.role === "param");
    for (const p of params) {
      model.set(
        p.name,
        "param",
        model.get(p.name, "param").map((_, i) => 0.5 + i),
      );
    }
    const before = new Map(params.map((p) => [p.name, Array.from(model.get(p.name, "param"))]));
    const names = decayedParams(model);
    expect(names.sort()).toEqual(["l0.U", "l0.W", "readout.V"]);
    applyWeightDecay(model, names, 0.1, 0.5);
    for (const p of params) {
      const scale = names.includes(p.name) ? 0.95 : 1;
      expect(Array.from(model.get(p.name, "param")), p.name).toEqual(before.get(p.name)!.map((v) => v * scale));
    }
    expect(() => applyWeightDecay(model, names, 0.5, 2)).toThrow(/scales weights by 0; use lr·λ < 1/);
  });
});
