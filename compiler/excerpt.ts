// compiler — the piece of a source line a diagnostic quotes. In: the line, the
// 1-based column and length of the marked range. Out: at most `width` visible
// characters around the range, with control and bidirectional-override
// characters escaped (so a file cannot drive the terminal), and where the
// carets go in that text. A 20 KB line of errors prints a window per error,
// not the whole line each time.

export interface Excerpt {
  /** The quoted text, escaped, with "…" where the line was cut. */
  readonly text: string;
  /** Where the carets start in `text` (0-based) and how many there are (at least 1). */
  readonly caretStart: number;
  readonly caretLength: number;
}

/** C0 and C1 controls except tab, DEL, and the bidi embedding, override and isolate marks. */
const unsafe = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Escapes what a terminal would act on instead of print: "\x1b" is shown as \x1b. */
export function escapeControls(text: string): string {
  return text.replace(unsafe, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
  });
}

export function excerpt(line: string, column: number, length: number, width = 100): Excerpt {
  const start = Math.min(Math.max(0, column - 1), line.length);
  const room = Math.max(1, line.length - start);
  const marked = Math.max(1, Math.min(length, room));
  // A long line keeps up to a third of the window before the range, the rest from its start on.
  let from = line.length <= width ? 0 : Math.max(0, start - Math.floor(width / 3));
  const to = Math.min(line.length, from + width);
  if (to - from < width) from = Math.max(0, to - width);
  const pieces = [
    from > 0 ? "…" : "",
    line.slice(from, start),
    line.slice(start, Math.min(to, start + marked)),
    line.slice(Math.min(to, start + marked), to),
  ];
  const [lead, before, range, after] = pieces.map((p, i) => (i === 0 ? p : escapeControls(p))) as [
    string, string, string, string,
  ];
  const text = `${lead}${before}${range}${after}${to < line.length ? "…" : ""}`;
  return { text, caretStart: lead.length + before.length, caretLength: Math.max(1, range.length) };
}
