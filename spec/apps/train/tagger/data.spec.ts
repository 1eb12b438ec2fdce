// spec/apps/train/tagger — reading JSONL and text data: every kind of malformed line
// is reported with its file and line number; empty lines are skipped.

import { describe, expect, it } from "vitest";
import { DataError } from "../../../../apps/train/errors.js";
import { parseJsonl, parseSentences, parseText } from "../../../../apps/train/tagger/data.js";

const labelled = { requireTags: true };

function problems(text: string, options = labelled): string {
  try {
    parseJsonl("train.jsonl", text, options);
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error("expected a DataError");
}

describe("parseJsonl", () => {
  it("reads sentences and remembers their lines, skipping empty ones", () => {
    const text = '{"tokens": ["a", "b"], "tags": ["O", "B-x"]}\n\n   \n{"tokens": ["c"], "tags": ["O"]}\n';
    expect(parseJsonl("f.jsonl", text, labelled)).toEqual([
      { tokens: ["a", "b"], tags: ["O", "B-x"], line: 1 },
      { tokens: ["c"], tags: ["O"], line: 4 },
    ]);
  });

  it("reads CRLF files", () => {
    expect(
      parseJsonl("f.jsonl", '{"tokens": ["a"], "tags": ["O"]}\r\n{"tokens": ["b"], "tags": ["O"]}\r\n', labelled).map(
        (s) => s.line,
      ),
    ).toEqual([1, 2]);
  });

  it.each([
    ['{"tokens": ["a"], "tags": ["O"]', /^train\.jsonl:2: bad JSON: /m],
    ['{"tags": ["O"]}', /^train\.jsonl:2: missing "tokens"$/m],
    ['{"tokens": ["a", "b"], "tags": ["O"]}', /^train\.jsonl:2: 2 tokens but 1 tags$/m],
    ['{"tokens": ["a", 7], "tags": ["O", "O"]}', /^train\.jsonl:2: tokens\[1\] is the number 7, not a string$/m],
    ['{"tokens": ["a"]}', /^train\.jsonl:2: missing "tags"$/m],
    ['{"tokens": "a b", "tags": ["O"]}', /^train\.jsonl:2: "tokens" must be a list of strings, got the string "a b"$/m],
    ['["a"]', /^train\.jsonl:2: expected an object .*, got a list$/m],
    ['{"tokens": [], "tags": []}', /^train\.jsonl:2: "tokens" is empty$/m],
    ['{"tokens": ["a b"], "tags": ["O"]}', /^train\.jsonl:2: tokens\[0\] contains whitespace$/m],
    ['{"tokens": ["a"], "tags": [null]}', /^train\.jsonl:2: tags\[0\] is null, not a string$/m],
  ])("reports %s with its line", (bad, message) => {
    expect(problems(`{"tokens": ["ok"], "tags": ["O"]}\n${bad}\n`)).toMatch(message);
  });

  it("lists several bad lines at once, and stops after ten", () => {
    const text = ["{", '{"tokens": ["a"], "tags": ["O"]}', "{", "{"].join("\n");
    expect(problems(text).split("\n").slice(1)).toEqual([
      expect.stringMatching(/^train\.jsonl:1: bad JSON/),
      expect.stringMatching(/^train\.jsonl:3: bad JSON/),
      expect.stringMatching(/^train\.jsonl:4: bad JSON/),
    ]);
    expect(problems("{\n".repeat(30))).toMatch(/train\.jsonl:10: [^]*stopped after the first 10 problems/);
  });

  it("accepts sentences without tags when tags are not required", () => {
    expect(parseJsonl("f.jsonl", '{"tokens": ["a"]}', { requireTags: false })).toEqual([{ tokens: ["a"], line: 1 }]);
  });

  it("refuses a file with no sentences", () => {
    expect(problems("\n\n")).toMatch(/train\.jsonl: no sentences/);
  });
});

describe("plain text", () => {
  it("splits lines on whitespace and skips empty ones", () => {
    expect(parseText("q.txt", "leave  taipei\ton monday\n\narrive in boston\n")).toEqual([
      { tokens: ["leave", "taipei", "on", "monday"], line: 1 },
      { tokens: ["arrive", "in", "boston"], line: 3 },
    ]);
  });

  it("is chosen by the .txt name, and refused where tags are needed", () => {
    expect(parseSentences("q.txt", "a b", { requireTags: false })[0]!.tokens).toEqual(["a", "b"]);
    expect(() => parseSentences("q.txt", "a b", labelled)).toThrow(/labelled data must be JSONL/);
  });
});
