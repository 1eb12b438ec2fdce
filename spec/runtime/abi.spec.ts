// spec/runtime — parseAbi and readAbiSection: a valid ABI of version 1 or 2
// parses to exactly its fields, and each kind of malformed ABI is refused by
// name; offset forms (version 2) evaluate at a capacity.

import { describe, it, expect } from "vitest";
import { parseAbi, readAbiSection, RnncAbiError } from "../../runtime/index.js";
import { atCapacity, resolveShape } from "../../runtime/abi.js";
import { tinyAbi, tinyModule } from "./tiny-module.js";

type RawAbi = ReturnType<typeof tinyAbi>;

function parseTweaked(tweak: (abi: RawAbi & Record<string, unknown>) => void) {
  const abi = tinyAbi() as RawAbi & Record<string, unknown>;
  tweak(abi);
  return () => parseAbi(JSON.stringify(abi));
}

describe("parseAbi", () => {
  it("parses a valid ABI and keeps only version-1 fields", () => {
    const abi = parseAbi(JSON.stringify({ ...tinyAbi(), future: 42 }));
    expect(abi.dtype).toBe("f32");
    expect(abi.capacity).toEqual({ batch: 4, steps: 5 });
    expect(abi.dims).toEqual({ I: 3, H: 2 });
    expect(abi.loss).toBe("mse");
    expect(abi.tensors).toHaveLength(13);
    expect(abi.tensors[4]).toEqual({ name: "x", role: "input", shape: ["steps", "batch", 3], offset: 256 });
    expect(abi.tensors[11]!.dtype).toBe("i32");
    expect(abi.functions.backward).toEqual(["batch", "steps"]);
    expect("future" in abi).toBe(false);
  });

  it("refuses text that is not JSON", () => {
    expect(() => parseAbi("{ abi: 1")).toThrow(RnncAbiError);
    expect(() => parseAbi("{ abi: 1")).toThrow(/not valid JSON/);
    expect(() => parseAbi("[1]")).toThrow(/ABI: expected an object/);
  });

  it("refuses a missing or unknown version", () => {
    expect(parseTweaked((a) => delete (a as Partial<RawAbi>).abi)).toThrow(/missing field "abi"/);
    expect(parseTweaked((a) => (a.abi = 4 as never))).toThrow(
      /unsupported ABI version 4; this runtime reads versions 1, 2, 3/,
    );
    expect(parseTweaked((a) => ((a as Record<string, unknown>).abi = "1"))).toThrow(/unsupported ABI version "1"/);
  });

  it("names each missing or malformed top-level field", () => {
    expect(parseTweaked((a) => delete (a as Partial<RawAbi>).capacity)).toThrow(/ABI: missing field "capacity"/);
    expect(parseTweaked((a) => delete (a as Partial<RawAbi>).loss)).toThrow(/missing field "loss"/);
    expect(parseTweaked((a) => delete (a as Partial<RawAbi>).tensors)).toThrow(/missing field "tensors"/);
    expect(parseTweaked((a) => (a.capacity.batch = 0))).toThrow(
      /ABI\.capacity\.batch: expected an integer >= 1, got 0/,
    );
    expect(parseTweaked((a) => (a.capacity.steps = 2.5))).toThrow(/ABI\.capacity\.steps/);
    expect(parseTweaked((a) => ((a as Record<string, unknown>).dtype = "f16"))).toThrow(
      /ABI\.dtype: expected one of "f32", "f64", got "f16"/,
    );
    expect(parseTweaked((a) => ((a as Record<string, unknown>).simd = "yes"))).toThrow(/ABI\.simd: expected a boolean/);
    expect(parseTweaked((a) => (a.dims = { H: -1 } as never))).toThrow(/ABI\.dims\.H/);
    expect(parseTweaked((a) => delete a.functions.forward)).toThrow(/missing "forward"/);
    expect(parseTweaked((a) => (a.functions.backward = [1] as never))).toThrow(/ABI\.functions\.backward/);
  });

  it("names the tensor entry at fault", () => {
    expect(parseTweaked((a) => (a.tensors[0]!.role = "weights"))).toThrow(
      /ABI\.tensors\[0\] \(W\)\.role: expected one of .*"param"/,
    );
    expect(parseTweaked((a) => (a.tensors[4]!.shape = ["steps", "batch", "I"]))).toThrow(
      /ABI\.tensors\[4\] \(x\)\.shape\[2\]: expected a non-negative integer or "steps" or "batch", got "I"/,
    );
    expect(parseTweaked((a) => delete (a.tensors[1] as Partial<RawAbi["tensors"][0]>).offset)).toThrow(
      /\(b\): missing field "offset"/,
    );
    expect(parseTweaked((a) => (a.tensors[1]!.offset = 98))).toThrow(
      /\(b\)\.offset: 98 is not aligned to its f32 elements/,
    );
    expect(parseTweaked((a) => (a.tensors[1]!.dtype = "bf16"))).toThrow(/\(b\)\.dtype/);
    expect(parseTweaked((a) => delete a.tensors[11]!.dtype)).toThrow(
      /lengths tensor must have dtype "i32" and shape \["batch"\]/,
    );
    expect(parseTweaked((a) => (a.tensors[2]!.role = "param"))).toThrow(/W \(param\) appears twice/);
  });

  it("reads each form of a parameter's init and names a malformed one", () => {
    const withInit = (init: unknown) => parseTweaked((a) => ((a.tensors[0] as Record<string, unknown>).init = init));
    for (const init of [
      "ones", "orthogonal", { kind: "constant", value: -2 }, { kind: "uniform", low: -1, high: 1 },
      { kind: "normal", mean: 0, std: 0.5 },
    ]) {
      expect(withInit(init)().tensors[0]!.init).toEqual(init);
    }
    expect(withInit("twos")).toThrow(/\(W\)\.init: expected one of "glorot", .*"ones", got "twos"/);
    expect(withInit({ kind: "beta" })).toThrow(/\(W\)\.init\.kind/);
    expect(withInit({ kind: "constant", value: "1" })).toThrow(/\(W\)\.init\.value: expected a finite number, got "1"/);
    expect(withInit({ kind: "uniform", low: 1, high: 1 })).toThrow(/expected low < high/);
    expect(withInit({ kind: "normal", mean: 0, std: 0 })).toThrow(/\.std: expected a positive number/);
    expect(withInit({ kind: "normal", mean: 0 })).toThrow(/missing field "std"/);
  });

  it("takes at most one param_version tensor, an i32 scalar", () => {
    const version = { name: "params", role: "param_version", shape: [] as number[], offset: 1024, dtype: "i32" };
    expect(parseTweaked((a) => a.tensors.push(version as never))).not.toThrow();
    expect(parseTweaked((a) => a.tensors.push({ ...version, dtype: "f32" } as never))).toThrow(
      /\(params\): a param_version tensor must have dtype "i32" and shape \[\]/,
    );
    expect(parseTweaked((a) => a.tensors.push({ ...version, shape: [1] } as never))).toThrow(
      /param_version tensor must have dtype "i32" and shape \[\]/,
    );
    expect(
      parseTweaked((a) => a.tensors.push(version as never, { ...version, name: "other", offset: 1040 } as never)),
    ).toThrow(/more than one param_version tensor/);
  });

  it("reads baked: true on a param tensor and refuses it anywhere else", () => {
    const baked = (index: number, value: unknown) =>
      parseTweaked((a) => Object.assign(a.tensors[index]!, { baked: value }));
    expect(baked(0, true)().tensors[0]!.baked).toBe(true);
    expect(tinyAbi().tensors[0]!.role).toBe("param");
    expect(parseAbi(JSON.stringify(tinyAbi())).tensors[0]).not.toHaveProperty("baked");
    expect(baked(0, false)).toThrow(/\.baked: expected true on a param tensor, or no field/);
    expect(baked(4, true)).toThrow(/tensors\[4\] \(x\)\.baked: expected true on a param tensor/);
  });

  it("checks alignment against the entry's own dtype", () => {
    expect(parseTweaked((a) => (a.tensors[0]!.dtype = "f64"))).not.toThrow();
    expect(parseTweaked((a) => ((a.tensors[1]!.dtype = "f64"), (a.tensors[1]!.offset = 100)))).toThrow(
      /not aligned to its f64/,
    );
  });
});

/** tinyAbi as version 2: x and y move with the capacity, the memory form ends after y. */
function tinyAbiV2(): Record<string, unknown> & {
  tensors: Record<string, unknown>[]; functions: Record<string, string[]>
} {
  const abi = tinyAbi() as unknown as Record<string, unknown> & {
    tensors: Record<string, unknown>[]; functions: Record<string, string[]>
  };
  abi.abi = 2;
  abi.memory = { base: 2048, batch: 16, steps: 0, batchSteps: 20 };
  abi.functions = { layout: ["batch", "steps"], ...abi.functions };
  abi.tensors[4]!.offset = { base: 2048, batch: 16, steps: 0, batchSteps: 0 };
  abi.tensors[9]!.offset = { base: 2048, batch: 16, steps: 0, batchSteps: 12 };
  return abi;
}

describe("parseAbi, version 2", () => {
  const parse2 = (tweak: (abi: ReturnType<typeof tinyAbiV2>) => void = () => {}) => {
    const abi = tinyAbiV2();
    tweak(abi);
    return () => parseAbi(JSON.stringify(abi));
  };

  it("parses offset forms and the memory form, and evaluates them at a capacity", () => {
    const abi = parse2()();
    expect(abi.abi).toBe(2);
    expect(abi.memory).toEqual({ base: 2048, batch: 16, steps: 0, batchSteps: 20 });
    expect(abi.tensors[4]!.offset).toEqual({ base: 2048, batch: 16, steps: 0, batchSteps: 0 });
    expect(abi.tensors[0]!.offset).toBe(64);
    expect(atCapacity(abi.tensors[9]!.offset, { batch: 3, steps: 7 })).toBe(2048 + 16 * 3 + 12 * 21);
    expect(atCapacity(abi.tensors[0]!.offset, { batch: 3, steps: 7 })).toBe(64);
  });

  it("needs the memory form and the layout function", () => {
    expect(parse2((a) => delete a.memory)).toThrow(/ABI: missing field "memory"/);
    expect(parse2((a) => delete a.functions.layout)).toThrow(/missing "layout", which every version 2 module has/);
  });

  it("names a malformed form and its term", () => {
    expect(parse2((a) => (a.tensors[4]!.offset = { base: 2048, batch: 16, steps: 0 }))).toThrow(
      /\(x\)\.offset: missing field "batchSteps"/,
    );
    expect(parse2((a) => (a.tensors[4]!.offset = { base: 2048, batch: -16, steps: 0, batchSteps: 0 }))).toThrow(
      /\(x\)\.offset\.batch: expected a non-negative integer, got -16/,
    );
    expect(parse2((a) => (a.tensors[4]!.offset = { base: 2048, batch: 6, steps: 0, batchSteps: 0 }))).toThrow(
      /\(x\)\.offset\.batch: 6 is not a multiple of 4/,
    );
    expect(parse2((a) => (a.tensors[4]!.offset = "2048"))).toThrow(
      /\(x\)\.offset: expected a non-negative integer or an offset form/,
    );
    expect(parse2((a) => (a.memory = { base: 1.5, batch: 0, steps: 0, batchSteps: 0 }))).toThrow(/ABI\.memory\.base/);
  });

  it("version 1 has no forms", () => {
    const abi = tinyAbi() as unknown as { tensors: Record<string, unknown>[] };
    abi.tensors[4]!.offset = { base: 2048, batch: 16, steps: 0, batchSteps: 0 };
    expect(() => parseAbi(JSON.stringify(abi))).toThrow(/\(x\)\.offset: expected a non-negative integer, got/);
  });
});

describe("parseAbi, version 3 (checkpointed modules)", () => {
  const parse = (version: number, tweak: (abi: ReturnType<typeof tinyAbiV2>) => void) => () => {
    const abi = tinyAbiV2();
    abi.abi = version;
    tweak(abi);
    return parseAbi(JSON.stringify(abi));
  };
  const segmentTape = (a: ReturnType<typeof tinyAbiV2>) => {
    a.tensors.push({
      name: "t0", role: "tape", shape: ["segment", "batch", 2],
      offset: { base: 2048, batch: 16, steps: 0, batchSteps: 20 },
    });
    a.memory = { base: 2048, batch: 16, steps: 0, batchSteps: 20, batchSegment: 8 };
  };

  it("reads the segment term and extent and evaluates them at ⌈√S⌉ steps", () => {
    const abi = parse(3, segmentTape)();
    expect(abi.memory).toEqual({ base: 2048, batch: 16, steps: 0, batchSteps: 20, batchSegment: 8 });
    expect(atCapacity(abi.memory!, { batch: 3, steps: 10 })).toBe(2048 + 16 * 3 + 20 * 30 + 8 * 3 * 4);
    expect(resolveShape(abi.tensors.at(-1)!.shape, { batch: 3, steps: 16 })).toEqual([4, 3, 2]);
  });

  it("refuses them in version 2, and the segment extent on a tensor a host touches", () => {
    expect(parse(2, segmentTape)).toThrow(/ABI\.memory\.batchSegment: a term of version 3 in a version 2 module/);
    expect(parse(3, (a) => (a.tensors[4]!.shape = ["segment", "batch", 2]))).toThrow(
      /\(x\)\.shape\[0\]: expected a non-negative integer or "steps" or "batch", got "segment"/,
    );
  });
});

describe("readAbiSection", () => {
  const compile = (opts: Parameters<typeof tinyModule>[0]) => new WebAssembly.Module(tinyModule(opts));

  it("reads the rnnc section of a module", () => {
    expect(readAbiSection(compile({ abi: tinyAbi("f64"), dtype: "f64" })).dtype).toBe("f64");
  });

  it("refuses a module without exactly one rnnc section", () => {
    expect(() => readAbiSection(compile({ abi: tinyAbi(), noSection: true }))).toThrow(/no "rnnc" custom section/);
    expect(() => readAbiSection(compile({ abi: tinyAbi(), extraSections: 1 }))).toThrow(/2 "rnnc" custom sections/);
  });

  it("refuses a section that is not UTF-8 JSON", () => {
    expect(() => readAbiSection(compile({ abi: "\u{1F600} not json" }))).toThrow(/not valid JSON/);
    const bytes = tinyModule({ abi: "xx" });
    bytes[bytes.length - 1] = 0xff; // a lone continuation byte at the end of the section
    expect(() => readAbiSection(new WebAssembly.Module(bytes))).toThrow(/not valid UTF-8/);
  });
});
