// spec/runtime — initialisation from the ABI: what the cell file declares
// (constants, uniform and normal draws, named schemes), else the hints read off
// the step (orthogonal recurrent matrices, Glorot input matrices within their
// limit, zero biases with the forget-gate bias set); the same seed gives
// bit-identical values.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileCell } from "../support/compile.js";
import { instantiateModel } from "../../runtime/model.js";
import { initParams } from "../../runtime/init.js";

const file = "examples/lstm.ts";
const model = () => instantiateModel(compileCell({
  file, text: readFileSync(file, "utf8"), dims: { I: 3, H: 5 }, dtype: "f64", capacity: { batch: 2, steps: 2 },
}).binary);

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

  it("follows the initialisations a cell file declares, through a model's layers too", () => {
    const text = `import { cell, tanh } from "rnnc";
export const c = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: {
    W: { shape: ["H", "I"], init: { kind: "normal", mean: 0.5, std: 0.01 } },
    U: { shape: ["H", "H"], init: "ones" },
    u: { shape: ["H"], init: -0.25 },
    b: { shape: ["H"], init: { kind: "uniform", low: 2, high: 3 } },
    g: { shape: [], init: { kind: "constant", value: 1e-3 } },
    z: { shape: ["H", "I"], init: "zeros" },
  },
  step: ({ x, h, W, U, u, b, g, z }) => ({ h: tanh(W * x + U * h + u * h + b) * g + z * x }),
});
`;
    const m = instantiateModel(compileCell({
      file: "c.ts", text, dims: { I: 40, H: 50 }, dtype: "f64", capacity: { batch: 1, steps: 1 },
    }).binary);
    const inits = Object.fromEntries(m.tensors().filter((t) => t.role === "param").map((t) => [t.name, t.init]));
    expect(inits).toEqual({
      W: { kind: "normal", mean: 0.5, std: 0.01 }, U: "ones", u: { kind: "constant", value: -0.25 },
      b: { kind: "uniform", low: 2, high: 3 }, g: { kind: "constant", value: 1e-3 }, z: "zeros",
    });
    initParams(m, 3);
    const W = [...m.get("W", "param")];
    const mean = W.reduce((a, v) => a + v, 0) / W.length;
    const std = Math.sqrt(W.reduce((a, v) => a + (v - mean) ** 2, 0) / W.length);
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * 0.01 / Math.sqrt(W.length));
    expect(std).toBeGreaterThan(0.009);
    expect(std).toBeLessThan(0.011);
    expect(new Set(m.get("U", "param"))).toEqual(new Set([1]));
    expect(new Set(m.get("u", "param"))).toEqual(new Set([-0.25]));
    const b = [...m.get("b", "param")];
    expect(Math.min(...b)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...b)).toBeLessThan(3);
    expect(new Set(b).size).toBe(b.length);
    expect([...m.get("g", "param")]).toEqual([1e-3]);
    expect(new Set(m.get("z", "param"))).toEqual(new Set([0]));
  });

  it("reads IndRNN's recurrent vector at 1 from examples/indrnn.ts, in a model layer as well", () => {
    const cellFile = "examples/indrnn.ts";
    const cell = instantiateModel(compileCell({
      file: cellFile, text: readFileSync(cellFile, "utf8"), dims: { I: 3, H: 4 }, dtype: "f64",
      capacity: { batch: 1, steps: 1 },
    }).binary);
    initParams(cell, 1);
    expect([...cell.get("u", "param")]).toEqual([1, 1, 1, 1]);
    const modelText = `import { model, bidirectional, dense } from "rnnc";
import { indrnn } from "./indrnn.js";
export const m = model({ input: { x: "I" }, layers: [bidirectional(indrnn)], readout: dense("O") });
`;
    const compiled = compileCell({
      file: "examples/m.ts", text: modelText, dims: { I: 3, H: 4, O: 2 }, dtype: "f64",
      capacity: { batch: 1, steps: 1 }, readFile: (p) => readFileSync(p, "utf8"),
    });
    const inits = compiled.abi.tensors.filter((t) => t.role === "param" && t.name.endsWith("u")).map((t) => t.init);
    expect(inits).toEqual([{ kind: "constant", value: 1 }, { kind: "constant", value: 1 }]);
  });
});
