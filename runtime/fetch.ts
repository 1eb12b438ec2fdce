// runtime — where a module named by a string or URL comes from. In: a URL
// (http, https, blob, data, file) or, in Node, a file path. Out: a Response or
// the file's bytes. Browsers fetch; Node reads file: URLs and paths from disk,
// where its fetch cannot go. node:fs is imported only on that Node path, by a
// computed specifier, so browser bundles carry no Node import.

import { RnncError } from "./errors.js";

const nodeFs = "node:fs/promises";

function inNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === "string";
}

/** A string is a URL when it has a scheme (two letters or more: "C:\\m.wasm" is a path). */
function asUrl(source: string | URL): URL | undefined {
  if (source instanceof URL) return source;
  return /^[a-z][a-z0-9+.-]+:/i.test(source) ? new URL(source) : undefined;
}

export async function fetchSource(source: string | URL): Promise<Response | Uint8Array<ArrayBuffer>> {
  if (!inNode()) return fetchUrl(source); // before asUrl: some scopes have no URL either
  const url = asUrl(source);
  if (url !== undefined && url.protocol !== "file:") return fetchUrl(source);
  const fs = (await import(/* @vite-ignore */ nodeFs)) as typeof import("node:fs/promises");
  const path = url ?? (source as string);
  try {
    const bytes = await fs.readFile(path);
    return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const shown = url ? url.href : path;
    throw new RnncError(
      `cannot read the module ${shown}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`,
    );
  }
}

// An AudioWorkletGlobalScope has no fetch: its modules come compiled from the main thread.
function fetchUrl(source: string | URL): Promise<Response> {
  if (typeof fetch !== "function") {
    throw new RnncError(`this host has no fetch (an AudioWorkletGlobalScope has none), so it cannot load ${
      String(source)
    }; pass the module's bytes or a WebAssembly.Module`);
  }
  return fetch(source);
}
