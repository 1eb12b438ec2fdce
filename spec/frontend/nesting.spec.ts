// spec/frontend — the nesting limit (frontend/nesting.ts, and the depth of
// consts built on consts in expr.ts): files nested thousands deep — brackets,
// calls, unary, binary, conditional and arrow chains, shapes, templates, const
// chains — are one located RNNC118, never a stack overflow; files well inside
// the limit check as before. Regression: 12 of 50 such CLI runs exited 70.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DiagnosticError } from "../../compiler/diagnostics.js";
import { parseUnits } from "../../compiler/frontend/index.js";

const cellAround = (expr: string, body = "") => `import { cell, tanh } from "rnnc";
export const c = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"] },
  step: ({ x, h, W }) => {
${body}    return { h: ${expr} };
  },
});
`;

/** Ways to nest an expression n deep. */
const nestings: Record<string, (n: number) => string> = {
  parens: (n) => cellAround(`${"(".repeat(n)}h${")".repeat(n)}`),
  calls: (n) => cellAround(`${"tanh(".repeat(n)}h${")".repeat(n)}`),
  unary: (n) => cellAround(`${"- ".repeat(n)}h`),
  sum: (n) => cellAround(Array.from({ length: n }, () => "h").join(" + ")),
  conditional: (n) => cellAround(`${"h ? h : ".repeat(n)}h`),
  arrows: (n) => cellAround(`${"(h) => ".repeat(n)}h`),
  power: (n) => cellAround(Array.from({ length: n }, () => "h").join(" ** ")),
  brackets: (n) => cellAround(`${"[".repeat(n)}h${"]".repeat(n)}`),
  template: (n) => cellAround(`${"`${".repeat(n)}h${"}`".repeat(n)}`),
  shape: (n) => `import { cell } from "rnnc";\n`
    + `export const c = cell({ state: { h: ${"[".repeat(n)}"H"${"]".repeat(n)} }, step: ({ h }) => ({ h }) });\n`,
  consts: (n) => cellAround(`a${n}`, [
    "    const a0 = h;\n",
    ...Array.from({ length: n }, (_, i) => `    const a${i + 1} = tanh(a${i});\n`),
  ].join("")),
};

function codesOf(text: string): { code: string; line: number }[] {
  try {
    parseUnits("deep.ts", text);
    return [];
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map((d) => ({ code: d.code, line: d.line }));
    throw e;
  }
}

describe("the nesting limit", () => {
  it("turns every way of nesting a few thousand deep into one located RNNC118", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(nestings)), fc.integer({ min: 300, max: 4000 }), (kind, depth) => {
        const found = codesOf(nestings[kind]!(depth));
        expect(found).toHaveLength(1);
        expect(found[0]!.code).toBe("RNNC118");
        expect(found[0]!.line).toBeGreaterThan(0);
      }),
      { numRuns: 40 },
    );
  });

  it("leaves cells nested well inside the limit alone", () => {
    for (const kind of ["parens", "calls", "sum", "consts"]) {
      expect(codesOf(nestings[kind]!(60)), kind).toEqual([]);
    }
  });
});
