// compiler/lower — a module's sections read from its bytes, with no engine:
// the payloads of a custom section, and the bytes without one (Binaryen keeps
// the custom sections it reads, and writes function names only into one).

/** The module's sections in order: id, the bytes of the whole section, and a custom section's name. */
function sections(binary: Uint8Array): { id: number; bytes: Uint8Array; name?: string; payload: Uint8Array }[] {
  const out: { id: number; bytes: Uint8Array; name?: string; payload: Uint8Array }[] = [];
  let at = 8;
  const leb = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = binary[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
  };
  while (at < binary.length) {
    const start = at;
    const id = binary[at++]!;
    const size = leb();
    const end = at + size;
    if (id === 0) {
      const length = leb();
      const name = new TextDecoder().decode(binary.subarray(at, at + length));
      out.push({ id, bytes: binary.subarray(start, end), name, payload: binary.subarray(at + length, end) });
    } else out.push({ id, bytes: binary.subarray(start, end), payload: binary.subarray(at, end) });
    at = end;
  }
  return out;
}

/** The payloads of the module's custom sections named `name`, read from its bytes (no engine needed). */
export function customSections(binary: Uint8Array, name: string): Uint8Array[] {
  return sections(binary).filter((s) => s.name === name).map((s) => s.payload);
}

/** The module's bytes without its custom section `name` (Binaryen keeps custom sections it reads). */
export function withoutCustomSection(binary: Uint8Array, name: string): Uint8Array {
  const parts = [binary.subarray(0, 8), ...sections(binary).filter((s) => s.name !== name).map((s) => s.bytes)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let k = 0;
  for (const p of parts) (out.set(p, k), (k += p.length));
  return out;
}
