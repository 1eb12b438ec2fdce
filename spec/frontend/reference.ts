// spec/frontend — plain-JS tensors for the oracles of the frontend specs:
// random values, the interpreter's var layout ([batch, ...shape]), and the
// arithmetic of a cell written out by hand.

import { evaluate, sizeOf, type Node } from "../../compiler/ir/index.js";
import { Graph } from "../../compiler/ir/index.js";
import { instantiateCell, parseCells, selectCell, type CellIR } from "../../compiler/frontend/index.js";
import { prng } from "../../runtime/random.js";

export type Vec = number[];
export type Mat = number[][];

/** A deterministic generator in [-1, 1), so a failing oracle fails the same way again. */
export function rng(seed: number): () => number {
  const uniform = prng(seed);
  return () => uniform() * 2 - 1;
}

export const matvec = (m: Mat, v: Vec): Vec => m.map((row) => row.reduce((acc, w, k) => acc + w * v[k]!, 0));
export const zip = (a: Vec, b: Vec, f: (x: number, y: number) => number): Vec => a.map((x, i) => f(x, b[i]!));
export const add = (...vs: Vec[]): Vec => vs.reduce((a, b) => zip(a, b, (x, y) => x + y));
export const mul = (a: Vec, b: Vec): Vec => zip(a, b, (x, y) => x * y);
export const map = (a: Vec, f: (x: number) => number): Vec => a.map(f);
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** A random value for every var of `ir`, per batch element, as nested arrays. */
export type Sample = Map<string, (number | Vec | Mat)[]>;

function nested(shape: readonly number[], next: () => number): number | Vec | Mat {
  if (shape.length === 0) return next();
  if (shape.length === 1) return Array.from({ length: shape[0]! }, next);
  return Array.from({ length: shape[0]! }, () => Array.from({ length: shape[1]! }, next));
}

/** Random values for every var; params get one copy, batched vars one per element. */
export function sample(ir: CellIR, batch: number, seed: number): Sample {
  const next = rng(seed);
  const values: Sample = new Map();
  for (const node of [...ir.inputs, ...ir.states, ...ir.params]) {
    values.set(key(node), Array.from({ length: node.batched ? batch : 1 }, () => nested(node.shape, next)));
  }
  return values;
}

export function key(node: Node): string {
  const arg = node.arg as { role: string; name: string };
  return `${arg.role}:${arg.name}`;
}

/** The interpreter's value of each next state, split per batch element. */
export function interpret(ir: CellIR, values: Sample, batch: number): Map<string, number[][]> {
  const vars = new Map([...values].map(([k, copies]) => [k, Float64Array.from(copies.flat(2) as number[])]));
  const results = evaluate(ir.next.map((n) => n.node), vars, batch);
  return new Map(
    ir.next.map(({ name, node }) => {
      const flat = [...results.get(node)!];
      const size = sizeOf(node.shape);
      // A next value may not depend on the batch (h: b); it is then one copy for all.
      const at = (b: number) => (node.batched ? b : 0);
      return [name, Array.from({ length: batch }, (_, b) => flat.slice(at(b) * size, (at(b) + 1) * size))];
    }),
  );
}

/** The values of batch element b, by declared name, for a hand-written step. */
export function element(values: Sample, b: number): Record<string, number & Vec & Mat> {
  const env: Record<string, unknown> = {};
  for (const [k, copies] of values) env[k.split(":")[1]!] = copies.length === 1 ? copies[0] : copies[b];
  return env as Record<string, number & Vec & Mat>;
}

export function compile(text: string, dims: Record<string, number>, cell?: string): CellIR {
  return instantiateCell(selectCell(parseCells("cell.ts", text), cell), dims, new Graph());
}

export function close(a: number, b: number, tolerance = 1e-12): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}
