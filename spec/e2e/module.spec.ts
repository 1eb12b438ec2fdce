// spec/e2e — the generated module as a host sees it (docs/abi.md): the same
// input compiles to the same bytes; a module imports nothing, exports its
// memory and functions, and carries one "rnnc" section the runtime parses to
// the compiler's ABI, with disjoint regions inside memory at any capacity it
// is laid out at; calls past that capacity, and backward without its
// forward, fail before writing anything; a call reads and writes only the
// live part of its regions, at the default capacity and at others.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compileCell } from "../support/compile.js";
import { instantiateModel } from "../../runtime/model.js";
import { type CallSize, type TensorEntry } from "../../runtime/abi.js";
import { parseAbi } from "../../runtime/abi-parse.js";
import { RnncError } from "../../runtime/errors.js";
import { RnncModel } from "../../runtime/model.js";
import { cellCases } from "../support/cells.js";
import { build, exampleBuild, exampleNames, randomize, snapshot, testCapacity, type Build } from "./harness.js";

const builds = ["f32", "f64"].flatMap((dtype) =>
  [true, false].map((simd) => ({ dtype: dtype as "f32" | "f64", simd })));

/** Compiles without the spec cache, so two calls really compile twice. */
const compileFresh = (b: Build, optimize = false) => compileCell({
  file: b.file, text: b.source, dims: b.dims, dtype: b.dtype, simd: b.simd, loss: b.loss, capacity: testCapacity,
  verifyEach: true, optimize,
});

describe("compiling is deterministic", () => {
  for (const name of exampleNames) {
    it(`${name}: the same input twice gives byte-identical modules (optimised: the default f32 SIMD build)`, () => {
      for (const [{ dtype, simd }, optimize] of [
        ...builds.map((b) => [b, false] as const), [builds[0]!, true] as const,
      ]) {
        const b = exampleBuild(name, { I: 3, H: 5 }, dtype, simd, "mse");
        const [first, second] = [compileFresh(b, optimize), compileFresh(b, optimize)];
        const what = `${dtype} simd=${simd} optimize=${optimize}`;
        expect(Buffer.from(second.binary).equals(Buffer.from(first.binary)), what).toBe(true);
        expect(second.abi).toEqual(first.abi);
      }
    });
  }

  it("random cells", () => {
    fc.assert(fc.property(cellCases(), (c) => {
      const b: Build = {
        file: "random-cell.ts", source: c.source, dims: c.dims, dtype: "f32", simd: true, loss: c.loss,
      };
      expect(Buffer.from(compileFresh(b).binary).equals(Buffer.from(compileFresh(b).binary))).toBe(true);
    }), { numRuns: 3 });
  });
});

/** Every region where the model was laid out (internal ones too). */
function regionsOf(model: RnncModel): { entry: TensorEntry; start: number; end: number }[] {
  return [...model.regions()].map(([entry, { offset, bytes }]) => ({ entry, start: offset, end: offset + bytes }));
}

/** A fresh instance laid out at `capacity` (the module's default when none is given). */
function instantiateAt(binary: Uint8Array, capacity?: CallSize): RnncModel {
  const module = new WebAssembly.Module(binary as BufferSource);
  return new RnncModel(module, new WebAssembly.Instance(module, {}), capacity ? { capacity } : {});
}

describe("a module is standalone and describes itself (ABI version 2)", () => {
  for (const name of exampleNames) {
    for (const loss of ["mse", "none"] as const) {
      it(`${name}, loss ${loss}: no imports, exported memory and functions, one parseable "rnnc" section`, () => {
        for (const { dtype, simd } of builds) {
          const compiled = build(exampleBuild(name, { I: 3, H: 5 }, dtype, simd, loss));
          const module = new WebAssembly.Module(compiled.binary as BufferSource);
          expect(WebAssembly.Module.imports(module)).toEqual([]);
          const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
          expect(exports.get("memory")).toBe("memory");
          const sections = WebAssembly.Module.customSections(module, "rnnc");
          expect(sections).toHaveLength(1);
          const abi = parseAbi(new TextDecoder("utf-8", { fatal: true }).decode(sections[0]));
          expect(abi).toEqual(compiled.abi);
          expect(abi).toMatchObject({ abi: 2, dtype, simd, loss, dims: { I: 3, H: 5 }, capacity: testCapacity });
          for (const fn of ["layout", "forward", "backward"]) {
            expect(abi.functions[fn]).toEqual(["batch", "steps"]);
            expect(exports.get(fn)).toBe("function");
          }

          for (const capacity of [
            testCapacity, { batch: 1, steps: 1 }, { batch: 7, steps: 3 }, { batch: 2, steps: 300 },
          ]) {
            const model = instantiateAt(compiled.binary, capacity);
            const regions = regionsOf(model).sort((a, b) => a.start - b.start);
            const at = `at capacity ${capacity.batch} × ${capacity.steps}`;
            for (const [k, r] of regions.entries()) {
              expect(r.end, `${r.entry.role} ${r.entry.name} ends outside memory ${at}`)
                .toBeLessThanOrEqual(model.memory.buffer.byteLength);
              const next = regions[k + 1];
              if (next) {
                expect(r.end, `${r.entry.role} ${r.entry.name} overlaps ${next.entry.role} ${next.entry.name} ${at}`)
                  .toBeLessThanOrEqual(next.start);
              }
            }
          }
          const roles = (role: string) => abi.tensors.filter((t) => t.role === role).map((t) => t.name).sort();
          expect(roles("grad")).toEqual([...roles("param"), ...roles("input"), ...roles("state_in")].sort());
          expect(roles("state_out")).toEqual(roles("state_in"));
          expect(roles("lengths")).toEqual(["lengths"]);
          if (loss === "none") expect(roles("grad_state_out")).toEqual(roles("state_in"));
        }
      });
    }
  }
});

function rawExport(model: RnncModel, fn: "forward" | "backward"): (batch: number, steps: number) => unknown {
  return model.instance.exports[fn] as (batch: number, steps: number) => unknown;
}

function expectUnchanged(model: RnncModel, before: Uint8Array, what: string): void {
  const after = new Uint8Array(model.memory.buffer);
  const first = after.findIndex((byte, i) => byte !== before[i]);
  expect(first, `${what} wrote byte ${first}`).toBe(-1);
}

describe("calls past the capacity fail before writing anything", () => {
  const lstm = () => instantiateModel(build(exampleBuild("lstm", { I: 3, H: 5 }, "f32", true, "mse")).binary);
  const outside = [
    { batch: testCapacity.batch + 1, steps: 1 },
    { batch: 1, steps: testCapacity.steps + 1 },
    { batch: 0, steps: 1 },
    { batch: -1, steps: 1 },
    { batch: 1 << 30, steps: 1 << 30 },
  ];

  it("the runtime throws a RangeError naming the capacity", () => {
    const model = lstm();
    randomize(model, testCapacity, 1, [8, 8, 8, 8]);
    for (const size of [...outside, { batch: 1, steps: 0 }]) {
      const before = snapshot(model);
      expect(() => model.forward(size.batch, size.steps), JSON.stringify(size)).toThrow(RangeError);
      expect(() => model.forward(size.batch, size.steps)).toThrow(/capacity/);
      expectUnchanged(model, before, `forward(${size.batch}, ${size.steps})`);
    }
  });

  it("the raw exports trap (WebAssembly.RuntimeError)", () => {
    const model = lstm();
    randomize(model, testCapacity, 2, [8, 8, 8, 8]);
    for (const size of outside) {
      for (const fn of ["forward", "backward"] as const) {
        const before = snapshot(model);
        expect(() => rawExport(model, fn)(size.batch, size.steps), `${fn}(${size.batch}, ${size.steps})`)
          .toThrow(WebAssembly.RuntimeError);
        expectUnchanged(model, before, `${fn}(${size.batch}, ${size.steps})`);
      }
    }
  });

  // docs/abi.md: 1 ≤ steps ≤ capacity.steps, and "a call with other values traps".
  it("the raw exports trap on steps = 0 too", () => {
    const model = lstm();
    randomize(model, testCapacity, 2, [8, 8, 8, 8]);
    const before = snapshot(model);
    expect(() => rawExport(model, "forward")(1, 0), "forward(1, 0)").toThrow(WebAssembly.RuntimeError);
    expectUnchanged(model, before, "forward(1, 0)");
  });

  it("a call at full capacity works", () => {
    const model = lstm();
    randomize(model, testCapacity, 3, [8, 3, 8, 1]);
    expect(Number.isFinite(model.forward(testCapacity.batch, testCapacity.steps))).toBe(true);
    model.backward(testCapacity.batch, testCapacity.steps);
  });
});

describe("backward must follow a forward of the same size", () => {
  const gru = () => instantiateModel(build(exampleBuild("gru", { I: 2, H: 3 }, "f64", true, "mse")).binary);

  it("the raw export traps without a forward, or after one of another size", () => {
    const model = gru();
    randomize(model, { batch: 2, steps: 3 }, 4, [3, 2]);
    const backward = rawExport(model, "backward");
    let before = snapshot(model);
    expect(() => backward(2, 3)).toThrow(WebAssembly.RuntimeError);
    expectUnchanged(model, before, "backward with no forward");
    rawExport(model, "forward")(2, 3);
    for (const [batch, steps] of [[2, 4], [1, 3], [2, 2], [3, 3]] as const) {
      before = snapshot(model);
      expect(() => backward(batch, steps), `backward(${batch}, ${steps}) after forward(2, 3)`)
        .toThrow(WebAssembly.RuntimeError);
      expectUnchanged(model, before, `backward(${batch}, ${steps})`);
    }
    expect(() => backward(2, 3)).not.toThrow();
  });

  it("the runtime throws an RnncError", () => {
    const model = gru();
    randomize(model, { batch: 2, steps: 3 }, 5, [3, 2]);
    expect(() => model.backward(2, 3)).toThrow(RnncError);
    model.forward(2, 3);
    expect(() => model.backward(1, 3)).toThrow(RnncError);
    expect(() => model.backward(1, 3)).toThrow(/must follow forward/);
    expect(() => model.backward(2, 3)).not.toThrow();
  });
});

/**
 * Poisons every byte a call of this size may not write — everything outside
 * the tensor regions, every host-written region past its live prefix, and the
 * tail past the live prefix of every module-written region — with 0xFF (NaN
 * as a float, -1 as an i32), runs forward and backward, and checks that every
 * poisoned byte survived (nothing written outside) and that every result
 * equals, bit for bit, that of a clean instance given the same live values
 * (nothing read outside).
 */
function checkCallStaysInside(
  binary: Uint8Array, batch: number, steps: number, lengths: readonly number[], capacity?: CallSize,
): void {
  const size = { batch, steps };
  const [model, clean] = [instantiateAt(binary, capacity), instantiateAt(binary, capacity)];
  randomize(model, size, 11, lengths);
  randomize(clean, size, 11, lengths);
  const bytes = new Uint8Array(model.memory.buffer);
  const mayWrite = new Uint8Array(bytes.length);
  const hostLive = new Uint8Array(bytes.length);
  const hostWritten = new Set([
    "param", "input", "target", "lengths", "state_in", "grad_output", "grad_state_out", "param_version",
  ]);
  for (const { entry, start, end } of regionsOf(model)) {
    const internal = entry.role === "tape" || entry.role === "scratch";
    const live = internal ? end - start : model.view(entry.name, entry.role, size).byteLength;
    (hostWritten.has(entry.role) ? hostLive : mayWrite).fill(1, start, start + live);
  }
  for (let i = 0; i < bytes.length; i++) if (!mayWrite[i] && !hostLive[i]) bytes[i] = 0xff;
  const before = bytes.slice();
  for (const m of [model, clean]) {
    m.forward(batch, steps);
    m.backward(batch, steps);
  }
  const after = new Uint8Array(model.memory.buffer);
  const where = (i: number) => regionsOf(model).find((r) => i >= r.start && i < r.end)?.entry;
  for (let i = 0; i < after.length; i++) {
    if (!mayWrite[i] && after[i] !== before[i]) {
      const entry = where(i);
      const offset = entry && model.regions().get(entry)!.offset;
      expect.fail(`forward+backward(${batch}, ${steps}) wrote byte ${i}, ${
        entry ? `in ${entry.role} ${entry.name} (offset ${offset})` : "outside every tensor region"
      }`);
    }
  }
  for (const e of model.tensors().filter((t) => !hostWritten.has(t.role))) {
    const got = new Uint8Array(model.view(e.name, e.role, size).slice().buffer);
    const want = new Uint8Array(clean.view(e.name, e.role, size).slice().buffer);
    const first = got.findIndex((byte, i) => byte !== want[i]);
    expect(
      first,
      `${e.role} ${e.name} differs from a clean run at byte ${first}: the call read outside the live prefix`,
    ).toBe(-1);
  }
}

describe("a call reads and writes only the live part of its regions", () => {
  for (const name of exampleNames) {
    for (const { dtype, simd } of builds) {
      it(`${name}, ${dtype} ${
        simd ? "simd" : "scalar"
      }: poison outside the live prefixes is neither read nor overwritten`, () => {
        for (const loss of ["mse", "none"] as const) {
          const { binary } = build(exampleBuild(name, { I: 3, H: 5 }, dtype, simd, loss));
          checkCallStaysInside(binary, 3, 5, [5, 2, 4]);
          checkCallStaysInside(binary, testCapacity.batch, testCapacity.steps, [8, 1, 8, 5]);
          // Laid out at capacities other than the default, the regions move: the module must follow them.
          checkCallStaysInside(binary, 3, 5, [5, 2, 4], { batch: 3, steps: 5 });
          checkCallStaysInside(binary, 2, 3, [3, 1], { batch: 6, steps: 11 });
        }
      });
    }
  }
});

describe("the tape holds values of each step and batch entry only", () => {
  // A stage without state (a readout) can finish its whole gradient in the forward step; its
  // weight gradient must still not be taped per step (parameter-sized, every step) but summed
  // once after the backward loop, from taped per-entry values.
  it("no tape entry of a tagger is parameter-shaped, and its weight gradients run after the loop", () => {
    const file = "examples/tagger.ts";
    let schedule = "";
    const compiled = compileCell({
      file, text: readFileSync(file, "utf8"), cell: "wordTagger", dims: { V: 20, C: 5, E: 4, H: 3 }, loss: "softmax-ce",
      capacity: { batch: 4, steps: 6 }, readFile: (path) => readFileSync(path, "utf8"),
      dump: { after: ["schedule"], write: (_pass, t) => void (schedule += t) },
    });
    const tape = compiled.abi.tensors.filter((e) => e.role === "tape");
    expect(tape.length).toBeGreaterThan(0);
    for (const e of tape) expect(e.shape.slice(0, 2), `tape ${e.name}`).toEqual(["steps", "batch"]);
    const readoutBackward = schedule.slice(schedule.indexOf("readout.backward schedule"));
    expect(readoutBackward).toMatch(/over all steps[^]*outer\+batchsum [^\n]*-> grad readout\.V \(\+=\)/);
  });
});

describe("the schedule's phases", () => {
  it("an LSTM's input projections run before the time loop, its weight gradients and input cotangent after it", () => {
    let schedule = "";
    const { abi } = compileCell({
      file: "examples/lstm.ts", text: readFileSync("examples/lstm.ts", "utf8"), dims: { I: 3, H: 4 }, loss: "mse",
      dump: { after: ["schedule"], write: (_pass, t) => void (schedule += t) },
    });
    const part = (of: string, phase: string, next: string) => {
      const body = schedule.slice(schedule.indexOf(`${of} schedule {`));
      const from = body.indexOf(phase);
      const to = next === "" ? body.indexOf("\n}") : body.indexOf(next, from);
      return from < 0 ? "" : body.slice(from, to < 0 ? undefined : to);
    };
    // Wᵀ and Uᵀ of the four gates are packed outside the schedule, once per parameter version (panels.ts).
    expect(schedule).not.toMatch(/^ {2}pack /m);
    const before = part("forward", "over all steps, before the loop", "each step");
    expect(before.match(/matvec %\d+ \(packed panels\.W[ifgo]\.T\)/g)).toHaveLength(4); // W·x of the four gates
    const step = part("forward", "each step", "over all steps, after");
    expect(step.match(/matvec %\d+ \(packed panels\.U[ifgo]\.T\)/g)).toHaveLength(4); // U·h
    // The next h and c are written over the state by the last kernels that read it, not copied there.
    expect(step).toMatch(/elementwise %\d+ -> state_out h\n/);
    expect(step).toMatch(/elementwise %\d+ -> state_out c\n/);
    expect(step).not.toMatch(/copy %\d+ -> state_out/);
    const after = part("backward", "over all steps, after the loop", "");
    for (const w of ["Wi", "Ui", "Wf", "Uf", "Wg", "Ug", "Wo", "Uo"])
      expect(after).toMatch(new RegExp(`outer\\+batchsum [^\\n]*-> grad ${w} \\(\\+=\\)`));
    expect(after).toContain("-> grad x");
    expect(part("backward", "each step", "over all steps")
      .match(/matvec transpose %\d+ \(packed panels\.U[ifgo]\)/g)).toHaveLength(4); // Uᵀ·δ
    // W and U as they are for the backward pass, Wᵀ and Uᵀ for the forward pass,
    // and the version they were packed at.
    const panels = abi.tensors.filter((e) => e.role === "scratch" && e.name.startsWith("panels.")).map((e) => e.name);
    expect(panels.sort()).toEqual(["W", "U"].flatMap((m) =>
      ["i", "f", "g", "o"].flatMap((g) => [`panels.${m}${g}`, `panels.${m}${g}.T`])).sort());
    expect(abi.tensors.filter((e) => e.role === "param_version"))
      .toEqual([expect.objectContaining({ name: "params", shape: [], dtype: "i32" })]);
  });
});

describe("one function per scan", () => {
  it("a bidirectional tagger's scans (words, the two LSTMs, the readout) stay functions of their own " +
    "after optimisation, each called once", () => {
    const { wat } = compileCell({
      file: "examples/tagger.ts", text: readFileSync("examples/tagger.ts", "utf8"), cell: "wordTagger",
      dims: { V: 50, E: 8, H: 8, C: 3 }, loss: "softmax-ce", readFile: (path) => readFileSync(path, "utf8"),
    });
    const defined = [...wat.matchAll(/\(func \$(outlined_\w+)/g)].map((match) => match[1]).sort();
    // Stages 2, 4 and 5 are the two reversals around the backward-in-time LSTM and the merge.
    expect(defined).toEqual([0, 1, 3, 6].map((i) => `outlined_backward_scan${i}`)
      .concat([0, 1, 3, 6].map((i) => `outlined_forward_scan${i}`)));
    for (const name of defined) expect(wat.split(`(call $${name}`)).toHaveLength(2);
  });
});
