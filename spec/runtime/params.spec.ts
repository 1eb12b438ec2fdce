// spec/runtime — the parameter file (runtime/params.ts, safetensors.ts): a
// safetensors file that an independent reading of the format opens, whose
// CRC-32 refuses every damaged copy (random bit flips, zeroed data, swapped,
// duplicated, overlapping or missing entries); safetensors files of other
// tools load; version-1 RNNCPARM files of earlier releases still load.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileCell } from "../support/compile.js";
import { initParams, loadModel, RnncParamsError } from "../../runtime/index.js";
import { decodeParams, encodeParams } from "../../runtime/params.js";
import { encodeSafetensors } from "../../runtime/safetensors.js";

const elman = () => loadModel(compileCell({
  file: "examples/elman.ts", text: readFileSync("examples/elman.ts", "utf8"), dims: { I: 2, H: 3 }, optimize: false,
}).binary);

/** The format read by hand: u64 header length, JSON header, one data buffer. */
function readByHand(file: Uint8Array): {
  header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; data: Uint8Array
} {
  const length = Number(Buffer.from(file).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(file.subarray(8, 8 + length)).toString("utf8")) as never;
  return { header, data: file.subarray(8 + length) };
}

/** Rewrites the header of a file, keeping its data, as a damaging tool would. */
function withHeader(file: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const { header, data } = readByHand(file);
  edit(header as Record<string, unknown>);
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  Buffer.from(out.buffer).writeBigUInt64LE(BigInt(json.length), 0);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("parameter files", () => {
  it("are safetensors: the header names every parameter's dtype, shape and bytes, and says it is rnnc's", async () => {
    const model = await elman();
    initParams(model, 3);
    const file = model.saveParams();
    const { header, data } = readByHand(file);
    expect((8 + Number(Buffer.from(file).readBigUInt64LE(0))) % 8).toBe(0);
    expect(header.__metadata__).toMatchObject({
      format: "rnnc-params", format_version: "2", crc32: expect.stringMatching(/^[0-9a-f]{8}$/),
    });
    for (const name of ["W", "U", "b"]) {
      const entry = header[name]!;
      const [begin, end] = entry.data_offsets;
      expect(entry.dtype).toBe("F32");
      expect(entry.shape).toEqual(model.shapeOf(name, "param"));
      expect(new Float32Array(data.slice(begin, end).buffer)).toEqual(model.get(name, "param"));
    }
  });

  it("refuses every one of 200 random single-bit flips", async () => {
    const model = await elman();
    initParams(model, 4);
    const file = model.saveParams();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: file.length * 8 - 1 }), (bit) => {
        const damaged = file.slice();
        damaged[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => decodeParams(damaged)).toThrow(RnncParamsError);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses zeroed data, swapped, duplicated, overlapping and missing entries", async () => {
    const model = await elman();
    initParams(model, 5);
    const file = model.saveParams();
    const zeroed = file.slice();
    zeroed.fill(0, readByHand(file).data.byteOffset - file.byteOffset + 4);
    expect(() => decodeParams(zeroed)).toThrow(/checksum is [0-9a-f]{8} but the file says/);
    const swapped = withHeader(file, (h) => {
      type Entry = { data_offsets: unknown; shape: unknown };
      const [w, u] = [h.W as Entry, h.U as Entry];
      h.U = { ...u, data_offsets: w.data_offsets, shape: w.shape };
      h.W = { ...w, data_offsets: u.data_offsets, shape: u.shape };
    });
    expect(() => decodeParams(swapped)).toThrow(/checksum/);
    const overlapping = withHeader(file, (h) => ((h.b as { data_offsets: number[] }).data_offsets = [0, 12]));
    expect(() => decodeParams(overlapping)).toThrow(/where another tensor's data is|a hole begins/);
    const missing = withHeader(file, (h) => delete h.U);
    expect(() => decodeParams(missing)).toThrow(/a hole begins|cover/);
    const renamed = withHeader(file, (h) => ((h.W2 = h.W), delete h.W));
    expect(() => decodeParams(renamed)).toThrow(/checksum/);
    const unchecked = withHeader(file, (h) => delete (h.__metadata__ as Record<string, string>).crc32);
    expect(() => decodeParams(unchecked)).toThrow(/its checksum \(crc32 in the metadata\) is missing/);
    expect(() => model.loadParams(swapped)).toThrow(RnncParamsError);
  });

  it("loads safetensors files written by other tools (no rnnc metadata), in f64 too", async () => {
    const model = await elman();
    initParams(model, 6);
    const foreign = encodeSafetensors(
      ["W", "U", "b"].map((name) => ({
        name, shape: model.shapeOf(name, "param"), dtype: "f64" as const,
        data: new Uint8Array(Float64Array.from(model.get(name, "param")).buffer),
      })),
      { producer: "some other tool" },
    );
    const expected = model.saveParams();
    model.tensor("W", "param").fill(0);
    model.loadParams(foreign);
    expect(model.saveParams()).toEqual(expected);
  });

  it("still loads the version-1 RNNCPARM files of earlier releases", async () => {
    const model = await elman();
    model.loadParams(readFileSync("spec/fixtures/params/elman-I2-H3-seed1.v1.params"));
    const fresh = await elman();
    initParams(fresh, 1);
    expect(model.saveParams()).toEqual(fresh.saveParams());
    expect(encodeParams(decodeParams(model.saveParams()))).toEqual(model.saveParams());
  });
});
