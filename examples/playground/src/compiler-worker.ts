// playground — the compiler worker: ts-morph and Binaryen, bundled, running in
// the browser. In: check, compile and gradcheck requests (protocol.ts), one at
// a time, in order. Out: diagnostics, modules with their ABI, and gradcheck
// reports. The presets are its file system: a model file may import them.

import { BuildError, checkCell, compileCell, DiagnosticError, type CompileOptions } from "../../../compiler/api.js";
import { gradcheck, instantiateModel } from "../../../runtime/index.js";
import { presets } from "rnnc-playground:presets";
import {
  buildOptions, gradcheckOptions, optimizers,
  type CompilerReply, type CompilerRequest, type Failure, type Source, type WorkerScope,
} from "./protocol.js";

const scope = self as unknown as WorkerScope<CompilerRequest, CompilerReply>;

function readFile(path: string): string {
  const preset = presets.find((p) => p.file === path);
  if (!preset) throw new Error(`no file ${path} in the playground`);
  return preset.text;
}

function options(source: Source): CompileOptions {
  return { file: source.file, text: source.text, cell: source.cell, dims: source.dims, readFile };
}

function failure(error: unknown): Failure {
  if (error instanceof DiagnosticError) return { kind: "diagnostics", diagnostics: error.diagnostics };
  if (error instanceof BuildError) return { kind: "build", message: error.message };
  return { kind: "internal", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

function handle(request: CompilerRequest): { reply: CompilerReply; transfer: Transferable[] } {
  const { id } = request;
  const started = performance.now();
  const ms = () => performance.now() - started;
  try {
    switch (request.kind) {
      case "check":
        return { reply: { id, kind: "checked", checked: checkCell(options(request.source)), ms: ms() }, transfer: [] };
      case "compile": {
        const { binary, abi } = compileCell({ ...options(request.source), ...buildOptions, train: request.optimizer });
        const bytes = binary.slice();
        return { reply: { id, kind: "compiled", binary: bytes, abi, ms: ms() }, transfer: [bytes.buffer] };
      }
      case "gradcheck": {
        const { batch, steps, seed, maxEntries } = gradcheckOptions;
        const f64 = { dtype: "f64", capacity: { batch, steps }, loss: buildOptions.loss } as const;
        const { binary } = compileCell({ ...options(request.source), ...f64 });
        const report = gradcheck(instantiateModel(binary), { seed, batch, steps, maxEntries });
        return { reply: { id, kind: "gradchecked", report, bytes: binary.length, ms: ms() }, transfer: [] };
      }
    }
  } catch (error) {
    return { reply: { id, kind: "failed", failure: failure(error), ms: ms() }, transfer: [] };
  }
}

/**
 * One throwaway compile once the worker is idle: the first compile in a fresh
 * engine runs cold code (measured 1.0–1.5 s for elman in Chromium, 0.1–0.3 s
 * once warm), and this one happens while the user is still reading the page.
 * It waits for a pause in requests, so the first checks are not held up, and
 * is dropped once a request of the user's has compiled something.
 */
const idleMs = 300;
let warm = false;
let warmTimer = setTimeout(warmUp, idleMs);

function warmUp(): void {
  warm = true;
  const started = performance.now();
  const preset = presets.find((p) => p.file === "examples/elman.ts") ?? presets[0];
  if (!preset) return;
  try {
    const source = { file: preset.file, text: preset.text, cell: undefined, dims: { I: 4, H: 8 } };
    compileCell({ ...options(source), ...buildOptions, train: optimizers.adam });
  } catch {
    return; // a preset that does not compile only means no warm-up; the user's own compile reports its errors
  }
  scope.postMessage({ kind: "warm", ms: performance.now() - started });
}

scope.onmessage = (event) => {
  clearTimeout(warmTimer);
  const { reply, transfer } = handle(event.data);
  scope.postMessage(reply, transfer);
  if (event.data.kind !== "check") warm = true;
  if (!warm) warmTimer = setTimeout(warmUp, idleMs);
};
// Binaryen's top-level await has resolved by the time this line runs.
scope.postMessage({ kind: "ready", ms: performance.now() });
