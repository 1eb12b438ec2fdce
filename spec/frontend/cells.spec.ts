// spec/frontend — the standard cells, written in the DSL, against the same
// equations written by hand in JS: the IR the frontend builds must have the
// declared vars and shapes, use matvec for W * x, and evaluate (reference
// interpreter) to what the hand-written step computes on random numbers.

import { describe, expect, it } from "vitest";
import { topoOrder } from "../../compiler/ir/index.js";
import type { CellIR } from "../../compiler/frontend/index.js";
import { add, close, compile, element, interpret, map, matvec, mul, sample, sigmoid, type Vec } from "./reference.js";

const elman = `
import { cell, tanh } from "rnnc";
export const elman = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], U: ["H", "H"], b: "H" },
  step: ({ x, h, W, U, b }) => ({ h: tanh(W * x + U * h + b) }),
});`;

const gru = `
import { cell, sigmoid, tanh } from "rnnc";
export const gru = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: {
    Wz: ["H", "I"], Uz: ["H", "H"], bz: ["H"],
    Wr: ["H", "I"], Ur: ["H", "H"], br: ["H"],
    Wh: ["H", "I"], Uh: ["H", "H"], bh: ["H"],
  },
  step: ({ x, h, Wz, Uz, bz, Wr, Ur, br, Wh, Uh, bh }) => {
    const z = sigmoid(Wz * x + Uz * h + bz);
    const r = sigmoid(Wr * x + Ur * h + br);
    const n = tanh(Wh * x + Uh * (r * h) + bh);
    return { h: (1 - z) * h + z * n };
  },
});`;

const lstm = `
import { cell, sigmoid, tanh, matmul } from "rnnc";
export const lstm = cell({
  input: { x: "I" },
  state: { h: "H", c: "H" },
  params: {
    Wi: ["H", "I"], Ui: ["H", "H"], bi: ["H"],
    Wf: ["H", "I"], Uf: ["H", "H"], bf: ["H"],
    Wo: ["H", "I"], Uo: ["H", "H"], bo: ["H"],
    Wg: ["H", "I"], Ug: ["H", "H"], bg: ["H"],
  },
  step: ({ x, h, c, Wi, Ui, bi, Wf, Uf, bf, Wo, Uo, bo, Wg, Ug, bg }) => {
    const i = sigmoid(Wi * x + Ui * h + bi);
    const f = sigmoid(matmul(Wf, x) + matmul(Uf, h) + bf);
    const o = sigmoid(Wo * x + Uo * h + bo);
    const g = tanh(Wg * x + Ug * h + bg);
    const cNext = f * c + i * g;
    return { h: o * tanh(cNext), c: cNext };
  },
});`;

type Step = (t: ReturnType<typeof element>) => Record<string, Vec>;

const reference: Record<string, { source: string; states: string[]; matvecs: number; step: Step }> = {
  elman: {
    source: elman,
    states: ["h"],
    matvecs: 2,
    step: (t) => ({ h: map(add(matvec(t.W, t.x), matvec(t.U, t.h), t.b), Math.tanh) }),
  },
  gru: {
    source: gru,
    states: ["h"],
    matvecs: 6,
    step: (t) => {
      const z = map(add(matvec(t.Wz, t.x), matvec(t.Uz, t.h), t.bz), sigmoid);
      const r = map(add(matvec(t.Wr, t.x), matvec(t.Ur, t.h), t.br), sigmoid);
      const n = map(add(matvec(t.Wh, t.x), matvec(t.Uh, mul(r, t.h)), t.bh), Math.tanh);
      return { h: add(mul(map(z, (v) => 1 - v), t.h), mul(z, n)) };
    },
  },
  lstm: {
    source: lstm,
    states: ["h", "c"],
    matvecs: 8,
    step: (t) => {
      const gate = (w: string, u: string, b: string, f: (v: number) => number) =>
        map(add(matvec(t[w]!, t.x), matvec(t[u]!, t.h), t[b]!), f);
      const i = gate("Wi", "Ui", "bi", sigmoid);
      const f = gate("Wf", "Uf", "bf", sigmoid);
      const o = gate("Wo", "Uo", "bo", sigmoid);
      const g = gate("Wg", "Ug", "bg", Math.tanh);
      const c = add(mul(f, t.c), mul(i, g));
      return { h: mul(o, map(c, Math.tanh)), c };
    },
  },
};

function ops(ir: CellIR): string[] {
  return topoOrder(ir.next.map((n) => n.node)).map((n) => n.op);
}

describe.each(Object.entries(reference))("%s", (name, cell) => {
  const dims = { I: 3, H: 5 };
  const ir = compile(cell.source, dims);

  it("declares its vars with bound shapes", () => {
    expect(ir.name).toBe(name);
    expect(ir.dims).toEqual({ I: 3, H: 5 });
    expect(ir.inputs.map((n) => [n.shape, n.batched])).toEqual([[[3], true]]);
    expect(ir.states.map((n) => [n.shape, n.batched])).toEqual(cell.states.map(() => [[5], true]));
    expect(ir.params.every((n) => !n.batched)).toBe(true);
    expect(ir.params.filter((n) => n.shape.length === 2).map((n) => n.shape[1])).toContain(3);
  });

  it("returns every state, in state order, with the state's shape", () => {
    expect(ir.next.map((n) => n.name)).toEqual(cell.states);
    for (const { node } of ir.next) expect([node.shape, node.batched]).toEqual([[5], true]);
  });

  it("reads W * x as a matrix-vector product", () => {
    const used = ops(ir);
    expect(used.filter((op) => op === "matvec")).toHaveLength(cell.matvecs);
    expect(used).not.toContain("outer");
  });

  it.each([1, 2, 3])("computes the hand-written step (seed %i)", (seed) => {
    const batch = 3;
    const values = sample(ir, batch, seed);
    const got = interpret(ir, values, batch);
    for (let b = 0; b < batch; b++) {
      const want = cell.step(element(values, b));
      for (const state of cell.states) {
        const g = got.get(state)![b]!;
        const w = want[state]!;
        expect(g.length).toBe(w.length);
        g.forEach((v, j) => expect(close(v, w[j]!), `${state}[${j}] batch ${b}: ${v} vs ${w[j]}`).toBe(true));
      }
    }
  });
});
