// spec/fuzz — the runtime fed abusive calls, as the fuzzing that found issue
// 13's reproducers did, bounded in time: random sequences of set, get, view,
// forward, backward, trainStep, saveParams and loadParams on a training build,
// with names, roles, sizes, data and hyper-parameters drawn from what a
// careless or hostile host passes (NaN, ±Infinity, fractions, negatives,
// numeric strings, 2^32 + 2, objects, prototype keys, wrong lengths, damaged
// parameter files). Every call either works or throws an RnncError (a
// TypeError for an argument of the wrong kind, a RangeError for a call size
// outside the capacity) with a message, and a call that throws leaves the
// module's memory exactly as it was.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { instantiateModel, type RnncModel } from "../../runtime/model.js";
import { initParams } from "../../runtime/init.js";
import { RnncError } from "../../runtime/errors.js";
import { compileCell } from "../support/compile.js";
import { snapshot } from "../e2e/harness.js";
import { examplesDir, readFile } from "../e2e/examples.js";

const fromEnv = (name: string, fallback: number) =>
  (Number(process.env[name]) > 0 ? Number(process.env[name]) : fallback);
const seconds = fromEnv("RNNC_FUZZ_SECONDS", 8);
const runs = fromEnv("RNNC_FUZZ_RUNS", 300);

const file = `${examplesDir}tagger.ts`;
const binary = compileCell({
  file, text: readFile(file), cell: "hybridTagger", dims: { V: 7, T: 9, E: 3, H: 4, C: 3 },
  capacity: { batch: 3, steps: 4 }, loss: "softmax-ce",
  train: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  readFile,
}).binary;

const hostile = [Number.NaN, Infinity, -Infinity, 1.7, -0.5, -1, 0, -0, 2 ** 32 + 2, 2 ** 31, 1e300, 3];
const oddValues: unknown[] = ["3", "", null, undefined, {}, [], true, { length: 2 }, Symbol.iterator, () => 1];
const number = fc.oneof(fc.constantFrom(...hostile), fc.integer({ min: -2, max: 6 }));
const anything = fc.oneof(number, fc.constantFrom(...oddValues));

type Call = (model: RnncModel, names: readonly string[], saved: Uint8Array) => unknown;

const name = (names: readonly string[]) =>
  fc.oneof(fc.constantFrom(...names), fc.constantFrom("__proto__", "constructor", "toString", "", "x\u0000", "tape"));
const role = fc.constantFrom(
  "param", "input", "target", "lengths", "state_in", "output", "state_out", "grad", "tape", "optimizer",
  "bogus", "__proto__",
  undefined,
);
const size = fc.oneof(fc.record({ batch: number, steps: number }), fc.constantFrom<unknown>(undefined, {}, null, "2"));

function calls(names: readonly string[]): fc.Arbitrary<Call> {
  const data = fc.oneof(
    fc.array(number, { maxLength: 40 }),
    fc.array(anything, { maxLength: 12 }),
    fc.integer({ min: 0, max: 40 }).map((n) => new Float32Array(n).fill(0.5)),
    fc.constantFrom<unknown>("abc", 5, null, {}, new Uint8Array(3)),
  );
  return fc.oneof(
    fc.tuple(name(names), role, data).map(([n, r, d]): Call => (m) => m.set(n, r as never, d as never)),
    fc.tuple(name(names), role, size).map(([n, r, s]): Call => (m) => m.get(n, r as never, s as never)),
    fc.tuple(name(names), role, size).map(([n, r, s]): Call => (m) => m.view(n, r as never, s as never)),
    fc.tuple(number, number).map(([b, s]): Call => (m) => m.forward(b, s)),
    fc.tuple(number, number).map(([b, s]): Call => (m) => m.backward(b, s)),
    fc.tuple(number, number, anything, anything).map(([b, s, lr, clip]): Call => (m) =>
      m.trainStep(b, s, { learning_rate: lr, clip_norm: clip } as never)),
    fc.constant<Call>((m) => m.saveParams()),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean()).map(([at, bit, cut]): Call => (m, _, saved) => {
      const file = saved.slice(0, cut ? Math.max(0, saved.length - 1 - (at % saved.length)) : saved.length);
      if (!cut && file.length > 0) file[at % file.length]! ^= 1 << bit;
      return m.loadParams(file);
    }),
  );
}

describe("abusive runtime calls are RnncErrors that write nothing", () => {
  it("random call sequences on a training build of a hybrid tagger", { timeout: (seconds + 60) * 1000 }, () => {
    const model = instantiateModel(binary);
    const names = [...new Set(model.tensors().map((t) => t.name))];
    initParams(model, 1);
    const saved = model.saveParams();
    const thrown = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(calls(names), { minLength: 1, maxLength: 6 }), (sequence) => {
        const m = instantiateModel(binary);
        m.loadParams(saved);
        for (const call of sequence) {
          const before = snapshot(m);
          try {
            call(m, names, saved);
          } catch (e) {
            if (!(e instanceof RnncError || e instanceof TypeError || e instanceof RangeError)) throw e;
            expect(e.message.length).toBeGreaterThan(0);
            thrown.set(e.constructor.name, (thrown.get(e.constructor.name) ?? 0) + 1);
            expect(Buffer.from(snapshot(m)).equals(Buffer.from(before)), `${e.message}: memory unchanged`).toBe(true);
          }
        }
      }),
      { numRuns: runs, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false },
    );
    expect(thrown.get("RnncError") ?? 0).toBeGreaterThan(0);
  });
});

describe("what this fuzzer found", () => {
  it(
    "a view or set of a parameter that throws does not count as a write (the parameters' version is unchanged)",
    () => {
      const m = instantiateModel(binary);
      const before = snapshot(m);
      expect(() => m.view("words.table", "param", { batch: Number.NaN, steps: 1 })).toThrow(RangeError);
      expect(() => m.set("words.table", "param", [1, 2])).toThrow(/got 2 values, expected exactly 21/);
      expect(Buffer.from(snapshot(m)).equals(Buffer.from(before))).toBe(true);
    },
  );
});
