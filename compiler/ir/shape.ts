// compiler/ir — shape rules, one per op. Generic over the dimension type so the
// frontend checks symbolic shapes ("H", "I") with the same rules the IR uses
// for concrete ones. A rule returns the result shape or a ShapeError message.

import type { Op } from "./ops.js";
import { addSizes, sizeAtMost } from "./size.js";

export type Dim = number | string;
export type Shape<D extends Dim = number> = readonly D[];

export class ShapeError {
  constructor(readonly message: string) {}
}

/** Which rows a slice takes: start … start + rows − 1 (sizes, symbolic before binding). */
export interface SliceArg<D extends Dim = number> {
  readonly start: D;
  readonly rows: D;
}

type ShapeRule = <D extends Dim>(inputs: readonly Shape<D>[], arg?: SliceArg<D>) => Shape<D> | ShapeError;

export function formatShape(shape: Shape<Dim>): string {
  return shape.length === 0 ? "scalar" : `[${shape.join(", ")}]`;
}

export function sameShape(a: Shape<Dim>, b: Shape<Dim>): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function sizeOf(shape: Shape): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Elementwise operands must agree, except that a scalar broadcasts over anything. */
function broadcast<D extends Dim>(inputs: readonly Shape<D>[]): Shape<D> | ShapeError {
  let result: Shape<D> = [];
  for (const shape of inputs) {
    if (shape.length === 0) continue;
    if (result.length === 0) result = shape;
    else if (!sameShape(result, shape)) {
      return new ShapeError(`elementwise operands have shapes ${formatShape(result)} and ${formatShape(shape)}`);
    }
  }
  return result;
}

const unary: ShapeRule = (inputs) => inputs[0]!;

/** Rows one after another: operands of rank 1 or 2 with the same trailing shape. */
const concat: ShapeRule = <D extends Dim>(inputs: readonly Shape<D>[]) => {
  const [first] = inputs;
  if (inputs.some((s) => s.length === 0))
    return new ShapeError(`concatenates vectors or matrices, got ${inputs.map(formatShape).join(", ")}`);
  if (inputs.some((s) => !sameShape(s.slice(1), first!.slice(1)))) {
    return new ShapeError(
      `operands need the same ${first!.length === 1 ? "rank" : "columns"}, got ${inputs.map(formatShape).join(", ")}`,
    );
  }
  return [inputs.map((s) => s[0]!).reduce((a, b) => addSizes(a, b)), ...first!.slice(1)];
};

const slice: ShapeRule = <D extends Dim>([x]: readonly Shape<D>[], arg?: SliceArg<D>) => {
  if (!arg) throw new Error("a slice carries its rows");
  if (x!.length === 0) return new ShapeError("slices a vector or a matrix, got a scalar");
  const end = arg.start === 0 ? arg.rows : addSizes(arg.start, arg.rows);
  if (!sizeAtMost(end, x![0]!)) {
    const always = typeof end === "number" && typeof x![0] === "number" ? "" : " for every size";
    return new ShapeError(`rows ${arg.start} up to ${end} do not fit in ${formatShape(x!)}${always}`);
  }
  return [arg.rows, ...x!.slice(1)];
};
const leaf: ShapeRule = () => {
  throw new Error("leaves carry their own shape");
};

export const shapeRules = {
  const: leaf,
  var: leaf,
  neg: unary, exp: unary, log: unary, tanh: unary, sigmoid: unary,
  relu: unary, softplus: unary, sqrt: unary, step: unary,
  abs: unary,
  expm1: unary,
  add: broadcast, sub: broadcast, mul: broadcast, div: broadcast, max: broadcast, min: broadcast,
  select: broadcast,
  concat,
  slice,
  onehot: ([index, like]) =>
    (index!.length === 0 ? like! : new ShapeError(`onehot takes a scalar index, got ${formatShape(index!)}`)),
  matvec: ([m, v]) => {
    if (m!.length !== 2 || v!.length !== 1) {
      return new ShapeError(
        `matrix-vector product needs a matrix and a vector, got ${formatShape(m!)} and ${formatShape(v!)}`,
      );
    }
    if (m![1] !== v![0]) {
      return new ShapeError(
        `matrix ${formatShape(m!)} cannot multiply vector ${formatShape(v!)}: ${m![1]} columns but ${v![0]} elements`,
      );
    }
    return [m![0]!];
  },
  matmul: ([a, b]) => {
    if (a!.length !== 2 || b!.length !== 2) {
      return new ShapeError(`matrix product needs two matrices, got ${formatShape(a!)} and ${formatShape(b!)}`);
    }
    if (a![1] !== b![0]) {
      return new ShapeError(
        `matrix ${formatShape(a!)} cannot multiply matrix ${formatShape(b!)}: ${a![1]} columns but ${b![0]} rows`,
      );
    }
    return [a![0]!, b![1]!];
  },
  outer: ([a, b]) => {
    if (a!.length !== 1 || b!.length !== 1) {
      return new ShapeError(`outer product needs two vectors, got ${formatShape(a!)} and ${formatShape(b!)}`);
    }
    return [a![0]!, b![0]!];
  },
  gathersum: ([table, ids]) =>
    table!.length === 2 && ids!.length === 1
      ? [table![1]!]
      : new ShapeError(
          `gathersum needs a table [V, E] and ids [K], got ${formatShape(table!)} and ${formatShape(ids!)}`,
        ),
  scatterrows: ([g, ids, like]) =>
    like!.length === 2 && ids!.length === 1 && g!.length === 1 && g![0] === like![1]
      ? like!
      : new ShapeError(
        "scatterrows needs rows [E], ids [K] and a table [V, E], "
          + `got ${formatShape(g!)}, ${formatShape(ids!)} and ${formatShape(like!)}`,
      ),
  transpose: ([m]) =>
    (m!.length === 2 ? [m![1]!, m![0]!] : new ShapeError(`transpose needs a matrix, got ${formatShape(m!)}`)),
  sum: () => [],
  logsumexp: ([x]) => (x!.length > 0 ? [] : new ShapeError("logsumexp of a scalar")),
  maxof: () => [],
  batchsum: unary,
} satisfies Record<Op, ShapeRule>;

export function inferShape<D extends Dim>(
  op: Op,
  inputs: readonly Shape<D>[],
  arg?: SliceArg<D>,
): Shape<D> | ShapeError {
  return (shapeRules[op] as ShapeRule)(inputs, arg);
}
