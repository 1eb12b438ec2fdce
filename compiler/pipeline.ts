// compiler — the pipeline, top to bottom, each pass named as `--dump-after`
// accepts it. In: a cell or model file's text and build options. Out: a
// validated standalone wasm module, its ABI, and optionally the text of any
// pass.
//
//   parse       file → checked cells and models (ts-morph, never executed)
//   cell        each cell with its dimensions bound → step graph (IR)
//   ad          each step as a scan: masked forward step and its reverse-mode adjoint
//   simplify    constant folding, algebraic identities, dead code, CSE
//   tape        which forward values the backward step reads, and from where
//   schedule    kernels: fused elementwise loops, matrix kernels, reductions
//   wasm        Binaryen emission, validation and optimisation
//
// checkCell runs parse and cell alone, the passes that report user errors:
// the diagnostics an editor shows while the user types.

import { parseUnits, instantiateCell, type CellIR, type CellSyntax, type ModelSyntax } from "./frontend/index.js";
import { Graph, printFn, verify, type Fn } from "./ir/index.js";
import {
  buildStepPair, cellProgram, modelProgram, readoutGraph, simplifyPair, tapeScan,
  type CellGraph, type LossKind, type Program, type StepPair, type TapedScan,
} from "./time/index.js";
import { lowerProgram } from "./lower/module.js";
import type { Optimizer } from "./lower/train.js";
import { printSchedule } from "./lower/schedule.js";
import { buildModel, pickUnit, type BuiltModel, type ReadCellFile, type ResolveImport } from "./model.js";
import type { Abi } from "../runtime/abi.js";
import { nameRecord, own } from "./names.js";
import { validateCheckOptions, validateCompileOptions } from "./options.js";
import { BuildError } from "./errors.js";

export const passNames = ["parse", "cell", "ad", "simplify", "tape", "schedule", "wasm"] as const;
export type PassName = (typeof passNames)[number];

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
  /** Verify the IR after every pass (tests turn this on). */
  readonly verifyEach?: boolean;
  /** Called with the text of each pass named in `after`. */
  readonly dump?: { readonly after: readonly PassName[]; readonly write: (pass: PassName, text: string) => void };
  /** Adds train_step with this optimizer. */
  readonly train?: Optimizer | undefined;
  /** Forward only: no backward, no tape, no gradient tensors (a module for serving). */
  readonly inference?: boolean;
  /** Relaxed SIMD (fused multiply-add in matrix products); needs an engine that has it. */
  readonly relaxedSimd?: boolean;
  /** Reads a cell file a model imports; models that import cells need it. */
  readonly readFile?: ReadCellFile;
  /** Where an import of a cell file points; joins paths with "/" when omitted. */
  readonly resolveImport?: ResolveImport;
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

function printPair(pair: StepPair, title: string): string {
  return `${printFn(pair.forward, `${title}forward step`)}\n${printFn(pair.backward, `${title}backward step`)}`;
}

function cellGraph(cell: CellIR, graph: Graph): CellGraph {
  return {
    graph, inputs: cell.inputs, states: cell.states, params: cell.params, next: cell.next, declaredInits: cell.inits,
    ...(cell.outputs.length > 0 ? { outputs: cell.outputs } : {}),
  };
}

/** Compiles a cell or a model of the file to a module. */
export function compileCell(options: CompileOptions): Compiled {
  validateCompileOptions(options);
  const unknownPass = options.dump?.after.find((p) => !passNames.includes(p));
  if (unknownPass !== undefined) throw new BuildError(`options.dump.after: no pass named ${JSON.stringify(unknownPass)}; the passes are ${passNames.join(", ")}`);
  const dump = (pass: PassName, text: () => string) => {
    if (options.dump?.after.includes(pass)) options.dump.write(pass, text());
  };
  const check = (fn: Fn, pass: string) => {
    if (options.verifyEach) verify(fn, pass);
  };
  const checkPair = (pair: StepPair, pass: string) => {
    check(pair.forward, `${pass} (forward)`);
    check(pair.backward, `${pass} (backward)`);
  };
  /** ad → simplify → tape for one step graph. */
  const scanOf = (cell: CellGraph, loss: LossKind, title: string): TapedScan => {
    check({ graph: cell.graph, outputs: [...cell.next, ...(cell.outputs ?? []).map((o) => ({ name: `output:${o.name}`, node: o.node }))] }, `${title}cell`);
    dump("cell", () => printFn({ graph: cell.graph, outputs: [...cell.next, ...(cell.outputs ?? [])] }, `${title}cell`));
    const pair = buildStepPair(cell, loss);
    checkPair(pair, `${title}ad`);
    dump("ad", () => printPair(pair, title));
    const simple = simplifyPair(pair);
    checkPair(simple, `${title}simplify`);
    dump("simplify", () => printPair(simple, title));
    const taped = tapeScan(simple);
    checkPair(taped, `${title}tape`);
    dump("tape", () => `${printPair(taped, title)}\n${title}tape: ${taped.tape.map((e) => `${e.name} [${e.shape.join(", ")}]${e.batched ? " per-batch" : ""}`).join(", ")}`);
    return taped;
  };

  const listUnits = (units: Parsed) => [
    ...units.cells.map((c) => `cell ${c.name}`),
    ...units.models.map((m) => `model ${m.name}`),
  ];
  const bound = bindUnit(options, (units) => dump("parse", () => listUnits(units).join("\n")));
  const loss = options.loss ?? "mse";

  let program: Program;
  if (bound.kind === "cell") {
    const { cell, graph } = bound;
    program = cellProgram(scanOf(cellGraph(cell, graph), loss, options.dump ? `${cell.name} ` : ""));
  } else {
    const { model } = bound;
    const layers = model.layers.map((layer) => ({
      forward: cellGraph(layer.forward.cell, layer.forward.graph),
      ...(layer.reverse ? { reverse: cellGraph(layer.reverse.cell, layer.reverse.graph) } : {}),
      merge: layer.merge,
    }));
    const last = model.outputSize;
    program = modelProgram(model.inputs, layers, readoutGraph(last, model.readout), loss, scanOf);
  }

  const lowered = lowerProgram(program, {
    dtype: options.dtype ?? "f32",
    simd: options.simd ?? true,
    capacity: options.capacity ?? defaultCapacity,
    optimize: options.optimize ?? true,
    dims: bound.dims,
    name: bound.name,
    train: options.train,
    inference: options.inference ?? false,
    relaxedSimd: options.relaxedSimd ?? false,
  });
  dump("schedule", () => lowered.schedules.map((s) => [printSchedule(s.forward, `${s.prefix}forward`), ...(s.backward ? [printSchedule(s.backward, `${s.prefix}backward`)] : [])].join("\n")).join("\n"));

  const { binary, text } = lowered.emit();
  dump("wasm", () => text);
  return { binary, abi: lowered.abi, wat: text };
}

type Parsed = ReturnType<typeof parseUnits>;
type Bound = { readonly name: string; readonly dims: Record<string, number>; readonly units: Parsed } & (
  | { readonly kind: "cell"; readonly cell: CellIR; readonly graph: Graph }
  | { readonly kind: "model"; readonly model: BuiltModel }
);

/** The front of the pipeline, up to the last pass that reports user errors: parse, pick, bind dimensions. */
function bindUnit(options: CheckOptions, parsed: (units: Parsed) => void = () => {}): Bound {
  const units = parseUnits(options.file, options.text);
  parsed(units);
  const unit = pickUnit(units, options.cell, options.file);
  if (unit.kind === "cell") {
    const graph = new Graph();
    const cell = instantiateCell(unit.cell, nameRecord(Object.entries(options.dims)), graph);
    return { kind: "cell", name: unit.cell.name, cell, graph, dims: usedDims(unit.cell, options.dims), units };
  }
  const { dims, file, readFile, resolveImport } = options;
  const model = buildModel(unit.model, dims, file, readFile, units.cells, resolveImport);
  return { kind: "model", name: unit.model.name, model, dims: model.dims, units };
}

/**
 * Diagnostics only, as an editor wants them while the user types: throws the
 * DiagnosticError that compileCell would throw for the same options, without
 * differentiating or lowering anything. Otherwise says what would be compiled.
 */
export function checkCell(options: CheckOptions): Checked {
  validateCheckOptions(options);
  const bound = bindUnit(options);
  const { kind, name, dims, units } = bound;
  const causal = bound.kind === "cell" || bound.model.layers.every((layer) => layer.reverse === undefined);
  return { kind, name, dims, units: [...units.models, ...units.cells].map((u) => u.name), causal };
}

function usedDims(syntax: CellSyntax | ModelSyntax, dims: Readonly<Record<string, number>>): Record<string, number> {
  const used = nameRecord<number>();
  for (const { dim } of syntax.dimSites) if (own(dims, dim) !== undefined) used[dim] = own(dims, dim)!;
  return used;
}

