// spec/frontend — the derivative each kinked intrinsic takes at its kink, as
// docs/dsl.md states it: the intrinsic as the frontend breaks it down, then
// differentiated by the reverse sweep and evaluated by the interpreter, at
// exactly the kink (0 and −0) and on either side of it.

import { describe, expect, it } from "vitest";
import { vjp } from "../../compiler/ad/index.js";
import { instantiateCell, parseCells, selectCell } from "../../compiler/frontend/index.js";
import { Graph, evaluate, sizeOf } from "../../compiler/ir/index.js";

const points = [-1, -0, 0, 1];

/** d/da of (the sum of) `call` over a param vector a, with a at `at`; the state has `stateShape`. */
function derivatives(at: readonly number[], call: string, fn: string, stateShape = `"H"`): number[] {
  const source = `import { cell, ${fn} } from "rnnc";
export const one = cell({ state: { h: ${stateShape} }, params: { a: "H" }, step: ({ a }) => ({ h: ${call} }) });`;
  const g = new Graph();
  const ir = instantiateCell(selectCell(parseCells("kink.ts", source)), { H: at.length }, g);
  const [a] = ir.params;
  const y = ir.next[0]!.node;
  const [da] = vjp(g, [{ node: y, cotangent: g.constant(1, y.shape) }], [a!]);
  const values = new Map([["param:a", Float64Array.from(at)], ["state:h", new Float64Array(sizeOf(y.shape))]]);
  return [...evaluate([da!], values, 1).get(da!)!];
}

describe("derivatives at the kink", () => {
  it.each([
    ["relu(a)", "relu", [0, 0, 0, 1]],
    ["abs(a)", "abs", [-1, 0, 0, 1]],
    ["leakyRelu(a)", "leakyRelu", [0.01, 0.01, 0.01, 1]],
    ["leakyRelu(a, 0.2)", "leakyRelu", [0.2, 0.2, 0.2, 1]],
    ["elu(a, 0.5)", "elu", [0.5 * Math.exp(-1), 0.5, 0.5, 1]],
    ["elu(a)", "elu", [Math.exp(-1), 1, 1, 1]],
    ["max(a, 0)", "max", [0, 0, 0, 1]],
    ["min(0, a)", "min", [1, 1, 1, 0]],
    ["clip(a, -1, 1)", "clip", [0, 1, 1, 0]],
  ] as const)("%s", (call, fn, want) => {
    expect(derivatives(points, call, fn)).toEqual(want.map((d) => expect.closeTo(d, 15)));
  });

  it.each([
    [[1, 3, -2, 0], [0, 1, 0, 0]],
    [[1, 3, 3, 0], [0, 0.5, 0.5, 0]],
    [[-0, 0, -1, -2], [0.5, 0.5, 0, 0]],
    [[2, 2, 2, 2], [0.25, 0.25, 0.25, 0.25]],
  ])("maxOf(%j): the elements equal to the largest share its derivative", (at, want) => {
    expect(derivatives(at, "maxOf(a)", "maxOf", "[]")).toEqual(want);
  });
});
