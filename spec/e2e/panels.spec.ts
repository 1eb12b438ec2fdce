// spec/e2e — packed parameter copies kept between calls (compiler/lower/
// panels.ts) against a module that packs afresh: after any interleaving of
// the ways parameters change — set, trainStep, loadParams, initParams, a
// param view written before the next call, a view kept across a call and
// written with paramsChanged, raw writes by a host that never tracks the
// version — forward (and backward) equal, bit for bit, those of a freshly
// instantiated module given the same tensors.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compileCell } from "../support/compile.js";
import { instantiateModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import { initParams } from "../../runtime/init.js";
import type { RnncModel } from "../../runtime/model.js";
import { hostRoles, randomize } from "./harness.js";

const size = { batch: 3, steps: 5 };
const lengths = [5, 2, 4];
const capacity = { batch: 4, steps: 6 };

interface Case {
  readonly label: string;
  readonly file: string;
  readonly cell?: string;
  readonly dims: Record<string, number>;
  readonly dtype: "f32" | "f64";
  readonly simd: boolean;
}
const cases: Case[] = [
  { label: "lstm f32 simd", file: "examples/lstm.ts", dims: { I: 3, H: 5 }, dtype: "f32", simd: true },
  { label: "gru f64 scalar", file: "examples/gru.ts", dims: { I: 4, H: 6 }, dtype: "f64", simd: false },
  { label: "elman f32 scalar", file: "examples/elman.ts", dims: { I: 2, H: 7 }, dtype: "f32", simd: false },
  // Two layers and a readout: every scan's parameters packed, in one refresh per pass.
  {
    label: "deepLstm f32 simd", file: "examples/models.ts", cell: "deepLstm", dims: { I: 3, H: 4, H2: 5, O: 2 },
    dtype: "f32", simd: true,
  },
];

const compileCase = (c: Case) => compileCell({
  file: c.file, text: readFileSync(c.file, "utf8"), cell: c.cell, dims: c.dims, dtype: c.dtype, simd: c.simd,
  loss: "mse", train: { kind: "sgd", momentum: 0.5 }, capacity, readFile: (p) => readFileSync(p, "utf8"),
});

const bytes = (view: ArrayBufferView) => Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
const params = (model: RnncModel) => model.tensors().filter((t) => t.role === "param");

/** Loss, outputs, final states and every gradient of forward + backward, as bytes. */
function results(model: RnncModel): Record<string, number[]> {
  const out: Record<string, number[]> = { loss: bytes(Float64Array.of(model.forward(size.batch, size.steps))) };
  for (const e of model.tensors().filter((t) => t.role === "output" || t.role === "state_out")) {
    out[`${e.role} ${e.name}`] = bytes(model.get(e.name, e.role, size));
  }
  model.backward(size.batch, size.steps);
  for (const e of model.tensors().filter((t) => t.role === "grad")) {
    out[`grad ${e.name}`] = bytes(model.get(e.name, "grad", size));
  }
  return out;
}

/** What a module instantiated now, given `model`'s host-written tensors, computes. */
function fresh(binary: Uint8Array, model: RnncModel): Record<string, number[]> {
  const clean = instantiateModel(binary);
  for (const e of model.tensors()) if (hostRoles.includes(e.role)) clean.set(e.name, e.role, model.get(e.name, e.role));
  return results(clean);
}

/** New values for every element of one parameter. */
function perturbed(model: RnncModel, name: string, seed: number): Float64Array {
  const rand = prng(seed);
  return Float64Array.from(model.get(name, "param"), (v) => v + (rand() * 2 - 1) * 0.3);
}

type Change = (model: RnncModel, seed: number, binary: Uint8Array) => void;
const changes: Record<string, Change> = {
  set: (model, seed) => {
    const p = params(model)[seed % params(model).length]!;
    model.set(p.name, "param", perturbed(model, p.name, seed));
  },
  trainStep: (model) => void model.trainStep(size.batch, size.steps, { learning_rate: 0.1, clip_norm: 0 }),
  loadParams: (model, seed, binary) => {
    const other = instantiateModel(binary);
    initParams(other, seed);
    model.loadParams(other.saveParams());
  },
  initParams: (model, seed) => initParams(model, seed),
  // A view taken now counts as a write: no paramsChanged needed before the next call.
  freshView: (model, seed) => {
    const p = params(model)[seed % params(model).length]!;
    const values = perturbed(model, p.name, seed);
    model.tensor(p.name, "param").set(values);
  },
  // A view taken before a call and written after it needs paramsChanged.
  keptView: (model, seed) => {
    const p = params(model)[seed % params(model).length]!;
    const view = model.view(p.name, "param", size);
    model.forward(size.batch, size.steps);
    view.set(perturbed(model, p.name, seed));
    model.paramsChanged();
  },
  // Raw memory writes, then paramsChanged (a host outside the runtime's views).
  memory: (model, seed) => {
    const p = params(model)[seed % params(model).length]!;
    const values = perturbed(model, p.name, seed);
    const Type = model.dtype === "f32" ? Float32Array : Float64Array;
    new Type(model.memory.buffer, model.placement(p.name, "param").offset, values.length).set(values);
    model.paramsChanged();
  },
  // Calls that change no parameter: the panels stay valid.
  forwardOnly: (model) => void model.forward(size.batch, size.steps),
  forwardBackward: (model) => void results(model),
};

describe("packed parameter copies kept between calls", () => {
  for (const c of cases) {
    const { binary, abi } = compileCase(c);

    it(`${c.label}: after any interleaving of parameter changes, results equal a fresh module's bit for bit`, () => {
      expect(abi.tensors.some((t) => t.role === "param_version")).toBe(true);
      const op = fc.tuple(fc.constantFrom(...Object.keys(changes)), fc.nat());
      fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 6 }), fc.nat(), (ops, seed) => {
        const model = instantiateModel(binary);
        randomize(model, size, seed, lengths);
        expect(results(model)).toEqual(fresh(binary, model));
        for (const [op, opSeed] of ops) {
          changes[op]!(model, opSeed, binary);
          expect(results(model), `after ${ops.map(([o]) => o).join(", ")}`).toEqual(fresh(binary, model));
        }
      }), { numRuns: 12 });
    });
  }

  it("train_step bumps the version itself, and no counter reaches 0 (untracked) by wrapping", () => {
    const c = cases[0]!;
    const model = instantiateModel(compileCase(c).binary);
    randomize(model, size, 3, lengths);
    const version = () => model.get("params", "param_version")[0];
    const before = version()!;
    expect(before).toBeGreaterThan(0);
    model.trainStep(size.batch, size.steps, { learning_rate: 0.1, clip_norm: 0 });
    expect(version()).toBe(before + 1);
    model.set("params", "param_version", [-1]);
    model.paramsChanged();
    expect(version()).toBe(1);
    model.set("params", "param_version", [-1]);
    model.trainStep(size.batch, size.steps, { learning_rate: 0.1, clip_norm: 0 });
    expect(version()).toBe(1);
  });

  it("a host that never tracks the version (it stays 0) may rewrite parameters between raw calls", () => {
    const { binary } = compileCase(cases[0]!);
    const model = instantiateModel(binary);
    randomize(model, size, 5, lengths);
    model.set("params", "param_version", [0]);
    const forward = model.instance.exports.forward as (b: number, s: number) => number;
    const wi = model.placement("Wi", "param");
    for (const seed of [1, 2, 3]) {
      forward(size.batch, size.steps);
      const values = perturbed(model, "Wi", seed);
      new Float32Array(model.memory.buffer, wi.offset, values.length).set(values);
      forward(size.batch, size.steps);
      expect(model.get("params", "param_version")[0]).toBe(0);
      expect(bytes(model.get("h", "output", size))).toEqual(fresh(binary, model)["output h"]);
    }
  });
});
