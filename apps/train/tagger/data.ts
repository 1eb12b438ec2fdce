// apps/train/tagger — reading tagged sentences. In: JSONL text ({"tokens": [...], "tags": [...]}
// per line) or plain text (a sentence per line). Out: sentences, or one DataError listing each
// malformed line as FILE:LINE: what is wrong.

import { DataError } from "../errors.js";
import { describeValue as describe, readJsonl } from "../jsonl.js";

/** A sentence of the data; `line` is its 1-based line in the file, for messages. */
export interface Sentence {
  readonly tokens: readonly string[];
  readonly tags?: readonly string[];
  readonly line: number;
}

export interface ReadOptions {
  /** Every sentence must carry tags (training and evaluation data). */
  readonly requireTags: boolean;
}

/** Parses JSONL; empty (whitespace-only) lines are skipped. */
export function parseJsonl(file: string, text: string, options: ReadOptions): Sentence[] {
  const empty = 'no sentences (expected one JSON object per line: {"tokens": [...], "tags": [...]})';
  return readJsonl(file, text, (value) => sentenceOf(value, options), empty).map(({ value, line }) => ({
    ...value,
    line,
  }));
}

/** One line's value: the sentence, or what is wrong with it. */
function sentenceOf(value: unknown, options: ReadOptions): { tokens: string[]; tags?: string[] } | string {
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
    const why =
      typeof t !== "string" ? `is ${describe(t)}, not a string` : t === "" ? "is empty" : "contains whitespace";
    return `${field}[${bad}] ${why}`;
  }
  return value as string[];
}

/** Plain text: one sentence per line, whitespace-separated tokens, no tags. */
export function parseText(file: string, text: string): Sentence[] {
  const sentences: Sentence[] = [];
  text.split(/\r?\n/).forEach((source, i) => {
    const tokens = source
      .trim()
      .split(/\s+/)
      .filter((t) => t !== "");
    if (tokens.length > 0) sentences.push({ tokens, line: i + 1 });
  });
  if (sentences.length === 0) throw new DataError(`${file}: no sentences`);
  return sentences;
}

/** JSONL unless the file is named *.txt. */
export function parseSentences(file: string, text: string, options: ReadOptions): Sentence[] {
  if (/\.txt$/i.test(file)) {
    if (options.requireTags) {
      throw new DataError(
        `${file}: labelled data must be JSONL with "tags" ({"tokens": [...], "tags": [...]} per line)`,
      );
    }
    return parseText(file, text);
  }
  return parseJsonl(file, text, options);
}

/** Tags of a sentence known to be labelled (parsed with requireTags). */
export function tagsOf(sentence: Sentence): readonly string[] {
  if (!sentence.tags) throw new Error(`internal: sentence of line ${sentence.line} has no tags`);
  return sentence.tags;
}
