// examples — what the data generators share: JSON lines, whether a script is
// run rather than imported, their command line (--out DIR and counts, each a
// non-negative integer, with --help) and the train and dev files they write.

import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** One JSON document per line. @param {readonly unknown[]} lines */
export const toJsonl = (lines) => lines.map((l) => JSON.stringify(l)).join("\n") + "\n";

/** Whether the module at this URL is the script node was started with. @param {string} moduleUrl */
export const isMain = (moduleUrl) => Boolean(process.argv[1]) && resolve(process.argv[1]) === fileURLToPath(moduleUrl);

/**
 * --out DIR (default: `data` beside the script) and one integer flag per
 * count, with its default; --help prints the usage, a bad count exits 2.
 * @template {string} K
 * @param {string} usage @param {string} moduleUrl @param {Record<K, number>} defaults
 * @returns {{ out: string; counts: Record<K, number> }}
 */
export function generatorArgs(usage, moduleUrl, defaults) {
  const names = /** @type {K[]} */ (Object.keys(defaults));
  const options = Object.fromEntries(names.map((name) => [name, { type: /** @type {const} */ ("string") }]));
  const { values } = parseArgs({
    options: { ...options, out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  /** @param {unknown} v @param {number} fallback */
  const count = (v, fallback) => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 0) {
      process.stderr.write(`generate.js: expected a non-negative integer, got "${v}"\n\n${usage}\n`);
      process.exit(2);
    }
    return n;
  };
  const counts = /** @type {Record<K, number>} */ (
    Object.fromEntries(names.map((n) => [n, count(values[n], defaults[n])]))
  );
  const out = typeof values.out === "string" ? values.out : fileURLToPath(new URL("./data", moduleUrl));
  return { out, counts };
}

/**
 * Writes DIR/NAME-train.jsonl and DIR/NAME-dev.jsonl for each task, from seeds 2·seed and
 * 2·seed + 1, and says so on stderr.
 * @param {string} out @param {number} seed @param {{ train: number, dev: number }} counts
 * @param {Record<string, (count: number, seed: number) => readonly unknown[]>} tasks
 */
export function writeSplits(out, seed, counts, tasks) {
  mkdirSync(out, { recursive: true });
  for (const [name, make] of Object.entries(tasks)) {
    for (const [split, n, offset] of /** @type {const} */ ([
      ["train", counts.train, 0],
      ["dev", counts.dev, 1],
    ])) {
      const file = join(out, `${name}-${split}.jsonl`);
      writeFileSync(file, toJsonl(make(n, 2 * seed + offset)));
      process.stderr.write(`wrote ${file}: ${n} sequences\n`);
    }
  }
}
