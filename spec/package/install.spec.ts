// spec/package — rnnc as a user installs it: `npm pack` the repository,
// install the tarball into an empty project (no clone, no dist/ of ours on
// the path), and there run the CLI, the runtime and the compiler API, and
// type-check a host program and a cell file under node16 and bundler
// resolution. Oracle: the installed package compiles the same bytes and the
// same forward pass as this checkout's sources.

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileCell } from "../../compiler/api.js";
import { initParams, loadModel } from "../../runtime/index.js";

const repo = new URL("../..", import.meta.url).pathname;
const tsc = join(repo, "node_modules/typescript/bin/tsc");
let project = "";
let tarball = "";
const scratch: string[] = [];

/** What tsc reports for the project's tsconfig.json: "" when it type-checks. */
function typeErrors(): string {
  try {
    run("node", [tsc, "-p", "tsconfig.json"]);
    return "";
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

/**
 * The installed `rnnc` command, run as npx runs it: the project's node_modules/.bin/rnnc, without npm's
 * own start-up in front of every call (the README's and docs' commands below go through npx as written).
 */
function rnnc(args: string[]): string {
  return run(join(project, "node_modules/.bin/rnnc"), args);
}

function run(command: string, args: string[], cwd = project): string {
  return execFileSync(command, args, {
    cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_loglevel: "error" },
  });
}

const cell = `import { cell, tanh } from "rnnc";

export const elman = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], U: ["H", "H"], b: ["H"] },
  step: ({ x, h, W, U, b }) => ({ h: tanh(W * x + U * h + b) * 1e-1 + h * 9e-1 }),
});
`;

/** A host program as a user writes it: the installed runtime, seeded params, fixed inputs. */
const host = `import { readFileSync } from "node:fs";
import { initParams, loadModel } from "rnnc/runtime";
const model = await loadModel(readFileSync("elman.wasm"));
initParams(model, 7);
const size = { batch: 2, steps: 3 };
model.set("x", "input", Array.from({ length: 3 * 2 * 4 }, (_, i) => Math.sin(i)));
model.set("lengths", "lengths", [3, 2]);
model.set("h", "target", new Array(3 * 2 * 5).fill(0.25));
const loss = model.forward(size.batch, size.steps);
process.stdout.write(JSON.stringify({ loss, h: Array.from(model.get("h", "output", size)) }));
`;

beforeAll(() => {
  // Packed from a copy of the checkout's files and of its dist/, which the specs' global
  // setup has just rebuilt if any source was newer (spec/support/fresh-dist.ts): packing
  // without scripts then ships what `prepare` would build, without building it again,
  // and never rewrites the dist/ that other spec files may be running at the same time.
  const source = mkdtempSync(join(tmpdir(), "rnnc-source-"));
  scratch.push(source);
  const tracked = run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], repo)
    .split("\0")
    .filter(Boolean);
  for (const file of tracked) if (existsSync(join(repo, file))) cpSync(join(repo, file), join(source, file));
  cpSync(join(repo, "dist"), join(source, "dist"), { recursive: true });
  symlinkSync(join(repo, "node_modules"), join(source, "node_modules"));
  const packDir = mkdtempSync(join(tmpdir(), "rnnc-pack-"));
  scratch.push(packDir);
  const pack = ["pack", "--json", "--ignore-scripts", "--pack-destination", packDir];
  const packed = JSON.parse(run("npm", pack, source)) as { filename: string }[];
  tarball = join(packDir, packed[0]!.filename);
  project = mkdtempSync(join(tmpdir(), "rnnc-user-"));
  scratch.push(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user", private: true, type: "module" }));
  run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"]);
  writeFileSync(join(project, "elman.ts"), cell);
  writeFileSync(join(project, "host.mjs"), host);
}, 300_000);

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe("the packed package, installed into an empty project", () => {
  it("ships the built code, the DSL declarations and no specs or build litter", () => {
    const listing = run("tar", ["-tzf", tarball]).split("\n").filter(Boolean).map((p) => p.replace(/^package\//, ""));
    for (const needed of [
      "bin/rnnc.js", "dist/compiler/api.js", "dist/compiler/api.d.ts",
      "dist/runtime/index.js", "dist/runtime/index.d.ts", "dist/browser/rnnc-runtime.js", "dsl/index.d.ts",
    ]) {
      expect(listing).toContain(needed);
    }
    expect(listing.filter((p) => /^(spec|bench|\.ci|node_modules)\/|\.wasm$|\.wat$|tsconfig/.test(p))).toEqual([]);
  });

  it("runs the CLI: compile, check, inspect, gradcheck", () => {
    rnnc(["compile", "elman.ts", "--dims", "I=4,H=5", "-o", "elman.wasm"]);
    const installed = readFileSync(join(project, "elman.wasm"));
    const here = compileCell({ file: "elman.ts", text: cell, dims: { I: 4, H: 5 } }).binary;
    expect(Buffer.from(installed).equals(Buffer.from(here))).toBe(true);
    expect(rnnc(["check", "elman.ts", "--dims", "I=4,H=5"])).toBe("elman.ts: ok, 1 cell (elman)\n");
    const abi = JSON.parse(rnnc(["inspect", "elman.wasm", "--json"])) as { dims: Record<string, number> };
    expect(abi.dims).toEqual({ I: 4, H: 5 });
    const report = JSON.parse(
      rnnc(["gradcheck", "elman.ts", "--dims", "I=3,H=2", "--json"]),
    ) as { passed: boolean };
    expect(report.passed).toBe(true);
  });

  it(
    "runs rnnc import from the tarball (the importer and its onnx-proto and jsfive dependencies ship), and compiles " +
      "an import's output with --params",
    () => {
      const fixtures = fileURLToPath(new URL("../fixtures/import/", import.meta.url));
      const sources = [
        ["torch/lstm-tagger.pt", "from-torch"],
        ["onnx/gru-2layer.onnx", "from-onnx"],
        ["keras/gru-stack.keras", "from-keras"],
      ] as const;
      for (const [source, dir] of sources) {
        expect(rnnc(["import", join(fixtures, source), "-o", dir])).toMatch(
          /^wrote .*model\.ts and .*params\.safetensors: model imported/,
        );
      }
      // Compiling every format's output is spec/apps/import's; here, that the installed compile takes one.
      const dir = "from-keras";
      rnnc(["compile", join(dir, "model.ts"), "--params", join(dir, "params.safetensors"), "-o", `${dir}.wasm`]);
      expect(rnnc(["inspect", `${dir}.wasm`])).toContain("baked into the module's data segment");
    },
  );

  it("runs rnnc train and eval from the tarball (the training application ships)", () => {
    const sequence = (i: number) => {
      const x = Array.from({ length: 3 + (i % 4) }, (_, t) => [Math.sin(i + t), Math.cos(i * t), 0.5]);
      return JSON.stringify({ x, y: x.map((v) => [v[0]! / 2, v[1]! / 2]) });
    };
    writeFileSync(join(project, "seq.jsonl"), Array.from({ length: 24 }, (_, i) => sequence(i)).join("\n") + "\n");
    const data = ["--train", "seq.jsonl", "--dev", "seq.jsonl"];
    const trained = JSON.parse(
      rnnc(["train", "elman.ts", ...data, "--epochs", "2", "--out", "run", "--json"]),
    );
    expect(trained).toMatchObject({ epochs: 2, model: { name: "elman", dims: { I: 3, H: 2 } } });
    const scored = JSON.parse(rnnc(["eval", "elman.ts", "--checkpoint", "run", "seq.jsonl", "--json"]));
    expect(scored.loss).toBeCloseTo((trained as { best: { metric: number } }).best.metric, 6);
  });

  it("runs a module through the installed runtime as this checkout's runtime does", async () => {
    const installed = JSON.parse(run("node", ["host.mjs"])) as { loss: number; h: number[] };
    const model = await loadModel(readFileSync(join(project, "elman.wasm")));
    initParams(model, 7);
    const size = { batch: 2, steps: 3 };
    model.set("x", "input", Array.from({ length: 3 * 2 * 4 }, (_, i) => Math.sin(i)));
    model.set("lengths", "lengths", [3, 2]);
    model.set("h", "target", new Array(3 * 2 * 5).fill(0.25));
    expect(installed.loss).toBe(model.forward(size.batch, size.steps));
    expect(installed.h).toEqual(Array.from(model.get("h", "output", size)));
  });

  it("compiles through the installed compiler API", () => {
    writeFileSync(join(project, "api.mjs"), `import { compileCell } from "rnnc/compiler";
import { readFileSync } from "node:fs";
const { binary, abi } = compileCell({ file: "elman.ts", text: readFileSync("elman.ts", "utf8"), dims: { I: 4, H: 5 } });
process.stdout.write(JSON.stringify({ bytes: binary.length, name: abi.name }));`);
    const out = JSON.parse(run("node", ["api.mjs"])) as { bytes: number; name: string };
    expect(out).toEqual({ bytes: readFileSync(join(project, "elman.wasm")).length, name: "elman" });
  });

  for (const resolution of [
    { module: "node16", moduleResolution: "node16" },
    { module: "esnext", moduleResolution: "bundler" },
  ]) {
    it(`resolves the types of rnnc, rnnc/runtime and rnnc/compiler under moduleResolution ${
      resolution.moduleResolution
    }`, () => {
      writeFileSync(join(project, "typed.ts"), `import { loadModel, initParams, type RnncModel } from "rnnc/runtime";
import { compileCell, type Compiled } from "rnnc/compiler";
const compiled: Compiled = compileCell({ file: "elman.ts", text: "", dims: { I: 4, H: 5 } });
const model: RnncModel = await loadModel(compiled.binary);
initParams(model, 1);
const loss: number = model.forward(1, 1);
// @ts-expect-error forward takes numbers
model.forward("1", 1);
export { loss };
`);
      const config = {
        compilerOptions: {
          ...resolution, target: "es2022", strict: true, noEmit: true, skipLibCheck: false,
          lib: ["es2022", "dom"], types: [],
        },
        files: ["typed.ts", "elman.ts", "mistyped.ts"],
      };
      // One tsc run checks both: typed.ts and elman.ts type-check, mistyped.ts has exactly its one error.
      writeFileSync(
        join(project, "mistyped.ts"),
        `import { loadModel } from "rnnc/runtime";\nconst n: string = loadModel;\nexport { n };\n`,
      );
      writeFileSync(join(project, "tsconfig.json"), JSON.stringify(config));
      const errors = typeErrors().split("\n").filter((l) => /error TS\d+/.test(l));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^mistyped\.ts.*not assignable to type 'string'/);
    });
  }

  it("runs the README's 'Using a module' program as it stands", () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Using a module"));
    const shell = /```sh\n(npx rnnc compile [^\n]*)\n```/.exec(section)![1]!;
    const program = /```js\n([\s\S]*?)```/.exec(section)![1]!;
    const [command, ...args] = shell.split(/\s+/);
    run(command!, args);
    writeFileSync(join(project, "readme.mjs"), program);
    const lines = run("node", ["readme.mjs"]).trim().split("\n");
    const before = Number(/^loss (\S+), \|dWi\| (\S+)$/.exec(lines[0]!)![1]);
    const after = Number(/^after 50 Adam steps: loss (\S+)$/.exec(lines[1]!)![1]);
    expect(after).toBeLessThan(before / 2);
    expect(lines.slice(2)).toHaveLength(3);
    for (const line of lines.slice(2)) expect(Math.abs(Number(/^h\[0\] = (\S+)$/.exec(line)![1]))).toBeLessThan(1);
  });

  it("runs the Node, worker and data-parallel programs of docs/embedding.md as they stand", () => {
    const page = readFileSync(join(repo, "docs/embedding.md"), "utf8");
    const node = page.slice(page.indexOf("## Node"), page.indexOf("## Browser"));
    const shell = /```sh\nnpm install rnnc\n(npx rnnc compile [^\n]*)\n```/.exec(node)![1]!;
    const [command, ...args] = shell.split(/\s+/);
    run(command!, args);
    for (const [, name, code] of node.matchAll(/```js\n\/\/ file: (\S+)\n([\s\S]*?)```/g))
      writeFileSync(join(project, name!), code!);
    const direct = run("node", ["node-host.mjs"]);
    expect(direct).toMatch(/^h\[T-1, 0, 0\] = -?\d\.\d{6}\n$/);
    expect(run("node", ["worker-main.mjs"])).toBe(direct);
    // Data-parallel training: the trainer finds the installed package's worker script by itself.
    const parallel = node.slice(node.indexOf("## Data-parallel training"));
    const compile = /```sh\n(npx rnnc compile [^\n]*)\n```/.exec(parallel)![1]!.split(/\s+/);
    run(compile[0]!, compile.slice(1));
    const [, from, to] = /^loss (\S+) -> (\S+) on 2 workers\n$/.exec(run("node", ["parallel-train.mjs"]))!;
    expect(Number(to)).toBeLessThan(Number(from));
  });
});
