// spec/runtime — modules of the 8-bit build (rnnc compile --quantize int8) as
// a host sees them: the ABI's int8 tensors and their param_scale tensors,
// validated when parsed; set quantising f32 values row by row (|w − s·q| ≤
// s/2, s = max |row| / 127) into blocks of 4 rows × 2 columns, get and saveParams giving back the f32 values
// they stand for, f32 views refused; a parameter file moving between the f32
// and the int8 build; and parameters baked into an int8 module.

import { describe, expect, it } from "vitest";
import { compileCell } from "../../compiler/pipeline.js";
import { parseAbi, RnncAbiError } from "../../runtime/index.js";
import { instantiateModel } from "../../runtime/model.js";
import { decodeParams } from "../../runtime/params.js";
import { prng } from "../../runtime/random.js";
import { placeTensors } from "../../runtime/layout.js";
import { checkRegions } from "../../runtime/regions.js";
import { regionBytes } from "../../runtime/abi.js";

const text = `import { cell, tanh } from "rnnc";
export const c = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], U: ["H", "H"], b: ["H"] },
  step: ({ x, h, W, U, b }) => {
    return { h: tanh(W * x + U * h + b) };
  },
});
`;
const dims = { I: 5, H: 6 };
const build = (quantize: boolean) =>
  compileCell({
    file: "cell.ts", text, dims, inference: true, capacity: { batch: 2, steps: 3 },
    ...(quantize ? { quantize: "int8" as const } : {}),
  });

describe("the ABI of an int8 module", () => {
  const { abi } = build(true);
  const tweaked = (tweak: (a: { quantize?: string; tensors: Record<string, unknown>[] }) => void) => () => {
    const copy = JSON.parse(JSON.stringify(abi)) as { quantize?: string; tensors: Record<string, unknown>[] };
    tweak(copy);
    return parseAbi(JSON.stringify(copy));
  };
  const find = (a: { tensors: Record<string, unknown>[] }, name: string, role: string) =>
    a.tensors.find((t) => t.name === name && t.role === role)!;

  it("says quantize int8 and gives each matrix dtype i8 and a param_scale per row; vectors stay f32", () => {
    const parsed = parseAbi(JSON.stringify(abi));
    expect(parsed.quantize).toBe("int8");
    expect(parsed.tensors.filter((t) => t.dtype === "i8").map((t) => t.name)).toEqual(["W", "U"]);
    expect(parsed.tensors.find((t) => t.name === "W" && t.role === "param_scale")!.shape).toEqual([6]);
    // Blocks of 4 rows × 2 columns: 6 rows padded to 8, 5 columns to 6.
    expect(parsed.tensors.find((t) => t.name === "W" && t.role === "param")!.blocks).toEqual([4, 2]);
    expect(
      regionBytes(parsed, parsed.tensors.find((t) => t.name === "W" && t.role === "param")!, parsed.capacity),
    ).toBe(48);
    expect(parsed.tensors.find((t) => t.name === "b" && t.role === "param")!.dtype).toBeUndefined();
  });

  it("is refused when an int8 tensor lacks what describes it", () => {
    expect(tweaked((a) => delete a.quantize)).toThrow(/W \(param\) says dtype "i8", but the ABI says no quantize/);
    expect(
      tweaked((a) => (a.tensors = a.tensors.filter((t) => !(t.name === "U" && t.role === "param_scale")))),
    ).toThrow(/U \(param\) has dtype "i8" but no param_scale tensor U/);
    expect(tweaked((a) => (find(a, "W", "param_scale").shape = [5]))).toThrow(
      /W \(param_scale\) has shape \[5\], expected \[6\]/,
    );
    expect(tweaked((a) => (find(a, "W", "param_scale").dtype = "f64"))).toThrow(/W \(param_scale\) must be f32/);
    expect(tweaked((a) => Object.assign(find(a, "b", "param"), { dtype: "i8", blocks: [4, 2] }))).toThrow(
      /only a param matrix \[rows, cols\] may have dtype "i8"/,
    );
    expect(tweaked((a) => (find(a, "W", "param").blocks = [2, 4]))).toThrow(/\(W\)\.blocks: expected \[4, 2\]/);
    expect(tweaked((a) => delete find(a, "W", "param").blocks)).toThrow(
      /\(W\)\.blocks: expected \[4, 2\] .*got undefined/,
    );
    expect(tweaked((a) => (find(a, "b", "param").blocks = [4, 2]))).toThrow(
      /\(b\)\.blocks: only an int8 tensor has a block layout/,
    );
    expect(tweaked((a) => Object.assign(find(a, "W", "param"), { dtype: undefined, blocks: undefined }))).toThrow(
      /W \(param_scale\) scales no int8 param/,
    );
    expect(tweaked((a) => (a.quantize = "int4"))).toThrow(/ABI.quantize: expected one of "int8"/);
  });

  it("places each region apart: a scale region overlapping its rows is refused", () => {
    const parsed = parseAbi(JSON.stringify(abi));
    expect(() => checkRegions(parsed, placeTensors(parsed, parsed.capacity))).not.toThrow();
    const w = find(abi as never, "W", "param") as { offset: number };
    const moved = parseAbi(JSON.stringify({
      ...abi,
      tensors: abi.tensors.map((t) => (
        t.name === "W" && t.role === "param_scale" ? { ...t, offset: w.offset + 28 } : t
      )),
    }));
    expect(() => checkRegions(moved, placeTensors(moved, moved.capacity))).toThrow(
      /W \(param\) at bytes \[\d+, \d+\) overlaps W \(param_scale\)/,
    );
  });
});

describe("an int8 model", () => {
  const random = prng(3);
  const values = Float32Array.from({ length: 6 * 5 }, (_, k) => (random() * 2 - 1) * (1 + Math.floor(k / 5)));

  it("quantises what set gives it, row by row, and get gives back the values it stands for", () => {
    const model = instantiateModel(build(true).binary);
    model.set("W", values);
    const scales = model.get("W", "param_scale");
    const back = model.get("W");
    for (let r = 0; r < 6; r++) {
      const row = values.subarray(r * 5, r * 5 + 5);
      expect(scales[r]).toBeCloseTo(Math.max(...Array.from(row, Math.abs)) / 127, 7);
      for (let j = 0; j < 5; j++)
        expect(Math.abs(back[r * 5 + j]! - row[j]!)).toBeLessThanOrEqual(scales[r]! / 2 + 1e-7);
    }
    expect(() => model.tensor("W")).toThrow(/W \(param\) is stored in int8 .*get and set/);
    expect(() => model.set("W", values.subarray(1))).toThrow(/got 29 values, expected exactly 30/);
    expect(() => model.set("W", Float32Array.from(values, (v, i) => (i === 4 ? NaN : v)))).toThrow(/value 4 is NaN/);
  });

  it("saves the f32 file of the f32 build, and loads one", () => {
    const f32 = instantiateModel(build(false).binary);
    const int8 = instantiateModel(build(true).binary);
    f32.set("W", values);
    int8.loadParams(f32.saveParams());
    const saved = decodeParams(int8.saveParams());
    expect(saved.map((r) => [r.name, r.dtype])).toEqual([["W", "f32"], ["U", "f32"], ["b", "f32"]]);
    expect(Array.from(new Float32Array(saved[0]!.data.slice().buffer))).toEqual(Array.from(int8.get("W")));
    f32.loadParams(int8.saveParams());
    expect(Array.from(f32.get("W"))).toEqual(Array.from(int8.get("W")));
  });

  it("runs with parameters baked into it as it does with them set", () => {
    const f32 = instantiateModel(build(false).binary);
    f32.set("W", values);
    f32.set("U", Float32Array.from({ length: 36 }, () => random() - 0.5));
    const params = decodeParams(f32.saveParams());
    const baked = instantiateModel(compileCell({
      file: "cell.ts", text, dims, inference: true, quantize: "int8", capacity: { batch: 2, steps: 3 }, params,
    }).binary);
    const set = instantiateModel(build(true).binary);
    set.loadParams(f32.saveParams());
    const x = Float32Array.from({ length: 3 * 2 * 5 }, () => random() * 2 - 1);
    for (const m of [baked, set]) {
      m.set("x", x);
      m.set("lengths", new Int32Array([3, 3]));
      m.forward(2, 3);
    }
    expect(baked.entry("W", "param").baked).toBe(true);
    expect(Array.from(baked.get("h", "output"))).toEqual(Array.from(set.get("h", "output")));
  });
});
