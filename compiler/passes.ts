// compiler — the passes of the pipeline, each { name, run, print, verify }.
// In: what the pass before produced (the first takes the options). Out: what
// the next one reads. pipeline.ts lists them in order and drives them; the
// verifiers (verify-passes.ts) check what each pass promises.

import { parseUnits, instantiateCell, type CellIR } from "./frontend/index.js";
import { Graph, IRError, printFn, type Fn } from "./ir/index.js";
import {
  buildStepPair, cellProgram, mapScans, modelProgram, readoutGraph, scansOf, simplifyPair, tapeScan,
  type CellGraph, type LossKind, type Program, type StepPair, type TapedScan,
} from "./time/index.js";
import { lowerProgram, type Lowered } from "./lower/module.js";
import { printSchedule } from "./lower/schedule.js";
import type { Optimizer } from "./lower/train.js";
import type { Tiling } from "./lower/kernel.js";
import type { Quantize } from "./lower/quantized.js";
import { buildModel, pickUnit, type ReadCellFile, type ResolveImport } from "./model.js";
import { nameRecord, own } from "./names.js";
import {
  printRegions,
  verifyProgram,
  verifyRegions,
  verifySchedules,
  verifyStepPairs,
  verifyTaped,
} from "./verify-passes.js";
import type { Abi } from "../runtime/abi.js";
import type { ParamRecord } from "../runtime/params.js";
import { bakeParams } from "./lower/bake.js";
import { customSections } from "./lower/sections.js";
import { WasmModule } from "./lower/wasm.js";

/** What the passes read of the options: the file, what to compile and how. */
export interface PassContext {
  readonly file: string;
  readonly text: string;
  readonly cell?: string | undefined;
  readonly dims: Readonly<Record<string, number>>;
  readonly readFile?: ReadCellFile | undefined;
  readonly resolveImport?: ResolveImport | undefined;
  readonly loss: LossKind;
  readonly dtype: "f32" | "f64";
  readonly simd: boolean;
  readonly capacity: { readonly batch: number; readonly steps: number };
  readonly optimize: boolean;
  readonly train: Optimizer | undefined;
  readonly inference: boolean;
  readonly relaxedSimd: boolean;
  /**
   * Gradient checkpointing: the tape of one segment of ⌈√steps⌉ steps,
   * recomputed during backward (off when absent).
   */
  readonly checkpoint?: boolean | undefined;
  /** Weights stored and multiplied in 8 bits (an inference build), or absent. */
  readonly quantize?: Quantize | undefined;
  /** Tile shapes of the products, over the default's (absent: the default). */
  readonly tiling?: Partial<Tiling> | undefined;
  /** Parameter values to bake into the module, if any. */
  readonly params?: readonly ParamRecord[] | undefined;
}

export interface Pass<In, Out> {
  readonly name: string;
  /** One line for the list in pipeline.ts and `--dump-after`'s help. */
  readonly doc: string;
  run(input: In, context: PassContext): Out;
  print(output: Out): string;
  /** Throws an IRError naming the pass when its output breaks what the pass promises. */
  verify(output: Out): void;
}

type Parsed = ReturnType<typeof parseUnits>;

/** A program over step graphs, with what the module's ABI says of it. */
export interface Instantiated {
  readonly kind: "cell" | "model";
  readonly name: string;
  readonly dims: Record<string, number>;
  readonly program: Program<CellGraph>;
  /** Every model and cell the file defines, models first. */
  readonly units: readonly string[];
  /** Whether every step reads only the past (no bidirectional layer): the output can stream. */
  readonly causal: boolean;
}

export type Staged<S> = Omit<Instantiated, "program"> & { readonly program: Program<S> };

const stepFn = (cell: CellGraph): Fn => ({ graph: cell.graph, outputs: [...cell.next, ...(cell.outputs ?? [])] });
const printPair = (pair: StepPair, title: string) =>
  `${printFn(pair.forward, `${title}forward step`)}\n${printFn(pair.backward, `${title}backward step`)}`;
const eachScan = <S>(staged: Staged<S>, print: (scan: S, title: string) => string) =>
  scansOf(staged.program)
    .map((stage) => print(stage.scan, stage.prefix === "" ? `${staged.name} ` : stage.prefix))
    .join("\n");

function cellGraph(cell: CellIR, graph: Graph): CellGraph {
  return {
    graph, inputs: cell.inputs, states: cell.states, params: cell.params, next: cell.next, declaredInits: cell.inits,
    ...(cell.outputs.length > 0 ? { outputs: cell.outputs } : {}),
  };
}

export const parse: Pass<PassContext, Parsed> = {
  name: "parse",
  doc: "file → checked cells and models (ts-morph, never executed)",
  run: (context) => parseUnits(context.file, context.text),
  print: (units) =>
    [...units.cells.map((c) => `cell ${c.name}`), ...units.models.map((m) => `model ${m.name}`)].join("\n"),
  verify: () => {},
};

export const instantiate: Pass<Parsed, Instantiated> = {
  name: "instantiate",
  doc: "the chosen cell or model with its dimensions bound → a program of step graphs (a lone cell is one scan)",
  run(units, context) {
    const unit = pickUnit(units, context.cell, context.file);
    const names = [...units.models, ...units.cells].map((u) => u.name);
    if (unit.kind === "cell") {
      const graph = new Graph();
      const cell = instantiateCell(unit.cell, nameRecord(Object.entries(context.dims)), graph);
      const dims = nameRecord<number>();
      for (const { dim } of unit.cell.dimSites)
        if (own(context.dims, dim) !== undefined) dims[dim] = own(context.dims, dim)!;
      return {
        kind: "cell",
        name: unit.cell.name,
        dims,
        program: cellProgram(cellGraph(cell, graph), context.loss),
        units: names,
        causal: true,
      };
    }
    const model = buildModel(
      unit.model,
      context.dims,
      context.file,
      context.readFile,
      units.cells,
      context.resolveImport,
    );
    const layers = model.layers.map((layer) => ({
      forward: cellGraph(layer.forward.cell, layer.forward.graph),
      ...(layer.reverse ? { reverse: cellGraph(layer.reverse.cell, layer.reverse.graph) } : {}),
      merge: layer.merge,
    }));
    const program = modelProgram(model.inputs, layers, readoutGraph(model.outputSize, model.readout), context.loss);
    return {
      kind: "model",
      name: unit.model.name,
      dims: model.dims,
      program,
      units: names,
      causal: layers.every((l) => l.reverse === undefined),
    };
  },
  print: (staged) => eachScan(staged, (cell, title) => printFn(stepFn(cell), `${title}cell`)),
  verify: (staged) => verifyProgram(staged.program, (cell) => stepFn(cell), "instantiate"),
};

export const differentiate: Pass<Instantiated, Staged<StepPair>> = {
  name: "differentiate",
  doc: "each step as a scan: the masked forward step and its reverse-mode adjoint",
  run: (staged) => ({ ...staged, program: mapScans(staged.program, (cell, stage) => buildStepPair(cell, stage.loss)) }),
  print: (staged) => eachScan(staged, printPair),
  verify: (staged) => verifyStepPairs(staged.program, "differentiate"),
};

export const simplify: Pass<Staged<StepPair>, Staged<StepPair>> = {
  name: "simplify",
  doc: "constant folding, algebraic identities, dead code, CSE",
  run: (staged) => ({ ...staged, program: mapScans(staged.program, simplifyPair) }),
  print: (staged) => eachScan(staged, printPair),
  verify: (staged) => verifyStepPairs(staged.program, "simplify"),
};

export const tape: Pass<Staged<StepPair>, Staged<TapedScan>> = {
  name: "tape",
  doc: "which forward values the backward step reads, and from where",
  run: (staged) => ({ ...staged, program: mapScans(staged.program, tapeScan) }),
  print: (staged) =>
    eachScan(staged, (scan, title) => {
      const entries = scan.tape.map((e) => `${e.name} [${e.shape.join(", ")}]${e.batched ? " per-batch" : ""}`);
      return `${printPair(scan, title)}\n${title}tape: ${entries.join(", ")}`;
    }),
  verify: (staged) => verifyTaped(staged.program, "tape"),
};

export const schedule: Pass<Staged<TapedScan>, Lowered & { readonly staged: Staged<TapedScan> }> = {
  name: "schedule",
  doc: "kernels: fused elementwise loops, matrix kernels, reductions, in phases before, in and after the time loop",
  run: (staged, context) => ({
    staged,
    ...lowerProgram(staged.program, {
      dtype: context.dtype, simd: context.simd, capacity: context.capacity, optimize: context.optimize,
      dims: staged.dims,
      name: staged.name, train: context.train, inference: context.inference, relaxedSimd: context.relaxedSimd,
      checkpoint: context.checkpoint, ...(context.quantize ? { quantize: context.quantize } : {}),
      ...(context.tiling ? { tiling: context.tiling } : {}),
    }),
  }),
  print: (lowered) =>
    lowered.schedules
      .map((s) => [
        printSchedule(s.forward, `${s.prefix}forward`),
        ...(s.backward ? [printSchedule(s.backward, `${s.prefix}backward`)] : []),
        ...(s.checkpoint
          ? [printSchedule(s.checkpoint.recompute, `${s.prefix}recompute (each checkpoint segment)`)]
          : []),
      ].join("\n"))
      .join("\n"),
  verify: (lowered) => verifySchedules(lowered.schedules, "schedule"),
};

/** The memory plan is made with the schedule (scratch buffers come from it); this pass states and checks it. */
export const memory: Pass<
  Lowered & { readonly staged: Staged<TapedScan> },
  Lowered & { readonly staged: Staged<TapedScan> }
> = {
  name: "memory",
  doc: "the memory plan: every region's offset at any capacity (the ABI)",
  run: (lowered) => lowered,
  print: (lowered) => printRegions(lowered.abi),
  verify: (lowered) => verifyRegions(lowered.abi, "memory"),
};

export interface Emitted {
  readonly binary: Uint8Array;
  readonly abi: Abi;
  /** The module's text form, printed from its bytes when first read. */
  readonly wat: string;
}

function emitted({ binary, named }: { binary: Uint8Array; named: Uint8Array }, abi: Abi): Emitted {
  let wat: string | undefined;
  return {
    binary,
    abi,
    get wat() {
      return (wat ??= WasmModule.text(named, abi.simd, abi.relaxedSimd === true));
    },
  };
}

export const emit: Pass<Lowered, Emitted> = {
  name: "emit",
  doc: "Binaryen emission, validation and optimisation",
  run(lowered) {
    return emitted(lowered.emit(), lowered.abi);
  },
  print: (emitted) => emitted.wat,
  // Binaryen validates the module as it emits it; what is left to promise is the ABI the module describes.
  verify: (emitted) => {
    const needed = ["forward", "layout", ...(emitted.abi.tensors.some((t) => t.role === "grad") ? ["backward"] : [])];
    const missing = needed.filter((fn) => !(fn in emitted.abi.functions));
    if (missing.length > 0) throw new IRError(`emit: the ABI lists no ${missing.join(", ")}`);
  },
};

export const bake: Pass<Emitted, Emitted> = {
  name: "bake",
  doc: "with --params: each parameter's values in an active data segment at its offset",
  run(module, context) {
    if (context.params === undefined) return module;
    const baked = bakeParams(module.binary, module.abi, context.params);
    return emitted(baked, baked.abi);
  },
  print: (emitted) => emitted.wat,
  // The module must describe itself as it now is: one rnnc section, which is
  // this ABI, with all parameters baked or none.
  verify: (emitted) => {
    const sections = customSections(emitted.binary, "rnnc");
    if (sections.length !== 1 || new TextDecoder().decode(sections[0]) !== JSON.stringify(emitted.abi)) {
      throw new IRError("bake: the module's rnnc section is not the ABI it returns");
    }
    const params = emitted.abi.tensors.filter((t) => t.role === "param");
    const baked = params.filter((t) => t.baked).length;
    if (baked !== 0 && baked !== params.length)
      throw new IRError(`bake: ${baked} of ${params.length} parameters are marked baked`);
  },
};
