// spec/runtime — streaming one step at a time gives the outputs of running
// the whole sequence at once, and refuses bidirectional models.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileCell } from "../../compiler/pipeline.js";
import { instantiate, prng, randomizeModel } from "../../compiler/gradcheck.js";
import { RnncStream } from "../../runtime/stream.js";

const build = (file: string, cell?: string) =>
  instantiate(compileCell({ file, text: readFileSync(file, "utf8"), cell, dims: { I: 3, H: 4, O: 2 }, dtype: "f64", capacity: { batch: 2, steps: 6 }, readFile: (p) => readFileSync(p, "utf8") }).binary);

describe("RnncStream", () => {
  it("matches a whole-sequence forward, step by step, and resets", () => {
    const whole = build("examples/lstm.ts");
    const size = { batch: 2, steps: 6 };
    randomizeModel(whole, size, prng(3), [6, 6]);
    whole.forward(size.batch, size.steps);
    const streamed = build("examples/lstm.ts");
    streamed.loadParams(whole.saveParams());
    for (const s of ["h", "c"]) streamed.set(s, "state_in", whole.get(s, "state_in"));
    const stream = new RnncStream(streamed, 2);
    const x = whole.get("x", "input", size);
    const expected = whole.get("h", "output", size);
    for (const round of [0, 1]) {
      for (let t = 0; t < 6; t++) {
        const { h } = stream.step({ x: x.slice(t * 6, (t + 1) * 6) });
        for (let i = 0; i < 8; i++) expect(h![i]).toBeCloseTo(expected[t * 8 + i]!, 12);
      }
      if (round === 0) stream.reset();
    }
  });

  it("refuses a bidirectional model", () => {
    expect(() => new RnncStream(build("examples/models.ts", "biLstm"), 1)).toThrow(/bidirectional model cannot stream/);
  });
});
