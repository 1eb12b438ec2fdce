// spec/frontend — the derivative each kinked intrinsic takes at its kink, as
// docs/dsl.md states it: the intrinsic as the frontend breaks it down, then
// differentiated by the reverse sweep and evaluated by the interpreter, at
// exactly the kink (0 and −0) and on either side of it.

import { describe, expect, it } from "vitest";
import { vjp } from "../../compiler/ad/index.js";
import { instantiateCell, parseCells, selectCell } from "../../compiler/frontend/index.js";
import { Graph, evaluate } from "../../compiler/ir/index.js";

const points = [-1, -0, 0, 1];

/** d/da of `call` (over a param vector a) at each of `points`. */
function derivatives(call: string, fn: string): number[] {
  const source = `import { cell, ${fn} } from "rnnc";
export const one = cell({ state: { h: "H" }, params: { a: "H" }, step: ({ a }) => ({ h: ${call} }) });`;
  const g = new Graph();
  const ir = instantiateCell(selectCell(parseCells("kink.ts", source)), { H: points.length }, g);
  const [a] = ir.params;
  const y = ir.next[0]!.node;
  const [da] = vjp(g, [{ node: y, cotangent: g.constant(1, y.shape) }], [a!]);
  const values = new Map([["param:a", Float64Array.from(points)], ["state:h", new Float64Array(points.length)]]);
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
    expect(derivatives(call, fn)).toEqual(want.map((d) => expect.closeTo(d, 15)));
  });
});
