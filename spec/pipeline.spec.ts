// spec — the pipeline's front as an editor uses it. checkCell must report
// exactly what compileCell reports for the same text (every diagnostic
// fixture, every example file), and say what compileCell would build: the
// name and the dimensions its module's ABI lists. joinImport must find the
// files that node:path's resolve finds.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkCell, type CheckOptions } from "../compiler/pipeline.js";
import { compileCell } from "./support/compile.js";
import { DiagnosticError, type Diagnostic } from "../compiler/diagnostics.js";
import { joinImport } from "../compiler/model.js";

const readFile = (path: string) => readFileSync(path, "utf8");

function outcome(run: () => unknown): { diagnostics: Diagnostic[] } | { ok: true } {
  try {
    run();
    return { ok: true };
  } catch (e) {
    if (e instanceof DiagnosticError) return { diagnostics: e.diagnostics };
    throw e;
  }
}

const fixtureDir = "spec/fixtures/diagnostics";
const fixtures = readdirSync(fixtureDir).filter((f) => f.endsWith(".ts")).sort();

describe("checkCell", () => {
  for (const name of fixtures) {
    it(`reports what compileCell reports for ${name}`, () => {
      const text = readFile(`${fixtureDir}/${name}`);
      const args = /^\/\/ args: (.*)$/m.exec(text)?.[1] ?? "";
      const dimsArg = /--dims (\S+)/.exec(args)?.[1] ?? "I=3,H=4";
      const dims = Object.fromEntries(dimsArg.split(",").map((kv) => kv.split("=")).map(([k, v]) => [k!, Number(v)]));
      const cell = /--cell (\S+)/.exec(args)?.[1];
      const options: CheckOptions = { file: `${fixtureDir}/${name}`, text, cell, dims, readFile };
      const checked = outcome(() => checkCell(options));
      expect(checked).toEqual(outcome(() => compileCell({ ...options, optimize: false })));
      expect(checked).toHaveProperty("diagnostics");
    });
  }

  const examples = readdirSync("examples").filter((f) => f.endsWith(".ts")).sort();
  const dims = { I: 3, H: 4, H2: 5, O: 2, G: 3, V: 7, E: 4, T: 6, C: 3 };
  for (const name of examples) {
    it(`names what compileCell builds for each unit of examples/${name}`, () => {
      const file = `examples/${name}`;
      const text = readFile(file);
      const exported = [...text.matchAll(/^export const (\w+) =/gm)].map((m) => m[1]!);
      expect(exported.length).toBeGreaterThan(0);
      for (const unit of exported) {
        const checked = checkCell({ file, text, cell: unit, dims, readFile });
        const capacity = { batch: 2, steps: 3 };
        const { abi } = compileCell({ file, text, cell: unit, dims, readFile, optimize: false, capacity });
        expect({ name: checked.name, dims: checked.dims }).toEqual({ name: abi.name, dims: abi.dims });
        expect([...checked.units].sort()).toEqual([...exported].sort());
      }
    });
  }

  it("reports a shape mismatch at the product, as compileCell does", () => {
    const text = [
      'import { cell, tanh } from "rnnc";',
      "export const bad = cell({",
      '  input: { x: "I" }, state: { h: "H" },',
      '  params: { W: ["H", "H"], b: ["H"] },',
      "  step: ({ x, h, W, b }) => ({ h: tanh(W * x + b) }),",
      "});",
    ].join("\n");
    const options = { file: "bad.ts", text, dims: { I: 3, H: 4 } };
    const checked = outcome(() => checkCell(options));
    expect(checked).toEqual(outcome(() => compileCell(options)));
    const column = text.split("\n")[4]!.indexOf("W * x") + 1;
    expect(checked).toMatchObject({ diagnostics: [{ code: "RNNC102", line: 5, column }] });
  });
});

describe("joinImport", () => {
  const cases: [string, string][] = [
    ["examples/models.ts", "./lstm.ts"],
    ["examples/models.ts", "../examples/gru.ts"],
    ["spec/fixtures/diagnostics/model-cell-not-found.ts", "../../../examples/lstm.ts"],
    ["models.ts", "./a/../b/./c.ts"],
    ["./models.ts", "../x.ts"],
    ["/srv/cells/models.ts", "../../../../x.ts"],
    ["/srv/cells/models.ts", "/opt/y.ts"],
  ];
  for (const [importer, specifier] of cases) {
    it(`${specifier} from ${importer} is the file node:path finds`, () => {
      const joined = joinImport(importer, specifier);
      const expected = resolve(dirname(importer), specifier);
      expect(joined.startsWith("/") ? joined : resolve(joined)).toBe(expected);
      expect(joined.startsWith("/")).toBe(importer.startsWith("/") || specifier.startsWith("/"));
      if (!joined.startsWith("/")) expect(joined).toBe(relative(process.cwd(), expected) || ".");
    });
  }
});
