// spec/apps — the import graph that keeps applications applications: a file
// under apps/ imports node's modules, packages, files of its own app and
// rnnc's public surfaces (compiler/api.ts, runtime/index.ts), nothing else
// of rnnc; the compiler imports an app only from a command of its CLI
// (compiler/cli/*.ts); the runtime imports neither.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const surfaces = ["compiler/api.ts", "runtime/index.ts"];

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    return e.isDirectory() ? sources(path) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The rnnc files a source imports or re-exports, relative to the root (the .js of a specifier read as .ts). */
function imports(file: string): { specifier: string; target: string | undefined }[] {
  const text = readFileSync(join(root, file), "utf8");
  const found = text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm);
  return [...found].map((m) => {
    const specifier = m[1] ?? m[2]!;
    if (!specifier.startsWith(".")) return { specifier, target: undefined };
    const target = relative(root, resolve(join(root, dirname(file)), specifier)).replace(/\.js$/, ".ts");
    return { specifier, target };
  });
}

describe("the import graph", () => {
  it("reads every import of a file, static and re-exported", () => {
    const targets = imports("compiler/api.ts").map((i) => i.target);
    expect(targets).toContain("compiler/pipeline.ts");
    expect(targets).toContain("runtime/index.ts");
    expect(imports("apps/import/index.ts").map((i) => i.target)).toContain("runtime/index.ts");
  });

  it("apps use rnnc only through its public surfaces", () => {
    const apps = readdirSync(join(root, "apps"));
    expect(apps).toEqual(expect.arrayContaining(["import", "train"]));
    const reaches: string[] = [];
    for (const app of apps) {
      for (const file of sources(`apps/${app}`)) {
        for (const { specifier, target } of imports(file)) {
          if (target === undefined || target.startsWith(`apps/${app}/`) || surfaces.includes(target)) continue;
          reaches.push(`${file} imports ${specifier}`);
        }
      }
    }
    expect(reaches).toEqual([]);
  });

  it("the compiler imports apps only from its CLI's commands, the runtime neither apps nor the compiler", () => {
    const reaches: string[] = [];
    for (const file of [...sources("compiler"), ...sources("runtime")]) {
      const command = /^compiler\/cli\/[^/]+\.ts$/.test(file);
      for (const { specifier, target } of imports(file)) {
        const intoApps = target?.startsWith("apps/") === true;
        const intoCompiler = file.startsWith("runtime/") && target?.startsWith("compiler/") === true;
        if ((intoApps && !command) || intoCompiler || (file.startsWith("runtime/") && intoApps)) {
          reaches.push(`${file} imports ${specifier}`);
        }
      }
    }
    expect(reaches).toEqual([]);
  });
});
