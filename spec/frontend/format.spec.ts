// spec/frontend — the diagnostic records and their plain-text rendering
// (compiler/diagnostics.ts, tested here with its only producer).

import { describe, expect, it } from "vitest";
import { DiagnosticError, SourceText, diagnostic, diagnosticMessages, formatDiagnostic, wholeFile } from "../../compiler/diagnostics.js";

describe("SourceText", () => {
  it("maps offsets to 1-based lines and columns across \\n and \\r\\n", () => {
    const text = "ab\r\ncd\nef";
    const source = new SourceText("f.ts", text);
    expect(source.span(text.indexOf("d"), text.indexOf("d") + 1)).toEqual({ file: "f.ts", line: 2, column: 2, length: 1, sourceLine: "cd" });
    expect(source.span(text.length, text.length)).toMatchObject({ line: 3, column: 3, length: 0, sourceLine: "ef" });
  });
});

describe("formatDiagnostic", () => {
  const source = new SourceText("bad.ts", "const a = 1;\n\tconst z = sigmoid(Wz * h + bz);\nlast");

  it("quotes the line and marks the range under it", () => {
    const text = source.text;
    const start = text.indexOf("Wz * h");
    const d = diagnostic("RNNC102", ["`*`", "matrix [H, I] cannot multiply vector [H]"], source.span(start, start + 6), "try hadamard");
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
    const d = diagnostic("RNNC101", ["oops"], { file: "long.ts", line: 1, column: at + 1, length: 4, sourceLine: line });
    const [, quoted, carets] = formatDiagnostic(d).split("\n") as [string, string, string];
    expect(quoted.length).toBeLessThan(120);
    expect(quoted).toMatch(/^  1 \| …[ a+]+oops[ b+]+…$/);
    expect(quoted.indexOf("oops")).toBe(carets.indexOf("^"));
    expect(/\^+/.exec(carets)![0]).toBe("^^^^");
  });

  it("escapes control and bidi characters in the quoted line, the message and the hint", () => {
    const line = "const a\x1b[2J = \u202eb\u0007;";
    const d = diagnostic("RNNC101", ["a\x1b[31m"], { file: "f.ts", line: 1, column: line.indexOf("\u202e") + 1, length: 1, sourceLine: line }, "no \x9b here");
    const text = formatDiagnostic(d);
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
    expect(text).toContain("const a\\x1b[2J = \\u202eb\\x07;");
    expect(text).toContain("unknown identifier 'a\\x1b[31m'");
    expect(text).toContain("= hint: no \\x9b here");
    const [, quoted, carets] = text.split("\n") as [string, string, string];
    expect(quoted.slice(carets.indexOf("^"), carets.indexOf("^") + /\^+/.exec(carets)![0].length)).toBe("\\u202e");
  });

  it("prints a whole-file diagnostic without a position", () => {
    expect(formatDiagnostic(diagnostic("RNNC107", ["the file defines no cells"], wholeFile("x.ts")))).toBe(
      "x.ts - error RNNC107: cannot pick a cell: the file defines no cells",
    );
  });

  it("colours only when asked", () => {
    const d = diagnostic("RNNC101", ["q"], source.span(0, 5));
    expect(formatDiagnostic(d)).not.toContain("\x1b[");
    expect(formatDiagnostic(d, { color: true })).toContain("\x1b[31merror\x1b[0m");
  });
});

describe("the message table", () => {
  it("gives every code a distinct message and fills every placeholder", () => {
    const messages = Object.entries(diagnosticMessages);
    expect(new Set(messages.map(([, m]) => m)).size).toBe(messages.length);
    for (const [code, template] of messages) {
      const count = new Set(template.match(/\{\d\}/g) ?? []).size;
      const d = diagnostic(code as keyof typeof diagnosticMessages, Array.from({ length: count }, (_, i) => `<${i}>`), wholeFile("f"));
      expect(d.message).not.toMatch(/\{\d\}/);
      expect(code).toMatch(/^RNNC1\d\d$/);
    }
  });

  it("throws all diagnostics together, readable if nobody catches them", () => {
    const error = new DiagnosticError([diagnostic("RNNC101", ["q"], wholeFile("f.ts")), diagnostic("RNNC106", ["g"], wholeFile("f.ts"))]);
    expect(error.message).toBe("f.ts - error RNNC101: unknown identifier 'q'\nf.ts - error RNNC106: unknown function 'g'");
  });
});
