// spec/lower — parameters baked into a module (compileCell's params, rnnc
// compile --params): the baked module, run without loading anything, computes
// what the plain module computes after loadParams of the same file, bit for
// bit, in every build (f32 and f64 files into either, SIMD and scalar,
// inference); its ABI marks exactly the parameters baked; a file that does not
// fit is a BakeError naming what is wrong.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BuildError, instantiate } from "../../compiler/api.js";
import { compileCell } from "../support/compile.js";
import { BakeError } from "../../compiler/errors.js";
import { decodeParams, encodeParams, initParams, loadModel, type RnncModel } from "../../runtime/index.js";

const source = readFileSync(new URL("../../examples/lstm.ts", import.meta.url), "utf8");
const dims = { I: 3, H: 5 };
const capacity = { batch: 3, steps: 6 };

function build(dtype: "f32" | "f64", simd: boolean, inference: boolean, params?: Uint8Array) {
  return compileCell({
    file: "lstm.ts",
    text: source,
    dims,
    dtype,
    simd,
    capacity,
    inference,
    loss: "mse",
    ...(params ? { params: decodeParams(params) } : {}),
  });
}

function outputs(model: RnncModel): number[] {
  const size = { batch: 3, steps: 6 };
  model.set(
    "x",
    "input",
    Array.from({ length: 6 * 3 * 3 }, (_, i) => Math.sin(i * 0.7)),
  );
  model.set("lengths", "lengths", [6, 2, 4]);
  model.set("h", "target", new Array(6 * 3 * 5).fill(0.1));
  const loss = model.forward(3, 6);
  return [
    loss,
    ...model.get("h", "output", size),
    ...model.get("h", "state_out", size),
    ...model.get("c", "state_out", size),
  ];
}

/** A parameter file of random values, written by a module of `dtype`. */
function paramFile(dtype: "f32" | "f64", seed: number): Uint8Array {
  const model = instantiate(build(dtype, true, true).binary);
  initParams(model, seed);
  return model.saveParams();
}

describe("baked parameters", () => {
  for (const file of ["f32", "f64"] as const) {
    for (const [dtype, simd, inference] of [
      ["f32", true, false],
      ["f64", true, true],
      ["f32", false, true],
      ["f64", false, false],
    ] as const) {
      it(
        `a ${file} file baked into a ${dtype}${simd ? " simd" : " scalar"}${inference ? " inference" : ""} build ` +
          `computes what loadParams gives`,
        () => {
          const params = paramFile(file, 3);
          const plain = instantiate(build(dtype, simd, inference).binary);
          plain.loadParams(params);
          const compiled = build(dtype, simd, inference, params);
          expect(WebAssembly.validate(compiled.binary as BufferSource)).toBe(true);
          const module = new WebAssembly.Module(compiled.binary as BufferSource);
          expect(WebAssembly.Module.customSections(module, "rnnc")).toHaveLength(1);
          const baked = instantiate(compiled.binary);
          expect(baked.abi.tensors.filter((t) => t.baked).map((t) => t.name)).toEqual(
            baked.abi.tensors.filter((t) => t.role === "param").map((t) => t.name),
          );
          expect(baked.abi.tensors.every((t) => t.baked === undefined || t.role === "param")).toBe(true);
          expect(compiled.abi).toEqual(baked.abi);
          expect(baked.saveParams()).toEqual(plain.saveParams());
          expect(outputs(baked)).toEqual(outputs(plain));
          // The rest of the module is the plain one's: same functions, same other tensors.
          expect(baked.abi.tensors.map(({ baked: _, ...t }) => t)).toEqual(plain.abi.tensors);
        },
      );
    }
  }

  it(
    "a baked module laid out by its host at another capacity (ABI 2: memory grown at load) keeps its " + "parameters",
    async () => {
      const params = paramFile("f32", 5);
      const compiled = build("f32", true, false, params);
      for (const capacity of [
        { batch: 1, steps: 1 },
        { batch: 7, steps: 40 },
      ]) {
        const model = await loadModel(compiled.binary, { capacity });
        expect(model.capacity).toEqual(capacity);
        expect(model.saveParams()).toEqual(instantiate(compiled.binary).saveParams());
      }
      const plain = instantiate(build("f32", true, false).binary);
      plain.loadParams(params);
      const large = await loadModel(compiled.binary, { capacity: { batch: 7, steps: 40 } });
      expect(outputs(large)).toEqual(outputs(plain));
    },
  );

  it("a file that does not fit is a BakeError listing what is wrong; malformed records are BuildErrors", () => {
    const records = decodeParams(paramFile("f32", 1));
    const wrong = encodeParams(
      records.filter((r) => r.name !== "Wf").map((r) => (r.name === "Ui" ? { ...r, name: "Uz" } : r)),
    );
    expect(() => build("f32", true, true, wrong)).toThrow(BakeError);
    expect(() => build("f32", true, true, wrong)).toThrow(
      "cannot bake the parameters: the file does not match this model: Ui is missing from the file; " +
        "Wf is missing from the file; Uz is in the file but not in the model",
    );
    const base = { file: "lstm.ts", text: source, dims, capacity };
    expect(() => compileCell({ ...base, params: "weights.safetensors" as never })).toThrow(BuildError);
    expect(() =>
      compileCell({
        ...base,
        params: [{ name: "Wi", shape: [5, 3], dtype: "f16", data: new Uint8Array(30) }] as never,
      }),
    ).toThrow(/options\.params\[0\]\.dtype must be "f32", "f64" or "i32"/);
  });
});
