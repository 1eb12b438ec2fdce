// spec/apps/train/tagger — why recurrence matters, as an oracle: on the generated flight queries a
// left-to-right LSTM tells origin from destination (the earlier verb decides); a per-token
// model, seeing one word at a time, cannot.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateQueries, generateSplits, toJsonl } from "../../../../examples/slots/generate.js";
import { rnnc } from "../../../support/cli.js";

const models = fileURLToPath(new URL("../../../../examples/slots/models.ts", import.meta.url));
let tmp: string;

interface Report {
  chunks: { overall: { f1: number }; byType: Record<string, { f1: number }> };
}

function trainAndScore(cell: string): Report {
  const out = join(tmp, cell);
  const data = ["--train", join(tmp, "train.jsonl"), "--dev", join(tmp, "dev.jsonl")];
  const flags = [
    "--cell",
    cell,
    "--dims",
    "E=16,H=16",
    ...data,
    "--out",
    out,
    "--epochs",
    "6",
    "--batch",
    "8",
    "--patience",
    "0",
  ];
  const trained = rnnc("train", models, ...flags);
  expect(trained.code, trained.err).toBe(0);
  const scored = rnnc("eval", models, "--checkpoint", out, join(tmp, "test.jsonl"), "--json");
  expect(scored.code, scored.err).toBe(0);
  return JSON.parse(scored.out) as Report;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "rnnc-slots-"));
  const splits = generateSplits({ seed: 3, train: 600, dev: 100, test: 300 });
  for (const [name, sentences] of Object.entries(splits)) writeFileSync(join(tmp, `${name}.jsonl`), toJsonl(sentences));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("slot filling: recurrent against per-token", () => {
  it("the generator is deterministic and holds the minimal pairs", () => {
    expect(generateQueries(50, 9)).toEqual(generateQueries(50, 9));
    const queries = generateQueries(2000, 1);
    const tagsAfter = (word: string) =>
      queries.flatMap((s) =>
        s.tokens.flatMap((t, i) => (t === word && i + 1 < s.tokens.length ? [s.tags[i + 1]] : [])),
      );
    expect(new Set(tagsAfter("leaving"))).toEqual(new Set(["B-fromloc"]));
    expect(new Set(tagsAfter("reach"))).toEqual(new Set(["B-toloc"]));
  });

  it("the LSTM separates fromloc from toloc; the per-token model cannot", () => {
    const recurrent = trainAndScore("slotTagger");
    const perToken = trainAndScore("tokenTagger");
    for (const type of ["fromloc", "toloc"]) {
      expect(recurrent.chunks.byType[type]!.f1).toBeGreaterThan(0.95);
      expect(perToken.chunks.byType[type]!.f1).toBeLessThan(0.75);
    }
    expect(recurrent.chunks.overall.f1).toBeGreaterThan(0.95);
    expect(perToken.chunks.overall.f1).toBeLessThan(0.75);
  });
});
