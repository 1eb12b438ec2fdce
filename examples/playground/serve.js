#!/usr/bin/env node
// playground — npm run playground: builds the bundle (build.js), serves dist/playground/ on
// 127.0.0.1 and prints the URL. In: --port N (default 8177; 0 picks a free one), --no-build
// (serve what is there), --until-stdin-closes (exit when the parent's pipe closes: tests
// start it this way, so the server never outlives them). Out: an HTTP server of static files.

import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { parseArgs } from "node:util";
import { buildPlayground, defaultOutdir } from "./build.js";

const usage = "usage: node examples/playground/serve.js [--port N] [--no-build] [--until-stdin-closes]";
let options;
try {
  const flags = {
    port: { type: "string" },
    "no-build": { type: "boolean" },
    "until-stdin-closes": { type: "boolean" },
  };
  options = parseArgs({ options: flags }).values;
} catch (e) {
  console.error(`${e.message}\n${usage}`);
  process.exit(2);
}
const port = Number(options.port ?? 8177);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: expected an integer from 0 to 65535, got "${options.port}"\n${usage}`);
  process.exit(2);
}

if (!options["no-build"]) {
  const started = performance.now();
  const files = await buildPlayground();
  const total = files.reduce((n, f) => n + f.bytes, 0);
  const gzipped = files.reduce((n, f) => n + f.gzipped, 0);
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`built ${files.length} files, ${mb(total)} (${mb(gzipped)} gzipped), in ${seconds} s`);
} else if (!existsSync(join(defaultOutdir, "index.html"))) {
  console.error(`--no-build: nothing to serve in ${defaultOutdir}; run without --no-build first`);
  process.exit(1);
}

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
};

const server = createServer((request, response) => {
  const path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
  const file = normalize(join(defaultOutdir, path === "/" ? "index.html" : path));
  const inside = file.startsWith(defaultOutdir + sep);
  const reading = request.method === "GET" || request.method === "HEAD";
  if (!reading || !inside || !existsSync(file) || !statSync(file).isFile()) {
    response.writeHead(reading ? 404 : 405, { "content-type": "text/plain" });
    response.end(`${request.method} ${path}: not here\n`);
    return;
  }
  const type = types[extname(file)] ?? "application/octet-stream";
  response.writeHead(200, { "content-type": type, "cache-control": "no-cache" });
  if (request.method === "HEAD") response.end();
  else createReadStream(file).pipe(response);
});

server.listen(port, "127.0.0.1", () => {
  console.log(`rnnc playground: http://127.0.0.1:${server.address().port}/`);
});
server.on("error", (e) => {
  console.error(`cannot serve on 127.0.0.1:${port}: ${e.message}`);
  process.exit(1);
});
if (options["until-stdin-closes"]) {
  for (const event of ["end", "close"]) process.stdin.on(event, () => process.exit(0));
  process.stdin.resume();
}
