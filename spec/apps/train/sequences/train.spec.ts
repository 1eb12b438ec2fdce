// spec/apps/train/sequences — rnnc train on vector sequences, end to end in-process: a
// regression with a target per step learns below a stated bound, a classification at the last
// step learns above one, a resumed run (with a cosine schedule, warm-up and weight decay, from an
// epoch's end and from within one) ends bit-identical to an uninterrupted one, and the data's
// and the model's mistakes are messages.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentProgress, train, type Checkpoint } from "../../../../apps/train/index.js";
import { runFolderIo } from "../../../../compiler/cli/folder.js";
import { processIo } from "../../../../compiler/cli/io.js";
import { modelSource } from "../../../../compiler/cli/train.js";
import { parseSettings } from "../../../../compiler/cli/train-settings.js";
import { decodeParams } from "../../../../runtime/params.js";
import { prng } from "../../../../runtime/random.js";
import { delayed, signs, toJsonl } from "../../../../examples/sequences/generate.js";
import { rnnc, stackFrame } from "../../../support/cli.js";

const models = fileURLToPath(new URL("../../../../examples/sequences/models.ts", import.meta.url));
let tmp: string;
const path = (name: string) => join(tmp, name);

const regression = ["--cell", "regressor", "--dims", "H=8", "--batch", "16", "--patience", "0"];
const data = (name: string) => ["--train", path(`${name}-train.jsonl`), "--dev", path(`${name}-dev.jsonl`)];
const checkpointOf = (out: string) =>
  JSON.parse(readFileSync(join(path(out), "checkpoint.json"), "utf8")) as Checkpoint;
const fileOf = (out: string, name: "params" | "optimizer") =>
  readFileSync(join(path(out), checkpointOf(out).files[name]));
const scheduled = ["--lr-schedule", "cosine", "--lr-steps", "30", "--warmup", "5", "--weight-decay", "0.01"];
/** rnnc train of the regressor on the delay task into OUT. */
const trainInto = (out: string, ...more: string[]) =>
  rnnc("train", models, ...regression, ...data("delay"), "--out", path(out), ...more);
// A copy of its own: a Buffer's slice() is a view into the whole file.
const floatsOf = (bytes: Uint8Array) => new Float32Array(new Uint8Array(bytes).buffer);
const lossesOf = (out: string) => checkpointOf(out).log.map((r) => [r.loss, r.dev]);

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "rnnc-sequences-"));
  writeFileSync(path("delay-train.jsonl"), toJsonl(delayed(200, 1)));
  writeFileSync(path("delay-dev.jsonl"), toJsonl(delayed(50, 2)));
  writeFileSync(path("sign-train.jsonl"), toJsonl(signs(300, 3)));
  writeFileSync(path("sign-dev.jsonl"), toJsonl(signs(60, 4)));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("rnnc train on vector sequences", () => {
  it("learns a regression with a target per step: dev loss below 0.01, under a tenth of predicting 0 (1/6)", () => {
    const run = trainInto("delay", "--epochs", "6", "--json");
    expect(run.code, run.err).toBe(0);
    const summary = JSON.parse(run.out) as {
      model: { dims: Record<string, number> };
      log: { loss: number; dev: { loss: number } }[];
    };
    expect(summary.model.dims).toEqual({ H: 8, I: 2, O: 1 });
    const c = checkpointOf("delay");
    expect(c).toMatchObject({ version: 3, task: "sequences", loss: "mse", settings: { metric: "loss" } });
    expect(c.settings).not.toHaveProperty("wordDropout");
    expect(summary.log[0]!.dev.loss).toBeLessThan(1 / 6);
    expect(summary.log.at(-1)!.dev.loss).toBeLessThan(0.01);
    expect(run.err).toMatch(/epoch 6\/6: loss \d\.\d{4}, dev loss \d\.\d{4}/);
  });

  it("learns a classification at the last step: dev accuracy above 90%", () => {
    const flags = ["--cell", "classifier", "--dims", "H=8", "--batch", "16", "--patience", "0", "--loss", "softmax-ce"];
    const run = rnnc("train", models, ...flags, ...data("sign"), "--epochs", "8", "--out", path("sign"), "--json");
    expect(run.code, run.err).toBe(0);
    const summary = JSON.parse(run.out) as { model: { dims: Record<string, number> }; best: { metric: number } };
    expect(summary.model.dims).toEqual({ H: 8, I: 2, C: 2 });
    expect(checkpointOf("sign")).toMatchObject({ loss: "softmax-ce-last", settings: { metric: "accuracy" } });
    expect(summary.best.metric).toBeGreaterThan(0.9);
  });

  it("reads the other two forms: a vector at the last step (mse-last), a class per step (softmax-ce)", () => {
    const r = prng(9);
    const sequences = Array.from({ length: 120 }, () =>
      Array.from({ length: 2 + Math.floor(r() * 6) }, () => [r() * 2 - 1, r() * 2 - 1]),
    );
    const mean = (x: number[][]) => [x.reduce((s, v) => s + v[0]!, 0) / x.length];
    const positive = (x: number[][]) => x.map((v) => (v[0]! > 0 ? 1 : 0));
    /** Writes NAME-train and NAME-dev with targets y(x), trains on them into NAME, as JSON. */
    const trainOn = (name: string, y: (x: number[][]) => unknown, flags: string[], epochs: number) => {
      writeFileSync(path(`${name}-train.jsonl`), toJsonl(sequences.slice(0, 100).map((x) => ({ x, y: y(x) }))));
      writeFileSync(path(`${name}-dev.jsonl`), toJsonl(sequences.slice(100).map((x) => ({ x, y: y(x) }))));
      return rnnc("train", models, ...flags, ...data(name), "--epochs", String(epochs), "--out", path(name), "--json");
    };
    const last = trainOn("mean", mean, regression, 2);
    expect(last.code, last.err).toBe(0);
    expect(checkpointOf("mean")).toMatchObject({ loss: "mse-last", model: { dims: { O: 1 } } });
    const flags = ["--cell", "classifier", "--dims", "H=8", "--batch", "16", "--patience", "0", "--loss", "softmax-ce"];
    const perStep = trainOn("positive", positive, flags, 4);
    expect(perStep.code, perStep.err).toBe(0);
    expect(checkpointOf("positive")).toMatchObject({ loss: "softmax-ce", model: { dims: { C: 2 } } });
    expect((JSON.parse(perStep.out) as { best: { metric: number } }).best.metric).toBeGreaterThan(0.8);
  });

  it("eval scores the best epoch as training scored it, predict writes y as the data has it", () => {
    const best = checkpointOf("sign").best!;
    const scored = rnnc("eval", models, "--checkpoint", path("sign"), path("sign-dev.jsonl"), "--json");
    expect(scored.code, scored.err).toBe(0);
    expect(JSON.parse(scored.out)).toMatchObject({
      model: "classifier",
      params: "best",
      epoch: best.epoch,
      sequences: 60,
      accuracy: best.metric,
    });
    const predicted = rnnc("predict", models, "--checkpoint", path("sign"), path("sign-dev.jsonl"));
    expect(predicted.code, predicted.err).toBe(0);
    const classes = predicted.out
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { y: number }).y);
    const gold = readFileSync(path("sign-dev.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { y: number }).y);
    expect(classes.filter((c, i) => c === gold[i]).length / gold.length).toBe(best.metric);

    const delay = rnnc("eval", models, "--checkpoint", path("delay"), path("delay-dev.jsonl"), "--json");
    expect(delay.code, delay.err).toBe(0);
    const { loss } = JSON.parse(delay.out) as { loss: number };
    expect(loss).toBeLessThan(0.01);
    // predict's outputs, scored by hand (½ the squared error, per step), give eval's loss.
    const outputs = rnnc("predict", models, "--checkpoint", path("delay"), path("delay-dev.jsonl"));
    expect(outputs.code, outputs.err).toBe(0);
    const ys = outputs.out
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { y: number[][] }).y);
    const targets = readFileSync(path("delay-dev.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { y: number[][] }).y);
    const errors = targets.flatMap((y, i) => y.map((v, t) => (ys[i]![t]![0]! - v[0]!) ** 2 / 2));
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeCloseTo(loss, 6);
  });

  it("trains a cell on its own state: the targets' width binds its state size", () => {
    const run = rnnc(
      "train",
      models,
      "--cell",
      "elman",
      ...data("delay"),
      "--epochs",
      "1",
      "--out",
      path("cell"),
      "--json",
    );
    expect(run.code, run.err).toBe(0);
    expect((JSON.parse(run.out) as { model: { dims: Record<string, number> } }).model.dims).toEqual({ I: 2, H: 1 });
  });

  it("resumed after 1 of 3 epochs, with a cosine schedule, warm-up and weight decay, ends bit-identical", () => {
    const whole = trainInto("whole", ...scheduled, "--epochs", "3");
    expect(whole.code, whole.err).toBe(0);
    expect(trainInto("part", ...scheduled, "--epochs", "1").code).toBe(0);
    const resumed = trainInto("part", "--epochs", "3", "--resume");
    expect(resumed.code, resumed.err).toBe(0);
    expect(fileOf("part", "params").equals(fileOf("whole", "params"))).toBe(true);
    expect(fileOf("part", "optimizer").equals(fileOf("whole", "optimizer"))).toBe(true);
    expect(lossesOf("part")).toEqual(lossesOf("whole"));
    // Without the schedule and the decay, other parameters: both are in force.
    expect(trainInto("flat", "--epochs", "3").code).toBe(0);
    expect(fileOf("flat", "params").equals(fileOf("whole", "params"))).toBe(false);
    // A cosine schedule as long as the run it was planned for cannot be stretched without saying so.
    expect(trainInto("planned", "--lr-schedule", "cosine", "--epochs", "1").code).toBe(0);
    const stretched = trainInto("planned", "--epochs", "3", "--resume");
    expect(stretched).toMatchObject({
      code: 1,
      err: expect.stringMatching(/would change the length of the run's cosine schedule/),
    });
  });

  it("resumed from within an epoch (killed after 20 batches), ends bit-identical too", () => {
    const { settings, given } = parseSettings({
      "lr-schedule": "cosine",
      "lr-steps": "30",
      warmup: "5",
      "weight-decay": "0.01",
      batch: "16",
      patience: "0",
      epochs: "3",
    });
    const text = (name: string) => ({ file: path(name), text: readFileSync(path(name), "utf8") });
    const result = train({
      source: modelSource(models, "regressor", processIo),
      userDims: { H: 8 },
      train: text("delay-train.jsonl"),
      dev: text("delay-dev.jsonl"),
      out: path("killed"),
      io: runFolderIo(processIo),
      settings,
      given,
      resume: false,
      saveEverySeconds: 0,
      progress: silentProgress,
      interruptAfter: 20,
    });
    expect(result.stopped).toBe("interrupted");
    expect(checkpointOf("killed").position).toMatchObject({ epoch: 1, batch: 7, updates: 20 }); // 13 batches an epoch
    const run = trainInto("killed", "--epochs", "3", "--resume");
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/7 batches into epoch 2/);
    expect(fileOf("killed", "params").equals(fileOf("whole", "params"))).toBe(true);
  });

  it("trains 10,000-step sequences with truncated BPTT, the module holding 100 steps", () => {
    writeFileSync(path("long-train.jsonl"), toJsonl(delayed(4, 11, 10_000)));
    writeFileSync(path("long-dev.jsonl"), toJsonl(delayed(1, 12, 10_000)));
    const flags = ["--cell", "regressor", "--dims", "H=8", "--batch", "4", "--patience", "0", "--tbptt", "100"];
    const run = rnnc("train", models, ...flags, ...data("long"), "--epochs", "3", "--out", path("long"), "--json");
    expect(run.code, run.err).toBe(0);
    const c = checkpointOf("long");
    expect(c.capacity).toEqual({ batch: 4, steps: 100 });
    expect(c.position.updates).toBe(3 * 100); // one update per chunk
    const log = (JSON.parse(run.out) as { log: { loss: number; dev: { loss: number } }[] }).log;
    expect(log[0]!.dev.loss).toBeLessThan(1 / 6);
    expect(log.at(-1)!.dev.loss).toBeLessThan(0.01);
    // Without chunks the module would need room for 10,000 steps; with them a resumed run goes on exactly.
    const part = rnnc("train", models, ...flags, ...data("long"), "--epochs", "2", "--out", path("long-part"));
    expect(part.code, part.err).toBe(0);
    expect(
      rnnc("train", models, ...flags, ...data("long"), "--epochs", "3", "--out", path("long-part"), "--resume").code,
    ).toBe(0);
    expect(fileOf("long-part", "params").equals(fileOf("long", "params"))).toBe(true);
  });

  it("--workers 2 trains the run --workers 1 does, up to the order of the gradient sums; checkpoints alike", () => {
    writeFileSync(path("chunked-train.jsonl"), toJsonl(delayed(6, 13, 300)));
    writeFileSync(path("chunked-dev.jsonl"), toJsonl(delayed(2, 14, 300)));
    const text = (name: string) => ({ file: path(name), text: readFileSync(path(name), "utf8") });
    const runWith = (name: string, workers: number, flags: Record<string, string>, data = name) => {
      const { settings, given } = parseSettings({
        batch: "5", patience: "0", epochs: "2", "weight-decay": "0.01", ...flags,
      });
      const out = `${name}-${workers}`;
      train({
        source: modelSource(models, "regressor", processIo),
        userDims: { H: 8 },
        train: text(`${data}-train.jsonl`),
        dev: text(`${data}-dev.jsonl`),
        out: path(out),
        io: runFolderIo(processIo),
        settings,
        given,
        resume: false,
        saveEverySeconds: 1e9,
        progress: silentProgress,
        workers,
        workerScript: new URL("../../../../dist/runtime/rnnc-worker.js", import.meta.url),
      });
      return out;
    };
    const runs = [
      ["delay", {}, "delay"],
      ["chunked", { tbptt: "40", optimizer: "adam", lr: "0.01" }, "chunked"],
      // Overlapping chunks: the state at each chunk's stride comes from a forward of the host's instance.
      ["strided", { tbptt: "40", "tbptt-stride": "20" }, "chunked"],
    ] as const;
    for (const [name, flags, data] of runs) {
      const [one, two] = [runWith(name, 1, flags, data), runWith(name, 2, flags, data)];
      const [a, b] = [checkpointOf(one), checkpointOf(two)];
      // All but the sums that depend on the order of the gradient sums (losses, the best dev loss) and the time.
      const stable = ({ log, best, position: { seconds: _s, lossSum: _l, ...position }, ...c }: Checkpoint) => ({
        ...c, log: log.map((r) => [r.epoch, r.best]), best: best?.epoch, position,
      });
      expect(stable(b)).toMatchObject({ ...stable(a), files: expect.anything(), sha256: expect.anything() });
      expect(Math.abs(b.best!.metric - a.best!.metric)).toBeLessThanOrEqual(1e-4 * a.best!.metric);
      b.log.forEach((r, i) => {
        expect(Math.abs(r.loss - a.log[i]!.loss)).toBeLessThanOrEqual(1e-4 * a.log[i]!.loss);
        expect(Math.abs(r.dev.loss! - a.log[i]!.dev.loss!)).toBeLessThanOrEqual(1e-4 * a.log[i]!.dev.loss!);
      });
      const [pa, pb] = [decodeParams(fileOf(one, "params")), decodeParams(fileOf(two, "params"))];
      expect(pb.map((t) => [t.name, t.shape])).toEqual(pa.map((t) => [t.name, t.shape]));
      let worst = 0;
      pa.forEach((t, i) => {
        const [x, y] = [floatsOf(t.data), floatsOf(pb[i]!.data)];
        for (let k = 0; k < x.length; k++)
          worst = Math.max(worst, Math.abs(x[k]! - y[k]!) / Math.max(1, Math.abs(x[k]!)));
      });
      expect(worst, name).toBeLessThanOrEqual(1e-4);
      // Not the same bits: the workers did the work, their gradients summed in another order.
      expect(worst, name).toBeGreaterThan(0);
    }
  });

  it("trains with overlapping chunks (--tbptt-stride): one update every K1 steps, each over K2", () => {
    writeFileSync(path("mid-train.jsonl"), toJsonl(delayed(4, 13, 1000)));
    writeFileSync(path("mid-dev.jsonl"), toJsonl(delayed(1, 14, 1000)));
    const flags = ["--cell", "regressor", "--dims", "H=8", "--batch", "4", "--patience", "0", "--tbptt", "100"];
    const run = rnnc(
      "train", models, ...flags, "--tbptt-stride", "50", ...data("mid"), "--epochs", "3", "--out", path("mid"),
    );
    expect(run.code, run.err).toBe(0);
    const c = checkpointOf("mid");
    expect(c.capacity).toEqual({ batch: 4, steps: 100 });
    expect(c.settings).toMatchObject({ tbptt: 100, tbpttStride: 50 });
    // Chunks start at 0, 50, …, 900 (the one at 900 reaches step 1000): 19 updates an epoch.
    expect(c.position.updates).toBe(3 * 19);
    expect(c.log.at(-1)!.dev.loss!).toBeLessThan(c.log[0]!.dev.loss!);
    for (const [more, message] of [
      [["--tbptt-stride", "5"], /--tbptt-stride needs --tbptt K/],
      [["--tbptt", "4", "--tbptt-stride", "5"], /--tbptt-stride 5 is longer than the chunk \(--tbptt 4\)/],
    ] as const) {
      const refused = rnnc("train", models, "--cell", "regressor", ...more, ...data("mid"), "--out", path("no"));
      expect(refused.code, refused.err).toBe(2);
      expect(refused.err).toMatch(message);
    }
  });

  it("refuses, with the file and line or the reason, what does not fit", () => {
    const bad = [
      { x: [[1, 2]], y: [[0]] },
      { x: [[1, 2], [3]], y: [[0], [1]] },
      { x: [[1, 2]], y: [[0], [1]] },
      { x: [[1, 2]], y: 1 },
    ];
    writeFileSync(path("bad.jsonl"), toJsonl(bad));
    const malformed = new RegExp(
      "bad\\.jsonl:2: x\\[1\\] has 1 numbers but x\\[0\\] has 2\\n" +
        ".*bad\\.jsonl:3: x has 1 steps but y has 2 targets\\n" +
        ".*bad\\.jsonl:4: y is one number: .*--loss softmax-ce",
    );
    const cases: [string[], RegExp][] = [
      [["--train", path("bad.jsonl"), "--dev", path("delay-dev.jsonl")], malformed],
      [[...data("delay"), "--word-dropout", "0.1"], /--word-dropout is a tagger's/],
      [[...data("delay"), "--metric", "f1"], /--metric f1 scores a tagger's BIO chunks/],
      [[...data("delay"), "--metric", "accuracy"], /--metric accuracy needs class ids/],
      [
        ["--train", path("delay-train.jsonl"), "--dev", path("sign-dev.jsonl"), "--loss", "softmax-ce"],
        /delay-train\.jsonl:1: y\[0\] is a list, not a class id/,
      ],
      [
        ["--train", path("sign-train.jsonl"), "--dev", path("delay-dev.jsonl"), "--loss", "softmax-ce"],
        /delay-dev\.jsonl:1: y\[0\] is a list/,
      ],
      [
        [...data("delay"), "--dims", "H=8,O=3"],
        /--dims: O is the width of the targets.*set from the training data \(1\); leave it out/,
      ],
      [[...data("mean"), "--tbptt", "4"], /--tbptt needs a target per step/],
      [
        [...data("delay"), "--tbptt", "4", "--lr-schedule", "cosine"],
        /give a cosine schedule its length, --lr-steps N/,
      ],
    ];
    for (const [flags, message] of cases) {
      const run = rnnc(
        "train",
        models,
        "--cell",
        "regressor",
        "--dims",
        "H=8",
        "--epochs",
        "1",
        "--out",
        path("refused"),
        ...flags,
      );
      expect(run.code, run.err).toBe(1);
      expect(run.err).toMatch(message);
      expect(run.err).not.toMatch(stackFrame);
    }
    const narrow = rnnc(
      "train",
      models,
      "--cell",
      "noReadout",
      "--dims",
      "H=4",
      ...data("delay"),
      "--out",
      path("narrow"),
    );
    const width = /output 'y' of 'noReadout' has 4 numbers per step, but the data has targets of 1 numbers/;
    expect(narrow).toMatchObject({ code: 1, err: expect.stringMatching(width) });
    expect(rnnc("train", models, "--cell", "regressor", ...data("delay"), "--lr-step", "5").code).toBe(2);
  });
});
