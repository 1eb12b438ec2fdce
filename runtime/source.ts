// runtime — where a module comes from. In: wasm bytes, a compiled module, a
// fetch Response, a URL or (in Node) a file path. Out: a compiled module,
// checked to be rnnc's (an rnnc section, no imports), with a clear message
// where the engine lacks relaxed SIMD or the fetch fails.

import { readAbiSection } from "./abi-parse.js";
import { RnncAbiError, RnncError } from "./errors.js";
import { fetchSource } from "./fetch.js";

/** Bytes of a module, a compiled module, a fetch Response, a URL to fetch, or (in Node) a file path or file: URL. */
export type ModelSource = ArrayBuffer | ArrayBufferView | WebAssembly.Module | Response | URL | string;

/** A foreign module is reported as such (no rnnc section) before any link error; an rnnc module imports nothing. */
export function checkedModule(module: WebAssembly.Module): WebAssembly.Module {
  readAbiSection(module);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length > 0) {
    const names = imports.map((i) => `${i.module}.${i.name}`).join(", ");
    throw new RnncAbiError(`rnnc modules have no imports, but this one imports ${names}`);
  }
  return module;
}

export async function compileSource(source: ModelSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === "string" || isUrl(source)) {
    const fetched = await fetchSource(source);
    return fetched instanceof Uint8Array ? compileBytes(fetched) : compileSource(fetched);
  }
  if (isResponse(source)) {
    if (!source.ok) throw new RnncError(`could not fetch ${source.url || "the module"}: HTTP ${source.status}`);
    return compileBytes(new Uint8Array(await source.arrayBuffer()));
  }
  return compileBytes(toBytes(source));
}

/** Compiles, naming the way out when the engine lacks relaxed SIMD (a module built with --relaxed-simd). */
async function compileBytes(bytes: Uint8Array<ArrayBuffer>): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    if (e instanceof WebAssembly.CompileError && /relaxed/i.test(e.message)) {
      throw new RnncError(
        "this module uses relaxed SIMD (compiled with --relaxed-simd), which this engine does not run: "
          + "browsers do, Node 20 only as node --experimental-wasm-relaxed-simd; "
          + `or compile without --relaxed-simd (${e.message})`,
      );
    }
    throw e;
  }
}

// Response and URL are absent from some hosts (old Node, wasm-only shells, an AudioWorkletGlobalScope).
function isResponse(source: ModelSource): source is Response {
  return typeof Response !== "undefined" && source instanceof Response;
}

function isUrl(source: ModelSource): source is URL {
  return typeof URL !== "undefined" && source instanceof URL;
}

export function toBytes(source: ArrayBuffer | ArrayBufferView): Uint8Array<ArrayBuffer> {
  const isPlainBuffer = (b: unknown) => Object.prototype.toString.call(b) === "[object ArrayBuffer]";
  if (ArrayBuffer.isView(source)) {
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return isPlainBuffer(source.buffer) ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
  }
  if (isPlainBuffer(source)) return new Uint8Array(source);
  throw new TypeError(
    "expected wasm bytes (an ArrayBuffer or a typed array), a WebAssembly.Module, a Response or a URL",
  );
}
