// spec/e2e — examples/mlstm.ts, xLSTM's mLSTM with its matrix memory: the f64
// module's gradients (parameters, inputs, both initial states) against finite
// differences of its own loss, SIMD and scalar, with H filling whole vectors
// and not; its forward pass against the paper's equations written out here in
// plain loops (sharing nothing with the compiler); and its rank-1 update
// f·C + i·v kᵀ computed where C is written, never as an H×H outer product in
// memory (asserted on the schedule's objects).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  differentiate, instantiate, parse, schedule, simplify, tape, type PassContext,
} from "../../compiler/passes.js";
import type { Node } from "../../compiler/ir/index.js";
import type { Kernel } from "../../compiler/lower/kernel.js";
import { gradcheck } from "../../runtime/gradcheck.js";
import { prng } from "../../runtime/random.js";
import { load, mismatch, type Build } from "./harness.js";

const file = "examples/mlstm.ts";
const source = readFileSync(file, "utf8");
const mlstm = (dims: { I: number; H: number }, simd: boolean): Build =>
  ({ file, source, dims, dtype: "f64", simd, loss: "mse" });

describe("examples/mlstm.ts", () => {
  for (const simd of [true, false]) {
    for (const dims of [{ I: 3, H: 4 }, { I: 2, H: 5 }]) {
      it(`passes gradcheck, f64 ${simd ? "simd" : "scalar"}, I=${dims.I}, H=${dims.H}`, () => {
        const report = gradcheck(load(mlstm(dims, simd)), { seed: 15 + dims.H, batch: 3, steps: 5, maxEntries: 12 });
        expect(report.tensors.map((t) => t.name).sort()).toEqual(
          ["C", "W_k", "W_o", "W_q", "W_v", "b_f", "b_i", "b_k", "b_o", "b_q", "b_v", "n", "w_f", "w_i", "x"],
        );
        expect(report.worst, JSON.stringify(report.tensors)).toBeLessThan(1e-6);
      });
    }
  }

  it("computes the paper's equations (plain loops, f64)", () => {
    const [I, D, B, T] = [3, 4, 2, 4];
    const rand = prng(7);
    const draw = (n: number, scale: number) => Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
    const p = {
      W_q: draw(D * I, 0.6), b_q: draw(D, 0.3), W_k: draw(D * I, 0.6), b_k: draw(D, 0.3),
      W_v: draw(D * I, 0.6), b_v: draw(D, 0.3), w_i: draw(I, 0.5), b_i: draw(1, 0.3),
      w_f: draw(I, 0.5), b_f: draw(1, 0.3), W_o: draw(D * I, 0.6), b_o: draw(D, 0.3),
    };
    const x = draw(T * B * I, 1);
    const C0 = draw(B * D * D, 0.5);
    const n0 = draw(B * D, 0.5);
    const model = load(mlstm({ I, H: D }, true));
    for (const [name, values] of Object.entries(p)) model.set(name, "param", values);
    model.set("x", "input", x);
    model.set("C", "state_in", C0);
    model.set("n", "state_in", n0);
    model.set("lengths", "lengths", new Array(B).fill(T));
    model.forward(B, T);

    const matvec = (m: number[], v: number[], rows: number) =>
      Array.from({ length: rows }, (_, r) => v.reduce((acc, vk, k) => acc + m[r * v.length + k]! * vk, 0));
    const add = (a: number[], b: number[]) => a.map((ai, j) => ai + b[j]!);
    const dot = (a: number[], b: number[]) => a.reduce((acc, ai, j) => acc + ai * b[j]!, 0);
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    const hs: number[] = [];
    const C = Array.from({ length: B }, (_, b) => C0.slice(b * D * D, (b + 1) * D * D));
    const n = Array.from({ length: B }, (_, b) => n0.slice(b * D, (b + 1) * D));
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const xt = x.slice((t * B + b) * I, (t * B + b + 1) * I);
        const [q, k, v] = [
          add(matvec(p.W_q, xt, D), p.b_q),
          add(matvec(p.W_k, xt, D), p.b_k),
          add(matvec(p.W_v, xt, D), p.b_v),
        ];
        const i = Math.exp(dot(p.w_i, xt) + p.b_i[0]!);
        const f = sigmoid(dot(p.w_f, xt) + p.b_f[0]!);
        const o = add(matvec(p.W_o, xt, D), p.b_o).map(sigmoid);
        C[b] = C[b]!.map((c, e) => f * c + i * v[Math.floor(e / D)]! * k[e % D]!);
        n[b] = n[b]!.map((nj, j) => f * nj + i * k[j]!);
        const read = matvec(C[b]!, q, D);
        const scale = Math.max(Math.abs(dot(n[b]!, q)), 1);
        hs.push(...read.map((r, j) => (o[j]! * r) / scale));
      }
    }
    const size = { batch: B, steps: T };
    for (const [got, want, what] of [
      [model.view("h", "output", size), hs, "h"],
      [model.view("C", "state_out", size), C.flat(), "C"],
      [model.view("n", "state_out", size), n.flat(), "n"],
    ] as const) {
      const problem = mismatch(got, want, 1e-12, what);
      expect(problem, problem).toBeUndefined();
    }
  });

  it("updates C by f·C + i·v kᵀ in the kernel that writes it, with no outer product in memory", () => {
    const context: PassContext = {
      file, text: source, dims: { I: 3, H: 4 }, loss: "mse", dtype: "f32", simd: true,
      capacity: { batch: 2, steps: 3 }, optimize: false, train: undefined, inference: false, relaxedSimd: false,
    };
    const staged = instantiate.run(parse.run(context, context), context);
    const taped = tape.run(simplify.run(differentiate.run(staged, context), context), context);
    const [first] = schedule.run(taped, context).schedules;
    const forward = [...first!.forward.before, ...first!.forward.loop, ...first!.forward.after];
    expect(forward.filter((k) => k.kind === "outer")).toEqual([]);
    // What a kernel computes inside itself: the nodes below its root down to located values.
    const located = first!.forward.located;
    const reads = (root: Node): Node[] =>
      root.inputs.flatMap((n) => (located.has(n) || n.op === "var" ? [] : [n, ...reads(n)]));
    const updates = first!.forward.loop.filter(
      (k): k is Kernel & { kind: "elementwise" } =>
        k.kind === "elementwise" && reads(k.root).some((n) => n.op === "outer"),
    );
    expect(updates.length).toBe(1);
    expect(updates[0]!.root.shape).toEqual([4, 4]);
  });
});
