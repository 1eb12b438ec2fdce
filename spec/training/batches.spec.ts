// spec/training — minibatch layout as the module reads it (time-major ids,
// trigram slots, padding, lengths, targets), and seeded shuffling that a
// resumed run continues exactly.

import { describe, expect, it } from "vitest";
import { chunks, CountedRandom, packBatch, shuffled } from "../../compiler/training/batches.js";
import { letterTrigrams, Vocabularies } from "../../compiler/training/vocab.js";

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

describe("shuffling", () => {
  it("is a permutation, the same for the same seed, another for another seed", () => {
    const a = shuffled(50, new CountedRandom(7));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffled(50, new CountedRandom(7))).toEqual(a);
    expect(shuffled(50, new CountedRandom(8))).not.toEqual(a);
  });

  it("resumes from a draw count: the stream continues where it was", () => {
    const whole = new CountedRandom(3);
    const first = shuffled(20, whole);
    const second = shuffled(20, whole);
    expect(whole.draws).toBe(38);
    const resumed = new CountedRandom(3, 19);
    expect(shuffled(20, resumed)).toEqual(second);
    expect(first).not.toEqual(second);
  });

  it("cuts an epoch into batches of at most the batch size", () => {
    expect(chunks([4, 2, 0, 1, 3], 2)).toEqual([[4, 2], [0, 1], [3]]);
  });
});
