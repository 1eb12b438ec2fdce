// spec — compileCell and checkCell refuse options no module could honour
// (compiler/options.ts), naming the option, what it must be and what it was,
// before anything is compiled; good options compile as before. Regression: a
// negative or fractional capacity, or a dimension given as a string, was
// compiled into a module whose ABI the runtime then refused.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BuildError, checkCell, type CompileOptions } from "../compiler/api.js";
import { compileCell } from "./support/compile.js";
import { loadModel } from "../runtime/index.js";

const file = "examples/elman.ts";
const base: CompileOptions = { file, text: readFileSync(file, "utf8"), dims: { I: 2, H: 3 }, optimize: false };
const compileWith = (extra: Record<string, unknown>) => () => compileCell({ ...base, ...extra } as CompileOptions);

describe("compile options", () => {
  it("refuses each malformed option by name", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ capacity: { batch: -1, steps: 4 } },
        /options\.capacity\.batch must be a positive integer below 2\^31, got -1/],
      [{ capacity: { batch: 2, steps: 1.5 } }, /options\.capacity\.steps .* got 1\.5/],
      [{ capacity: { batch: 2, steps: 2 ** 40 } }, /options\.capacity\.steps/],
      [{ capacity: { batch: NaN, steps: 2 } }, /options\.capacity\.batch .* got NaN/],
      [{ capacity: 32 }, /options\.capacity must be an object, got 32/],
      [{ dims: { I: "2", H: 3 } }, /options\.dims\.I must be a positive integer .* got "2"/],
      [{ dims: { I: 0, H: 3 } }, /options\.dims\.I .* got 0/],
      [{ dims: null }, /options\.dims must be an object, got null/],
      [{ dtype: "f16" }, /options\.dtype must be "f32" or "f64", got "f16"/],
      [{ simd: "yes" }, /options\.simd must be true or false/],
      [{ loss: "hinge" }, /options\.loss must be one of mse, .*got "hinge"/],
      [{ train: { kind: "sgd", momentum: 1 } }, /options\.train\.momentum must be a number in \[0, 1\), got 1/],
      [{ train: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 0 } },
        /options\.train\.epsilon must be a number in \(0, Infinity\)/],
      [{ train: { kind: "lion" } }, /options\.train\.kind must be "sgd" or "adam", got "lion"/],
      [{ text: 42 }, /options\.text must be a string, got 42/],
      [{ cell: 7 }, /options\.cell must be a string/],
      [{ dump: { after: ["parse", "lexer"], write: () => {} } }, /options\.dump\.after: no pass named "lexer"/],
      [{ tiling: { tileRows: 0 } }, /options\.tiling\.tileRows must be an integer from 1 to 8, got 0/],
      [{ tiling: { stripVectors: 9 } }, /options\.tiling\.stripVectors must be an integer from 1 to 8, got 9/],
      [{ tiling: { batchBlock: 1.5 } }, /options\.tiling\.batchBlock must be an integer from 1 to 4096, got 1\.5/],
      [{ tiling: { dotRows: "4" } }, /options\.tiling\.dotRows must be an integer from 1 to 16, got "4"/],
      [{ tiling: { rows: 2 } }, /options\.tiling\.rows must be absent \(a tiling has tileRows, stripVectors/],
      [{ tiling: [2, 4] }, /options\.tiling must be an object, got \[2,4\]/],
    ];
    for (const [extra, message] of cases) {
      expect(compileWith(extra), JSON.stringify(extra)).toThrow(BuildError);
      expect(compileWith(extra), JSON.stringify(extra)).toThrow(message);
    }
    expect(() => checkCell({ ...base, dims: { I: -2, H: 3 } })).toThrow(/options\.dims\.I/);
  });

  it("compiles good options into a module the runtime loads at that capacity", async () => {
    const { binary } = compileCell({
      ...base, capacity: { batch: 3, steps: 7 }, train: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    });
    const model = await loadModel(binary);
    expect(model.capacity).toEqual({ batch: 3, steps: 7 });
  });
});
