// playground — the dims field. In: text such as "I=4, H=8". Out: the
// dimensions to bind, or a message naming the part that is wrong (the same
// rules as rnnc's --dims: names as in the cell file, positive integers).

export type DimsResult = { readonly dims: Record<string, number> } | { readonly error: string };

export function parseDims(text: string): DimsResult {
  const dims: Record<string, number> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const match = /^([A-Za-z_$][A-Za-z0-9_$]*)\s*=\s*(\d+)$/.exec(part);
    if (!match || Number(match[2]) < 1 || !Number.isSafeInteger(Number(match[2]))) {
      return { error: `dims: expected NAME=POSITIVE_INTEGER, got "${part}" (example: I=4,H=8)` };
    }
    if (Object.hasOwn(dims, match[1]!)) return { error: `dims: ${match[1]} is given twice` };
    dims[match[1]!] = Number(match[2]);
  }
  return { dims };
}

/** Sizes the presets start with; a preset gets those of the dimensions its text names. */
const defaults: Readonly<Record<string, number>> = { I: 4, H: 8, O: 2, H2: 6, G: 6, V: 20, E: 8, T: 30, C: 5 };

/** "I=4,H=8" for texts (a file and the files it imports) that name "I" and "H". */
export function defaultDims(texts: readonly string[]): string {
  const named = new Set(texts.flatMap((t) => [...t.matchAll(/"([A-Z][A-Za-z0-9]*)"/g)].map((m) => m[1]!)));
  return Object.entries(defaults).filter(([name]) => named.has(name)).map(([n, v]) => `${n}=${v}`).join(",");
}
