// spec/frontend — every kind of user error, one fixture each: a cell file in
// spec/fixtures/diagnostics/NAME.ts whose first lines say which codes it must
// produce (`// expect: RNNC102`) and how it is compiled (`// args: --cell
// lstm --dims I=3,H=4`); its formatted diagnostics are the golden
// NAME.expected.txt (regenerate with `vitest -u`, then review the diff).

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DiagnosticError, diagnosticMessages, formatDiagnostics, type Diagnostic } from "../../compiler/diagnostics.js";
import { compileCell } from "../support/compile.js";

const dir = new URL("../fixtures/diagnostics/", import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".ts")).sort();

function header(text: string, key: string): string | undefined {
  return new RegExp(`^// ${key}: (.*)$`, "m").exec(text)?.[1]?.trim();
}

function parseDims(spec: string): Record<string, number> {
  return Object.fromEntries(spec.split(",").map((kv) => kv.split("=")).map(([k, v]) => [k!, Number(v)]));
}

/** What `rnnc compile` reports for the fixture. */
function check(name: string, text: string): Diagnostic[] {
  const args = header(text, "args") ?? "";
  const cellName = /--cell (\S+)/.exec(args)?.[1];
  const dims = parseDims(/--dims (\S+)/.exec(args)?.[1] ?? "I=3,H=4");
  try {
    compileCell({
      file: `spec/fixtures/diagnostics/${name}`, text, cell: cellName, dims, optimize: false,
      readFile: (path) => readFileSync(path, "utf8"),
    });
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics;
    throw e;
  }
  return [];
}

describe("diagnostic fixtures", () => {
  for (const name of fixtures) {
    it(name, async () => {
      const text = readFileSync(new URL(name, dir), "utf8");
      const diagnostics = check(name, text);
      expect(diagnostics.map((d) => d.code)).toEqual(header(text, "expect")!.split(/\s+/));
      const lines = text.split("\n");
      for (const d of diagnostics) {
        if (d.line === 0) continue;
        expect(d.sourceLine).toBe(lines[d.line - 1]);
        expect(d.column).toBeGreaterThanOrEqual(1);
        expect(d.column - 1 + Math.max(d.length, 1)).toBeLessThanOrEqual(text.length);
      }
      const golden = `../fixtures/diagnostics/${name.replace(/\.ts$/, ".expected.txt")}`;
      await expect(`${formatDiagnostics(diagnostics)}\n`).toMatchFileSnapshot(golden);
    });
  }

  it("covers every diagnostic code", () => {
    const covered = new Set(
      fixtures.flatMap((name) => header(readFileSync(new URL(name, dir), "utf8"), "expect")!.split(/\s+/)),
    );
    expect(Object.keys(diagnosticMessages).filter((code) => !covered.has(code))).toEqual([]);
  });
});
