// spec — the shape of the import graph, read from the sources: no cycle among
// the compiler's, runtime's and applications' modules; Binaryen reached only
// through compiler/lower/wasm.ts (and loaded where binaryen-source.ts says); the runtime free of the compiler; the
// compiler's core free of the applications built on it (only its CLI starts
// them); the applications on rnnc's public surfaces alone.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(dirname(new URL(import.meta.url).pathname), "..");

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(root, path)).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const files = ["compiler", "runtime", "apps"].flatMap(sources);
const specifiers = (file: string) =>
  [...readFileSync(join(root, file), "utf8").matchAll(/\bfrom "([^"]+)"/g)].map((m) => m[1]!);
const imports = new Map(
  files.map((f) => [
    f,
    specifiers(f)
      .filter((s) => s.startsWith("."))
      .map((s) => relative(root, normalize(join(root, dirname(f), s.replace(/\.js$/, ".ts"))))),
  ]),
);

/** Every cycle found by a depth-first walk, each as the path that closes it. */
function cycles(): string[][] {
  const state = new Map<string, "open" | "done">();
  const found: string[][] = [];
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const d of imports.get(f) ?? []) {
      if (state.get(d) === "open") found.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe("the import graph", () => {
  it("reads every relative import as a file that exists", () => {
    const missing = [...imports].flatMap(([f, ds]) => ds.filter((d) => !files.includes(d)).map((d) => `${f} -> ${d}`));
    expect(missing).toEqual([]);
  });

  it("has no cycle", () => {
    expect(cycles().map((c) => c.join(" -> "))).toEqual([]);
  });

  it("reaches Binaryen only through compiler/lower/wasm.ts", () => {
    // The package is named (imported, or its types) where it is loaded and by wasm.ts, for its types.
    const names = (f: string) => /\bfrom "binaryen"|\bimport\("binaryen"\)/.test(readFileSync(join(root, f), "utf8"));
    expect(files.filter(names)).toEqual([
      "compiler/cli/binaryen-cache.ts", "compiler/lower/binaryen-source.ts", "compiler/lower/wasm.ts",
    ]);
    // The loaded API, compiler/lower/binaryen.ts's default export, is used by wasm.ts alone.
    const users = [...imports].filter(([, ds]) => ds.includes("compiler/lower/binaryen.ts")).map(([f]) => f);
    expect(users).toEqual(["compiler/lower/wasm.ts"]);
  });

  it("keeps the runtime free of the compiler and of the applications", () => {
    const reach = files
      .filter((f) => f.startsWith("runtime/"))
      .flatMap((f) => imports.get(f)!.filter((d) => !d.startsWith("runtime/")).map((d) => `${f} -> ${d}`));
    expect(reach).toEqual([]);
  });

  it("keeps the compiler's core free of the applications: only its CLI reaches apps/", () => {
    const reach = files
      .filter((f) => f.startsWith("compiler/") && !f.startsWith("compiler/cli/"))
      .flatMap((f) => imports.get(f)!.filter((d) => d.startsWith("apps/")).map((d) => `${f} -> ${d}`));
    expect(reach).toEqual([]);
  });

  it("keeps the applications on rnnc's public surfaces: their own files, compiler/api.ts and runtime/index.ts", () => {
    const surfaces = ["compiler/api.ts", "runtime/index.ts"];
    const apps = files.filter((f) => f.startsWith("apps/"));
    expect(new Set(apps.map((f) => f.split("/")[1]))).toEqual(new Set(["import", "train"]));
    const reach = apps.flatMap((f) => {
      const own = `apps/${f.split("/")[1]}/`;
      return imports.get(f)!.filter((d) => !d.startsWith(own) && !surfaces.includes(d)).map((d) => `${f} -> ${d}`);
    });
    expect(reach).toEqual([]);
  });
});
