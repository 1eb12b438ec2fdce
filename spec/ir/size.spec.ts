// spec/ir — sizes before binding (compiler/ir/size.ts): one canonical spelling
// per linear form, so that equal sizes compare equal as strings; sums of
// canonical sizes are canonical; a bound size evaluates to its number; and
// what is not a size is refused with a reason.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addSizes, dimNamesOf, evaluateSize, parseSize, sizeAtMost } from "../../compiler/ir/size.js";

const sizeOf = (text: string) => {
  const parsed = parseSize(text);
  if ("problem" in parsed) throw new Error(parsed.problem);
  return parsed.size;
};

describe("sizes", () => {
  it("spell each linear form one way", () => {
    expect(sizeOf("H")).toBe("H");
    expect(sizeOf("4*H")).toBe("4*H");
    expect(sizeOf("H * 4")).toBe("4*H");
    expect(sizeOf("H+H+H+H")).toBe("4*H");
    expect(sizeOf("I+H")).toBe("H+I");
    expect(sizeOf("1+2*H+1")).toBe("2*H+2");
    expect(sizeOf("3+4")).toBe(7);
    expect(sizeOf("2*3*H")).toBe("6*H");
  });

  it("refuse what is not a sum of positive multiples", () => {
    for (const text of ["H*I", "H-1", "4*", "+H", "", "0*H", "0", "H+0*I", "h.x", "2.5*H"]) {
      const parsed = parseSize(text);
      expect("problem" in parsed, text).toBe(true);
    }
  });

  it("name their dimensions", () => {
    expect(dimNamesOf("2*I+H+3")).toEqual(["H", "I"]);
    expect(dimNamesOf(5)).toEqual([]);
  });

  const linear = fc.record({
    constant: fc.nat(5),
    h: fc.nat(4),
    i: fc.nat(4),
  }).filter((f) => f.constant + f.h + f.i > 0);
  const spell = (f: { constant: number; h: number; i: number }) =>
    [...Array(f.h).fill("H"), ...Array(f.i).fill("I"), ...(f.constant > 0 ? [String(f.constant)] : [])].join("+");
  const bound = fc.record({ H: fc.integer({ min: 1, max: 50 }), I: fc.integer({ min: 1, max: 50 }) });

  it("add canonically and evaluate to the sum of their values", () => {
    fc.assert(fc.property(linear, linear, bound, (a, b, dims) => {
      const [x, y] = [sizeOf(spell(a)), sizeOf(spell(b))];
      const sum = addSizes(x, y);
      expect(sum).toBe(sizeOf(`${spell(a)}+${spell(b)}`));
      expect(evaluateSize(sum, dims)).toBe(evaluateSize(x, dims) + evaluateSize(y, dims));
      expect(evaluateSize(x, dims)).toBe(a.constant + a.h * dims.H + a.i * dims.I);
    }));
  });

  it("say a ≤ b exactly when it holds for every binding", () => {
    fc.assert(fc.property(linear, linear, (a, b) => {
      const [x, y] = [sizeOf(spell(a)), sizeOf(spell(b))];
      // Large dimensions show a coefficient that is too small; ones show the constant.
      const everywhere = [{ H: 1, I: 1 }, { H: 1000, I: 1 }, { H: 1, I: 1000 }]
        .every((dims) => evaluateSize(x, dims) <= evaluateSize(y, dims));
      expect(sizeAtMost(x, y)).toBe(everywhere);
    }));
  });
});
