// playground — the editor: a textarea with a line-number gutter and the
// diagnostics drawn on it. In: the text the user types and the diagnostics of
// the last check. Out: change events, and the caret moved to a diagnostic.
// The marks are a <pre> behind the transparent textarea with the same text
// and metrics, its text invisible, each diagnostic's range underlined.

import type { Diagnostic } from "../../../compiler/api.js";

export class Editor {
  readonly textarea: HTMLTextAreaElement;
  private readonly gutter: HTMLPreElement;
  private readonly marks: HTMLPreElement;
  private diagnostics: readonly Diagnostic[] = [];

  constructor(root: HTMLElement, onChange: () => void) {
    root.classList.add("editor");
    this.gutter = root.appendChild(document.createElement("pre"));
    this.gutter.className = "gutter";
    this.gutter.setAttribute("aria-hidden", "true");
    const code = root.appendChild(document.createElement("div"));
    code.className = "code";
    this.marks = code.appendChild(document.createElement("pre"));
    this.marks.className = "marks";
    this.marks.setAttribute("aria-hidden", "true");
    this.textarea = code.appendChild(document.createElement("textarea"));
    this.textarea.id = "source";
    this.textarea.spellcheck = false;
    this.textarea.wrap = "off";
    this.textarea.setAttribute("aria-label", "cell file");
    this.textarea.addEventListener("input", () => {
      this.render();
      onChange();
    });
    this.textarea.addEventListener("scroll", () => this.syncScroll());
  }

  get text(): string {
    return this.textarea.value;
  }

  set text(value: string) {
    this.textarea.value = value;
    this.diagnostics = [];
    this.render();
  }

  /** Shows these diagnostics until the next call; they are positions in the current text. */
  show(diagnostics: readonly Diagnostic[]): void {
    this.diagnostics = diagnostics;
    this.render();
  }

  /** The caret at a 1-based line and column, scrolled into view, the editor focused. */
  moveTo(line: number, column: number): void {
    const offset = this.offsetOf(line, column);
    this.textarea.focus();
    this.textarea.setSelectionRange(offset, offset);
    const lineHeight = parseFloat(getComputedStyle(this.textarea).lineHeight) || 18;
    this.textarea.scrollTop = Math.max(0, (line - 1) * lineHeight - this.textarea.clientHeight / 2);
    this.syncScroll();
  }

  private offsetOf(line: number, column: number): number {
    const lines = this.textarea.value.split("\n");
    let offset = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i]!.length + 1;
    const here = lines[Math.min(line, lines.length) - 1] ?? "";
    return offset + Math.min(Math.max(column - 1, 0), here.length);
  }

  private render(): void {
    const text = this.textarea.value;
    const lineCount = text.split("\n").length;
    const errors = new Map<number, string[]>();
    for (const d of this.diagnostics) {
      if (d.line > 0) errors.set(d.line, [...(errors.get(d.line) ?? []), `${d.code}: ${d.message}`]);
    }
    this.gutter.replaceChildren(...Array.from({ length: lineCount }, (_, i) => {
      const span = document.createElement("span");
      span.textContent = `${i + 1}\n`;
      const messages = errors.get(i + 1);
      if (messages) {
        span.className = "error";
        span.title = messages.join("\n");
      }
      return span;
    }));
    this.marks.replaceChildren(...this.markedRuns(text));
    this.syncScroll();
  }

  /** The text cut at each diagnostic's range, the ranges wrapped in <mark>. */
  private markedRuns(text: string): Node[] {
    const ranges = this.diagnostics
      .filter((d) => d.line > 0)
      .map((d) => {
        const start = this.offsetOf(d.line, d.column);
        const lineEnd = text.indexOf("\n", start) === -1 ? text.length : text.indexOf("\n", start);
        const end = Math.max(start + 1, Math.min(start + d.length, lineEnd));
        return { start, end, title: `${d.code}: ${d.message}` };
      })
      .sort((a, b) => a.start - b.start);
    const runs: Node[] = [];
    let at = 0;
    for (const range of ranges) {
      if (range.start < at) continue; // overlapping ranges: the first one drawn is enough to see the spot
      runs.push(document.createTextNode(text.slice(at, range.start)));
      const mark = document.createElement("mark");
      mark.textContent = text.slice(range.start, range.end) || " ";
      mark.title = range.title;
      runs.push(mark);
      at = range.end;
    }
    // A trailing line keeps the marks as tall as the textarea's scrollable text.
    runs.push(document.createTextNode(`${text.slice(at)}\n `));
    return runs;
  }

  private syncScroll(): void {
    this.marks.scrollTop = this.textarea.scrollTop;
    this.marks.scrollLeft = this.textarea.scrollLeft;
    this.gutter.scrollTop = this.textarea.scrollTop;
  }
}
