// spec/cli — `rnnc graph`: the SVG Graphviz lays out from Elman's step graphs
// is well-formed XML (parsed by an independent parser) with one node and one
// edge per node and edge of the drawing, and the labels of its ops, vars,
// results and steps; --dot writes the DOT text; the passes and their aliases;
// clear refusals: an unknown pass (exit 2, a bad invocation), unbound
// dimensions and a drawing past --max-nodes (exit 1), never a stack trace.

import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dotNodeCount, drawStepGraphs, type GraphPass } from "../../compiler/api.js";
import { byClass, parseSvg, rnnc, stackFrame } from "../support/cli.js";

let tmp: string;
beforeAll(() => void (tmp = mkdtempSync(join(tmpdir(), "rnnc-graph-"))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const elman = "examples/elman.ts";
const drawing = (pass: GraphPass) =>
  drawStepGraphs({ file: elman, text: readFileSync(elman, "utf8"), dims: { I: 3, H: 4 } }, pass);
const texts = (element: Element) => Array.from(element.getElementsByTagName("text")).map((t) => t.textContent ?? "");

describe("rnnc graph", () => {
  it("draws Elman's forward and backward step as SVG: every node and edge, with its labels", () => {
    const out = join(tmp, "elman.svg");
    const run = rnnc("graph", elman, "--dims", "I=3,H=4", "-o", out);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/wrote .*elman\.svg: cell elman after simplify \(I=3, H=4\), \d+ nodes, \d+ edges/);
    const doc = parseSvg(out);
    const expected = drawing("simplify");
    const nodes = byClass(doc, "g", "node");
    expect(nodes.length).toBe(dotNodeCount(expected));
    expect(byClass(doc, "g", "edge").length).toBe(expected.edges.length);
    const labels = nodes.map((n) => texts(n).join("\n"));
    const expectedLabels = ["param W\n[4, 3]", "state h\n[4] per-batch", "tanh\n[4] per-batch", "loss", "dstate h"];
    for (const label of [...expectedLabels, "next h", "dparam U"]) expect(labels).toContain(label);
    const clusters = byClass(doc, "g", "cluster").map((c) => texts(c)[0]);
    expect(clusters).toEqual(["elman: forward step", "elman: backward step"]);
    // Where the cell file wrote an op travels with it, as its tooltip.
    const tanh = nodes.find((n) => texts(n)[0] === "tanh")!;
    const tooltips = Array.from(tanh.getElementsByTagName("a")).map((a) => a.getAttribute("xlink:title"));
    expect(tooltips).toEqual([expect.stringMatching(/elman\.ts:9:\d+$/)]);
  });

  it.each([["cell", "instantiate"], ["ad", "differentiate"], ["tape", "tape"]] as const)(
    "--pass %s draws the graph after %s",
    (flag, pass) => {
      const out = join(tmp, `${flag}.svg`);
      const run = rnnc("graph", elman, "--dims", "I=3,H=4", "--pass", flag, "-o", out);
      expect(run.code, run.err).toBe(0);
      expect(byClass(parseSvg(out), "g", "node").length).toBe(dotNodeCount(drawing(pass)));
      expect(run.err).toContain(`after ${pass}`);
    },
  );

  it("writes DOT text with --dot, and next to FILE by default", () => {
    const file = join(tmp, "mine.ts");
    copyFileSync(elman, file);
    expect(rnnc("graph", file, "--dims", "I=2,H=2", "--pass", "cell", "--dot").code).toBe(0);
    const dot = readFileSync(join(tmp, "mine.dot"), "utf8");
    expect(dot).toMatch(/^digraph rnnc \{/);
    expect(dot).toContain('label="tanh\\n[2] per-batch"');
    expect(rnnc("graph", file, "--dims", "I=2,H=2").code).toBe(0);
    expect(byClass(parseSvg(join(tmp, "mine.svg")), "g", "cluster").length).toBe(2);
  });

  it("prints its help", () => {
    const run = rnnc("graph", "--help");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^usage: rnnc graph FILE --dims/);
    expect(run.out).toContain("--max-nodes N");
  });

  it.each([
    ["an unknown pass", ["--dims", "I=3,H=4", "--pass", "schedule"], 2,
      /--pass: unknown pass "schedule"; expected cell, ad, simplify or tape/],
    ["no --dims", [], 1, /error RNNC104: dimension 'I' is not bound[\s\S]*hint: bind it when compiling: --dims I=/],
    ["a drawing past --max-nodes", ["--dims", "I=3,H=4", "--max-nodes", "20"], 1,
      /drawing of cell elman after simplify \(I=3, H=4\) has \d+ nodes, more than --max-nodes 20; draw an earlier/],
    ["a malformed --max-nodes", ["--dims", "I=3,H=4", "--max-nodes", "0"], 2,
      /--max-nodes: expected a positive integer/],
  ])("refuses %s clearly", (_, flags, code, message) => {
    const out = join(tmp, "refused.svg");
    const run = rnnc("graph", elman, ...flags, "-o", out);
    expect(run.code).toBe(code);
    expect(run.err).toMatch(message);
    expect(run.err).not.toMatch(stackFrame);
  });

  it("refuses a missing file with exit 1, naming it", () => {
    const run = rnnc("graph", join(tmp, "none.ts"), "--dims", "I=3,H=4");
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/cannot read .*none\.ts/);
  });
});
