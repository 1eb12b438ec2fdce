// spec/examples/long-range — the runner's command line: extra cells join the table (--cells,
// chosen with --only), every run is written with its budget and curve, and a cell that is not
// one, a model, or a name that is not a cell's are refused with a message, not a stack trace.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Budget, RunResult } from "../../../examples/long-range/train.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const script = join(root, "examples/long-range/run.js");
const tmp = mkdtempSync(join(tmpdir(), "rnnc-long-range-run-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = [
  ...["--steps", "4,6", "--updates", "20", "--eval-every", "10"],
  ...["--test", "16", "--hidden", "4", "--batch", "8"],
];

describe("run.js", () => {
  it("trains the cells of --cells next to those --only keeps, and writes every run", () => {
    const out = join(tmp, "results.json");
    const flags = ["--cells", "examples/indrnn.ts", "--only", "indrnn,elman", ...tiny, "--out", out];
    const stdout = execFileSync(process.execPath, [script, ...flags], { cwd: root, encoding: "utf8", stdio: "pipe" });
    expect(stdout).toMatch(/at most 20 Adam updates \(lr 0\.01, clip 1\) of 8 fresh sequences, H=4/);
    expect(stdout).toMatch(/^\| test MSE \| T=4 \| T=6 \|$/m);
    expect(stdout).toMatch(/^\| recalled symbols right \| T=4 \| T=6 \|$/m);
    for (const name of ["trivial baseline", "elman", "indrnn"]) {
      expect(stdout.match(new RegExp(`^\\| ${name} \\|`, "gm"))).toHaveLength(2);
    }
    expect(stdout).not.toMatch(/^\| (lstm|gru|mgu) \|/m);
    const written = JSON.parse(readFileSync(out, "utf8")) as { cpu: string; budget: Budget; results: RunResult[] };
    expect(written.budget).toMatchObject({ updates: 20, batch: 8, hidden: 4, evalEvery: 10, testSize: 16 });
    expect(written.results.map((r) => `${r.task} ${r.cell} ${r.steps}`)).toEqual([
      "adding elman 4", "adding elman 6", "adding indrnn 4", "adding indrnn 6",
      "copy elman 4", "copy elman 6", "copy indrnn 4", "copy indrnn 6",
    ]);
    for (const r of written.results) {
      expect(r.curve[0]!.updates).toBe(0);
      expect(r.curve.at(-1)).toEqual({ updates: r.updates, score: r.score });
      expect(r.updates).toBeLessThanOrEqual(20);
    }
    expect(written.results.find((r) => r.cell === "indrnn")!.file).toBe("examples/indrnn.ts");
  });

  it.each([
    [["--only", "nothing"], 2, /--only nothing: no such cell; the cells are elman, lstm, gru, mgu\n/],
    [["--cells", "examples/indrnn.ts", "--only", "lstm,x"], 2, /--only x: no such cell; .* mgu, indrnn\n/],
    [["--cells", "examples/models.ts:deepLstm"], 1, /'deepLstm' is a model; the long-range runner takes a cell/],
    [["--cells", "examples/none.ts"], 1, /--cells examples\/none\.ts: ENOENT/],
    [["--steps", "1"], 2, /--steps "1" is not allowed/],
    [["--tasks", "adding,sorting"], 2, /--tasks "sorting" is not allowed/],
  ])("refuses %j with exit %i", (flags, code, message) => {
    const run = spawnSync(process.execPath, [script, ...tiny, ...flags, "--out", ""], { cwd: root, encoding: "utf8" });
    expect(run.status).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("says why a cell cannot be the model's layer, with the compiler's diagnostic", () => {
    const cell = join(tmp, "two.ts");
    writeFileSync(cell, [
      `import { cell, tanh } from "rnnc";`,
      `export const two = cell({`,
      `  input: { x: "I", z: "I" }, state: { h: "H" }, params: { W: ["H", "I"], U: ["H", "H"] },`,
      `  step: ({ x, z, h, W, U }) => ({ h: tanh(W * x + W * z + U * h) }),`,
      `});`,
    ].join("\n"));
    const flags = [...tiny, "--cells", cell, "--only", "two", "--out", ""];
    const run = spawnSync(process.execPath, [script, ...flags], { cwd: root, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/'two' as the layer of a model:\n.*error RNNC183: cell 'two' is a layer/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
