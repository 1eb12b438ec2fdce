// spec/e2e — inference builds (compile --inference): forward only. The module
// computes exactly what the full build's forward computes — outputs, final
// states, loss, bit for bit — and carries no backward, tape or gradient tensor.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compileCell } from "../support/compile.js";
import { instantiateModel } from "../../runtime/model.js";
import { RnncError } from "../../runtime/errors.js";
import { exampleNames, exampleSource, randomize, runs } from "./harness.js";

describe("an inference build", () => {
  for (const name of exampleNames) {
    it(`${name}: forward equals the full build's bit for bit, with no backward, tape or gradients`, () => {
      fc.assert(fc.property(runs(["I", "H"]), fc.constantFrom("mse" as const, "none" as const), (run, loss) => {
        const options = {
          file: `examples/${name}.ts`, text: exampleSource(name), dims: run.dims, loss,
          capacity: { batch: 4, steps: 8 },
        };
        const full = instantiateModel(compileCell(options).binary);
        const lean = instantiateModel(compileCell({ ...options, inference: true }).binary);
        const size = { batch: run.batch, steps: run.steps };
        randomize(full, size, run.seed, run.lengths);
        for (const e of lean.tensors()) {
          if (["param", "input", "target", "lengths", "state_in"].includes(e.role))
            lean.set(e.name, e.role, full.view(e.name, e.role, size));
        }
        expect(lean.forward(size.batch, size.steps)).toBe(full.forward(size.batch, size.steps));
        for (const e of lean.tensors().filter((t) => t.role === "output" || t.role === "state_out")) {
          expect(Array.from(lean.view(e.name, e.role, size)), `${e.role} ${e.name}`)
            .toEqual(Array.from(full.view(e.name, e.role, size)));
        }
        expect(lean.tensors().filter((t) => ["grad", "tape", "grad_output", "grad_state_out"].includes(t.role)))
          .toEqual([]);
        expect(lean.hasFunction("backward")).toBe(false);
        expect(() => lean.backward(size.batch, size.steps)).toThrow(RnncError);
        expect(() => lean.backward(size.batch, size.steps)).toThrow(/compiled for inference/);
      }), { numRuns: 3 });
    });
  }

  it("is smaller than the full build", () => {
    const options = {
      file: "examples/lstm.ts", text: exampleSource("lstm"), dims: { I: 8, H: 16 }, loss: "none" as const,
    };
    expect(compileCell({ ...options, inference: true }).binary.length)
      .toBeLessThan(0.7 * compileCell(options).binary.length);
  });

  it("cannot train", () => {
    const options = {
      file: "examples/lstm.ts", text: exampleSource("lstm"), dims: { I: 2, H: 3 }, inference: true,
      train: { kind: "sgd" as const, momentum: 0 },
    };
    expect(() => compileCell(options)).toThrow(/no backward pass/);
  });
});
