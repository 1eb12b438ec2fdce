// playground — the bundle. In: this folder's index.html, style.css and src/*.ts (which import the
// compiler's and the runtime's TypeScript sources), and examples/*.ts, read now as the presets.
// Out: dist/playground/ with index.html, style.css, page.js and the two workers, and each file's
// size. Run directly (node examples/playground/build.js) it prints them.
//
// ts-morph and TypeScript reach for node built-ins (fs, os, path, crypto, …) only on paths an
// in-memory file system never takes, so those imports resolve to an empty module; Binaryen is
// ESM with top-level await and imports node:module only under Node, so the workers are ES
// modules and that import stays external (never evaluated in a browser).

import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..");
export const defaultOutdir = join(root, "dist", "playground");

const unusedBuiltins =
  /^(node:)?(fs|fs\/promises|os|path|crypto|inspector|perf_hooks|url|util|source-map-support)$|^tinyglobby$/;

/** Imports that a browser build of ts-morph and TypeScript never evaluates, as `{}`. */
const emptyShims = {
  name: "empty-shims",
  setup(build) {
    build.onResolve({ filter: unusedBuiltins }, (args) => ({ path: args.path, namespace: "empty-shim" }));
    build.onResolve({ filter: /^node:module$/ }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: "empty-shim" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

/** `rnnc-playground:presets`: every cell file in examples/, as { file, text } (see src/presets.d.ts). */
const presetsModule = {
  name: "presets",
  setup(build) {
    build.onResolve({ filter: /^rnnc-playground:presets$/ }, (args) => ({ path: args.path, namespace: "presets" }));
    build.onLoad({ filter: /.*/, namespace: "presets" }, () => {
      const dir = join(root, "examples");
      const files = readdirSync(dir).filter((f) => f.endsWith(".ts")).sort();
      const presets = files.map((f) => ({ file: `examples/${f}`, text: readFileSync(join(dir, f), "utf8") }));
      const contents = `export const presets = ${JSON.stringify(presets)};`;
      return { contents, loader: "js", watchFiles: files.map((f) => join(dir, f)) };
    });
  },
};

/** Builds the playground into `outdir` (emptied first); returns each file's size, raw and gzipped. */
export async function buildPlayground({ outdir = defaultOutdir, minify = true } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await esbuild.build({
    entryPoints: ["page", "compiler-worker", "trainer-worker"].map((name) => join(here, "src", `${name}.ts`)),
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify,
    legalComments: "none",
    logLevel: "error",
    plugins: [emptyShims, presetsModule],
  });
  for (const name of ["index.html", "style.css"]) copyFileSync(join(here, name), join(outdir, name));
  return readdirSync(outdir).sort().map((name) => {
    const bytes = statSync(join(outdir, name)).size;
    return { name, bytes, gzipped: gzipSync(readFileSync(join(outdir, name))).length };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const files = await buildPlayground();
  const mb = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`);
  for (const f of files) console.log(`${f.name.padEnd(20)} ${mb(f.bytes).padStart(9)}  (${mb(f.gzipped)} gzipped)`);
  const total = files.reduce((n, f) => n + f.bytes, 0);
  const gzipped = files.reduce((n, f) => n + f.gzipped, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`total ${mb(total)} (${mb(gzipped)} gzipped), built in ${seconds} s into ${defaultOutdir}`);
}
