// spec/ir — the shape rules, directly (inferShape, concrete and symbolic
// dims) and through the builder, which must refuse what they refuse.

import { describe, it, expect } from "vitest";
import {
  Graph, IRError, ShapeError, allOps, arity, inferShape, formatShape, type Dim, type Op, type Shape,
} from "../../compiler/ir/index.js";

const message = (r: Shape<Dim> | ShapeError) => (r instanceof ShapeError ? r.message : `ok ${formatShape(r)}`);

describe("inferShape accepts", () => {
  const valid: [Op, Shape<Dim>[], Shape<Dim>][] = [
    ["neg", [[3]], [3]],
    ["exp", [[2, 3]], [2, 3]],
    ["step", [[]], []],
    ["add", [[3], [3]], [3]],
    ["mul", [[], [2, 4]], [2, 4]],
    ["div", [[4], []], [4]],
    ["max", [[], []], []],
    ["select", [[3], [], [3]], [3]],
    ["select", [[], [], [2, 2]], [2, 2]],
    ["matvec", [[3, 4], [4]], [3]],
    ["matvec", [["H", "I"], ["I"]], ["H"]],
    ["outer", [[3], [5]], [3, 5]],
    ["matmul", [[2, 3], [3, 4]], [2, 4]],
    ["matmul", [["H", "D"], ["D", "D"]], ["H", "D"]],
    ["outer", [["H"], ["I"]], ["H", "I"]],
    ["transpose", [[2, 5]], [5, 2]],
    ["sum", [[2, 3]], []],
    ["sum", [[]], []],
    ["batchsum", [[4]], [4]],
    ["onehot", [[], [5]], [5]],
    ["onehot", [[], ["H", "I"]], ["H", "I"]],
    ["onehot", [[], []], []],
    ["logsumexp", [["O"]], []],
    ["logsumexp", [[2, 3]], []],
    ["gathersum", [["V", "E"], ["K"]], ["E"]],
    ["scatterrows", [["E"], ["K"], ["V", "E"]], ["V", "E"]],
  ];
  it.each(valid)("%s of %j gives %j", (op, inputs, expected) => {
    expect(inferShape(op, inputs)).toEqual(expected);
  });

  const rows: [Op, Shape<Dim>[], { start: Dim; rows: Dim } | undefined, Shape<Dim>][] = [
    ["concat", [[2], [3]], undefined, [5]],
    ["concat", [["H"], ["H"], ["H"], ["H"]], undefined, ["4*H"]],
    ["concat", [["I"], ["H"]], undefined, ["H+I"]],
    ["concat", [["H", "I"], [2, "I"]], undefined, ["H+2", "I"]],
    ["slice", [[5]], { start: 1, rows: 3 }, [3]],
    ["slice", [["4*H"]], { start: "H", rows: "H" }, ["H"]],
    ["slice", [["4*H", "I"]], { start: "3*H", rows: "H" }, ["H", "I"]],
    ["slice", [["H+1"]], { start: 1, rows: "H" }, ["H"]],
  ];
  it.each(rows)("%s of %j with rows %j gives %j", (op, inputs, arg, expected) => {
    expect(inferShape(op, inputs, arg)).toEqual(expected);
  });
});

describe("inferShape rejects", () => {
  it("matvec [3,4]·[5], naming both shapes", () => {
    const result = message(inferShape("matvec", [[3, 4], [5]]));
    expect(result).toContain("[3, 4]");
    expect(result).toContain("[5]");
    expect(result).toMatch(/4 columns but 5 elements/);
  });

  it("symbolic dims that differ", () => {
    expect(message(inferShape("matvec", [["H", "I"], ["H"]]))).toBe(
      "matrix [H, I] cannot multiply vector [H]: I columns but H elements",
    );
  });

  const invalid: [Op, Shape<Dim>[], RegExp][] = [
    ["add", [[3], [4]], /elementwise operands have shapes \[3\] and \[4\]/],
    ["mul", [[2, 3], [3, 2]], /\[2, 3\] and \[3, 2\]/],
    ["select", [[3], [3], [2]], /\[3\] and \[2\]/],
    ["max", [[3], [3, 1]], /\[3\] and \[3, 1\]/],
    ["matvec", [[3], [3]], /needs a matrix and a vector, got \[3\] and \[3\]/],
    ["matvec", [[3, 3], []], /got \[3, 3\] and scalar/],
    ["outer", [[3, 1], [2]], /outer product needs two vectors, got \[3, 1\] and \[2\]/],
    ["matmul", [[2, 3], [4, 2]], /matrix \[2, 3\] cannot multiply matrix \[4, 2\]: 3 columns but 4 rows/],
    ["matmul", [[2, 3], [3]], /matrix product needs two matrices/],
    ["outer", [[], [2]], /got scalar and \[2\]/],
    ["transpose", [[3]], /transpose needs a matrix, got \[3\]/],
    ["onehot", [[2], [5]], /onehot takes a scalar index, got \[2\]/],
    ["logsumexp", [[]], /logsumexp of a scalar/],
    ["gathersum", [[3], [2]], /gathersum needs a table \[V, E\] and ids \[K\], got \[3\] and \[2\]/],
    ["scatterrows", [[3], [2], [4, 2]], /scatterrows needs rows \[E\], ids \[K\] and a table \[V, E\]/],
  ];
  it.each([
    [[[3], [2, 2]], /the same rank, got \[3\], \[2, 2\]/],
    [[[3, 2], [2, 3]], /the same columns/],
    [[[], [2]], /concatenates vectors or matrices, got scalar, \[2\]/],
  ] as [Shape<Dim>[], RegExp][])("concat of %j", (inputs, expected) => {
    expect(message(inferShape("concat", inputs))).toMatch(expected);
  });

  it.each([
    [[5], { start: 3, rows: 3 }, /rows 3 up to 6 do not fit in \[5\]$/],
    [["4*H"], { start: "3*H", rows: "2*H" }, /rows 3\*H up to 5\*H do not fit in \[4\*H\] for every size/],
    [["H"], { start: 0, rows: 2 }, /rows 0 up to 2 do not fit in \[H\] for every size/],
    [[], { start: 0, rows: 1 }, /slices a vector or a matrix, got a scalar/],
  ] as [Shape<Dim>, { start: Dim; rows: Dim }, RegExp][])("slice of %j with rows %j", (shape, arg, expected) => {
    expect(message(inferShape("slice", [shape], arg))).toMatch(expected);
  });

  it.each(invalid)("%s of %j", (op, inputs, expected) => {
    const result = inferShape(op, inputs);
    expect(result).toBeInstanceOf(ShapeError);
    expect(message(result)).toMatch(expected);
  });

  it("leaves: their shape is not inferred", () => {
    expect(() => inferShape("const", [])).toThrow(/leaves carry their own shape/);
    expect(() => inferShape("var", [])).toThrow(/leaves carry their own shape/);
  });
});

describe("the builder checks shapes and batching", () => {
  const g = new Graph();
  const w = g.variable("W", "param", [3, 4], false);
  const v = g.variable("v", "input", [5], true);
  const x = g.variable("x", "input", [4], true);
  const p = g.variable("p", "param", [4], false);

  it("throws an IRError naming the operands for a shape mismatch", () => {
    expect(() => g.apply("matvec", [w, v])).toThrow(IRError);
    expect(() => g.apply("matvec", [w, v])).toThrow(
      `matvec(%${w.id}: [3, 4], %${v.id}: [5]): matrix [3, 4] cannot multiply vector [5]`,
    );
  });

  it("checks arity for every op with operands", () => {
    for (const op of allOps) {
      if (op === "const" || op === "var") {
        expect(() => g.apply(op, [])).toThrow(/made by constant\(\) and variable\(\)/);
        continue;
      }
      const n = arity[op];
      if (n === "variadic") {
        expect(() => g.apply(op, [])).toThrow(`${op} takes variadic operands, got 0`);
        continue;
      }
      expect(() => g.apply(op, Array.from({ length: n + 1 }, () => p))).toThrow(
        `${op} takes ${n} operands, got ${n + 1}`,
      );
    }
  });

  it("marks a node batched when any operand is, except batchsum", () => {
    expect(g.apply("matvec", [w, x]).batched).toBe(true);
    expect(g.apply("matvec", [w, p]).batched).toBe(false);
    expect(g.apply("add", [p, x]).batched).toBe(true);
    expect(g.apply("mul", [g.constant(2), p]).batched).toBe(false);
    const s = g.apply("batchsum", [x]);
    expect(s.batched).toBe(false);
    expect(s.shape).toEqual([4]);
    expect(g.apply("sum", [x])).toMatchObject({ shape: [], batched: true });
  });

  it("refuses batchsum of an unbatched value", () => {
    expect(() => g.apply("batchsum", [p])).toThrow(`batchsum of unbatched %${p.id}`);
  });
});
