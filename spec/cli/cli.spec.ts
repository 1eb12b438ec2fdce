// spec/cli — the `rnnc` command, run in-process through `main(argv, io)` with
// an Io that captures both streams, reads from disk and writes into a temp
// directory: exit codes (0 ok, 1 user error, 2 bad invocation), --help,
// diagnostics as the user sees them, and the files each command writes, read
// back independently (WebAssembly.Module, the module's own "rnnc" section).
// gradcheck.spec.ts holds rnnc gradcheck and the real binary.

import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rnnc, stackFrame } from "../support/cli.js";
import { atCapacity, regionBytes } from "../../runtime/abi.js";
import { parseAbi } from "../../runtime/abi-parse.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const elman = join(root, "examples/elman.ts");

type Run = ReturnType<typeof rnnc>;

const commands = [
  "compile", "check", "gradcheck", "inspect", "train", "eval", "predict", "flow", "plot", "graph",
] as const;

/** Flags each command must accept, as its --help should list them. */
const buildFlags = ["--cell", "--dims", "--dtype", "--no-simd", "--batch", "--steps", "--loss", "--dump-after"];
const expectedFlags: Record<(typeof commands)[number], string[]> = {
  compile: [...buildFlags, "--output", "--wat", "--help"],
  check: ["--dims", "--help"],
  gradcheck: [
    ...buildFlags, "--seed", "--check-batch", "--check-steps", "--entries", "--tolerance", "--json", "--help",
  ],
  inspect: ["--json", "--help"],
  flow: [
    "--cell", "--dims", "--steps", "--batch", "--seed", "--params", "--forget-bias", "--recurrent-radius", "--clip",
    "--output", "--json", "--help",
  ],
  plot: ["--output", "--json", "--help"],
  graph: ["--cell", "--dims", "--pass", "--loss", "--max-nodes", "--dot", "--output", "--help"],
  train: [
    "--cell", "--dims", "--train", "--dev", "--out", "--loss", "--epochs", "--batch", "--optimizer", "--lr",
    "--momentum", "--lr-schedule", "--warmup", "--lr-step", "--lr-gamma", "--lr-steps", "--lr-min", "--weight-decay",
    "--tbptt", "--tbptt-stride", "--clip", "--seed",
    "--patience", "--metric", "--bucket", "--forget-bias", "--save-every", "--resume", "--json", "--min-count",
    "--word-dropout", "--help",
  ],
  eval: ["--checkpoint", "--cell", "--batch", "--json", "--help"],
  predict: ["--checkpoint", "--cell", "--batch", "--json", "--help"],
};

/** What a command needs besides its file to get as far as reading it. */
const operands: Partial<Record<(typeof commands)[number], string[]>> = {
  train: ["--train", "train.jsonl", "--dev", "dev.jsonl"],
  eval: ["data.jsonl", "--checkpoint", "run"],
  predict: ["data.jsonl", "--checkpoint", "run"],
};

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "rnnc-cli-"));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const twoCells = `import { cell, tanh, relu } from "rnnc";

export const elman = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"] },
  step: ({ x, W }) => ({ h: tanh(W * x) }),
});

export const rectified = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"] },
  step: ({ x, W }) => ({ h: relu(W * x) }),
});
`;

describe("invocation", () => {
  it("rnnc --help lists every command and exits 0", () => {
    const { code, out } = rnnc("--help");
    expect(code).toBe(0);
    for (const command of commands) expect(out).toMatch(new RegExp(`^  ${command} `, "m"));
  });

  it.each(commands)("rnnc %s --help exits 0 and lists the command's flags", (command) => {
    const { code, out, err } = rnnc(command, "--help");
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toMatch(new RegExp(`^usage: rnnc ${command} `));
    for (const flag of expectedFlags[command].filter((f) => f !== "--help")) expect(out).toContain(flag);
  });

  it.each(commands)("rnnc %s accepts every flag its --help lists", (command) => {
    // Flags of other programs are quoted with the program ("node --flag").
    const listed = [...new Set(rnnc(command, "--help").out.match(/(?<!node )--[a-z][a-z0-9-]*/g))];
    expect(listed.length).toBeGreaterThan(0);
    for (const flag of listed) {
      // No file is given, so a known flag fails later, on the missing operand.
      const { err } = rnnc(command, flag);
      expect(err, flag).not.toMatch(/Unknown option/);
    }
  });

  it.each(["", ...commands])("docs/cli.md quotes `rnnc %s --help` verbatim", (command) => {
    const help = rnnc(...(command ? [command] : []), "--help").out.trimEnd();
    const docs = readFileSync(join(root, "docs/cli.md"), "utf8");
    expect(
      docs.includes("```text\n" + help + "\n```"),
      `docs/cli.md is out of date: paste the output of \`rnnc ${command} --help\` into it`,
    ).toBe(true);
  });

  it("no command prints the usage and exits 2", () => {
    const { code, out, err } = rnnc();
    expect(code).toBe(2);
    expect(out + err).toContain("usage: rnnc COMMAND");
  });

  it.each(["--version", "-V"])("rnnc %s prints the package's version and exits 0", (flag) => {
    const { code, out } = rnnc(flag);
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    expect(code).toBe(0);
    expect(out.trim()).toBe(`rnnc ${version}`);
  });

  it("an unknown command exits 2 and names it", () => {
    const { code, err } = rnnc("frobnicate", elman);
    expect(code).toBe(2);
    expect(err).toContain('unknown command "frobnicate"');
    expect(err).toContain("usage: rnnc COMMAND");
  });

  it.each(commands)("rnnc %s with an unknown flag exits 2 with its usage", (command) => {
    const { code, err } = rnnc(command, elman, "--frobnicate");
    expect(code).toBe(2);
    expect(err).toContain("'--frobnicate'");
    expect(err).toContain(`usage: rnnc ${command} `);
    expect(err).not.toMatch(stackFrame);
  });

  it.each(commands)("rnnc %s without a file exits 2", (command) => {
    expect(rnnc(command).code).toBe(2);
  });

  it.each(["I=2;H=3", "H=0", "H=-1", "H=1.5", "H", "=3", "2H=3", "I=2,H=x"])("malformed --dims %s exits 2", (dims) => {
    const { code, err } = rnnc("compile", elman, "--dims", dims, "-o", join(tmp, "never.wasm"));
    expect(code).toBe(2);
    expect(err).toContain("--dims: expected NAME=POSITIVE_INTEGER");
    expect(existsSync(join(tmp, "never.wasm"))).toBe(false);
  });

  it("check rejects malformed --dims too", () => {
    const { code, err } = rnnc("check", elman, "--dims", "I=2,H=0");
    expect(code).toBe(2);
    expect(err).toContain("--dims");
  });

  it.each([
    ["--dtype", "f16"],
    ["--loss", "mae"],
    ["--batch", "0"],
    ["--steps", "many"],
    ["--tiles", "2"],
    ["--tiles", "0x4"],
    ["--tiles", "2x9"],
    ["--tiles", "2x4x1"],
  ])("compile %s %s exits 2 naming the flag", (flag, value) => {
    const { code, err } = rnnc("compile", elman, "--dims", "I=2,H=3", flag, value);
    expect(code).toBe(2);
    expect(err).toContain(flag);
  });

  it.each(commands)("rnnc %s on a missing file exits 1 with 'cannot read'", (command) => {
    const missing = join(tmp, "no-such-file.ts");
    const dims = ["inspect", "check", "plot", "eval", "predict"].includes(command) ? [] : ["--dims", "I=2,H=3"];
    const { code, err } = rnnc(command, missing, ...dims, ...(operands[command] ?? []));
    expect(code).toBe(1);
    expect(err).toContain(`cannot read ${missing}`);
    expect(err).not.toMatch(stackFrame);
  });
});

describe("diagnostics", () => {
  it("a class-score loss on a scalar output exits 1 naming the output and the way out", () => {
    const file = join(tmp, "scalar.ts");
    writeFileSync(file, `import { cell, sum, tanh } from "rnnc";
export const s = cell({
  input: { x: "I" }, state: { h: [] }, params: { w: ["I"] },
  step: ({ x, h, w }) => ({ h: tanh(h + sum(w * x)) }),
});
`);
    const { code, err } = rnnc(
      "compile", file, "--dims", "I=3", "--loss", "softmax-ce", "-o", join(tmp, "scalar.wasm"),
    );
    expect(code).toBe(1);
    expect(err).toContain("--loss softmax-ce scores a vector of class scores, but output 'h' has shape []");
    expect(err).not.toContain("internal error");
  });

  const badCell = `import { cell, tanh } from "rnnc";

export const elman = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], U: ["H", "H"] },
  step: ({ x, h, W, U }) => ({ h: tanh(W * x + U * hidden) }),
});
`;
  // Where the mistake is, found in the text rather than taken from rnnc.
  const lines = badCell.split("\n");
  const lineIndex = lines.findIndex((l) => l.includes("hidden"));
  const line = lineIndex + 1;
  const column = lines[lineIndex]!.indexOf("hidden") + 1;

  it.each(["check", "compile", "gradcheck"])(
    "rnnc %s on an unknown identifier exits 1 with a located RNNC101 and a caret",
    (command) => {
      const file = join(tmp, "unknown-identifier.ts");
      writeFileSync(file, badCell);
      const { code, out, err } = rnnc(command, file, ...(command === "check" ? [] : ["--dims", "I=2,H=3"]));
      expect(code).toBe(1);
      expect(out).toBe("");
      expect(err).toContain(`${file}:${line}:${column} - error RNNC101: unknown identifier 'hidden'`);
      const printed = err.split("\n");
      const source = printed.findIndex((l) => l === `  ${line} | ${lines[lineIndex]}`);
      expect(source).toBeGreaterThan(0);
      const caret = /^ +\| ( *)(\^+)$/.exec(printed[source + 1]!);
      expect(caret, printed[source + 1]).not.toBeNull();
      expect(caret![1]!.length).toBe(column - 1);
      expect(caret![2]!.length).toBe("hidden".length);
      expect(err).not.toMatch(stackFrame);
      expect(err).not.toContain("\x1b[");
      expect(existsSync(join(tmp, "unknown-identifier.wasm"))).toBe(false);
    },
  );

  it("check prints every cell of a file with several", () => {
    const file = join(tmp, "two-cells.ts");
    writeFileSync(file, twoCells);
    const { code, out } = rnnc("check", file);
    expect(code).toBe(0);
    expect(out).toContain("2 cells");
    expect(out).toContain("elman");
    expect(out).toContain("rectified");
  });

  it("compile of a file with several cells needs --cell (RNNC107)", () => {
    const file = join(tmp, "two-cells.ts");
    writeFileSync(file, twoCells);
    const { code, err } = rnnc("compile", file, "--dims", "I=2,H=3");
    expect(code).toBe(1);
    expect(err).toContain("error RNNC107");
    expect(err).toContain("--cell");
  });

  it("--cell with a name the file does not define exits 1 with RNNC120 naming the cells there are", () => {
    const file = join(tmp, "two-cells.ts");
    writeFileSync(file, twoCells);
    const { code, err } = rnnc("compile", file, "--dims", "I=2,H=3", "--cell", "lstm");
    expect(code).toBe(1);
    expect(err).toContain(`${file} - error RNNC120: the file defines no cell or model named 'lstm'`);
    expect(err).toContain("(it defines elman, rectified)");
    expect(err).not.toMatch(stackFrame);
  });

  it("a dimension left out of --dims exits 1 with RNNC104 at its declaration", () => {
    const { code, err } = rnnc("check", elman, "--dims", "I=2");
    expect(code).toBe(1);
    const text = readFileSync(elman, "utf8").split("\n");
    const at = text.findIndex((l) => l.includes('"H"'));
    expect(err).toContain(
      `${elman}:${at + 1}:${text[at]!.indexOf('"H"') + 1} - error RNNC104: dimension 'H' is not bound`,
    );
  });
});

describe("compile and inspect", () => {
  const wasm = () => join(tmp, "elman-out.wasm");
  let compiled: Run;
  beforeAll(() => {
    compiled = rnnc("compile", elman, "--dims", "I=2,H=3", "-o", wasm(), "--wat");
  });

  it("writes a valid module and says how big it is", () => {
    expect(compiled.code).toBe(0);
    const bytes = readFileSync(wasm());
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(compiled.err).toContain(`wrote ${wasm()}: ${bytes.length} bytes`);
  });

  it("--wat writes the text form next to the module", () => {
    expect(readFileSync(join(tmp, "elman-out.wat"), "utf8")).toMatch(/^\(module/);
  });

  it("inspect --json prints the module's own rnnc section", () => {
    const { code, out } = rnnc("inspect", wasm(), "--json");
    expect(code).toBe(0);
    const report = JSON.parse(out);
    const module = new WebAssembly.Module(readFileSync(wasm()));
    const [section] = WebAssembly.Module.customSections(module, "rnnc");
    const abi = JSON.parse(new TextDecoder().decode(section));
    expect(report.abi).toBe(2);
    expect(report.dims).toEqual({ I: 2, H: 3 });
    expect(report.imports).toBe(0);
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    expect(report.tensors).toEqual(abi.tensors);
    // W is declared ["H", "I"]: weights are [out, in].
    expect(report.tensors).toContainEqual(expect.objectContaining({ name: "W", role: "param", shape: [3, 2] }));
    expect(report.tensors).toContainEqual(expect.objectContaining({ name: "W", role: "grad", shape: [3, 2] }));
    expect(report.tensors).toContainEqual(
      expect.objectContaining({ name: "x", role: "input", shape: ["steps", "batch", 2] }),
    );
  });

  it("inspect prints a row for every tensor a host may touch", () => {
    const { code, out } = rnnc("inspect", wasm());
    expect(code).toBe(0);
    expect(out).toContain("ABI v2");
    expect(out).toContain("dims I=2, H=3");
    const abi = parseAbi(JSON.stringify(JSON.parse(rnnc("inspect", wasm(), "--json").out)));
    for (const t of abi.tensors.filter((t) => t.role !== "scratch")) {
      // The offset and size at the default capacity, then (for a region that moves) the form: 1952 + 8·B·S.
      const form = typeof t.offset === "number"
        ? ""
        : ` +${t.offset.base}( \\+ \\d+·B)?( \\+ \\d+·S)?( \\+ ${t.offset.batchSteps}·B·S)?`;
      const at = `${atCapacity(t.offset, abi.capacity)} +${regionBytes(abi, t, abi.capacity)}`;
      expect(out).toMatch(new RegExp(`^${t.name} +${t.role}\\b.*\\[${t.shape.join(", ")}\\] +${at}${form}$`, "m"));
    }
  });

  it(
    "--checkpoint writes an ABI 3 module with a segment's tape and a C header that computes its segment, and " +
      "excludes --inference",
    () => {
      const out = join(tmp, "elman-checkpoint.wasm");
      const run = rnnc(
        "compile", elman, "--dims", "I=2,H=3", "--checkpoint", "--header", "-o", out, "--dump-after", "schedule",
      );
      expect(run.code, run.err).toBe(0);
      expect(run.out).toContain("recompute (each checkpoint segment) schedule {");
      const abi = parseAbi(JSON.stringify(JSON.parse(rnnc("inspect", out, "--json").out)));
      expect(abi.abi).toBe(3);
      expect(abi.tensors.filter((t) => t.role === "tape" && t.shape[0] === "segment").length).toBeGreaterThan(0);
      expect(rnnc("inspect", out).out).toMatch(/·B·⌈√S⌉/);
      expect(readFileSync(join(tmp, "elman-checkpoint.h"), "utf8")).toMatch(
        /RNNC_SEGMENT_STEPS\(S\) ceil\(sqrt\(\(double\)\(S\)\)\)/,
      );
      const refused = rnnc("compile", elman, "--dims", "I=2,H=3", "--checkpoint", "--inference", "-o", out);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain("--inference and --checkpoint exclude each other");
    },
  );

  it("without -o writes FILE.wasm next to the cell file, and CELL.wasm with --cell", () => {
    const single = join(tmp, "single.ts");
    copyFileSync(elman, single);
    expect(rnnc("compile", single, "--dims", "I=2,H=3").code).toBe(0);
    expect(statSync(join(tmp, "single.wasm")).size).toBeGreaterThan(8);

    const several = join(tmp, "several.ts");
    writeFileSync(several, twoCells);
    expect(
      rnnc("compile", several, "--dims", "I=2,H=3", "--cell", "rectified", "--no-simd", "--dtype", "f64").code,
    ).toBe(0);
    const abi = JSON.parse(rnnc("inspect", join(tmp, "rectified.wasm"), "--json").out);
    expect([abi.dtype, abi.simd]).toEqual(["f64", false]);
  });

  it("--dump-after prints the IR after each named pass, in pipeline order", () => {
    const passes = /--dump-after PASS .*\(([a-z, ]+)\)/.exec(rnnc("compile", "--help").out)![1]!.split(", ");
    expect(passes).toContain("tape");
    const { code, out } = rnnc(
      "compile", elman, "--dims", "I=2,H=3", "-o", join(tmp, "dumped.wasm"), "--dump-after", passes.join(","),
    );
    expect(code).toBe(0);
    const headers = [...out.matchAll(/^;; after (\w+)$/gm)].map((m) => m[1]);
    expect(headers).toEqual(passes);
    const tape = out.slice(out.indexOf(";; after tape"), out.indexOf(`;; after ${passes[passes.indexOf("tape") + 1]}`));
    expect(tape).toContain("forward step");
    expect(tape).toContain("backward step");
  });

  it("--tiles RxV builds the products in that tile, as the printed schedule shows", () => {
    const tiled = (tiles: string[]) => {
      const { code, out } = rnnc(
        "compile", elman, "--dims", "I=2,H=3", "-o", join(tmp, "tiled.wasm"), "--dump-after", "schedule", ...tiles,
      );
      expect(code).toBe(0);
      return [...new Set([...out.matchAll(/ tiles (\d+x\d+)v/g)].map((m) => m[1]))];
    };
    expect(tiled([])).toEqual(["2x4"]);
    expect(tiled(["--tiles", "3x1"])).toEqual(["3x1"]);
  });

  it("--dump-after with an unknown pass exits 2 and writes nothing", () => {
    const out = join(tmp, "bogus.wasm");
    const { code, err } = rnnc("compile", elman, "--dims", "I=2,H=3", "-o", out, "--dump-after", "bogus");
    expect(code).toBe(2);
    expect(err).toContain('unknown pass "bogus"');
    expect(existsSync(out)).toBe(false);
  });

  it("inspect of a file that is not wasm exits 1", () => {
    const { code, err } = rnnc("inspect", elman);
    expect(code).toBe(1);
    expect(err).toContain("is not a WebAssembly module");
    expect(err).not.toMatch(stackFrame);
  });

  it("inspect of a wasm module without an rnnc section exits 1", () => {
    const file = join(tmp, "empty.wasm");
    writeFileSync(file, Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0));
    const { code, err } = rnnc("inspect", file);
    expect(code).toBe(1);
    expect(err).toContain('no "rnnc" custom section');
  });
});
