// spec/e2e — the runtime keeps reading ABI version 1. A module compiled
// before version 2 existed (spec/fixtures/abi-v1) loads, keeps its fixed
// capacity, and computes exactly what the same cell compiled today (version
// 2, laid out at the same capacity) computes: loss, outputs, every gradient,
// and the parameters after train_step, bit for bit.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileCell } from "../support/compile.js";
import { loadModel, type RnncModel } from "../../runtime/model.js";
import { exampleSource, randomize } from "./harness.js";

const fixture = readFileSync(new URL("../fixtures/abi-v1/lstm-i3-h4-f64.wasm", import.meta.url));
const capacity = { batch: 3, steps: 5 };
/** The options the fixture was compiled with (its README). */
const today = () => compileCell({
  file: "examples/lstm.ts", text: exampleSource("lstm"), dims: { I: 3, H: 4 }, dtype: "f64", simd: false, loss: "mse",
  capacity, train: { kind: "sgd", momentum: 0.9 },
}).binary;

const same = (a: RnncModel, b: RnncModel, role: "output" | "state_out" | "grad" | "param", size = capacity) => {
  for (const e of a.tensors().filter((t) => t.role === role)) {
    expect(Array.from(a.view(e.name, role, size)), `${role} ${e.name}`).toEqual(Array.from(b.view(e.name, role, size)));
  }
};

describe("a version 1 module", () => {
  it("loads with its compiled capacity, and refuses a larger one", async () => {
    const v1 = await loadModel(fixture);
    expect(v1.abi.abi).toBe(1);
    expect(v1.abi.memory).toBeUndefined();
    expect(v1.capacity).toEqual(capacity);
    expect(v1.hasFunction("layout")).toBe(false);
    expect((await loadModel(fixture, { capacity: { batch: 2, steps: 5 } })).capacity).toEqual({ batch: 2, steps: 5 });
    await expect(loadModel(fixture, { capacity: { batch: 3, steps: 6 } }))
      .rejects.toThrow(/ABI version 1, whose capacity is fixed/);
  });

  it("computes what today's build computes, bit for bit: forward, backward, train_step", async () => {
    const [v1, v2] = [await loadModel(fixture), await loadModel(today(), { capacity })];
    expect(v2.abi.abi).toBe(2);
    for (const [size, lengths] of [[capacity, [5, 2, 4]], [{ batch: 2, steps: 3 }, [3, 1]]] as const) {
      for (const m of [v1, v2]) randomize(m, size, 7, lengths);
      expect(v1.forward(size.batch, size.steps)).toBe(v2.forward(size.batch, size.steps));
      same(v1, v2, "output", size);
      same(v1, v2, "state_out", size);
      v1.backward(size.batch, size.steps);
      v2.backward(size.batch, size.steps);
      same(v1, v2, "grad", size);
      const args = { learning_rate: 0.05, clip_norm: 1 };
      expect(v1.trainStep(size.batch, size.steps, args)).toBe(v2.trainStep(size.batch, size.steps, args));
      same(v1, v2, "param", size);
    }
  });

  it("saves parameters that today's build loads", async () => {
    const [v1, v2] = [await loadModel(fixture), await loadModel(today())];
    randomize(v1, capacity, 3, [5, 5, 5]);
    v2.loadParams(v1.saveParams());
    same(v1, v2, "param");
  });
});
