// spec/examples — the character-level language model (examples/charlm): a tiny model trained
// for a few seconds on a slice of the Brown corpus' text measures a held-out cross-entropy below
// the unigram baseline's; held-out bits per character are those of every character once, each
// stream read with its state carried (by hand, a stream of batch 1 over each piece gives the
// same); a sample is the same from the same seed and another from another seed.

import { describe, expect, it } from "vitest";
import { resetStates, RnncStream, type RnncModel } from "rnnc/runtime";
import { baselines, bitsPerChar, charModel, sample, streams, trainStreams } from "../../examples/charlm/charlm.js";
import { characters, encode, readBrownText, untag } from "../../examples/charlm/text.js";

const text = readBrownText();
const trainText = text.train.slice(0, 40_000);
const heldText = text.test.slice(0, 6_000);
const chars = characters(trainText);
const [train, heldOut] = [encode(trainText, chars), encode(heldText, chars)];
const newline = chars.indexOf("\n");
// Without Binaryen's optimiser, as the specs compile (spec/support/compile.ts): the same values, sooner.
const shape = { vocab: chars.length, embed: 8, hidden: 32, batch: 8, chunk: 25, seed: 3, optimize: false };

/** Bits per character by hand: each piece through a stream of batch 1, −log₂ softmax of each target. */
function bitsByHand(model: RnncModel, ids: Int32Array): number {
  let bits = 0;
  resetStates(model);
  const stream = new RnncStream(model, 1);
  for (const piece of streams(ids, model.capacity.batch, newline)) {
    stream.reset();
    const scores = stream.run({ chars: piece.inputs }, piece.inputs.length).y!;
    const v = chars.length;
    piece.targets.forEach((target, t) => {
      const row = Array.from(scores.subarray(t * v, (t + 1) * v));
      const most = Math.max(...row);
      const logSum = most + Math.log(row.reduce((n, z) => n + Math.exp(z - most), 0));
      bits += (logSum - row[target]!) / Math.LN2;
    });
  }
  return bits / ids.length;
}

describe("examples/charlm", () => {
  it("reads the corpus as text without its tags, quotes as \"", () => {
    expect(untag("\n\n\tThe/at jury/nn said/vbd ``/`` no/at ''/'' ./.\n\n\tIt/pps ran/vbd ./.\n")).toBe(
      'The jury said " no " .\nIt ran .\n',
    );
    expect(text.train.startsWith("The Fulton County Grand Jury said Friday")).toBe(true);
    expect(chars[0]).toBe("");
    expect(Array.from(encode("Tq~", ["", "T", "q"]))).toEqual([1, 2, 0]);
  });

  it("cuts a text into streams in which every character is a target once, after the one before it", () => {
    const ids = Int32Array.from({ length: 23 }, (_, i) => i + 10);
    const pieces = streams(ids, 4, 1);
    expect(pieces.map((p) => p.targets.length)).toEqual([6, 6, 6, 5]);
    expect(pieces.flatMap((p) => Array.from(p.targets))).toEqual(Array.from(ids));
    expect(Array.from(pieces[1]!.inputs)).toEqual([15, 16, 17, 18, 19, 20]);
    expect(pieces[0]!.inputs[0]).toBe(1);
  });

  it("learns held-out text below the unigram baseline, and samples reproducibly from a seed", () => {
    const model = charModel(shape);
    const before = bitsPerChar(model, heldOut, newline);
    const options = {
      updates: 100, batch: shape.batch, chunk: shape.chunk, stride: shape.chunk, lr: 0.02, clip: 1, newline,
    };
    trainStreams(model, train, options);
    const after = bitsPerChar(model, heldOut, newline);
    const base = baselines(train, heldOut, chars.length);
    expect(base.uniform).toBeCloseTo(Math.log2(chars.length), 12);
    expect(before).toBeGreaterThan(base.unigram);
    expect(after).toBeLessThan(base.unigram - 0.2);
    expect(after).toBeCloseTo(bitsByHand(model, heldOut), 4);

    const draw = (seed: number) => sample(model, chars, { prime: "The ", length: 80, temperature: 0.8, seed });
    const first = draw(5);
    expect(first).toHaveLength(80);
    expect(draw(5)).toBe(first);
    expect(draw(6)).not.toBe(first);
    expect([...first].every((c) => chars.includes(c) && c !== "")).toBe(true);
  });
});
