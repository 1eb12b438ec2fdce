// spec/apps/train/tagger — train, predict and eval end to end, in-process: the loss falls, checkpoints and
// log are written, same seed → bit-identical parameters, a resumed run (from an epoch's end or
// within one) ends bit-identical to an uninterrupted one, and foreign checkpoints are refused.

import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fingerprint,
  readCheckpoint,
  silentProgress,
  trainTagger,
  type Checkpoint,
  type TrainSettings,
} from "../../../../apps/train/index.js";
import { runFolderIo } from "../../../../compiler/cli/folder.js";
import { processIo } from "../../../../compiler/cli/io.js";
import { modelSource, readData } from "../../../../compiler/cli/train.js";
import { generateSplits, toJsonl } from "../../../../examples/slots/generate.js";
import { rnnc } from "../../../support/cli.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const models = join(root, "examples/slots/models.ts");

let tmp: string;
const path = (name: string) => join(tmp, name);
const common = () => [
  "--cell",
  "slotTagger",
  "--dims",
  "E=8,H=8",
  "--train",
  path("train.jsonl"),
  "--dev",
  path("dev.jsonl"),
  "--batch",
  "8",
  "--patience",
  "0",
];
const train = (out: string, ...more: string[]) => rnnc("train", models, ...common(), "--out", path(out), ...more);
const checkpointOf = (out: string): Checkpoint =>
  JSON.parse(readFileSync(join(path(out), "checkpoint.json"), "utf8")) as Checkpoint;
const paramsOf = (out: string) => readFileSync(join(path(out), checkpointOf(out).files.params));
const optimizerOf = (out: string) => readFileSync(join(path(out), checkpointOf(out).files.optimizer));

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "rnnc-train-"));
  const splits = generateSplits({ seed: 5, train: 120, dev: 30, test: 40 });
  for (const [name, sentences] of Object.entries(splits)) writeFileSync(path(`${name}.jsonl`), toJsonl(sentences));
  const run = train("a", "--epochs", "3", "--json");
  if (run.code !== 0) throw new Error(`training failed: ${run.err}`);
  writeFileSync(path("a.json"), run.out);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("rnnc train", () => {
  it("lowers the loss and writes a checkpoint, its binaries and the log", () => {
    const summary = JSON.parse(readFileSync(path("a.json"), "utf8")) as {
      stopped: string;
      epochs: number;
      log: { loss: number }[];
    };
    expect(summary).toMatchObject({ stopped: "epochs", epochs: 3 });
    const losses = summary.log.map((r) => r.loss);
    expect(losses[1]).toBeLessThan(losses[0]!);
    expect(losses[2]).toBeLessThan(losses[1]!);
    expect(losses[2]).toBeLessThan(losses[0]! * 0.6);
    const c = checkpointOf("a");
    expect(c).toMatchObject({
      format: "rnnc-checkpoint",
      version: 3,
      task: "tagger",
      loss: "softmax-ce",
      model: { name: "slotTagger" },
      position: { epoch: 3, batch: 0 },
    });
    expect(c.model.dims).toMatchObject({ E: 8, H: 8, V: c.vocab!.words.length, C: c.vocab!.tags.length });
    expect(JSON.parse(readFileSync(join(path("a"), "log.json"), "utf8"))).toEqual(c.log);
    const files = readdirSync(path("a")).sort();
    expect(files).toEqual(
      ["checkpoint.json", "log.json", ...Object.values(c.files).filter((f): f is string => f !== null)].sort(),
    );
  });

  it("gives bit-identical parameters for the same seed and data, others for another seed", () => {
    expect(train("same", "--epochs", "3").code).toBe(0);
    expect(paramsOf("same").equals(paramsOf("a"))).toBe(true);
    expect(optimizerOf("same").equals(optimizerOf("a"))).toBe(true);
    expect(train("other", "--epochs", "1", "--seed", "2").code).toBe(0);
    expect(train("one", "--epochs", "1").code).toBe(0);
    expect(paramsOf("other").equals(paramsOf("one"))).toBe(false);
  });

  it("resumed after 2 of 3 epochs, ends bit-identical to the uninterrupted run", () => {
    expect(train("resumed", "--epochs", "2").code).toBe(0);
    const run = train("resumed", "--epochs", "3", "--resume");
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/resuming .*: 2 epochs done/);
    expect(paramsOf("resumed").equals(paramsOf("a"))).toBe(true);
    expect(optimizerOf("resumed").equals(optimizerOf("a"))).toBe(true);
    expect(checkpointOf("resumed").log.map((r) => r.loss)).toEqual(checkpointOf("a").log.map((r) => r.loss));
  });

  it("resumed from within an epoch (killed after 20 batches), ends bit-identical too", () => {
    const io = runFolderIo(processIo);
    const c = checkpointOf("a");
    const result = trainTagger({
      source: modelSource(models, "slotTagger", processIo),
      userDims: { E: 8, H: 8 },
      train: readData(path("train.jsonl"), processIo, true),
      dev: readData(path("dev.jsonl"), processIo, true),
      out: path("killed"),
      io,
      settings: c.settings as TrainSettings,
      given: new Set(),
      resume: false,
      saveEverySeconds: 0,
      progress: silentProgress,
      interruptAfter: 20,
    });
    expect(result.stopped).toBe("interrupted");
    expect(readCheckpoint(path("killed"), io).position).toMatchObject({ epoch: 1, batch: 5 }); // 15 batches an epoch
    const run = train("killed", "--epochs", "3", "--resume");
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/5 batches into epoch 2/);
    expect(paramsOf("killed").equals(paramsOf("a"))).toBe(true);
  });

  it("refuses to resume another model's checkpoint, or other dims, data or settings", () => {
    const cases: [string[], RegExp][] = [
      [["--cell", "tokenTagger"], /belongs to another model: model 'slotTagger', not 'tokenTagger'/],
      [["--dims", "E=8,H=9"], /belongs to another model: dims .*H=8.*, not .*H=9/],
      [["--train", path("dev.jsonl")], /is not the training data of the checkpoint/],
      [["--lr", "0.5"], /--lr 0.5 differs from the checkpoint's 0.01/],
    ];
    for (const [flags, message] of cases) {
      const argv = [...common(), "--out", path("a"), "--resume", "--epochs", "4", ...flags];
      const run = rnnc("train", models, ...argv);
      expect(run.code, run.err).toBe(1);
      expect(run.err).toMatch(message);
      expect(run.err).not.toMatch(/^\s+at /m);
    }
    expect(checkpointOf("a").position.epoch).toBe(3);
  });

  it("refuses truncated BPTT and a loss other than softmax-ce for a tagger", () => {
    expect(train("tbptt", "--tbptt", "5")).toMatchObject({
      code: 1,
      err: expect.stringMatching(/--tbptt trains vector sequences/),
    });
    expect(train("mse", "--loss", "mse")).toMatchObject({
      code: 1,
      err: expect.stringMatching(/scores its tags with softmax-ce/),
    });
  });

  it("refuses to overwrite a checkpoint without --resume", () => {
    const run = train("a", "--epochs", "1");
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/already holds a checkpoint; continue it with --resume/);
  });

  it("the fingerprint changes with the model's text, name or any dimension", () => {
    const base = fingerprint("text", "m", { E: 8, V: 3 });
    expect(fingerprint("text", "m", { V: 3, E: 8 })).toBe(base);
    for (const other of [
      fingerprint("text ", "m", { E: 8, V: 3 }),
      fingerprint("text", "n", { E: 8, V: 3 }),
      fingerprint("text", "m", { E: 8, V: 4 }),
    ])
      expect(other).not.toBe(base);
  });

  it("reports malformed data with file and line, exit 1", () => {
    writeFileSync(path("bad.jsonl"), '{"tokens": ["a"], "tags": ["O"]}\n\n{"tokens": ["a", "b"], "tags": ["O"]}\n');
    const run = rnnc("train", models, ...common(), "--train", path("bad.jsonl"), "--out", path("bad"));
    expect(run.code).toBe(1);
    expect(run.err).toContain(`${path("bad.jsonl")}:3: 2 tokens but 1 tags`);
    expect(existsSync(path("bad"))).toBe(false);
  });
});

describe("rnnc eval and predict", () => {
  it("eval scores the best epoch on held-out data", () => {
    const run = rnnc("eval", models, "--checkpoint", path("a"), path("test.jsonl"), "--json");
    expect(run.code, run.err).toBe(0);
    const report = JSON.parse(run.out) as {
      params: string;
      epoch: number;
      tokens: number;
      accuracy: number;
      chunks: { overall: { f1: number } };
    };
    expect(report).toMatchObject({ params: "best", epoch: checkpointOf("a").best!.epoch });
    expect(report.accuracy).toBeGreaterThan(0.5);
    expect(report.chunks.overall.f1).toBeGreaterThanOrEqual(0);
    expect(rnnc("eval", models, "--checkpoint", path("a"), path("test.jsonl")).out).toMatch(
      /chunks \(overall\)\s+precision/,
    );
  });

  it("eval --quantize int8 scores an int8 build of the same checkpoint, within a few tokens of f32", () => {
    const score = (...extra: string[]) => {
      const run = rnnc("eval", models, "--checkpoint", path("a"), path("test.jsonl"), "--json", ...extra);
      expect(run.code, run.err).toBe(0);
      return JSON.parse(run.out) as { tokens: number; accuracy: number };
    };
    const [f32, int8] = [score(), score("--quantize", "int8")];
    expect(int8.tokens).toBe(f32.tokens);
    expect(Math.abs(int8.accuracy - f32.accuracy)).toBeLessThanOrEqual(3 / f32.tokens + 0.01);
    expect(rnnc("eval", models, "--checkpoint", path("a"), path("test.jsonl"), "--quantize", "int4").code).toBe(2);
  });

  it("predict tags a text file, one sentence a line, and JSONL with --json", () => {
    writeFileSync(path("q.txt"), "i want to leave boston on monday\n\nflights from denver to zurich\n");
    const run = rnnc("predict", models, "--checkpoint", path("a"), path("q.txt"));
    expect(run.code, run.err).toBe(0);
    const lines = run.out.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^i\/\S+ want\/\S+ to\/\S+ leave\/\S+ boston\/\S+ on\/\S+ monday\/\S+$/);
    const json = rnnc("predict", models, "--checkpoint", path("a"), path("q.txt"), "--json");
    const first = JSON.parse(json.out.split("\n")[0]!) as { tokens: string[]; tags: string[] };
    expect(first.tags).toHaveLength(first.tokens.length);
    expect(first.tags.join(" ")).toBe(
      lines[0]!
        .split(" ")
        .map((p) => p.split("/")[1])
        .join(" "),
    );
  });

  it("refuses a checkpoint of another model", () => {
    const run = rnnc("predict", models, "--cell", "tokenTagger", "--checkpoint", path("a"), path("test.jsonl"));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/belongs to another model/);
  });

  it("refuses a best-*.bin of another run, a zeroed one, and checkpoint.json fields of the wrong type", () => {
    const copy = (name: string) => {
      rmSync(path(name), { recursive: true, force: true });
      cpSync(path("a"), path(name), { recursive: true });
      return path(name);
    };
    const evaluate = (dir: string) =>
      rnnc("eval", models, "--cell", "slotTagger", "--checkpoint", dir, path("test.jsonl"));
    expect(evaluate(copy("intact")).code).toBe(0);

    const foreign = copy("foreign");
    const best = checkpointOf("a").files.best!;
    cpSync(
      join(path("other"), checkpointOf("other").files.best ?? checkpointOf("other").files.params),
      join(foreign, best),
    );
    expect(evaluate(foreign)).toMatchObject({
      code: 1,
      err: expect.stringMatching(/is not the file this checkpoint wrote \(its SHA-256 differs\)/),
    });

    const zeroed = copy("zeroed");
    const bytes = readFileSync(join(zeroed, best));
    writeFileSync(join(zeroed, best), new Uint8Array(bytes.length));
    expect(evaluate(zeroed)).toMatchObject({ code: 1, err: expect.stringMatching(/SHA-256 differs/) });

    const edits: [(c: Record<string, unknown>) => void, RegExp][] = [
      [(c) => (c.files = true), /checkpoint\.json is damaged: files: expected an object, got true/],
      [(c) => ((c.files as Record<string, unknown>).best = []), /files\.best: expected a string or null, got \[\]/],
      [(c) => (c.settings = null), /settings: expected an object, got null/],
      [(c) => ((c.position as Record<string, unknown>).epoch = "3"), /position\.epoch: expected an integer, got "3"/],
      [(c) => delete c.vocab, /missing vocab/],
      [(c) => (c.sha256 = {}), /sha256 has no hash of params-/],
    ];
    for (const [edit, message] of edits) {
      const dir = copy("edited");
      const json = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")) as Record<string, unknown>;
      edit(json);
      writeFileSync(join(dir, "checkpoint.json"), JSON.stringify(json));
      const run = evaluate(dir);
      expect(run, String(message)).toMatchObject({ code: 1, err: expect.stringMatching(message) });
      expect(run.err).not.toMatch(/internal error|TypeError/);
    }
  });

  it("each command has --help, and a missing --checkpoint is a bad invocation", () => {
    for (const command of ["train", "predict", "eval"])
      expect(rnnc(command, "--help")).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: rnnc /) });
    expect(rnnc("eval", models, path("test.jsonl")).code).toBe(2);
    expect(rnnc("train", models).code).toBe(2);
  });

  it("train names an --out it cannot use, before it trains, without a stack trace", () => {
    writeFileSync(path("plain-file"), "x");
    const cases: [string, RegExp][] = [
      [path("plain-file"), /cannot use .*plain-file as the run's folder: .*plain-file is a file, not a folder/],
      [
        join(path("plain-file"), "below"),
        /cannot use .*plain-file\/below as the run's folder: .*plain-file is a file, not a folder/,
      ],
      ["/proc/self/rnnc-run", /cannot create the run's folder \/proc\/self\/rnnc-run: /],
    ];
    for (const [out, message] of cases) {
      const run = rnnc("train", models, ...common(), "--out", out, "--epochs", "1");
      expect(run, out).toMatchObject({ code: 1 });
      expect(run.err).toMatch(message);
      expect(run.err).not.toMatch(/internal error|    at /);
    }
  });
});
