// spec/ir — the float64 interpreter on hand-computed examples, one entry per
// op (the table is typed by Op and every op in allOps must have one), with
// batch sizes above one and scalars and unbatched values broadcast over the
// batch.

import { describe, it, expect } from "vitest";
import { Graph, allOps, evaluate, type Node, type Op, type Role, type Shape } from "../../compiler/ir/index.js";

/** A tiny harness: declare vars with values, then evaluate nodes at a batch size. */
function harness(batch: number) {
  const g = new Graph();
  const values = new Map<string, Float64Array>();
  const v = (name: string, role: Role, shape: Shape, batched: boolean, data: number[]) => {
    values.set(`${role}:${name}`, Float64Array.from(data));
    return g.variable(name, role, shape, batched);
  };
  const run = (node: Node) => [...evaluate([node], values, batch).get(node)!];
  return {
    g,
    input: (name: string, shape: Shape, data: number[]) => v(name, "input", shape, true, data),
    param: (name: string, shape: Shape, data: number[]) => v(name, "param", shape, false, data),
    run,
    op: (op: Op, ...inputs: Node[]) => run(g.apply(op, inputs)),
    values,
  };
}

const examples = {
  const: () => {
    const h = harness(3);
    expect(h.run(h.g.constant(1.5, [2]))).toEqual([1.5, 1.5]);
    expect(h.run(h.g.constant(-2, [2], true))).toEqual([-2, -2, -2, -2, -2, -2]);
  },
  var: () => {
    const h = harness(2);
    expect(h.run(h.input("x", [2], [1, 2, 3, 4]))).toEqual([1, 2, 3, 4]);
    expect(h.run(h.param("p", [2, 2], [5, 6, 7, 8]))).toEqual([5, 6, 7, 8]);
    expect(() => h.run(h.g.variable("missing", "state", [2], true))).toThrow("no value for state missing");
    h.values.set("input:x", Float64Array.of(1, 2));
    expect(() => h.run(h.g.variable("x", "input", [2], true))).toThrow(/input x has 2 values, expected 4/);
  },
  neg: () => {
    const h = harness(2);
    expect(h.op("neg", h.input("x", [2], [1, -2, 0, 3]))).toEqual([-1, 2, -0, -3]);
  },
  exp: () => {
    const h = harness(1);
    expect(h.op("exp", h.param("x", [3], [0, 1, Math.log(5)]))).toEqual([1, Math.E, expect.closeTo(5, 14)]);
  },
  log: () => {
    const h = harness(1);
    expect(h.op("log", h.param("x", [3], [1, Math.E, 0]))).toEqual([0, 1, -Infinity]);
  },
  tanh: () => {
    const h = harness(2);
    // tanh(ln 2) = (4 - 1) / (4 + 1)
    expect(h.op("tanh", h.input("x", [], [0, Math.LN2]))).toEqual([0, expect.closeTo(0.6, 15)]);
  },
  sigmoid: () => {
    const h = harness(1);
    // sigmoid(ln 3) = 3 / 4; far out it saturates without NaN
    expect(h.op("sigmoid", h.param("x", [4], [0, Math.log(3), -800, 800]))).toEqual([
      0.5, expect.closeTo(0.75, 15), 0, 1,
    ]);
  },
  relu: () => {
    const h = harness(1);
    expect(h.op("relu", h.param("x", [3], [-1, 0, 2.5]))).toEqual([0, 0, 2.5]);
  },
  softplus: () => {
    const h = harness(1);
    // softplus(ln 3) = ln 4; large arguments neither overflow nor lose the linear part
    const [a, b, c, d] = h.op("softplus", h.param("x", [4], [0, Math.log(3), 800, -800]));
    expect(a).toBe(Math.LN2);
    expect(b).toBeCloseTo(Math.log(4), 15);
    expect(c).toBe(800);
    expect(d).toBe(0);
  },
  sqrt: () => {
    const h = harness(1);
    expect(h.op("sqrt", h.param("x", [3], [4, 9, 0]))).toEqual([2, 3, 0]);
  },
  step: () => {
    const h = harness(2);
    expect(h.op("step", h.input("x", [2], [-1, 0, 1e-300, 7]))).toEqual([0, 0, 1, 1]);
  },
  abs: () => {
    const h = harness(2);
    expect(h.op("abs", h.input("x", [2], [-1.5, 0, -0, 7]))).toEqual([1.5, 0, 0, 7]);
  },
  expm1: () => {
    const h = harness(1);
    const x = h.param("x", [4], [0, 1e-20, Math.log(5), -800]);
    expect(h.op("expm1", x)).toEqual([0, 1e-20, expect.closeTo(4, 14), -1]);
  },
  add: () => {
    // an unbatched param broadcast over a batch of 2
    const h = harness(2);
    expect(h.op("add", h.input("x", [2], [1, 2, 3, 4]), h.param("p", [2], [10, 20]))).toEqual([11, 22, 13, 24]);
  },
  sub: () => {
    // a scalar on the left, and a per-batch scalar against an unbatched vector
    const h = harness(2);
    expect(h.op("sub", h.g.constant(1), h.input("x", [2], [1, 2, 3, 4]))).toEqual([0, -1, -2, -3]);
    expect(h.op("sub", h.param("p", [2], [10, 20]), h.input("s", [], [1, 2]))).toEqual([9, 19, 8, 18]);
  },
  mul: () => {
    const h = harness(2);
    expect(h.op("mul", h.input("x", [2], [1, 2, 3, 4]), h.g.constant(2))).toEqual([2, 4, 6, 8]);
    expect(h.op("mul", h.param("m", [2, 2], [1, 2, 3, 4]), h.param("k", [], [-1]))).toEqual([-1, -2, -3, -4]);
  },
  div: () => {
    const h = harness(2);
    expect(h.op("div", h.input("x", [2], [1, 2, 3, 4]), h.param("p", [2], [2, 4]))).toEqual([0.5, 0.5, 1.5, 1]);
    expect(h.op("div", h.g.constant(1, [2]), h.g.constant(0))).toEqual([Infinity, Infinity]);
  },
  max: () => {
    const h = harness(2);
    expect(h.op("max", h.input("x", [2], [1, 2, 3, 4]), h.g.constant(2.5))).toEqual([2.5, 2.5, 3, 4]);
    // equal operands give b: visible on signed zeros
    expect(Object.is(h.op("max", h.g.constant(0), h.g.constant(-0))[0], -0)).toBe(true);
  },
  min: () => {
    const h = harness(2);
    expect(h.op("min", h.g.constant(2.5), h.input("x", [2], [1, 2, 3, 4]))).toEqual([1, 2, 2.5, 2.5]);
    expect(Object.is(h.op("min", h.g.constant(-0), h.g.constant(0))[0], 0)).toBe(true);
  },
  select: () => {
    const h = harness(2);
    const cond = h.input("c", [2], [1, 0, 0, -3]);
    expect(h.op("select", cond, h.param("a", [2], [10, 20]), h.g.constant(-1))).toEqual([10, -1, -1, 20]);
    // the branch not taken does not leak its NaN
    expect(h.op("select", cond, h.g.constant(NaN), h.g.constant(5))).toEqual([NaN, 5, 5, NaN]);
  },
  matvec: () => {
    const h = harness(2);
    const w = h.param("W", [2, 3], [1, 2, 3, 4, 5, 6]);
    // [[1,2,3],[4,5,6]] · [1,0,-1] = [-2,-2];  · [2,1,0] = [4,13]
    expect(h.op("matvec", w, h.input("v", [3], [1, 0, -1, 2, 1, 0]))).toEqual([-2, -2, 4, 13]);
    // a per-batch matrix against an unbatched vector
    const wb = h.input("Wb", [2, 2], [1, 0, 0, 1, 0, 1, 1, 0]);
    expect(h.op("matvec", wb, h.param("u", [2], [3, 7]))).toEqual([3, 7, 7, 3]);
    expect(h.op("matvec", w, h.param("q", [3], [1, 1, 1]))).toEqual([6, 15]);
  },
  outer: () => {
    const h = harness(2);
    const a = h.input("a", [2], [1, 2, 3, 4]);
    expect(h.op("outer", a, h.param("b", [3], [1, 10, 100]))).toEqual([1, 10, 100, 2, 20, 200, 3, 30, 300, 4, 40, 400]);
    expect(h.op("outer", h.param("c", [1], [2]), a)).toEqual([2, 4, 6, 8]);
  },
  transpose: () => {
    const h = harness(2);
    const m = h.input("m", [2, 3], [1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60]);
    expect(h.op("transpose", m)).toEqual([1, 4, 2, 5, 3, 6, 10, 40, 20, 50, 30, 60]);
    expect(h.op("transpose", h.param("r", [1, 3], [7, 8, 9]))).toEqual([7, 8, 9]);
  },
  sum: () => {
    const h = harness(2);
    expect(h.op("sum", h.input("x", [3], [1, 2, 3, 4, 5, 6]))).toEqual([6, 15]);
    expect(h.op("sum", h.param("m", [2, 2], [1, 2, 3, 4.5]))).toEqual([10.5]);
    expect(h.op("sum", h.input("s", [], [7, 8]))).toEqual([7, 8]);
  },
  onehot: () => {
    const h = harness(3);
    const like = h.param("p", [3], [NaN, 7, -1]); // only its shape counts
    // a per-batch index over an unbatched like: out of range (5, -1) or not an integer (1.5) gives all zeros
    expect(h.op("onehot", h.input("i", [], [0, 2, 5]), like)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(h.op("onehot", h.input("j", [], [-1, 1.5, 3]), like)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // an unbatched index over a per-batch like
    expect(h.op("onehot", h.param("k", [], [1]), h.input("x", [2], [1, 2, 3, 4, 5, 6]))).toEqual([0, 1, 0, 1, 0, 1]);
    // a matrix: the index counts elements row-major
    expect(h.op("onehot", h.g.constant(4), h.g.constant(0, [2, 3]))).toEqual([0, 0, 0, 0, 1, 0]);
    expect(h.op("onehot", h.g.constant(6), h.g.constant(0, [2, 3]))).toEqual([0, 0, 0, 0, 0, 0]);
  },
  gathersum: () => {
    const h = harness(2);
    const table = h.param("T", [3, 2], [1, 2, 10, 20, 100, 200]);
    // rows 0 + 2, and row 1 twice
    expect(h.op("gathersum", table, h.input("ids", [2], [0, 2, 1, 1]))).toEqual([101, 202, 20, 40]);
    // ids outside [0, 3) or not integers add nothing
    expect(h.op("gathersum", table, h.param("bad", [4], [-1, 3, 0.5, 2]))).toEqual([100, 200]);
    // a per-batch table under unbatched ids
    expect(h.op("gathersum", h.input("Tb", [2, 1], [1, 2, 3, 4]), h.param("one", [1], [1]))).toEqual([2, 4]);
  },
  scatterrows: () => {
    const h = harness(2);
    const like = h.param("T", [3, 2], [NaN, NaN, NaN, NaN, NaN, NaN]); // only its shape counts
    const g = h.input("g", [2], [1, 2, 3, 4]);
    // batch 0 adds g to rows 0 and 2; batch 1 adds it to row 1 twice
    expect(h.op("scatterrows", g, h.input("ids", [2], [0, 2, 1, 1]), like)).toEqual([
      1, 2, 0, 0, 1, 2, 0, 0, 6, 8, 0, 0,
    ]);
    expect(h.op("scatterrows", h.param("u", [2], [5, 6]), h.param("bad", [3], [-1, 3, 1.5]), like)).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
  },
  logsumexp: () => {
    const h = harness(2);
    // log(e + e² + e³) = 3 + log(1 + e⁻¹ + e⁻²)
    const [a, b] = h.op("logsumexp", h.input("x", [3], [1, 2, 3, 0, 0, 0]));
    expect(a).toBeCloseTo(3 + Math.log(1 + Math.exp(-1) + Math.exp(-2)), 14);
    expect(b).toBe(Math.log(3));
    // large values neither overflow nor underflow
    expect(h.op("logsumexp", h.param("big", [2], [1000, 1000]))).toEqual([1000 + Math.LN2]);
    expect(h.op("logsumexp", h.param("small", [2], [-1000, -1000]))).toEqual([-1000 + Math.LN2]);
    expect(h.op("logsumexp", h.param("far", [2, 2], [1000, 0, -5, 3]))).toEqual([1000]);
    expect(h.op("logsumexp", h.param("masked", [2], [-Infinity, 0.5]))).toEqual([0.5]);
  },
  maxof: () => {
    const h = harness(2);
    expect(h.op("maxof", h.input("x", [3], [1, -2, 3, -5, -4, -6]))).toEqual([3, -4]);
    expect(h.op("maxof", h.param("m", [2, 2], [-1, 7, 7, 2]))).toEqual([7]);
    // As Math.max: NaN wins, and +0 is above −0.
    expect(h.op("maxof", h.param("nan", [3], [1, NaN, 2]))).toEqual([NaN]);
    expect(h.op("maxof", h.param("zeros", [2], [-0, 0]))).toEqual([0]);
    expect(h.op("maxof", h.param("negative zero", [1], [-0]))).toEqual([-0]);
    expect(h.op("maxof", h.param("inf", [2], [-Infinity, -Infinity]))).toEqual([-Infinity]);
    expect(h.op("maxof", h.input("s", [], [0.5, -0.25]))).toEqual([0.5, -0.25]);
  },
  matmul: () => {
    const h = harness(2);
    // [[1, 2], [3, 4]] · [[5], [6]] = [[17], [39]]; per batch entry for a per-batch left operand.
    expect(h.op("matmul", h.param("a", [2, 2], [1, 2, 3, 4]), h.param("b", [2, 1], [5, 6]))).toEqual([17, 39]);
    expect(h.op("matmul", h.input("x", [1, 2], [1, 0, 0, 1]), h.param("m", [2, 2], [1, 2, 3, 4]))).toEqual([
      1, 2, 3, 4,
    ]);
  },
  concat: () => {
    const h = harness(2);
    // Per batch entry: an unbatched part repeats in every entry.
    expect(h.op("concat", h.input("x", [2], [1, 2, 3, 4]), h.param("p", [1], [9]))).toEqual([1, 2, 9, 3, 4, 9]);
    expect(h.op("concat", h.param("a", [1, 2], [1, 2]), h.param("b", [2, 2], [3, 4, 5, 6]))).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
  },
  slice: () => {
    const h = harness(2);
    expect(h.run(h.g.slice(h.input("x", [4], [1, 2, 3, 4, 5, 6, 7, 8]), 1, 2))).toEqual([2, 3, 6, 7]);
    expect(h.run(h.g.slice(h.param("m", [3, 2], [1, 2, 3, 4, 5, 6]), 2, 1))).toEqual([5, 6]);
  },
  batchsum: () => {
    const h = harness(2);
    expect(h.op("batchsum", h.input("x", [2], [1, 2, 3, 4]))).toEqual([4, 6]);
    expect(h.op("batchsum", h.input("s", [], [0.5, 0.25]))).toEqual([0.75]);
    const three = harness(3);
    expect(three.op("batchsum", three.input("m", [1, 2], [1, 2, 3, 4, 5, 6]))).toEqual([9, 12]);
  },
} satisfies Record<Op, () => void>;

describe("evaluate", () => {
  it.each(allOps)("%s on hand-computed values", (op) => {
    const example = (examples as Partial<Record<Op, () => void>>)[op];
    expect(example, `no interpreter example for ${op}`).toBeDefined();
    example!();
  });

  it("evaluates shared nodes once and returns every reached node", () => {
    const h = harness(1);
    const x = h.param("x", [], [2]);
    const e = h.g.apply("exp", [x]);
    const y = h.g.apply("add", [e, e]);
    const values = evaluate([y], h.values, 1);
    expect([...values.keys()]).toEqual([x, e, y]);
    expect(values.get(y)![0]).toBe(2 * Math.exp(2));
  });

});
