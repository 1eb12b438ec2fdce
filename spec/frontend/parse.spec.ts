// spec/frontend — what parseCells, selectCell and instantiateCell accept and
// build, beyond the standard cells: declarations, scoping, sugar, several
// cells per file, and errors collected together without cascades.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DiagnosticError, type Diagnostic } from "../../compiler/diagnostics.js";
import { instantiateCell, parseCells, selectCell } from "../../compiler/frontend/index.js";
import { Graph, constValue, evaluate, topoOrder } from "../../compiler/ir/index.js";
import { compile } from "./reference.js";

function diagnosticsOf(run: () => unknown): Diagnostic[] {
  try {
    run();
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics;
    throw e;
  }
  throw new Error("expected diagnostics");
}

const codes = (run: () => unknown) => diagnosticsOf(run).map((d) => d.code);

/** A one-state cell over x: [I], h: [H], W: [H, I] with the given step body. */
function elman(step: string, imports = "cell, tanh", extra = "") {
  return `import { ${imports} } from "rnnc";
export const elman = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"]${extra} },
  step: ${step},
});`;
}

describe("declarations", () => {
  const text = `import { cell } from "rnnc";
export const c = cell({
  params: { E: [3, "H"], k: [], b: "H" },
  input: { x: "I" },
  state: { h: ["H"] },
  step: ({ h }) => ({ h }),
});`;

  it("reads shapes and the position of each name", () => {
    const [cell] = parseCells("c.ts", text);
    expect(cell!.params).toEqual([
      { name: "E", shape: [3, "H"], line: 3, column: 13 },
      { name: "k", shape: [], line: 3, column: 26 },
      { name: "b", shape: ["H"], line: 3, column: 33 },
    ]);
    expect(cell!.inputs).toEqual([{ name: "x", shape: ["I"], line: 4, column: 12 }]);
  });

  it("keeps fixed sizes and binds only the dims the cell uses, in order of first use", () => {
    const ir = instantiateCell(parseCells("c.ts", text)[0]!, { I: 2, H: 5, Unused: 7 }, new Graph());
    expect(ir.dims).toEqual({ H: 5, I: 2 });
    expect(Object.keys(ir.dims)).toEqual(["H", "I"]);
    expect(ir.params.map((n) => n.shape)).toEqual([[3, 5], [], [5]]);
  });

  it("reports every unbound dim at its first use", () => {
    const found = diagnosticsOf(() => instantiateCell(parseCells("c.ts", text)[0]!, {}, new Graph()));
    expect(found.map((d) => [d.code, d.line, d.column, d.message])).toEqual([
      ["RNNC104", 3, 20, "dimension 'H' is not bound"],
      ["RNNC104", 4, 15, "dimension 'I' is not bound"],
    ]);
  });

  it("compares dims symbolically: a fixed 4 is not H even when H is 4", () => {
    const step = "({ x, h, W, b }) => ({ h: W * x + b })";
    expect(codes(() => compile(elman(step, "cell", ", b: [4]"), { I: 3, H: 4 }))).toEqual(["RNNC102"]);
  });
});

describe("names", () => {
  it("lets a declared tensor shadow an intrinsic", () => {
    const ir = compile(elman("({ x, W, exp }) => ({ h: exp * (W * x) })", "cell, exp", ", exp: []"), { I: 2, H: 3 });
    expect(topoOrder([ir.next[0]!.node]).map((n) => n.op)).toEqual(["var", "var", "var", "matvec", "mul"]);
    expect(
      codes(() => compile(elman("({ x, W, exp }) => ({ h: exp(W * x) })", "cell, exp", ", exp: []"), { I: 2, H: 3 })),
    ).toEqual(["RNNC106"]);
  });

  it("resolves renamed imports and renamed pattern elements", () => {
    const step = `({ x, h: previous, W }) => {
    const h = th(W * x + previous);
    return { h };
  }`;
    const ir = compile(elman(step, "cell as rnnCell, tanh as th").replace("cell({", "rnnCell({"), { I: 2, H: 2 });
    expect(ir.next[0]!.node.op).toBe("tanh");
  });

  it("builds the same node from a method, a function expression and a block body", () => {
    const graph = new Graph();
    const build = (step: string) =>
      instantiateCell(parseCells("c.ts", elman(step))[0]!, { I: 2, H: 3 }, graph).next[0]!.node;
    const arrow = build("({ x, h, W }) => ({ h: tanh(W * x + h) })");
    expect(build("function ({ x, h, W }) { const a = W * x; return { h: tanh(a + h) }; }")).toBe(arrow);
    expect(build("({ x, h, W }) => { return { h: tanh((W * x) + h) } }")).toBe(arrow);
    const method = elman("").replace("step: ,", "step({ x, h, W }) { return { h: tanh(W * x + h) }; },");
    expect(instantiateCell(parseCells("c.ts", method)[0]!, { I: 2, H: 3 }, graph).next[0]!.node).toBe(arrow);
  });

  it("tells a const used before its declaration from an unknown name", () => {
    const step = "({ x, h, W }) => { const a = tanh(b); const b = W * x; return { h: a + h }; }";
    const [d] = diagnosticsOf(() => compile(elman(step), { I: 2, H: 2 }));
    expect([d!.code, d!.hint]).toEqual(["RNNC101", "'b' is declared later in the step; move its const above this use"]);
  });

  it("rejects a pattern element the cell does not declare", () => {
    expect(codes(() => compile(elman("({ x, h, W, V }) => ({ h: W * x })"), { I: 2, H: 2 }))).toEqual(["RNNC101"]);
  });
});

describe("sugar", () => {
  const values = (text: string, x: number[]) => {
    const ir = compile(text, { I: x.length, H: x.length });
    const vars = new Map([
      ["input:x", Float64Array.from(x)],
      ["state:h", new Float64Array(x.length)],
      ["param:W", new Float64Array(x.length ** 2)],
    ]);
    return [...evaluate([ir.next[0]!.node], vars, 1).get(ir.next[0]!.node)!];
  };

  it("reads a negative number as a literal and -x as neg", () => {
    const ir = compile(elman("({ x, h, W }) => ({ h: -2 * -(W * x) })"), { I: 2, H: 2 });
    const [two, neg] = ir.next[0]!.node.inputs;
    expect([constValue(two!), neg!.op]).toEqual([-2, "neg"]);
  });

  it("computes hardSigmoid as Keras does: clip(0.2·x + 0.5, 0, 1)", () => {
    expect(
      values(
        elman("({ x }) => ({ h: hardSigmoid(x) })", "cell, hardSigmoid").replace('x: "I"', 'x: "H"'),
        [-3, 0, 1, 3],
      ).map((v) => +v.toFixed(12)),
    ).toEqual([0, 0.5, 0.7, 1]);
  });

  it("averages over every element of a matrix", () => {
    const ir = compile(elman("({ h, W }) => ({ h: h + mean(W) })", "cell, mean"), { I: 2, H: 3 });
    const consts = topoOrder([ir.next[0]!.node]).map(constValue).filter((v) => v !== undefined);
    expect(consts).toEqual([1 / 6]);
  });

  it("records where each op came from", () => {
    const ir = compile(elman("({ x, h, W }) => ({ h: tanh(W * x + h) })"), { I: 2, H: 2 });
    expect(ir.next[0]!.node.origin).toBe("cell.ts:6:32");
  });
});

describe("files", () => {
  const two = `import { cell, tanh, relu } from "rnnc";
export const a = cell({ state: { h: "H" }, step: ({ h }) => ({ h: tanh(h) }) });
export const b = cell({ state: { h: "H" }, step: ({ h }) => ({ h: relu(h) }) });`;

  it("finds every cell and selects one by name", () => {
    const cells = parseCells("two.ts", two);
    expect(cells.map((c) => c.name)).toEqual(["a", "b"]);
    expect(selectCell(cells, "b").name).toBe("b");
    expect(diagnosticsOf(() => selectCell(cells)).map((d) => d.message)).toEqual([
      "cannot pick a cell: the file defines several cells or models (a, b)",
    ]);
    expect(diagnosticsOf(() => selectCell(cells, "c")).map((d) => [d.code, d.message])).toEqual([
      ["RNNC120", "the file defines no cell or model named 'c' (it defines a, b)"],
    ]);
    expect(codes(() => selectCell([]))).toEqual(["RNNC119"]);
  });

  it("reports the errors of every cell together, in source order", () => {
    const broken = two.replace("tanh(h)", "tanh(q)").replace("relu(h)", "relu(h, h)");
    expect(diagnosticsOf(() => parseCells("two.ts", broken)).map((d) => [d.code, d.line])).toEqual([
      ["RNNC101", 2],
      ["RNNC111", 3],
    ]);
  });

  it("never runs the file", () => {
    const hostile = `import { cell, tanh } from "rnnc";
(globalThis as any).rnncRan = true;
export const a = cell({ state: { h: "H" }, step: ({ h }) => ({ h: tanh(h) }) });`;
    expect(codes(() => parseCells("hostile.ts", hostile))).toEqual(["RNNC121"]);
    expect((globalThis as Record<string, unknown>).rnncRan).toBeUndefined();
  });

  it("reports a mangled file with diagnostics, never a crash", () => {
    const tokens = [
      "", "(", ")", "{", "}", "[", "]", ",", ":", ";", ".", "...", "?", "=", "=>", "*", "-", "/", "`", '"', "x", "h",
      "W", "1", "-1", "const ", "let ", "return ", "if (x) ", "function ", "import ", "export ", "tanh", "cell",
    ];
    const source = elman("({ x, h, W }) => { const z = tanh(W * x + h); return { h: (1 - z) * h + z }; }");
    const edit = fc.tuple(fc.nat({ max: source.length }), fc.nat({ max: 6 }), fc.constantFrom(...tokens));
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let text = source;
        for (const [at, cut, insert] of edits) text = text.slice(0, at) + insert + text.slice(at + cut);
        try {
          instantiateCell(selectCell(parseCells("m.ts", text)), { I: 2, H: 2 }, new Graph());
        } catch (e) {
          if (!(e instanceof DiagnosticError)) throw e;
          expect(e.diagnostics.length).toBeGreaterThan(0);
        }
      }),
      // Found by this property: a module name that is not a string literal.
      { numRuns: 300, examples: [[[[27, 6, "x"]]], [[[27, 6, "let "]]]] },
    );
  });
});
