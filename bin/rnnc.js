#!/usr/bin/env node
// The rnnc command: runs the compiled CLI in dist/ (built by `npm install` / `npm run build`).
import { existsSync } from "node:fs";

const entry = new URL("../dist/compiler/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("rnnc: dist/ is missing; run `npm run build` in the rnnc package first\n");
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = main(process.argv.slice(2), undefined, process.stderr.isTTY === true);
