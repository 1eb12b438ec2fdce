// spec/apps/train/tagger — token accuracy and conlleval's chunk scores, against cases
// computed by hand (conlleval's rules: an I- after O or another type starts a
// chunk; a chunk counts only with the same type, start and end).

import { describe, expect, it } from "vitest";
import {
  chunkScores,
  chunksOf,
  evaluateTags,
  formatMetrics,
  metricsJson,
} from "../../../../apps/train/tagger/metrics.js";

const s = (text: string) => text.split(" ");

describe("chunksOf", () => {
  it.each([
    [
      "B-PER I-PER O B-LOC",
      [
        ["PER", 0, 2],
        ["LOC", 3, 4],
      ],
    ],
    ["O I-LOC I-LOC O", [["LOC", 1, 3]]], // I- without B- starts a chunk
    [
      "I-LOC B-LOC",
      [
        ["LOC", 0, 1],
        ["LOC", 1, 2],
      ],
    ],
    [
      "B-LOC B-LOC",
      [
        ["LOC", 0, 1],
        ["LOC", 1, 2],
      ],
    ],
    [
      "B-LOC I-PER",
      [
        ["LOC", 0, 1],
        ["PER", 1, 2],
      ],
    ], // a change of type ends one and starts another
    ["B-LOC I-LOC", [["LOC", 0, 2]]],
    ["O O", []],
    [
      "S-LOC B-PER E-PER",
      [
        ["LOC", 0, 1],
        ["PER", 1, 3],
      ],
    ], // BIOES, as conlleval reads it
    ["NN VB", []], // not chunk tags
  ] as const)("%s", (tags, expected) => {
    expect(chunksOf(s(tags)).map((c) => [c.type, c.start, c.end])).toEqual(expected);
  });
});

describe("chunkScores", () => {
  // Gold chunks: PER 1, LOC 3, ORG 1. Found: PER 2, LOC 4. Correct: PER 1, LOC 2.
  const gold = [s("B-PER I-PER O B-LOC O"), s("O B-LOC I-LOC O"), s("B-ORG O"), s("B-LOC I-LOC")];
  const predicted = [s("B-PER I-PER O B-LOC O"), s("O I-LOC I-LOC O"), s("B-PER O"), s("B-LOC B-LOC")];
  const scores = chunkScores(gold, predicted);

  it("overall: precision 3/6, recall 3/5, F1 6/11", () => {
    expect(scores.overall).toEqual({
      precision: 0.5,
      recall: 0.6,
      f1: expect.closeTo(6 / 11, 12),
      gold: 5,
      predicted: 6,
      correct: 3,
    });
  });

  it("per type", () => {
    expect(scores.byType.get("PER")).toMatchObject({ precision: 0.5, recall: 1, gold: 1, predicted: 2, correct: 1 });
    expect(scores.byType.get("PER")!.f1).toBeCloseTo(2 / 3, 12);
    expect(scores.byType.get("LOC")).toMatchObject({
      precision: 0.5,
      recall: 2 / 3,
      gold: 3,
      predicted: 4,
      correct: 2,
    });
    expect(scores.byType.get("LOC")!.f1).toBeCloseTo(4 / 7, 12);
    expect(scores.byType.get("ORG")).toEqual({ precision: 0, recall: 0, f1: 0, gold: 1, predicted: 0, correct: 0 });
    expect([...scores.byType.keys()]).toEqual(["LOC", "ORG", "PER"]);
  });

  it("reports chunk types named like Object.prototype keys", () => {
    const tags = [["B-__proto__", "I-__proto__", "O", "B-constructor"]];
    const scores = chunkScores(tags, tags);
    expect([...scores.byType.keys()].sort()).toEqual(["__proto__", "constructor"]);
    expect(scores.byType.get("__proto__")).toMatchObject({ gold: 1, predicted: 1, correct: 1, f1: 1 });
    const metrics = { tokens: 4, accuracy: 1, oovTokens: 0, oovAccuracy: Number.NaN, chunks: scores };
    const json = metricsJson(metrics) as { oovAccuracy: null; chunks: { byType: Record<string, { gold: number }> } };
    expect(Object.hasOwn(json.chunks.byType, "__proto__") && json.chunks.byType["__proto__"]!.gold).toBe(1);
    expect(json.oovAccuracy).toBeNull();
  });

  it("a chunk does not run across sentences", () => {
    expect(chunkScores([s("B-LOC"), s("I-LOC")], [s("B-LOC"), s("I-LOC")]).overall).toMatchObject({
      gold: 2,
      correct: 2,
      f1: 1,
    });
  });

  it("a boundary error is wrong twice: a missed chunk and a spurious one", () => {
    expect(chunkScores([s("B-LOC I-LOC")], [s("B-LOC O")]).overall).toMatchObject({
      precision: 0,
      recall: 0,
      f1: 0,
      gold: 1,
      predicted: 1,
    });
  });
});

describe("evaluateTags", () => {
  it("token accuracy overall and on OOV tokens, with chunks for BIO tags", () => {
    const gold = [s("B-PER I-PER O"), s("O B-LOC")];
    const predicted = [s("B-PER O O"), s("O B-LOC")];
    const oov = [
      [false, true, false],
      [false, true],
    ];
    const m = evaluateTags(gold, predicted, oov);
    expect(m).toMatchObject({ tokens: 5, accuracy: 4 / 5, oovTokens: 2, oovAccuracy: 1 / 2 });
    expect(m.chunks!.overall).toMatchObject({ gold: 2, predicted: 2, correct: 1 });
    expect(formatMetrics(m)).toMatch(/accuracy  80\.00%; out-of-vocabulary 2 tokens, accuracy  50\.00%/);
  });

  it("no chunk scores for tags that are not BIO, and NaN OOV accuracy without OOV tokens", () => {
    const m = evaluateTags([s("NN VB")], [s("NN NN")], [[false, false]]);
    expect(m.chunks).toBeUndefined();
    expect(m.accuracy).toBe(0.5);
    expect(m.oovAccuracy).toBeNaN();
  });
});
