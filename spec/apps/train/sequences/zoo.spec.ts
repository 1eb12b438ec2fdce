// spec/apps/train/sequences — the cells of docs/cell-zoo.md that are new to rnnc, and IndRNN, learn:
// each is the one layer of a classifier in examples/sequences/zoo.ts, trained by `rnnc train` on
// the sign task of examples/sequences/generate.js (class 1 when Σ_t (x_t[0] − x_t[1]) > 0, read at
// the last step; the files `node examples/sequences/generate.js --train 300 --dev 60` writes) for 8
// epochs (Adam, rate 0.02), as docs/cell-zoo.md runs it. The training loss must fall under two
// thirds of the first epoch's, the dev loss below 0.5 nats (guessing is ln 2 ≈ 0.69) and the best
// dev accuracy above 80% (the classes are about balanced); the page's table quotes the same runs.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signs, toJsonl } from "../../../../examples/sequences/generate.js";
import { rnnc } from "../../../support/cli.js";

const models = fileURLToPath(new URL("../../../../examples/sequences/zoo.ts", import.meta.url));
let tmp: string;
const path = (name: string) => join(tmp, name);

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "rnnc-zoo-train-"));
  writeFileSync(path("sign-train.jsonl"), toJsonl(signs(300, 2)));
  writeFileSync(path("sign-dev.jsonl"), toJsonl(signs(60, 3)));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Summary {
  readonly log: readonly { loss: number; dev: { loss: number } }[];
  readonly best: { epoch: number; metric: number };
}

const page = readFileSync(fileURLToPath(new URL("../../../../docs/cell-zoo.md", import.meta.url)), "utf8");

describe("rnnc train on the sign task, one zoo cell read out by a dense layer", () => {
  for (const cell of ["slstm", "minGru", "minLstm", "miRnn", "indrnn"]) {
    it(`${cell}Classifier: the loss falls, the dev accuracy passes 80%, and docs/cell-zoo.md quotes the run`, () => {
      const run = rnnc(
        "train", models, "--cell", `${cell}Classifier`, "--dims", "H=8", "--loss", "softmax-ce",
        "--train", path("sign-train.jsonl"), "--dev", path("sign-dev.jsonl"), "--out", path(cell),
        "--epochs", "8", "--batch", "16", "--lr", "0.02", "--patience", "0", "--json",
      );
      expect(run.code, run.err).toBe(0);
      const { log, best } = JSON.parse(run.out) as Summary;
      expect(log).toHaveLength(8);
      expect(log.at(-1)!.loss).toBeLessThan((2 / 3) * log[0]!.loss);
      expect(log.at(-1)!.dev.loss).toBeLessThan(0.5);
      expect(best.metric).toBeGreaterThan(0.8);
      // The page's row, up to what another summation order in the f32 kernels would change.
      const row = page.split("\n").find((l) => l.startsWith(`| \`${cell}Classifier\` |`));
      const [first, lastLoss, lastDev, accuracy] = row!.split("|").slice(2, 6).map((v) => Number.parseFloat(v));
      const measured = [log[0]!.loss, log.at(-1)!.loss, log.at(-1)!.dev.loss];
      [first, lastLoss, lastDev].forEach((quoted, k) => expect(quoted! / measured[k]!, row).toBeCloseTo(1, 1));
      expect(Math.abs(accuracy! - 100 * best.metric), row).toBeLessThanOrEqual(2);
    });
  }
});
