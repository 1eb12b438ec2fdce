#!/usr/bin/env node
// The rnnc command: runs the compiled CLI in dist/ (built by `npm install` / `npm run build`).
import { existsSync } from "node:fs";

const entry = new URL("../dist/compiler/cli/launch.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("rnnc: dist/ is missing; run `npm run build` in the rnnc package first\n");
  process.exit(2);
}
const { launch } = await import(entry.href);
process.exitCode = await launch(process.argv.slice(2), undefined, process.stderr.isTTY === true);
