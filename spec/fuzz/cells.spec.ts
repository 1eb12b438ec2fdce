// spec/fuzz — the compiler fed malformed cell files, as the fuzzing that
// found issue 13's reproducers did, bounded in time: each example cell file
// is damaged by random edits (spans deleted, duplicated or swapped; tokens a
// hostile or careless user writes inserted: brackets, operators, exponent and
// out-of-range literals, prototype keys as names, control characters, deep
// nesting) and checked, then compiled when it checks. Every outcome is a
// module or a located DiagnosticError (a BuildError where the options rule
// the cell out): never another exception, a stack overflow or a hang.
// RNNC_FUZZ_SECONDS and RNNC_FUZZ_RUNS set how long each property may run
// (default 8 s) and how many cases it draws (default 400); with either set,
// the outcomes are printed (RNNC_FUZZ_RUNS=20000 RNNC_FUZZ_SECONDS=600 for a hunt).

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkCell } from "../../compiler/pipeline.js";
import { DiagnosticError } from "../../compiler/diagnostics.js";
import { BuildError } from "../../compiler/errors.js";
import { compileCell } from "../support/compile.js";

const fromEnv = (name: string, fallback: number) =>
  (Number(process.env[name]) > 0 ? Number(process.env[name]) : fallback);
const seconds = fromEnv("RNNC_FUZZ_SECONDS", 8);
const runs = fromEnv("RNNC_FUZZ_RUNS", 400);
const hunting = process.env.RNNC_FUZZ_SECONDS !== undefined || process.env.RNNC_FUZZ_RUNS !== undefined;
const examples = new URL("../../examples/", import.meta.url);
/** Single-cell example files: every edit lands in the one cell the file compiles. */
const sources = readdirSync(examples).filter((f) => f.endsWith(".ts") && !/models|tagger/.test(f)).sort()
  .map((f) => ({ file: `examples/${f}`, text: readFileSync(new URL(f, examples), "utf8") }));

const tokens = [
  "(", ")", "{", "}", "[", "]", ",", ";", ":", "*", "+", "-", "/", "=>", "...", "?.", "!", "?", "=", "`", "\"", "'",
  "\"H\"", "\"I\"", "\"\"", "\"H*\"", "\"4*H\"",
  "1e-7", "5e-8", "1e400", "4.9e-324", "0x10", "1_000", "NaN", "Infinity",
  "-0", "2e21", "__proto__", "constructor", "valueOf", "toString", "hasOwnProperty", "const", "return", "function",
  "step", "state", "params", "input", "cell", "tanh", "sigmoid", "h", "x", "W", "as any", "await", "yield", "this",
  "new", "delete", "typeof", "\u0000", "\u001b[31m", "\r", "\t", "\n", "\u2028", "é", "🙂", "/*", "*/", "//",
];

type Edit =
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "insert"; readonly at: number; readonly token: string }
  | { readonly kind: "duplicate"; readonly at: number; readonly length: number }
  | { readonly kind: "swap"; readonly at: number; readonly other: number; readonly length: number }
  | { readonly kind: "nest"; readonly at: number; readonly depth: number };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: position, length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: position, token: fc.constantFrom(...tokens) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: position, length: fc.integer({ min: 1, max: 60 }) }),
  fc.record({
    kind: fc.constant("swap" as const), at: position, other: position, length: fc.integer({ min: 1, max: 30 }),
  }),
  fc.record({ kind: fc.constant("nest" as const), at: position, depth: fc.constantFrom(3, 50, 800, 4000) }),
);

function apply(text: string, e: Edit): string {
  const at = Math.floor(e.at * text.length);
  switch (e.kind) {
    case "delete": return text.slice(0, at) + text.slice(at + e.length);
    case "insert": return `${text.slice(0, at)} ${e.token} ${text.slice(at)}`;
    case "duplicate": return text.slice(0, at + e.length) + text.slice(at, at + e.length) + text.slice(at + e.length);
    case "swap": {
      const [a, b] = [at, Math.floor(e.other * text.length)].sort((x, y) => x - y) as [number, number];
      if (b < a + e.length) return text;
      return text.slice(0, a) + text.slice(b, b + e.length) + text.slice(a + e.length, b) +
        text.slice(a, a + e.length) + text.slice(b + e.length);
    }
    case "nest": return `${text.slice(0, at)}${"(".repeat(e.depth)}h${")".repeat(e.depth)}${text.slice(at)}`;
  }
}

/** "ok", or what a user error said; throws anything that is not one (the property then fails with it). */
function outcome(file: string, text: string): string {
  const options = { file, text, dims: { I: 3, H: 4, O: 2 }, capacity: { batch: 2, steps: 3 } };
  try {
    checkCell(options);
    compileCell(options);
    return "ok";
  } catch (e) {
    if (e instanceof DiagnosticError) {
      expect(e.diagnostics.length).toBeGreaterThan(0);
      for (const d of e.diagnostics) {
        expect(d.code).toMatch(/^RNNC\d{3}$/);
        expect(d.file).toBe(file);
        expect(d.line, `${d.code} ${d.message}: a line in the file`).toBeGreaterThanOrEqual(0);
      }
      expect(e.message, "no raw control characters reach the terminal").not.toMatch(/[\u0000-\u0008\u000b\u001b]/);
      return e.diagnostics[0]!.code;
    }
    if (e instanceof BuildError) return "build error";
    throw e;
  }
}

describe("malformed cell files are diagnostics, never crashes", () => {
  it("random edits of every single-cell example", { timeout: (seconds + 60) * 1000 }, () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(fc.constantFrom(...sources), fc.array(edit, { minLength: 1, maxLength: 4 }), (source, edits) => {
        const text = edits.reduce(apply, source.text);
        const result = outcome(source.file, text);
        seen.set(result, (seen.get(result) ?? 0) + 1);
      }),
      { numRuns: runs, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false },
    );
    if (hunting) console.log([...seen].map(([k, n]) => `${k} ×${n}`).join(", "));
    // The edits reach past the parser: several kinds of diagnostic, and some damaged files still compile.
    expect(seen.size, [...seen].map(([k, n]) => `${k} ×${n}`).join(", ")).toBeGreaterThan(3);
  });
});
