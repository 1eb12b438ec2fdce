// compiler/lower — the one thin wrapper around Binaryen. In: expressions built
// through `mod.raw` (binaryen.js methods already read like wasm instructions:
// f32x4.add, local.get); out: validated, optimised, deterministic bytes.
// Structured helpers (counted loops, function locals) live here so emission
// code reads as loops over tensors, not as Binaryen plumbing.

import type Binaryen from "binaryen";
import binaryen from "./binaryen.js";
import { withoutCustomSection } from "./sections.js";

export { binaryen };
export type Expr = Binaryen.ExpressionRef;
export type WasmType = Binaryen.Type;

/** A compiler bug found by Binaryen's validator. */
export class WasmValidationError extends Error {}

/** Locals of one function under construction. */
export class FunctionBuilder {
  private readonly vars: WasmType[] = [];
  /** Global name → the local it is read into when the function starts. */
  private readonly onEntry = new Map<string, { local: number; type: WasmType }>();
  constructor(readonly mod: WasmModule, readonly params: readonly WasmType[]) {}

  /** A fresh local of `type`; its index. */
  local(type: WasmType): number {
    this.vars.push(type);
    return this.params.length + this.vars.length - 1;
  }

  /** A local holding global `name` as it was when the function was entered (one read per call). */
  globalOnEntry(name: string, type: WasmType): number {
    let entry = this.onEntry.get(name);
    if (!entry) {
      entry = { local: this.local(type), type };
      this.onEntry.set(name, entry);
    }
    return entry.local;
  }

  get(index: number, type: WasmType): Expr {
    return this.mod.raw.local.get(index, type);
  }

  set(index: number, value: Expr): Expr {
    return this.mod.raw.local.set(index, value);
  }

  /** for (i = start; i < end; i += stepBy) body — skipped entirely when start >= end. */
  forLoop(i: number, start: Expr, end: Expr, stepBy: number, body: Expr[]): Expr {
    const m = this.mod.raw;
    const label = this.mod.label("loop");
    const i32 = binaryen.i32;
    return m.block(null, [
      this.set(i, start),
      m.if(
        m.i32.lt_s(this.get(i, i32), end),
        m.loop(label, m.block(null, [
          ...body,
          this.set(i, m.i32.add(this.get(i, i32), m.i32.const(stepBy))),
          m.br(
            label,
            m.i32.lt_s(this.get(i, i32), m.copyExpression(end)), // a tree, not a DAG: passes rewrite nodes in place
          ),
        ])),
      ),
    ]);
  }

  /** for (i = start - 1; i >= until; i--) body, counting down (until: 0 unless given). */
  forLoopDown(i: number, start: Expr, body: Expr[], until: () => Expr = () => this.mod.raw.i32.const(0)): Expr {
    const m = this.mod.raw;
    const label = this.mod.label("loopdown");
    const i32 = binaryen.i32;
    return m.block(null, [
      this.set(i, m.i32.sub(start, m.i32.const(1))),
      m.if(
        m.i32.ge_s(this.get(i, i32), until()),
        m.loop(label, m.block(null, [
          ...body,
          this.set(i, m.i32.sub(this.get(i, i32), m.i32.const(1))),
          m.br(label, m.i32.ge_s(this.get(i, i32), until())),
        ])),
      ),
    ]);
  }

  finish(name: string, result: WasmType, body: Expr[], exportAs?: string): void {
    const m = this.mod.raw;
    const reads = [...this.onEntry].map(([global, { local, type }]) => this.set(local, m.global.get(global, type)));
    const block = m.block(null, [...reads, ...body], result === binaryen.none ? binaryen.none : result);
    m.addFunction(name, binaryen.createType([...this.params]), result, this.vars, block);
    if (exportAs) m.addFunctionExport(name, exportAs);
  }
}

/**
 * Binaryen's passes an optimised module runs, in order, instead of its whole -O3 pipeline. V8
 * compiles the module again anyway (register allocation, constant folding, value numbering), so
 * what pays is what it does not do: inlining the math functions into the loops that call them
 * (a call spills every live v128), then the local clean-ups that shrink the module. Measured
 * interleaved on an AMD EPYC core, the LSTM's and GRU's forward and training steps ran within
 * noise (±4%) of -O3's, the modules came out 4-10% smaller, and the optimiser took about a
 * third of -O3's CPU time (npm run bench's footprint times the cold CLI).
 */
const optimizationPasses = [
  "inlining",
  "optimize-instructions",
  "simplify-locals-nostructure",
  "vacuum",
  "local-cse",
  "coalesce-locals",
  "remove-unused-module-elements",
];

/** Functions whose names start with this are never inlined by the optimiser. */
export const noInlinePrefix = "outlined_";

export class WasmModule {
  readonly raw: Binaryen.Module;
  private labels = 0;

  /**
   * `relaxed`: relaxed SIMD (fused multiply-add in the product kernel), which Node 20 runs only with
   * --experimental-wasm-relaxed-simd. `binary`: a module rnnc emitted, read back for a later step.
   */
  constructor(simd: boolean, readonly relaxed = false, binary?: Uint8Array) {
    this.raw = binary ? binaryen.readBinary(binary) : new binaryen.Module();
    let features = binaryen.Features.MVP
      | binaryen.Features.NontrappingFPToInt
      | binaryen.Features.SignExt
      | binaryen.Features.BulkMemory
      | binaryen.Features.BulkMemoryOpt
      | binaryen.Features.MutableGlobals;
    if (simd) features |= binaryen.Features.SIMD128;
    if (simd && relaxed) features |= binaryen.Features.RelaxedSIMD;
    this.raw.setFeatures(features);
  }

  /** f32x4.relaxed_madd or f64x2.relaxed_madd: a·b + c, fused or not as the engine decides. */
  relaxedMadd(kind: "f32x4" | "f64x2", a: Expr, b: Expr, c: Expr): Expr {
    const op = kind === "f32x4" ? binaryen.RelaxedMaddVecF32x4 : binaryen.RelaxedMaddVecF64x2;
    // binaryen.js has no wrapper for SIMDTernary ops; this is its C API, as the wrappers call it.
    const api = binaryen as unknown as {
      _BinaryenSIMDTernary(module: number, op: number, a: Expr, b: Expr, c: Expr): Expr
    };
    return api._BinaryenSIMDTernary((this.raw as unknown as { ptr: number }).ptr, op as unknown as number, a, b, c);
  }

  label(prefix: string): string {
    return `${prefix}${this.labels++}`;
  }

  function(params: readonly WasmType[]): FunctionBuilder {
    return new FunctionBuilder(this, params);
  }

  hasFunction(name: string): boolean {
    return this.raw.getFunction(name) !== 0;
  }

  /** Exported memory of `bytes` rounded up to whole pages, growable to wasm32's 4 GiB. */
  setMemory(bytes: number): void {
    const pages = Math.max(1, Math.ceil(bytes / 65536));
    this.raw.setMemory(pages, 65536, "memory");
  }

  /** A module rnnc emitted, with the features it was built with (they are not in its bytes). */
  static read(binary: Uint8Array, simd: boolean, relaxed: boolean): WasmModule {
    return new WasmModule(simd, relaxed, binary);
  }

  /** Sets the memory's active data segments, keeping its size and export. */
  setDataSegments(segments: readonly { offset: number; data: Uint8Array }[]): void {
    const m = this.raw;
    const info = m.getMemoryInfo();
    let internal: string | undefined;
    for (let i = 0; i < m.getNumExports(); i++) {
      const e = binaryen.getExportInfo(m.getExportByIndex(i));
      if (e.kind === binaryen.ExternalMemory) internal = e.value;
    }
    if (internal === undefined) throw new WasmValidationError("the module exports no memory: this is an rnnc bug");
    // The memory keeps its internal name, so its export still points at it.
    const data = segments.map((s) => ({ offset: m.i32.const(s.offset), data: s.data, passive: false }));
    m.setMemory(info.initial, info.max ?? info.initial, null, data, info.shared, info.is64, internal);
  }

  customSection(name: string, contents: Uint8Array): void {
    this.raw.addCustomSection(name, contents);
  }

  /** The text form of bytes `emit` returned as `named`. */
  static text(named: Uint8Array, simd: boolean, relaxed: boolean): string {
    const mod = WasmModule.read(named, simd, relaxed);
    try {
      return mod.raw.emitText();
    } finally {
      mod.dispose();
    }
  }

  /**
   * Validate, optionally optimise, and emit. Throws on an invalid module (a compiler bug).
   * `binary` is the module; `named` is the same with its function names (a "name" section),
   * from which `text` prints the text form only when something asks for it: printing the
   * text of an unoptimised LSTM costs more than emitting it.
   */
  emit(options: { optimize: boolean }): { binary: Uint8Array; named: Uint8Array } {
    if (!this.raw.validate())
      throw new WasmValidationError("Binaryen rejected the generated module (see stderr): this is an rnnc bug");
    if (options.optimize) {
      binaryen.setOptimizeLevel(3);
      binaryen.setShrinkLevel(0);
      // Inline functions up to the size of the f32 tanh and sigmoid (math/lean.ts) into the
      // loops that call them: a call keeps V8 from overlapping iterations and spills every
      // live v128 (all are caller-saved). Binaryen's default is 20. Process-global, so set here.
      binaryen.setFlexibleInlineMaxSize(200);
      // Functions outlined on purpose stay functions (see module.ts: scanFunction).
      binaryen.setPassArgument("no-inline", `${noInlinePrefix}*`);
      this.raw.runPasses(["no-inline"]);
      binaryen.clearPassArguments();
      this.raw.runPasses(optimizationPasses);
      if (!this.raw.validate()) throw new WasmValidationError("the optimised module is invalid: this is an rnnc bug");
    }
    binaryen.setDebugInfo(true);
    try {
      const named = this.raw.emitBinary();
      return { binary: withoutCustomSection(named, "name"), named };
    } finally {
      binaryen.setDebugInfo(false);
    }
  }

  dispose(): void {
    this.raw.dispose();
  }
}
