// spec/ir — the verifier: it accepts every graph the builder can make (the
// random-graph arbitrary, which must itself reach every op) and names each
// kind of corruption in a hand-built node.

import fc from "fast-check";
import { describe, it, expect } from "vitest";
import {
  Graph, allOps, topoOrder, verify, verifyProblems, type Fn, type Node, type Op,
} from "../../compiler/ir/index.js";
import { graphArb } from "../support/graphs.js";

/** A node object made without the builder, so it can be wrong. */
function forged(fields: Partial<Node> & Pick<Node, "op" | "inputs" | "shape" | "batched">, id = 900): Node {
  return { id, arg: undefined, origin: undefined, ...fields };
}

const fnOf = (...nodes: Node[]): Fn => ({
  graph: new Graph(),
  outputs: nodes.map((node, i) => ({ name: `y${i}`, node })),
});

describe("verify on generated graphs", () => {
  it("accepts every graph the builder makes", () => {
    fc.assert(
      fc.property(graphArb({ identities: true }), ({ fn }) => {
        expect(verifyProblems(fn)).toEqual([]);
        expect(() => verify(fn)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it("the generator reaches every op of the closed set", () => {
    const seen = new Set<Op>();
    for (const { fn } of fc.sample(graphArb({ identities: true }), { numRuns: 300, seed: 1 })) {
      for (const node of topoOrder(fn.outputs.map((o) => o.node))) seen.add(node.op);
    }
    expect([...allOps].filter((op) => !seen.has(op))).toEqual([]);
  });
});

describe("verify rejects corrupted nodes", () => {
  const g = new Graph();
  const x = g.variable("x", "input", [3], true);
  const p = g.variable("p", "param", [3], false);
  const w = g.variable("W", "param", [2, 3], false);

  const cases: [string, Node, RegExp][] = [
    ["a wrong elementwise shape", forged({ op: "exp", inputs: [x], shape: [4], batched: true }),
      /shape \[4\] but its rule gives \[3\]: %900 = exp %0 : \[4\] per-batch/],
    ["a wrong matvec shape", forged({ op: "matvec", inputs: [w, p], shape: [3], batched: false }),
      /shape \[3\] but its rule gives \[2\]/],
    ["operands its rule refuses", forged({ op: "add", inputs: [x, w], shape: [3], batched: true }),
      /elementwise operands have shapes \[3\] and \[2, 3\]/],
    ["a batched node of unbatched operands", forged({ op: "neg", inputs: [p], shape: [3], batched: true }),
      /batched is true, its operands say false/],
    ["an unbatched node of batched operands", forged({ op: "mul", inputs: [p, x], shape: [3], batched: false }),
      /batched is false, its operands say true/],
    ["a batched batchsum", forged({ op: "batchsum", inputs: [x], shape: [3], batched: true }),
      /batched is true, its operands say false/],
    ["batchsum of an unbatched value", forged({ op: "batchsum", inputs: [p], shape: [3], batched: false }),
      /batchsum of an unbatched value/],
    ["a missing operand", forged({ op: "sub", inputs: [x], shape: [3], batched: true }), /sub takes 2 operands/],
    ["an unknown op", forged({ op: "cosh" as Op, inputs: [x], shape: [3], batched: true }), /unknown op cosh/],
    ["a const without a number", forged({ op: "const", inputs: [], shape: [], batched: false }),
      /const without a number/],
    ["a var without a name", forged({ op: "var", inputs: [], shape: [], batched: false }), /var without a name/],
    ["a zero dim", forged({ op: "const", inputs: [], shape: [0], batched: false, arg: 1 }), /bad shape \[0\]/],
    ["a fractional dim", forged({ op: "const", inputs: [], shape: [1.5], batched: false, arg: 1 }),
      /bad shape \[1.5\]/],
  ];
  it.each(cases)("%s", (_, node, expected) => {
    const problems = verifyProblems(fnOf(node));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
    expect(() => verify(fnOf(node), "fold")).toThrow(/IR invalid after fold:/);
  });

  it("finds a corrupted node deep under valid ones", () => {
    const bad = forged({ op: "tanh", inputs: [x], shape: [3], batched: false });
    const top = forged({ op: "add", inputs: [bad, x], shape: [3], batched: true }, 901);
    expect(verifyProblems(fnOf(g.apply("exp", [x]), top))).toEqual([
      `batched is false, its operands say true: %900 = tanh %${x.id} : [3]`,
    ]);
  });

  it("a var declared twice differently", () => {
    const other = forged({ op: "var", inputs: [], shape: [4], batched: true, arg: { name: "x", role: "input" } });
    expect(verifyProblems(fnOf(x, other))).toEqual([
      `var input:x declared twice differently: %900 = input x : [4] per-batch`,
    ]);
  });

  it("an output name used twice", () => {
    const fn: Fn = { graph: g, outputs: [{ name: "h", node: x }, { name: "h", node: p }] };
    expect(verifyProblems(fn)).toEqual(["output h appears twice"]);
  });
});

describe("opInfo", () => {
  it("derives the op lists the passes use from one table", async () => {
    const { allOps, arity, binaryOps, isElementwise, opInfo, unaryOps } = await import("../../compiler/ir/index.js");
    expect(Object.keys(opInfo).sort()).toEqual([...allOps].sort());
    for (const op of allOps) expect(arity[op]).toBe(opInfo[op].arity);
    expect(unaryOps).toEqual([
      "neg", "exp", "log", "tanh", "sigmoid", "relu", "softplus", "sqrt", "step",
      "abs", "expm1",
    ]);
    expect(binaryOps).toEqual(["add", "sub", "mul", "div", "max", "min"]);
    expect(allOps.filter(isElementwise)).toEqual([...unaryOps, ...binaryOps, "select", "onehot", "slice"]);
    expect(allOps.filter((op) => opInfo[op].recompute)).toEqual(["slice", "outer", "scatterrows", "batchsum"]);
  });
});
