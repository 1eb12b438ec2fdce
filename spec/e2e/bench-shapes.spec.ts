// spec/e2e — the optimised schedule at the benchmark's sizes (issue 5): on
// every shape of `npm run bench`, and one that fits no tile evenly, the f32
// SIMD module (the build the bench times) agrees with the f64 build within f32
// tolerance — outputs, loss and every gradient after one forward and backward
// over full-length sequences.

import { describe, expect, it } from "vitest";
import { shapes } from "../../bench/shapes.js";
import { copyHostTensors, exampleBuild, load, mismatch, randomize } from "./harness.js";

const F32_TOLERANCE = 2e-4;

describe("f32 SIMD agrees with f64 on every bench shape", () => {
  // And one that fits no tile or block evenly: 161 rows over all steps are three blocks of the
  // weight-gradient contraction (64, 64, 33), odd batch rows, columns past the last vector.
  const odd = { id: "odd", cell: "lstm" as const, I: 37, H: 45, B: 7, T: 23 };
  for (const shape of [...shapes, odd]) {
    const { id, cell, I, H, B, T } = shape;
    it(`(${id}) ${cell} I=${I} H=${H} B=${B} T=${T}`, () => {
      const build = (dtype: "f32" | "f64") => ({
        ...exampleBuild(cell, { I, H }, dtype, true, "mse"),
        capacity: { batch: B, steps: T },
      });
      const single = load(build("f32"));
      const double = load(build("f64"));
      const size = { batch: B, steps: T };
      randomize(single, size, 5, new Array(B).fill(T));
      copyHostTensors(single, double, size);
      const losses = [single.forward(B, T), double.forward(B, T)];
      single.backward(B, T);
      double.backward(B, T);
      const problems = [
        mismatch(single.view("h", "output", size), double.view("h", "output", size), F32_TOLERANCE, "output h"),
        mismatch([losses[0]!], [losses[1]!], F32_TOLERANCE, "loss"),
        ...double.tensors().filter((e) => e.role === "grad").map((g) => mismatch(
          single.view(g.name, "grad", size), double.view(g.name, "grad", size), F32_TOLERANCE, `grad ${g.name}`,
        )),
      ].filter((p) => p !== undefined);
      expect(problems).toEqual([]);
    });
  }
});
