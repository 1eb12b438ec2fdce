// spec/playground — the toy tasks Train fits and the dims field, outside the
// browser. The targets fillBatch writes must be the task's definition applied
// to the inputs it wrote (recomputed here from the module's own views), for
// cells whose output is their state and for cells with a separate output; a
// module the tasks cannot feed must be refused with the reason.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { instantiate } from "../../compiler/api.js";
import { compileCell } from "../support/compile.js";
import { prng } from "../../runtime/index.js";
import { defaultDims, parseDims } from "../../examples/playground/src/dims.js";
import { fillBatch, taskLayout, type TaskName } from "../../examples/playground/src/task.js";

const adam = { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

function build(file: string, dims: Record<string, number>, train = true, cell?: string) {
  const text = readFileSync(file, "utf8");
  const readFile = (path: string) => readFileSync(path, "utf8");
  const options = { dtype: "f64", optimize: false, capacity: { batch: 4, steps: 7 } } as const;
  const compiled = compileCell({ file, text, cell, dims, readFile, ...options, ...(train ? { train: adam } : {}) });
  return instantiate(compiled.binary);
}

describe("fillBatch", () => {
  const cases: [string, Record<string, number>, TaskName][] = [
    ["examples/elman.ts", { I: 3, H: 5 }, "leaky-sum"],
    ["examples/elman.ts", { I: 3, H: 2 }, "delayed-copy"],
    ["examples/elman-readout.ts", { I: 2, H: 4, O: 3 }, "leaky-sum"],
    ["examples/elman-readout.ts", { I: 2, H: 4, O: 3 }, "delayed-copy"],
  ];
  for (const [file, dims, task] of cases) {
    it(`writes ${task} targets for ${file} ${JSON.stringify(dims)}`, () => {
      const model = build(file, dims);
      const layout = taskLayout(model);
      if (typeof layout === "string") throw new Error(layout);
      const size = { batch: 3, steps: 6 };
      fillBatch(model, layout, task, size, prng(5));
      const x = model.view("x", "input", size);
      const target = model.view(layout.target.name, "target", size);
      const features = dims["I"]!;
      const units = layout.units;
      expect(Array.from(x).every((v) => v > -1 && v < 1)).toBe(true);
      expect(new Set(x).size).toBe(x.length);
      for (let b = 0; b < size.batch; b++) {
        for (let k = 0; k < units; k++) {
          const input = (t: number) => x[(t * size.batch + b) * features + (k % features)]!;
          let s = 0;
          for (let t = 0; t < size.steps; t++) {
            s = 0.6 * s + 0.4 * input(t);
            const want = 0.5 + 0.4 * (task === "leaky-sum" ? s : t === 0 ? 0 : input(t - 1));
            expect(target[(t * size.batch + b) * units + k]).toBeCloseTo(want, 12);
          }
        }
      }
      expect(Array.from(model.view("lengths", "lengths", size))).toEqual([6, 6, 6]);
    });
  }

  it("refuses modules the tasks cannot feed, saying why", () => {
    expect(taskLayout(build("examples/elman.ts", { I: 2, H: 3 }, false))).toMatch(/no train_step/);
    const tagger = build("examples/tagger.ts", { V: 5, E: 3, H: 4, C: 2 }, true, "wordTagger");
    expect(taskLayout(tagger)).toMatch(/input 'words' holds ids/);
  });
});

describe("the dims field", () => {
  it("reads NAME=SIZE pairs and names what is wrong", () => {
    expect(parseDims(" I=4, H = 8 ,")).toEqual({ dims: { I: 4, H: 8 } });
    expect(parseDims("")).toEqual({ dims: {} });
    expect(parseDims("I=4,H")).toEqual({ error: 'dims: expected NAME=POSITIVE_INTEGER, got "H" (example: I=4,H=8)' });
    expect(parseDims("I=0")).toEqual({ error: 'dims: expected NAME=POSITIVE_INTEGER, got "I=0" (example: I=4,H=8)' });
    expect(parseDims("I=2,I=3")).toEqual({ error: "dims: I is given twice" });
  });

  it("starts a preset with the dimensions its text and imports name", () => {
    expect(defaultDims([readFileSync("examples/gru.ts", "utf8")])).toBe("I=4,H=8");
    expect(defaultDims([readFileSync("examples/jordan.ts", "utf8")])).toBe("I=4,H=8,O=2");
    const models = [readFileSync("examples/models.ts", "utf8"), readFileSync("examples/lstm.ts", "utf8")];
    expect(defaultDims(models)).toBe("I=4,H=8,O=2,H2=6,G=6");
  });
});
