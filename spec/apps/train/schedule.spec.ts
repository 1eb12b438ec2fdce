// spec/apps/train — learning-rate schedules: the rate of given updates, worked out by hand from
// the rules in schedule.ts (warm-up ramps to the base rate; step multiplies by gamma every N
// updates; cosine falls from the base rate to its minimum over its length, then stays there).

import { describe, expect, it } from "vitest";
import { learningRate, type LrSchedule } from "../../../apps/train/schedule.js";

const at = (schedule: LrSchedule | undefined, ts: readonly number[], planned = 1000) =>
  ts.map((t) => learningRate(0.1, schedule, t, planned));

describe("learningRate", () => {
  it("is the base rate without a schedule, and for a constant one after its warm-up", () => {
    expect(at(undefined, [0, 5, 999])).toEqual([0.1, 0.1, 0.1]);
    expect(at({ kind: "constant", warmup: 4 }, [0, 1, 3, 4, 100])).toEqual([0.025, 0.05, 0.1, 0.1, 0.1]);
  });

  it("steps down by gamma every N updates, counted from the end of the warm-up", () => {
    const step: LrSchedule = { kind: "step", warmup: 0, every: 10, gamma: 0.5 };
    expect(at(step, [0, 9, 10, 19, 20, 35])).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
    const warmed: LrSchedule = { ...step, warmup: 5 };
    expect(at(warmed, [0, 4, 5, 14, 15])).toEqual([0.02, 0.1, 0.1, 0.1, 0.05]);
  });

  it("follows half a cosine from the base rate to its minimum over its length, then stays at the minimum", () => {
    const cosine: LrSchedule = { kind: "cosine", warmup: 0, steps: 100, min: 0.02 };
    const [start, quarter, half, end, after] = at(cosine, [0, 25, 50, 100, 180]);
    expect(start).toBeCloseTo(0.1, 15);
    expect(quarter).toBeCloseTo(0.02 + (0.08 * (1 + Math.SQRT1_2)) / 2, 15);
    expect(half).toBeCloseTo(0.06, 15);
    expect(end).toBeCloseTo(0.02, 15);
    expect(after).toBeCloseTo(0.02, 15);
  });

  it("without a length of its own, decays over the run's planned updates after the warm-up", () => {
    const cosine: LrSchedule = { kind: "cosine", warmup: 10, min: 0 };
    const [ramp, top, half, end] = at(cosine, [4, 10, 60, 110], 110);
    expect(ramp).toBeCloseTo(0.05, 15);
    expect(top).toBeCloseTo(0.1, 15);
    expect(half).toBeCloseTo(0.05, 15);
    expect(end).toBeCloseTo(0, 15);
  });
});
