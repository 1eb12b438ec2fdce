// spec/frontend — the "rnnc" package surface users' editors see (dsl/): its
// declarations name exactly the intrinsics the compiler knows, cell files
// type-check against them (and a wrong step does not), and the tiny runtime
// never computes.

import { readFileSync } from "node:fs";
import { Project, ts } from "ts-morph";
import { describe, expect, it } from "vitest";
import { intrinsicNames } from "../../compiler/frontend/index.js";
import * as runtime from "../../dsl/index.js";

const declarations = readFileSync(new URL("../../dsl/index.d.ts", import.meta.url), "utf8");

// One project for every check, so TypeScript's lib is parsed once.
const project = new Project({
  useInMemoryFileSystem: true,
  compilerOptions: {
    strict: true,
    lib: ["lib.es5.d.ts"],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  },
});
project.getFileSystem().writeFileSync("/package.json", JSON.stringify({ type: "module" }));
project.getFileSystem().writeFileSync(
  "/node_modules/rnnc/package.json",
  JSON.stringify({ name: "rnnc", type: "module", types: "./index.d.ts" }),
);
project.createSourceFile("/node_modules/rnnc/index.d.ts", declarations);

/** Codes of the type errors of `cell`, checked against dsl/index.d.ts as the "rnnc" package. */
function typeErrors(cell: string): number[] {
  const file = project.createSourceFile("/cell.ts", cell, { overwrite: true });
  return project.getPreEmitDiagnostics().filter((d) => d.getSourceFile() === file).map((d) => d.getCode());
}

const gru = `import { cell, sigmoid, tanh, hardSigmoid, mean, clip } from "rnnc";
export const gru = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { Wz: ["H", "I"], Uz: ["H", "H"], bz: ["H"], Wh: ["H", "I"], Uh: ["H", "H"], g: [] },
  step: ({ x, h, Wz, Uz, bz, Wh, Uh, g }) => {
    const z = hardSigmoid(Wz * x + Uz * h + bz);
    const n = tanh(Wh * x + Uh * (sigmoid(h) * h)) * g - mean(h);
    return { h: clip((1 - z) * h + z * n, -1, 1) };
  },
});
export const counter = cell({ state: { t: [] }, step: ({ t }) => ({ t: t + 1 }) });
`;

/** What a model file composes cells with. */
const modelConstructors = ["model", "layer", "bidirectional", "dense", "oneOfN", "wordHash"];

describe("dsl/index.d.ts", () => {
  it("declares cell and exactly the compiler's intrinsics", () => {
    const declared = [...declarations.matchAll(/^export declare function (\w+)/gm)].map((m) => m[1]);
    expect(declared.sort()).toEqual(["cell", ...modelConstructors, ...intrinsicNames].sort());
  });

  it("documents every intrinsic", () => {
    for (const name of intrinsicNames) {
      expect(declarations).toMatch(new RegExp(`\\*/\\nexport declare function ${name}[<(]`));
    }
  });

  it("type-checks a cell file", () => {
    expect(typeErrors(gru)).toEqual([]);
  });

  it("type-checks declared initialisations and rejects a malformed one", () => {
    const withInit = (init: string) => gru.replace('bz: ["H"]', `bz: { shape: ["H"], init: ${init} }`);
    for (const init of [
      '"ones"', "1", "-0.5", '{ kind: "uniform", low: -1, high: 1 }', '{ kind: "normal", mean: 0, std: 0.1 }',
    ]) {
      expect(typeErrors(withInit(init)), init).toEqual([]);
    }
    expect(typeErrors(withInit('"twos"'))).not.toEqual([]);
    expect(typeErrors(withInit('{ kind: "normal", mean: 0 }'))).not.toEqual([]);
  });

  it("rejects a step that misses a state, reads an undeclared name, or a rank-3 shape", () => {
    const missing = gru.replace("return { h: clip", "return { y: clip");
    expect(typeErrors(missing)).not.toEqual([]);
    expect(typeErrors(gru.replace("({ x, h, Wz,", "({ x, h, nope, Wz,"))).toContain(2339);
    expect(typeErrors(gru.replace('bz: ["H"]', 'bz: ["H", "H", "H"]'))).toContain(2322);
  });
});

describe("dsl/index.js", () => {
  it("exports the same names as the declarations", () => {
    expect(Object.keys(runtime).sort()).toEqual(["cell", ...modelConstructors, ...intrinsicNames].sort());
  });

  it("hands a cell's declaration back unchanged", () => {
    const declared = runtime.cell({ state: { h: "H" }, step: ({ h }) => ({ h: h + 1 }) });
    expect(declared.state).toEqual({ h: "H" });
    expect(declared.step({ h: 1 })).toEqual({ h: 2 });
  });

  it("refuses to compute an intrinsic", () => {
    expect(() => runtime.sigmoid(0)).toThrow(/compiled by rnnc/);
  });
});
