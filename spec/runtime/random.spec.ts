// spec/runtime — the one generator and the one shuffle: a saved state
// continues the stream exactly, mulberry32's published first outputs, and a
// Fisher–Yates whose permutations come out equally often.

import { describe, expect, it } from "vitest";
import { mixSeed, prng, Random, shuffle } from "../../runtime/random.js";

describe("Random", () => {
  it("is mulberry32: the first outputs of seed 0 and seed 1", () => {
    // The C original's outputs (uint32; computed with Python's unbounded integers masked to 32 bits).
    const scaled = (seed: number) => Array.from({ length: 3 }, prng(seed)).map((u) => u * 2 ** 32);
    expect(scaled(0)).toEqual([1144304738, 1416247, 958946056]);
    expect(scaled(1)).toEqual([2693262067, 11749833, 2265367787]);
  });

  it("continues the same stream from a saved state, after any number of draws", () => {
    for (const draws of [0, 1, 7, 1000]) {
      const whole = new Random(42);
      for (let i = 0; i < draws; i++) whole.next();
      const resumed = new Random(whole.state);
      expect(Array.from({ length: 20 }, resumed.next)).toEqual(Array.from({ length: 20 }, whole.next));
    }
  });

  it("keeps its state a 32-bit integer", () => {
    const r = new Random(0xffffffff);
    for (let i = 0; i < 100; i++) r.next();
    expect(Number.isInteger(r.state) && r.state >= 0 && r.state < 2 ** 32).toBe(true);
  });
});

describe("shuffle", () => {
  it("permutes in place, each of the 24 orders of 4 items about equally often", () => {
    const counts = new Map<string, number>();
    const uniform = prng(3);
    const trials = 48_000;
    for (let t = 0; t < trials; t++) {
      const key = shuffle([0, 1, 2, 3], uniform).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    // χ² with 23 degrees of freedom: 49.7 is its 0.999 quantile.
    const expected = trials / 24;
    const chi2 = [...counts.values()].reduce((s, n) => s + (n - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(49.7);
  });

  it("draws one number per position but the first", () => {
    let draws = 0;
    shuffle(
      Array.from({ length: 10 }, (_, i) => i),
      () => (draws++, 0.5),
    );
    expect(draws).toBe(9);
  });
});

describe("mixSeed", () => {
  it("gives another seed when any part or their order changes", () => {
    const base = mixSeed(1, 2, 3);
    for (const other of [mixSeed(1, 2, 4), mixSeed(2, 1, 3), mixSeed(1, 2), mixSeed(1, 2, 3, 0)])
      expect(other).not.toBe(base);
    expect(mixSeed(1, 2, 3)).toBe(base);
  });
});
