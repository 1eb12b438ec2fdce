// spec/rewrite — every rewrite pass as a property over random graphs (with
// injected constants 0, 1, -1 and identity patterns) and over the gradient
// graphs vjp makes of them (full of zero cotangents): the interpreter gives
// exactly the same value for every output before and after, the result
// verifies, keeps its outputs' names and types, and has no more nodes.

import fc from "fast-check";
import { describe, it, expect } from "vitest";
import { vjp } from "../../compiler/ad/index.js";
import { evaluate, topoOrder, verify, type Fn } from "../../compiler/ir/index.js";
import { foldConstants, rebuild, simplify, simplifyAlgebra } from "../../compiler/rewrite/index.js";
import { graphWithValuesArb, seededGraphArb, type GraphWithValues, type SeededGraph } from "../support/graphs.js";

const passes: [string, (fn: Fn) => Fn][] = [
  ["rebuild", (fn) => rebuild(fn)],
  ["foldConstants", (fn) => rebuild(fn, foldConstants)],
  ["simplifyAlgebra", (fn) => rebuild(fn, simplifyAlgebra)],
  ["simplify", simplify],
];

const nodeCount = (fn: Fn) => topoOrder(fn.outputs.map((o) => o.node)).length;

/** Equal as the interpreter's doubles: bit-for-bit up to the sign of zero, NaN equal to NaN. */
function sameDoubles(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i] || (Number.isNaN(x) && Number.isNaN(b[i]!)));
}

function checkPass(name: string, pass: (fn: Fn) => Fn, c: GraphWithValues, fn: Fn): void {
  const after = pass(fn);
  verify(after, name);
  expect(after.outputs.map((o) => o.name)).toEqual(fn.outputs.map((o) => o.name));
  expect(nodeCount(after)).toBeLessThanOrEqual(nodeCount(fn));
  const before = evaluate(fn.outputs.map((o) => o.node), c.values, c.batch);
  const rewritten = evaluate(after.outputs.map((o) => o.node), c.values, c.batch);
  fn.outputs.forEach((o, i) => {
    const n = after.outputs[i]!.node;
    expect(n.shape, `shape of ${o.name}`).toEqual(o.node.shape);
    expect(n.batched, `batching of ${o.name}`).toBe(o.node.batched);
    const want = before.get(o.node)!;
    const got = rewritten.get(n)!;
    expect(sameDoubles(got, want), `${o.name}: ${[...got]} after ${name}, ${[...want]} before`).toBe(true);
  });
}

/** The function of the case's outputs and the cotangent of every var. */
function gradientFn(c: SeededGraph): Fn {
  const grads = vjp(c.fn.graph, c.fn.outputs.map((o, i) => ({ node: o.node, cotangent: c.seeds[i]! })), c.vars);
  return { graph: c.fn.graph, outputs: [...c.fn.outputs, ...grads.map((node, i) => ({ name: `d${i}`, node }))] };
}

describe.each(passes)("%s", (name, pass) => {
  it("preserves every output's values on random graphs with identities", () => {
    fc.assert(
      fc.property(graphWithValuesArb({ identities: true }), (c) => checkPass(name, pass, c, c.fn)),
      { numRuns: 200 },
    );
  });

  it("preserves every output's values on gradient graphs", () => {
    fc.assert(
      fc.property(seededGraphArb({ identities: true, maxSteps: 12 }), (c) => checkPass(name, pass, c, gradientFn(c))),
      { numRuns: 100 },
    );
  });
});

describe("rebuild", () => {
  it("holds exactly the nodes the outputs reach (DCE; the builder already merged duplicates)", () => {
    fc.assert(
      fc.property(graphWithValuesArb({ identities: true }), (c) => {
        const after = rebuild(c.fn);
        expect(nodeCount(after)).toBe(nodeCount(c.fn));
        // ids count up from 0 in the fresh graph: the next node made gets the number of nodes it holds
        expect(after.graph.constant(0.123456789, [7, 7]).id).toBe(nodeCount(after));
      }),
      { numRuns: 100 },
    );
  });
});

describe("simplify", () => {
  it("reaches a fixed point: simplifying again removes nothing", () => {
    fc.assert(
      fc.property(seededGraphArb({ identities: true, maxSteps: 12 }), (c) => {
        const once = simplify(gradientFn(c));
        expect(nodeCount(simplify(once))).toBe(nodeCount(once));
      }),
      { numRuns: 100 },
    );
  });
});
