// spec/frontend — compound sizes in declarations ("4*H", "H+I"): checked in
// their canonical spelling (so "I+H" is "H+I"), bound from the dimensions
// they name, printed canonically in messages, and located when malformed.

import { describe, expect, it } from "vitest";
import { DiagnosticError } from "../../compiler/diagnostics.js";
import { parseUnits } from "../../compiler/frontend/index.js";
import { compile } from "./reference.js";

const cellWith = (x: string, w: string) => `import { cell, tanh } from "rnnc";
export const c = cell({
  input: { x: ${x} },
  state: { h: "H" },
  params: { W: ${w}, b: ["2*H"] },
  step: ({ x, h, W }) => ({ h: tanh(W * x) + h }),
});
`;

function diagnostics(text: string) {
  try {
    parseUnits("cell.ts", text);
    return [];
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics;
    throw e;
  }
}

describe("compound sizes", () => {
  it("are bound from the dimensions they name", () => {
    const ir = compile(cellWith('"I+H"', '["H", "H+I"]'), { I: 3, H: 5 });
    expect(ir.inputs[0]!.shape).toEqual([8]);
    expect(ir.params.map((p) => p.shape)).toEqual([[5, 8], [10]]);
    expect(ir.dims).toEqual({ H: 5, I: 3 });
  });

  it("are compared in their canonical spelling and printed in it", () => {
    const [mismatch] = diagnostics(cellWith('"I+I"', '["H", "I*3"]'));
    expect(mismatch!.code).toBe("RNNC102");
    expect(mismatch!.message).toContain("[H, 3*I]");
    expect(mismatch!.message).toContain("2*I");
  });

  it("that are malformed are located at their string", () => {
    const text = cellWith('"I"', '["H", "I-1"]');
    const [bad] = diagnostics(text);
    expect(bad!.code).toBe("RNNC227");
    expect(bad!.message).toContain("'I-1' is neither a dimension name nor an integer");
    expect(text.split("\n")[bad!.line - 1]!.slice(bad!.column - 1, bad!.column - 1 + bad!.length)).toBe('"I-1"');
  });
});
