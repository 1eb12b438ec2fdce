// The bench's targets block: its verdicts read the paired ratio (the median of the rounds'
// ratios), which a drift shared by both sides of a round does not move, and fall back to the
// ratio of the medians where a record kept no samples.

import { describe, expect, it } from "vitest";
import { measure, pairedRatio, profiles } from "../../bench/harness.js";
import { targetRows } from "../../bench/targets.js";

type Row = { shape: string; work: string; name: string; status: string; medianMs: number; samplesMs?: number[] };

const record = (name: string, work: string, samplesMs: number[]): Row => {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { shape: "b", work, name, status: "timed", medianMs: sorted[sorted.length >> 1], samplesMs };
};

describe("bench targets", () => {
  it("pairs samples round by round", () => {
    // The machine's speed halves after round 2: both sides slow down alike.
    const slow = { samplesMs: [2, 2, 4, 4, 4] };
    const fast = { samplesMs: [1, 1, 2, 2, 2] };
    expect(pairedRatio(slow, fast)).toBe(2);
    expect(pairedRatio({ samplesMs: [3, 6] }, { samplesMs: [1, 2, 4, 8] })).toBe(3);
    expect(pairedRatio({}, fast)).toBeUndefined();
  });

  it("judges a target by the paired ratio and prints the medians' beside it", () => {
    // onnxruntime-web takes 1.7x rnnc's time in rounds 0-2 and 4; a slow stretch of the machine
    // covered rounds 1-3 and ended in round 3 between rnnc's sample and onnxruntime-web's, which
    // the medians' ratio alone would count as a target met.
    const rnnc = record("rnnc", "forward", [10, 20, 20, 10, 10]);
    const onnx = record("onnxruntime-web", "forward", [17, 34, 34, 34, 17]);
    const [row] = targetRows([rnnc, onnx]);
    expect(row.slice(0, 3)).toEqual(["b", "forward", "≥ 1.8x faster than onnxruntime-web"]);
    expect(row[3]).toBe("1.70x (medians 3.40x)");
    expect(row[4]).toBe(false);
    const steady = targetRows([rnnc, record("onnxruntime-web", "forward", [19, 38, 38, 19, 19])])[0];
    expect(steady[3]).toBe("1.90x");
    expect(steady[4]).toBe(true);
  });

  it("falls back to the medians where a record has no samples", () => {
    const rnnc = { ...record("rnnc", "forward", [10]), samplesMs: undefined };
    const onnx = { ...record("onnxruntime-web", "forward", [17]), samplesMs: undefined };
    const [row] = targetRows([rnnc, onnx]);
    expect(row[3]).toBe("1.70x");
    expect(row[4]).toBe(false);
  });

  it("keeps each runner's sample i in round i, after a warm call", async () => {
    // Runners that time their own calls (as the PyTorch peer does), 1 ms and 3 ms times the machine's
    // slowness in the round: four calls a round (each runner's warm call and its sample), and a slowness
    // that jumps from round to round, so a sample paired with another round's would not give 3.
    const slowness = [1, 5, 2, 7, 3];
    let calls = 0;
    const runner = (ms: number) => ({
      sync: true,
      run: () => undefined,
      timeCalls: () => ms * slowness[Math.floor(calls++ / 4)]!,
    });
    const [a, b] = await measure(
      [{ runner: runner(1), estimateMs: 1 }, { runner: runner(3), estimateMs: 3 }],
      { ...profiles.quick, sampleMs: 1 },
    );
    expect(calls).toBe(4 * slowness.length);
    expect(a.samplesMs).toEqual(slowness);
    expect(b.samplesMs).toEqual(slowness.map((f) => 3 * f));
    expect(pairedRatio(b, a)).toBe(3);
  });
});
