// spec/e2e — Binaryen's optimiser changes no value. The specs compile without
// it (spec/support/compile.ts: it is most of a compile's time), so this spec
// is what ties their results to the modules rnnc ships: for every exported
// cell and model in examples/ and for random cells, the optimised module's
// loss, outputs, final states and gradients, and its parameters and optimiser
// state after two train_steps, are the unoptimised module's bit for bit. Each
// unit is built one way, the ways taken in turn over the units (f32 SIMD with
// Adam, f64 scalar with momentum SGD, f32 scalar with plain SGD, f64 SIMD with
// Adam, an f32 SIMD inference build), so that every way meets several cells.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { CompileOptions } from "../../compiler/pipeline.js";
import { instantiateModel, type RnncModel } from "../../runtime/model.js";
import { cellCases } from "../support/cells.js";
import { compileCell } from "../support/compile.js";
import { bitDifferences, copyHostTensors, runDifferences } from "./harness.js";
import { exampleUnits, readFile } from "./examples.js";

const capacity = { batch: 3, steps: 5 };
const call = { size: { batch: 3, steps: 5 }, lengths: [5, 2, 4], seed: 20261202 };

type Way = Pick<CompileOptions, "dtype" | "simd" | "train" | "inference">;

const ways: readonly Way[] = [
  { dtype: "f32", simd: true, train: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } },
  { dtype: "f64", simd: false, train: { kind: "sgd", momentum: 0.9 } },
  { dtype: "f32", simd: false, train: { kind: "sgd", momentum: 0 } },
  { dtype: "f64", simd: true, train: { kind: "adam", beta1: 0.8, beta2: 0.99, epsilon: 1e-6 } },
  { dtype: "f32", simd: true, inference: true },
];

const wayName = (w: Way) =>
  `${w.dtype}${w.simd ? " simd" : " scalar"}${w.inference ? " inference" : ""}${w.train ? ` ${w.train.kind}` : ""}`;

/** Every difference between the unoptimised and the optimised build of one unit, named. */
function differences(options: CompileOptions): string[] {
  const [plain, optimised] = [false, true].map((optimize) =>
    instantiateModel(compileCell({ ...options, optimize }).binary));
  const problems = runDifferences(plain!, optimised!, call.size, call.lengths, call.seed);
  if (options.train) problems.push(...trainDifferences(plain!, optimised!));
  return problems;
}

function trainDifferences(plain: RnncModel, optimised: RnncModel): string[] {
  copyHostTensors(plain, optimised, call.size);
  const problems: string[] = [];
  for (const step of [1, 2]) {
    const args = { learning_rate: 0.05, clip_norm: step === 1 ? 0 : 0.5 };
    const [a, b] = [plain.trainStep(3, 5, args), optimised.trainStep(3, 5, args)];
    if (!Object.is(a, b)) problems.push(`train_step ${step} loss: ${b}, expected ${a}`);
  }
  return [...problems, ...bitDifferences(plain, optimised, ["param", "optimizer"], call.size)];
}

describe("the optimised module computes the unoptimised one's values bit for bit", () => {
  const units = exampleUnits();
  units.forEach((u, i) => {
    const way = ways[i % ways.length]!;
    it(`${u.file} ${u.name}, ${wayName(way)}`, () => {
      const dims = Object.fromEntries(u.dims.map((d, j) => [d, [3, 5, 4, 2][j % 4]!]));
      const options = {
        file: u.path, text: readFile(u.path), cell: u.name, dims, capacity, readFile, loss: "mse" as const,
      };
      const problems = differences({ ...options, ...way });
      expect(problems, problems.join("\n")).toEqual([]);
    });
  });

  it("random cells, each way", () => {
    let n = 0;
    fc.assert(fc.property(cellCases(), (c) => {
      const way = ways[n++ % ways.length]!;
      const options = { file: "random-cell.ts", text: c.source, dims: c.dims, capacity, loss: c.loss, ...way };
      const problems = differences(options);
      expect(problems, `${wayName(way)}\n${problems.join("\n")}`).toEqual([]);
    }), { numRuns: ways.length });
  });
});
