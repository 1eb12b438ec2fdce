// examples/browser — a static file server for the browser examples, listening
// on 127.0.0.1 only. In: a directory (the repository root when run as a
// script) or a lookup function. Out: an http.Server that sends each file with
// the content type browsers insist on (text/javascript for modules and
// worklets, application/wasm for WebAssembly.compileStreaming), and the two
// headers that make a page cross-origin isolated (COOP same-origin, COEP
// require-corp: every file here is same-origin), without which a browser
// gives no SharedArrayBuffer to data-parallel training.
//
//   node examples/browser/serve.js [PORT]
//   then open http://127.0.0.1:PORT/examples/browser/ (or /examples/audio/)

import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json",
  ".json": "application/json",
  ".css": "text/css; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

/** A lookup that maps URL paths to files under `root`, and nothing outside it. */
export function filesUnder(root) {
  const base = resolve(root);
  return (pathname) => {
    const path = resolve(base, `.${pathname}`);
    return path === base || path.startsWith(base + sep) ? path : undefined;
  };
}

/**
 * Serves on 127.0.0.1. `lookup(pathname)` gives a file path, the bytes to
 * send, or undefined (404); a path ending in "/" asks for its index.html.
 */
export async function startServer(lookup, port = 0) {
  const server = createServer(async (request, response) => {
    const reply = (status, type, body) => {
      response.writeHead(status, {
        "content-type": type,
        "cache-control": "no-store",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
      });
      response.end(body);
    };
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    } catch {
      return reply(400, "text/plain", `malformed path: ${request.url}\n`);
    }
    if (pathname.endsWith("/")) pathname += "index.html";
    try {
      const found = await lookup(pathname);
      const body = typeof found === "string" ? await readFile(found) : found;
      if (!body) return reply(404, "text/plain", `not found: ${pathname}\n`);
      reply(200, CONTENT_TYPES[extname(pathname)] ?? "application/octet-stream", body);
    } catch (e) {
      const missing = e.code === "ENOENT" || e.code === "EISDIR" || e.code === "ENOTDIR";
      if (missing) reply(404, "text/plain", `not found: ${pathname}\n`);
      else reply(500, "text/plain", `cannot read ${pathname}: ${e.message}\n`);
    }
  });
  await new Promise((listening, failed) => {
    server.once("error", failed);
    server.listen(port, "127.0.0.1", listening);
  });
  return server;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve.js: the port must be an integer in [0, 65535]; got ${process.argv[2]}`);
    process.exit(2);
  }
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const server = await startServer(filesUnder(root), port);
  const { port: bound } = server.address();
  console.log(`serving ${root} on http://127.0.0.1:${bound}/`);
  console.log(`  the runtime demo:  http://127.0.0.1:${bound}/examples/browser/`);
  console.log(`  the audio example: http://127.0.0.1:${bound}/examples/audio/`);
}
