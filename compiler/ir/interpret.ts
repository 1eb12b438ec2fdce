// compiler/ir — the float64 reference interpreter, the oracle every later
// stage is tested against. In: root nodes, a value for each var, the batch
// size. Out: the value of every node reached. A batched node's value is laid
// out [batch, ...shape], an unbatched one [...shape], both row-major.

import type { Op } from "./ops.js";
import { IRError, type Node, type VarArg } from "./node.js";
import { sizeOf, type SliceArg } from "./shape.js";
import { topoOrder } from "./node.js";

export type Values = Map<Node, Float64Array>;

/** Scalar semantics of the elementwise ops, shared with constant folding. */
export const scalarSemantics = {
  neg: (x: number) => -x,
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sigmoid: (x: number) => 1 / (1 + Math.exp(-x)),
  relu: (x: number) => (x > 0 ? x : 0),
  softplus: (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  sqrt: Math.sqrt,
  step: (x: number) => (x > 0 ? 1 : 0),
  abs: Math.abs,
  expm1: Math.expm1,
  add: (a: number, b: number) => a + b,
  sub: (a: number, b: number) => a - b,
  mul: (a: number, b: number) => a * b,
  div: (a: number, b: number) => a / b,
  max: (a: number, b: number) => (a > b ? a : b),
  min: (a: number, b: number) => (a < b ? a : b),
  select: (c: number, a: number, b: number) => (c !== 0 ? a : b),
};
type ElementwiseOp = keyof typeof scalarSemantics;

/** Element j of batch entry b of an operand, broadcasting scalars and unbatched values. */
function at(node: Node, value: Float64Array, b: number, j: number): number {
  const size = sizeOf(node.shape);
  return value[(node.batched ? b * size : 0) + (node.shape.length === 0 ? 0 : j)]!;
}

type Kernel = (node: Node, args: Float64Array[], batch: number) => Float64Array;

function elementwise(fn: (...xs: number[]) => number): Kernel {
  return (node, args, batch) => {
    const size = sizeOf(node.shape);
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies * size);
    for (let b = 0; b < copies; b++) {
      for (let j = 0; j < size; j++) {
        out[b * size + j] = fn(...node.inputs.map((input, k) => at(input, args[k]!, b, j)));
      }
    }
    return out;
  };
}

const leafKernel: Kernel = (node) => {
  throw new IRError(`leaf %${node.id} has no kernel`);
};

const kernels = {
  const: leafKernel,
  var: leafKernel,
  ...(Object.fromEntries(
    Object.entries(scalarSemantics).map(([op, fn]) => [op, elementwise(fn as (...xs: number[]) => number)]),
  ) as Record<ElementwiseOp, Kernel>),
  matvec: (node, [w, v], batch) => {
    const [wNode, vNode] = node.inputs as [Node, Node];
    const [m, n] = wNode.shape as [number, number];
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies * m);
    for (let b = 0; b < copies; b++) {
      const wBase = wNode.batched ? b * m * n : 0;
      const vBase = vNode.batched ? b * n : 0;
      for (let i = 0; i < m; i++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += w![wBase + i * n + k]! * v![vBase + k]!;
        out[b * m + i] = acc;
      }
    }
    return out;
  },
  matmul: (node, [a, c], batch) => {
    const [aNode, cNode] = node.inputs as [Node, Node];
    const [m, k] = aNode.shape as [number, number];
    const n = cNode.shape[1]!;
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies * m * n);
    for (let b = 0; b < copies; b++) {
      const aBase = aNode.batched ? b * m * k : 0;
      const cBase = cNode.batched ? b * k * n : 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let q = 0; q < k; q++) acc += a![aBase + i * k + q]! * c![cBase + q * n + j]!;
          out[(b * m + i) * n + j] = acc;
        }
      }
    }
    return out;
  },
  outer: (node, [x, y], batch) => {
    const [xNode, yNode] = node.inputs as [Node, Node];
    const m = xNode.shape[0]!;
    const n = yNode.shape[0]!;
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies * m * n);
    for (let b = 0; b < copies; b++) {
      for (let i = 0; i < m; i++) {
        for (let k = 0; k < n; k++) out[(b * m + i) * n + k] = at(xNode, x!, b, i) * at(yNode, y!, b, k);
      }
    }
    return out;
  },
  transpose: (node, [x], batch) => {
    const [m, n] = node.inputs[0]!.shape as [number, number];
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies * m * n);
    for (let b = 0; b < copies; b++) {
      for (let i = 0; i < m; i++) {
        for (let k = 0; k < n; k++) out[b * m * n + k * m + i] = x![b * m * n + i * n + k]!;
      }
    }
    return out;
  },
  sum: (node, [x], batch) => {
    const size = sizeOf(node.inputs[0]!.shape);
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies);
    for (let b = 0; b < copies; b++) {
      let acc = 0;
      for (let j = 0; j < size; j++) acc += x![b * size + j]!;
      out[b] = acc;
    }
    return out;
  },
  onehot: (node, [index], batch) => {
    const size = sizeOf(node.shape);
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies * size);
    for (let b = 0; b < copies; b++) {
      const i = at(node.inputs[0]!, index!, b, 0);
      if (Number.isInteger(i) && i >= 0 && i < size) out[b * size + i] = 1;
    }
    return out;
  },
  // Operands' rows one after another, per batch entry (an unbatched operand repeated for each).
  concat: (node, parts, batch) => {
    const size = sizeOf(node.shape);
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies * size);
    for (let b = 0; b < copies; b++) {
      let offset = b * size;
      node.inputs.forEach((part, k) => {
        const n = sizeOf(part.shape);
        out.set(parts[k]!.subarray(part.batched ? b * n : 0, (part.batched ? b * n : 0) + n), offset);
        offset += n;
      });
    }
    return out;
  },
  slice: (node, [x], batch) => {
    const { start } = node.arg as SliceArg;
    const size = sizeOf(node.shape);
    const whole = sizeOf(node.inputs[0]!.shape);
    const skip = start * (size / (node.shape[0]!));
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies * size);
    for (let b = 0; b < copies; b++) out.set(x!.subarray(b * whole + skip, b * whole + skip + size), b * size);
    return out;
  },
  gathersum: (node, [table, ids], batch) => {
    const [tNode, iNode] = node.inputs as [Node, Node];
    const [rows, cols] = tNode.shape as [number, number];
    const k = iNode.shape[0]!;
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies * cols);
    for (let b = 0; b < copies; b++) {
      const tBase = tNode.batched ? b * rows * cols : 0;
      for (let i = 0; i < k; i++) {
        const id = ids![(iNode.batched ? b * k : 0) + i]!;
        if (!(Number.isInteger(id) && id >= 0 && id < rows)) continue;
        for (let j = 0; j < cols; j++) out[b * cols + j]! += table![tBase + id * cols + j]!;
      }
    }
    return out;
  },
  scatterrows: (node, [g, ids], batch) => {
    const [gNode, iNode] = node.inputs as [Node, Node];
    const [rows, cols] = node.shape as [number, number];
    const k = iNode.shape[0]!;
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies * rows * cols);
    for (let b = 0; b < copies; b++) {
      for (let i = 0; i < k; i++) {
        const id = ids![(iNode.batched ? b * k : 0) + i]!;
        if (!(Number.isInteger(id) && id >= 0 && id < rows)) continue;
        for (let j = 0; j < cols; j++) out[(b * rows + id) * cols + j]! += g![(gNode.batched ? b * cols : 0) + j]!;
      }
    }
    return out;
  },
  logsumexp: (node, [x], batch) => {
    const size = sizeOf(node.inputs[0]!.shape);
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies);
    for (let b = 0; b < copies; b++) {
      let max = -Infinity;
      for (let j = 0; j < size; j++) max = Math.max(max, x![b * size + j]!);
      let acc = 0;
      for (let j = 0; j < size; j++) acc += Math.exp(x![b * size + j]! - max);
      out[b] = max + Math.log(acc);
    }
    return out;
  },
  maxof: (node, [x], batch) => {
    const size = sizeOf(node.inputs[0]!.shape);
    const copies = node.batched ? batch : 1;
    const out = new Float64Array(copies);
    for (let b = 0; b < copies; b++) {
      let largest = -Infinity;
      for (let j = 0; j < size; j++) largest = Math.max(x![b * size + j]!, largest);
      out[b] = largest;
    }
    return out;
  },
  batchsum: (node, [x], batch) => {
    const size = sizeOf(node.shape);
    const out = new Float64Array(size);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < size; j++) out[j]! += x![b * size + j]!;
    }
    return out;
  },
} satisfies Record<Op, Kernel>;

/**
 * Evaluate every node reachable from `roots`. `vars` gives the value of each
 * var, keyed "role:name", laid out as described above.
 */
export function evaluate(roots: readonly Node[], vars: ReadonlyMap<string, Float64Array>, batch: number): Values {
  const values: Values = new Map();
  for (const node of topoOrder(roots)) {
    if (node.op === "const") {
      const out = new Float64Array((node.batched ? batch : 1) * sizeOf(node.shape));
      values.set(node, out.fill(node.arg as number));
    } else if (node.op === "var") {
      const v = node.arg as VarArg;
      const value = vars.get(`${v.role}:${v.name}`);
      const expected = (node.batched ? batch : 1) * sizeOf(node.shape);
      if (!value) throw new IRError(`no value for ${v.role} ${v.name}`);
      if (value.length !== expected)
        throw new IRError(`${v.role} ${v.name} has ${value.length} values, expected ${expected}`);
      values.set(node, value);
    } else {
      values.set(node, kernels[node.op](node, node.inputs.map((n) => values.get(n)!), batch));
    }
  }
  return values;
}

export function varKey(node: Node): string {
  const v = node.arg as VarArg;
  return `${v.role}:${v.name}`;
}
