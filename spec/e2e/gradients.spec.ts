// spec/e2e — the compiled backward pass against central finite differences of
// the compiled forward pass (DESIGN §3): for the example cells and for random
// generated cells, in f64 builds with and without SIMD, with the built-in MSE
// loss and with host cotangents (loss "none"), random dims, lengths and
// values, every gradient — parameters, inputs and initial state — agrees to a
// relative error below 1e-6.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { intrinsicNames } from "../../compiler/frontend/index.js";
import { gradcheck, type GradcheckReport } from "../../runtime/gradcheck.js";
import type { RnncModel } from "../../runtime/model.js";
import { cellCases, type CellCase } from "../support/cells.js";
import {
  caseBuild, exampleBuild, exampleNames, gradientFailures, intrinsicsCell, load, raggedRun, runs, runsFromEnv,
  straddlesKink,
} from "./harness.js";

const MAX_ENTRIES = 8;

/** Every tensor gradcheck should have checked: each param, each input, each initial state. */
function expectedTensors(model: RnncModel): string[] {
  return model.tensors()
    .filter((e) => e.role === "param" || e.role === "input" || e.role === "state_in")
    .map((e) => `${e.role}:${e.name}`)
    .sort();
}

function expectGradientsMatch(model: RnncModel, report: GradcheckReport): void {
  expect(report.tensors.map((t) => `${t.role}:${t.name}`).sort()).toEqual(expectedTensors(model));
  for (const t of report.tensors) expect(t.checked, `${t.role} ${t.name} checked nothing`).toBeGreaterThan(0);
  expect(Number.isFinite(report.loss), `loss ${report.loss}`).toBe(true);
  expect(gradientFailures(report), `lengths ${JSON.stringify(report.lengths)}`).toEqual([]);
}

describe("gradients of the example cells match finite differences (f64)", () => {
  for (const name of exampleNames) {
    for (const simd of [true, false]) {
      for (const loss of ["mse", "none"] as const) {
        it(`${name}, ${simd ? "simd" : "scalar"}, loss ${loss}`, () => {
          fc.assert(fc.property(runs(["I", "H"]), (run) => {
            const model = load(exampleBuild(name, run.dims, "f64", simd, loss));
            const report = gradcheck(model, {
              seed: run.seed, batch: run.batch, steps: run.steps, lengths: run.lengths, maxEntries: MAX_ENTRIES,
            });
            expectGradientsMatch(model, report);
          }), { numRuns: 2, examples: [[raggedRun]] });
        });
      }
    }
  }
});

function checkCell(c: CellCase, simd: boolean): void {
  const model = load(caseBuild(c, "f64", simd));
  const report = gradcheck(model, {
    seed: c.seed, batch: c.batch, steps: c.steps, lengths: c.lengths, maxEntries: MAX_ENTRIES,
  });
  if (
    c.hasKinks && gradientFailures(report).length > 0
    && straddlesKink(model, { batch: c.batch, steps: c.steps }, report)
  ) {
    fc.pre(false);
  }
  expectGradientsMatch(model, report);
}

describe("gradients of random cells match finite differences (f64)", () => {
  it("random well-typed cells, random dims, lengths, values and loss", () => {
    fc.assert(fc.property(cellCases(), fc.boolean(), (c, simd) => checkCell(c, simd)), { numRuns: runsFromEnv(30) });
  });
});

describe("gradients of a cell calling every new intrinsic and maxOf match finite differences (f64)", () => {
  it("simd and scalar, loss mse and none", () => {
    const losses = fc.constantFrom("mse" as const, "none" as const);
    fc.assert(fc.property(runs(["I", "H"]), fc.boolean(), losses, (run, simd, loss) => {
      const { dims, steps, batch, lengths, seed } = run;
      const c = {
        source: intrinsicsCell, inlined: intrinsicsCell, cell: "mix", dims, steps, batch, lengths, seed, loss,
        hasKinks: true,
      };
      checkCell(c, simd);
    }), { numRuns: 6, examples: [[raggedRun, true, "mse"]] });
  });
});

describe("the random cells", () => {
  it("draw from every intrinsic", () => {
    const used = new Set<string>();
    for (const c of fc.sample(cellCases(), { numRuns: 1000, seed: 1 })) {
      for (const name of /import \{ ([^}]*) \}/.exec(c.source)![1]!.split(", ")) used.add(name);
    }
    expect(intrinsicNames.filter((name) => !used.has(name))).toEqual([]);
  });

  it("define helpers of both forms, call them from steps, and call helpers from helpers", () => {
    const files = fc.sample(cellCases(), { numRuns: 400, seed: 1 }).map((c) => c.source.split("\n\n"));
    const definitions = files.flatMap((blocks) => blocks.filter((b) => /^(const|function) f\d/.test(b)));
    expect(definitions.some((d) => d.startsWith("const f"))).toBe(true);
    expect(definitions.some((d) => d.startsWith("function f"))).toBe(true);
    expect(definitions.some((d) => /^(const|function) f[1-9][^]*\bf0\(/.test(d))).toBe(true);
    const steps = files.map((blocks) => blocks.find((b) => b.startsWith("export const randomCell"))!);
    expect(steps.some((step) => /\bf\d\(/.test(step))).toBe(true);
  });
});
