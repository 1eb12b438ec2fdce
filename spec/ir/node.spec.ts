// spec/ir — the builder: hash-consing (same op on the same operands is the
// same node, anything that differs is not), var declarations, topological
// order, and the helpers over a function's nodes.

import { describe, it, expect } from "vitest";
import { Graph, IRError, constValue, fnVars, topoOrder, userCounts, varArg } from "../../compiler/ir/index.js";

describe("interning", () => {
  it("returns the same node for the same op on the same operands", () => {
    const g = new Graph();
    const x = g.variable("x", "input", [3], true);
    const w = g.variable("W", "param", [2, 3], false);
    expect(g.apply("exp", [x])).toBe(g.apply("exp", [x]));
    expect(g.apply("matvec", [w, x])).toBe(g.apply("matvec", [w, x]));
    expect(g.apply("add", [g.apply("exp", [x]), x])).toBe(g.apply("add", [g.apply("exp", [x]), x]));
    expect(g.constant(2, [3])).toBe(g.constant(2, [3]));
    expect(g.variable("x", "input", [3], true)).toBe(x);
  });

  it("keeps nodes apart when op, operand order, const value, shape or batching differ", () => {
    const g = new Graph();
    const x = g.variable("x", "input", [3], true);
    const y = g.variable("y", "input", [3], true);
    expect(g.apply("exp", [x])).not.toBe(g.apply("tanh", [x]));
    expect(g.apply("sub", [x, y])).not.toBe(g.apply("sub", [y, x]));
    expect(g.constant(1)).not.toBe(g.constant(2));
    expect(g.constant(0)).not.toBe(g.constant(-0));
    expect(g.constant(1, [3])).not.toBe(g.constant(1));
    expect(g.constant(1, [3])).not.toBe(g.constant(1, [3], true));
    expect(g.constant(NaN)).toBe(g.constant(NaN));
    expect(g.variable("x", "state", [3], true)).not.toBe(x);
  });

  it("numbers nodes in creation order and never reuses an id", () => {
    const g = new Graph();
    const ids = [g.constant(1), g.constant(2), g.variable("x", "param", [], false), g.constant(1)].map((n) => n.id);
    expect(ids).toEqual([0, 1, 2, 0]);
  });

  it("does not intern across graphs", () => {
    const a = new Graph();
    const b = new Graph();
    expect(a.constant(1)).not.toBe(b.constant(1));
  });

  it("refuses a var declared again with another shape or batching", () => {
    const g = new Graph();
    g.variable("h", "state", [3], true);
    expect(() => g.variable("h", "state", [4], true)).toThrow(IRError);
    expect(() => g.variable("h", "state", [3], false)).toThrow(IRError);
  });
});

describe("copy", () => {
  it("rebuilds a node in another graph with new operands and the same origin", () => {
    const g = new Graph();
    const x = g.variable("x", "input", [2], true);
    const y = g.apply("mul", [x, g.constant(3)], "cell.ts:4:7");
    const h = new Graph();
    const x2 = h.copy(x, []);
    const c2 = h.copy(y.inputs[1]!, []);
    const y2 = h.copy(y, [x2, c2]);
    expect(y2).toMatchObject({ op: "mul", shape: [2], batched: true, origin: "cell.ts:4:7" });
    expect(y2.inputs).toEqual([x2, c2]);
    expect(varArg(x2)).toEqual({ name: "x", role: "input" });
    expect(constValue(c2)).toBe(3);
    expect(() => varArg(c2)).toThrow(/is const, not var/);
  });
});

describe("traversal", () => {
  const g = new Graph();
  const x = g.variable("x", "input", [2], true);
  const p = g.variable("p", "param", [2], false);
  const e = g.apply("exp", [x]);
  const y = g.apply("mul", [e, p]);
  const z = g.apply("add", [y, e]);
  const dead = g.apply("tanh", [x]);

  it("puts operands before users, each node once, only what the roots reach", () => {
    const order = topoOrder([z]);
    expect(new Set(order)).toEqual(new Set([x, p, e, y, z]));
    expect(order).toHaveLength(5);
    for (const node of order)
      for (const input of node.inputs) expect(order.indexOf(input)).toBeLessThan(order.indexOf(node));
    expect(order).not.toContain(dead);
  });

  it("lists a function's vars in first-use order", () => {
    expect(fnVars({ graph: g, outputs: [{ name: "z", node: z }] })).toEqual([x, p]);
  });

  it("counts users among the reachable nodes", () => {
    const counts = userCounts([z]);
    expect(counts.get(e)).toBe(2);
    expect(counts.get(x)).toBe(1);
    expect(counts.get(z)).toBeUndefined();
  });
});
