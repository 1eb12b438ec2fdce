// compiler/cli — scripts compiled through V8's code cache, as Node 22's
// module.enableCompileCache would, and ts-morph's CommonJS files (the
// TypeScript compiler is 9 MB of them) loaded that way for the commands that
// parse a cell file (binaryen-cache.ts loads binaryen.js the same way). In:
// nothing (the files are found from ts-morph's own path). Out: each file
// evaluated and in require's cache, so the frontend's require("ts-morph")
// finds it loaded. Compiling TypeScript's source took 0.32 s of a cold
// `rnnc compile` on an AMD EPYC core; reading its cached code, 0.07–0.10 s.
//
// The cache is node_modules/.cache/rnnc, beside the packages: one file per
// source file (its path, size and modification time: V8 itself compares only
// the source's length) and V8 flag set (the commands run with different
// flags, and V8 refuses code cached under other flags). V8 also refuses data
// made from another V8, and the file is then written again, when the process
// exits, with the functions the command compiled meanwhile. Each file starts
// with the SHA-256 of the data after it, which is checked before V8 sees the
// data: a damaged file is written again, never run. Where the folder cannot
// be written nothing is cached. RNNC_CODE_CACHE=0 turns the cache off, and
// RNNC_CODE_CACHE=DIR puts it in DIR. A file's name starts with a hash of the
// source's path and flags, so writing one removes the files of that source's
// older versions (and an earlier rnnc's files): the folder holds one file per
// source and flag set.
//
// The sources are read as Latin-1 where they are ASCII (binaryen.js and
// TypeScript are): the same string, made without UTF-8 decoding, which cost
// 17-37 ms for each of the two on an AMD EPYC core.

import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Module, createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { Script } from "node:vm";

/**
 * The cache folder for a package file found at `file`: RNNC_CODE_CACHE's, else
 * .cache/rnnc in the node_modules folder that holds it; undefined when the
 * cache is off (RNNC_CODE_CACHE=0) or the file is in no node_modules.
 */
export function codeCacheFolder(file: string): string | undefined {
  const setting = process.env.RNNC_CODE_CACHE;
  if (setting === "0") return undefined;
  if (setting) return setting;
  const modules = file.lastIndexOf("node_modules");
  return modules < 0 ? undefined : join(file.slice(0, modules + "node_modules".length), ".cache", "rnnc");
}

/** The text of a source file, decoded as Latin-1 where its bytes are ASCII (the same string, made faster). */
export function readSourceText(file: string): string {
  const bytes = readFileSync(file);
  return bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
}

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

/**
 * `code` (the text of `file`, wrapped) compiled as a script named `file`,
 * from the cache in `dir` where it holds this file's code under `flags`; else
 * compiled from the text, and the cache written when the process exits.
 * `wrapping` names how `code` was made from the file's text: a new way must
 * have a new name, since V8 would take code cached from another text of the
 * same length.
 */
export function cachedScript(file: string, code: string, dir: string, flags: string, wrapping: string): Script {
  const { size, mtimeMs } = statSync(file);
  const source = hash(`${file}\0${flags}`);
  const version = hash(`${size}\0${mtimeMs}\0${wrapping}\0${process.version}\0${process.arch}`);
  const cacheFile = join(dir, `${source}-${version}.v8`);
  const cachedData = readCache(cacheFile);
  const script = new Script(code, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (cachedData === undefined || script.cachedDataRejected === true) {
    process.once("exit", () => writeCache(dir, cacheFile, script, `${source}-`));
  }
  return script;
}

/** Loads TypeScript, @ts-morph/common and ts-morph through the code cache; `flags` names the V8 flags in force. */
export function preloadTsMorph(flags: string): void {
  const tsMorph = createRequire(import.meta.url).resolve("ts-morph");
  const dir = codeCacheFolder(tsMorph);
  if (dir === undefined) return;
  const common = createRequire(tsMorph).resolve("@ts-morph/common");
  const typescript = join(dirname(common), "typescript.js");
  // In load order: each file's require of the one before finds it cached.
  for (const file of [typescript, common, tsMorph]) loadCached(file, dir, flags);
}

const wrapper = ["(function (exports, require, module, __filename, __dirname) { ", "\n});"] as const;

function loadCached(file: string, dir: string, flags: string): void {
  const require = createRequire(file);
  if (require.cache[file]) return;
  let source: string;
  try {
    source = readSourceText(file);
  } catch {
    return; // Not where ts-morph keeps it in this version: require() loads it as usual.
  }
  const script = cachedScript(file, wrapper[0] + source + wrapper[1], dir, flags, "commonjs");
  const module = new Module(file);
  module.filename = file;
  // The node_modules folders a bare name is looked up in from this file, as require would set them.
  module.paths = require.resolve.paths("ts-morph") ?? [];
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, require, module, file, dirname(file));
  module.loaded = true;
  require.cache[file] = module;
}

const digest = (data: Uint8Array) => createHash("sha256").update(data).digest();

/** The cached data, if the file is there and its checksum holds. */
function readCache(cacheFile: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const data = bytes.subarray(32);
  return bytes.length > 32 && digest(data).equals(bytes.subarray(0, 32)) ? data : undefined;
}

/** The names of an earlier rnnc's cache files, one hash of everything: no later rnnc reads them. */
const unversioned = /^[0-9a-f]{16}\.v8$/;

/**
 * Writes the script's code, as compiled by now, atomically: a concurrent rnnc reads the old file or the new.
 * Then removes the other files of the same source (their names start with `prefix`): older versions of it,
 * and the files of the earlier naming.
 */
function writeCache(dir: string, cacheFile: string, script: Script, prefix: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const partial = `${cacheFile}.${process.pid}`;
    const data = script.createCachedData();
    writeFileSync(partial, Buffer.concat([digest(data), data]));
    renameSync(partial, cacheFile);
    const written = basename(cacheFile);
    for (const name of readdirSync(dir)) {
      const older = name.startsWith(prefix) && name.endsWith(".v8") && name !== written;
      if (older || unversioned.test(name)) rmSync(join(dir, name), { force: true });
    }
  } catch {
    // A read-only install: every run compiles the source, as without a cache.
  }
}
