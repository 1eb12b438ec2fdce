// spec/ad — every gradient rule against fourth-order central differences on
// the interpreter. For each op with operands (taken from allOps, so a new op
// without cases fails here), y = op(x0, x1, …) is seeded with a random
// cotangent w and vjp's result for each operand is compared with the finite
// difference of L = Σ w ⊙ y. Each op draws its operands from its own valid
// range: log and sqrt positive, denominators away from 0, relu and step away
// from the kink, max and min operands apart, select conditions exactly 0 or 1,
// indices and ids integers (some out of range), logsumexp also on a wide range,
// expm1 also far into its tail, maxof on elements apart.
// Discrete operands (conditions, indices, ids) are never moved by FD: their
// cotangent must be exactly 0.
// Cases mix shapes and batching so that un-broadcasting (scalars, unbatched
// params under per-batch inputs) in the sweep is checked too.

import fc from "fast-check";
import { describe, it, expect } from "vitest";
import { vjp } from "../../compiler/ad/index.js";
import {
  Graph, allOps, arity, evaluate, sizeOf, varKey, type Node, type Op, type Shape,
} from "../../compiler/ir/index.js";
import {
  bands, contract, finiteDifferences, floats, relativeError, scalarValue, uniform, valueLike, type VarValues,
} from "../support/graphs.js";

/** Where an operand's values come from. */
const ranges = {
  any: uniform(-2, 2),
  positive: uniform(0.2, 3),
  /** |x| ≥ 0.5 */
  denominator: bands([-2, 0.5], 1.5),
  /** |x| ≥ 0.05, far beyond the 2h the stencil reaches */
  offKink: bands([-2, 0.05], 1.95),
  /** lowBands and highBands interleave with gaps of 0.05: max/min operands never tie, either may win */
  lowBands: bands([-2, -1, 0, 1], 0.45),
  highBands: bands([-1.5, -0.5, 0.5, 1.5], 0.45),
  /** select conditions: exactly 0 or 1; their cotangent must be exactly 0 */
  condition: fc.noBias(fc.constantFrom(0, 1)),
  /** onehot indices and gathersum/scatterrows ids: integers, -1 and the top ones outside every shape used here */
  integer: fc.noBias(fc.integer({ min: -1, max: 6 })),
  /** logits far apart: exp(x − logsumexp x) spans many orders of magnitude */
  wide: uniform(-40, 40),
  /** expm1 down to where e^x − 1 rounds to −1 and only y + 1 carries its derivative */
  tail: uniform(-40, 1),
} as const;

/** Ranges drawn for a whole operand at once, where what matters is how its elements lie to each other. */
const wholeRanges = {
  /**
   * maxof operands: distinct multiples of 0.25 plus under 0.1, so no two elements are within 0.15
   * (no stencil ties them)
   */
  distinct: (length: number) =>
    fc.tuple(
      fc.uniqueArray(fc.integer({ min: -12, max: 12 }), { minLength: length, maxLength: length }),
      floats(length, uniform(0, 0.1)),
    ).map(([ks, us]) => Float64Array.from(ks, (k, i) => 0.25 * k + us[i]!)),
} as const;
type Range = keyof typeof ranges | keyof typeof wholeRanges;

function draw(range: Range, length: number): fc.Arbitrary<Float64Array> {
  if (range in wholeRanges) return wholeRanges[range as keyof typeof wholeRanges](length);
  return floats(length, ranges[range as keyof typeof ranges]);
}

/** Operands that take only exact values; FD must not move them off those. */
const discrete: ReadonlySet<Range> = new Set<Range>(["condition", "integer"]);

interface Operand {
  readonly shape: Shape;
  readonly batched: boolean;
  readonly range: Range;
}

interface RuleCase {
  readonly name: string;
  readonly operands: readonly Operand[];
  /** How the seed cotangent is declared: like y (default), unbatched, or an unbatched scalar standing for all of y. */
  readonly seed?: "like-y" | "unbatched" | "scalar";
  /** A slice's rows. */
  readonly slice?: { readonly start: number; readonly rows: number };
}

const v = (shape: Shape, range: Range = "any"): Operand => ({ shape, batched: true, range });
const p = (shape: Shape, range: Range = "any"): Operand => ({ shape, batched: false, range });

function unaryCases(range: Range): RuleCase[] {
  return [
    { name: "per-batch vector", operands: [v([3], range)] },
    { name: "unbatched scalar", operands: [p([], range)] },
    { name: "unbatched matrix", operands: [p([2, 3], range)] },
    { name: "per-batch scalar", operands: [v([], range)] },
  ];
}

function binaryCases(a: Range, b: Range): RuleCase[] {
  return [
    { name: "per-batch vectors", operands: [v([3], a), v([3], b)] },
    { name: "scalar with per-batch vector", operands: [p([], a), v([4], b)] },
    { name: "per-batch vector with per-batch scalar", operands: [v([4], a), v([], b)] },
    { name: "unbatched param with per-batch input", operands: [p([3], a), v([3], b)] },
    { name: "per-batch input with unbatched matrix", operands: [v([2, 2], a), p([2, 2], b)] },
    { name: "unbatched scalars", operands: [p([], a), p([], b)] },
  ];
}

const ruleCases = {
  neg: unaryCases("any"),
  exp: unaryCases("any"),
  log: unaryCases("positive"),
  tanh: unaryCases("any"),
  sigmoid: unaryCases("any"),
  relu: unaryCases("offKink"),
  softplus: unaryCases("any"),
  sqrt: unaryCases("positive"),
  step: unaryCases("offKink"),
  abs: unaryCases("offKink"),
  expm1: [...unaryCases("any"), { name: "per-batch vector, far into the tail", operands: [v([4], "tail")] }],
  add: binaryCases("any", "any"),
  sub: binaryCases("any", "any"),
  mul: binaryCases("any", "any"),
  div: binaryCases("any", "denominator"),
  max: [...binaryCases("lowBands", "highBands"), ...binaryCases("highBands", "lowBands").slice(0, 2)],
  min: [...binaryCases("lowBands", "highBands"), ...binaryCases("highBands", "lowBands").slice(0, 2)],
  select: [
    { name: "per-batch everything", operands: [v([3], "condition"), v([3]), v([3])] },
    { name: "scalar condition", operands: [v([], "condition"), p([3]), v([3])] },
    { name: "scalar branches", operands: [v([3], "condition"), p([]), v([])] },
    { name: "unbatched condition, per-batch branch", operands: [p([2, 2], "condition"), v([2, 2]), p([2, 2])] },
  ],
  matvec: [
    { name: "unbatched matrix, per-batch vector", operands: [p([3, 4]), v([4])] },
    { name: "per-batch matrix, unbatched vector", operands: [v([2, 3]), p([3])] },
    { name: "both unbatched", operands: [p([3, 2]), p([2])] },
    { name: "both per-batch, 1×1", operands: [v([1, 1]), v([1])] },
  ],
  matmul: [
    { name: "unbatched with per-batch", operands: [p([2, 3]), v([3, 4])] },
    { name: "per-batch with unbatched", operands: [v([3, 2]), p([2, 5])] },
    { name: "both per-batch", operands: [v([2, 2]), v([2, 3])] },
    { name: "both unbatched, 1×1", operands: [p([1, 1]), p([1, 1])] },
  ],
  outer: [
    { name: "per-batch with unbatched", operands: [v([3]), p([2])] },
    { name: "unbatched with per-batch", operands: [p([2]), v([4])] },
    { name: "both unbatched", operands: [p([3]), p([3])] },
  ],
  transpose: [
    { name: "unbatched", operands: [p([2, 3])] },
    { name: "per-batch", operands: [v([3, 2])] },
  ],
  sum: [
    { name: "per-batch vector", operands: [v([4])] },
    { name: "unbatched matrix", operands: [p([2, 3])] },
    { name: "per-batch scalar", operands: [v([])] },
  ],
  onehot: [
    { name: "per-batch index, unbatched like", operands: [v([], "integer"), p([4])] },
    { name: "unbatched index, per-batch like", operands: [p([], "integer"), v([3])] },
    { name: "per-batch index and matrix like", operands: [v([], "integer"), v([2, 3])] },
  ],
  gathersum: [
    { name: "unbatched table, per-batch ids", operands: [p([4, 3]), v([3], "integer")] },
    { name: "per-batch table, unbatched ids", operands: [v([3, 2]), p([5], "integer")] },
    { name: "both per-batch", operands: [v([5, 1]), v([2], "integer")] },
  ],
  scatterrows: [
    { name: "per-batch rows and ids, unbatched like", operands: [v([3]), v([4], "integer"), p([4, 3])] },
    { name: "unbatched rows, per-batch like", operands: [p([2]), p([3], "integer"), v([5, 2])] },
  ],
  logsumexp: [
    { name: "per-batch vector", operands: [v([5])] },
    { name: "unbatched matrix", operands: [p([2, 3])] },
    { name: "per-batch vector of one", operands: [v([1])] },
    { name: "per-batch vector, wide range", operands: [v([6], "wide")] },
    { name: "unbatched vector, wide range", operands: [p([4], "wide")] },
  ],
  batchsum: [
    { name: "vector", operands: [v([3])] },
    { name: "scalar", operands: [v([])] },
    { name: "matrix", operands: [v([2, 2])] },
  ],
  concat: [
    { name: "per-batch vectors", operands: [v([2]), v([3])] },
    { name: "unbatched with per-batch, three parts", operands: [p([2]), v([1]), p([3])] },
    { name: "matrices along rows", operands: [v([1, 2]), p([2, 2])] },
    { name: "one part", operands: [v([3])] },
  ],
  slice: [
    { name: "middle of a per-batch vector", operands: [v([6])], slice: { start: 2, rows: 3 } },
    { name: "start of an unbatched vector", operands: [p([4])], slice: { start: 0, rows: 2 } },
    { name: "end of a per-batch vector", operands: [v([5])], slice: { start: 3, rows: 2 } },
    { name: "rows of a matrix", operands: [v([4, 2])], slice: { start: 1, rows: 2 } },
    { name: "all of it", operands: [p([3])], slice: { start: 0, rows: 3 } },
  ],
  maxof: [
    { name: "per-batch vector", operands: [v([5], "distinct")] },
    { name: "unbatched matrix", operands: [p([2, 3], "distinct")] },
    { name: "per-batch scalar", operands: [v([], "distinct")] },
  ],
} satisfies Record<Exclude<Op, "const" | "var">, readonly RuleCase[]>;

/** Seed variants: cotangents that must be fitted to y before the rule sees them. */
const seedCases: [Op, RuleCase][] = [
  ["tanh", { name: "unbatched seed for a per-batch result", operands: [v([3])], seed: "unbatched" }],
  ["mul", { name: "scalar seed for a vector result", operands: [p([3]), v([3])], seed: "scalar" }],
  ["matvec", { name: "scalar seed for a per-batch vector result", operands: [p([2, 3]), v([3])], seed: "scalar" }],
  ["outer", { name: "unbatched seed for a per-batch matrix", operands: [v([2]), v([3])], seed: "unbatched" }],
  // An unbatched seed of a per-batch result stands for one copy per batch entry: an unbatched
  // operand must receive their sum (regression: it received a single copy).
  ["add", {
    name: "unbatched seed, unbatched operand under a per-batch result",
    operands: [p([3]), v([3])],
    seed: "unbatched",
  }],
  ["sub", { name: "unbatched scalar seed, unbatched scalar operand", operands: [p([]), v([2])], seed: "scalar" }],
  ["neg", { name: "unbatched seed for a per-batch input", operands: [v([3])], seed: "unbatched" }],
  ["select", {
    name: "unbatched seed, unbatched branch",
    operands: [v([3], "condition"), p([3]), v([3])],
    seed: "unbatched",
  }],
  // logsumexp's cotangent g·exp(x − y) broadcasts a rank-0 g over x: per-batch y with one unbatched g,
  // and an unbatched x under per-batch uses.
  ["logsumexp", { name: "unbatched seed for a per-batch result", operands: [v([4])], seed: "unbatched" }],
  ["logsumexp", { name: "unbatched seed, unbatched operand", operands: [p([3, 2], "wide")], seed: "scalar" }],
  ["gathersum", {
    name: "unbatched seed for per-batch ids",
    operands: [p([3, 2]), v([2], "integer")],
    seed: "unbatched",
  }],
  // maxof's cotangent divides a rank-0 g by the tie count: an unbatched g over per-batch y, an unbatched x under it.
  ["maxof", { name: "unbatched seed for a per-batch result", operands: [v([4], "distinct")], seed: "unbatched" }],
  ["maxof", { name: "unbatched seed, unbatched operand", operands: [p([3], "distinct")], seed: "scalar" }],
];

const RTOL = 1e-6;

function gradientProperty(op: Op, c: RuleCase) {
  const g = new Graph();
  const xs = c.operands.map((o, i) => g.variable(`x${i}`, o.batched ? "input" : "param", o.shape, o.batched));
  const y = g.apply(op, xs, undefined, c.slice);
  const seedShape = c.seed === "scalar" ? [] : y.shape;
  const w = g.variable("w", "seed", seedShape, c.seed === "unbatched" || c.seed === "scalar" ? false : y.batched);
  const loss = contract(g, y, w);
  const grads = vjp(g, [{ node: y, cotangent: w }], xs);

  grads.forEach((grad, i) => {
    expect(grad.shape, `cotangent shape of operand ${i}`).toEqual(xs[i]!.shape);
    if (!xs[i]!.batched) expect(grad.batched, `cotangent of unbatched operand ${i} is per-batch`).toBe(false);
  });

  const valuesArb = fc.integer({ min: 1, max: 3 }).chain((batch) => {
    const sized = (n: Node) => (n.batched ? batch : 1) * sizeOf(n.shape);
    const arrays = [...c.operands.map((o, i) => draw(o.range, sized(xs[i]!))), floats(sized(w), uniform(-2, 2))];
    return fc.tuple(fc.constant(batch), fc.tuple(...arrays));
  });

  return fc.property(valuesArb, ([batch, arrays]) => {
    const values: VarValues = new Map([...xs, w].map((n, i) => [varKey(n), arrays[i]!]));
    const computed = evaluate(grads, values, batch);
    const smooth = xs.filter((_, i) => !discrete.has(c.operands[i]!.range));
    const fd = finiteDifferences((vals) => scalarValue(loss, vals, batch), values, smooth.map(varKey));
    xs.forEach((x, i) => {
      const ad = valueLike(grads[i]!, computed.get(grads[i]!)!, x, batch);
      if (discrete.has(c.operands[i]!.range)) {
        expect([...ad].every((d) => d === 0), `discrete operand ${i} got a nonzero cotangent`).toBe(true);
        return;
      }
      const err = relativeError(ad, fd.get(varKey(x))!);
      expect(err, `operand ${i}: vjp ${[...ad]} vs FD ${[...fd.get(varKey(x))!]}`).toBeLessThan(RTOL);
    });
  });
}

describe("vjpRules against finite differences", () => {
  for (const op of allOps.filter((o) => arity[o] !== 0)) {
    describe(op, () => {
      const cases = (ruleCases as Partial<Record<Op, readonly RuleCase[]>>)[op];
      it("has gradient cases", () => {
        expect(cases, `no gradient check for op ${op}`).toBeDefined();
        expect(cases!.length).toBeGreaterThan(0);
      });
      for (const c of cases ?? []) {
        it(c.name, () => fc.assert(gradientProperty(op, c), { numRuns: 25 }));
      }
    });
  }
});

describe("seeds fitted by the sweep", () => {
  it.each(seedCases.map(([op, c]) => [op, c.name, c] as const))("%s: %s", (op, _, c) =>
    fc.assert(gradientProperty(op, c), { numRuns: 25 }),
  );
});

describe("the oracle itself", () => {
  it("would notice a wrong rule: d/dx tanh taken as 1 - y", () => {
    // Same harness, deliberately wrong cotangent: the check must fail.
    const g = new Graph();
    const x = g.variable("x", "input", [3], true);
    const y = g.apply("tanh", [x]);
    const w = g.variable("w", "seed", [3], true);
    const loss = contract(g, y, w);
    const wrong = g.apply("mul", [w, g.apply("sub", [g.constant(1), y])]);
    const values: VarValues = new Map([
      ["input:x", Float64Array.of(0.3, -1.2, 0.7)],
      ["seed:w", Float64Array.of(1, -0.5, 2)],
    ]);
    const fd = finiteDifferences((vals) => scalarValue(loss, vals, 1), values, ["input:x"]);
    const ad = evaluate([wrong], values, 1).get(wrong)!;
    expect(relativeError(ad, fd.get("input:x")!)).toBeGreaterThan(0.01);
  });
});
