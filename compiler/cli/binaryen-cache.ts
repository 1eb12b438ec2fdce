// compiler/cli — binaryen.js loaded through V8's code cache (code-cache.ts)
// for the commands that compile. Its index.js is one ES module of 15 MB: an
// async factory function around Binaryen's wasm, held in a string literal,
// then `export default await factory()`. Node 20 caches no compiled code of
// ES modules, and parsing and compiling that file took about 0.45 s of every
// cold `rnnc compile` (AMD EPYC); from the cache it takes about 0.05 s.
//
// The cache holds classic scripts only, so the module's text is run as one:
// its body inside an async function, with three edits and no other. Each
// `import.meta` becomes a parameter (the real file URL is passed), the one
// dynamic `import(` a parameter that imports, and the closing
// `export{NAME as default};` a `return NAME;`. Where the text is not of that
// shape (a binaryen release built another way) nothing is edited and the
// package is imported as usual; so it is when the edited script fails to
// compile or run. In: the V8 flags in force. Out: the binaryen.js API.

import * as nodeModule from "node:module";
import { pathToFileURL } from "node:url";
import type { BinaryenApi } from "../lower/binaryen-source.js";
import { cachedScript, codeCacheFolder, readSourceText } from "./code-cache.js";

const meta = "__rnncImportMeta";
const dynamicImport = "__rnncImport";
/** This way of making a script of the module, named for the cache's key (code-cache.ts): rename it with any change. */
const wrapping = "esm-as-async-function-1";

/**
 * The module text as the body of `async function (meta, import)` whose
 * result is the default export, or undefined where the text does not end in
 * its default export or has `import(` or `import.meta` as the tail of a
 * longer name or a property. Anything else a script cannot hold (a static
 * import, another export) fails to compile, which loadBinaryenCached takes
 * as its cue to import the package.
 */
export function binaryenAsScript(text: string): string | undefined {
  // Matched on the last few hundred characters only: a search of the whole text would cost more than the cache saves.
  const end = Math.max(0, text.length - 400);
  const tail = /export\s*\{\s*([A-Za-z_$][\w$]*)\s+as\s+default\s*\}\s*;?\s*$/.exec(text.slice(end));
  if (!tail) return undefined;
  const body = text.slice(0, end + tail.index);
  let script = `(async function (${meta}, ${dynamicImport}) {"use strict";`;
  let from = 0;
  for (const found of body.matchAll(/import(\.meta|\()/g)) {
    if (/[\w$.]/.test(body[found.index - 1] ?? "")) return undefined;
    script += body.slice(from, found.index) + (found[1] === "(" ? `${dynamicImport}(` : meta);
    from = found.index + found[0].length;
  }
  return `${script}${body.slice(from)}\nreturn ${tail[1]};\n})`;
}

type Factory = (importMeta: { url: string }, load: (specifier: string) => Promise<unknown>) => Promise<unknown>;

/** binaryen.js, through the code cache where it can be; `flags` names the V8 flags in force. */
export async function loadBinaryenCached(flags: string): Promise<BinaryenApi> {
  const plain = async () => (await import("binaryen")).default;
  let file: string;
  try {
    file = nodeModule.createRequire(import.meta.url).resolve("binaryen");
  } catch {
    return plain(); // An install where require cannot find it: import does, or says why not.
  }
  const dir = codeCacheFolder(file);
  const code = dir === undefined ? undefined : binaryenAsScript(readSourceText(file));
  if (dir === undefined || code === undefined) return plain();
  let api: unknown;
  try {
    const factory = cachedScript(file, code, dir, flags, wrapping).runInThisContext() as Factory;
    // node:module, the one module binaryen.js imports under Node, is handed over at once: its JavaScript then runs
    // up to instantiating the wasm without waiting for the module loader (see launch.ts).
    const load = (specifier: string) => (specifier === "node:module" ? Promise.resolve(nodeModule) : import(specifier));
    api = await factory({ url: pathToFileURL(file).href }, load);
  } catch {
    return plain();
  }
  return typeof (api as BinaryenApi | undefined)?.Module === "function" ? (api as BinaryenApi) : plain();
}
