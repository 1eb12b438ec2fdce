// spec/e2e — the standard cells against independent implementations (DESIGN
// §3). DESIGN asks for TF.js layers with copied weights; TF.js is not a
// dependency here, so the LSTM and GRU are written out below in plain JS from
// their published equations, sharing nothing with the compiler (not the
// frontend, not the interpreter). Weights are drawn in PyTorch's packed layout
// (weight_ih [gates·H, I], weight_hh [gates·H, H], gate blocks in PyTorch's
// order) and copied into the module's tensors by name, which checks the
// documented layout ([out, in] matrices, time-major sequences) as well.

import { describe, expect, it } from "vitest";
import { prng } from "../../runtime/random.js";
import type { RnncModel } from "../../runtime/model.js";
import { exampleBuild, load, mismatch, type ExampleName } from "./harness.js";

const T = 6;
const BATCH = 3;

type Vec = number[];
type Mat = number[][];

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const matvec = (m: Mat, v: Vec): Vec => m.map((row) => row.reduce((acc, w, k) => acc + w * v[k]!, 0));
const add = (...vs: Vec[]): Vec => vs[0]!.map((_, j) => vs.reduce((acc, v) => acc + v[j]!, 0));
const rows = (m: Mat, block: number, H: number): Mat => m.slice(block * H, (block + 1) * H);
const part = (v: Vec, block: number, H: number): Vec => v.slice(block * H, (block + 1) * H);

interface Weights {
  readonly weightIh: Mat;
  readonly weightHh: Mat;
  readonly biasIh: Vec;
  readonly biasHh: Vec;
}

/** PyTorch nn.LSTM, one layer, gate blocks (i, f, g, o); returns h at every step and the final c. */
function torchLstm(w: Weights, H: number, xs: Vec[][], h0: Vec[], c0: Vec[]): { hs: Vec[][]; c: Vec[] } {
  let h = h0;
  let c = c0;
  const hs: Vec[][] = [];
  for (const x of xs) {
    const next = x.map((xb, b) => {
      const gates = add(matvec(w.weightIh, xb), w.biasIh, matvec(w.weightHh, h[b]!), w.biasHh);
      const i = part(gates, 0, H).map(sigmoid);
      const f = part(gates, 1, H).map(sigmoid);
      const g = part(gates, 2, H).map(Math.tanh);
      const o = part(gates, 3, H).map(sigmoid);
      const cb = c[b]!.map((cj, j) => f[j]! * cj + i[j]! * g[j]!);
      return { h: cb.map((cj, j) => o[j]! * Math.tanh(cj)), c: cb };
    });
    h = next.map((n) => n.h);
    c = next.map((n) => n.c);
    hs.push(h);
  }
  return { hs, c };
}

/**
 * The GRU of examples/gru.ts (Cho et al. 2014): gate blocks (z, r, n), reset
 * applied before the recurrent product, h' = (1 − z)·h + z·n. (PyTorch's
 * nn.GRU differs on both counts, so its equations are not used here.)
 */
function choGru(w: Weights, H: number, xs: Vec[][], h0: Vec[]): { hs: Vec[][] } {
  let h = h0;
  const hs: Vec[][] = [];
  for (const x of xs) {
    h = x.map((xb, b) => {
      const hb = h[b]!;
      const z = add(
        matvec(rows(w.weightIh, 0, H), xb), matvec(rows(w.weightHh, 0, H), hb), part(w.biasIh, 0, H),
      ).map(sigmoid);
      const r = add(
        matvec(rows(w.weightIh, 1, H), xb), matvec(rows(w.weightHh, 1, H), hb), part(w.biasIh, 1, H),
      ).map(sigmoid);
      const rh = hb.map((hj, j) => r[j]! * hj);
      const n = add(
        matvec(rows(w.weightIh, 2, H), xb), matvec(rows(w.weightHh, 2, H), rh), part(w.biasIh, 2, H),
      ).map(Math.tanh);
      return hb.map((hj, j) => (1 - z[j]!) * hj + z[j]! * n[j]!);
    });
    hs.push(h);
  }
  return { hs };
}

/** Values representable in the build's dtype, so reference and module start from the same numbers. */
function drawer(seed: number, dtype: "f32" | "f64") {
  const rand = prng(seed);
  const round = dtype === "f32" ? Math.fround : (x: number) => x;
  const vec = (n: number, scale: number): Vec => Array.from({ length: n }, () => round((rand() * 2 - 1) * scale));
  const mat = (m: number, n: number, scale: number): Mat => Array.from({ length: m }, () => vec(n, scale));
  return { vec, mat };
}

function drawWeights(draw: ReturnType<typeof drawer>, gates: number, I: number, H: number, biasHh: boolean): Weights {
  const k = 1.2 / Math.sqrt(H); // a little wider than PyTorch's 1/√H, so gates leave their linear range
  return {
    weightIh: draw.mat(gates * H, I, k),
    weightHh: draw.mat(gates * H, H, k),
    biasIh: draw.vec(gates * H, k),
    biasHh: biasHh ? draw.vec(gates * H, k) : new Array(gates * H).fill(0),
  };
}

/** Copies gate block `block` of the packed weights into the module's W{gate}, U{gate}, b{gate}. */
function copyGate(model: RnncModel, w: Weights, H: number, block: number, gate: string, biasName: string): void {
  model.set(`W${gate}`, "param", rows(w.weightIh, block, H).flat());
  model.set(`U${gate}`, "param", rows(w.weightHh, block, H).flat());
  model.set(biasName, "param", add(part(w.biasIh, block, H), part(w.biasHh, block, H)));
}

function expectClose(got: ArrayLike<number>, want: readonly number[], tol: number, what: string): void {
  const problem = mismatch(got, want, tol, what);
  expect(problem, problem).toBeUndefined();
}

const tolerances = { f64: 1e-12, f32: 1e-5 } as const;
const shapes = [{ I: 5, H: 7 }, { I: 8, H: 4 }, { I: 1, H: 1 }];

function runModel(name: ExampleName, dims: { I: number; H: number }, dtype: "f32" | "f64", simd: boolean): RnncModel {
  const model = load(exampleBuild(name, dims, dtype, simd, "mse"));
  model.set("lengths", "lengths", new Array(BATCH).fill(T));
  return model;
}

describe("LSTM against PyTorch's nn.LSTM equations (plain JS, weights copied by name)", () => {
  for (const dtype of ["f64", "f32"] as const) {
    for (const simd of [true, false]) {
      it(`${dtype} ${simd ? "simd" : "scalar"}: h at every step and the final c, T = ${T}, batch ${BATCH}`, () => {
        for (const [k, { I, H }] of shapes.entries()) {
          const draw = drawer(100 + k, dtype);
          const w = drawWeights(draw, 4, I, H, true);
          const xs = Array.from({ length: T }, () => Array.from({ length: BATCH }, () => draw.vec(I, 1.5)));
          const h0 = Array.from({ length: BATCH }, () => draw.vec(H, 0.8));
          const c0 = Array.from({ length: BATCH }, () => draw.vec(H, 0.8));
          const want = torchLstm(w, H, xs, h0, c0);

          const model = runModel("lstm", { I, H }, dtype, simd);
          ["i", "f", "g", "o"].forEach((gate, block) => copyGate(model, w, H, block, gate, `b${gate}`));
          model.set("x", "input", xs.flat(2));
          model.set("h", "state_in", h0.flat());
          model.set("c", "state_in", c0.flat());
          const size = { batch: BATCH, steps: T };
          model.forward(BATCH, T);
          const tol = tolerances[dtype];
          expectClose(model.view("h", "output", size), want.hs.flat(2), tol, `h (output) with I=${I}, H=${H}`);
          expectClose(
            model.view("h", "state_out", size), want.hs[T - 1]!.flat(), tol, `h (state_out) with I=${I}, H=${H}`,
          );
          expectClose(model.view("c", "state_out", size), want.c.flat(), tol, `c (state_out) with I=${I}, H=${H}`);
        }
      });
    }
  }
});

describe("GRU against the Cho et al. equations of examples/gru.ts (plain JS, weights copied by name)", () => {
  for (const dtype of ["f64", "f32"] as const) {
    for (const simd of [true, false]) {
      it(`${dtype} ${simd ? "simd" : "scalar"}: h at every step, T = ${T}, batch ${BATCH}`, () => {
        for (const [k, { I, H }] of shapes.entries()) {
          const draw = drawer(200 + k, dtype);
          const w = drawWeights(draw, 3, I, H, false);
          const xs = Array.from({ length: T }, () => Array.from({ length: BATCH }, () => draw.vec(I, 1.5)));
          const h0 = Array.from({ length: BATCH }, () => draw.vec(H, 0.8));
          const want = choGru(w, H, xs, h0);

          const model = runModel("gru", { I, H }, dtype, simd);
          ["z", "r", "h"].forEach((gate, block) => copyGate(model, w, H, block, gate, `b${gate}`));
          model.set("x", "input", xs.flat(2));
          model.set("h", "state_in", h0.flat());
          const size = { batch: BATCH, steps: T };
          model.forward(BATCH, T);
          const tol = tolerances[dtype];
          expectClose(model.view("h", "output", size), want.hs.flat(2), tol, `h (output) with I=${I}, H=${H}`);
          expectClose(
            model.view("h", "state_out", size), want.hs[T - 1]!.flat(), tol, `h (state_out) with I=${I}, H=${H}`,
          );
        }
      });
    }
  }
});
