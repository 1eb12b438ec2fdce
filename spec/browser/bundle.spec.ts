// spec/browser — the browser build of the runtime (tools/bundle-runtime.js),
// bundled afresh into a temp dir: one ESM file that imports nothing (no bare
// specifier; a node: module only on Node's own paths, by a computed name or
// through process.getBuiltinModule), exports what runtime/index.ts exports,
// and is what package.json's exports give "rnnc/runtime" under the browser
// condition and "rnnc/runtime/browser" everywhere; the data-parallel worker's
// script beside it imports nothing either.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, transform } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as runtime from "../../runtime/index.js";
import { bundleRuntime } from "../../tools/bundle-runtime.js";

let dir: string;
let bundlePath: string;
let text: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-bundle-"));
  bundlePath = await bundleRuntime(join(dir, "rnnc-runtime.js"));
  text = readFileSync(bundlePath, "utf8");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every module specifier the text names: static and dynamic imports, re-exports, require calls. */
function specifiers(code: string): string[] {
  const found = code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(["'`])([^"'`]+)\1/g);
  return [...found].map((m) => m[2]!);
}

describe("the browser bundle of the runtime", () => {
  it("imports no module: no bare specifier, no node: module but the Node-only file reader's", async () => {
    expect(specifiers('import { a } from "./a.js"; export * from "b"; import("node:fs"); require("c")'))
      .toEqual(["./a.js", "b", "node:fs", "c"]);
    // The grep reads code only: doc comments survive bundling and may quote words after "from".
    const { code } = await transform(text, { minifyWhitespace: true, format: "esm" });
    const bare = specifiers(code).filter((s) => !/^\.{0,2}\//.test(s));
    expect(bare, "bare or node: specifiers in the bundle").toEqual([]);
    // esbuild's parser agrees: the bundle imports nothing it could resolve or bundle.
    const parsed = await build({
      entryPoints: [bundlePath], bundle: true, write: false, metafile: true, external: ["*"], logLevel: "silent",
    });
    expect(Object.values(parsed.metafile.inputs).flatMap((input) => input.imports)).toEqual([]);
    // In Node, runtime/fetch.ts reads files through import() of a computed node: name, so that
    // bundlers never follow it; a browser never takes that path (runtime.spec.ts loads a URL).
    // That is the only import() of a name; the data-parallel trainer asks Node for worker_threads
    // and fs through process.getBuiltinModule, which a browser has not. Nowhere else is "node:".
    const computed = [...code.matchAll(/\bimport\s*\(\s*([^)]*)\)/g)].map((m) => m[1]!.trim());
    const names = computed.map((arg) => {
      const definition = new RegExp(`\\b(?:var|let|const) ${arg}\\s*=\\s*"([^"]*)"`);
      const value = /^[A-Za-z_$][\w$]*$/.test(arg) ? definition.exec(code)?.[1] : undefined;
      return value ?? `import(${arg})`;
    });
    expect(names.every((n) => n.startsWith("node:")), `import() calls: ${names.join(", ")}`).toBe(true);
    const builtins = [...code.matchAll(/\bgetBuiltinModule(?:\?\.)?\("(node:[\w/]*)"\)/g)].map((m) => m[1]!);
    expect(builtins.sort()).toEqual(["node:fs", "node:worker_threads"]);
    expect((code.match(/node:[\w/]*/g) ?? []).sort()).toEqual([...names, ...builtins].sort());
  });

  it(
    "writes the data-parallel worker's script beside it, importing nothing, its one node: name asked of Node",
    async () => {
      const worker = readFileSync(join(dir, "rnnc-worker.js"), "utf8");
      const { code } = await transform(worker, { minifyWhitespace: true, format: "esm" });
      expect(specifiers(code)).toEqual([]);
      expect(code.match(/node:[\w/]*/g)).toEqual(["node:worker_threads"]);
      expect(code).toMatch(/\bgetBuiltinModule\?\.\("node:worker_threads"\)/);
      expect(text).toContain('new URL("./rnnc-worker.js", import.meta.url)');
    },
  );

  it("exports exactly what runtime/index.ts exports", async () => {
    const bundled = await import(pathToFileURL(bundlePath).href);
    expect(Object.keys(bundled).sort()).toEqual(Object.keys(runtime).sort());
    expect(bundled.parseAbi).not.toBe(runtime.parseAbi);
    expect(bundled.ABI_VERSION).toBe(runtime.ABI_VERSION);
  });

  it("is what package.json's exports resolve to for browsers", async () => {
    const pkg = join(dir, "app", "node_modules", "rnnc");
    for (const sub of ["dist/browser", "dist/runtime"]) mkdirSync(join(pkg, sub), { recursive: true });
    writeFileSync(join(pkg, "package.json"), readFileSync(new URL("../../package.json", import.meta.url)));
    writeFileSync(join(pkg, "dist/browser/rnnc-runtime.js"), text);
    writeFileSync(join(pkg, "dist/runtime/index.js"), "export const loadModel = 'the Node build';\n");
    const resolved = async (specifier: string, platform: "browser" | "node") => {
      const result = await build({
        stdin: { contents: `export { loadModel } from "${specifier}";`, resolveDir: join(dir, "app") },
        bundle: true, write: false, format: "esm", platform, metafile: true, logLevel: "silent",
      });
      const inputs = Object.keys(result.metafile.inputs).filter((p) => p.includes("node_modules/"));
      return inputs.map((p) => p.slice(p.indexOf("node_modules/")));
    };
    expect(await resolved("rnnc/runtime", "browser")).toEqual(["node_modules/rnnc/dist/browser/rnnc-runtime.js"]);
    expect(await resolved("rnnc/runtime", "node")).toEqual(["node_modules/rnnc/dist/runtime/index.js"]);
    expect(await resolved("rnnc/runtime/browser", "node")).toEqual(["node_modules/rnnc/dist/browser/rnnc-runtime.js"]);
  });
});
