// spec/apps/train/tagger — vocabularies: letter trigrams of "#word#", reserved rows
// for unknown words and trigrams, the SLOTS limit, min counts, and the JSON
// form a checkpoint stores.

import { describe, expect, it } from "vitest";
import { letterTrigrams, UNKNOWN_ID, Vocabularies } from "../../../../apps/train/tagger/vocab.js";

const sentences = [
  { tokens: ["apple", "pie", "apple"], tags: ["B-food", "I-food", "B-food"], line: 1 },
  { tokens: ["Apple", "tart"], tags: ["B-org", "O"], line: 2 },
];

describe("letter trigrams", () => {
  it('"apple" is #ap app ppl ple le#', () => {
    expect(letterTrigrams("apple")).toEqual(["#ap", "app", "ppl", "ple", "le#"]);
  });

  it("lowercases, and a one-letter word is one trigram", () => {
    expect(letterTrigrams("Apple")).toEqual(letterTrigrams("apple"));
    expect(letterTrigrams("a")).toEqual(["#a#"]);
    expect(letterTrigrams("an")).toEqual(["#an", "an#"]);
  });

  it("does not split characters outside the BMP", () => {
    expect(letterTrigrams("😀x")).toEqual(["#😀x", "😀x#"]);
  });
});

describe("Vocabularies", () => {
  const vocab = Vocabularies.build(sentences);

  it("reserves row 0 for unknown words, ordering the rest by frequency then text", () => {
    expect(vocab.json.words).toEqual(["<unk>", "apple", "Apple", "pie", "tart"]);
    expect(vocab.wordId("apple")).toBe(1);
    expect(vocab.wordId("banana")).toBe(UNKNOWN_ID);
    expect(vocab.isUnknown("banana")).toBe(true);
    expect(vocab.isUnknown("pie")).toBe(false);
  });

  it("maps trigrams of training words, unknown trigrams to row 0", () => {
    expect(vocab.json.trigrams[0]).toBe("<unk>");
    expect(vocab.json.trigrams[1]).toBe("#ap"); // 3 occurrences of apple/Apple, first by text among ties
    const ids = vocab.trigramIds("apt");
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(vocab.json.trigrams.indexOf("#ap"));
    expect(ids[1]).toBe(UNKNOWN_ID); // "apt" never occurs
    expect(ids[2]).toBe(UNKNOWN_ID); // nor "pt#"
  });

  it("keeps the first SLOTS trigrams of a long word", () => {
    const v = Vocabularies.build([{ tokens: ["abcdefgh"], tags: ["O"], line: 1 }], { slots: 4 });
    expect(v.trigramIds("abcdefgh")).toEqual(
      [1, 2, 3, 4].map((i) => v.json.trigrams.indexOf(letterTrigrams("abcdefgh")[i - 1]!)),
    );
    expect(v.json.trigrams).toHaveLength(1 + 4);
  });

  it("sorts tags, and maps unseen ones to nothing", () => {
    expect(vocab.json.tags).toEqual(["B-food", "B-org", "I-food", "O"]);
    expect(vocab.tagId("O")).toBe(3);
    expect(vocab.tagId("B-city")).toBeUndefined();
  });

  it("drops words rarer than min count", () => {
    expect(Vocabularies.build(sentences, { minCount: 2 }).json.words).toEqual(["<unk>", "apple"]);
  });

  it("round-trips through JSON and rejects a malformed one", () => {
    const back = Vocabularies.fromJson(JSON.parse(JSON.stringify(vocab.json)), "ckpt");
    expect(back.json).toEqual(vocab.json);
    expect(back.trigramIds("pie")).toEqual(vocab.trigramIds("pie"));
    expect(() => Vocabularies.fromJson({ words: ["a"], trigrams: [], tags: [] }, "ckpt")).toThrow(
      /ckpt: the vocabulary is malformed/,
    );
  });
});
