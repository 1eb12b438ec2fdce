// spec/frontend — dimension names that are keys of Object.prototype
// ("__proto__", "constructor", "valueOf", …) are names like any other, in
// cells, layer renamings, encodings and readouts: unbound, they are RNNC104;
// bound, the module's ABI carries them with their sizes and every shape is a
// number. Regression: they passed check and compiled to null shapes.

import { describe, expect, it } from "vitest";
import { DiagnosticError } from "../../compiler/diagnostics.js";
import { compileCell } from "../support/compile.js";
import { parseDims } from "../../compiler/cli/args.js";
import { loadModel } from "../../runtime/index.js";

const names = [
  "__proto__", "constructor", "valueOf", "toString", "hasOwnProperty", "isPrototypeOf", "__defineGetter__",
];
const elman = `import { cell, tanh } from "rnnc";
export const elman = cell({
  input: { x: "I" }, state: { h: "H" }, params: { W: ["H", "I"], U: ["H", "H"] },
  step: ({ x, h, W, U }) => ({ h: tanh(W * x + U * h) }),
});
`;
const files: Record<string, string> = { "elman.ts": elman };
const readFile = (path: string) => files[path] ?? (() => { throw new Error(`no ${path}`); })();

const cellNamed = (a: string, b: string) => `import { cell, tanh } from "rnnc";
export const c = cell({
  input: { x: "${a}" }, state: { h: "${b}" }, params: { W: ["${b}", "${a}"] },
  step: ({ x, h, W }) => ({ h: tanh(W * x) + h }),
});
`;
const modelNamed = (rows: string, hidden: string, out: string) => `import { model, oneOfN, dense, layer } from "rnnc";
import { elman } from "./elman.js";
export const m = model({
  input: { w: oneOfN("${rows}", "E") }, layers: [layer(elman, { H: "${hidden}" })], readout: dense("${out}"),
});
`;

function unbound(text: string, dims: Record<string, number>): string[] {
  try {
    compileCell({ file: "m.ts", text, dims, optimize: false, readFile });
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map((d) => `${d.code} ${d.message}`);
    throw e;
  }
  return [];
}

describe("dimension names that are Object.prototype keys", () => {
  it("are RNNC104 while unbound", () => {
    for (const name of names) {
      expect(unbound(cellNamed(name, "H"), { H: 2 }), name).toEqual([`RNNC104 dimension '${name}' is not bound`]);
      expect(unbound(modelNamed(name, "H2", "C"), { E: 3, H2: 2, C: 2 }), name).toEqual([
        `RNNC104 dimension '${name}' is not bound`,
      ]);
      expect(unbound(modelNamed("V", name, "C"), { V: 5, E: 3, C: 2 }), name).toEqual([
        `RNNC104 dimension '${name}' is not bound`,
      ]);
      expect(unbound(modelNamed("V", "H2", name), { V: 5, E: 3, H2: 2 }), name).toEqual([
        `RNNC104 dimension '${name}' is not bound`,
      ]);
    }
  });

  it("compile with their bound sizes into the ABI, through --dims too", async () => {
    for (const [i, name] of names.entries()) {
      const other = names[(i + 1) % names.length]!;
      const dims = parseDims(`${name}=3,${other}=2`);
      const cell = compileCell({ file: "c.ts", text: cellNamed(name, other), dims, optimize: false });
      expect(Object.entries(cell.abi.dims).sort()).toEqual([[name, 3], [other, 2]].sort());
      const W = cell.abi.tensors.find((t) => t.name === "W" && t.role === "param")!;
      expect(W.shape).toEqual([2, 3]);
      expect(
        cell.abi.tensors.every((t) => t.shape.every((d) => typeof d === "number" || d === "steps" || d === "batch")),
      ).toBe(true);
      const loaded = await loadModel(cell.binary);
      expect(Object.hasOwn(loaded.dims, name) && loaded.dims[name]).toBe(3);

      const model = compileCell({
        file: "m.ts", text: modelNamed(name, other, "C"), dims: parseDims(`${name}=7,${other}=4,E=3,C=2`),
        optimize: false, readFile,
      });
      const table = model.abi.tensors.find((t) => t.name === "w.table" && t.role === "param")!;
      expect(table.shape).toEqual([7, 3]);
      expect(model.abi.tensors.find((t) => t.name === "l0.U" && t.role === "param")!.shape).toEqual([4, 4]);
    }
  });
});
