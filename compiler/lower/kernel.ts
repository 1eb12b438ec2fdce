// compiler/lower — the kernel kinds, as a table. In: nothing (types and facts).
// Out: the `Kernel` union the schedule produces and the emitter consumes, the
// `Schedule` of one step, and one row per kernel kind saying what every pass
// must know of it: the values it reads (each with what may be fused above it),
// the buffers it reads besides them, whether it sums the batch into its
// destination, and how `--dump-after schedule` prints it. How each kind is
// emitted is the matching row of kernels.ts; which op becomes which kernel is
// op-kernels.ts. Adding a kernel is one row here and one there.

import type { Node } from "../ir/index.js";
import type { Buffer } from "./buffers.js";

/** Where an output of the step goes. */
export type Sink =
  | { readonly kind: "store"; readonly buffer: Buffer }
  | { readonly kind: "accumulate"; readonly buffer: Buffer }
  /** Stored after every other kernel of the step: the buffer is also read this step (a state). */
  | { readonly kind: "deferred"; readonly buffer: Buffer }
  /** Summed over the batch into the function's loss. */
  | { readonly kind: "loss" };

/**
 * How products are cut into loops (gemm.ts, products.ts, pack.ts): the
 * schedule's choice, carried by each product and pack kernel and printed with
 * it. A matrix's packed panels follow the strips of the products that read it.
 */
export interface Tiling {
  /** Rows of the result per register tile of a product (the rest one by one). */
  readonly tileRows: number;
  /** Vectors of columns per strip (then single vectors, then single elements): also the panel layout. */
  readonly stripVectors: number;
  /** Steps of a contraction over the batch (Σ_b a_b ⊗ c_b) packed at a time. */
  readonly batchBlock: number;
  /** Rows per block of y = W·x entry by entry, each load of x feeding that many dot products. */
  readonly dotRows: number;
}

/**
 * The tiling a schedule uses unless the build asks for another (the `tiling` option, `rnnc compile --tiles`):
 * the tile shapes measured fastest on every core `npm run bench:tiles` has run on (bench/README.md, Tiles).
 */
export const defaultTiling: Tiling = { tileRows: 2, stripVectors: 4, batchBlock: 64, dotRows: 4 };

/**
 * The largest value of each tiling field a build accepts. Every tiling computes the same numbers (each
 * output's sum runs over the contraction in the same order); these bound the code a tile unrolls.
 */
export const tilingLimits: Readonly<Record<keyof Tiling, number>> = {
  tileRows: 8, stripVectors: 8, batchBlock: 4096, dotRows: 16,
};

const printTiles = (t: Tiling) => ` tiles ${t.tileRows}x${t.stripVectors}v`;

/** Where a kernel writes: its destination, added to or overwritten. */
export interface Target {
  readonly dest: Buffer;
  readonly accumulate: boolean;
}

export type Kernel =
  /** dest = expression rooted at `root`, fused down to located values and constants. */
  | ({ readonly kind: "elementwise"; readonly root: Node } & Target)
  | ({ readonly kind: "copy"; readonly src: Node } & Target)
  /** dest = the parts' rows one after another, each part's fused expression written into its own rows. */
  | ({ readonly kind: "concat"; readonly parts: readonly Node[] } & Target)
  /** dest[b] = sum over elements of the fused expression `root`. */
  | ({ readonly kind: "sum"; readonly root: Node } & Target)
  /** dest[b] = log Σ exp over elements of the fused expression `root`. */
  | ({ readonly kind: "logsumexp"; readonly root: Node } & Target)
  /** dest[b] = the largest element of the fused expression `root`. */
  | ({ readonly kind: "maxof"; readonly root: Node } & Target)
  /** dest = sum over the batch of the fused expression `root`. */
  | ({ readonly kind: "batchsum"; readonly root: Node } & Target)
  /** y = W·x, or Wᵀ·x if `transposed`; with `panels`, W (or Wᵀ) is read from that packed copy (pack.ts). */
  | ({
      readonly kind: "matvec";
      readonly w: Node;
      readonly transposed: boolean;
      readonly x: Node;
      readonly panels?: Buffer;
      readonly tiling: Tiling;
    } & Target)
  /**
   * dest = each batch entry of x quantised to i16 with a scale of its own, for the int8 products that
   * read x (quantized.ts: one row per entry, the levels zero-padded to whole groups of 8, then the scale).
   */
  | ({ readonly kind: "quantize"; readonly x: Node } & Target)
  /**
   * y = W·x with W a parameter stored in int8, `scales` its rows' f32 scales, and x read from `staged`,
   * where a quantize kernel put it (quantized.ts).
   */
  | ({
      readonly kind: "qmatvec";
      readonly w: Node;
      readonly x: Node;
      readonly staged: Buffer;
      readonly scales: Buffer;
    } & Target)
  /** dest = A·B of two matrices, for each batch entry (either may be per batch entry or shared). */
  | ({ readonly kind: "matmul"; readonly a: Node; readonly b: Node; readonly tiling: Tiling } & Target)
  /** dest = W, or Wᵀ if `transpose`, packed in column panels for the product kernel. */
  | {
      readonly kind: "pack";
      readonly x: Node;
      readonly transpose: boolean;
      readonly tiling: Tiling;
      readonly dest: Buffer;
      readonly accumulate: false;
    }
  /** With `packing`, the scratch the summed product packs its blocks into (gemm.ts: Product.packed). */
  | ({
      readonly kind: "outer";
      readonly a: Node;
      readonly b: Node;
      readonly batchsum: boolean;
      readonly packing?: Buffer;
      readonly tiling: Tiling;
    } & Target)
  | ({ readonly kind: "transpose"; readonly x: Node } & Target)
  /** dest (+)= Σ_k table[ids[k]], rows outside the table skipped. */
  | ({ readonly kind: "gathersum"; readonly table: Node; readonly ids: Node } & Target)
  /** dest[ids[b, k]] (+)= g[b] for every batch entry: the embedding gradient, touching only the rows used. */
  | ({ readonly kind: "scatteradd"; readonly g: Node; readonly ids: Node } & Target)
  | { readonly kind: "loss"; readonly src: Node };

export type KernelKind = Kernel["kind"];

/**
 * Columns of a vector quantised for the int8 products (quantized.ts): the columns of W rounded up to
 * whole groups of 8 (one dot_i16x8 each), zero-padded.
 */
export const paddedColumns = (cols: number): number => Math.ceil(cols / 8) * 8;

/**
 * f32-sized elements of one batch entry of a quantize kernel's destination, for a vector of `cols`
 * elements: its levels (i16, zero-padded to whole groups of 8), then its scale in a 16-byte slot of
 * its own, so that every entry starts on a 16-byte boundary.
 */
export const stagedElements = (cols: number): number => paddedColumns(cols) / 2 + 4;
export type KernelOf<K extends KernelKind> = Extract<Kernel, { readonly kind: K }>;

/**
 * The kernels of a scan's step, in phases (see phases.ts): before the loop
 * over time and after it, each kernel runs once over all steps.
 */
export interface Schedule {
  readonly before: readonly Kernel[];
  readonly loop: readonly Kernel[];
  readonly after: readonly Kernel[];
  /** Where each stored value lives; everything else is fused. */
  readonly located: ReadonlyMap<Node, Buffer>;
  /** Buffers the schedule made for intermediate values. */
  readonly scratch: readonly Buffer[];
}

/**
 * What may be computed inside a kernel above one of its operands instead of
 * read from a buffer: nothing, chains of elementwise ops, or (under a sum over
 * the batch) also the ops whose batch sum is a kernel of its own (op-kernels.ts),
 * or (in an elementwise kernel, which loops over a matrix row by row when it must)
 * also outer products, each element u[r]·v[c] computed where it is used.
 */
export type Fusion = "none" | "elementwise" | "rows" | "summed";

export interface Operand {
  readonly node: Node;
  readonly fuses: Fusion;
}

interface KernelKindInfo<K extends KernelKind> {
  /** The values the kernel reads: located values, vars, constants, or expressions of them it fuses. */
  readonly operands: (k: KernelOf<K>) => readonly Operand[];
  /** Buffers read besides those of its operands. */
  readonly buffers?: (k: KernelOf<K>) => readonly Buffer[];
  /** Sums over the batch into its destination: over all steps, the same kernel sums over steps too. */
  readonly reducesBatch: (k: KernelOf<K>) => boolean;
  /** Elements of the shared packing scratch it needs (one scratch serves all, as they run one after another). */
  readonly packing?: (k: KernelOf<K>) => number;
  /** Its line in a printed schedule, before the destination. */
  readonly print: (k: KernelOf<K>, show: (n: Node) => string) => string;
}

const fused = (node: Node, fuses: Fusion): Operand => ({ node, fuses });
const read = (...nodes: Node[]): Operand[] => nodes.map((node) => ({ node, fuses: "none" }));
const never = () => false;

export const kernelKinds: { readonly [K in KernelKind]: KernelKindInfo<K> } = {
  elementwise: {
    // The root is what the kernel computes; it reads the root's operands (or the lone leaf it copies).
    operands: (k) =>
      k.root.op === "var" || k.root.op === "const" ? read(k.root) : k.root.inputs.map((n) => fused(n, "rows")),
    reducesBatch: never,
    print: (k, show) => `elementwise ${show(k.root)}`,
  },
  copy: { operands: (k) => read(k.src), reducesBatch: never, print: (k, show) => `copy ${show(k.src)}` },
  concat: {
    operands: (k) => k.parts.map((n) => fused(n, "elementwise")),
    reducesBatch: never,
    print: (k, show) => `concat ${k.parts.map(show).join(", ")}`,
  },
  sum: {
    operands: (k) => [fused(k.root, "elementwise")],
    reducesBatch: never,
    print: (k, show) => `sum ${show(k.root)}`,
  },
  logsumexp: {
    operands: (k) => [fused(k.root, "elementwise")],
    reducesBatch: never,
    print: (k, show) => `logsumexp ${show(k.root)}`,
  },
  maxof: {
    operands: (k) => [fused(k.root, "elementwise")],
    reducesBatch: never,
    print: (k, show) => `maxof ${show(k.root)}`,
  },
  batchsum: {
    operands: (k) => [fused(k.root, "summed")],
    reducesBatch: () => true,
    print: (k, show) => `batchsum ${show(k.root)}`,
  },
  matvec: {
    operands: (k) => (k.panels ? read(k.x) : read(k.w, k.x)),
    buffers: (k) => (k.panels ? [k.panels] : []),
    reducesBatch: never,
    print: (k, show) =>
      `matvec ${k.transposed ? "transpose " : ""}${show(k.w)}`
      + `${k.panels ? ` (packed ${k.panels.name})` : ""}, ${show(k.x)}`
      + (k.panels ? printTiles(k.tiling) : k.transposed ? "" : ` rows ${k.tiling.dotRows}`),
  },
  quantize: { operands: (k) => read(k.x), reducesBatch: never, print: (k, show) => `quantize i16 ${show(k.x)}` },
  qmatvec: {
    operands: (k) => read(k.w),
    buffers: (k) => [k.staged, k.scales],
    reducesBatch: never,
    print: (k, show) =>
      `qmatvec int8 ${show(k.w)} (scales ${k.scales.name}), ${show(k.x)} (quantized ${k.staged.name})`,
  },
  matmul: {
    operands: (k) => read(k.a, k.b),
    reducesBatch: never,
    print: (k, show) => `matmul ${show(k.a)}, ${show(k.b)}${printTiles(k.tiling)}`,
  },
  pack: {
    operands: (k) => read(k.x),
    reducesBatch: never,
    print: (k, show) => `pack ${k.transpose ? "transpose " : ""}${show(k.x)} strips ${k.tiling.stripVectors}v`,
  },
  outer: {
    operands: (k) => read(k.a, k.b),
    reducesBatch: (k) => k.batchsum,
    packing: (k) => (k.batchsum ? k.tiling.batchBlock * (k.a.shape[0]! + k.b.shape[0]!) : 0),
    print: (k, show) =>
      `outer${k.batchsum ? "+batchsum" : ""} ${show(k.a)}, ${show(k.b)}`
      + (k.batchsum ? `${printTiles(k.tiling)} block ${k.tiling.batchBlock}` : ""),
  },
  transpose: { operands: (k) => read(k.x), reducesBatch: never, print: (k, show) => `transpose ${show(k.x)}` },
  gathersum: {
    operands: (k) => read(k.table, k.ids),
    reducesBatch: never,
    print: (k, show) => `gathersum ${show(k.table)}, ${show(k.ids)}`,
  },
  scatteradd: {
    operands: (k) => read(k.g, k.ids),
    reducesBatch: () => true,
    print: (k, show) => `scatteradd ${show(k.g)}, ${show(k.ids)}`,
  },
  loss: {
    operands: (k) => read(k.src),
    reducesBatch: () => true,
    print: (k, show) => `loss += batchsum ${show(k.src)}`,
  },
};

/** The row of a kernel's kind, typed for that kernel. */
export const kindOf = <K extends KernelKind>(k: KernelOf<K>): KernelKindInfo<K> => kernelKinds[k.kind as K];
