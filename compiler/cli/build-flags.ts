// compiler/cli — the flags that say which cell to build and how, shared by
// `compile` and `gradcheck`, turned into pipeline options.

import { defaultCapacity, passNames, type CompileOptions, type PassName } from "../pipeline.js";
import { parseChoice, parseDims, parsePositive } from "./args.js";
import { UsageError, UserError, type Io } from "./io.js";

export const buildFlags = {
  cell: { type: "string" },
  dims: { type: "string" },
  dtype: { type: "string" },
  "no-simd": { type: "boolean" },
  batch: { type: "string" },
  steps: { type: "string" },
  loss: { type: "string" },
  "dump-after": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const buildFlagsHelp = `  --cell NAME          the exported cell to compile (needed when the file has several)
  --dims I=64,H=128    values of the symbolic dimensions
  --dtype f32|f64      element type (default f32)
  --no-simd            scalar build, for hosts without SIMD128 (wasm2c, old engines)
  --batch N            batch capacity (default ${defaultCapacity.batch})
  --steps N            steps capacity (default ${defaultCapacity.steps})
  --loss mse|none      built-in per-step MSE loss, or none: the host writes output cotangents
  --dump-after PASS    print the IR after a pass (${passNames.join(", ")}); comma-separate several`;

interface BuildValues {
  cell?: string | undefined;
  dims?: string | undefined;
  dtype?: string | undefined;
  "no-simd"?: boolean | undefined;
  batch?: string | undefined;
  steps?: string | undefined;
  loss?: string | undefined;
  "dump-after"?: string | undefined;
}

export function buildOptions(file: string, values: BuildValues, io: Io, overrides: Partial<CompileOptions> = {}): CompileOptions {
  const dumpAfter = (values["dump-after"] ?? "").split(",").filter((p) => p !== "");
  for (const pass of dumpAfter) {
    if (!passNames.includes(pass as PassName)) throw new UsageError(`--dump-after: unknown pass "${pass}"; passes are ${passNames.join(", ")}`);
  }
  let text: string;
  try {
    text = io.readText(file);
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  return {
    file,
    text,
    cell: values.cell,
    dims: parseDims(values.dims),
    dtype: parseChoice<"f32" | "f64">("dtype", values.dtype, ["f32", "f64"], "f32"),
    simd: !values["no-simd"],
    capacity: { batch: parsePositive("batch", values.batch, defaultCapacity.batch), steps: parsePositive("steps", values.steps, defaultCapacity.steps) },
    loss: parseChoice<"mse" | "none">("loss", values.loss, ["mse", "none"], "mse"),
    readFile: (path: string) => io.readText(path),
    ...(dumpAfter.length > 0 ? { dump: { after: dumpAfter as PassName[], write: (pass: PassName, text: string) => io.out(`;; after ${pass}\n${text}\n`) } } : {}),
    ...overrides,
  };
}
