// spec/cli — the binary's entry (compiler/cli/launch.ts through bin/rnnc.js,
// built in dist/) imports only the command it runs: commands that compile
// nothing never load ts-morph or binaryen, the two packages that take most of
// a cold start. Which packages a process loaded is read from Node's own
// module-loading debug log (NODE_DEBUG=esm,module); `rnnc compile` must show
// both, so a change in that log's format fails here instead of passing. The
// commands that parse read ts-morph through a code cache, which is checked too.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const built = existsSync(join(root, "dist/compiler/cli/launch.js"));
const heavy = ["ts-morph", "binaryen"] as const;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "rnnc-launch-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs bin/rnnc.js; which of the heavy packages it loaded, its exit code and output. */
function run(...argv: string[]) {
  const env = { ...process.env, NODE_DEBUG: "esm,module" };
  const child = spawnSync(process.execPath, ["bin/rnnc.js", ...argv], { cwd: root, encoding: "utf8", env });
  const loaded = heavy.filter((name) => child.stderr.includes(`node_modules/${name}/`));
  return { code: child.status, stdout: child.stdout, loaded };
}

describe("bin/rnnc.js loads only what its command needs", () => {
  it("compile loads ts-morph and binaryen (the control: the debug log shows them)", (ctx) => {
    ctx.skip(!built, "dist/ is missing: run `npm run build` to test the real binary");
    const compiled = run("compile", "examples/elman.ts", "--dims", "I=2,H=3", "-o", join(tmp, "elman.wasm"));
    expect(compiled.code).toBe(0);
    expect(compiled.loaded).toEqual([...heavy]);
  });

  const light = [["--help"], ["--version"], ["plot", "--help"], ["help"], ["no-such-command"]];
  it.for(light)("rnnc %s loads neither", (argv, ctx) => {
    ctx.skip(!built, "dist/ is missing: run `npm run build` to test the real binary");
    const { loaded, code } = run(...argv);
    expect(loaded).toEqual([]);
    expect(code).toBe(argv[0] === "no-such-command" ? 2 : 0);
  });

  it("inspect reads a module without loading either", (ctx) => {
    ctx.skip(!built, "dist/ is missing: run `npm run build` to test the real binary");
    const module = join(tmp, "inspected.wasm");
    expect(run("compile", "examples/elman.ts", "--dims", "I=2,H=3", "-o", module).code).toBe(0);
    const inspected = run("inspect", module, "--json");
    expect(inspected.code).toBe(0);
    expect(JSON.parse(inspected.stdout).dims).toEqual({ I: 2, H: 3 });
    expect(inspected.loaded).toEqual([]);
  });
});

describe("ts-morph and binaryen.js load through V8's code cache (code-cache.ts, binaryen-cache.ts)", () => {
  const compile = (cache: string, out: string) => {
    const env = { ...process.env, RNNC_CODE_CACHE: cache };
    const argv = ["bin/rnnc.js", "compile", "examples/elman.ts", "--dims", "I=2,H=3", "-o", out];
    return spawnSync(process.execPath, argv, { cwd: root, encoding: "utf8", env });
  };
  const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".v8")).sort();

  it("writes the cache once, reads it after, and compiles the same module as without it", (ctx) => {
    ctx.skip(!built, "dist/ is missing: run `npm run build` to test the real binary");
    const dir = join(tmp, "code-cache");
    const first = compile(dir, join(tmp, "cached-1.wasm"));
    expect(first.status, first.stderr).toBe(0);
    const files = cacheFiles(dir);
    // TypeScript, @ts-morph/common, ts-morph and binaryen.js (its wasm, a string in its text, makes it the largest).
    expect(files).toHaveLength(4);
    const sizes = files.map((f) => statSync(join(dir, f)).size).sort((a, b) => a - b);
    expect(sizes[3]).toBeGreaterThan(5_000_000);
    const written = files.map((f) => statSync(join(dir, f)).mtimeMs);
    expect(compile(dir, join(tmp, "cached-2.wasm")).status).toBe(0);
    expect(files.map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(written);
    expect(compile("0", join(tmp, "uncached.wasm")).status).toBe(0);
    const uncached = readFileSync(join(tmp, "uncached.wasm"));
    expect(readFileSync(join(tmp, "cached-1.wasm")).equals(uncached)).toBe(true);
    expect(readFileSync(join(tmp, "cached-2.wasm")).equals(uncached)).toBe(true);
  });

  it("never hands V8 a damaged file: it compiles from source and writes the file again", (ctx) => {
    ctx.skip(!built, "dist/ is missing: run `npm run build` to test the real binary");
    const dir = join(tmp, "damaged-cache");
    expect(compile(dir, join(tmp, "before.wasm")).status).toBe(0);
    const damaged = cacheFiles(dir).map((f) => join(dir, f));
    expect(damaged).toHaveLength(4);
    // Each of the three kinds of damage, on binaryen's file too (the largest).
    const bySize = [...damaged].sort((a, b) => statSync(b).size - statSync(a).size);
    for (const [i, path] of bySize.entries()) {
      const bytes = readFileSync(path);
      if (i % 3 === 0) bytes.fill(0xa5, 40, 4096);
      else if (i % 3 === 1) bytes[bytes.length >> 1] ^= 0x10;
      writeFileSync(path, i % 3 === 2 ? bytes.subarray(0, 100) : bytes);
    }
    const after = compile(dir, join(tmp, "after.wasm"));
    expect(after.status, after.stderr).toBe(0);
    expect(readFileSync(join(tmp, "after.wasm")).equals(readFileSync(join(tmp, "before.wasm")))).toBe(true);
    // Each file again holds the SHA-256 of its data, then the data.
    for (const path of damaged) {
      const bytes = readFileSync(path);
      expect(bytes.length).toBeGreaterThan(100_000);
      expect(createHash("sha256").update(bytes.subarray(32)).digest().equals(bytes.subarray(0, 32))).toBe(true);
    }
  });

  it("keeps one file per source: writing a source's code removes its older versions, and no other's", (ctx) => {
    ctx.skip(!built, "dist/ is missing: run `npm run build` to test the real binary");
    const dir = join(tmp, "versions-cache");
    expect(compile(dir, join(tmp, "versions-1.wasm")).status).toBe(0);
    const files = cacheFiles(dir);
    expect(files).toHaveLength(4);
    // An older version of the first source (another size or mtime), one of a source rnnc never read, one named as
    // rnnc named them before it kept versions apart, and a current file gone: the next run writes that one again
    // and removes its source's older version and the one of the old naming.
    const [gone, other] = files;
    const older = `${gone!.split("-")[0]}-0123456789abcdef.v8`;
    const stranger = "fedcba9876543210-0123456789abcdef.v8";
    writeFileSync(join(dir, older), "older");
    writeFileSync(join(dir, stranger), "someone else's");
    writeFileSync(join(dir, "4ad4e30d8194efac.v8"), "the old naming");
    const kept = statSync(join(dir, other!)).mtimeMs;
    rmSync(join(dir, gone!));
    expect(compile(dir, join(tmp, "versions-2.wasm")).status).toBe(0);
    expect(cacheFiles(dir)).toEqual([...files, stranger].sort());
    expect(statSync(join(dir, other!)).mtimeMs).toBe(kept);
  });

  it("compiles as usual where the cache folder cannot be made", (ctx) => {
    ctx.skip(!built, "dist/ is missing: run `npm run build` to test the real binary");
    const file = join(tmp, "a-file");
    writeFileSync(file, "not a folder");
    const below = compile(join(file, "cache"), join(tmp, "below-a-file.wasm"));
    expect(below.status, below.stderr).toBe(0);
    expect(below.stderr).toMatch(/^wrote [^\n]*\n$/);
  });
});
