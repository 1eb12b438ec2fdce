// spec/runtime — sequences longer than a call (runtime/truncated.ts): a batch run in chunks,
// state carried, computes what one call over the whole sequence does (loss and final state,
// ragged lengths, sequences ending mid-chunk), in any cut; truncated BPTT with one chunk is
// train_step; the initial states are zero again afterwards; a bidirectional model and a chunk
// past the capacity are refused. TBPTT(k1, k2): a stride equal to the chunk is the chunks above
// bit for bit; with a shorter stride each chunk starts from the state one call over the sequence
// has at its first step, and the carried state is the one before the chunk's update.

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

  it.each([undefined, 8])(
    "in chunks (stride %s) updates once per chunk, from the state the one before left",
    (stride) => {
      const [a, b] = [gru(8, true), gru(8, true)];
      copyParams(a, b);
      const args = { learning_rate: 0.1, clip_norm: 0 };
      let calls = 0;
      const chunks = { batch, steps, stride, write: (s: number, n: number) => (calls++, writer(a)(s, n)) };
      const total = trainTruncated(a, chunks, args);
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
    },
  );
});

describe("TBPTT(k1, k2) with k1 < k2", () => {
  const [chunk, stride] = [8, 3];
  const starts = [0, 3, 6, 9, 12, 15]; // 15 + 8 reaches step 23, the end
  /** The state of one call over the sequence after `start` steps (zero before the first). */
  const whole = gru(steps);
  const stateAt = (params: Uint8Array, start: number): number[] => {
    if (start === 0) return new Array<number>(batch * 4).fill(0);
    whole.loadParams(params);
    writer(whole)(0, start);
    whole.forward(batch, start);
    return Array.from(whole.get("h", "state_out", { batch, steps: 1 }));
  };

  it("starts a chunk every k1 steps, each from the state the sequence has at its first step", () => {
    const model = gru(chunk, true);
    const params = model.saveParams();
    const seen: { start: number; steps: number; state: number[] }[] = [];
    const write = writer(model);
    const total = trainTruncated(model, { batch, steps, chunk, stride, write }, { learning_rate: 0, clip_norm: 0 });
    // A learning rate of 0 keeps the parameters, so every chunk's start state is that of the one call.
    runInChunks(model, { batch, steps, chunk, stride, write }, (size, start) => {
      seen.push({ start, steps: size.steps, state: Array.from(model.get("h", "state_in", { batch, steps: 1 })) });
      return model.forward(size.batch, size.steps);
    });
    expect(seen.map((c) => [c.start, c.steps])).toEqual(starts.map((s) => [s, Math.min(chunk, steps - s)]));
    for (const c of seen) {
      const expected = stateAt(params, c.start);
      c.state.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    }
    expect(Buffer.from(model.saveParams()).equals(Buffer.from(params))).toBe(true);
    expect(total).toBeGreaterThan(0);
  });

  it("carries the state its chunk's forward pass reached after k1 steps, before the update", () => {
    const [a, b] = [gru(chunk, true), gru(chunk, true)];
    copyParams(a, b);
    const args = { learning_rate: 0.1, clip_norm: 0 };
    const total = trainTruncated(a, { batch, steps, chunk, stride, write: writer(a) }, args);
    // By hand: a forward over the first k1 steps of each chunk gives the next one's state, then the update.
    let byHand = 0;
    for (const start of starts) {
      const n = Math.min(chunk, steps - start);
      let next: Float64Array | undefined;
      if (start !== starts.at(-1)) {
        writer(b)(start, stride);
        b.forward(batch, stride);
        next = Float64Array.from(b.get("h", "state_out", { batch, steps: 1 }));
      }
      writer(b)(start, n);
      byHand += b.trainStep(batch, n, args)!;
      if (next) b.set("h", "state_in", next);
    }
    expect(total).toBe(byHand);
    expect(Buffer.from(a.saveParams()).equals(Buffer.from(b.saveParams()))).toBe(true);
  });

  it("refuses a stride longer than the chunk", () => {
    const model = gru(5);
    expect(() => runInChunks(model, { batch, steps, chunk: 4, stride: 5, write: () => {} }, () => 0)).toThrow(
      /a stride must be an integer number of steps in \[1, 4\] \(the chunk\); got 5/,
    );
  });
});
