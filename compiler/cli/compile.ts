// compiler/cli — `rnnc compile`: a cell file to a .wasm module (and .wat).

import { basename, dirname, extname, join } from "node:path";
import { cHeader, tsBindings } from "../lower/bindings.js";
import { BakeError } from "../errors.js";
import { compileCell } from "../pipeline.js";
import { onePositional, parse } from "./args.js";
import { buildFlags, buildFlagsHelp, buildOptions } from "./build-flags.js";
import { decodeParams, RnncParamsError, type ParamRecord } from "../../runtime/index.js";
import { type Io, readBytesOf, UserError } from "./io.js";

export const compileUsage = `usage: rnnc compile FILE [options]

Compiles one cell of FILE to a standalone WebAssembly module with forward and
backward (BPTT) functions and an "rnnc" section describing its memory.

${buildFlagsHelp}
  -o, --output OUT     the module's path (default: FILE with .wasm, or CELL.wasm with --cell)
  --wat                also write the module's text form next to it (OUT.wat)
  --header             also write a C header of its memory layout (OUT.h), for wasm2c hosts
  --bindings           also write TypeScript bindings: its ABI and tensor names as types (OUT.abi.ts)
  --params FILE        bake a parameter file (safetensors, as saveParams or rnnc import write it) into the
                       module's data segment: it runs with those weights and no other file`;

export function compileCommand(argv: readonly string[], io: Io): number {
  const flags = {
    ...buildFlags,
    output: { type: "string", short: "o" },
    wat: { type: "boolean" },
    header: { type: "boolean" },
    bindings: { type: "boolean" },
    params: { type: "string" },
  } as const;
  const { values, positionals } = parse(argv, flags, compileUsage);
  if (values.help) {
    io.out(compileUsage);
    return 0;
  }
  const file = onePositional(positionals, "cell file", compileUsage);
  const params = values.params === undefined ? undefined : readParamFile(values.params, io);
  const options = buildOptions(file, values, io, params ? { params } : {});
  let compiled;
  try {
    compiled = compileCell(options);
  } catch (e) {
    if (e instanceof BakeError) throw new UserError(`${values.params}: ${e.message}`);
    throw e;
  }
  const stem = values.cell ?? basename(file, extname(file));
  const output = values.output ?? join(dirname(file), `${stem}.wasm`);
  io.write(output, compiled.binary);
  const stemOut = output.replace(/\.wasm$/, "");
  if (values.wat) io.write(`${stemOut}.wat`, compiled.wat);
  if (values.header) io.write(`${stemOut}.h`, cHeader(compiled.abi, basename(output)));
  if (values.bindings) io.write(`${stemOut}.abi.ts`, tsBindings(compiled.abi, basename(output)));
  const { abi } = compiled;
  const paramEntries = abi.tensors.filter((t) => t.role === "param");
  const count = paramEntries.reduce(
    (n, t) => n + t.shape.reduce<number>((m, d) => m * (typeof d === "number" ? d : 1), 1),
    0,
  );
  const baked = paramEntries.some((t) => t.baked) ? ", baked in" : "";
  const tensors = `${paramEntries.length} parameter tensor${paramEntries.length === 1 ? "" : "s"}`;
  const capacity = `default capacity batch ${abi.capacity.batch} × steps ${abi.capacity.steps}`;
  const build = `${abi.dtype}${abi.simd ? " simd" : ""}`;
  io.err(`wrote ${output}: ${compiled.binary.length} bytes, ${build}, ${tensors} (${count} values${baked}), `
    + capacity);
  return 0;
}

function readParamFile(file: string, io: Io): ParamRecord[] {
  const bytes = readBytesOf(io, file);
  try {
    return decodeParams(bytes);
  } catch (e) {
    if (e instanceof RnncParamsError) throw new UserError(`${file}: ${e.message}`);
    throw e;
  }
}
