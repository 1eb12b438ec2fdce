// spec/e2e — docs/cell-zoo.md and its cells. The page has a section for every cell of examples/,
// quotes code the file holds, and every gradcheck command it shows prints the first line it
// quotes, the tensors and entries its table counts, and a pass with the worst error it quotes (up
// to rounding noise). The cells new to rnnc
// (sLSTM, minGRU, minLSTM, the multiplicative-integration RNN) and IndRNN as a user ships them:
// `rnnc compile` writes each one's module to a file, the module imports nothing (it instantiates
// with an empty import object), and loaded from that file by the runtime, its f32 forward pass
// computes the equations of the independent implementation in cell-references.ts.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import { rnnc } from "../support/cli.js";
import { references, setReferenceCase } from "./cell-references.js";
import { exampleUnits } from "./examples.js";
import { mismatch } from "./harness.js";

const zoo = ["slstm", "minGru", "minLstm", "miRnn", "indrnn"] as const;
/** f32 against the f64 reference, relative to max(1, |expected|). */
const F32_TOLERANCE = 1e-4;

let tmp: string;
beforeAll(() => void (tmp = mkdtempSync(join(tmpdir(), "rnnc-zoo-"))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the zoo's cells as standalone modules (f32, compiled by rnnc compile, loaded from the file)", () => {
  for (const name of zoo) {
    const ref = references[name]!;
    it(`${name} (examples/${ref.file}) imports nothing and computes its equations`, async () => {
      const I = 3, H = 5, B = 3, T = 6;
      const file = join(tmp, `${name}.wasm`);
      const run = rnnc("compile", `examples/${ref.file}`, "--dims", `I=${I},H=${H}`, "-o", file);
      expect(run.code, run.err).toBe(0);
      const bytes = readFileSync(file);
      expect(WebAssembly.Module.imports(new WebAssembly.Module(bytes))).toEqual([]);
      const { instance } = await WebAssembly.instantiate(bytes, {});
      expect(Object.keys(instance.exports)).toEqual(expect.arrayContaining(["memory", "forward", "backward"]));

      const model = await loadModel(file);
      expect(model.dtype).toBe("f32");
      const lengths = [T, 2, 5];
      const { out, stateOut } = setReferenceCase(model, ref, prng(7), { I, H, B, T }, lengths);
      model.forward(B, T);
      const size = { batch: B, steps: T };
      const problems = [
        mismatch(model.view(ref.states[0]!, "output", size), out, F32_TOLERANCE, "output"),
        ...ref.states.map((s) =>
          mismatch(model.view(s, "state_out", size), stateOut[s]!, F32_TOLERANCE, `state_out ${s}`)),
      ].filter((p) => p !== undefined);
      expect(problems).toEqual([]);
    });
  }
});

const page = readFileSync("docs/cell-zoo.md", "utf8");
/** The page's cell sections by file name (`lstm-peephole`), each its text up to the next heading. */
const sections = new Map(
  page.split(/^### /m).slice(1).map((text) => [/^.* \(`examples\/([\w-]+)\.ts`\)\n/.exec(text)?.[1] ?? "", text]),
);
const trimmedLines = (text: string) => text.split("\n").map((l) => l.trim());

describe("docs/cell-zoo.md", () => {
  const cellFiles = [...new Set(exampleUnits().filter((u) => u.kind === "cell").map((u) => u.file))]
    .map((f) => f.replace(/^examples\/(.*)\.ts$/, "$1")).sort();

  it("has a section and a table row for every file of examples/ that defines a cell, and no others", () => {
    expect(cellFiles.length).toBeGreaterThanOrEqual(17);
    expect([...sections.keys()].sort()).toEqual(cellFiles);
    for (const file of cellFiles) expect(page).toContain(`| \`npx rnnc gradcheck examples/${file}.ts --dims `);
  });

  for (const file of cellFiles) {
    it(`quotes examples/${file}.ts as the file has it, and its gradcheck as the command prints it`, () => {
      const section = sections.get(file)!;
      const source = trimmedLines(readFileSync(`examples/${file}.ts`, "utf8")).join("\n");
      const blocks = [...section.matchAll(/```ts\n([^]*?)```/g)].map((m) => m[1]!.trimEnd());
      expect(blocks.length).toBeGreaterThan(0);
      for (const block of blocks) {
        for (const part of block.split("\n\n")) expect(source).toContain(trimmedLines(part).join("\n"));
      }
      expect(section).toMatch(/^ *step: /m);

      const quoted = /```console\n\$ npx rnnc gradcheck (\S+) --dims (\S+)\n(.*)\n…\n(.*)\n```/.exec(section);
      expect(quoted, "a console block with the gradcheck command").not.toBeNull();
      const [, path, dims, first, last] = quoted!;
      expect(path).toBe(`examples/${file}.ts`);
      const run = rnnc("gradcheck", path!, "--dims", dims!);
      expect(run.code, run.err).toBe(0);
      const printed = run.out.trimEnd().split("\n");
      expect(printed[0]).toBe(first);
      // The worst error is rounding noise (1e-10 to 1e-9): a kernel that sums in another order moves it.
      const worstOf = (line: string) => Number(/^ok: worst (\S+) <= 0\.000001$/.exec(line)?.[1]);
      const [quotedWorst, printedWorst] = [worstOf(last!), worstOf(printed.at(-1)!)];
      expect(quotedWorst).toBeLessThan(1e-6);
      expect(printedWorst / quotedWorst, printed.at(-1)).toBeGreaterThan(1 / 4);
      expect(printedWorst / quotedWorst, printed.at(-1)).toBeLessThan(4);

      const rows = printed.filter((l) => /^\S+ +(param|input|state_in) /.test(l));
      const entries = rows.reduce((n, l) => n + Number(l.split(/ +/)[2]), 0);
      const row = page.split("\n").find((l) => l.includes(`| \`npx rnnc gradcheck ${path} --dims ${dims}\` |`));
      expect(row?.endsWith(` | ${rows.length} (${entries}) | ${/^ok: worst (\S+) /.exec(last!)![1]} |`), row)
        .toBe(true);
    });
  }
});
