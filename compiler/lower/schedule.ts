// compiler/lower — the schedule: how one step function is looped. In: a step
// Fn, where each var lives, and where each output goes. Out: an ordered list
// of kernels. Chains of elementwise ops fuse into the one loop of the value
// that needs storing (or into the reduction that consumes them); an outer
// product summed over the batch is one kernel; a matrix times a batch of
// vectors, transposed or not, is one product on a copy of the matrix packed
// for it: once per call, or, for a parameter, once per parameter version
// (panels.ts). The graph never says any of this.

import { opInfo, topoOrder, type Fn, type Node, type Output } from "../ir/index.js";
import type { Buffer } from "./buffers.js";
import {
  defaultTiling, kindOf, stagedElements, type Kernel, type Schedule, type Sink, type Target, type Tiling,
} from "./kernel.js";
import { opKernels, type FusionContext, type Int8Context, type OpKernelContext } from "./op-kernels.js";
import { readsOf, splitPhases } from "./phases.js";

export interface ScheduleInput<O extends Output> {
  readonly fn: Fn<O>;
  readonly title: string;
  /** The buffer of each var. */
  readonly varBuffer: (node: Node) => Buffer;
  /** Where each output goes. */
  readonly sinkOf: (output: O) => Sink;
  /** Element type of intermediate values. */
  readonly dtype: "f32" | "f64";
  /** Panels of a parameter that the module keeps between calls (panels.ts): the schedule packs none of them. */
  readonly lastingPanels?: (param: Buffer, transpose: boolean) => Buffer | undefined;
  /** How products are cut into loops; defaultTiling when omitted. */
  readonly tiling?: Tiling;
  /** The row scales of a parameter stored in int8 (quantized.ts); none in an f32 build. */
  readonly scalesOf?: (param: Buffer) => Buffer | undefined;
}

export function schedule<O extends Output>(input: ScheduleInput<O>): Schedule {
  const { fn, title, varBuffer, sinkOf, dtype, lastingPanels, tiling = defaultTiling, scalesOf } = input;
  const roots = fn.outputs.map((o) => o.node);
  const order = topoOrder(roots);
  const users = new Map<Node, Node[]>();
  for (const node of order) for (const input of node.inputs) users.set(input, [...(users.get(input) ?? []), node]);
  const outputsOf = new Map<Node, Sink[]>();
  for (const output of fn.outputs) outputsOf.set(output.node, [...(outputsOf.get(output.node) ?? []), sinkOf(output)]);

  const located = new Map<Node, Buffer>();
  const scratch: Buffer[] = [];
  const kernels: Kernel[] = [];
  const deferred: Kernel[] = [];
  /** A scratch buffer of the schedule's own, one row per batch entry if `batched` (phases.ts may add one per step). */
  const addScratch = (name: string, shape: readonly number[], batched: boolean): Buffer => {
    const buffer: Buffer = {
      name: `${title}.${name}`, role: "scratch", shape, perStep: false, batched, type: dtype, place: undefined,
    };
    scratch.push(buffer);
    return buffer;
  };
  const newScratch = (node: Node): Buffer => addScratch(`v${node.id}`, node.shape, node.batched);

  /** Computed inside the kernels of its users instead of stored. */
  const fused = (node: Node): boolean =>
    node.op !== "var" && node.op !== "const" && !outputsOf.has(node)
    && opKernels[node.op].fuses(node, users.get(node) ?? [], fusion);
  const computedBy = (node: Node): Node | undefined => {
    if (!fused(node)) return node;
    const next = users.get(node) ?? [];
    return next.length === 1 && opInfo[next[0]!.op].class === "elementwise" ? computedBy(next[0]!) : undefined;
  };
  const fusion: FusionContext = { computedBy };

  /** W (or Wᵀ) packed for the product kernel, by a pack kernel before its first use; one copy per matrix and form. */
  const packed = new Map<string, Buffer>();
  const panelsOf = (w: Node, transpose: boolean): Buffer => {
    const source = w.op === "var" ? located.get(w) : undefined;
    const lasting = source?.role === "param" ? lastingPanels?.(source, transpose) : undefined;
    if (lasting) return lasting;
    const key = `${w.id}${transpose ? "t" : ""}`;
    let home = packed.get(key);
    if (!home) {
      home = addScratch(`panels${key}`, w.shape, false);
      kernels.push({ kind: "pack", x: w, transpose, tiling, dest: home, accumulate: false });
      packed.set(key, home);
    }
    return home;
  };

  /** x quantised for the int8 products that read it, by a quantize kernel before its first use; one copy per vector. */
  const staged = new Map<Node, Buffer>();
  const stagedOf = (x: Node): Buffer => {
    let home = staged.get(x);
    if (!home) {
      home = addScratch(`q${x.id}`, [stagedElements(x.shape[0]!)], x.batched);
      kernels.push({ kind: "quantize", x, dest: home, accumulate: false });
      staged.set(x, home);
    }
    return home;
  };
  const int8: Int8Context | undefined = scalesOf && {
    scalesOf: (w: Node) => (w.op === "var" ? scalesOf(located.get(w)!) : undefined),
    stagedOf,
  };
  const ctx: OpKernelContext = { title, fused, panelsOf, tiling, ...(int8 ? { int8 } : {}) };
  const compute = (node: Node, dest: Buffer, accumulate: boolean): Kernel => {
    const to: Target = { dest, accumulate };
    return opKernels[node.op].kernel(node, to, ctx);
  };

  for (const node of order) {
    if (node.op === "var") located.set(node, varBuffer(node));
    const outs = outputsOf.get(node) ?? [];
    const isLeaf = node.op === "var" || node.op === "const";
    if (fused(node) || (isLeaf && outs.length === 0)) continue;
    const hasUsers = (users.get(node) ?? []).length > 0;
    // Its home: the first plain store, or an accumulation no one else reads, or scratch.
    const store = outs.find((s) => s.kind === "store");
    const lone = outs.length === 1 && !hasUsers && outs[0]!.kind === "accumulate" ? outs[0]! : undefined;
    let home: Buffer | undefined;
    if (isLeaf) home = node.op === "var" ? located.get(node) : undefined;
    else if (store && store.kind === "store") {
      home = store.buffer;
      kernels.push(compute(node, home, false));
    } else if (lone && lone.kind === "accumulate") {
      kernels.push(compute(node, lone.buffer, true));
      continue;
    } else {
      home = newScratch(node);
      kernels.push(compute(node, home, false));
    }
    if (home && node.op !== "var") located.set(node, home);
    for (const sink of outs) {
      if (sink.kind === "store" && sink.buffer === home) continue;
      if (sink.kind === "loss") kernels.push({ kind: "loss", src: node });
      else {
        const kernel: Kernel = home
          ? { kind: "copy", src: node, dest: sink.buffer, accumulate: sink.kind === "accumulate" }
          : { kind: "elementwise", root: node, dest: sink.buffer, accumulate: sink.kind === "accumulate" };
        (sink.kind === "deferred" ? deferred : kernels).push(kernel);
      }
    }
  }
  // One packing scratch, as large as the largest kernel needs, shared by all (they run one after another).
  const packingSize = Math.max(0, ...kernels.map((k) => kindOf(k).packing?.(k) ?? 0));
  if (packingSize > 0) {
    const packing = addScratch("packing", [packingSize], false);
    kernels.forEach((k, i) => {
      if ((kindOf(k).packing?.(k) ?? 0) > 0) kernels[i] = { ...k, packing } as Kernel;
    });
  }
  const onlyThisSink = (node: Node) => (users.get(node) ?? []).length === 0 && outputsOf.get(node)!.length === 1;
  const direct = storeStatesInPlace(kernels, deferred, located, scratch, onlyThisSink);
  const needless = new Set(direct.values());
  const ordered = [...kernels, ...deferred.filter((k) => !direct.has(k))];
  return splitPhases(ordered, located, scratch.filter((b) => !needless.has(b)));
}

/**
 * A next state is stored in scratch and copied over the state after every
 * other kernel of the step, which may still read the old state. Where the
 * kernel computing it is elementwise (so it reads the old state at the very
 * element it writes), nothing after it reads the state, and nothing else reads
 * the new value, that kernel writes the state directly: one pass over the
 * state per step instead of three. Returns the copies made needless, each with
 * the scratch buffer it no longer needs; retargets the kernels and `located`.
 */
function storeStatesInPlace(
  kernels: Kernel[],
  deferred: readonly Kernel[],
  located: Map<Node, Buffer>,
  scratch: readonly Buffer[],
  onlyThisSink: (node: Node) => boolean,
): Map<Kernel, Buffer> {
  const direct = new Map<Kernel, Buffer>();
  for (const copy of deferred) {
    if (copy.kind !== "copy" || copy.accumulate || !onlyThisSink(copy.src)) continue;
    const home = located.get(copy.src);
    const i = kernels.findIndex((k) =>
      k.kind === "elementwise" && k.root === copy.src && k.dest === home && !k.accumulate);
    if (!home || i < 0 || !scratch.includes(home)) continue;
    if (home.perStep !== copy.dest.perStep || home.batched !== copy.dest.batched) continue;
    if (kernels.slice(i + 1).some((k) => readsOf(k, located).has(copy.dest))) continue;
    kernels[i] = { ...(kernels[i] as Kernel & { kind: "elementwise" }), dest: copy.dest };
    located.set(copy.src, copy.dest);
    direct.set(copy, home);
  }
  return direct;
}

export function printSchedule(s: Schedule, title: string): string {
  const show = (n: Node) => `%${n.id}`;
  const line = (k: Kernel) => {
    const dest = "dest" in k ? ` -> ${k.dest.role} ${k.dest.name}${k.accumulate ? " (+=)" : ""}` : "";
    return `  ${kindOf(k).print(k, show)}${dest}`;
  };
  const phase = (name: string, kernels: readonly Kernel[]) =>
    (kernels.length === 0 ? [] : [` ${name}:`, ...kernels.map(line)]);
  return [
    `${title} schedule {`,
    ...phase("over all steps, before the loop", s.before),
    ...phase("each step", s.loop),
    ...phase("over all steps, after the loop", s.after),
    "}",
  ].join("\n");
}
