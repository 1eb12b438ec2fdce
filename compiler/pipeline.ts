// compiler — the pipeline, top to bottom, each pass named as `--dump-after`
// accepts it. In: a cell file's text and build options. Out: a validated
// standalone wasm module, its ABI, and optionally the text of any pass.
//
//   parse       cell file → checked cells (ts-morph, never executed)
//   cell        one cell with its dimensions bound → step graph (IR)
//   ad          the step as a scan: masked forward step and its reverse-mode adjoint
//   simplify    constant folding, algebraic identities, dead code, CSE
//   tape        which forward values the backward step reads, and from where
//   schedule    kernels: fused elementwise loops, matrix kernels, reductions
//   wasm        Binaryen emission, validation and optimisation

import { parseCells, selectCell, instantiateCell } from "./frontend/index.js";
import { Graph, printFn, verify, type Fn } from "./ir/index.js";
import { buildStepPair, cellProgram, simplifyPair, tapeScan, type LossKind, type StepPair } from "./time/index.js";
import { lowerProgram, type Lowered } from "./lower/module.js";
import { printSchedule } from "./lower/schedule.js";
import type { Abi } from "../runtime/abi.js";

export const passNames = ["parse", "cell", "ad", "simplify", "tape", "schedule", "wasm"] as const;
export type PassName = (typeof passNames)[number];

export interface CompileOptions {
  readonly file: string;
  readonly text: string;
  readonly cell?: string | undefined;
  readonly dims: Readonly<Record<string, number>>;
  readonly dtype?: "f32" | "f64";
  readonly simd?: boolean;
  readonly capacity?: { readonly batch: number; readonly steps: number };
  readonly loss?: LossKind;
  readonly optimize?: boolean;
  /** Verify the IR after every pass (tests turn this on). */
  readonly verifyEach?: boolean;
  /** Called with the text of each pass named in `dumpAfter`. */
  readonly dump?: { readonly after: readonly PassName[]; readonly write: (pass: PassName, text: string) => void };
}

export interface Compiled {
  readonly binary: Uint8Array;
  readonly abi: Abi;
  readonly wat: string;
}

export const defaultCapacity = { batch: 32, steps: 256 };

function printPair(pair: StepPair): string {
  return `${printFn(pair.forward, "forward step")}\n${printFn(pair.backward, "backward step")}`;
}

export function compileCell(options: CompileOptions): Compiled {
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

  const cells = parseCells(options.file, options.text);
  dump("parse", () => cells.map((c) => `cell ${c.name}`).join("\n"));

  const syntax = selectCell(cells, options.cell);
  const graph = new Graph();
  const cell = instantiateCell(syntax, { ...options.dims }, graph);
  const stepFn: Fn = { graph, outputs: [...cell.next, ...cell.outputs.map((o) => ({ name: `output:${o.name}`, node: o.node }))] };
  check(stepFn, "cell");
  dump("cell", () => printFn(stepFn, `cell ${cell.name}`));

  const outputs = cell.outputs.length > 0 ? { outputs: cell.outputs } : {};
  const pair = buildStepPair({ graph, inputs: cell.inputs, states: cell.states, params: cell.params, next: cell.next, ...outputs }, options.loss ?? "mse");
  checkPair(pair, "ad");
  dump("ad", () => printPair(pair));

  const simple = simplifyPair(pair);
  checkPair(simple, "simplify");
  dump("simplify", () => printPair(simple));

  const taped = tapeScan(simple);
  checkPair(taped, "tape");
  dump("tape", () => `${printPair(taped)}\ntape: ${taped.tape.map((e) => `${e.name} [${e.shape.join(", ")}]${e.batched ? " per-batch" : ""}`).join(", ")}`);

  const dtype = options.dtype ?? "f32";
  const lowered: Lowered = lowerProgram(cellProgram(taped), {
    dtype,
    simd: options.simd ?? true,
    capacity: options.capacity ?? defaultCapacity,
    optimize: options.optimize ?? true,
    dims: usedDims(syntax, options.dims),
    name: cell.name,
  });
  dump("schedule", () => lowered.schedules.map((s) => `${printSchedule(s.forward, `${s.prefix}forward`)}\n${printSchedule(s.backward, `${s.prefix}backward`)}`).join("\n"));

  const { binary, text } = lowered.emit();
  dump("wasm", () => text);
  return { binary, abi: lowered.abi, wat: text };
}

function usedDims(syntax: { inputs: { shape: (string | number)[] }[]; states: { shape: (string | number)[] }[]; params: { shape: (string | number)[] }[] }, dims: Readonly<Record<string, number>>): Record<string, number> {
  const used: Record<string, number> = {};
  for (const decl of [...syntax.inputs, ...syntax.states, ...syntax.params]) {
    for (const d of decl.shape) if (typeof d === "string" && dims[d] !== undefined) used[d] = dims[d];
  }
  return used;
}
