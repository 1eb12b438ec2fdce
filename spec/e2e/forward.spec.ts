// spec/e2e — the compiled forward pass against oracles: the float64
// interpreter run over time (outputs, final states, loss; f64 builds to
// 1e-12), the f64 build itself for the f32 builds (SIMD and scalar, to f32
// tolerance, gradients too), and the same sequence run alone for a sequence
// padded with garbage past its length (state, loss and gradients unchanged).

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { RnncModel } from "../../runtime/model.js";
import type { CallSize } from "../../runtime/abi.js";
import { cellCases, type CellCase } from "../support/cells.js";
import {
  caseBuild, copyHostTensors, exampleBuild, exampleNames, load, mismatch, randomize, raggedRun, runs, runsFromEnv,
  intrinsicsCell, type Build, type Run,
} from "./harness.js";
import { referenceScan } from "./scan.js";

const F64_TOLERANCE = 1e-12;
const F32_TOLERANCE = 1e-4;

function expectAgrees(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  const problem = mismatch(got, want, tol, what);
  expect(problem, problem).toBeUndefined();
}

const stateNames = (model: RnncModel) => model.tensors().filter((e) => e.role === "state_out").map((e) => e.name);
const outputName = (model: RnncModel) => model.tensors().find((e) => e.role === "output")!.name;

/** Random values from `seed`, one forward of the module, and the interpreter's scan of the same values. */
function checkAgainstInterpreter(b: Build, run: Pick<Run, "batch" | "steps" | "lengths" | "seed">): void {
  const model = load(b);
  const size = { batch: run.batch, steps: run.steps };
  randomize(model, size, run.seed, run.lengths);
  const loss = model.forward(size.batch, size.steps);
  const want = referenceScan(b.source, b.dims, model, size);
  expectAgrees(model.view(outputName(model), "output", size), want.output, F64_TOLERANCE, "output");
  for (const s of stateNames(model))
    expectAgrees(model.view(s, "state_out", size), want.stateOut.get(s)!, F64_TOLERANCE, `state_out ${s}`);
  expectAgrees([loss], [b.loss === "mse" ? want.loss : 0], F64_TOLERANCE, "loss");
}

describe("the f64 module's forward pass equals the interpreter's scan", () => {
  for (const name of exampleNames) {
    for (const simd of [true, false]) {
      for (const loss of ["mse", "none"] as const) {
        it(`${name}, ${simd ? "simd" : "scalar"}, loss ${loss}`, () => {
          fc.assert(
            fc.property(runs(["I", "H"]), (run) =>
              checkAgainstInterpreter(exampleBuild(name, run.dims, "f64", simd, loss), run)),
            { numRuns: 2, examples: [[raggedRun]] },
          );
        });
      }
    }
  }

  it("random cells", () => {
    fc.assert(
      fc.property(cellCases(), fc.boolean(), (c, simd) => checkAgainstInterpreter(caseBuild(c, "f64", simd), c)),
      { numRuns: runsFromEnv(20) },
    );
  });
});

/**
 * The same values in an f32 build and the f64 build: outputs, final states,
 * loss and gradients agree to f32 tolerance.
 */
function checkF32AgainstF64(f32: Build, f64: Build, run: Pick<Run, "batch" | "steps" | "lengths" | "seed">): void {
  const single = load(f32);
  const double = load(f64);
  const size = { batch: run.batch, steps: run.steps };
  randomize(single, size, run.seed, run.lengths);
  copyHostTensors(single, double, size);
  const lossSingle = single.forward(size.batch, size.steps);
  const lossDouble = double.forward(size.batch, size.steps);
  single.backward(size.batch, size.steps);
  double.backward(size.batch, size.steps);
  const out = outputName(double);
  expectAgrees(single.view(out, "output", size), double.view(out, "output", size), F32_TOLERANCE, "output");
  for (const s of stateNames(double))
    expectAgrees(single.view(s, "state_out", size), double.view(s, "state_out", size), F32_TOLERANCE, `state_out ${s}`);
  expectAgrees([lossSingle], [lossDouble], F32_TOLERANCE, "loss");
  for (const g of double.tensors().filter((e) => e.role === "grad")) {
    expectAgrees(single.view(g.name, "grad", size), double.view(g.name, "grad", size), F32_TOLERANCE, `grad ${g.name}`);
  }
}

describe("f32 builds agree with the f64 build within f32 tolerance", () => {
  for (const name of exampleNames) {
    for (const simd of [true, false]) {
      it(`${name}, f32 ${simd ? "simd (the default build)" : "scalar (--no-simd)"}`, () => {
        fc.assert(fc.property(runs(["I", "H"]), fc.constantFrom("mse" as const, "none" as const), (run, loss) =>
          checkF32AgainstF64(
            exampleBuild(name, run.dims, "f32", simd, loss), exampleBuild(name, run.dims, "f64", true, loss), run,
          )), { numRuns: 2, examples: [[raggedRun, "none"]] });
      });
    }
  }

  it("random cells, f32 simd and scalar", () => {
    fc.assert(
      fc.property(cellCases(), fc.boolean(), (c, simd) =>
        checkF32AgainstF64(caseBuild(c, "f32", simd), caseBuild(c, "f64", true), c)),
      { numRuns: runsFromEnv(15) },
    );
  });
});

describe("matrix products: every register tile and tail (dims up to 40)", () => {
  const wideRuns = runs(["I", "H"]).chain((run) =>
    fc.record({ I: fc.integer({ min: 1, max: 40 }), H: fc.integer({ min: 1, max: 40 }) })
      .map((dims) => ({ ...run, dims })));
  for (const name of exampleNames) {
    it(
      `${name}: the f64 module (simd and scalar) equals the interpreter; f32 simd agrees with f64, gradients too`,
      () => {
        fc.assert(fc.property(wideRuns, fc.boolean(), (run, simd) => {
          checkAgainstInterpreter(exampleBuild(name, run.dims, "f64", simd, "mse"), run);
          checkF32AgainstF64(
            exampleBuild(name, run.dims, "f32", true, "mse"), exampleBuild(name, run.dims, "f64", simd, "mse"), run,
          );
        }), { numRuns: 4, examples: [[{ ...raggedRun, dims: { I: 19, H: 37 } }, true]] });
      },
    );
  }
});

describe("every new elementwise intrinsic and maxOf (dims up to 13: every SIMD tail)", () => {
  const dim = fc.integer({ min: 1, max: 13 });
  const builds = runs(["I", "H"]).chain((run) => fc.record({ I: dim, H: dim }).map((dims) => ({ ...run, dims })));
  const mix = (dims: Record<string, number>, dtype: "f32" | "f64", simd: boolean): Build =>
    ({ file: "intrinsics.ts", source: intrinsicsCell, dims, dtype, simd, loss: "mse" });
  it("the f64 module (simd, scalar) equals the interpreter; f32 (simd, scalar) agrees with f64, gradients too", () => {
    fc.assert(fc.property(builds, fc.boolean(), (run, simd) => {
      checkAgainstInterpreter(mix(run.dims, "f64", simd), run);
      checkF32AgainstF64(mix(run.dims, "f32", simd), mix(run.dims, "f64", true), run);
    }), { numRuns: 6, examples: [[{ ...raggedRun, dims: { I: 3, H: 13 } }, true]] });
  });
});

// ---- lengths ---------------------------------------------------------------

interface Pass {
  readonly loss: number;
  /** Every public tensor's live prefix after forward and backward, keyed "role:name". */
  readonly tensors: ReadonlyMap<string, Float64Array>;
}

/** Rows of a packed [steps, batch, F] (or [batch, F]) array: row (t, b) is its F values. */
const rowOf = (data: ArrayLike<number>, batch: number, width: number, t: number, b: number) =>
  Array.from({ length: width }, (_, j) => data[(t * batch + b) * width + j]!);

function runPass(model: RnncModel, size: CallSize, host: ReadonlyMap<string, ArrayLike<number>>): Pass {
  for (const [key, data] of host) {
    const [role, name] = key.split(":") as ["param", string];
    model.set(name, role, data);
  }
  const loss = model.forward(size.batch, size.steps);
  model.backward(size.batch, size.steps);
  const tensors = new Map(
    model.tensors().map((e) => [`${e.role}:${e.name}`, Float64Array.from(model.view(e.name, e.role, size))]),
  );
  return { loss, tensors };
}

/** Values of magnitude up to 1000, different for every element. */
const largeGarbage = (seed: number) => (i: number) => 1000 * Math.sin(12.9898 * i + seed);
/** NaN, +Infinity and −Infinity in turn. */
const nonFiniteGarbage = (i: number) => [NaN, Infinity, -Infinity][i % 3]!;

/**
 * Runs a batch whose sequences carry garbage past their lengths (inputs,
 * targets, output cotangents), then each sequence alone with steps = its
 * length, and compares: per-sequence results row by row, sums over the batch
 * (loss, parameter gradients) with the sum of the lone runs.
 */
function checkPadding(
  b: Build, run: Pick<Run, "batch" | "steps" | "lengths" | "seed">, garbage = largeGarbage(run.seed),
): void {
  const model = load(b);
  const { batch, steps, lengths } = run;
  const size = { batch, steps };
  randomize(model, size, run.seed, lengths);
  const host = new Map<string, Float64Array>();
  const widths = new Map<string, number>();
  for (const e of model.tensors()) {
    if (!["param", "input", "target", "state_in", "grad_output", "grad_state_out"].includes(e.role)) continue;
    const key = `${e.role}:${e.name}`;
    const data = Float64Array.from(model.view(e.name, e.role, size));
    const perStep = e.shape[0] === "steps";
    const width = perStep ? data.length / (steps * batch) : e.role === "param" ? data.length : data.length / batch;
    if (perStep) {
      for (let t = 0; t < steps; t++) for (let i = 0; i < batch; i++) {
        if (t >= lengths[i]!) for (let j = 0; j < width; j++)
          data[(t * batch + i) * width + j] = garbage(data.length + (t * batch + i) * width + j);
      }
    }
    host.set(key, data);
    widths.set(key, width);
  }
  host.set("lengths:lengths", Float64Array.from(lengths));
  const padded = runPass(model, size, host);

  let lossSum = 0;
  const gradSums = new Map<string, Float64Array>();
  for (let i = 0; i < batch; i++) {
    const L = lengths[i]!;
    const alone = new Map<string, number[]>();
    for (const [key, data] of host) {
      if (key === "lengths:lengths") continue;
      const width = widths.get(key)!;
      if (key.startsWith("param:")) alone.set(key, Array.from(data));
      else if (data.length === batch * width) alone.set(key, rowOf(data, batch, width, 0, i));
      else alone.set(key, Array.from({ length: L }, (_, t) => rowOf(data, batch, width, t, i)).flat());
    }
    alone.set("lengths:lengths", [L]);
    const lone = runPass(model, { batch: 1, steps: L }, alone);
    lossSum += lone.loss;
    for (const [key, value] of padded.tensors) {
      const [role, name] = key.split(":");
      if (role !== "grad" || !host.has(`param:${name}`)) continue;
      const sum = gradSums.get(key) ?? new Float64Array(value.length);
      lone.tensors.get(key)!.forEach((v, j) => (sum[j]! += v));
      gradSums.set(key, sum);
    }
    comparePerSequence(padded.tensors, lone.tensors, model, size, i, L);
  }
  expectAgrees([padded.loss], [lossSum], F64_TOLERANCE, "loss of the padded batch vs the sum over lone sequences");
  for (const [key, sum] of gradSums) {
    expectAgrees(
      padded.tensors.get(key)!, sum, F64_TOLERANCE, `${key} of the padded batch vs the sum over lone sequences`,
    );
  }
}

/** Sequence i of the padded batch against the same sequence alone: valid rows equal, rows past its length zero. */
function comparePerSequence(
  padded: ReadonlyMap<string, Float64Array>, lone: ReadonlyMap<string, Float64Array>,
  model: RnncModel, size: CallSize, i: number, L: number,
): void {
  const { batch, steps } = size;
  for (const e of model.tensors()) {
    const key = `${e.role}:${e.name}`;
    const perStep = e.shape[0] === "steps";
    const perBatch = perStep || e.shape[0] === "batch";
    const isParamGrad = e.role === "grad" && !perBatch;
    if (!perBatch || isParamGrad || e.role === "lengths") continue;
    const all = padded.get(key)!;
    const mine = lone.get(key)!;
    if (!perStep) {
      const width = all.length / batch;
      expectAgrees(rowOf(all, batch, width, 0, i), mine, F64_TOLERANCE, `${key} of sequence ${i} (length ${L})`);
      continue;
    }
    const width = all.length / (steps * batch);
    for (let t = 0; t < steps; t++) {
      const got = rowOf(all, batch, width, t, i);
      if (t < L) {
        expectAgrees(
          got, rowOf(mine, 1, width, t, 0), F64_TOLERANCE, `${key} of sequence ${i} at step ${t} (length ${L})`,
        );
      } else if (e.role === "output" || e.role === "grad") {
        expectAgrees(got, new Array(width).fill(0), 0, `${key} of sequence ${i} at step ${t}, past its length ${L}`);
      }
    }
  }
}

describe("a sequence padded with garbage past its length gives what it gives alone", () => {
  for (const name of exampleNames) {
    for (const loss of ["mse", "none"] as const) {
      it(`${name}, loss ${loss}`, () => {
        fc.assert(
          fc.property(runs(["I", "H"]), (run) => checkPadding(exampleBuild(name, run.dims, "f64", true, loss), run)),
          { numRuns: 2, examples: [[raggedRun]] },
        );
      });
    }
  }

  it("random cells", () => {
    fc.assert(
      fc.property(cellCases(), (c: CellCase) => checkPadding(caseBuild(c, "f64", true), c)),
      { numRuns: runsFromEnv(8) },
    );
  });

  // The ABI promises the gradients of the truncated sequence whatever lies
  // past its length; a host padding with NaN (missing data) relies on that.
  it("non-finite padding (NaN, ±Infinity in inputs, targets and cotangents) reaches no result", () => {
    for (const name of exampleNames) {
      for (const loss of ["mse", "none"] as const)
        checkPadding(exampleBuild(name, raggedRun.dims, "f64", true, loss), raggedRun, nonFiniteGarbage);
    }
  });

  it("an empty sequence (length 0) keeps its initial state, outputs zeros " +
    "and passes the final cotangent through", () => {
    for (const loss of ["mse", "none"] as const) {
      const b = exampleBuild("lstm", { I: 3, H: 5 }, "f64", true, loss);
      const model = load(b);
      const size = { batch: 3, steps: 4 };
      randomize(model, size, 7, [4, 0, 2]);
      model.forward(size.batch, size.steps);
      model.backward(size.batch, size.steps);
      for (const s of ["h", "c"]) {
        expectAgrees(
          rowOf(model.view(s, "state_out", size), 3, 5, 0, 1),
          rowOf(model.view(s, "state_in", size), 3, 5, 0, 1),
          0,
          `state_out ${s}`,
        );
        const passed = loss === "none"
          ? rowOf(model.view(s, "grad_state_out", size), 3, 5, 0, 1)
          : new Array(5).fill(0);
        expectAgrees(rowOf(model.view(s, "grad", size), 3, 5, 0, 1), passed, 0, `grad ${s}`);
      }
      for (let t = 0; t < 4; t++) {
        expectAgrees(
          rowOf(model.view("h", "output", size), 3, 5, t, 1), new Array(5).fill(0), 0, `output at step ${t}`,
        );
        expectAgrees(rowOf(model.view("x", "grad", size), 3, 3, t, 1), new Array(3).fill(0), 0, `grad x at step ${t}`);
      }
    }
  });
});
