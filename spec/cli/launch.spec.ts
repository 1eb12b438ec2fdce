// spec/cli — the binary's entry (compiler/cli/launch.ts through bin/rnnc.js,
// built in dist/) imports only the command it runs: commands that compile
// nothing never load ts-morph or binaryen, the two packages that take most of
// a cold start. Which packages a process loaded is read from Node's own
// module-loading debug log (NODE_DEBUG=esm,module); `rnnc compile` must show
// both, so a change in that log's format fails here instead of passing.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
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

  it.for([["--help"], ["plot", "--help"], ["help"], ["no-such-command"]])("rnnc %s loads neither", (argv, ctx) => {
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
