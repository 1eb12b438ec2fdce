// spec/apps/train — checkpoints of earlier versions: a version-2 checkpoint
// written by the rnnc before version 3 (spec/fixtures/checkpoint-v2, with the
// script that made it) resumes to exactly the parameters and log that rnnc's
// uninterrupted run ended with, its shuffle position upgraded from a draw
// count to the generator's state; eval reads it; an unknown version is refused.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCheckpoint, type Checkpoint } from "../../../apps/train/index.js";
import { runFolderIo } from "../../../compiler/cli/folder.js";
import { processIo } from "../../../compiler/cli/io.js";
import { Random } from "../../../runtime/random.js";
import { rnnc, stackFrame } from "../../support/cli.js";

const fixture = fileURLToPath(new URL("../../fixtures/checkpoint-v2/", import.meta.url));
const at = (name: string) => join(fixture, name);
const flags = [
  "--dims",
  "E=4,H=6",
  "--train",
  at("train.jsonl"),
  "--dev",
  at("dev.jsonl"),
  "--batch",
  "8",
  "--patience",
  "0",
];
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "rnnc-checkpoint-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const copyRun = (name: string) => {
  cpSync(at("run"), join(tmp, name), { recursive: true });
  return join(tmp, name);
};

describe("a version-2 checkpoint", () => {
  it("is upgraded when read: the draw count becomes the shuffle generator's state", () => {
    const written = JSON.parse(readFileSync(at("run/checkpoint.json"), "utf8")) as { position: { epochDraws: number } };
    const c = readCheckpoint(at("run"), runFolderIo(processIo));
    const replayed = new Random((1 ^ 0x9e3779b9) >>> 0);
    for (let i = 0; i < written.position.epochDraws; i++) replayed.next();
    expect(written.position.epochDraws).toBeGreaterThan(0);
    expect(c).toMatchObject({
      version: 3,
      task: "tagger",
      loss: "softmax-ce",
      position: { epoch: 1, batch: 0, count: 0 },
    });
    expect(c.position.random).toBe(replayed.state);
  });

  it("resumes to the parameters and log of the uninterrupted run of the rnnc that wrote it", () => {
    const dir = copyRun("resumed");
    const run = rnnc("train", at("model.ts"), ...flags, "--out", dir, "--resume", "--epochs", "2");
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/resuming .*: 1 epoch done/);
    const c = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")) as Checkpoint;
    expect(c.version).toBe(3);
    expect(readFileSync(join(dir, c.files.params)).equals(readFileSync(at("expected-params-2.bin")))).toBe(true);
    const expected = JSON.parse(readFileSync(at("expected-log-2.json"), "utf8")) as { loss: number }[];
    expect(c.log.map((r) => r.loss)).toEqual(expected.map((r) => r.loss));
  });

  it("is scored by eval", () => {
    const run = rnnc("eval", at("model.ts"), "--checkpoint", at("run"), at("dev.jsonl"), "--json");
    expect(run.code, run.err).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ model: "smallTagger", params: "best", epoch: 1 });
  });
});

describe("a checkpoint of an unknown version", () => {
  it("is refused, naming the versions this rnnc reads", () => {
    const dir = copyRun("future");
    const file = join(dir, "checkpoint.json");
    writeFileSync(file, readFileSync(file, "utf8").replace('"version": 2', '"version": 9'));
    const run = rnnc("eval", at("model.ts"), "--checkpoint", dir, at("dev.jsonl"));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/has checkpoint version 9; this rnnc reads versions 1, 2 and 3/);
    expect(run.err).not.toMatch(stackFrame);
  });
});
