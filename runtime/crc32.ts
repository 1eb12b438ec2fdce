// runtime — CRC-32 (IEEE 802.3, the checksum of zip and PNG). In: byte
// arrays. Out: the unsigned 32-bit checksum. Parameter files carry one of
// their table and data, so a flipped bit is refused instead of loaded.

const table = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32 of the pieces in order, as if they were one array. */
export function crc32(...pieces: readonly Uint8Array[]): number {
  let c = 0xffffffff;
  for (const bytes of pieces) {
    for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}
