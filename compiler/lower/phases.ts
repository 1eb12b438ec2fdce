// compiler/lower — phases of a scan's schedule. In: the kernels of one step in
// order, where each value lives. Out: the same kernels split three ways —
// `before` the loop over time, the `loop` itself, and `after` it — with the
// scratch that crosses phases given a row per step. A kernel that reads nothing
// the recurrence computes (W·x of every step, the loss gradient from the tape)
// runs once before the loop over all steps·batch rows, as one matrix product
// instead of one per step; a kernel whose result nothing in the loop reads (a
// weight gradient summed over steps, the input cotangent) runs once after it.
// Each kernel's code is the same in every phase: over all steps, step 0 of a
// per-step buffer is its whole [steps, batch] block, and a batch of
// steps·batch rows covers it.

import { IRError, type Node } from "../ir/index.js";
import type { Buffer } from "./buffers.js";
import { kindOf, type Kernel, type Schedule } from "./kernel.js";

type Phase = "before" | "loop" | "after";

/** The buffers a kernel reads: those of the located values its fused operands bottom out in. */
export function readsOf(kernel: Kernel, located: ReadonlyMap<Node, Buffer>): Set<Buffer> {
  const out = new Set<Buffer>();
  const visit = (node: Node) => {
    const buffer = located.get(node);
    if (buffer) out.add(buffer);
    else if (node.op === "var") throw new IRError(`var %${node.id} has no buffer`);
    else node.inputs.forEach(visit);
  };
  const kind = kindOf(kernel);
  for (const { node } of kind.operands(kernel)) visit(node);
  for (const buffer of kind.buffers?.(kernel) ?? []) out.add(buffer);
  return out;
}

const destOf = (kernel: Kernel): Buffer | undefined => ("dest" in kernel ? kernel.dest : undefined);

/** Sums over the batch into its destination: over all steps, the same kernel sums over steps too. */
const reducesBatch = (kernel: Kernel): boolean => kindOf(kernel).reducesBatch(kernel);

export function splitPhases(
  kernels: readonly Kernel[],
  located: ReadonlyMap<Node, Buffer>,
  scratch: readonly Buffer[],
): Schedule {
  const isScratch = new Set(scratch);
  const reads = kernels.map((k) => readsOf(k, located));
  const writers = new Map<Buffer, number[]>();
  kernels.forEach((k, i) => {
    const dest = destOf(k);
    if (dest) writers.set(dest, [...(writers.get(dest) ?? []), i]);
  });
  const readBySchedule = new Set(reads.flatMap((r) => [...r]));

  /** Whether the kernel's code is right over all steps at once. */
  const collapsible = (i: number): boolean => {
    const k = kernels[i]!;
    const batchedReads = [...reads[i]!].some((b) => b.batched);
    const rowsPerStep = (b: Buffer) => b.perStep || (isScratch.has(b) && b.batched);
    for (const b of reads[i]!) if (b.batched && !rowsPerStep(b)) return false; // a state: one row per batch entry
    for (const b of reads[i]!) if (b.perStep && !b.batched) return false;
    const dest = destOf(k);
    if (!dest) return reducesBatch(k);
    if (dest.batched) return rowsPerStep(dest);
    if (dest.perStep) return false;
    // One value for the whole call: a loop invariant, or a sum over the batch that becomes a sum over steps too.
    return !batchedReads || ("accumulate" in k && k.accumulate && reducesBatch(k) && !readBySchedule.has(dest));
  };

  const phase: Phase[] = kernels.map(() => "loop");
  const ready = (b: Buffer): boolean => (writers.get(b) ?? []).every((w) => phase[w] === "before");
  kernels.forEach((k, i) => {
    const dest = destOf(k);
    const earlierWriters = dest ? (writers.get(dest) ?? []).filter((w) => w < i) : [];
    if (collapsible(i) && [...reads[i]!].every(ready) && earlierWriters.every((w) => phase[w] === "before"))
      phase[i] = "before";
  });
  for (let i = kernels.length - 1; i >= 0; i--) {
    if (phase[i] !== "loop" || !collapsible(i)) continue;
    const dest = destOf(kernels[i]!);
    const readLater =
      dest !== undefined && kernels.some((_, j) => j !== i && reads[j]!.has(dest) && phase[j] !== "after");
    const laterWriters = dest ? (writers.get(dest) ?? []).filter((w) => w > i) : [];
    // A value of one row per call that the loop writes holds only the last step's.
    const perStepReads = [...reads[i]!].every((b) => b.batched || ready(b));
    if (!readLater && perStepReads && laterWriters.every((w) => phase[w] === "after")) phase[i] = "after";
  }

  // Scratch written outside the loop, or read after it, needs a row per step.
  const promoted = new Map<Buffer, Buffer>();
  for (const b of scratch) {
    if (!b.batched) continue;
    const written = (writers.get(b) ?? []).some((w) => phase[w] !== "loop");
    const readAfter = kernels.some((_, j) => phase[j] === "after" && reads[j]!.has(b));
    if (written || readAfter) promoted.set(b, { ...b, perStep: true });
  }
  const swap = (b: Buffer) => promoted.get(b) ?? b;
  // Every buffer a kernel names (its destination, the staged vector of an int8 product) moves with its promotion.
  const retarget = (k: Kernel): Kernel =>
    Object.fromEntries(Object.entries(k).map(([field, v]) => [field, promoted.get(v as Buffer) ?? v])) as Kernel;
  const pick = (p: Phase) => kernels.flatMap((k, i) => (phase[i] === p ? [retarget(k)] : []));
  const where = new Map([...located].map(([n, b]) => [n, swap(b)]));
  return {
    before: pick("before"),
    loop: pick("loop"),
    after: pick("after"),
    located: where,
    scratch: scratch.map(swap),
  };
}
