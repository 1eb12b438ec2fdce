// spec/runtime — the runtime's own UTF-8 codec against the host's
// TextDecoder (fatal) and TextEncoder: the same strings, the same bytes, and
// the same refusals, on random text, random bytes and mutated valid UTF-8.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUtf8Portable, encodeUtf8Portable } from "../../runtime/utf8.js";

const native = new TextDecoder("utf-8", { fatal: true });
const decodeOrError = (decode: (b: Uint8Array) => string, bytes: Uint8Array) => {
  try {
    return { text: decode(bytes) };
  } catch (e) {
    return { error: (e as Error).name };
  }
};
/** Any UTF-16 string, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));
const anyText = fc.string({ unit: codeUnit, maxLength: 40 });
/** Text of whole code points from every UTF-8 length class. */
const wellFormed = fc.string({ unit: "binary", maxLength: 40 });
/** Valid UTF-8 with a few bytes replaced, removed or inserted: the boundary cases of the decoder. */
const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "cut", "add"));
const mutated = fc.tuple(wellFormed, fc.array(edit, { maxLength: 3 }))
  .map(([text, edits]) => {
    const bytes = [...new TextEncoder().encode(text)];
    for (const [at, byte, kind] of edits) {
      const i = bytes.length === 0 ? 0 : at % bytes.length;
      if (kind === "set" && bytes.length > 0) bytes[i] = byte;
      else if (kind === "cut") bytes.splice(i, 1);
      else bytes.splice(i, 0, byte);
    }
    return Uint8Array.from(bytes);
  });

describe("encodeUtf8Portable", () => {
  it("gives TextEncoder's bytes, lone surrogates as U+FFFD", () => {
    fc.assert(fc.property(fc.oneof(anyText, wellFormed), (text) => {
      expect(encodeUtf8Portable(text)).toEqual(new TextEncoder().encode(text));
    }), { numRuns: 500 });
  });
});

describe("decodeUtf8Portable", () => {
  it("decodes what TextDecoder decodes and refuses what it refuses", () => {
    const bytes = fc.oneof(
      mutated, fc.uint8Array({ maxLength: 12 }), wellFormed.map((t) => new TextEncoder().encode(t)),
    );
    fc.assert(fc.property(bytes, (b) => {
      expect(decodeOrError(decodeUtf8Portable, b)).toEqual(decodeOrError((x) => native.decode(x), b));
    }), { numRuns: 2000 });
  });

  it("agrees on each boundary of the lead and first trail bytes", () => {
    const cases = [
      [0x7f], [0x80], [0xc1, 0xbf], [0xc2, 0x80], [0xdf, 0xbf], [0xe0, 0x9f, 0x80], [0xe0, 0xa0, 0x80],
      [0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xef, 0xbf, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf0, 0x90, 0x80, 0x80],
      [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x82],
      [0xef, 0xbb, 0xbf, 0x41],
    ].map((c) => Uint8Array.from(c));
    for (const b of cases) {
      expect(decodeOrError(decodeUtf8Portable, b), `bytes ${[...b]}`).toEqual(
        decodeOrError((x) => native.decode(x), b),
      );
    }
  });

  it("decodes long text (more units than one fromCharCode call takes)", () => {
    const text = "ab€😀".repeat(20_000);
    expect(decodeUtf8Portable(new TextEncoder().encode(text))).toBe(text);
  });
});
