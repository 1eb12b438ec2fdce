// spec/e2e — every example in examples/ through the whole pipeline. The
// directory is enumerated and every exported cell and model in it compiled
// (f64, IR verified after every pass) with random small dimensions, steps and
// lengths, and its gradients checked against central finite differences, with
// the built-in MSE loss and with host cotangents (loss "none"); a new example
// file is covered without touching this spec. The forward pass of the peephole
// LSTM, both GRU variants, IndRNN and the cells of docs/cell-zoo.md (sLSTM,
// minGRU, minLSTM, the multiplicative-integration RNN) is also compared with
// implementations in plain loops (cell-references.ts), to catch a cell that is
// consistent with its own gradient but computes the wrong equations.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compileCell } from "../support/compile.js";
import { gradcheck, type GradcheckReport } from "../../runtime/gradcheck.js";
import { instantiateModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import type { RnncModel } from "../../runtime/model.js";
import { references, setReferenceCase } from "./cell-references.js";
import { gradientFailures, mismatch, straddlesKink } from "./harness.js";
import { exampleUnits, examplesDir, readFile, type Unit } from "./examples.js";

const capacity = { batch: 4, steps: 8 };
const MAX_ENTRIES = 5;

const units = exampleUnits();

function compileUnit(u: Unit, dims: Record<string, number>, loss: "mse" | "none", simd: boolean): RnncModel {
  const { binary } = compileCell({
    file: u.path, text: readFile(u.path), cell: u.name, dims, dtype: "f64", simd, loss, capacity,
    verifyEach: true, readFile,
  });
  return instantiateModel(binary);
}

interface Run {
  readonly dims: Record<string, number>;
  readonly batch: number;
  readonly steps: number;
  readonly lengths: number[];
  readonly seed: number;
  readonly simd: boolean;
}

/** Dims in 2..5, batch 1..4, steps 1..6, lengths in [1, steps] (one of them full), a seed. */
function runs(dims: readonly string[]): fc.Arbitrary<Run> {
  return fc.record({
    dims: fc.record(Object.fromEntries(dims.map((d) => [d, fc.integer({ min: 2, max: 5 })]))),
    batch: fc.integer({ min: 1, max: capacity.batch }),
    steps: fc.integer({ min: 1, max: 6 }),
    seed: fc.nat(),
    simd: fc.boolean(),
  }).chain((r) =>
    fc.tuple(
      fc.array(fc.integer({ min: 1, max: r.steps }), { minLength: r.batch, maxLength: r.batch }),
      fc.nat({ max: r.batch - 1 }),
    )
      .map(([lengths, full]) => ({ ...r, lengths: lengths.map((n, i) => (i === full ? r.steps : n)) })));
}

describe("the examples directory", () => {
  it("yields every example cell and model, each with its dimensions", () => {
    const names = units.map((u) => u.name);
    const known = [
      "elman", "lstm", "gru", "jordan", "elmanReadout", "lstmPeephole", "gruResetAfter", "mgu", "cifgLstm",
      "layernormLstm", "lstmClip", "hardSigmoidGru", "deepLstm", "biLstm", "gruUnderBiLstm", "indrnn", "slstm",
      "minGru", "minLstm", "miRnn",
    ];
    for (const name of known) {
      expect(names).toContain(name);
    }
    const byName = new Map(units.map((u) => [u.name, u]));
    expect([...byName.get("jordan")!.dims].sort()).toEqual(["H", "I", "O"]);
    expect([...byName.get("deepLstm")!.dims].sort()).toEqual(["H", "H2", "I", "O"]);
    expect([...byName.get("gruUnderBiLstm")!.dims].sort()).toEqual(["G", "H", "I"]);
    const kinked = units.filter((u) => u.kinked).map((u) => u.name);
    expect(kinked).toEqual(expect.arrayContaining(["hardSigmoidGru", "indrnn", "lstmClip", "slstm"]));
    expect(byName.get("lstm")!.kinked).toBe(false);
    expect(byName.get("minLstm")!.kinked).toBe(false);
  });
});

describe("every example's gradients match finite differences (f64, IR verified after each pass)", () => {
  for (const u of units) {
    for (const loss of ["mse", "none"] as const) {
      it(`${u.file} ${u.kind} ${u.name}, loss ${loss}`, () => {
        fc.assert(fc.property(runs(u.dims), (run) => {
          const model = compileUnit(u, run.dims, loss, run.simd);
          expect(model.loss).toBe(loss);
          const report = gradcheck(model, {
            seed: run.seed, batch: run.batch, steps: run.steps, lengths: run.lengths, maxEntries: MAX_ENTRIES,
          });
          // Every parameter, initial state and real-valued input; id inputs (i32) have no gradient.
          const expected = model.tensors()
            .filter((e) => e.role === "param" || e.role === "state_in"
              || (e.role === "input" && (e.dtype ?? model.dtype) !== "i32"))
            .map((e) => `${e.role}:${e.name}`).sort();
          expect(report.tensors.map((t) => `${t.role}:${t.name}`).sort()).toEqual(expected);
          expect(Number.isFinite(report.loss), `loss ${report.loss}`).toBe(true);
          if (u.kinked && gradientFailures(report).length > 0
            && straddlesKink(model, { batch: run.batch, steps: run.steps }, report)) fc.pre(false);
          expect(gradientFailures(report), `lengths ${JSON.stringify(report.lengths)}`).toEqual([]);
        }), { numRuns: 1 });
      });
    }
  }
});

const FORWARD_TOLERANCE = 1e-12;

function expectAgrees(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  const problem = mismatch(got, want, FORWARD_TOLERANCE, what);
  expect(problem, problem).toBeUndefined();
}

describe("forward passes equal independent plain-JS implementations (f64, T = 5, batch 2, to 1e-12)", () => {
  for (const [name, ref] of Object.entries(references)) {
    it(`${name} (examples/${ref.file})`, () => {
      const dim = fc.integer({ min: 2, max: 5 });
      fc.assert(fc.property(dim, dim, fc.integer({ min: 1, max: 5 }), fc.nat(), fc.boolean(), (
        I, H, short, seed, simd,
      ) => {
        const T = 5, B = 2;
        const lengths = [T, short];
        const path = join(examplesDir, ref.file);
        const model = instantiateModel(compileCell({
          file: path, text: readFile(path), cell: name, dims: { I, H }, dtype: "f64", simd, loss: "none", capacity,
          verifyEach: true,
        }).binary);
        const { out, stateOut } = setReferenceCase(model, ref, prng(seed), { I, H, B, T }, lengths);
        model.forward(B, T);
        const size = { batch: B, steps: T };
        expectAgrees(model.view(ref.states[0]!, "output", size), out, "output");
        for (const s of ref.states) expectAgrees(model.view(s, "state_out", size), stateOut[s]!, `state_out ${s}`);
      }), { numRuns: 2 });
    });
  }
});
