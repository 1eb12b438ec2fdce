// spec/runtime — initialisation from the ABI's hints: orthogonal recurrent
// matrices, Glorot input matrices within their limit, zero biases with the
// forget-gate bias set, and bit-identical values for the same seed.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileCell } from "../../compiler/pipeline.js";
import { instantiate } from "../../compiler/gradcheck.js";
import { initParams } from "../../runtime/init.js";

const file = "examples/lstm.ts";
const model = () => instantiate(compileCell({ file, text: readFileSync(file, "utf8"), dims: { I: 3, H: 5 }, dtype: "f64", capacity: { batch: 2, steps: 2 } }).binary);

describe("initParams", () => {
  it("reads each parameter's role off the step: recurrent, input, bias", () => {
    const m = model();
    const init = Object.fromEntries(m.tensors().filter((t) => t.role === "param").map((t) => [t.name, t.init]));
    expect(init).toMatchObject({ Wi: "glorot", Ui: "orthogonal", bi: "zeros", Uo: "orthogonal", Wg: "glorot" });
  });

  it("makes recurrent matrices orthogonal, input matrices Glorot-bounded, forget biases 1", () => {
    const m = model();
    initParams(m, 42, { forgetBias: ["bf"] });
    const U = m.get("Ui", "param");
    for (let r = 0; r < 5; r++) {
      for (let s = 0; s < 5; s++) {
        let dot = 0;
        for (let k = 0; k < 5; k++) dot += U[r * 5 + k]! * U[s * 5 + k]!;
        expect(dot).toBeCloseTo(r === s ? 1 : 0, 12);
      }
    }
    const limit = Math.sqrt(6 / (5 + 3));
    expect(Math.max(...m.get("Wi", "param").map(Math.abs))).toBeLessThanOrEqual(limit);
    expect([...m.get("bf", "param")]).toEqual([1, 1, 1, 1, 1]);
    expect([...m.get("bi", "param")]).toEqual([0, 0, 0, 0, 0]);
  });

  it("gives bit-identical parameters for the same seed, different ones for another", () => {
    const [a, b, c] = [model(), model(), model()];
    initParams(a, 7);
    initParams(b, 7);
    initParams(c, 8);
    expect(a.saveParams()).toEqual(b.saveParams());
    expect(a.saveParams()).not.toEqual(c.saveParams());
  });
});
