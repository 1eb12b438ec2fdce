// spec/e2e — the host chooses the capacity when it loads a module (ABI 2).
// Before layout(batch, steps) a module holds only its fixed regions and every
// call traps; layout grows the memory to the pages its memory form needs and
// places the regions there; the results of a call do not depend on the
// capacity it runs under (bit for bit); calls past the chosen capacity fail,
// and bad capacities are refused, writing nothing. A streaming LSTM of I=64,
// H=128 laid out at batch 1, steps 1 runs in at most 1 MiB.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BuildError } from "../../compiler/errors.js";
import { compileCell } from "../support/compile.js";
import { atCapacity, LAYOUT_STATUS, type CallSize } from "../../runtime/abi.js";
import { RnncModel } from "../../runtime/model.js";
import { RnncStream } from "../../runtime/stream.js";
import { exampleBuild, build, exampleSource, randomize, snapshot } from "./harness.js";

const PAGE = 65536;
const lstm = build({
  ...exampleBuild("lstm", { I: 3, H: 5 }, "f64", true, "mse"), capacity: { batch: 4, steps: 8 },
}).binary;

function fresh(
  binary: Uint8Array,
): { module: WebAssembly.Module; instance: WebAssembly.Instance; memory: WebAssembly.Memory } {
  const module = new WebAssembly.Module(binary as BufferSource);
  const instance = new WebAssembly.Instance(module, {});
  return { module, instance, memory: instance.exports.memory as WebAssembly.Memory };
}

const at = (binary: Uint8Array, capacity?: CallSize) => {
  const { module, instance } = fresh(binary);
  return new RnncModel(module, instance, capacity ? { capacity } : {});
};

type Raw = (a: number, b: number) => number;
const raw = (instance: WebAssembly.Instance, fn: string) => instance.exports[fn] as Raw;

describe("layout", () => {
  it("before it runs, the memory holds only the fixed regions and every call traps", () => {
    const { instance, memory } = fresh(lstm);
    const model = at(lstm);
    const { abi } = model;
    // The moving regions start where the fixed ones end: the memory form's base.
    for (const [t, { offset, bytes }] of model.regions()) {
      if (typeof t.offset === "number")
        expect(offset + bytes, `${t.role} ${t.name}`).toBeLessThanOrEqual(abi.memory!.base);
      else expect(offset, `${t.role} ${t.name}`).toBeGreaterThanOrEqual(abi.memory!.base);
    }
    expect(memory.buffer.byteLength).toBe(Math.ceil(abi.memory!.base / PAGE) * PAGE);
    expect(() => raw(instance, "forward")(1, 1)).toThrow(WebAssembly.RuntimeError);
  });

  it("grows the memory to the pages the memory form needs at the chosen capacity", () => {
    for (const capacity of [
      { batch: 1, steps: 1 }, { batch: 4, steps: 8 }, { batch: 13, steps: 1 }, { batch: 2, steps: 700 },
    ]) {
      const model = at(lstm, capacity);
      expect(model.capacity).toEqual(capacity);
      expect(model.memory.buffer.byteLength).toBe(Math.ceil(atCapacity(model.abi.memory!, capacity) / PAGE) * PAGE);
    }
    expect(at(lstm).capacity).toEqual({ batch: 4, steps: 8 }); // the default: the compile's --batch, --steps
  });

  it("gives the same results under any capacity, bit for bit", () => {
    const reference = at(lstm);
    const size = { batch: 3, steps: 5 };
    const lengths = [5, 2, 4];
    randomize(reference, size, 9, lengths);
    const loss = reference.forward(size.batch, size.steps);
    reference.backward(size.batch, size.steps);
    const results = (m: RnncModel) => m.tensors()
      .filter((t) => ["output", "state_out", "grad"].includes(t.role))
      .map((t) => [`${t.role} ${t.name}`, Array.from(m.view(t.name, t.role, size))]);
    fc.assert(fc.property(fc.integer({ min: 3, max: 40 }), fc.integer({ min: 5, max: 90 }), (batch, steps) => {
      const model = at(lstm, { batch, steps });
      randomize(model, size, 9, lengths);
      expect(model.forward(size.batch, size.steps)).toBe(loss);
      model.backward(size.batch, size.steps);
      expect(results(model)).toEqual(results(reference));
    }), { numRuns: 6, examples: [[3, 5], [40, 90]] });
  });

  it("refuses calls past the chosen capacity, before the module runs and in the module itself", () => {
    const model = at(lstm, { batch: 2, steps: 3 });
    randomize(model, { batch: 2, steps: 3 }, 1, [3, 3]);
    const before = snapshot(model);
    expect(() => model.forward(3, 1))
      .toThrow(/batch must be an integer in \[1, 2\] \(the capacity the model was loaded with\)/);
    expect(() => model.forward(1, 4)).toThrow(/steps must be an integer in \[1, 3\]/);
    for (const [batch, steps] of [[3, 1], [1, 4], [4, 8], [0, 1], [1, -1]]) {
      expect(() => raw(model.instance, "forward")(batch!, steps!), `forward(${batch}, ${steps})`)
        .toThrow(WebAssembly.RuntimeError);
    }
    expect(Array.from(new Uint8Array(model.memory.buffer)).findIndex((b, i) => b !== before[i])).toBe(-1);
    expect(Number.isFinite(model.forward(2, 3))).toBe(true);
  });

  it("may run again: parameters stay, the capacity changes, and a backward must follow a new forward", () => {
    const model = at(lstm, { batch: 2, steps: 3 });
    randomize(model, { batch: 2, steps: 3 }, 4, [3, 1]);
    const params = model.saveParams();
    model.forward(2, 3);
    expect(raw(model.instance, "layout")(6, 20)).toBe(LAYOUT_STATUS.ok);
    expect(() => raw(model.instance, "backward")(2, 3)).toThrow(WebAssembly.RuntimeError);
    const relaid = new RnncModel(model.module, model.instance, { capacity: { batch: 6, steps: 20 } });
    expect(Buffer.from(relaid.saveParams()).equals(Buffer.from(params))).toBe(true);
    randomize(relaid, { batch: 6, steps: 20 }, 5, [20, 1, 2, 3, 4, 5]);
    expect(Number.isFinite(relaid.forward(6, 20))).toBe(true);
  });

  it("refuses bad capacities with a status, changing nothing", () => {
    const model = at(lstm, { batch: 2, steps: 3 });
    randomize(model, { batch: 2, steps: 3 }, 6, [3, 2]);
    const layout = raw(model.instance, "layout");
    const before = snapshot(model);
    const cases: [number, number, number][] = [
      [0, 1, LAYOUT_STATUS.badBatch], [-1, 5, LAYOUT_STATUS.badBatch],
      [1, 0, LAYOUT_STATUS.badSteps], [3, -7, LAYOUT_STATUS.badSteps],
      [2 ** 31 - 1, 2 ** 31 - 1, LAYOUT_STATUS.tooLarge], [2 ** 20, 2 ** 20, LAYOUT_STATUS.tooLarge],
      [1, 2 ** 31 - 1, LAYOUT_STATUS.tooLarge],
    ];
    for (const [batch, steps, status] of cases) expect(layout(batch, steps), `layout(${batch}, ${steps})`).toBe(status);
    expect(snapshot(model)).toEqual(before);
    expect(Number.isFinite(model.forward(2, 3))).toBe(true); // still laid out as before
    expect(() => raw(model.instance, "forward")(3, 3)).toThrow(WebAssembly.RuntimeError);
  });

  it("is never called by the runtime with a capacity it can refuse up front", () => {
    for (const [capacity, message] of [
      [{ batch: 0, steps: 1 }, /capacity\.batch must be an integer in \[1, 2147483647\]; got 0/],
      [{ batch: -1, steps: 2 }, /capacity\.batch .*got -1/],
      [{ batch: 1.5, steps: 2 }, /capacity\.batch .*got 1\.5/],
      [{ batch: 2, steps: Number.NaN }, /capacity\.steps .*got NaN/],
      [
        { batch: 1e6, steps: 1e6 },
        /capacity batch 1000000, steps 1000000 needs \d+\.\d MiB of memory, more than wasm's 4 GiB/,
      ],
      [{ batch: 1, steps: 2 ** 31 - 1 }, /more than wasm's 4 GiB/],
    ] as const) {
      const { module, instance, memory } = fresh(lstm);
      const pages = memory.buffer.byteLength;
      expect(() => new RnncModel(module, instance, { capacity: capacity as CallSize }), JSON.stringify(capacity))
        .toThrow(RangeError);
      expect(() => new RnncModel(module, instance, { capacity: capacity as CallSize })).toThrow(message);
      expect(memory.buffer.byteLength).toBe(pages);
    }
  });
});

describe("the default capacity", () => {
  it("is refused at compile time unless its memory fits and both axes are positive integers", () => {
    const compile = (capacity: CallSize) => () =>
      compileCell({ file: "examples/elman.ts", text: exampleSource("elman"), dims: { I: 2, H: 3 }, capacity });
    for (const [capacity, message] of [
      [{ batch: 0, steps: 4 }, /options\.capacity\.batch must be a positive integer below 2\^31, got 0/],
      [{ batch: 2, steps: 1.5 }, /options\.capacity\.steps .*got 1\.5/],
      [{ batch: Number.NaN, steps: 4 }, /options\.capacity\.batch .*got NaN/],
      [{ batch: 2 ** 31, steps: 4 }, /options\.capacity\.batch .*got 2147483648/],
      [
        { batch: 2 ** 20, steps: 2 ** 10 },
        /at its default capacity \(batch 1048576, steps 1024\) the module needs .* more than wasm's 4 GiB/,
      ],
    ] as const) {
      expect(compile(capacity), JSON.stringify(capacity)).toThrow(BuildError);
      expect(compile(capacity)).toThrow(message);
    }
  });
});

describe("a streaming LSTM of I=64, H=128", () => {
  // The inference build at its default capacity (batch 32, steps 256) takes about 29 MiB; the host asks for one step.
  const binary = compileCell({
    file: "examples/lstm.ts", text: exampleSource("lstm"), dims: { I: 64, H: 128 }, loss: "none", inference: true,
  }).binary;

  it("runs in at most 1 MiB of linear memory at batch 1, steps 1, and matches a whole-sequence forward", () => {
    const streaming = at(binary, { batch: 1, steps: 1 });
    expect(streaming.memory.buffer.byteLength).toBeLessThanOrEqual(2 ** 20);
    expect(at(binary).memory.buffer.byteLength).toBeGreaterThan(20 * 2 ** 20);

    const steps = 24;
    const whole = at(binary, { batch: 1, steps });
    randomize(whole, { batch: 1, steps }, 12, [steps]);
    whole.forward(1, steps);
    streaming.loadParams(whole.saveParams());
    for (const s of ["h", "c"]) streaming.set(s, "state_in", whole.get(s, "state_in", { batch: 1, steps: 1 }));
    const stream = new RnncStream(streaming, 1);
    const x = whole.get("x", "input", { batch: 1, steps });
    const h = whole.get("h", "output", { batch: 1, steps });
    for (let t = 0; t < steps; t++) {
      const out = stream.step({ x: x.subarray(t * 64, (t + 1) * 64) }).h!;
      expect(Array.from(out), `step ${t}`).toEqual(Array.from(h.subarray(t * 128, (t + 1) * 128)));
    }
    expect(streaming.memory.buffer.byteLength).toBeLessThanOrEqual(2 ** 20);
  });
});
