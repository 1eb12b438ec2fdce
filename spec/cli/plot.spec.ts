// spec/cli — `rnnc plot`: an SVG from a synthetic log.json, parsed as XML and
// read back (one path per curve, one point per epoch that has the value), and
// clear refusals (exit 1) of a folder without a usable log.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byClass, parseSvg, rnnc, stackFrame, vertices } from "../support/cli.js";

let tmp: string;
beforeAll(() => void (tmp = mkdtempSync(join(tmpdir(), "rnnc-plot-"))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("rnnc plot", () => {
  const writeLog = (dir: string, records: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "log.json"), typeof records === "string" ? records : JSON.stringify(records));
  };
  const epochs = (n: number, extra: (e: number) => object = () => ({})) => Array.from({ length: n }, (_, i) => ({
    epoch: i + 1, loss: 2 / (i + 1), dev: { accuracy: 0.5 + i / 20, f1: i % 2 ? null : 0.4 + i / 25, metric: 0.5 },
    seconds: i, best: true, ...extra(i + 1),
  }));

  it("draws one point per epoch for the loss and the dev scores, and the gradient norm where logged", () => {
    const dir = join(tmp, "run");
    writeLog(dir, epochs(7));
    const out = join(tmp, "curves.svg");
    const run = rnnc("plot", dir, "-o", out);
    expect(run.code, run.err).toBe(0);
    const doc = parseSvg(out);
    const paths = byClass(doc, "path", "series");
    expect(paths.map((p) => p.getAttribute("data-label"))).toEqual(["loss", "accuracy", "F1"]);
    expect(paths.map(vertices)).toEqual([7, 7, 4]); // F1 is null on odd records: epochs 2, 4 and 6 have none
    expect(byClass(doc, "circle", "marker").length).toBe(18);

    writeLog(dir, epochs(5, (e) => ({ gradNorm: 10 ** e })));
    expect(rnnc("plot", dir).code).toBe(0); // default: RUN_DIR/curves.svg
    const withNorm = byClass(parseSvg(join(dir, "curves.svg")), "path", "series");
    expect(withNorm.at(-1)!.getAttribute("data-label")).toBe("gradient norm");
    expect(vertices(withNorm.at(-1)!)).toBe(5);
  });

  it("draws the dev loss of a vector-sequence run beside its training loss, and no empty panel of scores", () => {
    const dir = join(tmp, "sequences");
    writeLog(dir, Array.from({ length: 4 }, (_, i) => ({
      epoch: i + 1, loss: 1 / (i + 1), seconds: i, best: true,
      dev: { accuracy: null, f1: null, loss: 1.5 / (i + 1), metric: 1 },
    })));
    expect(rnnc("plot", dir).code).toBe(0);
    const paths = byClass(parseSvg(join(dir, "curves.svg")), "path", "series");
    expect(paths.map((p) => p.getAttribute("data-label"))).toEqual(["loss", "dev loss"]);
    expect(paths.map(vertices)).toEqual([4, 4]);
  });

  it.each([
    ["a folder without a log", null, /no training log in .*log\.json/],
    ["a log that is not JSON", "[{", /is not JSON/],
    ["an empty log", [], /has no epochs yet/],
    ["a record without a loss", [{ epoch: 1, dev: { accuracy: 1 } }], /record 1: loss is missing, not a number/],
  ])("refuses %s with exit 1", (_, log, message) => {
    const dir = join(tmp, "bad");
    rmSync(dir, { recursive: true, force: true });
    if (log !== null) writeLog(dir, log);
    const run = rnnc("plot", dir, "-o", join(tmp, "bad.svg"));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(message);
    expect(run.err).not.toMatch(stackFrame);
  });

  it("needs exactly one run folder", () => {
    expect(rnnc("plot").code).toBe(2);
    expect(rnnc("plot", "a", "b").code).toBe(2);
  });
});
