// spec/support — numerical oracles over the float64 interpreter: random var
// values within an op's valid range, scalar objectives, fourth-order central
// differences, and which side of each kink of the piecewise ops a point lies
// on (a stencil across a kink measures nothing).

import fc from "fast-check";
import { evaluate, topoOrder, type Node, type Op, type Values } from "../../compiler/ir/index.js";

/** Values of the vars of a graph, keyed "role:name" as `evaluate` wants them. */
export type VarValues = Map<string, Float64Array>;

/**
 * A uniform double in [lo, hi), never an exact endpoint and without
 * fast-check's bias towards small values (which would pile points on kinks).
 */
export function uniform(lo: number, hi: number): fc.Arbitrary<number> {
  const steps = 2 ** 20;
  return fc.noBias(fc.integer({ min: 0, max: steps - 1 })).map((i) => lo + ((i + 0.5) / steps) * (hi - lo));
}

/** Pick uniformly from a union of intervals of equal width. */
export function bands(starts: readonly number[], width: number): fc.Arbitrary<number> {
  return fc.tuple(fc.noBias(fc.integer({ min: 0, max: starts.length - 1 })), uniform(0, width))
    .map(([k, u]) => starts[k]! + u);
}

/** An array of `length` values drawn from `element`. */
export function floats(length: number, element: fc.Arbitrary<number>): fc.Arbitrary<Float64Array> {
  return fc.array(element, { minLength: length, maxLength: length }).map((xs) => Float64Array.from(xs));
}

/** The single value of a rank-0 unbatched node. */
export function scalarValue(root: Node, values: ReadonlyMap<string, Float64Array>, batch: number): number {
  if (root.shape.length !== 0 || root.batched) throw new Error(`objective %${root.id} is not an unbatched scalar`);
  return evaluate([root], values, batch).get(root)![0]!;
}

/** A copy of `values` with one element of one var moved by `delta`. */
function nudged(values: ReadonlyMap<string, Float64Array>, key: string, index: number, delta: number): VarValues {
  const copy = new Map(values);
  const moved = Float64Array.from(values.get(key)!);
  moved[index]! += delta;
  copy.set(key, moved);
  return copy;
}

/**
 * The gradient of `f` with respect to the vars `keys`, by the fourth-order
 * central difference (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h: its
 * truncation error is O(h⁴), so h ≈ 1e-3 keeps both truncation and rounding
 * near 1e-12 for the smooth O(1) functions the tests build.
 */
export function finiteDifferences(
  f: (values: VarValues) => number,
  values: ReadonlyMap<string, Float64Array>,
  keys: readonly string[],
  h = 1e-3,
): VarValues {
  const grads: VarValues = new Map();
  for (const key of keys) {
    const x = values.get(key);
    if (!x) throw new Error(`no value for ${key}`);
    const grad = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const at = (k: number) => f(nudged(values, key, i, k * h));
      grad[i] = (-at(2) + 8 * at(1) - 8 * at(-1) + at(-2)) / (12 * h);
    }
    grads.set(key, grad);
  }
  return grads;
}

/**
 * The worst elementwise error of `actual` against `expected`, relative to
 * the larger magnitude of the two, or to `floor` for entries smaller than
 * that (there a rounding-level absolute error is all one can ask of FD).
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-3): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = Math.abs(a - e) / Math.max(Math.abs(a), Math.abs(e), floor);
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  return worst;
}

/** The value of `node` at batch entry b, element j, broadcasting as the interpreter does. */
function elementAt(node: Node, values: Values, b: number, j: number): number {
  const size = node.shape.reduce((n, d) => n * d, 1);
  return values.get(node)![(node.batched ? b * size : 0) + (node.shape.length === 0 ? 0 : j)]!;
}

const kinkOps = new Set<Op>(["relu", "step", "select", "max", "min", "abs", "maxof"]);

/**
 * Which side of its kink every element of every relu, step, abs, max, min and
 * select reached from `roots` is on, and which element of each maxof is its
 * largest, as one string. Two points with the same
 * signature lie on the same smooth piece, so a finite difference between
 * them is meaningful; a stencil whose points differ from the centre's
 * straddles a kink.
 */
export function kinkSignature(roots: readonly Node[], values: Values, batch: number): string {
  const sides: string[] = [];
  for (const node of topoOrder(roots)) {
    if (!kinkOps.has(node.op)) continue;
    const [x, y] = node.inputs as [Node, Node];
    const size = node.shape.reduce((n, d) => n * d, 1);
    for (let b = 0; b < (node.batched ? batch : 1); b++) {
      if (node.op === "maxof") {
        // Which element is the largest (the first of equal ones).
        const count = x.shape.reduce((n, d) => n * d, 1);
        const elements = Array.from({ length: count }, (_, j) => elementAt(x, values, b, j));
        sides.push(`[${elements.indexOf(Math.max(...elements))}]`);
        continue;
      }
      for (let j = 0; j < size; j++) {
        const u = elementAt(x, values, b, j);
        if (node.op === "select") sides.push(u !== 0 ? "1" : "0");
        else if (node.op === "max" || node.op === "min") sides.push(u > elementAt(y, values, b, j) ? "1" : "0");
        else sides.push(u > 0 ? "1" : "0");
      }
    }
  }
  return sides.join("");
}
