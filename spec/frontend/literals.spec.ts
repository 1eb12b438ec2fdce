// spec/frontend — numeric literals are read at their exact value in every
// form JavaScript allows (decimal, exponent with and without a point or sign,
// hex, binary, octal, digit separators), in expressions and in sizes; values
// no build can hold are located diagnostics. Regression: "1e-7" was read as 1.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DiagnosticError } from "../../compiler/diagnostics.js";
import { parseUnits } from "../../compiler/frontend/index.js";
import { compile, interpret, sample } from "./reference.js";

const cellWith = (expr: string, shapeOfP = '["H"]') => `import { cell } from "rnnc";
export const c = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], P: ${shapeOfP} },
  step: ({ x, h, W }) => ({ h: h * ${expr} + W * x }),
});
`;

/** The factor a literal contributes: h * LIT + W·x evaluated with x = 0 and h = 1. */
function factorOf(literal: string): number {
  const ir = compile(cellWith(literal), { I: 1, H: 1 });
  const values = sample(ir, 1, 1);
  values.set("input:x", [[0]]);
  values.set("state:h", [[1]]);
  return interpret(ir, values, 1).get("h")![0]![0]!;
}

function codesOf(text: string): string[] {
  try {
    parseUnits("cell.ts", text);
    return [];
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map((d) => d.code);
    throw e;
  }
}

/** Finite doubles whose magnitude is within f32's normal range. */
const inRange = fc.double({ min: 2 ** -126, max: 3.4e38, noNaN: true }).chain((m) => fc.constantFrom(m, -m));

/** Ways to spell one number as a JavaScript literal. */
function spellings(value: number): string[] {
  const magnitude = Math.abs(value);
  const sign = value < 0 ? "-" : "";
  const forms = [
    String(magnitude), magnitude.toExponential(), magnitude.toExponential().toUpperCase(), magnitude.toExponential(3),
  ];
  const withoutPoint = magnitude.toExponential().replace(
    /^(\d)\.(\d+)e([+-]\d+)$/,
    (_, d: string, f: string, e: string) => `${d}${f}e${Number(e) - f.length}`,
  );
  forms.push(withoutPoint, withoutPoint.replace("e", "e+").replace("e+-", "e-"));
  const fits = (text: string) => Math.abs(Number(text)) >= 2 ** -126 && Math.abs(Number(text)) <= 3.4e38;
  return forms.map((f) => sign + f).filter(fits);
}

describe("numeric literals", () => {
  it("the forms the issue reported are read exactly", () => {
    for (const text of ["1e-7", "1e-8", "5e-8", "1e21", "0.0000001", "-1e-7", "2.5e-3", "1E-7", "1e+2", "1e0"]) {
      expect(factorOf(text), text).toBe(Number(text));
    }
  });

  it("every decimal and exponent spelling of an in-range double reads back as that double", () => {
    fc.assert(
      fc.property(inRange, (value) => {
        for (const text of spellings(value)) {
          const read = factorOf(text);
          expect(read, text).toBe(Number(text));
        }
      }),
      { numRuns: 40 },
    );
  });

  it("hex, binary, octal, separators and point forms", () => {
    const forms: [string, number][] = [
      ["0x1F", 31], ["0XfF", 255], ["0b101", 5], ["0B11", 3], ["0o17", 15], ["0O7", 7],
      ["1_000", 1000], ["1_0.2_5", 10.25], ["1_0e-1_0", 10e-10],
      [".5", 0.5], ["5.", 5], ["0.0", 0], ["0e5", 0], ["0x0", 0],
    ];
    for (const [text, value] of forms) expect(factorOf(text), text).toBe(value);
  });

  it("values no f32 build can hold are RNNC116 (overflow) or RNNC187 (underflow) at the literal", () => {
    for (const text of ["1e400", "-1e400", "1e39"]) expect(codesOf(cellWith(text)), text).toEqual(["RNNC116"]);
    for (const text of ["4.9e-324", "1e-400", "1e-40", "0.000_000_000_000_000_000_000_000_000_000_000_000_000_1"]) {
      expect(codesOf(cellWith(text)), text).toEqual(["RNNC187"]);
    }
  });

  it("sizes are exact positive integers up to 2^31 − 1", () => {
    for (const [text, size] of [["2", 2], ["0x10", 16], ["1e1", 10], ["3_0", 30]] as const) {
      const ir = compile(cellWith("1", `["H", ${text}]`), { I: 1, H: 1 });
      expect(ir.params[1]!.shape, text).toEqual([1, size]);
    }
    for (const text of ["2e21", "1e-7", "2.5", "0", "2147483648", "1e300"]) {
      expect(codesOf(cellWith("1", `["H", ${text}]`)), text).toEqual(["RNNC138"]);
    }
  });

  it("model sizes read the same way", () => {
    const modelWith = (rows: string) => `import { model, oneOfN, dense } from "rnnc";
import { elman } from "./elman.js";
export const m = model({ input: { w: oneOfN(${rows}, "E") }, layers: [elman], readout: dense("C") });
`;
    expect(codesOf(modelWith("1e300"))).toEqual(["RNNC175"]);
    expect(codesOf(modelWith("5e-8"))).toEqual(["RNNC175"]);
    const { models } = parseUnits("m.ts", modelWith("1e3"));
    expect(models[0]!.inputs[0]).toMatchObject({ kind: "ids", rows: 1000 });
  });
});
