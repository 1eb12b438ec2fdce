// spec/frontend — the diagnostic records, their plain-text rendering and the
// message table (compiler/diagnostics.ts, tested here with its only
// producer), which docs/dsl.md must list code for code.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DiagnosticError,
  SourceText,
  diagnostic,
  diagnosticMessages,
  formatDiagnostic,
  retiredCodes,
  wholeFile,
  type DiagnosticArgs,
  type DiagnosticCode,
} from "../../compiler/diagnostics.js";

describe("SourceText", () => {
  it("maps offsets to 1-based lines and columns across \\n and \\r\\n", () => {
    const text = "ab\r\ncd\nef";
    const source = new SourceText("f.ts", text);
    expect(source.span(text.indexOf("d"), text.indexOf("d") + 1)).toEqual({
      file: "f.ts", line: 2, column: 2, length: 1, sourceLine: "cd",
    });
    expect(source.span(text.length, text.length)).toMatchObject({ line: 3, column: 3, length: 0, sourceLine: "ef" });
  });
});

describe("formatDiagnostic", () => {
  const source = new SourceText("bad.ts", "const a = 1;\n\tconst z = sigmoid(Wz * h + bz);\nlast");

  it("quotes the line and marks the range under it", () => {
    const text = source.text;
    const start = text.indexOf("Wz * h");
    const d = diagnostic(
      "RNNC102",
      ["`*`", "matrix [H, I] cannot multiply vector [H]"],
      source.span(start, start + 6),
      "try hadamard",
    );
    expect(formatDiagnostic(d)).toBe(
      [
        "bad.ts:2:20 - error RNNC102: shape mismatch in `*`: matrix [H, I] cannot multiply vector [H]",
        "  2 | \tconst z = sigmoid(Wz * h + bz);",
        "    | \t                  ^^^^^^",
        "    = hint: try hadamard",
      ].join("\n"),
    );
  });

  it("marks a range that runs past its line only to the line's end, and an empty one with one caret", () => {
    const long = diagnostic("RNNC100", ["x"], source.span(0, 20));
    expect(formatDiagnostic(long).split("\n")[2]).toBe(`    | ${"^".repeat("const a = 1;".length)}`);
    const end = diagnostic("RNNC110", ["'}' expected."], source.span(source.text.length, source.text.length));
    expect(formatDiagnostic(end).split("\n").slice(1)).toEqual(["  3 | last", "    |     ^"]);
  });

  it("quotes a window of a long line, with its carets under the range", () => {
    const line = `${"a + ".repeat(5000)}oops${" + b".repeat(5000)}`;
    const at = line.indexOf("oops");
    const d = diagnostic(
      "RNNC101",
      ["oops"],
      { file: "long.ts", line: 1, column: at + 1, length: 4, sourceLine: line },
    );
    const [, quoted, carets] = formatDiagnostic(d).split("\n") as [string, string, string];
    expect(quoted.length).toBeLessThan(120);
    expect(quoted).toMatch(/^  1 \| …[ a+]+oops[ b+]+…$/);
    expect(quoted.indexOf("oops")).toBe(carets.indexOf("^"));
    expect(/\^+/.exec(carets)![0]).toBe("^^^^");
  });

  it("escapes control and bidi characters in the quoted line, the message and the hint", () => {
    const line = "const a\x1b[2J = \u202eb\u0007;";
    const d = diagnostic(
      "RNNC101",
      ["a\x1b[31m"],
      { file: "f.ts", line: 1, column: line.indexOf("\u202e") + 1, length: 1, sourceLine: line },
      "no \x9b here",
    );
    const text = formatDiagnostic(d);
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
    expect(text).toContain("const a\\x1b[2J = \\u202eb\\x07;");
    expect(text).toContain("unknown identifier 'a\\x1b[31m'");
    expect(text).toContain("= hint: no \\x9b here");
    const [, quoted, carets] = text.split("\n") as [string, string, string];
    expect(quoted.slice(carets.indexOf("^"), carets.indexOf("^") + /\^+/.exec(carets)![0].length)).toBe("\\u202e");
  });

  it("prints a whole-file diagnostic without a position", () => {
    expect(formatDiagnostic(diagnostic("RNNC107", ["a, b"], wholeFile("x.ts")))).toBe(
      [
        "x.ts - error RNNC107: cannot pick a cell: the file defines several cells or models (a, b)",
        "   = hint: choose one with --cell NAME",
      ].join("\n"),
    );
  });

  it("colours only when asked", () => {
    const d = diagnostic("RNNC101", ["q"], source.span(0, 5));
    expect(formatDiagnostic(d)).not.toContain("\x1b[");
    expect(formatDiagnostic(d, { color: true })).toContain("\x1b[31merror\x1b[0m");
  });
});

describe("the message table", () => {
  const entries = Object.entries(diagnosticMessages) as [DiagnosticCode, { message: string; hint?: string }][];
  /** The distinct N of every {N} in a template, in order. */
  const indices = (template: string) =>
    [...new Set([...template.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);

  it("gives every code its own sentence, with placeholders {0}…{n} and a hint that names no others", () => {
    const sentences = entries.map(([, e]) => e.message.replace(/\{\d+\}/g, "…"));
    expect(new Set(sentences).size).toBe(entries.length);
    for (const [code, { message, hint }] of entries) {
      const used = indices(message);
      expect(used, code).toEqual(used.map((_, i) => i));
      for (const i of indices(hint ?? "")) expect(used, `${code}'s hint`).toContain(i);
    }
  });

  it("fills the message and the code's own hint with the same arguments", () => {
    for (const [code, { message, hint }] of entries) {
      const args = indices(message).map((i) => `<${i}>`) as DiagnosticArgs<typeof code>;
      const d = diagnostic(code, args, wholeFile("f"));
      expect(d.message, code).not.toMatch(/\{\d+\}/);
      for (const arg of args) expect(d.message, code).toContain(arg);
      expect(d.hint === undefined, code).toBe(hint === undefined);
      expect(d.hint ?? "", code).not.toMatch(/\{\d+\}/);
    }
    const located = diagnostic("RNNC139", ["x", "input"], wholeFile("f"));
    expect([located.message, located.hint]).toEqual([
      "only parameters have an initialiser; 'x' is declared under input",
      "input entries are written name: shape",
    ]);
    expect(diagnostic("RNNC104", ["K"], wholeFile("f")).hint).toBe("bind it when compiling: --dims K=128");
  });

  it("lets a call site replace the code's hint where the advice depends on context", () => {
    expect(diagnostic("RNNC103", ["c"], wholeFile("f")).hint).toBe("add c: … to the returned object");
    expect(diagnostic("RNNC103", ["c"], wholeFile("f"), "end the step with return { h: …, c: … }").hint).toBe(
      "end the step with return { h: …, c: … }",
    );
  });

  it("takes exactly as many arguments as the template names (tsc checks every call site)", () => {
    // @ts-expect-error RNNC135 names three arguments
    const short = diagnostic("RNNC135", ["h", "state"], wholeFile("f"));
    expect(short.message).toBe("'h' is declared twice (as state and as )");
    // @ts-expect-error RNNC119 names none
    expect(diagnostic("RNNC119", ["extra"], wholeFile("f")).message).toBe("the file defines no cells");
  });

  // Codes are handed out in blocks (RNNC100 on; RNNC220 on for intrinsic arguments and helpers),
  // each without gaps, so none is skipped by accident.
  const blockStarts = [100, 220];
  it("numbers codes in blocks without gaps, and never brings a retired code back", () => {
    const live = entries.map(([code]) => code as string);
    const retired = Object.keys(retiredCodes);
    expect(live.filter((code) => retired.includes(code))).toEqual([]);
    const all = [...live, ...retired].map((code) => Number(code.slice(4))).sort((a, b) => a - b);
    expect(all[0]).toBe(100);
    const jumps = all.slice(1).filter((n, i) => n !== all[i]! + 1);
    expect(jumps.every((n) => blockStarts.includes(n)), `codes after a gap: ${jumps.join(", ")}`).toBe(true);
    for (const code of [...live, ...retired]) expect(code).toMatch(/^RNNC[12]\d\d$/);
    expect(live).toEqual([...live].sort());
  });

  it("is what docs/dsl.md lists: each code with its message, each retired code as retired", () => {
    const docs = readFileSync(new URL("../../docs/dsl.md", import.meta.url), "utf8");
    const start = docs.indexOf("\n## Diagnostics\n");
    const section = docs.slice(start, docs.indexOf("\n## ", start + 1));
    // A message with a `|` escapes it in the table.
    const rows = [...section.matchAll(/^\| (RNNC\d+) \| (.*?) \| .+ \|$/gm)]
      .map((m) => [m[1]!, m[2]!.replace(/\\\|/g, "|")]);
    const expected = [
      ...entries.map(([code, { message }]) => [code, message.replace(/\{\d+\}/g, "…")]),
      ...Object.keys(retiredCodes).map((code) => [code, "(retired)"]),
    ].sort(([a], [b]) => a!.localeCompare(b!));
    expect(rows).toEqual(expected);
  });

  it("throws all diagnostics together, readable if nobody catches them", () => {
    const error = new DiagnosticError([
      diagnostic("RNNC101", ["q"], wholeFile("f.ts")),
      diagnostic("RNNC106", ["g"], wholeFile("f.ts")),
    ]);
    expect(error.message).toBe(
      "f.ts - error RNNC101: unknown identifier 'q'\nf.ts - error RNNC106: unknown function 'g'",
    );
  });
});
