// apps/train/tagger — vocabularies. In: training sentences. Out: the word,
// letter-trigram and tag vocabularies that map tokens to the module's i32 ids,
// and their JSON form, saved with a checkpoint so prediction maps the same way.

import { DataError } from "../errors.js";
import { tagsOf, type Sentence } from "./data.js";

/** Row 0 of the word and trigram tables: every word or trigram not seen in training. */
export const UNKNOWN_ID = 0;
export const UNKNOWN = "<unk>";

/** Trigram ids per word (wordHash slots) unless the model says otherwise. */
export const DEFAULT_SLOTS = 16;

export interface VocabJson {
  /** Row i of the word table; words[0] is UNKNOWN. */
  readonly words: readonly string[];
  /** Row i of the trigram table; trigrams[0] is UNKNOWN. */
  readonly trigrams: readonly string[];
  /** Class i of the readout. */
  readonly tags: readonly string[];
  /** Trigram ids per word: a word with more trigrams keeps the first `slots`. */
  readonly slots: number;
  /** Words seen fewer times in training map to UNKNOWN. */
  readonly minCount: number;
}

/** The letter trigrams of "#word#", lowercased: "apple" → #ap app ppl ple le#. */
export function letterTrigrams(word: string): string[] {
  const chars = [...`#${word.toLowerCase()}#`]; // by code point, so no trigram splits a surrogate pair
  const out: string[] = [];
  for (let i = 0; i + 3 <= chars.length; i++) out.push(chars.slice(i, i + 3).join(""));
  return out;
}

export class Vocabularies {
  readonly #words: Map<string, number>;
  readonly #trigrams: Map<string, number>;
  readonly #tags: Map<string, number>;

  constructor(readonly json: VocabJson) {
    const index = (list: readonly string[]) => new Map(list.map((t, i) => [t, i]));
    this.#words = index(json.words);
    this.#trigrams = index(json.trigrams);
    this.#tags = index(json.tags);
  }

  /** Counts over the training sentences; ids ordered by frequency, then by text, so a build is reproducible. */
  static build(sentences: readonly Sentence[], options: { minCount?: number; slots?: number } = {}): Vocabularies {
    const minCount = options.minCount ?? 1;
    const slots = options.slots ?? DEFAULT_SLOTS;
    const words = new Map<string, number>();
    const tags = new Set<string>();
    for (const s of sentences) {
      for (const w of s.tokens) words.set(w, (words.get(w) ?? 0) + 1);
      for (const t of tagsOf(s)) tags.add(t);
    }
    const trigrams = new Map<string, number>();
    for (const [w, n] of words) {
      for (const t of letterTrigrams(w).slice(0, slots)) trigrams.set(t, (trigrams.get(t) ?? 0) + n);
    }
    const byFrequency = (counts: Map<string, number>, least: number) =>
      [...counts]
        .filter(([, n]) => n >= least)
        .sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0))
        .map(([t]) => t);
    return new Vocabularies({
      words: [UNKNOWN, ...byFrequency(words, minCount)],
      trigrams: [UNKNOWN, ...byFrequency(trigrams, 1)],
      tags: [...tags].sort(),
      slots,
      minCount,
    });
  }

  /** Validates a vocabulary read back from a checkpoint. */
  static fromJson(value: unknown, where: string): Vocabularies {
    const v = value as Partial<VocabJson> | null;
    const list = (x: unknown): x is string[] => Array.isArray(x) && x.every((t) => typeof t === "string");
    if (
      !v ||
      !list(v.words) ||
      !list(v.trigrams) ||
      !list(v.tags) ||
      !Number.isInteger(v.slots) ||
      !Number.isInteger(v.minCount)
    ) {
      throw new DataError(`${where}: the vocabulary is malformed`);
    }
    if (v.words[0] !== UNKNOWN || v.trigrams[0] !== UNKNOWN || v.tags.length === 0)
      throw new DataError(`${where}: the vocabulary is malformed`);
    return new Vocabularies(v as VocabJson);
  }

  get wordCount(): number {
    return this.json.words.length;
  }
  get trigramCount(): number {
    return this.json.trigrams.length;
  }
  get tagCount(): number {
    return this.json.tags.length;
  }

  wordId(word: string): number {
    return this.#words.get(word) ?? UNKNOWN_ID;
  }

  /** A word not in the word vocabulary (an out-of-vocabulary word, for the OOV accuracy). */
  isUnknown(word: string): boolean {
    return !this.#words.has(word) || this.#words.get(word) === UNKNOWN_ID;
  }

  /** At most `slots` trigram ids, unknown trigrams as UNKNOWN_ID. */
  trigramIds(word: string): number[] {
    return letterTrigrams(word)
      .slice(0, this.json.slots)
      .map((t) => this.#trigrams.get(t) ?? UNKNOWN_ID);
  }

  /** The class of a tag, or undefined for a tag never seen in training. */
  tagId(tag: string): number | undefined {
    return this.#tags.get(tag);
  }

  tag(id: number): string {
    const t = this.json.tags[id];
    if (t === undefined) throw new Error(`internal: class ${id} is outside the ${this.tagCount} tags`);
    return t;
  }
}
