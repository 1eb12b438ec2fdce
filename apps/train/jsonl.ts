// apps/train — JSONL data, one JSON object per line, for every task. In: a
// file's name and text, and how one line's value becomes an example. Out: the
// examples with their 1-based lines, or one DataError listing each malformed
// line as FILE:LINE: what is wrong (at most ten, so a wholly wrong file does
// not flood the terminal).

import { DataError } from "./errors.js";

const MAX_PROBLEMS = 10;

/**
 * Reads every non-empty line; `read` turns its parsed value (and its line)
 * into an example or says what is wrong with it. `empty` is the message of a
 * file without examples (what a line should look like).
 */
export function readJsonl<T>(
  file: string,
  text: string,
  read: (value: unknown, line: number) => T | string,
  empty: string,
): { value: T; line: number }[] {
  const examples: { value: T; line: number }[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && problems.length < MAX_PROBLEMS; i++) {
    const source = lines[i]!;
    if (source.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (e) {
      problems.push(`${file}:${i + 1}: bad JSON: ${(e as Error).message}`);
      continue;
    }
    const result = read(value, i + 1);
    if (typeof result === "string") problems.push(`${file}:${i + 1}: ${result}`);
    else examples.push({ value: result, line: i + 1 });
  }
  if (problems.length > 0) {
    const more = problems.length === MAX_PROBLEMS ? "\n(stopped after the first 10 problems)" : "";
    throw new DataError(`malformed data:\n${problems.join("\n")}${more}`);
  }
  if (examples.length === 0) throw new DataError(`${file}: ${empty}`);
  return examples;
}

/** A value as a message names it: "the number 7", "a list", "the string \"abc\"". */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  return typeof value === "object" ? "an object" : `the ${typeof value} ${String(value)}`;
}
