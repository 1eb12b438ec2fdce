// spec/support — vitest's global setup: the specs that run the built CLI, the
// built runtime or the bundle (cli, relaxed SIMD, package, browser) must never
// test a stale dist/. Before any spec runs, dist/ is rebuilt (`npm run build`)
// when a source it is built from is newer than the build's last output.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "../..");
const sources = ["compiler", "runtime", "apps", "dsl", "tools", "tsconfig.json", "tsconfig.build.json", "package.json"];
/** Written last by `npm run build` (tools/bundle-runtime.js runs after tsc). */
const lastOutput = join(root, "dist/browser/rnnc-runtime.js");

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function setup(): void {
  const built = existsSync(lastOutput) ? statSync(lastOutput).mtimeMs : -Infinity;
  const changed = Math.max(...sources.map((s) => join(root, s)).filter(existsSync).map(newest));
  if (changed <= built) return;
  process.stdout.write("spec setup: dist/ is older than its sources; running npm run build\n");
  execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
}
