// compiler/lower — loop fusion across kernels. In: the kernels of one phase in
// order, where each value lives, how many kernels read each buffer. Out: the
// same work with each run of elementwise kernels (and copies) over values of
// one shape merged into one `fused` kernel: one loop over the batch and the
// elements that computes every member in order, each value kept in a register
// for the members after it (the gates, the cell update, their adjoints). A
// scratch value only members of its own loop read is never stored. Kernels are
// first reordered, within their dependences, so that products come before the
// pointwise work and the runs are long.

import { IRError, sizeOf, type Node } from "../ir/index.js";
import type { Buffer } from "./buffers.js";
import { destOf, readsOf } from "./phases.js";
import type { Kernel } from "./schedule.js";

export type Pointwise = Extract<Kernel, { kind: "elementwise" | "copy" }>;

const sameShape = (a: Buffer, b: Buffer) => a.batched === b.batched && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
const pointwise = (k: Kernel): k is Pointwise => k.kind === "elementwise" || k.kind === "copy";

/** Vars a pointwise kernel reads (values it does not compute itself, down to vars). */
function varsRead(k: Pointwise, located: ReadonlyMap<Node, Buffer>): Buffer[] {
  const out: Buffer[] = [];
  const visit = (node: Node, top: boolean) => {
    if (node.op === "var") out.push(located.get(node)!);
    else if (!top && located.has(node)) return;
    else node.inputs.forEach((n) => visit(n, false));
  };
  visit(k.kind === "copy" ? k.src : k.root, k.kind === "elementwise");
  return out;
}

/**
 * A dependence-preserving order (read after write, write after read, write
 * after write, by buffer; loss sums in place) that keeps pointwise kernels
 * together: a run of them goes on while one is ready, and between runs every
 * ready product goes first, each in the original order.
 */
function productsFirst(kernels: readonly Kernel[], located: ReadonlyMap<Node, Buffer>): Kernel[] {
  const reads = kernels.map((k) => readsOf(k, located));
  const before = kernels.map(() => new Set<number>());
  kernels.forEach((k, j) => {
    const dest = destOf(k);
    for (let i = 0; i < j; i++) {
      const di = destOf(kernels[i]!);
      const dependent = (di !== undefined && (reads[j]!.has(di) || di === dest)) || (dest !== undefined && reads[i]!.has(dest)) || (k.kind === "loss" && kernels[i]!.kind === "loss");
      if (dependent) before[j]!.add(i);
    }
  });
  const done = new Set<number>();
  const out: Kernel[] = [];
  while (out.length < kernels.length) {
    const ready = kernels.map((_, i) => i).filter((i) => !done.has(i) && [...before[i]!].every((d) => done.has(d)));
    // Stay in a run of pointwise kernels while one is ready; otherwise a product first.
    const inRun = out.length > 0 && pointwise(out[out.length - 1]!);
    const next = (inRun ? ready.find((i) => pointwise(kernels[i]!)) : undefined) ?? ready.find((i) => !pointwise(kernels[i]!)) ?? ready[0];
    if (next === undefined) throw new IRError("kernel dependences form a cycle");
    done.add(next);
    out.push(kernels[next]!);
  }
  return out;
}

/**
 * `readers(b)`: how many kernels of the whole schedule read buffer b, for the
 * schedule's own scratch; undefined for every other buffer (another stage or
 * the host may read those).
 */
export function fuseLoops(kernels: readonly Kernel[], located: ReadonlyMap<Node, Buffer>, readers: (b: Buffer) => number | undefined): Kernel[] {
  const out: Kernel[] = [];
  let group: Pointwise[] = [];
  let written = new Set<Buffer>();
  const flush = () => {
    if (group.length === 1) out.push(group[0]!);
    else if (group.length > 1) out.push({ kind: "fused", members: group.map((kernel, i) => ({ kernel, store: storedFor(kernel, group.slice(i + 1)) })) });
    group = [];
    written = new Set();
  };
  /** Whether anyone but the later members of its loop reads the member's scratch destination. */
  const storedFor = (k: Pointwise, later: readonly Pointwise[]): boolean => {
    const total = readers(k.dest);
    if (total === undefined || k.accumulate) return true;
    return later.filter((m) => readsOf(m, located).has(k.dest)).length < total;
  };
  for (const k of productsFirst(kernels, located)) {
    if (!pointwise(k)) {
      flush();
      out.push(k);
      continue;
    }
    // A var whose buffer the group writes must be read after the whole loop, not element by element of it.
    const joins = group.length > 0 && sameShape(group[0]!.dest, k.dest) && sizeOf(k.dest.shape) > 0 && !varsRead(k, located).some((b) => written.has(b));
    if (!joins) flush();
    group.push(k);
    written.add(k.dest);
  }
  flush();
  return out;
}
