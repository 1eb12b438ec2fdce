// compiler/frontend — collects the diagnostics of one cell file while it is
// checked. In: ts-morph nodes or spans and a code. Out: the sorted list that
// parseCells throws as one DiagnosticError. While a helper's body is inlined at
// a call, every diagnostic also notes that call (and the calls around it).

import type { Node as TsNode } from "ts-morph";
import {
  diagnostic,
  DiagnosticError,
  type Note,
  SourceText,
  type Diagnostic,
  type DiagnosticArgs,
  type DiagnosticCode,
  type SourceSpan,
} from "../diagnostics.js";

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  readonly source: SourceText;
  /** The helper calls being inlined, outermost first. */
  private readonly calls: Note[] = [];

  constructor(file: string, text: string) {
    this.source = new SourceText(file, text);
  }

  /** The span of a node's own text, without leading trivia (comments, indentation). */
  spanOf(node: TsNode): SourceSpan {
    return this.source.span(node.getStart(), node.getEnd());
  }

  /** Reports `code` at `where`; `hint` only where the advice depends on more than the arguments. */
  error<C extends DiagnosticCode>(code: C, args: DiagnosticArgs<C>, where: TsNode | SourceSpan, hint?: string): void {
    const at = "getStart" in where ? this.spanOf(where) : where;
    const d = diagnostic(code, args, at, hint);
    this.diagnostics.push(this.calls.length === 0 ? d : { ...d, notes: this.notes() });
  }

  /** The calls around the error, innermost first: the three innermost and the outermost, which counts the rest. */
  private notes(): Note[] {
    const calls = [...this.calls].reverse();
    if (calls.length <= 4) return calls;
    const outer = calls[calls.length - 1]!;
    return [...calls.slice(0, 3), { ...outer, message: `${outer.message}, ${calls.length - 4} calls further out` }];
  }

  /** Runs `inline` with `call` noted on every diagnostic it reports. */
  within<T>(call: Note, inline: () => T): T {
    this.calls.push(call);
    try {
      return inline();
    } finally {
      this.calls.pop();
    }
  }

  get failed(): boolean {
    return this.diagnostics.length > 0;
  }

  /** Throws everything reported so far, in source order, if anything was. */
  throwIfFailed(): void {
    if (!this.failed) return;
    const sorted = [...this.diagnostics].sort((a, b) => a.line - b.line || a.column - b.column);
    throw new DiagnosticError(sorted);
  }
}
