// apps/train/tagger — reading tagged sentences. In: JSONL text ({"tokens": [...], "tags": [...]}
// per line) or plain text (a sentence per line). Out: sentences, or one DataError listing each
// malformed line as FILE:LINE: what is wrong.

import { DataError } from "../errors.js";

/** A sentence of the data; `line` is its 1-based line in the file, for messages. */
export interface Sentence {
  readonly tokens: readonly string[];
  readonly tags?: readonly string[];
  readonly line: number;
}

/** Report at most this many bad lines: a wholly wrong file should not flood the terminal. */
const MAX_PROBLEMS = 10;

export interface ReadOptions {
  /** Every sentence must carry tags (training and evaluation data). */
  readonly requireTags: boolean;
}

/** Parses JSONL; empty (whitespace-only) lines are skipped. */
export function parseJsonl(file: string, text: string, options: ReadOptions): Sentence[] {
  const sentences: Sentence[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && problems.length < MAX_PROBLEMS; i++) {
    const source = lines[i]!;
    if (source.trim() === "") continue;
    const result = parseLine(source, options);
    if (typeof result === "string") problems.push(`${file}:${i + 1}: ${result}`);
    else sentences.push({ ...result, line: i + 1 });
  }
  if (problems.length > 0) {
    const more = problems.length === MAX_PROBLEMS ? "\n(stopped after the first 10 problems)" : "";
    throw new DataError(`malformed data:\n${problems.join("\n")}${more}`);
  }
  if (sentences.length === 0) throw new DataError(`${file}: no sentences (expected one JSON object per line: {"tokens": [...], "tags": [...]})`);
  return sentences;
}

/** One line: the sentence, or what is wrong with it. */
function parseLine(source: string, options: ReadOptions): { tokens: string[]; tags?: string[] } | string {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (e) {
    return `bad JSON: ${(e as Error).message}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `expected an object {"tokens": [...], "tags": [...]}, got ${describe(value)}`;
  }
  const record = value as Record<string, unknown>;
  if (!("tokens" in record)) return 'missing "tokens"';
  const tokens = stringList(record.tokens, "tokens");
  if (typeof tokens === "string") return tokens;
  if (tokens.length === 0) return '"tokens" is empty';
  if (!("tags" in record)) return options.requireTags ? 'missing "tags"' : { tokens };
  const tags = stringList(record.tags, "tags");
  if (typeof tags === "string") return tags;
  if (tags.length !== tokens.length) return `${tokens.length} tokens but ${tags.length} tags`;
  return { tokens, tags };
}

function stringList(value: unknown, field: string): string[] | string {
  if (!Array.isArray(value)) return `"${field}" must be a list of strings, got ${describe(value)}`;
  const bad = value.findIndex((t) => typeof t !== "string" || t === "" || /\s/.test(t));
  if (bad >= 0) {
    const t = value[bad];
    const why = typeof t !== "string" ? `is ${describe(t)}, not a string` : t === "" ? "is empty" : "contains whitespace";
    return `${field}[${bad}] ${why}`;
  }
  return value as string[];
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  return typeof value === "object" ? "an object" : `the ${typeof value} ${String(value)}`;
}

/** Plain text: one sentence per line, whitespace-separated tokens, no tags. */
export function parseText(file: string, text: string): Sentence[] {
  const sentences: Sentence[] = [];
  text.split(/\r?\n/).forEach((source, i) => {
    const tokens = source.trim().split(/\s+/).filter((t) => t !== "");
    if (tokens.length > 0) sentences.push({ tokens, line: i + 1 });
  });
  if (sentences.length === 0) throw new DataError(`${file}: no sentences`);
  return sentences;
}

/** JSONL unless the file is named *.txt. */
export function parseSentences(file: string, text: string, options: ReadOptions): Sentence[] {
  if (/\.txt$/i.test(file)) {
    if (options.requireTags) throw new DataError(`${file}: labelled data must be JSONL with "tags" ({"tokens": [...], "tags": [...]} per line)`);
    return parseText(file, text);
  }
  return parseJsonl(file, text, options);
}

/** Tags of a sentence known to be labelled (parsed with requireTags). */
export function tagsOf(sentence: Sentence): readonly string[] {
  if (!sentence.tags) throw new Error(`internal: sentence of line ${sentence.line} has no tags`);
  return sentence.tags;
}
