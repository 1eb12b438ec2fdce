// spec/cli — `rnnc flow` as a user runs it, in-process through main(argv, io):
// the SVG parsed as XML by an independent parser and read back (one path per
// cell with one point per horizon, a legend naming each), the JSON against the
// table, models, trained parameters, clipping, and the exit codes of mistakes
// (1: the user's files; 2: the invocation).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instantiate } from "../../compiler/api.js";
import { compileCell } from "../support/compile.js";
import { initParams } from "../../runtime/index.js";
import { byClass, parseSvg, rnnc, stackFrame, vertices } from "../support/cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const example = (name: string) => join(root, "examples", name);

let tmp: string;
beforeAll(() => void (tmp = mkdtempSync(join(tmpdir(), "rnnc-flow-"))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("rnnc flow", () => {
  it(
    "prints the table, writes an SVG with one path per cell and a legend naming each, and JSON of the same numbers",
    () => {
      const svg = join(tmp, "flow.svg");
      const args = [
        example("elman.ts"), example("lstm.ts"), example("gru.ts"),
        "--dims", "I=3,H=6", "--steps", "12", "--batch", "4",
      ];
      const run = rnnc("flow", ...args, "-o", svg);
      expect(run.code, run.err).toBe(0);
      const lines = run.out.trim().split("\n");
      expect(lines[2]!.trim().split(/\s+/)).toEqual(["k", "elman", "lstm", "gru"]);
      expect(lines.slice(3, 15).map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual(
        Array.from({ length: 12 }, (_, k) => k),
      );
      const doc = parseSvg(svg);
      const paths = byClass(doc, "path", "series");
      expect(paths.length).toBe(3);
      paths.forEach((p) => expect(vertices(p)).toBe(12));
      const legend = byClass(doc, "text", "legend-label").map((t) => t.textContent ?? "");
      expect(legend.map((l) => l.split(" ")[0])).toEqual(["elman", "lstm", "gru"]);

      const json = JSON.parse(rnnc("flow", ...args, "--json").out);
      expect(json.cells.map((c: { name: string; states: string[] }) => [c.name, c.states])).toEqual([
        ["elman", ["h"]], ["lstm", ["h", "c"]], ["gru", ["h"]],
      ]);
      for (const cell of json.cells) {
        expect(cell.norms.length).toBe(12);
        const row = lines.slice(3, 15).map((l) => Number(l.trim().split(/\s+/)[1 + json.cells.indexOf(cell)]));
        row.forEach((v, k) =>
          expect(Math.abs(v - cell.norms[k]) / cell.norms[k]).toBeLessThan(1e-3)); // the table rounds to 4 digits
        expect(legend[json.cells.indexOf(cell)]).toContain(`×${cell.fit.rate.toFixed(3)}`);
      }
    },
  );

  it("measures a forward-only model over all its layers' states, and refuses a bidirectional one", () => {
    const deep = JSON.parse(rnnc(
      "flow", example("models.ts"), "--cell", "deepLstm", "--dims", "I=2,H=3,H2=4,O=2", "--steps", "5", "--json",
    ).out);
    expect(deep.cells[0].states).toEqual(["l0.h", "l0.c", "l1.h", "l1.c"]);
    const bi = rnnc("flow", example("models.ts"), "--cell", "biLstm", "--dims", "I=2,H=3,O=2", "--steps", "5");
    expect(bi.code).toBe(1);
    expect(bi.err).toMatch(/biLstm has a bidirectional layer/);
  });

  it("with --clip bounds every reported update by the clip norm, and draws raw and clipped per cell", () => {
    const svg = join(tmp, "explode.svg");
    const run = rnnc(
      "flow", example("elman.ts"), "--dims", "I=3,H=8", "--steps", "30", "--recurrent-radius", "2.5", "--clip", "1",
      "--json", "-o", svg,
    );
    expect(run.code, run.err).toBe(0);
    const [cell] = JSON.parse(run.out).cells;
    expect(cell.rescaled.map((r: { name: string }) => r.name)).toEqual(["U"]);
    expect(cell.fit.rate).toBeGreaterThan(1); // exploding
    expect(Math.max(...cell.paramNorms)).toBeGreaterThan(1);
    cell.updates.forEach((u: number, k: number) => expect(u).toBeCloseTo(Math.min(cell.paramNorms[k], 1), 14));
    expect(byClass(parseSvg(svg), "path", "series").length)
      .toBe(3); // the state gradient, then ‖∇θ‖ and the update
  });

  it(
    "measures given parameters: the file of initParams at the seed gives the seed's numbers, another file others",
    () => {
      const file = example("lstm.ts");
      const saved = (seed: number) => {
        const model = instantiate(
          compileCell({ file, text: readFileSync(file, "utf8"), dims: { I: 2, H: 3 }, dtype: "f64" }).binary,
        );
        initParams(model, seed, { forgetBias: ["bf"] });
        const path = join(tmp, `lstm-${seed}.safetensors`);
        writeFileSync(path, model.saveParams());
        return path;
      };
      const flow = (...extra: string[]) => JSON.parse(
        rnnc("flow", file, "--dims", "I=2,H=3", "--steps", "6", "--seed", "5", "--json", ...extra).out,
      ).cells[0].norms;
      expect(flow("--params", saved(5))).toEqual(flow());
      expect(flow("--params", saved(6))).not.toEqual(flow());
      const pair = JSON.parse(rnnc("flow", file, file, "--dims", "I=2,H=3", "--steps", "6", "--seed", "5", "--json",
        "--params", "", "--params", saved(6)).out).cells;
      expect(pair.map((c: { label: string }) => c.label)).toEqual(["lstm (initParams)", `lstm (${saved(6)})`]);
      expect(pair[0].norms).toEqual(flow());
      expect(pair[1].norms).toEqual(flow("--params", saved(6)));
    },
  );

  it.each([
    [[], 2, /expected at least one cell file/],
    [["nowhere.ts", "--dims", "I=2,H=2"], 1, /cannot read nowhere\.ts/],
    [["ELMAN", "--dims", "I=2,H=2", "--steps", "0"], 2, /--steps: expected a positive integer, got "0"/],
    [["ELMAN", "--dims", "I=2,H=2", "--steps", "ten"], 2, /--steps: expected a positive integer/],
    [["ELMAN", "--dims", "I=2,H=2", "--clip=-1"], 2, /--clip: expected a positive number/],
    [["ELMAN", "--dims", "I=2,H=2", "--forget-bias", "bz=low"], 2, /--forget-bias: expected NAME or NAME=NUMBER/],
    [
      ["ELMAN", "ELMAN", "--dims", "I=2,H=2", "--params", "a", "--params", "b", "--params", "c"],
      2,
      /--params: given 3 times for 2 files/,
    ],
    [["ELMAN", "--dims", "I=2,H=2", "--params", "missing.safetensors"], 1, /cannot read missing\.safetensors/],
    [["ELMAN", "--dims", "I=2"], 1, /dimension 'H' is not bound/],
    [["ELMAN", "--dims", "I=2,H=2", "--bogus"], 2, /Unknown option '--bogus'/],
    [
      [example("indrnn.ts"), "--dims", "I=2,H=2", "--recurrent-radius", "2"],
      1,
      /--recurrent-radius: indrnn .*no recurrent matrix/,
    ],
  ])("rnnc flow %j exits %i", (args, code, message) => {
    const run = rnnc("flow", ...args.map((a) => (a === "ELMAN" ? example("elman.ts") : a)));
    expect(run.code).toBe(code);
    expect(run.err).toMatch(message);
    expect(run.err).not.toMatch(stackFrame);
  });

  it("refuses parameters of another cell with the reason", () => {
    const file = example("gru.ts");
    const model = instantiate(
      compileCell({ file, text: readFileSync(file, "utf8"), dims: { I: 2, H: 2 }, dtype: "f64" }).binary,
    );
    const path = join(tmp, "gru.safetensors");
    writeFileSync(path, model.saveParams());
    const run = rnnc("flow", example("elman.ts"), "--dims", "I=2,H=2", "--params", path);
    expect(run.code).toBe(1);
    expect(run.err).toContain(path);
    expect(run.err).not.toMatch(stackFrame);
  });
});

