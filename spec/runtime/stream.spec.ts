// spec/runtime — streaming: run() over N steps, cut into blocks of any sizes
// (longer than the capacity too), gives bit for bit what N single steps give
// and what one forward(batch, N) gives; reset() goes back to the initial
// state; bad input is refused by name before anything is written; a
// bidirectional model is refused.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compileCell } from "../support/compile.js";
import { randomizeModel } from "../../runtime/gradcheck.js";
import { instantiateModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import type { RnncModel } from "../../runtime/model.js";
import { RnncStream } from "../../runtime/stream.js";

const capacity = { batch: 2, steps: 6 };
const readFile = (p: string) => readFileSync(p, "utf8");
const compile = (
  file: string,
  options: { cell?: string; dtype?: "f32" | "f64"; text?: string; dims?: Record<string, number> } = {},
) =>
  compileCell({
    file, text: options.text ?? readFile(file), cell: options.cell, dims: options.dims ?? { I: 3, H: 4, O: 2 },
    dtype: options.dtype ?? "f32", capacity, loss: "none", inference: true, readFile,
  }).binary;

const bytes = (a: ArrayBufferView) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

/** Random parameters and initial states; the same seed, the same model. */
function randomModel(binary: Uint8Array, seed: number): RnncModel {
  const model = instantiateModel(binary);
  randomizeModel(model, capacity, prng(seed), [capacity.steps, capacity.steps]);
  return model;
}

/** [steps, batch, I] values in [-1, 1). */
function sequence(steps: number, batch: number, features: number, seed: number): Float32Array {
  const rand = prng(seed);
  return Float32Array.from({ length: steps * batch * features }, () => rand() * 2 - 1);
}

/** Cuts n into consecutive block sizes drawn from `sizes` (the last one shortened to fit). */
function blocks(n: number, sizes: readonly number[]): number[] {
  const out: number[] = [];
  for (let done = 0, k = 0; done < n; k++) {
    const size = Math.min(sizes[k % sizes.length]!, n - done);
    out.push(size);
    done += size;
  }
  return out;
}

function runBlocks(
  stream: RnncStream, x: Float32Array, cuts: readonly number[], batch: number, features: number,
): number[] {
  const out: number[] = [];
  let t = 0;
  for (const n of cuts) {
    out.push(...bytes(stream.run({ x: x.subarray(t * batch * features, (t + n) * batch * features) }, n).h!));
    t += n;
  }
  return out;
}

describe("RnncStream", () => {
  for (const [file, dtype] of [["examples/lstm.ts", "f32"], ["examples/gru.ts", "f64"]] as const) {
    const binary = compile(file, { dtype });

    it(
      `${file} ${dtype}: blocks of any sizes equal single steps and one forward over the whole sequence, bit for bit`,
      () => {
        fc.assert(fc.property(
          fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 1, max: 2 }),
          fc.nat(),
          (sizes, batch, seed) => {
            const N = capacity.steps;
            const x = sequence(N, batch, 3, seed + 1);
            const whole = randomModel(binary, seed);
            whole.set("x", "input", x);
            whole.set("lengths", "lengths", new Array(batch).fill(N));
            whole.forward(batch, N);
            const expected = bytes(whole.get("h", "output", { batch, steps: N }));

            const stepped = new RnncStream(randomModel(binary, seed), batch);
            const single = Array.from(
              { length: N },
              (_, t) => bytes(stepped.step({ x: x.subarray(t * batch * 3, (t + 1) * batch * 3) }).h!),
            ).flat();
            expect(single).toEqual(expected);

            const blocked = new RnncStream(randomModel(binary, seed), batch);
            expect(runBlocks(blocked, x, blocks(N, sizes), batch, 3)).toEqual(expected);
          },
        ), { numRuns: 8 });
      },
    );

    it(`${file} ${dtype}: a block longer than the capacity runs as capacity-sized calls, state carried`, () => {
      const batch = 2;
      const N = 3 * capacity.steps + 2;
      const x = sequence(N, batch, 3, 9);
      const stepped = new RnncStream(randomModel(binary, 4), batch);
      const single = Array.from(
        { length: N },
        (_, t) => bytes(stepped.step({ x: x.subarray(t * batch * 3, (t + 1) * batch * 3) }).h!),
      ).flat();
      const long = new RnncStream(randomModel(binary, 4), batch);
      expect(runBlocks(long, x, [N], batch, 3)).toEqual(single);
      const mixed = new RnncStream(randomModel(binary, 4), batch);
      expect(runBlocks(mixed, x, [1, 13, 4, 2], batch, 3)).toEqual(single);
    });
  }

  it(
    "keeps every returned array its own: results of more steps than one 8 KiB pool block holds stay as they were",
    () => {
      const binary = compile("examples/lstm.ts");
      const N = 700; // 16 bytes a step at batch 1, H = 4: 512 to a block
      const x = sequence(N, 1, 3, 12);
      const stepped = new RnncStream(randomModel(binary, 3), 1);
      const kept = Array.from({ length: N }, (_, t) => stepped.step({ x: x.subarray(t * 3, (t + 1) * 3) }).h!);
      expect(new Set(kept.map((h) => h.buffer)).size).toBeGreaterThan(1);
      const whole = new RnncStream(randomModel(binary, 3), 1).run({ x }, N).h!;
      expect(kept.flatMap((h) => bytes(h))).toEqual(bytes(whole));
    },
  );

  it("writes outputs into the caller's arrays, allocating none, and checks them first", () => {
    const binary = compile("examples/lstm.ts");
    const [a, b] = [new RnncStream(randomModel(binary, 8), 2), new RnncStream(randomModel(binary, 8), 2)];
    const x = sequence(4, 2, 3, 5);
    const into = new Float64Array(4 * 2 * 4);
    const written = a.run({ x }, 4, { h: into });
    expect(written.h).toBe(into);
    expect(Array.from(into)).toEqual(Array.from(b.run({ x }, 4).h!));
    const row = new Float32Array(2 * 4);
    expect(a.step({ x: x.subarray(0, 6) }, { h: row }).h).toBe(row);
    expect(Array.from(row)).toEqual(Array.from(b.step({ x: x.subarray(0, 6) }).h!));
    expect(() => a.step({ x: x.subarray(0, 6) }, { h: new Float32Array(7) })).toThrow(
      /output "h" to write into: 7 values; expected a typed array of 8 = 1 steps × batch 2 × 4/,
    );
    expect(() => a.step({ x: x.subarray(0, 6) }, { h: [0, 0, 0, 0, 0, 0, 0, 0] as never })).toThrow(
      /output "h" to write into: not a typed array/,
    );
    expect(() => a.step({ x: x.subarray(0, 6) }, { c: row })).toThrow(
      /this model has no output "c" to write into; its outputs are "h"/,
    );
  });

  it("reset() goes back to the initial states the model held", () => {
    const binary = compile("examples/lstm.ts");
    const stream = new RnncStream(randomModel(binary, 2), 1);
    const x = sequence(5, 1, 3, 3);
    const first = bytes(stream.run({ x }, 5).h!);
    expect(bytes(stream.run({ x }, 5).h!)).not.toEqual(first);
    stream.reset();
    expect(bytes(stream.run({ x }, 5).h!)).toEqual(first);
  });

  it("refuses bad input by name and writes nothing", () => {
    const binary = compile("examples/lstm.ts");
    const model = randomModel(binary, 1);
    const stream = new RnncStream(model, 2);
    const before = bytes(new Uint8Array(model.memory.buffer));
    const ok = sequence(3, 2, 3, 1);
    const withValue = (i: number, v: number) => Float32Array.from(ok, (x, j) => (j === i ? v : x));
    expect(() => stream.run({ x: ok.subarray(1) }, 3)).toThrow(
      /input "x": got 17 values, expected 18 = 3 steps × batch 2 × 3 \(\[steps, batch, 3\], time-major\)/,
    );
    expect(() => stream.step({ x: ok })).toThrow(/input "x": got 18 values, expected 6 = 1 steps × batch 2 × 3/);
    expect(() => stream.run({ x: withValue(10, NaN) }, 3)).toThrow(
      /input "x"\[step 1, batch 1, 1\] = NaN is not a finite number/,
    );
    expect(() => stream.run({ x: withValue(0, Infinity) }, 3)).toThrow(
      /input "x"\[step 0, batch 0, 0\] = Infinity is not a finite number/,
    );
    expect(() => stream.run({}, 3)).toThrow(/a block needs a value for input "x" \(inputs: "x"\)/);
    expect(() => stream.run({ x: ok, y: ok }, 3)).toThrow(/this model has no input "y"; its inputs are "x"/);
    for (const steps of [0, -1, 1.5, NaN])
      expect(() => stream.run({ x: ok }, steps)).toThrow(/positive integer number of steps; got/);
    expect(bytes(new Uint8Array(model.memory.buffer))).toEqual(before);
    expect(() => new RnncStream(model, 3)).toThrow(
      /a stream's batch must be an integer in \[1, 2\] \(the compiled capacity\); got 3/,
    );
    expect(() => new RnncStream(model, 0)).toThrow(/a stream's batch must be an integer/);
  });

  it("checks ids against their table before writing, and streams an encoded, read-out model", () => {
    const text = [
      'import { dense, model, oneOfN } from "rnnc";',
      'import { lstm } from "./lstm.js";',
      'export const streamed = model({ input: { words: oneOfN("V", "E") }, layers: [lstm], readout: dense("C") });',
    ].join("\n");
    const binary = compile("examples/streamed.ts", { text, dims: { V: 5, E: 3, H: 4, C: 2 } });
    const model = instantiateModel(binary);
    randomizeModel(model, capacity, prng(6), [capacity.steps, capacity.steps]);
    const stream = new RnncStream(model, 2);
    const before = bytes(new Uint8Array(model.memory.buffer));
    expect(() => stream.run({ words: [0, 1, 2, 5] }, 2)).toThrow(
      /input "words"\[step 1, batch 1, 0\] = 5 is not an integer id in \[0, 5\) \(or -1 for none\)/,
    );
    expect(() => stream.run({ words: [0, 1.5] }, 1)).toThrow(
      /input "words"\[step 0, batch 1, 0\] = 1.5 is not an integer id/,
    );
    expect(bytes(new Uint8Array(model.memory.buffer))).toEqual(before);
    const ids = [0, 4, -1, 2, 3, 3];
    const streamed = bytes(stream.run({ words: ids.slice(0, 2) }, 1).y!)
      .concat(bytes(stream.run({ words: ids.slice(2) }, 2).y!));
    const whole = instantiateModel(binary);
    randomizeModel(whole, capacity, prng(6), [capacity.steps, capacity.steps]);
    whole.set("words", "input", ids);
    whole.set("lengths", "lengths", [3, 3]);
    whole.forward(2, 3);
    expect(streamed).toEqual(bytes(whole.get("y", "output", { batch: 2, steps: 3 })));
  });

  it("refuses a model whose ABI says it is not causal (a bidirectional one), by that field", () => {
    const bidirectional = instantiateModel(compile("examples/models.ts", { cell: "biLstm" }));
    expect(bidirectional.abi.causal).toBe(false);
    expect(() => new RnncStream(bidirectional, 1)).toThrow(
      /a model with a bidirectional layer cannot stream: .*causal: false/,
    );
    expect(
      instantiateModel(compile("examples/models.ts", { cell: "deepLstm", dims: { I: 3, H: 4, H2: 5, O: 2 } }))
        .abi.causal,
    ).toBe(true);
  });
});
