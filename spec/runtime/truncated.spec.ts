// spec/runtime — sequences longer than a call (runtime/truncated.ts): a batch run in chunks,
// state carried, computes what one call over the whole sequence does (loss and final state,
// ragged lengths, sequences ending mid-chunk), in any cut; truncated BPTT with one chunk is
// train_step; the initial states are zero again afterwards; a bidirectional model and a chunk
// past the capacity are refused.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileCell } from "../support/compile.js";
import { randomizeModel } from "../../runtime/gradcheck.js";
import { instantiateModel, type RnncModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import { runInChunks, trainTruncated } from "../../runtime/truncated.js";

const readFile = (p: string) => readFileSync(p, "utf8");
const steps = 23;
const lengths = [23, 11, 5];
const batch = lengths.length;

function gru(capacitySteps: number, train = false): RnncModel {
  const file = "examples/gru.ts";
  const { binary } = compileCell({
    file,
    text: readFile(file),
    dims: { I: 3, H: 4 },
    dtype: "f64",
    capacity: { batch, steps: capacitySteps },
    loss: "mse",
    ...(train ? { train: { kind: "sgd", momentum: 0 } as const } : {}),
  });
  const model = instantiateModel(binary);
  randomizeModel(
    model,
    { batch, steps: capacitySteps },
    prng(5),
    lengths.map((l) => Math.min(l, capacitySteps)),
  );
  for (const t of model.tensors()) if (t.role === "state_in") model.tensor(t.name, "state_in").fill(0);
  return model;
}

/** Inputs [steps, batch, 3] and targets [steps, batch, 4] in [-1, 1), time-major. */
const rand = prng(9);
const x = Float64Array.from({ length: steps * batch * 3 }, () => rand() * 2 - 1);
const y = Float64Array.from({ length: steps * batch * 4 }, () => rand() * 2 - 1);

/** Writes steps [start, start + n) of the batch; each sequence's steps there as its length. */
const writer = (model: RnncModel) => (start: number, n: number) => {
  model.set("x", "input", x.subarray(start * batch * 3, (start + n) * batch * 3));
  model.set("h", "target", y.subarray(start * batch * 4, (start + n) * batch * 4));
  model.set(
    "lengths",
    "lengths",
    lengths.map((l) => Math.max(0, Math.min(n, l - start))),
  );
};

function copyParams(from: RnncModel, to: RnncModel): void {
  to.loadParams(from.saveParams());
}

describe("runInChunks", () => {
  const whole = gru(steps);
  writer(whole)(0, steps);
  const loss = whole.forward(batch, steps);
  const final = Array.from(whole.get("h", "state_out", { batch, steps }));

  it.each([1, 4, 5, 11, 22])("in chunks of %i steps computes the loss and final states of one call", (chunk) => {
    const model = gru(chunk);
    copyParams(whole, model);
    let finalOfChunks: number[] = [];
    const total = runInChunks(model, { batch, steps, write: writer(model) }, (size) => {
      const l = model.forward(size.batch, size.steps);
      finalOfChunks = Array.from(model.get("h", "state_out", size));
      return l;
    });
    expect(total).toBeCloseTo(loss, 10);
    finalOfChunks.forEach((v, i) => expect(v).toBeCloseTo(final[i]!, 12));
    expect(Array.from(model.get("h", "state_in", { batch, steps: 1 })).every((v) => v === 0)).toBe(true);
  });

  it("refuses a chunk past the steps capacity, and a model with a bidirectional layer", () => {
    const model = gru(5);
    expect(() => runInChunks(model, { batch, steps, chunk: 6, write: () => {} }, () => 0)).toThrow(
      /\[1, 5\] \(the steps capacity\); got 6/,
    );
    const file = "examples/models.ts";
    const { binary } = compileCell({
      file,
      text: readFile(file),
      cell: "biLstm",
      dims: { I: 2, H: 3, O: 1 },
      capacity: { batch: 1, steps: 4 },
      readFile,
    });
    const bidirectional = instantiateModel(binary);
    expect(() => runInChunks(bidirectional, { batch: 1, steps: 9, write: () => {} }, () => 0)).toThrow(
      /bidirectional layer cannot run a sequence in chunks/,
    );
  });
});

describe("trainTruncated", () => {
  it("with one chunk is train_step", () => {
    const [a, b] = [gru(steps, true), gru(steps, true)];
    copyParams(a, b);
    writer(a)(0, steps);
    const args = { learning_rate: 0.1, clip_norm: 0 };
    const expected = a.trainStep(batch, steps, args);
    expect(trainTruncated(b, { batch, steps, write: writer(b) }, args)).toBe(expected);
    expect(Buffer.from(b.saveParams()).equals(Buffer.from(a.saveParams()))).toBe(true);
  });

  it("in chunks updates once per chunk, each chunk's gradient from the state the one before left", () => {
    const [a, b] = [gru(8, true), gru(8, true)];
    copyParams(a, b);
    const args = { learning_rate: 0.1, clip_norm: 0 };
    let calls = 0;
    const total = trainTruncated(a, { batch, steps, write: (s, n) => (calls++, writer(a)(s, n)) }, args);
    expect(calls).toBe(3);
    // The same by hand: three train_steps, the final states of each the initial states of the next.
    let byHand = 0;
    for (const start of [0, 8, 16]) {
      const n = Math.min(8, steps - start);
      writer(b)(start, n);
      byHand += b.trainStep(batch, n, args)!;
      if (start < 16) b.set("h", "state_in", b.get("h", "state_out", { batch, steps: 1 }));
    }
    expect(total).toBe(byHand);
    expect(Buffer.from(a.saveParams()).equals(Buffer.from(b.saveParams()))).toBe(true);
  });
});
