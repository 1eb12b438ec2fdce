// spec/frontend — helper functions are inlined, and inlining changes nothing:
// a cell written with helpers compiles to the module its hand-inlined twin
// compiles to, byte for byte (the layer-normalised LSTM of examples/ against
// the same cell written out, in every build; random cells against their twins
// from the generator); a helper called on different shapes is checked, and
// computes, per call; and neither a long chain of helpers nor a long cycle
// overflows the stack.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DiagnosticError, type Diagnostic } from "../../compiler/diagnostics.js";
import { parseCells } from "../../compiler/frontend/index.js";
import { compileCell } from "../support/compile.js";
import { cellCases } from "../support/cells.js";
import { close, compile, element, interpret, sample } from "./reference.js";

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");
const bytes = (file: string, text: string, dims: Record<string, number>, options: object = {}) =>
  Buffer.from(compileCell({ file, text, dims, ...options }).binary);

describe("a cell with helpers compiles to the module of its hand-inlined twin", () => {
  const withHelper = read("../../examples/layernorm-lstm.ts");
  const writtenOut = read("../fixtures/helpers/layernorm-lstm-inlined.ts");
  it.each([
    ["f32 simd", {}],
    ["f64", { dtype: "f64" }],
    ["inference", { inference: true }],
    ["adam training step", { optimizer: "adam" }],
  ])("examples/layernorm-lstm.ts, %s", (_, options) => {
    const dims = { I: 5, H: 7 };
    const module = bytes("examples/layernorm-lstm.ts", withHelper, dims, options);
    expect(module.equals(bytes("inlined.ts", writtenOut, dims, options))).toBe(true);
  });

  it("random cells with helpers", () => {
    const withHelpers = cellCases().filter((c) => c.source !== c.inlined);
    fc.assert(fc.property(withHelpers, (c) => {
      expect(bytes("random.ts", c.source, c.dims).equals(bytes("random.ts", c.inlined, c.dims))).toBe(true);
    }), { numRuns: 8 });
  });

  it("the oracle would notice a different cell", () => {
    const changed = withHelperChanged(read("../../examples/layernorm-lstm.ts"));
    const dims = { I: 5, H: 7 };
    const writtenOut = read("../fixtures/helpers/layernorm-lstm-inlined.ts");
    expect(bytes("a.ts", changed, dims).equals(bytes("b.ts", writtenOut, dims))).toBe(false);
  });
});

function diagnosticsOf(text: string): Diagnostic[] {
  try {
    parseCells("cell.ts", text);
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics;
    throw e;
  }
  return [];
}

/** The example with its normalisation's epsilon changed. */
function withHelperChanged(text: string): string {
  return text.replace("mean(d * d) + 1e-5", "mean(d * d) + 1e-4");
}

describe("a helper is checked and computed at each call", () => {
  const source = `import { cell, mean, tanh, type Tensor } from "rnnc";
const centre = (v: Tensor) => v - mean(v);
function mix(a: Tensor, b: Tensor) {
  const t = tanh(centre(a));
  return t * b + centre(b);
}
export const two = cell({
  input: { x: "I" },
  state: { h: "H", c: "K" },
  params: { W: ["H", "I"], V: ["K", "I"], u: "K" },
  step: ({ x, h, c, W, V, u }) => ({ h: mix(W * x, h), c: mix(V * x, u) + mix(c, c) }),
});`;

  it("on vectors of two sizes, as the same equations written out", () => {
    const ir = compile(source, { I: 3, H: 4, K: 2 });
    const values = sample(ir, 2, 7);
    const got = interpret(ir, values, 2);
    const centre = (v: number[]) => v.map((x) => x - v.reduce((s, y) => s + y, 0) / v.length);
    const mix = (a: number[], b: number[]) => centre(a).map((t, i) => Math.tanh(t) * b[i]! + centre(b)[i]!);
    const matvec = (M: number[][], v: number[]) => M.map((row) => row.reduce((s, w, k) => s + w * v[k]!, 0));
    for (let b = 0; b < 2; b++) {
      const { x, h, c, W, V, u } = element(values, b);
      const want = { h: mix(matvec(W, x), h), c: mix(matvec(V, x), u).map((v, i) => v + mix(c, c)[i]!) };
      for (const s of ["h", "c"] as const) {
        const say = (v: number, j: number) => `${s}[${j}]: ${v} vs ${want[s][j]}`;
        got.get(s)![b]!.forEach((v, j) => expect(close(v, want[s][j]!), say(v, j)).toBe(true));
      }
    }
  });

  it("reports a shape error at each call that makes one, noting the call", () => {
    const bad = source.replace("mix(c, c)", "mix(W, c) + mix(h, c)");
    const step = bad.split("\n")[10]!;
    const ds = diagnosticsOf(bad);
    // t * b with t: [H, I] from W, and t: [H] against b: [K].
    expect(ds.map((d) => [d.code, d.line])).toEqual([["RNNC102", 5], ["RNNC102", 5]]);
    expect(ds.map((d) => d.notes!.map((n) => [n.at.line, n.at.column]))).toEqual([
      [[11, step.indexOf("mix(W, c)") + 1]],
      [[11, step.indexOf("mix(h, c)") + 1]],
    ]);
  });
});

describe("the frontend's recursion stays bounded", () => {
  const chain = (n: number, last: string) => {
    const lines = ['import { cell, tanh } from "rnnc";'];
    for (let i = 0; i < n; i++) lines.push(`function h${i}(a) { return ${i === n - 1 ? last : `h${i + 1}(a)`}; }`);
    lines.push('export const deep = cell({ state: { h: "H" }, step: ({ h }) => ({ h: h0(h) }) });');
    return lines.join("\n");
  };
  const codes = (text: string) => diagnosticsOf(text).map((d) => d.code);

  it("a chain of 5000 helpers is RNNC225, not a stack overflow", () => {
    expect(codes(chain(5000, "tanh(a)"))).toEqual(["RNNC225"]);
  });

  it("a cycle through 5000 helpers is RNNC222, once", () => {
    expect(codes(chain(5000, "h0(a)"))).toEqual(["RNNC222"]);
  });

  it("64 helpers deep is fine", () => {
    expect(codes(chain(64, "tanh(a)"))).toEqual([]);
  });
});
