// compiler/cli — the flags that say which cell to build and how, shared by
// `compile` and `gradcheck`, turned into pipeline options.

import { defaultCapacity, passAliases, passNames, type CompileOptions, type PassName } from "../pipeline.js";
import { parseChoice, parseDims, parseNumber, parsePositive } from "./args.js";
import { tilingLimits } from "../lower/kernel.js";
import type { Optimizer } from "../lower/train.js";
import { lossKinds, type LossKind } from "../time/index.js";
import { type Io, readTextOf, resolveImport, UsageError } from "./io.js";

export const buildFlags = {
  cell: { type: "string" },
  dims: { type: "string" },
  dtype: { type: "string" },
  "no-simd": { type: "boolean" },
  batch: { type: "string" },
  steps: { type: "string" },
  loss: { type: "string" },
  "dump-after": { type: "string" },
  optimizer: { type: "string" },
  momentum: { type: "string" },
  beta1: { type: "string" },
  beta2: { type: "string" },
  epsilon: { type: "string" },
  inference: { type: "boolean" },
  "relaxed-simd": { type: "boolean" },
  checkpoint: { type: "boolean" },
  quantize: { type: "string" },
  tiles: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const buildFlagsHelp = `  --cell NAME          the exported cell to compile (needed when the file has several)
  --dims I=64,H=128    values of the symbolic dimensions
  --dtype f32|f64      element type (default f32)
  --no-simd            scalar build, for hosts without SIMD128 (wasm2c, old engines)
  --batch N            default batch capacity, recorded in the module (default ${defaultCapacity.batch});
                       a host may lay the module out at another when it loads it
  --steps N            default steps capacity (default ${defaultCapacity.steps})
  --loss KIND          mse (½·squared error per step), softmax-ce (cross-entropy against class ids,
                       i32 targets), mse-last or softmax-ce-last (each sequence's last step only,
                       one target per sequence), or none: the host writes the output cotangents
                       before backward
  --dump-after PASS    print the IR after a pass (${passNames.join(", ")}); comma-separate several
  --optimizer sgd|adam add train_step(batch, steps, learning_rate, clip_norm): forward, backward,
                       global-norm clipping (clip_norm <= 0: none) and the update, in one call;
                       and apply_update(learning_rate, clip_norm): the last two alone
  --momentum X         SGD momentum (default 0)
  --beta1 X, --beta2 X, --epsilon X
                       Adam's constants (default 0.9, 0.999, 1e-8)
  --inference          forward only: no backward, no tape, no gradient tensors (smaller, faster)
  --relaxed-simd       fused multiply-add (relaxed SIMD) in matrix products: faster where the engine
                       has it (browsers; Node 20 only as node --experimental-wasm-relaxed-simd)
  --checkpoint         gradient checkpointing: keep the tape of one segment of ⌈√steps⌉ steps and the
                       state at each segment's start; backward recomputes each segment's forward steps
                       (the same gradients bit for bit, less memory, about one more forward pass)
  --quantize int8      with --inference: parameter matrices stored as int8 with an f32 scale per row,
                       their products in SIMD128 integer dot products (docs/quantization.md)
  --tiles RxV          register tiles of the matrix products: R rows by V vectors (default 2x4); every
                       tiling computes the same outputs, which is fastest depends on the core
                       (npm run bench:tiles measures them)`;

interface BuildValues {
  cell?: string | undefined;
  dims?: string | undefined;
  dtype?: string | undefined;
  "no-simd"?: boolean | undefined;
  batch?: string | undefined;
  steps?: string | undefined;
  loss?: string | undefined;
  "dump-after"?: string | undefined;
  optimizer?: string | undefined;
  momentum?: string | undefined;
  beta1?: string | undefined;
  beta2?: string | undefined;
  epsilon?: string | undefined;
  inference?: boolean | undefined;
  "relaxed-simd"?: boolean | undefined;
  checkpoint?: boolean | undefined;
  quantize?: string | undefined;
  tiles?: string | undefined;
}

function optimizerOf(values: BuildValues): Optimizer | undefined {
  const fraction = (flag: "momentum" | "beta1" | "beta2", fallback: number) => {
    const v = values[flag] === undefined ? fallback : Number(values[flag]);
    if (!(v >= 0 && v < 1)) throw new UsageError(`--${flag}: expected a number in [0, 1), got "${values[flag]}"`);
    return v;
  };
  const kind = values.optimizer;
  if (kind === undefined) {
    for (const flag of ["momentum", "beta1", "beta2", "epsilon"] as const)
      if (values[flag] !== undefined) throw new UsageError(`--${flag} needs --optimizer`);
    return undefined;
  }
  if (kind === "sgd") return { kind, momentum: fraction("momentum", 0) };
  if (kind === "adam") {
    return {
      kind,
      beta1: fraction("beta1", 0.9),
      beta2: fraction("beta2", 0.999),
      epsilon: parseNumber("epsilon", values.epsilon, 1e-8),
    };
  }
  throw new UsageError(`--optimizer: expected sgd or adam, got "${kind}"`);
}

/** `--tiles RxV`: rows by vectors of a product's register tile, each within the compiler's limits. */
function parseTiles(value: string): { tileRows: number; stripVectors: number } {
  const match = /^([1-9][0-9]?)x([1-9][0-9]?)$/.exec(value);
  const [tileRows, stripVectors] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || tileRows > tilingLimits.tileRows || stripVectors > tilingLimits.stripVectors) {
    throw new UsageError(
      `--tiles: expected ROWSxVECTORS with rows 1 to ${tilingLimits.tileRows} and vectors 1 to ${
        tilingLimits.stripVectors
      } (the default is 2x4), got "${value}"`,
    );
  }
  return { tileRows, stripVectors };
}

export function buildOptions(
  file: string,
  values: BuildValues,
  io: Io,
  overrides: Partial<CompileOptions> = {},
): CompileOptions {
  if (values["relaxed-simd"] && values["no-simd"])
    throw new UsageError("--relaxed-simd needs SIMD: leave out --no-simd");
  if (values.inference && values.optimizer !== undefined) {
    throw new UsageError(
      "--inference and --optimizer exclude each other: " +
        "an inference module has no backward pass to train with",
    );
  }
  if (values.inference && values.checkpoint) {
    throw new UsageError(
      "--inference and --checkpoint exclude each other: " +
        "an inference module keeps no tape to checkpoint",
    );
  }
  const dumpAfter = (values["dump-after"] ?? "").split(",").filter((p) => p !== "");
  for (const pass of dumpAfter) {
    if (!passNames.includes(pass as PassName) && !Object.hasOwn(passAliases, pass))
      throw new UsageError(`--dump-after: unknown pass "${pass}"; passes are ${passNames.join(", ")}`);
  }
  const text = readTextOf(io, file);
  return {
    file,
    text,
    cell: values.cell,
    dims: parseDims(values.dims),
    dtype: parseChoice<"f32" | "f64">("dtype", values.dtype, ["f32", "f64"], "f32"),
    simd: !values["no-simd"],
    capacity: {
      batch: parsePositive("batch", values.batch, defaultCapacity.batch),
      steps: parsePositive("steps", values.steps, defaultCapacity.steps),
    },
    loss: parseChoice<LossKind>("loss", values.loss, lossKinds, "mse"),
    readFile: (path: string) => io.readText(path),
    resolveImport,
    train: optimizerOf(values),
    inference: values.inference === true,
    relaxedSimd: values["relaxed-simd"] === true,
    ...(values.checkpoint ? { checkpoint: true } : {}),
    ...(values.quantize !== undefined
      ? { quantize: parseChoice<"int8">("quantize", values.quantize, ["int8"], "int8") }
      : {}),
    ...(values.tiles !== undefined ? { tiling: parseTiles(values.tiles) } : {}),
    ...(dumpAfter.length > 0
      ? { dump: { after: dumpAfter, write: (pass: PassName, text: string) => io.out(`;; after ${pass}\n${text}\n`) } }
      : {}),
    ...overrides,
  };
}
