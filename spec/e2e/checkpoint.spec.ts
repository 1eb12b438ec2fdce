// spec/e2e — gradient checkpointing (compile --checkpoint). The oracle is the
// build without it: for the example cells and models (stacked, bidirectional,
// a GRU under a bidirectional LSTM), f32 and f64, SIMD and scalar, with a
// built-in loss and with host cotangents, on ragged lengths (empty sequences
// included) and call steps that cut the segments unevenly, a checkpointed
// module's loss, outputs, final states and every gradient equal the full-tape
// module's bit for bit. Its tape is smaller, and it lays out at other
// capacities like any module (ABI 3).

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { type CompileOptions } from "../../compiler/pipeline.js";
import { compileCell } from "../support/compile.js";
import { randomizeModel } from "../../runtime/gradcheck.js";
import { prng } from "../../runtime/random.js";
import { RnncModel } from "../../runtime/model.js";
import { placeTensors } from "../../runtime/layout.js";
import type { CallSize } from "../../runtime/abi.js";
import type { LossKind } from "../../compiler/time/index.js";
import { bitDifferences, copyHostTensors, runDifferences } from "./harness.js";

const examples = fileURLToPath(new URL("../../examples/", import.meta.url));
const readFile = (path: string) => readFileSync(path, "utf8");

interface Unit {
  readonly file: string;
  readonly cell?: string;
  readonly dims: Record<string, number>;
  readonly losses: readonly LossKind[];
}

const units: readonly Unit[] = [
  { file: "elman.ts", dims: { I: 3, H: 5 }, losses: ["mse", "none"] },
  { file: "lstm.ts", dims: { I: 3, H: 5 }, losses: ["mse", "none"] },
  { file: "gru.ts", dims: { I: 4, H: 6 }, losses: ["mse", "mse-last"] },
  { file: "models.ts", cell: "deepLstm", dims: { I: 3, H: 5, H2: 4, O: 3 }, losses: ["softmax-ce", "mse-last"] },
  { file: "models.ts", cell: "biLstm", dims: { I: 3, H: 4, O: 2 }, losses: ["mse", "none"] },
  { file: "models.ts", cell: "gruUnderBiLstm", dims: { I: 3, H: 4, G: 5 }, losses: ["mse"] },
];

/** 11 steps: segments of 4, 4 and 3 at full length. */
const capacity = { batch: 4, steps: 11 };

interface Build {
  readonly unit: Unit;
  readonly loss: LossKind;
  readonly dtype: "f32" | "f64";
  readonly simd: boolean;
}

const compiled = new Map<string, Uint8Array>();

function binary(b: Build, checkpoint: boolean, extra: Partial<CompileOptions> = {}): Uint8Array {
  const key = JSON.stringify([b, checkpoint, extra]);
  let out = compiled.get(key);
  if (!out) {
    const file = examples + b.unit.file;
    out = compileCell({
      file, text: readFile(file), cell: b.unit.cell, dims: b.unit.dims, dtype: b.dtype, simd: b.simd, loss: b.loss,
      capacity, readFile, verifyEach: true, ...(checkpoint ? { checkpoint: true } : {}), ...extra,
    }).binary;
    compiled.set(key, out);
  }
  return out;
}

function load(bytes: Uint8Array, at: CallSize = capacity): RnncModel {
  const module = new WebAssembly.Module(bytes as BufferSource);
  return new RnncModel(module, new WebAssembly.Instance(module, {}), { capacity: at });
}

/** Runs both modules on the same random values; every difference, named. */
const differences = (full: RnncModel, checkpointed: RnncModel, size: CallSize, lengths: number[], seed: number) =>
  runDifferences(full, checkpointed, size, lengths, seed);

const builds: Build[] = units.flatMap((unit) =>
  unit.losses.flatMap((loss) =>
    (["f32", "f64"] as const).map((dtype) => ({ unit, loss, dtype, simd: dtype === "f32" }))));
const title = (b: Build) => `${b.unit.cell ?? b.unit.file} ${b.loss} ${b.dtype}${b.simd ? "" : " scalar"}`;

/** Batch 1..4, steps 1..11, lengths in [0, steps] with one full. */
const calls = fc.record({
  batch: fc.integer({ min: 1, max: capacity.batch }),
  steps: fc.integer({ min: 1, max: capacity.steps }),
  seed: fc.nat(),
})
  .chain(({ batch, steps, seed }) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: steps }), { minLength: batch, maxLength: batch }),
      fc.nat({ max: batch - 1 }),
    )
      .map(([lengths, full]) => ({ batch, steps, seed, lengths: lengths.map((n, i) => (i === full ? steps : n)) })));

describe("a checkpointed build", () => {
  for (const b of builds) {
    it(`${title(b)}: loss, outputs, states and gradients are the full-tape build's bit for bit`, () => {
      const full = load(binary(b, false));
      const checkpointed = load(binary(b, true));
      expect(checkpointed.abi.abi).toBe(3);
      const ragged = { batch: 4, steps: 11, seed: 7, lengths: [11, 0, 5, 9] };
      fc.assert(
        fc.property(calls, ({ batch, steps, seed, lengths }) => {
          const problems = differences(full, checkpointed, { batch, steps }, lengths, seed);
          expect(problems, problems.join("\n")).toEqual([]);
        }),
        { numRuns: 3, examples: [[ragged], [{ batch: 1, steps: 1, seed: 3, lengths: [1] }]] },
      );
    });
  }

  it("scalar f32 builds and a train_step agree bit for bit too", () => {
    const b: Build = { unit: units[1]!, loss: "mse", dtype: "f32", simd: false };
    expect(differences(load(binary(b, false)), load(binary(b, true)), { batch: 3, steps: 10 }, [10, 4, 7], 11))
      .toEqual([]);
    const sgd = { train: { kind: "sgd" as const, momentum: 0.5 } };
    const [full, checkpointed] = [load(binary(b, false, sgd)), load(binary(b, true, sgd))];
    randomizeModel(full, { batch: 3, steps: 9 }, prng(5), [9, 2, 6]);
    copyHostTensors(full, checkpointed, { batch: 3, steps: 9 });
    for (let i = 0; i < 3; i++) {
      const args = { learning_rate: 0.1, clip_norm: 1 };
      expect(Object.is(checkpointed.trainStep(3, 9, args), full.trainStep(3, 9, args))).toBe(true);
    }
    expect(bitDifferences(full, checkpointed, ["param", "optimizer"], { batch: 3, steps: 9 })).toEqual([]);
  });

  it("lays out at other capacities and agrees there (segments of ⌈√S⌉ steps)", () => {
    const b: Build = { unit: units[1]!, loss: "mse", dtype: "f64", simd: true };
    for (const at of [{ batch: 2, steps: 30 }, { batch: 5, steps: 3 }]) {
      const [full, checkpointed] = [load(binary(b, false), at), load(binary(b, true), at)];
      const size = { batch: at.batch, steps: at.steps };
      const lengths = Array.from({ length: at.batch }, (_, i) => (i === 0 ? at.steps : Math.max(0, at.steps - 3 * i)));
      expect(differences(full, checkpointed, size, lengths, 13)).toEqual([]);
    }
  });

  it("keeps less tape: the entries its backward loop reads hold one segment", () => {
    const b: Build = { unit: units[1]!, loss: "mse", dtype: "f32", simd: true };
    const at = { batch: 8, steps: 400 };
    const tapeBytes = (bytes: Uint8Array) => {
      const model = load(bytes, at);
      return [...placeTensors(model.abi, at)].filter(([t]) => t.role === "tape").reduce((n, [, p]) => n + p.bytes, 0);
    };
    const [full, checkpointed] = [tapeBytes(binary(b, false)), tapeBytes(binary(b, true))];
    const segments = load(binary(b, true), at).abi.tensors.filter((t) => t.role === "tape" && t.shape[0] === "segment");
    expect(segments.length).toBeGreaterThan(1);
    expect(checkpointed).toBeLessThan(full / 2);
  });

  it("is refused for an inference build", () => {
    const file = examples + "lstm.ts";
    expect(() => compileCell({ file, text: readFile(file), dims: { I: 2, H: 3 }, inference: true, checkpoint: true }))
      .toThrow(/inference build keeps no tape to checkpoint/);
  });
});
