// compiler — user errors as located diagnostics. In: a code from the table
// below, its arguments and a source range. Out: Diagnostic records, thrown
// together as one DiagnosticError, and their plain-text rendering.


import { escapeControls, excerpt } from "./excerpt.js";

/**
 * Every message a user can see, keyed by code. `{0}`, `{1}` are replaced by
 * the arguments of `diagnostic()`. Codes are stable: tools and tests match on
 * them, so a retired code is never reused. Retired: RNNC112 (a dimension
 * bound to a non-positive or fractional size), which compileCell and
 * checkCell now refuse as a BuildError naming the option, before any cell
 * file is read.
 */
export const diagnosticMessages = {
  RNNC100: "unsupported syntax: {0}",
  RNNC101: "unknown identifier '{0}'",
  RNNC102: "shape mismatch in {0}: {1}",
  RNNC103: "state '{0}' gets no next value",
  RNNC104: "dimension '{0}' is not bound",
  RNNC105: "cannot assign {0}: a step only computes values and returns the next states",
  RNNC106: "unknown function '{0}'",
  RNNC107: "cannot pick a cell: {0}",
  RNNC108: "bad declaration: {0}",
  RNNC109: "'{0}' is not a state of cell '{1}'",
  RNNC110: "syntax error: {0}",
  RNNC111: "{0} takes {1}, got {2}",
  RNNC113: "bad model: {0}",
  RNNC114: "cannot find cell '{0}': {1}",
  RNNC115: "output '{0}' gets no value",
  RNNC116: "numeric literal {0} is out of range: {1}",
  RNNC117: "bad initialiser for '{0}': {1}",
  RNNC118: "nested too deeply: more than {0} levels of brackets, operators or consts built on consts",
} as const;

export type DiagnosticCode = keyof typeof diagnosticMessages;

/** One user error, with a 1-based position. Line 0 means the file as a whole. */
export interface Diagnostic {
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
  /** Characters marked from `column`; may run past the end of `sourceLine`. */
  length: number;
  /** The text of line `line`, without its line break. */
  sourceLine: string;
  /** A suggestion of what to write instead, printed under the source line. */
  hint?: string;
}

/** Where a diagnostic points: everything of a Diagnostic but what it says. */
export type SourceSpan = Pick<Diagnostic, "file" | "line" | "column" | "length" | "sourceLine">;

/** Thrown by a stage to report user errors; the driver prints them and exits 1. */
export class DiagnosticError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
    this.name = "DiagnosticError";
  }
}

export function diagnostic(code: DiagnosticCode, args: readonly (string | number)[], at: SourceSpan, hint?: string): Diagnostic {
  const message = diagnosticMessages[code].replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? ""));
  return { code, message, ...at, ...(hint === undefined ? {} : { hint }) };
}

/** A span for diagnostics about a file as a whole (a missing cell, say). */
export function wholeFile(file: string): SourceSpan {
  return { file, line: 0, column: 0, length: 0, sourceLine: "" };
}

/** Maps offsets of one source text to spans; built once per file. */
export class SourceText {
  private readonly lineStarts: number[] = [0];
  private readonly lines: string[];

  constructor(readonly file: string, readonly text: string) {
    this.lines = text.split(/\r?\n|\r/);
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) this.lineStarts.push(i + 1);
    }
  }

  span(start: number, end: number): SourceSpan {
    let line = 0;
    while (line + 1 < this.lineStarts.length && this.lineStarts[line + 1]! <= start) line++;
    return {
      file: this.file,
      line: line + 1,
      column: start - this.lineStarts[line]! + 1,
      length: Math.max(0, end - start),
      sourceLine: this.lines[line] ?? "",
    };
  }
}

export interface FormatOptions {
  /** ANSI colours, for terminals only. */
  color?: boolean;
}

/**
 * Renders like tsc's pretty output:
 *   file:line:col - error CODE: message
 *     line | source text
 *          |      ^^^^^^
 */
export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}): string {
  const paint = (ansi: string, s: string) => (options.color ? `\x1b[${ansi}m${s}\x1b[0m` : s);
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const out = [`${escapeControls(where)} - ${paint("31", "error")} ${paint("90", d.code)}: ${escapeControls(d.message)}`];
  const gutter = " ".repeat(String(d.line).length);
  if (d.line > 0) {
    const quoted = excerpt(d.sourceLine, d.column, d.length);
    // Keep tabs in the indent so the carets line up with the text above them.
    const indent = quoted.text.slice(0, quoted.caretStart).replace(/[^\t]/g, " ");
    out.push(`  ${d.line} | ${quoted.text}`.trimEnd());
    out.push(`  ${gutter} | ${indent}${paint("31", "^".repeat(quoted.caretLength))}`);
  }
  if (d.hint !== undefined) out.push(`  ${d.line > 0 ? gutter : ""} = hint: ${escapeControls(d.hint)}`);
  return out.join("\n");
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: FormatOptions = {}): string {
  return diagnostics.map((d) => formatDiagnostic(d, options)).join("\n\n");
}
