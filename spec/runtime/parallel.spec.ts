// spec/runtime — data-parallel training (runtime/parallel.ts) against the
// single instance's train_step: after several steps of SGD with momentum and
// of Adam, on shards of unequal size, the host's parameters, optimizer state,
// losses and final states are the single instance's up to the order of the
// gradient sum (bounded here: exact to f64 rounding in the f64 build, a few
// f32 ulps in the f32 one); every worker computes with the host's parameters
// byte for byte; a batch smaller than the workers, a bad shard and a module
// without apply_update. The workers run the built worker script (dist/).

import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { compileCell } from "../support/compile.js";
import type { Optimizer } from "../../compiler/lower/train.js";
import { randomizeModel } from "../../runtime/gradcheck.js";
import { instantiateModel, type RnncModel } from "../../runtime/model.js";
import { DataParallelTrainer } from "../../runtime/parallel.js";
import { prng } from "../../runtime/random.js";

const script = new URL("../../dist/runtime/rnnc-worker.js", import.meta.url);
const capacity = { batch: 7, steps: 6 };
const momentum: Optimizer = { kind: "sgd", momentum: 0.9 };
const adam: Optimizer = { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

interface Unit {
  readonly file: string;
  readonly cell?: string;
  readonly dims: Record<string, number>;
  readonly loss?: "softmax-ce";
}
const gru: Unit = { file: "examples/gru.ts", dims: { I: 3, H: 5 } };
const tagger: Unit = {
  file: "examples/tagger.ts", cell: "wordTagger", dims: { V: 11, E: 4, H: 5, C: 3 }, loss: "softmax-ce",
};

function binary(unit: Unit, train: Optimizer | undefined, dtype: "f32" | "f64"): Uint8Array {
  const text = readFileSync(unit.file, "utf8");
  const readFile = (path: string) => readFileSync(path, "utf8");
  return compileCell({ ...unit, text, dtype, capacity, train, readFile }).binary;
}

/** A model with the same random parameters, inputs, targets, lengths and initial states for every seed. */
function randomized(bytes: Uint8Array, size: { batch: number; steps: number }, lengths: number[]): RnncModel {
  const model = instantiateModel(bytes);
  randomizeModel(model, size, prng(7), lengths);
  return model;
}

const open: DataParallelTrainer[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

function trainer(model: RnncModel, workers: number): DataParallelTrainer {
  const t = new DataParallelTrainer(model, { workers, script });
  open.push(t);
  return t;
}

/** The largest |a − b| / max(1, |b|) over every param and optimizer tensor. */
function worstDifference(a: RnncModel, b: RnncModel): number {
  let worst = 0;
  for (const t of b.tensors().filter((e) => e.role === "param" || e.role === "optimizer")) {
    const [x, y] = [a.get(t.name, t.role), b.get(t.name, t.role)];
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / Math.max(1, Math.abs(y[i]!)));
  }
  return worst;
}

describe("data-parallel training", () => {
  for (const [label, unit, optimizer, dtype, bound] of [
    ["GRU, SGD with momentum, f64", gru, momentum, "f64", 1e-12],
    ["GRU, Adam, f64", gru, adam, "f64", 1e-12],
    ["GRU, SGD with momentum, f32", gru, momentum, "f32", 2e-6],
    ["GRU, Adam, f32", gru, adam, "f32", 2e-6],
    ["bidirectional tagger (ids, class targets), Adam, f32", tagger, adam, "f32", 2e-6],
  ] as const) {
    it(`${label}: 2 and 3 workers take the single instance's steps, up to the order of the gradient sum`, async () => {
      const bytes = binary(unit, optimizer, dtype);
      const size = { batch: 7, steps: 6 };
      const lengths = [6, 2, 5, 0, 6, 3, 4];
      const args = { learning_rate: 0.05, clip_norm: 2 };
      const single = randomized(bytes, size, lengths);
      const states = single.tensors().filter((t) => t.role === "state_out");
      for (const workers of [2, 3]) {
        const reference = randomized(bytes, size, lengths);
        const parallel = trainer(randomized(bytes, size, lengths), workers);
        for (let step = 0; step < 4; step++) {
          const want = reference.trainStep(size.batch, size.steps, args)!;
          // The awaited form is the same step: every other one takes it.
          const got = step % 2
            ? await parallel.trainStepAsync(size.batch, size.steps, args)
            : parallel.trainStep(size.batch, size.steps, args);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(bound * Math.max(1, Math.abs(want)));
          for (const t of states) {
            const [x, y] = [parallel.model.get(t.name, "state_out", size), reference.get(t.name, "state_out", size)];
            for (let i = 0; i < y.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(bound * 10);
          }
        }
        const worst = worstDifference(parallel.model, reference);
        expect(worst).toBeLessThanOrEqual(bound);
        // Not the same bits in f32: the bound is met by a sum in another order, not by running the same code.
        if (dtype === "f32") expect(worst).toBeGreaterThan(0);
        const params = parallel.model.saveParams();
        for (let k = 0; k < workers; k++) expect(parallel.workerParams(k)).toEqual(params);
      }
    });
  }

  it("moves the parameters as far as one instance: a lost shard or a doubled one would not pass", () => {
    const bytes = binary(gru, adam, "f64");
    const size = { batch: 7, steps: 6 };
    const lengths = [6, 2, 5, 1, 6, 3, 4];
    const before = randomized(bytes, size, lengths);
    const reference = randomized(bytes, size, lengths);
    const half = randomized(bytes, { batch: 4, steps: 6 }, lengths.slice(0, 4));
    const parallel = trainer(randomized(bytes, size, lengths), 2);
    const args = { learning_rate: 0.05, clip_norm: 0 };
    reference.trainStep(size.batch, size.steps, args);
    half.trainStep(4, size.steps, args);
    parallel.trainStep(size.batch, size.steps, args);
    // One shard's step moves the parameters measurably elsewhere than the whole batch's.
    expect(worstDifference(half, reference)).toBeGreaterThan(1e-4);
    expect(worstDifference(before, reference)).toBeGreaterThan(1e-3);
    expect(worstDifference(parallel.model, reference)).toBeLessThanOrEqual(1e-12);
  });

  it("runs a batch smaller than the workers on as many workers as it has rows", () => {
    const bytes = binary(gru, momentum, "f32");
    const size = { batch: 1, steps: 6 };
    const reference = randomized(bytes, size, [5]);
    const parallel = trainer(randomized(bytes, size, [5]), 3);
    const args = { learning_rate: 0.1, clip_norm: 0 };
    for (let step = 0; step < 2; step++) {
      expect(parallel.trainStep(1, 6, args)).toBe(reference.trainStep(1, 6, args));
    }
    // One worker held the whole batch: its sum is the single instance's, bit for bit.
    expect(parallel.model.saveParams()).toEqual(reference.saveParams());
  });

  it("names the worker and its rows when a shard is refused, and refuses a module without apply_update", () => {
    const bytes = binary(gru, adam, "f32");
    const model = randomized(bytes, { batch: 7, steps: 6 }, [6, 6, 6, 6, 6, 6, 6]);
    const parallel = trainer(model, 2);
    model.tensor("lengths", "lengths")[5] = 9;
    expect(() => parallel.trainStep(7, 6, { learning_rate: 0.1, clip_norm: 0 })).toThrow(
      new RegExp(
        "data-parallel worker 1 \\(batch rows 3–6, numbered from 0 in the message\\) failed: " +
          "RangeError: lengths\\[2\\] = 9",
      ),
    );
    const args = { learning_rate: 0.1, clip_norm: 0 };
    expect(() => parallel.trainStep(8, 6, args)).toThrow(/batch must be an integer in \[1, 7\]/);
    const plain = instantiateModel(binary(gru, undefined, "f32"));
    expect(() => new DataParallelTrainer(plain, { workers: 2, script })).toThrow(
      /needs a module with apply_update: compile it with an optimizer/,
    );
  });
});
