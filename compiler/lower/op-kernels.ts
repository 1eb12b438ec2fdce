// compiler/lower — which kernel computes each op, one row per op (a table, like
// the shape, gradient and elementwise lowering rules). In: a node that must be
// stored, where it goes, and what the schedule knows (which nodes it fuses,
// packed copies of matrices). Out: its kernel. Each row also says when a node
// of that op is fused into its users instead of stored, and, for ops whose sum
// over the batch has a kernel of its own (an outer product, a row scatter),
// that kernel.

import { isElementwise, IRError, opInfo, printNode, type Node, type Op } from "../ir/index.js";
import type { Buffer } from "./buffers.js";
import type { Fusion, Kernel, Target, Tiling } from "./kernel.js";

/** What an int8 build's schedule tells the product row. */
export interface Int8Context {
  /** The row scales of a parameter matrix stored in int8; nothing for a matrix that stays f32. */
  readonly scalesOf: (w: Node) => Buffer | undefined;
  /** x quantised, by a quantize kernel before its first use; one copy per vector. */
  readonly stagedOf: (x: Node) => Buffer;
}

/** What the schedule tells a row. */
export interface OpKernelContext {
  readonly title: string;
  /** Whether a node is fused into its users. */
  readonly fused: (node: Node) => boolean;
  /** The packed copy of W (or Wᵀ) that a product reads, made once per matrix and form. */
  readonly panelsOf: (w: Node, transpose: boolean) => Buffer;
  readonly tiling: Tiling;
  /** In an int8 build (quantized.ts) only: where its int8 products find their scales and quantised vectors. */
  readonly int8?: Int8Context;
}

/** What a fusion rule may ask of the schedule. */
export interface FusionContext {
  /**
   * The node whose kernel computes `node`: itself when it is stored, else the one its chain of
   * single fused users ends in; undefined when that chain leaves elementwise ops.
   */
  readonly computedBy: (node: Node) => Node | undefined;
}

interface OpKernel {
  /** What its kernel computes inside itself above its operands instead of reading them from buffers. */
  readonly absorbs: Fusion;
  /** Whether a node of this op is computed inside its users' kernels (given all of them) instead of stored. */
  readonly fuses: (node: Node, users: readonly Node[], ctx: FusionContext) => boolean;
  /** Whether it may be computed inside an elementwise kernel that loops row by row (an outer product). */
  readonly inRows?: true;
  /** The kernel that stores it. */
  readonly kernel: (node: Node, to: Target, ctx: OpKernelContext) => Kernel;
  /** The kernel of its sum over the batch, where it is fused into a batchsum. */
  readonly summed?: (node: Node, to: Target, ctx: OpKernelContext) => Kernel;
}

/** Whether a node of this op may be computed inside a kernel operand that fuses so. */
export function mayFuse(fusion: Fusion, op: Op): boolean {
  if (fusion === "none") return false;
  return isElementwise(op)
    || (fusion === "summed" && opKernels[op].summed !== undefined)
    || (fusion === "rows" && opKernels[op].inRows === true);
}

const never = () => false;
const summedOnly = (users: readonly Node[]) => users.length === 1 && users[0]!.op === "batchsum";

const elementwise: OpKernel = {
  absorbs: "elementwise",
  fuses: (node, users) => users.length === 1 && mayFuse(opKernels[users[0]!.op].absorbs, node.op),
  kernel: (node, to) => ({ kind: "elementwise", root: node, ...to }),
};
const leaf: OpKernel = {
  absorbs: "none",
  fuses: never,
  kernel: (node, to) => ({ kind: "elementwise", root: node, ...to }),
};

export const opKernels = {
  const: leaf,
  var: leaf,
  neg: elementwise, exp: elementwise, log: elementwise, tanh: elementwise, sigmoid: elementwise,
  relu: elementwise, softplus: elementwise, sqrt: elementwise, step: elementwise,
  abs: elementwise,
  expm1: elementwise,
  add: elementwise, sub: elementwise, mul: elementwise, div: elementwise, max: elementwise, min: elementwise,
  select: elementwise,
  onehot: elementwise,
  // Each part is computed (or copied) straight into its rows of the result.
  concat: {
    absorbs: "elementwise",
    fuses: never,
    kernel: (node, to) => ({ kind: "concat", parts: node.inputs, ...to }),
  },
  // A view: read in place by every user that reads its operands elementwise; stored only for the others.
  slice: {
    absorbs: "elementwise",
    fuses: (node, users) => users.length > 0 && users.every((u) => mayFuse(opKernels[u.op].absorbs, node.op)),
    kernel: (node, to) => ({ kind: "elementwise", root: node, ...to }),
  },
  matvec: {
    absorbs: "none",
    fuses: never,
    kernel: (node, to, ctx) => {
      const [a, x] = node.inputs as [Node, Node];
      const scales = ctx.int8?.scalesOf(a);
      if (ctx.int8 && scales) return { kind: "qmatvec", w: a, x, staged: ctx.int8.stagedOf(x), scales, ...to };
      const transposed = a.op === "transpose" && ctx.fused(a);
      const w = transposed ? a.inputs[0]! : a;
      // A matrix shared by a batch of vectors: the product kernel reads B = Wᵀ (for W·x) or W (for Wᵀ·x) packed.
      const panels = !w.batched && x.batched ? ctx.panelsOf(w, !transposed) : undefined;
      return { kind: "matvec", w, transposed, x, ...(panels ? { panels } : {}), tiling: ctx.tiling, ...to };
    },
  },
  matmul: {
    absorbs: "none",
    fuses: never,
    kernel: (node, to, ctx) => ({ kind: "matmul", a: node.inputs[0]!, b: node.inputs[1]!, tiling: ctx.tiling, ...to }),
  },
  // Summed over the batch, its own kernel; in an elementwise expression stored by an elementwise kernel (a
  // rank-1 update f·C + i·outer(v, k)), computed element by element there: never in memory.
  outer: {
    absorbs: "none",
    inRows: true,
    fuses: (_, users, ctx) => {
      if (summedOnly(users)) return true;
      if (users.length !== 1 || opInfo[users[0]!.op].class !== "elementwise") return false;
      const root = ctx.computedBy(users[0]!);
      return root !== undefined && opInfo[root.op].class === "elementwise";
    },
    kernel: (node, to, ctx) =>
      ({ kind: "outer", a: node.inputs[0]!, b: node.inputs[1]!, batchsum: false, tiling: ctx.tiling, ...to }),
    summed: (node, to, ctx) =>
      ({ kind: "outer", a: node.inputs[0]!, b: node.inputs[1]!, batchsum: true, tiling: ctx.tiling, ...to }),
  },
  transpose: {
    absorbs: "none",
    // Read transposed by the products that use it as their matrix.
    fuses: (node, users) => users.every((u) => u.op === "matvec" && u.inputs[0] === node && u.inputs[1] !== node),
    kernel: (node, to) => ({ kind: "transpose", x: node.inputs[0]!, ...to }),
  },
  gathersum: {
    absorbs: "none",
    fuses: never,
    kernel: (node, to) => ({ kind: "gathersum", table: node.inputs[0]!, ids: node.inputs[1]!, ...to }),
  },
  scatterrows: {
    absorbs: "none",
    fuses: (_, users) => summedOnly(users),
    kernel: (node, _, ctx) => {
      throw new IRError(`${ctx.title}: scatterrows is only computed summed over the batch: ${printNode(node)}`);
    },
    summed: (node, to) => ({ kind: "scatteradd", g: node.inputs[0]!, ids: node.inputs[1]!, ...to }),
  },
  sum: { absorbs: "elementwise", fuses: never, kernel: (node, to) => ({ kind: "sum", root: node.inputs[0]!, ...to }) },
  logsumexp: {
    absorbs: "elementwise",
    fuses: never,
    kernel: (node, to) => ({ kind: "logsumexp", root: node.inputs[0]!, ...to }),
  },
  maxof: {
    absorbs: "elementwise",
    fuses: never,
    kernel: (node, to) => ({ kind: "maxof", root: node.inputs[0]!, ...to }),
  },
  batchsum: {
    absorbs: "summed",
    fuses: never,
    kernel: (node, to, ctx) => {
      const a = node.inputs[0]!;
      const summed = ctx.fused(a) ? opKernels[a.op].summed : undefined;
      return summed ? summed(a, to, ctx) : { kind: "batchsum", root: a, ...to };
    },
  },
} as const satisfies Record<Op, OpKernel> as Record<Op, OpKernel>;
