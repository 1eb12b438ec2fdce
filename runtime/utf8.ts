// runtime — UTF-8 text for the ABI section and the parameter file header. In:
// bytes or a string. Out: the string or bytes the WHATWG TextDecoder (fatal)
// and TextEncoder give. Hosts that have those codecs use them; an
// AudioWorkletGlobalScope has neither, so the runtime carries its own.

/** Decodes UTF-8, dropping a leading byte-order mark; invalid UTF-8 throws a TypeError. */
export function decodeUtf8(bytes: Uint8Array): string {
  if (typeof TextDecoder === "function") return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  return decodeUtf8Portable(bytes);
}

/** Encodes to UTF-8; a lone surrogate becomes U+FFFD, as TextEncoder does. */
export function encodeUtf8(text: string): Uint8Array {
  if (typeof TextEncoder === "function") return new TextEncoder().encode(text);
  return encodeUtf8Portable(text);
}

/** The decoder of the WHATWG Encoding standard, in fatal mode, with no host codec. */
export function decodeUtf8Portable(bytes: Uint8Array): string {
  const units: number[] = [];
  let text = "";
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    let [point, trail, low, high] = [lead, 0, 0x80, 0xbf];
    if (lead >= 0xc2 && lead <= 0xdf) [point, trail] = [lead & 0x1f, 1];
    else if (lead >= 0xe0 && lead <= 0xef) {
      // E0 would allow overlong forms, ED the surrogates: their first trail byte is narrowed.
      [point, trail, low, high] = [lead & 0x0f, 2, lead === 0xe0 ? 0xa0 : 0x80, lead === 0xed ? 0x9f : 0xbf];
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      // F0 would allow overlong forms, F4 code points past U+10FFFF.
      [point, trail, low, high] = [lead & 0x07, 3, lead === 0xf0 ? 0x90 : 0x80, lead === 0xf4 ? 0x8f : 0xbf];
    } else if (lead >= 0x80) throw invalidAt(i);
    for (let k = 1; k <= trail; k++) {
      const byte = bytes[i + k];
      if (byte === undefined || byte < (k === 1 ? low : 0x80) || byte > (k === 1 ? high : 0xbf)) throw invalidAt(i);
      point = (point << 6) | (byte & 0x3f);
    }
    i += trail + 1;
    if (point >= 0x10000) units.push(0xd800 + ((point - 0x10000) >> 10), 0xdc00 + ((point - 0x10000) & 0x3ff));
    else units.push(point);
    // fromCharCode takes its units as arguments: flush before the engine's argument limit.
    if (units.length >= 4096) text += String.fromCharCode(...units.splice(0));
  }
  return text + String.fromCharCode(...units);
}

/** The encoder of the WHATWG Encoding standard, with no host codec. */
export function encodeUtf8Portable(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const char of text) {
    let point = char.codePointAt(0)!;
    if (point >= 0xd800 && point <= 0xdfff) point = 0xfffd;
    if (point < 0x80) bytes.push(point);
    else if (point < 0x800) bytes.push(0xc0 | (point >> 6), 0x80 | (point & 0x3f));
    else if (point < 0x10000) bytes.push(0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f));
    else {
      bytes.push(
        0xf0 | (point >> 18),
        0x80 | ((point >> 12) & 0x3f),
        0x80 | ((point >> 6) & 0x3f),
        0x80 | (point & 0x3f),
      );
    }
  }
  return Uint8Array.from(bytes);
}

function invalidAt(index: number): TypeError {
  return new TypeError(`invalid UTF-8 at byte ${index}`);
}
