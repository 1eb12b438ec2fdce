// compiler/frontend — collects the diagnostics of one cell file while it is
// checked. In: ts-morph nodes or spans and a code. Out: the sorted list that
// parseCells throws as one DiagnosticError.

import type { Node as TsNode } from "ts-morph";
import {
  diagnostic,
  DiagnosticError,
  SourceText,
  type Diagnostic,
  type DiagnosticArgs,
  type DiagnosticCode,
  type SourceSpan,
} from "../diagnostics.js";

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  readonly source: SourceText;

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
    this.diagnostics.push(diagnostic(code, args, at, hint));
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
