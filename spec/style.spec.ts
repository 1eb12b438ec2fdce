// spec — the layout rule every source file keeps (issue 13): no line over 120
// characters in the tracked TypeScript, JavaScript and Python sources. The
// few lines that cannot be broken without changing what they are (a message
// literal whose placeholders are typed, fixture inputs read line by line) are
// listed below, each with the text that makes it long and why.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const LIMIT = 120;

/** Lines allowed over the limit: file, and a piece of the line's text that cannot be broken. */
const unbreakable: readonly (readonly [string, string])[] = [
  // A diagnostic's message is one string literal: its {0} and {1} are typed from it.
  ["compiler/diagnostics.ts", "multiplies a matrix only by a vector"],
  // fixtures.spec.ts reads the codes a fixture expects from its one first line.
  ["spec/fixtures/diagnostics/model-declarations.ts", "// expect: RNNC167"],
  // The input RNNC118 is about: one expression nested too deeply, its error located on this line.
  ["spec/fixtures/diagnostics/nested-too-deeply.ts", "tanh(tanh(tanh("],
];

const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" })
  .split("\0")
  .filter((f) => /\.(ts|js|mjs|py)$/.test(f));

describe("source layout", () => {
  it("reads the tracked sources", () => {
    expect(tracked.length).toBeGreaterThan(300);
  });

  it(`has no line over ${LIMIT} characters`, () => {
    const long: string[] = [];
    for (const file of tracked) {
      readFileSync(join(root, file), "utf8").split("\n").forEach((line, i) => {
        if (line.length <= LIMIT) return;
        if (unbreakable.some(([f, piece]) => f === file && line.includes(piece))) return;
        long.push(`${file}:${i + 1} (${line.length} characters)`);
      });
    }
    expect(long).toEqual([]);
  });

  it("lists only exceptions that are still long", () => {
    const stale = unbreakable.filter(([file, piece]) =>
      !readFileSync(join(root, file), "utf8").split("\n").some((l) => l.length > LIMIT && l.includes(piece)));
    expect(stale).toEqual([]);
  });
});
