// spec/apps/train/tagger — minibatch layout as the module reads it (time-major ids,
// trigram slots, padding, lengths, targets), and word dropout.

import { describe, expect, it } from "vitest";
import { dropWords, packBatch } from "../../../../apps/train/tagger/batches.js";
import { letterTrigrams, Vocabularies } from "../../../../apps/train/tagger/vocab.js";

const train = [
  { tokens: ["leave", "oslo", "today"], tags: ["O", "B-from", "B-date"], line: 1 },
  { tokens: ["to", "rome"], tags: ["O", "B-to"], line: 2 },
];
const vocab = Vocabularies.build(train, { slots: 4 });
const layout = { words: ["words"], trigrams: [{ name: "trigrams", slots: 4 }] };

describe("packBatch", () => {
  const batch = packBatch([train[0]!, { tokens: ["rome"], tags: ["B-to"], line: 3 }], vocab, layout);
  const w = (word: string) => vocab.wordId(word);
  const tag = (t: string) => vocab.tagId(t)!;

  it("is as long as the longest sentence, time-major: element (t, b) at t·batch + b", () => {
    expect(batch.size).toEqual({ batch: 2, steps: 3 });
    expect([...batch.lengths]).toEqual([3, 1]);
    expect([...batch.inputs.get("words")!]).toEqual([w("leave"), w("rome"), w("oslo"), 0, w("today"), 0]);
  });

  it("pads targets with 0 past each sentence's end", () => {
    expect([...batch.targets]).toEqual([tag("O"), tag("B-to"), tag("B-from"), 0, tag("B-date"), 0]);
  });

  it("lays trigram ids out [steps, batch, slots], unused slots -1, long words cut to the first SLOTS", () => {
    const ids = batch.inputs.get("trigrams")!;
    expect(ids).toHaveLength(3 * 2 * 4);
    const at = (t: number, b: number) => [...ids.subarray((t * 2 + b) * 4, (t * 2 + b + 1) * 4)];
    const rows = (word: string) => letterTrigrams(word).map((g) => vocab.json.trigrams.indexOf(g));
    expect(at(0, 0)).toEqual(rows("leave").slice(0, 4)); // #le lea eav ave (ve# dropped)
    expect(at(0, 1)).toEqual(rows("rome").slice(0, 4));
    expect(at(1, 0)).toEqual(rows("oslo").slice(0, 4));
    expect(at(1, 1)).toEqual([-1, -1, -1, -1]);
    expect(at(2, 0)).toEqual(rows("today").slice(0, 4));
  });

  it("maps unknown words and trigrams to row 0", () => {
    const b = packBatch([{ tokens: ["xyz"], line: 1 }], vocab, layout);
    expect([...b.inputs.get("words")!]).toEqual([0]);
    expect([...b.inputs.get("trigrams")!]).toEqual([0, 0, 0, -1]); // #xy xyz yz#: none seen
  });

  it("feeds only the inputs the model has", () => {
    expect([...packBatch(train, vocab, { words: [], trigrams: [] }).inputs.keys()]).toEqual([]);
  });
});

describe("word dropout", () => {
  const many = Array.from({ length: 64 }, (_, i) => ({
    tokens: ["leave", "oslo", "today"].slice(0, 1 + (i % 3)),
    tags: ["O", "B-from", "B-date"].slice(0, 1 + (i % 3)),
    line: i + 1,
  }));
  const packed = packBatch(many, vocab, layout);
  const words = (b: ReturnType<typeof packBatch>) => [...b.inputs.get("words")!];

  it("replaces about p of the in-sentence word ids by row 0, and nothing past a sentence's end", () => {
    const dropped = words(dropWords(packed, layout, 0.25, 1, 1, 0));
    const before = words(packed);
    const inSentence = before.filter((id) => id !== 0).length;
    const changed = dropped.filter((id, i) => id !== before[i]);
    expect(changed.every((id) => id === 0)).toBe(true);
    expect(changed.length / inSentence).toBeGreaterThan(0.1);
    expect(changed.length / inSentence).toBeLessThan(0.4);
  });

  it("draws from (seed, epoch, batch) alone, leaves the packed batch and the trigram ids as they were", () => {
    const a = dropWords(packed, layout, 0.3, 7, 2, 5);
    expect(words(dropWords(packed, layout, 0.3, 7, 2, 5))).toEqual(words(a));
    expect(words(dropWords(packed, layout, 0.3, 7, 2, 6))).not.toEqual(words(a));
    expect(words(dropWords(packed, layout, 0.3, 7, 3, 5))).not.toEqual(words(a));
    expect(a.inputs.get("trigrams")).toBe(packed.inputs.get("trigrams"));
    expect(words(packed)).toEqual(words(packBatch(many, vocab, layout)));
  });

  it("is the identity at p = 0 and without 1-of-N inputs", () => {
    expect(dropWords(packed, layout, 0, 1, 1, 0)).toBe(packed);
    expect(dropWords(packed, { words: [], trigrams: layout.trigrams }, 0.5, 1, 1, 0)).toBe(packed);
  });
});
