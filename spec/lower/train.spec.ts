// spec/lower — train_step against the update computed here from the module's
// own forward/backward gradients: SGD, SGD with momentum, Adam (with its bias
// correction over several steps), and global-norm clipping; apply_update
// after forward and backward is train_step, bit for bit.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { randomizeModel } from "../../runtime/gradcheck.js";
import { instantiateModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import type { Optimizer } from "../../compiler/lower/train.js";
import { compileCell } from "../support/compile.js";
import type { RnncModel } from "../../runtime/model.js";

const file = "examples/gru.ts";
const text = readFileSync(file, "utf8");
const size = { batch: 3, steps: 4 };

function build(train: Optimizer, dtype: "f32" | "f64" = "f64"): RnncModel {
  const { binary } = compileCell({ file, text, dims: { I: 3, H: 5 }, dtype, capacity: { batch: 4, steps: 6 }, train });
  const model = instantiateModel(binary);
  randomizeModel(model, size, prng(11), [4, 2, 3]);
  return model;
}

const params = (model: RnncModel) => model.tensors().filter((t) => t.role === "param");
const snapshot = (model: RnncModel, role: "param" | "grad"): Map<string, Float64Array> =>
  new Map(params(model).map((t) => [t.name, Float64Array.from(model.tensor(t.name, role))]));

/** The module's gradients at its current parameters, without changing them. */
function gradients(model: RnncModel): { loss: number; grads: Map<string, Float64Array> } {
  const loss = model.forward(size.batch, size.steps);
  model.backward(size.batch, size.steps);
  return { loss, grads: snapshot(model, "grad") };
}

function clipScale(grads: Map<string, Float64Array>, clip: number): number {
  let sq = 0;
  for (const g of grads.values()) for (const x of g) sq += x * x;
  const norm = Math.sqrt(sq);
  return clip > 0 && norm > clip ? clip / norm : 1;
}

function expectClose(model: RnncModel, expected: Map<string, Float64Array>, tolerance: number): void {
  for (const [name, want] of expected) {
    const got = model.tensor(name, "param");
    for (let i = 0; i < want.length; i++)
      expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(want[i]!)));
  }
}

describe("train_step", () => {
  for (const [label, optimizer, clip] of [
    ["plain SGD", { kind: "sgd", momentum: 0 }, 0],
    ["SGD with momentum, clipped", { kind: "sgd", momentum: 0.9 }, 0.5],
    ["Adam", { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, 0],
    ["Adam, clipped", { kind: "adam", beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }, 0.25],
  ] as const) {
    it(`${label}: three steps match the update computed from forward/backward`, () => {
      const model = build(optimizer);
      const lr = 0.05;
      let p: Map<string, Float64Array> = snapshot(model, "param");
      const slots = new Map(
        [...p].map(([name, v]) => [name, { m: new Float64Array(v.length), v: new Float64Array(v.length) }]),
      );
      for (let t = 1; t <= 3; t++) {
        const { loss, grads } = gradients(model);
        const scale = clipScale(grads, clip);
        const next = new Map<string, Float64Array>();
        for (const [name, value] of p) {
          const g = grads.get(name)!.map((x) => x * scale);
          const s = slots.get(name)!;
          next.set(name, value.map((x, i) => {
            if (optimizer.kind === "sgd") {
              s.m[i] = optimizer.momentum * s.m[i]! + g[i]!;
              return x - lr * (optimizer.momentum === 0 ? g[i]! : s.m[i]!);
            }
            s.m[i] = optimizer.beta1 * s.m[i]! + (1 - optimizer.beta1) * g[i]!;
            s.v[i] = optimizer.beta2 * s.v[i]! + (1 - optimizer.beta2) * g[i]! * g[i]!;
            const mHat = s.m[i]! / (1 - optimizer.beta1 ** t);
            const vHat = s.v[i]! / (1 - optimizer.beta2 ** t);
            return x - (lr * mHat) / (Math.sqrt(vHat) + optimizer.epsilon);
          }));
        }
        expect(model.trainStep(size.batch, size.steps, { learning_rate: lr, clip_norm: clip })).toBeCloseTo(loss, 12);
        expectClose(model, next, 1e-12);
        p = next;
      }
    });
  }

  it("lowers the loss on a fixed batch (f32 SIMD build, Adam)", () => {
    const model = build({ kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, "f32");
    const first = model.trainStep(size.batch, size.steps, { learning_rate: 0.01, clip_norm: 5 })!;
    let last = first;
    for (let i = 0; i < 200; i++)
      last = model.trainStep(size.batch, size.steps, { learning_rate: 0.01, clip_norm: 5 })!;
    expect(last).toBeLessThan(first * 0.5);
  });

  it("exposes the optimizer state in the ABI (role optimizer)", () => {
    const model = build({ kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    const names = model.tensors().filter((t) => t.role === "optimizer").map((t) => t.name);
    expect(names).toContain("Wz.m");
    expect(names).toContain("Wz.v");
    expect(names).toContain("step");
    model.trainStep(size.batch, size.steps, { learning_rate: 0.01, clip_norm: 0 });
    model.trainStep(size.batch, size.steps, { learning_rate: 0.01, clip_norm: 0 });
    expect(model.tensor("step", "optimizer")[0]).toBe(2);
  });

  it("apply_update after forward and backward is train_step, bit for bit (f32, Adam, clipped)", () => {
    const optimizer = { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;
    const [fused, split] = [build(optimizer, "f32"), build(optimizer, "f32")];
    const args = { learning_rate: 0.01, clip_norm: 0.5 };
    for (let t = 0; t < 3; t++) {
      const loss = fused.trainStep(size.batch, size.steps, args);
      expect(split.forward(size.batch, size.steps)).toBe(loss);
      split.backward(size.batch, size.steps);
      split.applyUpdate(args);
    }
    expect(split.saveParams()).toEqual(fused.saveParams());
    expect(split.saveOptimizerState()).toEqual(fused.saveOptimizerState());
  });

  it("apply_update names its parameters and is absent without an optimizer", () => {
    const model = build({ kind: "sgd", momentum: 0 });
    expect(model.abi.functions.apply_update).toEqual(["learning_rate", "clip_norm"]);
    expect(() => model.applyUpdate({ learning_rate: 0.1 })).toThrow(/needs a value for its parameter "clip_norm"/);
    const { binary } = compileCell({ file, text, dims: { I: 3, H: 5 }, capacity: { batch: 4, steps: 6 } });
    expect(() => instantiateModel(binary).applyUpdate({ learning_rate: 0.1, clip_norm: 0 })).toThrow(/no apply_update/);
  });
});
