// spec/apps/train — an epoch's minibatches for any task: bucketed by length,
// every example once, reproducible from the seed, and continued exactly from
// the generator's saved state.

import { describe, expect, it } from "vitest";
import { bucketed, chunks, epochBatches } from "../../../apps/train/batches.js";
import { Random, shuffle } from "../../../runtime/random.js";

describe("bucketing", () => {
  const lengths = Array.from({ length: 200 }, (_, i) => 1 + ((i * 37) % 50));
  const plan = (window: number, seed = 4) => {
    return epochBatches(lengths.length, (i) => lengths[i]!, 8, window, new Random(seed));
  };
  const padded = (batches: number[][]) =>
    batches.reduce((n, b) => n + b.length * Math.max(...b.map((i) => lengths[i]!)), 0);

  it("keeps every example exactly once, in batches of at most the batch size", () => {
    const batches = plan(5);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    expect(batches.every((b) => b.length >= 1 && b.length <= 8)).toBe(true);
  });

  it("pads far fewer steps than batches as shuffled, and is reproducible from the seed", () => {
    expect(padded(plan(5))).toBeLessThan(0.75 * padded(plan(1)));
    expect(plan(5)).toEqual(plan(5));
    expect(plan(5, 5)).not.toEqual(plan(5));
  });

  it("with a window of one batch is plain chunks of the shuffle", () => {
    const order = shuffle(
      lengths.map((_, i) => i),
      new Random(4).next,
    );
    expect(plan(1)).toEqual(chunks(order, 8));
    const random = new Random(4);
    expect(
      bucketed(
        shuffle(
          lengths.map((_, i) => i),
          random.next,
        ),
        (i) => lengths[i]!,
        8,
        1,
        random,
      ),
    ).toEqual(plan(1));
  });
});

describe("epochs", () => {
  it("are permutations, the same for the same seed, another for another seed", () => {
    const a = epochBatches(50, () => 1, 50, 1, new Random(7))[0]!;
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochBatches(50, () => 1, 50, 1, new Random(7))[0]).toEqual(a);
    expect(epochBatches(50, () => 1, 50, 1, new Random(8))[0]).not.toEqual(a);
  });

  it("continue from the generator's saved state: the next epoch is the same as in an unbroken run", () => {
    const lengthOf = (i: number) => 1 + (i % 7);
    const whole = new Random(3);
    const first = epochBatches(40, lengthOf, 4, 3, whole);
    const second = epochBatches(40, lengthOf, 4, 3, whole);
    const saved = new Random(3);
    epochBatches(40, lengthOf, 4, 3, saved);
    expect(epochBatches(40, lengthOf, 4, 3, new Random(saved.state))).toEqual(second);
    expect(first).not.toEqual(second);
  });

  it("are cut into batches of at most the batch size", () => {
    expect(chunks([4, 2, 0, 1, 3], 2)).toEqual([[4, 2], [0, 1], [3]]);
  });
});
