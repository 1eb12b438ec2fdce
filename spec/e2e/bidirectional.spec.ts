// spec/e2e — bidirectional layers with ragged lengths. A one-layer
// bidirectional LSTM (concat, no readout) is checked against the plain LSTM
// cell of examples/lstm.ts, compiled on its own and run by hand on each
// sequence alone: the forward half of the model's output is the cell run
// over the sequence with the l0.fwd. parameters; the reverse half is the cell
// run with the l0.bwd. parameters over the sequence's valid prefix reversed,
// its outputs reversed back; past a sequence's length the output is 0. Then
// the two-layer biLstm of examples/models.ts, with ragged lengths, against
// finite differences.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compileCell } from "../support/compile.js";
import { gradcheck } from "../../runtime/gradcheck.js";
import { instantiateModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import type { RnncModel } from "../../runtime/model.js";
import { mismatch } from "./harness.js";

const examplesDir = fileURLToPath(new URL("../../examples/", import.meta.url));
const readFile = (path: string) => readFileSync(path, "utf8");
const capacity = { batch: 4, steps: 8 };
const TOLERANCE = 1e-12;

// Compiled as if it sat in examples/, next to the lstm.ts it imports.
const biModelPath = join(examplesDir, "bidirectional-spec-model.ts");
const biModelSource = `
import { bidirectional, model } from "rnnc";
import { lstm } from "./lstm.js";

export const biLstm1 = model({ input: { x: "I" }, layers: [bidirectional(lstm, "concat")] });
`;

function compileF64(path: string, text: string, dims: Record<string, number>, cell: string, simd: boolean): RnncModel {
  return instantiateModel(compileCell({
    file: path, text, cell, dims, dtype: "f64", simd, loss: "none", capacity, verifyEach: true, readFile,
  }).binary);
}

function expectAgrees(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  const problem = mismatch(got, want, TOLERANCE, what);
  expect(problem, problem).toBeUndefined();
}

interface Case {
  readonly I: number;
  readonly H: number;
  readonly steps: number;
  readonly lengths: number[];
  readonly seed: number;
  readonly simd: boolean;
}

/** I, H in 2..5, steps 1..6, batch 1..4 with lengths in [0, steps]: ragged, empty sequences included. */
const cases: fc.Arbitrary<Case> = fc.record({
  I: fc.integer({ min: 2, max: 5 }),
  H: fc.integer({ min: 2, max: 5 }),
  steps: fc.integer({ min: 1, max: 6 }),
  batch: fc.integer({ min: 1, max: capacity.batch }),
  seed: fc.nat(),
  simd: fc.boolean(),
}).chain(({ batch, ...c }) =>
  fc.array(fc.integer({ min: 0, max: c.steps }), { minLength: batch, maxLength: batch })
    .map((lengths) => ({ ...c, lengths })));

/**
 * Runs the plain cell on one sequence (batch 1) with a direction's parameters
 * and initial state: its outputs and final state.
 */
function runCell(
  cell: RnncModel, model: RnncModel, prefix: string, b: number, H: number, xs: Float64Array,
): { out: Float64Array; h: Float64Array; c: Float64Array } {
  const steps = xs.length / cell.dims.I!;
  for (const e of cell.tensors().filter((t) => t.role === "param"))
    cell.set(e.name, "param", model.get(`${prefix}${e.name}`, "param"));
  for (const s of ["h", "c"]) cell.set(s, "state_in", model.get(`${prefix}${s}`, "state_in").slice(b * H, (b + 1) * H));
  cell.set("x", "input", xs);
  cell.set("lengths", "lengths", [steps]);
  cell.forward(1, steps);
  const size = { batch: 1, steps };
  return {
    out: cell.get("h", "output", size) as Float64Array,
    h: cell.get("h", "state_out", size) as Float64Array,
    c: cell.get("c", "state_out", size) as Float64Array,
  };
}

function checkAgainstCell(k: Case): void {
  const { I, H, steps: T, lengths } = k;
  const B = lengths.length;
  const model = compileF64(biModelPath, biModelSource, { I, H }, "biLstm1", k.simd);
  const cell = compileF64(
    join(examplesDir, "lstm.ts"), readFile(join(examplesDir, "lstm.ts")), { I, H }, "lstm", k.simd,
  );

  const rand = prng(k.seed);
  const random = (n: number, scale: number) => Float64Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
  for (const e of model.tensors().filter((t) => t.role === "param")) {
    const n = (e.shape[0] as number) * ((e.shape[1] as number | undefined) ?? 1);
    model.set(e.name, "param", random(n, e.shape.length === 2 ? 1.5 / Math.sqrt(e.shape[1] as number) : 0.8));
  }
  for (const e of model.tensors().filter((t) => t.role === "state_in"))
    model.set(e.name, "state_in", random(B * H, 0.5));
  const x = random(T * B * I, 1);
  model.set("x", "input", x);
  model.set("lengths", "lengths", lengths);
  model.forward(B, T);
  const size = { batch: B, steps: T };
  const y = model.get("y", "output", size);
  expect(model.shapeOf("y", "output", size)).toEqual([T, B, 2 * H]);

  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    const at = (t: number) => (t * B + b) * 2 * H;
    const fwdHalf = (t: number) => y.slice(at(t), at(t) + H);
    const bwdHalf = (t: number) => y.slice(at(t) + H, at(t) + 2 * H);
    for (let t = n; t < T; t++)
      expectAgrees(y.slice(at(t), at(t) + 2 * H), new Float64Array(2 * H), `y[${t}, ${b}] past length ${n}`);
    const finals = (prefix: string) =>
      ["h", "c"].map((s) => model.get(`${prefix}${s}`, "state_out", size).slice(b * H, (b + 1) * H));
    if (n === 0) {
      // An empty sequence keeps its initial states.
      for (const prefix of ["l0.fwd.", "l0.bwd."]) {
        const [h, c] = finals(prefix);
        expectAgrees(
          h!, model.get(`${prefix}h`, "state_in").slice(b * H, (b + 1) * H), `${prefix}h state_out[${b}], length 0`,
        );
        expectAgrees(
          c!, model.get(`${prefix}c`, "state_in").slice(b * H, (b + 1) * H), `${prefix}c state_out[${b}], length 0`,
        );
      }
      continue;
    }
    const prefixOf = (reversed: boolean) => {
      const xs = new Float64Array(n * I);
      for (let t = 0; t < n; t++) {
        const from = reversed ? n - 1 - t : t;
        xs.set(x.subarray((from * B + b) * I, (from * B + b + 1) * I), t * I);
      }
      return xs;
    };

    const fwd = runCell(cell, model, "l0.fwd.", b, H, prefixOf(false));
    for (let t = 0; t < n; t++)
      expectAgrees(fwdHalf(t), fwd.out.subarray(t * H, (t + 1) * H), `forward half y[${t}, ${b}] (length ${n})`);
    const [fh, fc_] = finals("l0.fwd.");
    expectAgrees(fh!, fwd.h, `l0.fwd.h state_out[${b}]`);
    expectAgrees(fc_!, fwd.c, `l0.fwd.c state_out[${b}]`);

    const bwd = runCell(cell, model, "l0.bwd.", b, H, prefixOf(true));
    for (let t = 0; t < n; t++) {
      const s = n - 1 - t;
      expectAgrees(
        bwdHalf(t),
        bwd.out.subarray(s * H, (s + 1) * H),
        `reverse half y[${t}, ${b}] = cell output at reversed step ${s} (length ${n})`,
      );
    }
    const [bh, bc] = finals("l0.bwd.");
    expectAgrees(bh!, bwd.h, `l0.bwd.h state_out[${b}]`);
    expectAgrees(bc!, bwd.c, `l0.bwd.c state_out[${b}]`);
  }
}

describe("a bidirectional LSTM layer equals the plain cell run by hand on each sequence (f64)", () => {
  it("ragged lengths, random dims and values", () => {
    fc.assert(fc.property(cases, checkAgainstCell), { numRuns: 4 });
  });

  it("lengths [5, 2, 0, 4]: one full, one short, one empty", () => {
    checkAgainstCell({ I: 3, H: 4, steps: 5, lengths: [5, 2, 0, 4], seed: 7, simd: true });
  });
});

describe("the two-layer biLstm of examples/models.ts, ragged lengths: gradients match finite differences", () => {
  const path = join(examplesDir, "models.ts");
  for (const loss of ["mse", "none"] as const) {
    for (const simd of [true, false]) {
      it(`loss ${loss}, ${simd ? "simd" : "scalar"}`, () => {
        const model = instantiateModel(compileCell({
          file: path, text: readFile(path), cell: "biLstm", dims: { I: 3, H: 4, O: 2 }, dtype: "f64", simd, loss,
          capacity, verifyEach: true, readFile,
        }).binary);
        const report = gradcheck(model, { seed: 11, batch: 4, steps: 6, lengths: [6, 1, 4, 3], maxEntries: 6 });
        expect(report.tensors.filter((t) => t.name.startsWith("l1.bwd.")).length).toBeGreaterThan(0);
        const bad = report.tensors
          .filter((t) => !(t.worst < 1e-6))
          .map((t) => `${t.role} ${t.name}: ${t.worst.toExponential(2)} at ${JSON.stringify(t.at)}`);
        expect(bad).toEqual([]);
      });
    }
  }
});
