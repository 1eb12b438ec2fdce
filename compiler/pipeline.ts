// compiler — the pipeline: one ordered list of named passes (passes.ts), run
// by one driver that dumps each pass's output when asked (`rnnc compile
// --dump-after NAME`) and runs its verifier when asked (verifyEach; the specs
// turn it on). In: a cell or model file's text and build options. Out: a
// validated standalone wasm module and its ABI.
//
//   parse          file → checked cells and models (ts-morph, never executed)
//   instantiate    the chosen cell or model, dimensions bound → a program of step graphs
//   differentiate  each step as a scan: the masked forward step and its reverse-mode adjoint
//   simplify       constant folding, algebraic identities, dead code, CSE
//   tape           which forward values the backward step reads, and from where
//   schedule       kernels: fused elementwise loops, matrix kernels, reductions, in phases
//   memory         the memory plan: every region's offset at any capacity (the ABI)
//   emit           Binaryen emission, validation and optimisation
//   bake           with options.params: each parameter's values in a data segment (lower/bake.ts)
//
// checkCell runs parse and instantiate alone, the passes that report user
// errors: the diagnostics an editor shows while the user types.

import type { Abi } from "../runtime/abi.js";
import { BuildError } from "./errors.js";
import type { Optimizer } from "./lower/train.js";
import type { Tiling } from "./lower/kernel.js";
import type { Quantize } from "./lower/quantized.js";
import type { ReadCellFile, ResolveImport } from "./model.js";
import { validateCheckOptions, validateCompileOptions } from "./options.js";
import {
  bake,
  differentiate,
  emit,
  instantiate,
  memory,
  parse,
  schedule,
  simplify,
  tape,
  type Pass,
  type PassContext,
} from "./passes.js";
import type { ParamRecord } from "../runtime/params.js";
import { instantiatedGraphs, pairGraphs, type GraphPass, type StepGraphs } from "./graph/steps.js";
import type { LossKind } from "./time/index.js";

/** A chain of passes, each fed what the one before produced; typed so that a pass out of order does not compile. */
class Chain<In, Out> {
  private constructor(readonly passes: readonly Pass<unknown, unknown>[]) {}
  static of<In, Out>(first: Pass<In, Out>): Chain<In, Out> {
    return new Chain<In, Out>([first as Pass<unknown, unknown>]);
  }
  then<Next>(pass: Pass<Out, Next>): Chain<In, Next> {
    return new Chain<In, Next>([...this.passes, pass as Pass<unknown, unknown>]);
  }
}

/** The front, which reports the user's errors, the passes over step graphs, and the whole pipeline. */
const front = Chain.of(parse).then(instantiate);
const throughDifferentiate = front.then(differentiate);
const throughSimplify = throughDifferentiate.then(simplify);
const throughTape = throughSimplify.then(tape);
const pipeline = throughTape.then(schedule).then(memory).then(emit).then(bake);

export const passNames = [
  "parse",
  "instantiate",
  "differentiate",
  "simplify",
  "tape",
  "schedule",
  "memory",
  "emit",
  "bake",
] as const;
export type PassName = (typeof passNames)[number];
/** Earlier names of passes, still accepted: cell, ad, wasm. */
export const passAliases: Readonly<Record<string, PassName>> = {
  cell: "instantiate",
  ad: "differentiate",
  wasm: "emit",
};

interface DriveOptions {
  readonly verifyEach?: boolean | undefined;
  readonly dump?:
    { readonly after: readonly string[]; readonly write: (pass: PassName, text: string) => void } | undefined;
}

function drive<In, Out>(chain: Chain<In, Out>, input: In, context: PassContext, options: DriveOptions): Out {
  const dumped = new Set<string>((options.dump?.after ?? []).map((name) => passAliases[name] ?? name));
  let value: unknown = input;
  for (const pass of chain.passes) {
    value = pass.run(value, context);
    if (options.verifyEach) pass.verify(value);
    if (dumped.has(pass.name)) options.dump!.write(pass.name as PassName, pass.print(value));
  }
  return value as Out;
}

export interface CompileOptions {
  readonly file: string;
  readonly text: string;
  /** The exported cell or model to compile (needed when the file has several). */
  readonly cell?: string | undefined;
  readonly dims: Readonly<Record<string, number>>;
  readonly dtype?: "f32" | "f64";
  readonly simd?: boolean;
  readonly capacity?: { readonly batch: number; readonly steps: number };
  readonly loss?: LossKind;
  readonly optimize?: boolean;
  /** Run every pass's verifier on its output (tests turn this on). */
  readonly verifyEach?: boolean;
  /** Called with the text of each pass named in `after` (a name of passNames, or an alias of passAliases). */
  readonly dump?: { readonly after: readonly string[]; readonly write: (pass: PassName, text: string) => void };
  /** Adds train_step with this optimizer. */
  readonly train?: Optimizer | undefined;
  /** Forward only: no backward, no tape, no gradient tensors (a module for serving). */
  readonly inference?: boolean;
  /** Relaxed SIMD (fused multiply-add in matrix products); needs an engine that has it. */
  readonly relaxedSimd?: boolean;
  /**
   * Gradient checkpointing: backward recomputes the forward steps of each
   * segment of K = ⌈√steps⌉ steps from the state saved at its start, so the
   * tape the backward loop reads holds one segment instead of every step.
   * Gradients, loss and outputs are bit for bit those of the build without
   * it; the module is ABI version 3 (docs/abi.md).
   */
  readonly checkpoint?: boolean;
  /**
   * "int8": an inference build whose parameter matrices are stored as int8
   * with one f32 scale per row, their products computed with SIMD128 integer
   * dot products (docs/quantization.md). Needs inference, f32 and SIMD.
   */
  readonly quantize?: Quantize;
  /**
   * Tile shapes of the matrix products, field by field over the default (2 rows × 4 vectors): every
   * tiling computes the same outputs bit for bit; which is fastest depends on the core
   * (`npm run bench:tiles` measures them). Shown in `--dump-after schedule`.
   */
  readonly tiling?: Partial<Tiling>;
  /** Reads a cell file a model imports; models that import cells need it. */
  readonly readFile?: ReadCellFile;
  /** Where an import of a cell file points; joins paths with "/" when omitted. */
  readonly resolveImport?: ResolveImport;
  /**
   * Parameter values to bake into the module (rnnc/runtime's decodeParams of a
   * parameter file): written into a data segment at the parameters' offsets,
   * so the module runs with no other file. The file must hold exactly the
   * module's parameters, with their shapes.
   */
  readonly params?: readonly ParamRecord[];
}

/** What `checkCell` reads: the part of the options that decides the user's errors. */
export type CheckOptions = Pick<CompileOptions, "file" | "text" | "cell" | "dims" | "readFile" | "resolveImport">;

/** A cell or model that checks: what would be compiled, with the dimensions it uses. */
export interface Checked {
  readonly kind: "cell" | "model";
  readonly name: string;
  readonly dims: Readonly<Record<string, number>>;
  /** Every model and cell the file defines. */
  readonly units: readonly string[];
  /**
   * Whether each step's output and next state read only that step's input and
   * the state before it: true for a cell and for a model without
   * bidirectional layers. Only then is a sequence the same computation as its
   * steps run one call at a time, state carried (what `rnnc flow` relies on).
   */
  readonly causal: boolean;
}

export interface Compiled {
  readonly binary: Uint8Array;
  readonly abi: Abi;
  readonly wat: string;
}

export const defaultCapacity = { batch: 32, steps: 256 };

function contextOf(options: CheckOptions & Partial<CompileOptions>): PassContext {
  return {
    file: options.file, text: options.text, cell: options.cell, dims: options.dims,
    readFile: options.readFile, resolveImport: options.resolveImport,
    loss: options.loss ?? "mse", dtype: options.dtype ?? "f32", simd: options.simd ?? true,
    capacity: options.capacity ?? defaultCapacity, optimize: options.optimize ?? true, train: options.train,
    inference: options.inference ?? false, relaxedSimd: options.relaxedSimd ?? false, params: options.params,
    checkpoint: options.checkpoint ?? false,
    ...(options.quantize ? { quantize: options.quantize } : {}),
    ...(options.tiling ? { tiling: options.tiling } : {}),
  };
}

/** Compiles a cell or a model of the file to a module. */
export function compileCell(options: CompileOptions): Compiled {
  validateCompileOptions(options);
  const unknownPass = options.dump?.after.find(
    (p) => !(passNames as readonly string[]).includes(p) && !Object.hasOwn(passAliases, p),
  );
  if (unknownPass !== undefined) {
    throw new BuildError(
      `options.dump.after: no pass named ${JSON.stringify(unknownPass)}; the passes are ${passNames.join(", ")}`,
    );
  }
  return drive(pipeline, contextOf(options), contextOf(options), options);
}

/**
 * Diagnostics only, as an editor wants them while the user types: throws the
 * DiagnosticError that compileCell would throw for the same options, without
 * differentiating or lowering anything. Otherwise says what would be compiled.
 */
export function checkCell(options: CheckOptions): Checked {
  validateCheckOptions(options);
  const { kind, name, dims, units, causal } = drive(front, contextOf(options), contextOf(options), {});
  return { kind, name, dims, units, causal };
}

/** What `stepGraphs` reads: what checkCell reads, and the loss the forward step ends with. */
export type GraphOptions = CheckOptions & Pick<CompileOptions, "loss">;

const graphsAfter = {
  instantiate: (context) => instantiatedGraphs(drive(front, context, context, {})),
  differentiate: (context) => pairGraphs(drive(throughDifferentiate, context, context, {}), "differentiate"),
  simplify: (context) => pairGraphs(drive(throughSimplify, context, context, {}), "simplify"),
  tape: (context) => pairGraphs(drive(throughTape, context, context, {}), "tape"),
} satisfies Record<GraphPass, (context: PassContext) => StepGraphs>;

/**
 * The step graphs of a cell or model as one of the passes over step graphs
 * leaves them (graph/steps.ts: instantiate, differentiate, simplify, tape),
 * the IR objects themselves, for drawing (graph/dot.ts). Throws what
 * checkCell throws for the same options.
 */
export function stepGraphs(options: GraphOptions, after: GraphPass): StepGraphs {
  validateCheckOptions(options);
  return graphsAfter[after](contextOf(options));
}
