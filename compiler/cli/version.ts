// compiler/cli — the version `rnnc --version` prints: the "version" of the
// package.json of the rnnc package this file belongs to (found upwards from
// here, from the sources as from dist/). In: nothing. Out: the version, or
// "unknown" if no such package.json is found.

import { readFileSync } from "node:fs";

export function packageVersion(): string {
  for (let dir = new URL("./", import.meta.url); ; dir = new URL("../", dir)) {
    try {
      const manifest = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as Record<string, unknown>;
      if (manifest.name === "rnnc" && typeof manifest.version === "string") return manifest.version;
    } catch {
      // No readable package.json here: look one folder up.
    }
    if (dir.pathname === "/") return "unknown";
  }
}
