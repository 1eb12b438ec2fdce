// spec/ir — the printer: the SSA text of a small function (one line per
// node in operand-first order, types with per-batch marks, origins, outputs).

import { describe, it, expect } from "vitest";
import { Graph, printFn, printNode } from "../../compiler/ir/index.js";

describe("printFn", () => {
  it("prints a small cell", () => {
    const g = new Graph();
    const w = g.variable("W", "param", [2, 3], false);
    const x = g.variable("x", "input", [3], true);
    const h = g.apply("tanh", [g.apply("add", [g.apply("matvec", [w, x], "cell.ts:3:14"), g.constant(0.5)])]);
    const total = g.apply("batchsum", [g.apply("sum", [h])]);
    expect(
      printFn({ graph: g, outputs: [{ name: "h", node: h }, { name: "total", node: total }] }, "cell"),
    ).toMatchInlineSnapshot(`
      "cell {
        %0 = param W : [2, 3]
        %1 = input x : [3] per-batch
        %2 = matvec %0, %1 : [2] per-batch  ; cell.ts:3:14
        %3 = const 0.5 : scalar
        %4 = add %2, %3 : [2] per-batch
        %5 = tanh %4 : [2] per-batch
        %6 = sum %5 : scalar per-batch
        %7 = batchsum %6 : scalar
        h <- %5
        total <- %7
      }"
    `);
  });

  it("prints consts with their value, batched ones marked per-batch", () => {
    const g = new Graph();
    expect(printNode(g.constant(-1.5, [4]))).toBe("%0 = const -1.5 : [4]");
    expect(printNode(g.constant(0, [], true))).toBe("%1 = const 0 : scalar per-batch");
  });
});
