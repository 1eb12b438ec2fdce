// compiler/cli — `rnnc compile`: a cell file to a .wasm module (and .wat).

import { basename, dirname, extname, join } from "node:path";
import { cHeader, tsBindings } from "../lower/bindings.js";
import { compileCell } from "../pipeline.js";
import { onePositional, parse } from "./args.js";
import { buildFlags, buildFlagsHelp, buildOptions } from "./build-flags.js";
import type { Io } from "./io.js";

export const compileUsage = `usage: rnnc compile FILE [options]

Compiles one cell of FILE to a standalone WebAssembly module with forward and
backward (BPTT) functions and an "rnnc" section describing its memory.

${buildFlagsHelp}
  -o, --output OUT     the module's path (default: FILE with .wasm, or CELL.wasm with --cell)
  --wat                also write the module's text form next to it (OUT.wat)
  --header             also write a C header of its memory layout (OUT.h), for wasm2c hosts
  --bindings           also write TypeScript bindings: its ABI and tensor names as types (OUT.abi.ts)`;

export function compileCommand(argv: readonly string[], io: Io): number {
  const flags = { ...buildFlags, output: { type: "string", short: "o" }, wat: { type: "boolean" }, header: { type: "boolean" }, bindings: { type: "boolean" } } as const;
  const { values, positionals } = parse(argv, flags, compileUsage);
  if (values.help) {
    io.out(compileUsage);
    return 0;
  }
  const file = onePositional(positionals, "cell file", compileUsage);
  const options = buildOptions(file, values, io);
  const compiled = compileCell(options);
  const stem = values.cell ?? basename(file, extname(file));
  const output = values.output ?? join(dirname(file), `${stem}.wasm`);
  io.write(output, compiled.binary);
  const stemOut = output.replace(/\.wasm$/, "");
  if (values.wat) io.write(`${stemOut}.wat`, compiled.wat);
  if (values.header) io.write(`${stemOut}.h`, cHeader(compiled.abi, basename(output)));
  if (values.bindings) io.write(`${stemOut}.abi.ts`, tsBindings(compiled.abi, basename(output)));
  const { abi } = compiled;
  const params = abi.tensors.filter((t) => t.role === "param");
  const count = params.reduce((n, t) => n + t.shape.reduce<number>((m, d) => m * (typeof d === "number" ? d : 1), 1), 0);
  io.err(`wrote ${output}: ${compiled.binary.length} bytes, ${abi.dtype}${abi.simd ? " simd" : ""}, ${params.length} parameter tensor${params.length === 1 ? "" : "s"} (${count} values), default capacity batch ${abi.capacity.batch} × steps ${abi.capacity.steps}`);
  return 0;
}
