// spec/examples/long-range — the generators of the adding problem and copy memory: every target
// recomputed from its inputs by the task's definition, the shapes, seeds that reproduce (and
// differ), the spread of adding's sums (what its trivial baseline scores), and the command line's
// JSONL being the functions' data.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ALPHABET, BLANK, CLASSES, DELIMITER, SYMBOLS, adding, copyMemory, recalledSteps, type TaskSequence,
} from "../../../examples/long-range/tasks.js";

const script = fileURLToPath(new URL("../../../examples/long-range/tasks.js", import.meta.url));
const argmax = (v: number[]) => v.indexOf(Math.max(...v));

describe("adding", () => {
  it.each([2, 3, 10, 51, 200])("T=%i: two markers, one in each half, and y their values' sum", (steps) => {
    for (const { x, y } of adding(20, steps, steps)) {
      expect(x).toHaveLength(steps);
      for (const [value, marker] of x) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThan(1);
        expect([0, 1]).toContain(marker);
      }
      const marked = x.flatMap(([, m], t) => (m === 1 ? [t] : []));
      expect(marked).toHaveLength(2);
      const half = Math.floor(steps / 2);
      expect(marked[0]).toBeLessThan(half);
      expect(marked[1]).toBeGreaterThanOrEqual(half);
      expect(y).toEqual([x[marked[0]!]![0]! + x[marked[1]!]![0]!]);
    }
  });

  it("sums spread as those of two U(0, 1): mean 1, variance 1/6 (the trivial baseline's MSE)", () => {
    const ys = adding(20_000, 20, 1).map((s) => s.y[0]!);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const variance = ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1 / 6)).toBeLessThan(0.005);
    // Every position is marked now and then: the first marker over the first half, the second over the rest.
    const firsts = new Set(adding(2000, 20, 2).map((s) => s.x.findIndex(([, m]) => m === 1)));
    expect([...firsts].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("refuses a T below 2", () => {
    expect(() => adding(1, 1, 1)).toThrow(/at least 2/);
  });
});

describe("copy memory", () => {
  it.each([1, 10, 57, 200])("T=%i: symbols, blanks, the delimiter T steps after the last symbol, recall", (steps) => {
    const length = steps + 2 * SYMBOLS;
    for (const { x, y } of copyMemory(15, steps, steps)) {
      expect(x).toHaveLength(length);
      expect(y).toHaveLength(length);
      for (const v of x) {
        expect(v).toHaveLength(CLASSES);
        expect(v.filter((e) => e === 1)).toHaveLength(1);
        expect(v.filter((e) => e === 0)).toHaveLength(CLASSES - 1);
      }
      const input = x.map(argmax);
      const symbols = input.slice(0, SYMBOLS);
      for (const s of symbols) {
        expect(s).toBeGreaterThanOrEqual(1);
        expect(s).toBeLessThanOrEqual(ALPHABET);
      }
      const delimiter = SYMBOLS - 1 + steps;
      expect(input.map((c, t) => (t < SYMBOLS ? BLANK : c))).toEqual(
        Array.from({ length }, (_, t) => (t === delimiter ? DELIMITER : BLANK)),
      );
      const { from, to } = recalledSteps(length);
      expect([from, to]).toEqual([delimiter + 1, length]);
      expect(y.slice(from, to)).toEqual(symbols);
      expect(y.slice(0, from).every((c) => c === BLANK)).toBe(true);
    }
  });

  it("draws every symbol of the alphabet, about equally often", () => {
    const counts = new Array<number>(CLASSES).fill(0);
    for (const { y } of copyMemory(2000, 5, 3)) for (const c of y.slice(-SYMBOLS)) counts[c]!++;
    const expected = (2000 * SYMBOLS) / ALPHABET;
    expect(counts[BLANK]).toBe(0);
    expect(counts[DELIMITER]).toBe(0);
    for (let c = 1; c <= ALPHABET; c++) expect(Math.abs(counts[c]! - expected) / expected).toBeLessThan(0.1);
  });
});

describe("seeds and the command line", () => {
  const same = (a: TaskSequence[], b: TaskSequence[]) => JSON.stringify(a) === JSON.stringify(b);

  it("the same seed gives the same sequences, another seed others", () => {
    expect(same(adding(20, 30, 5), adding(20, 30, 5))).toBe(true);
    expect(same(adding(20, 30, 5), adding(20, 30, 6))).toBe(false);
    expect(same(copyMemory(20, 30, 5), copyMemory(20, 30, 5))).toBe(true);
    expect(same(copyMemory(20, 30, 5), copyMemory(20, 30, 6))).toBe(false);
    // A longer draw starts with the shorter one: a count only adds sequences.
    expect(same(adding(40, 30, 5).slice(0, 20), adding(20, 30, 5))).toBe(true);
  });

  it("writes JSONL of train and dev from seeds 2·seed and 2·seed + 1", () => {
    const out = mkdtempSync(join(tmpdir(), "rnnc-long-range-"));
    try {
      const flags = ["--out", out, "--steps", "12", "--seed", "3", "--train", "4", "--dev", "2"];
      execFileSync(process.execPath, [script, ...flags], { stdio: "pipe" });
      const read = (name: string) =>
        readFileSync(join(out, name), "utf8").trim().split("\n").map((l) => JSON.parse(l) as TaskSequence);
      expect(read("adding-12-train.jsonl")).toEqual(adding(4, 12, 6));
      expect(read("adding-12-dev.jsonl")).toEqual(adding(2, 12, 7));
      expect(read("copy-12-train.jsonl")).toEqual(copyMemory(4, 12, 6));
      expect(read("copy-12-dev.jsonl")).toEqual(copyMemory(2, 12, 7));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
