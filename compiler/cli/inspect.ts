// compiler/cli — `rnnc inspect`: a module's ABI, as a table or JSON.

import { atCapacity, regionBytes, type OffsetForm } from "../../runtime/abi.js";
import { readAbiSection } from "../../runtime/abi-parse.js";
import { RnncError } from "../../runtime/errors.js";
import { onePositional, parse } from "./args.js";
import { type Io, readBytesOf, UserError } from "./io.js";

export const inspectUsage = `usage: rnnc inspect MODULE.wasm [--json]

Prints the module's ABI: element type, dimensions, capacity, loss, every
tensor (name, role, shape, byte offset and region size at the default
capacity; in ABI 2, how the offset moves with the capacity B × S a host
chooses) and the exported functions.`;

export function inspectCommand(argv: readonly string[], io: Io): number {
  const { values, positionals } = parse(
    argv,
    { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    inspectUsage,
  );
  if (values.help) {
    io.out(inspectUsage);
    return 0;
  }
  const file = onePositional(positionals, "module", inspectUsage);
  const bytes = readBytesOf(io, file);
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes as BufferSource);
  } catch (e) {
    throw new UserError(`${file} is not a WebAssembly module: ${(e as Error).message}`);
  }
  let abi;
  try {
    abi = readAbiSection(module);
  } catch (e) {
    if (e instanceof RnncError) throw new UserError(`${file}: ${e.message}`);
    throw e;
  }
  const imports = WebAssembly.Module.imports(module).length;
  if (values.json) {
    io.out(JSON.stringify({ file, bytes: bytes.length, imports, ...abi }, null, 2));
    return 0;
  }
  const dims = Object.entries(abi.dims).map(([k, v]) => `${k}=${v}`).join(", ");
  const params = abi.tensors.filter((t) => t.role === "param").length;
  const baked = abi.tensors.filter((t) => t.baked).length;
  const lines = [
    `${file}: ${bytes.length} bytes, ${imports} imports, ABI v${abi.abi}`,
    `dtype ${abi.dtype}${abi.simd ? ", simd128" : ", scalar"}${abi.quantize ? `, weights ${abi.quantize}` : ""}; ` +
      `dims ${dims}; ${abi.abi === 1 ? "capacity" : "default capacity"} batch ${abi.capacity.batch}, ` +
      `steps ${abi.capacity.steps}; loss ${abi.loss}`,
    ...(abi.memory
      ? [`memory: ${formText(abi.memory)} bytes at capacity B × S ` +
        `(${atCapacity(abi.memory, abi.capacity)} at the default)`]
      : []),
    `functions: ${Object.entries(abi.functions).map(([name, args]) => `${name}(${args.join(", ")})`).join(", ")}`,
    ...(baked > 0
      ? [`parameters: ${baked === params ? "all" : baked} of ${params} baked into the module's data segment ` +
        "(it runs with no parameter file)"]
      : []),
    "",
    pad(["name", "role", "shape", "offset", "bytes", ...(abi.abi === 1 ? [] : ["offset at B × S"])]),
    ...abi.tensors
      .filter((t) => t.role !== "scratch")
      .map((t) => pad([
        t.name, t.role + (t.dtype ? ` (${t.dtype})` : "") + (t.baked ? " (baked)" : ""), `[${t.shape.join(", ")}]`,
        String(atCapacity(t.offset, abi.capacity)), String(regionBytes(abi, t, abi.capacity)),
        ...(typeof t.offset === "number" ? [] : [formText(t.offset)]),
      ])),
  ];
  io.out(lines.join("\n"));
  return 0;
}

/** 1024 + 64·B + 512·B·S, zero terms left out. */
function formText(form: OffsetForm): string {
  const terms = [
    [form.base, ""],
    [form.batch, "·B"],
    [form.steps, "·S"],
    [form.batchSteps, "·B·S"],
    [form.batchSegment ?? 0, "·B·⌈√S⌉"],
  ] as const;
  return terms.filter(([k], i) => k !== 0 || i === 0).map(([k, unit]) => `${k}${unit}`).join(" + ");
}

function pad(cols: string[]): string {
  const widths = [14, 22, 24, 10, 10, 10];
  return cols.map((c, i) => c.padEnd(widths[i]!)).join(" ").trimEnd();
}
