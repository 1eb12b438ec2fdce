// spec/cli — binaryen.js as a classic script (compiler/cli/binaryen-cache.ts):
// the module text made the body of an async function, which the CLI runs
// through V8's code cache. Checked on small modules of the same shape, on
// texts it must leave to a plain import, and on the installed package itself,
// whose script form must build the same module bytes as the package's own
// import (a binaryen release of another shape fails here, not silently slower).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { binaryenAsScript } from "../../compiler/cli/binaryen-cache.js";

type Factory = (meta: { url: string }, load: (specifier: string) => Promise<unknown>) => Promise<unknown>;

const asFactory = (script: string) => new Script(script).runInThisContext() as Factory;

describe("binaryenAsScript", () => {
  const module = [
    'async function make(options={}){let{createRequire:r}=await import("node:module");',
    "var here=import.meta.url,other=import.meta;",
    'return{here,same:other.url===here,require:typeof r,kind:"api"}}',
    "var alias=make;var made=await alias(),api=made;export{api as default};\n",
  ].join("");

  it("runs the module's body with import.meta and import() passed in, and returns the default export", async () => {
    const script = binaryenAsScript(module);
    expect(script).toBeDefined();
    const imported: string[] = [];
    const load = (specifier: string) => {
      imported.push(specifier);
      return import(specifier);
    };
    const api = await asFactory(script!)({ url: "file:///somewhere/index.js" }, load);
    expect(api).toEqual({ here: "file:///somewhere/index.js", same: true, require: "function", kind: "api" });
    expect(imported).toEqual(["node:module"]);
  });

  it("keeps ES module semantics: strict mode", async () => {
    const sloppy = "undeclared = 1; var d = 2; export { d as default };";
    await expect(asFactory(binaryenAsScript(sloppy)!)({ url: "file:///x" }, (s) => import(s))).rejects.toThrow(
      ReferenceError,
    );
  });

  it.for([
    ["no default export at the end", "var d = 1; export { d as default }; var after = 2;"],
    ["no export at all", "var d = 1;"],
    ["import.meta as a property", "var d = o.import.meta; export { d as default };"],
    ["import( as the end of a name", "var d = reimport(1); export { d as default };"],
  ])("leaves a text with %s to a plain import", ([, text]) => {
    expect(binaryenAsScript(text!)).toBeUndefined();
  });

  it("gives a script that fails to compile where the text has a static import (the caller then imports)", () => {
    const script = binaryenAsScript('import fs from "node:fs"; var d = fs; export { d as default };');
    expect(() => new Script(script!)).toThrow(SyntaxError);
  });
});

describe("the installed binaryen.js as a script", () => {
  it("builds the same module bytes as the package imported as a module", async () => {
    const file = createRequire(import.meta.url).resolve("binaryen");
    const script = binaryenAsScript(readFileSync(file, "utf8"));
    expect(script, `binaryen.js at ${file} is not of the shape binaryen-cache.ts reads`).toBeDefined();
    type Api = typeof import("binaryen").default;
    const viaScript = (await asFactory(script!)({ url: pathToFileURL(file).href }, (s) => import(s))) as Api;
    const viaImport = (await import("binaryen")).default;
    const emit = (b: Api) => {
      const m = new b.Module();
      const sum = m.i32.add(m.local.get(0, b.i32), m.local.get(1, b.i32));
      m.addFunction("add", b.createType([b.i32, b.i32]), b.i32, [], sum);
      m.addFunctionExport("add", "add");
      m.optimize();
      const bytes = m.emitBinary();
      m.dispose();
      return bytes;
    };
    const bytes = emit(viaScript);
    expect(bytes).toEqual(emit(viaImport));
    const { instance } = await WebAssembly.instantiate(new Uint8Array(bytes));
    expect((instance.exports.add as (a: number, b: number) => number)(2, 40)).toBe(42);
  });
});
