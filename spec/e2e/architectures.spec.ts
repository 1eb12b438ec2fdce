// spec/e2e — every example in examples/ through the whole pipeline. The
// directory is enumerated and every exported cell and model in it compiled
// (f64, IR verified after every pass) with random small dimensions, steps and
// lengths, and its gradients checked against central finite differences, with
// the built-in MSE loss and with host cotangents (loss "none"); a new example
// file is covered without touching this spec. The forward pass of the peephole
// LSTM and of both GRU variants is also compared with implementations written
// here in plain loops, to catch a cell that is consistent with its own
// gradient but computes the wrong equations.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compileCell } from "../support/compile.js";
import { gradcheck, type GradcheckReport } from "../../runtime/gradcheck.js";
import { instantiateModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import type { RnncModel } from "../../runtime/model.js";
import { gradientFailures, mismatch, straddlesKink } from "./harness.js";
import { exampleUnits, examplesDir, readFile, type Unit } from "./examples.js";

const capacity = { batch: 4, steps: 8 };
const MAX_ENTRIES = 5;

const units = exampleUnits();

function compileUnit(u: Unit, dims: Record<string, number>, loss: "mse" | "none", simd: boolean): RnncModel {
  const { binary } = compileCell({
    file: u.path, text: readFile(u.path), cell: u.name, dims, dtype: "f64", simd, loss, capacity, verifyEach: true, readFile,
  });
  return instantiateModel(binary);
}

interface Run {
  readonly dims: Record<string, number>;
  readonly batch: number;
  readonly steps: number;
  readonly lengths: number[];
  readonly seed: number;
  readonly simd: boolean;
}

/** Dims in 2..5, batch 1..4, steps 1..6, lengths in [1, steps] (one of them full), a seed. */
function runs(dims: readonly string[]): fc.Arbitrary<Run> {
  return fc.record({
    dims: fc.record(Object.fromEntries(dims.map((d) => [d, fc.integer({ min: 2, max: 5 })]))),
    batch: fc.integer({ min: 1, max: capacity.batch }),
    steps: fc.integer({ min: 1, max: 6 }),
    seed: fc.nat(),
    simd: fc.boolean(),
  }).chain((r) =>
    fc.tuple(fc.array(fc.integer({ min: 1, max: r.steps }), { minLength: r.batch, maxLength: r.batch }), fc.nat({ max: r.batch - 1 }))
      .map(([lengths, full]) => ({ ...r, lengths: lengths.map((n, i) => (i === full ? r.steps : n)) })));
}



describe("the examples directory", () => {
  it("yields every example cell and model, each with its dimensions", () => {
    const names = units.map((u) => u.name);
    for (const known of ["elman", "lstm", "gru", "jordan", "elmanReadout", "lstmPeephole", "gruResetAfter", "mgu", "cifgLstm", "layernormLstm", "lstmClip", "hardSigmoidGru", "deepLstm", "biLstm", "gruUnderBiLstm"]) {
      expect(names).toContain(known);
    }
    const byName = new Map(units.map((u) => [u.name, u]));
    expect([...byName.get("jordan")!.dims].sort()).toEqual(["H", "I", "O"]);
    expect([...byName.get("deepLstm")!.dims].sort()).toEqual(["H", "H2", "I", "O"]);
    expect([...byName.get("gruUnderBiLstm")!.dims].sort()).toEqual(["G", "H", "I"]);
    expect(units.filter((u) => u.kinked).map((u) => u.name).sort()).toEqual(expect.arrayContaining(["hardSigmoidGru", "lstmClip"]));
    expect(byName.get("lstm")!.kinked).toBe(false);
  });
});

describe("every example's gradients match finite differences (f64, IR verified after each pass)", () => {
  for (const u of units) {
    for (const loss of ["mse", "none"] as const) {
      it(`${u.file} ${u.kind} ${u.name}, loss ${loss}`, () => {
        fc.assert(fc.property(runs(u.dims), (run) => {
          const model = compileUnit(u, run.dims, loss, run.simd);
          expect(model.loss).toBe(loss);
          const report = gradcheck(model, { seed: run.seed, batch: run.batch, steps: run.steps, lengths: run.lengths, maxEntries: MAX_ENTRIES });
          // Every parameter, initial state and real-valued input; id inputs (i32) have no gradient.
          const expected = model.tensors()
            .filter((e) => e.role === "param" || e.role === "state_in" || (e.role === "input" && (e.dtype ?? model.dtype) !== "i32"))
            .map((e) => `${e.role}:${e.name}`).sort();
          expect(report.tensors.map((t) => `${t.role}:${t.name}`).sort()).toEqual(expected);
          expect(Number.isFinite(report.loss), `loss ${report.loss}`).toBe(true);
          if (u.kinked && gradientFailures(report).length > 0 && straddlesKink(model, { batch: run.batch, steps: run.steps }, report)) fc.pre(false);
          expect(gradientFailures(report), `lengths ${JSON.stringify(report.lengths)}`).toEqual([]);
        }), { numRuns: 1 });
      });
    }
  }
});

// Independent forward implementations: plain loops over units, weights
// row-major [out, in] as the ABI stores them.

type Params = Readonly<Record<string, Float64Array>>;
type State = Record<string, Float64Array>;

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Row `row` of the row-major matrix W (with v.length columns) times v. */
function dot(W: Float64Array, row: number, v: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += W[row * v.length + k]! * v[k]!;
  return s;
}

interface Reference {
  readonly file: string;
  readonly states: readonly string[];
  readonly step: (p: Params, x: Float64Array, s: State, H: number) => State;
}

const references: Record<string, Reference> = {
  // ONNX peepholes: i and f see c(t-1), o sees c(t).
  lstmPeephole: {
    file: "lstm-peephole.ts",
    states: ["h", "c"],
    step: (p, x, { h, c }, H) => {
      const hNext = new Float64Array(H);
      const cNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const i = sigmoid(dot(p.Wi!, j, x) + dot(p.Ui!, j, h!) + p.pi![j]! * c![j]! + p.bi![j]!);
        const f = sigmoid(dot(p.Wf!, j, x) + dot(p.Uf!, j, h!) + p.pf![j]! * c![j]! + p.bf![j]!);
        const g = Math.tanh(dot(p.Wg!, j, x) + dot(p.Ug!, j, h!) + p.bg![j]!);
        cNext[j] = f * c![j]! + i * g;
        const o = sigmoid(dot(p.Wo!, j, x) + dot(p.Uo!, j, h!) + p.po![j]! * cNext[j]! + p.bo![j]!);
        hNext[j] = o * Math.tanh(cNext[j]!);
      }
      return { h: hNext, c: cNext };
    },
  },
  // PyTorch nn.GRU: reset after the recurrent product, h' = (1 − z) n + z h.
  gruResetAfter: {
    file: "gru-reset-after.ts",
    states: ["h"],
    step: (p, x, { h }, H) => {
      const hNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const z = sigmoid(dot(p.Wz!, j, x) + p.bxz![j]! + dot(p.Uz!, j, h!) + p.bhz![j]!);
        const r = sigmoid(dot(p.Wr!, j, x) + p.bxr![j]! + dot(p.Ur!, j, h!) + p.bhr![j]!);
        const n = Math.tanh(dot(p.Wn!, j, x) + p.bxn![j]! + r * (dot(p.Un!, j, h!) + p.bhn![j]!));
        hNext[j] = (1 - z) * n + z * h![j]!;
      }
      return { h: hNext };
    },
  },
  // Reset before the recurrent product (Keras reset_after=False), h' = (1 − z) h + z n.
  gru: {
    file: "gru.ts",
    states: ["h"],
    step: (p, x, { h }, H) => {
      const rh = new Float64Array(H);
      for (let j = 0; j < H; j++) rh[j] = sigmoid(dot(p.Wr!, j, x) + dot(p.Ur!, j, h!) + p.br![j]!) * h![j]!;
      const hNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const z = sigmoid(dot(p.Wz!, j, x) + dot(p.Uz!, j, h!) + p.bz![j]!);
        const n = Math.tanh(dot(p.Wh!, j, x) + dot(p.Uh!, j, rh) + p.bh![j]!);
        hNext[j] = (1 - z) * h![j]! + z * n;
      }
      return { h: hNext };
    },
  },
};

const FORWARD_TOLERANCE = 1e-12;

function expectAgrees(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  const problem = mismatch(got, want, FORWARD_TOLERANCE, what);
  expect(problem, problem).toBeUndefined();
}

describe("forward passes equal independent plain-JS implementations (f64, T = 5, batch 2, to 1e-12)", () => {
  for (const [name, ref] of Object.entries(references)) {
    it(`${name} (examples/${ref.file})`, () => {
      const dim = fc.integer({ min: 2, max: 5 });
      fc.assert(fc.property(dim, dim, fc.integer({ min: 1, max: 5 }), fc.nat(), fc.boolean(), (I, H, short, seed, simd) => {
        const T = 5, B = 2;
        const lengths = [T, short];
        const path = join(examplesDir, ref.file);
        const model = instantiateModel(compileCell({
          file: path, text: readFile(path), cell: name, dims: { I, H }, dtype: "f64", simd, loss: "none", capacity, verifyEach: true,
        }).binary);
        const rand = prng(seed);
        const random = (n: number, scale: number) => Float64Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

        const params: Record<string, Float64Array> = {};
        for (const e of model.tensors().filter((t) => t.role === "param")) {
          const size = e.shape.reduce<number>((a, d) => a * (d as number), 1);
          params[e.name] = random(size, e.shape.length === 2 ? 1.5 / Math.sqrt(e.shape[1] as number) : 0.8);
          model.set(e.name, "param", params[e.name]!);
        }
        const x = random(T * B * I, 1);
        model.set("x", "input", x);
        model.set("lengths", "lengths", lengths);
        const state0: State = {};
        for (const s of ref.states) {
          state0[s] = random(B * H, 0.5);
          model.set(s, "state_in", state0[s]!);
        }
        model.forward(B, T);

        const out = new Float64Array(T * B * H);
        const stateOut: State = Object.fromEntries(ref.states.map((s) => [s, new Float64Array(B * H)]));
        for (let b = 0; b < B; b++) {
          let state: State = Object.fromEntries(ref.states.map((s) => [s, state0[s]!.slice(b * H, (b + 1) * H)]));
          for (let t = 0; t < lengths[b]!; t++) {
            state = ref.step(params, x.slice((t * B + b) * I, (t * B + b + 1) * I), state, H);
            out.set(state[ref.states[0]!]!, (t * B + b) * H);
          }
          for (const s of ref.states) stateOut[s]!.set(state[s]!, b * H);
        }
        const size = { batch: B, steps: T };
        expectAgrees(model.view(ref.states[0]!, "output", size), out, "output");
        for (const s of ref.states) expectAgrees(model.view(s, "state_out", size), stateOut[s]!, `state_out ${s}`);
      }), { numRuns: 2 });
    });
  }
});
