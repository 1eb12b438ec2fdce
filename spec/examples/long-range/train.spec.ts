// spec/examples/long-range — the runner's scoring and one bounded training. Scores read off a
// module's outputs: a stand-in module that answers each target exactly scores MSE 0 and every
// recalled symbol, one that answers the mean scores the baseline. An LSTM trained for at most
// 400 updates solves the adding problem at T=10 (test MSE below a tenth of the mean's), having
// started far above it.

import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { RnncModel } from "../../../runtime/index.js";
import { ALPHABET, CLASSES, adding, copyMemory, recalledSteps } from "../../../examples/long-range/tasks.js";
import { baseline, cellChoice, evaluate, trainOnTask, type Task } from "../../../examples/long-range/train.js";

/**
 * A module with the runner's tensors whose forward outputs `answer(target)` at every step: a
 * number (adding's last step) or a class, as a one-hot score row (copy).
 */
function standIn(task: Task, steps: number, batch: number, answer: (target: number) => number): RnncModel {
  const width = task === "adding" ? 1 : CLASSES;
  let [targets, out] = [new Float64Array(0), new Float64Array(0)];
  const model = {
    capacity: { batch, steps },
    set(name: string, role: string, data: ArrayLike<number>) {
      if (role === "target") targets = Float64Array.from(data);
    },
    forward(b: number, s: number) {
      out = new Float64Array(s * b * width);
      if (task === "adding") targets.forEach((t, j) => (out[(s - 1) * b + j] = answer(t)));
      else targets.forEach((t, i) => (out[i * CLASSES + answer(t)] = 1));
      return 0;
    },
    view: () => out,
  };
  return model as unknown as RnncModel;
}

describe("scores", () => {
  it("adding: exact answers score 0, the training mean scores the baseline, about 1/6", () => {
    const [test, train] = [adding(100, 12, 1), adding(100, 12, 2)];
    expect(evaluate(standIn("adding", 12, 32, (t) => t), "adding", test)).toBe(0);
    const mean = train.reduce((s, q) => s + q.y[0]!, 0) / train.length;
    const reference = baseline("adding", test, train);
    expect(evaluate(standIn("adding", 12, 32, () => mean), "adding", test)).toBeCloseTo(reference, 12);
    expect(Math.abs(reference - 1 / 6)).toBeLessThan(0.05);
  });

  it("copy: exact answers get every recalled symbol, blanks none; only the recalled steps count", () => {
    const test = copyMemory(70, 9, 1);
    const length = test[0]!.x.length;
    expect(evaluate(standIn("copy", length, 32, (t) => t), "copy", test)).toBe(1);
    expect(evaluate(standIn("copy", length, 32, () => 0), "copy", test)).toBe(0);
    // Symbol 1 wherever the target is a symbol: right for about 1/ALPHABET of the recalled steps.
    const ones = test.flatMap((s) => s.y.slice(recalledSteps(length).from)).filter((c) => c === 1).length;
    const score = evaluate(standIn("copy", length, 32, (t) => (t === 0 ? 0 : 1)), "copy", test);
    expect(score).toBe(ones / (70 * (length - recalledSteps(length).from)));
    expect(Math.abs(score - 1 / ALPHABET)).toBeLessThan(0.05);
  });
});

describe("training", () => {
  it("an LSTM solves adding at T=10 within 400 updates; at initialisation it did not", () => {
    const lstm = cellChoice(fileURLToPath(new URL("../../../examples/lstm.ts", import.meta.url)), undefined, ["bf"]);
    const budget = { updates: 400, batch: 32, hidden: 32, lr: 0.01, clip: 1, evalEvery: 25, testSize: 256, seed: 1 };
    const run = trainOnTask(lstm, "adding", 10, budget);
    expect(Math.abs(run.baseline - 1 / 6)).toBeLessThan(0.03);
    expect(run.target).toBeCloseTo(run.baseline / 10, 12);
    expect(run.curve[0]!.updates).toBe(0);
    expect(run.curve[0]!.score).toBeGreaterThan(run.baseline / 2);
    expect(run.solved).toBe(true);
    expect(run.score).toBeLessThan(run.baseline / 10);
    expect(run.updates).toBeLessThanOrEqual(400);
    expect(run.curve.at(-1)).toEqual({ updates: run.updates, score: run.score });
  });
});
