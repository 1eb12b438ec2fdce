// spec/runtime — RnncModel against hand-assembled modules of ABI version 1:
// loading from every source, a capacity no larger than the compiled one,
// views at the ABI's offsets, the packed live prefix that forward really
// reads, call-size and lengths checks that stop calls before the module runs,
// train_step, and the parameter file. (Version 2, with its layout function,
// is spec/e2e/capacity.spec.ts.)

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it, expect } from "vitest";
import { loadModel, RnncAbiError, RnncError, RnncParamsError, type RnncModel } from "../../runtime/index.js";
import { BACKWARD_CALLS, FORWARD_CALLS, TRAIN_STEP_ARG, tinyAbi, tinyModule, type TinyOptions } from "./tiny-module.js";

const load = (opts: Partial<TinyOptions> = {}) => loadModel(tinyModule({ abi: tinyAbi(opts.dtype), ...opts }));
const counter = (m: RnncModel, at: number) => new Int32Array(m.memory.buffer, at, 1)[0];
const iota = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
const sumTo = (n: number) => (n * (n + 1)) / 2;

describe("loadModel", () => {
  it("accepts bytes, an ArrayBuffer, a compiled module, a Response and a URL", async () => {
    const bytes = tinyModule({ abi: tinyAbi() });
    const sources = [
      bytes,
      bytes.buffer,
      new WebAssembly.Module(bytes),
      new Response(bytes, { headers: { "content-type": "application/wasm" } }),
      `data:application/wasm;base64,${btoa(String.fromCharCode(...bytes))}`,
    ];
    for (const source of sources) {
      const model = await loadModel(source);
      expect(model.dtype).toBe("f32");
      expect(model.capacity).toEqual({ batch: 4, steps: 5 });
      expect(model.dims).toEqual({ I: 3, H: 2 });
      expect(model.loss).toBe("mse");
    }
  });

  it("reads a file path, a relative path and a file: URL in Node, and names a missing file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnc-load-"));
    const path = join(dir, "tiny.wasm");
    writeFileSync(path, tinyModule({ abi: tinyAbi() }));
    for (const source of [path, relative(process.cwd(), path), pathToFileURL(path), pathToFileURL(path).href]) {
      expect((await loadModel(source)).dims).toEqual({ I: 3, H: 2 });
    }
    await expect(loadModel(join(dir, "missing.wasm"))).rejects.toThrow(
      /cannot read the module .*missing\.wasm: no such file/,
    );
    await expect(loadModel(pathToFileURL(join(dir, "missing.wasm")))).rejects.toThrow(
      /cannot read the module file:.*missing\.wasm: no such file/,
    );
    rmSync(dir, { recursive: true });
  });

  it("refuses modules that break the ABI", async () => {
    await expect(load({ noSection: true })).rejects.toThrow(RnncAbiError);
    await expect(load({ withImport: true })).rejects.toThrow(/no imports, but this one imports env\.g/);
    const outside = tinyAbi();
    outside.tensors[0]!.offset = 65536;
    await expect(loadModel(tinyModule({ abi: outside }))).rejects.toThrow(
      /W \(param\) needs bytes \[65536, 65560\) but memory has 65536/,
    );
    const unexported = tinyAbi();
    unexported.functions.train_step = ["batch", "steps"];
    await expect(loadModel(tinyModule({ abi: unexported }))).rejects.toThrow(
      /lists function "train_step" but the module does not export it/,
    );
    await expect(loadModel(new Response("nope", { status: 404 }))).rejects.toThrow(/HTTP 404/);
  });

  it("refuses an rnnc section whose regions overlap or whose dtype is not the module's", async () => {
    const overlapping = tinyAbi();
    overlapping.tensors[1]!.offset = overlapping.tensors[0]!.offset + 8;
    await expect(loadModel(tinyModule({ abi: overlapping }))).rejects.toThrow(
      /W \(param\) at bytes \[64, 88\) overlaps b \(param\) at \[72, /,
    );
    const foreignDtype = tinyAbi();
    foreignDtype.tensors[0]!.dtype = "f64";
    await expect(loadModel(tinyModule({ abi: foreignDtype }))).rejects.toThrow(
      /W \(param\) says dtype f64, but the module computes in f32/,
    );
    await expect(loadModel(tinyModule({ abi: tinyAbi() }))).resolves.toBeDefined();
  });
});

describe("the capacity of a version 1 module", () => {
  it("is the compiled one unless the host asks for less; more is refused", async () => {
    const bytes = tinyModule({ abi: tinyAbi() });
    expect((await loadModel(bytes)).capacity).toEqual({ batch: 4, steps: 5 });
    const smaller = await loadModel(bytes, { capacity: { batch: 2, steps: 5 } });
    expect(smaller.capacity).toEqual({ batch: 2, steps: 5 });
    expect(smaller.tensor("x", "input").byteOffset).toBe(256);
    expect(() => smaller.forward(3, 1)).toThrow(/batch must be an integer in \[1, 2\]/);
    await expect(loadModel(bytes, { capacity: { batch: 8, steps: 5 } })).rejects.toThrow(RangeError);
    await expect(loadModel(bytes, { capacity: { batch: 4, steps: 6 } })).rejects.toThrow(
      /ABI version 1, whose capacity is fixed when it is compiled \(batch 4, steps 5\)/,
    );
  });

  it("refuses capacities that are not positive integers, naming the axis", async () => {
    const bytes = tinyModule({ abi: tinyAbi() });
    for (const [capacity, message] of [
      [{ batch: 0, steps: 1 }, /capacity\.batch must be an integer in \[1, 2147483647\]; got 0/],
      [{ batch: -1, steps: 1 }, /capacity\.batch .*got -1/],
      [{ batch: 1.5, steps: 1 }, /capacity\.batch .*got 1\.5/],
      [{ batch: 1, steps: Number.NaN }, /capacity\.steps .*got NaN/],
      [{ batch: 1, steps: Infinity }, /capacity\.steps .*got Infinity/],
      [{ batch: 2 ** 31, steps: 1 }, /capacity\.batch .*got 2147483648/],
      [{ batch: "2", steps: 1 }, /capacity\.batch .*got "2"/],
      [{ steps: 1 }, /capacity\.batch .*got undefined/],
      [5, /capacity must be an object \{ batch, steps \}; got 5/],
    ] as const) {
      await expect(loadModel(bytes, { capacity: capacity as never }), JSON.stringify(capacity))
        .rejects.toThrow(message);
    }
  });
});

describe("tensor views", () => {
  it("lists only the tensors a host may touch", async () => {
    const names = (await load()).tensors().map((t) => `${t.name}:${t.role}`);
    expect(names).toHaveLength(12);
    expect(names).toContain("len:lengths");
    expect(names).not.toContain("tape:tape");
  });

  it("places each view at the entry's offset with its full-capacity length", async () => {
    const model = await load();
    const w = model.tensor("W", "param");
    expect(w).toBeInstanceOf(Float32Array);
    expect([w.byteOffset, w.length]).toEqual([64, 6]);
    expect([model.tensor("x", "input").byteOffset, model.tensor("x", "input").length]).toEqual([256, 60]);
    expect([model.tensor("h", "grad").byteOffset, model.tensor("h", "grad").length]).toEqual([800, 8]);
    const len = model.tensor("len");
    expect(len).toBeInstanceOf(Int32Array);
    expect([len.byteOffset, len.length]).toEqual([1536, 4]);
    expect(() => model.tensor("tape", "tape")).toThrow(/"tape" \(tape\) is the module's own/);
  });

  it("set refuses values a typed array would coerce, non-numbers, and the module's own tensors", async () => {
    const model = await load();
    const W = [...model.tensor("W", "param")];
    for (const bad of [
      [0, 1, 2, 3, 4, NaN], [0, 1, 2, 3, 4, Infinity], [0, 1, 2, 3, 4, "5"], [0, 1, 2, 3, 4, null], [0, 1, 2, 3, 4, {}],
    ]) {
      expect(() => model.set("W", "param", bad as number[]), String(bad)).toThrow(
        /set W \(param\): value 5 is .*, but a (param holds finite numbers|f32 tensor holds numbers)/,
      );
    }
    expect(() => model.set("W", "param", "012345" as unknown as number[])).toThrow(
      /expected an array or typed array of numbers, got string/,
    );
    expect(() => model.set("W", "param", Float32Array.of(0, 1, 2, 3, 4, NaN))).toThrow(/value 5 is NaN/);
    expect([...model.tensor("W", "param")]).toEqual(W);
    for (const bad of [NaN, Infinity, 1.7, -0.5, "3", 2 ** 32 + 2, -(2 ** 31) - 1]) {
      expect(() => model.set("len", [1, 1, bad as number, 1]), String(bad)).toThrow(
        /set len \(lengths\): value 2 is .*, but a length must be an integer/,
      );
    }
    model.set("len", Int32Array.of(1, 2, 3, 4));
    expect(() => model.set("tape", "tape", new Array(100).fill(0))).toThrow(/the module's own/);
  });

  it("uses Float64Array for f64 modules and keeps i32 for lengths", async () => {
    const model = await load({ dtype: "f64" });
    expect(model.tensor("x", "input")).toBeInstanceOf(Float64Array);
    expect(model.tensor("x", "input").byteOffset).toBe(512);
    expect(model.tensor("len")).toBeInstanceOf(Int32Array);
  });

  it("asks for a role when a name is ambiguous and lists what exists", async () => {
    const model = await load();
    expect(() => model.tensor("W")).toThrow(RnncError);
    expect(() => model.tensor("W")).toThrow(/"W" is ambiguous; pass one of the roles "param", "grad"/);
    expect(() => model.tensor("h")).toThrow(/"state_in", "grad", "state_out"/);
    expect(() => model.tensor("q")).toThrow(/no tensor named "q"; this module has W \(param\), b \(param\)/);
    expect(() => model.tensor("tape")).toThrow(/no tensor named "tape"/);
    expect(() => model.tensor("W", "output")).toThrow(
      /no tensor "W" with role output; tensors named "W": W \(param\), W \(grad\)/,
    );
  });

  it("gives the packed live prefix for a call size", async () => {
    const model = await load();
    const x = model.view("x", "input", { batch: 2, steps: 3 });
    expect([x.byteOffset, x.length]).toEqual([256, 18]);
    expect(model.view("h", "state_in", { batch: 3, steps: 1 }).length).toBe(6);
    expect(model.view("len", { batch: 2, steps: 1 }).length).toBe(2);
    expect(model.shapeOf("x", "input", { batch: 2, steps: 3 })).toEqual([3, 2, 3]);
    expect(model.shapeOf("x", "input")).toEqual([5, 4, 3]);
    expect(model.shapeOf("W", "param", { batch: 2, steps: 3 })).toEqual([2, 3]);
    expect(() => model.view("x", "input", { batch: 5, steps: 1 })).toThrow(RangeError);
  });

  it("copies in and out, checking the number of values", async () => {
    const model = await load();
    model.set("W", "param", iota(6));
    expect([...model.get("W", "param")]).toEqual(iota(6));
    expect(() => model.set("W", "param", iota(5))).toThrow(/set W \(param\): got 5 values, expected exactly 6/);
    model.set("x", "input", iota(9)); // three whole rows of a sequence
    expect([...model.tensor("x", "input").subarray(0, 10)]).toEqual([...iota(9), 0]);
    expect(() => model.set("x", "input", iota(7))).toThrow(/expected a multiple of 3, at most 60/);
    expect(() => model.set("x", "input", iota(63))).toThrow(/got 63 values/);
    const copy = model.get("x", "input", { batch: 1, steps: 2 });
    expect([...copy]).toEqual(iota(6));
    copy[0] = 99;
    expect(model.tensor("x", "input")[0]).toBe(1);
  });

  it("makes fresh views after the memory grows", async () => {
    const model = await load();
    const before = model.tensor("W", "param");
    model.set("W", "param", iota(6));
    model.memory.grow(1);
    expect(before.length).toBe(0); // detached
    expect([...model.tensor("W", "param")]).toEqual(iota(6));
  });
});

describe("calls", () => {
  it("forward reads exactly the live prefix that view() describes", async () => {
    for (const dtype of ["f32", "f64"] as const) {
      const model = await load({ dtype, sumInput: { offset: dtype === "f32" ? 256 : 512, features: 3 } });
      model.set("x", "input", iota(60));
      expect(model.forward(2, 3)).toBe(sumTo(18));
      expect(Array.from(model.view("x", "input", { batch: 2, steps: 3 })).reduce((s, v) => s + v, 0)).toBe(sumTo(18));
      expect(model.forward(4, 5)).toBe(sumTo(60));
      expect(counter(model, FORWARD_CALLS)).toBe(2);
    }
  });

  it("refuses batch and steps outside the capacity before calling the module", async () => {
    const model = await load();
    expect(() => model.forward(5, 1)).toThrow(RangeError);
    expect(() => model.forward(5, 1)).toThrow(
      /batch must be an integer in \[1, 4\] \(the capacity the model was loaded with\); got 5/,
    );
    expect(() => model.forward(1, 6)).toThrow(/steps must be an integer in \[1, 5\].*got 6/);
    expect(() => model.forward(0, 1)).toThrow(/batch/);
    expect(() => model.forward(1.5, 1)).toThrow(/batch/);
    expect(() => model.forward(1, Number.NaN)).toThrow(/steps/);
    expect(() => model.backward(9, 1)).toThrow(/batch must be an integer in \[1, 4\]/);
    expect(counter(model, FORWARD_CALLS)).toBe(0);
    expect(counter(model, BACKWARD_CALLS)).toBe(0);
  });

  it("checks the lengths of the sequences in the batch, naming the index", async () => {
    const model = await load();
    model.set("len", [3, 6, 99, -4]);
    expect(() => model.forward(2, 5)).toThrow(RangeError);
    expect(() => model.forward(2, 5)).toThrow(/len\[1\] = 6 is outside \[0, 5\]/);
    model.set("len", [3, 2, 99, -4]);
    expect(() => model.forward(2, 2)).toThrow(/len\[0\] = 3 is outside \[0, 2\]/);
    expect(() => model.forward(4, 5)).toThrow(/len\[2\] = 99/);
    expect(counter(model, FORWARD_CALLS)).toBe(0);
    model.forward(2, 3); // only the first `batch` lengths matter
    model.set("len", [0, 5, 0, 0]);
    model.forward(4, 5);
    expect(counter(model, FORWARD_CALLS)).toBe(2);
  });

  it("runs backward only after a forward of the same size", async () => {
    const model = await load();
    expect(() => model.backward(2, 3)).toThrow(
      /backward\(2, 3\) must follow forward\(2, 3\); forward was never called/,
    );
    model.forward(2, 3);
    expect(() => model.backward(2, 4)).toThrow(/the last forward was forward\(2, 3\)/);
    model.backward(2, 3);
    model.backward(2, 3);
    expect(counter(model, BACKWARD_CALLS)).toBe(2);
  });

  it("trainStep needs a train_step export and fills its named arguments", async () => {
    await expect(load().then((m) => m.trainStep(1, 1))).rejects.toThrow(/this module has no train_step/);
    const abi = tinyAbi();
    abi.functions.train_step = ["batch", "steps", "seed"];
    const model = await loadModel(tinyModule({ abi, trainStep: true }));
    expect(model.trainStep(2, 3, { seed: 7 })).toBe(2003);
    expect(counter(model, TRAIN_STEP_ARG)).toBe(7);
    expect(() => model.trainStep(2, 3)).toThrow(/train_step needs a value for its parameter "seed"/);
    expect(() => model.trainStep(2, 9, { seed: 1 })).toThrow(RangeError);
    model.backward(2, 3); // train_step ran a forward
  });

  it(
    "trainStep refuses non-finite, negative, non-numeric and unknown hyper-parameters before the module runs",
    async () => {
      const abi = tinyAbi();
      abi.functions.train_step = ["batch", "steps", "seed"];
      const model = await loadModel(tinyModule({ abi, trainStep: true }));
      for (const bad of [NaN, Infinity, -Infinity, -1, "0.1", { valueOf: () => 1 }, null, 10n]) {
        expect(() => model.trainStep(2, 3, { seed: bad as number }), String(bad)).toThrow(
          /train_step: "seed" must be a finite number ≥ 0, got/,
        );
      }
      expect(() => model.trainStep(2, 3, { seed: 1, lr: 0.1 })).toThrow(
        /train_step has no parameter "lr"; it takes "seed"/,
      );
      expect(() => model.trainStep(2, 3, Object.create({ seed: 1 }) as Record<string, number>)).toThrow(
        /needs a value for its parameter "seed"/,
      );
      expect(counter(model, TRAIN_STEP_ARG)).toBe(0);
    },
  );
});

describe("parameter files", () => {
  async function trained(): Promise<{ model: RnncModel; file: Uint8Array }> {
    const model = await load();
    model.set("W", "param", [0.5, -1.25, 3, 1e-8, -7, 2 ** 20]);
    model.set("b", "param", [0.1, -0.2]);
    return { model, file: model.saveParams() };
  }

  it("round-trips every parameter and only parameters", async () => {
    const { model, file } = await trained();
    const expected = [...model.tensor("W", "param"), ...model.tensor("b", "param")];
    model.tensor("W", "param").fill(0);
    model.tensor("b", "param").fill(0);
    model.tensor("W", "grad").fill(9);
    model.loadParams(file);
    expect([...model.tensor("W", "param"), ...model.tensor("b", "param")]).toEqual(expected);
    expect([...model.tensor("W", "grad")]).toEqual(Array(6).fill(9));
    const fresh = await load();
    fresh.loadParams(file.slice().buffer);
    expect([...fresh.tensor("b", "param")]).toEqual([...model.tensor("b", "param")]);
  });

  it("converts between f32 and f64 builds", async () => {
    const { model, file } = await trained();
    const wide = await load({ dtype: "f64" });
    wide.loadParams(file);
    expect([...wide.tensor("W", "param")]).toEqual([...model.tensor("W", "param")]);
    model.tensor("W", "param").fill(0);
    model.loadParams(wide.saveParams());
    expect(model.tensor("W", "param")[3]).toBe(Math.fround(1e-8));
  });

  it("refuses files from other models and writes nothing", async () => {
    const { file } = await trained();
    const other = tinyAbi();
    other.tensors[0]!.shape = [2, 4];
    other.tensors.push({ name: "c", role: "param", shape: [2], offset: 3072 });
    const model = await loadModel(tinyModule({ abi: other }));
    model.set("b", "param", [4, 4]);
    expect(() => model.loadParams(file)).toThrow(RnncParamsError);
    expect(() => model.loadParams(file)).toThrow(
      new RegExp(
        "does not match this model: W has shape \\[2, 3\\] in the file but \\[2, 4\\] in the model; "
          + "c is missing from the file",
      ),
    );
    expect([...model.tensor("b", "param")]).toEqual([4, 4]);
    const fewer = tinyAbi();
    fewer.tensors.splice(1, 1);
    await expect(loadModel(tinyModule({ abi: fewer })).then((m) => m.loadParams(file))).rejects.toThrow(
      /b is in the file but not in the model/,
    );
  });

  it("refuses bytes that are not a parameter file", async () => {
    const { model, file } = await trained();
    expect(() => model.loadParams(new Uint8Array(4))).toThrow(/not an rnnc parameter file: neither safetensors nor/);
    expect(() => model.loadParams(new TextEncoder().encode("PK\u0003\u0004 some zip file"))).toThrow(
      /not an rnnc parameter file/,
    );
    expect(() => model.loadParams(file.subarray(0, file.length - 4))).toThrow(
      /not a valid safetensors file: its tensors cover \d+ bytes of a \d+-byte buffer/,
    );
  });
});

describe("set on an id input", () => {
  it("accepts ids of the table and -1, and names any other value with its position", async () => {
    const { compileCell } = await import("../../compiler/pipeline.js");
    const { readFileSync } = await import("node:fs");
    const text = `import { model, oneOfN, dense } from "rnnc";
import { elman } from "./elman.js";
export const m = model({ input: { w: oneOfN("V", "E") }, layers: [elman], readout: dense("C") });
`;
    const { binary } = compileCell({
      file: "examples/m.ts", text, dims: { V: 5, E: 2, H: 3, C: 2 }, optimize: false, capacity: { batch: 2, steps: 2 },
      readFile: (p) => readFileSync(p, "utf8"),
    });
    const model = await loadModel(binary);
    model.set("w", "input", [0, 4, -1, 2]);
    for (const bad of [5, -2, 1.5, NaN, "1"]) {
      expect(() => model.set("w", "input", [0, 1, bad as number, 2]), String(bad)).toThrow(
        /set w \(input\): value 2 is .*(ids must be in \[0, 5\) or -1 for none|an id must be an integer)/,
      );
    }
  });
});
