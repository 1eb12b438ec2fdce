// compiler/lower — the schedule: how one step function is looped. In: a step
// Fn, where each var lives, and where each output goes. Out: an ordered list
// of kernels. Chains of elementwise ops fuse into the one loop of the value
// that needs storing (or into the reduction that consumes them); an outer
// product summed over the batch is one kernel; a matrix times a batch of
// vectors, transposed or not, is one product on a copy of the matrix packed
// for it: once per call, or, for a parameter, once per parameter version
// (panels.ts). The graph never says any of this.

import { isElementwise, topoOrder, IRError, printNode, type Fn, type Node } from "../ir/index.js";
import type { Buffer } from "./buffers.js";
import { readsOf, splitPhases } from "./phases.js";

/** Where an output of the step goes. */
export type Sink =
  | { readonly kind: "store"; readonly buffer: Buffer }
  | { readonly kind: "accumulate"; readonly buffer: Buffer }
  /** Stored after every other kernel of the step: the buffer is also read this step (a state). */
  | { readonly kind: "deferred"; readonly buffer: Buffer }
  /** Summed over the batch into the function's loss. */
  | { readonly kind: "loss" };

export type Kernel =
  /** dest = expression rooted at `root`, fused down to located values and constants. */
  | { readonly kind: "elementwise"; readonly root: Node; readonly dest: Buffer; readonly accumulate: boolean }
  | { readonly kind: "copy"; readonly src: Node; readonly dest: Buffer; readonly accumulate: boolean }
  /** dest[b] = sum over elements of the fused expression `root`. */
  | { readonly kind: "sum"; readonly root: Node; readonly dest: Buffer; readonly accumulate: boolean }
  /** dest[b] = log Σ exp over elements of the fused expression `root`. */
  | { readonly kind: "logsumexp"; readonly root: Node; readonly dest: Buffer; readonly accumulate: boolean }
  /** dest = sum over the batch of the fused expression `root`. */
  | { readonly kind: "batchsum"; readonly root: Node; readonly dest: Buffer; readonly accumulate: boolean }
  /** y = W·x, or Wᵀ·x if `transposed`; with `panels`, W (or Wᵀ) is read from that packed copy (pack.ts). */
  | { readonly kind: "matvec"; readonly w: Node; readonly transposed: boolean; readonly x: Node; readonly panels?: Buffer; readonly dest: Buffer; readonly accumulate: boolean }
  /** dest = W, or Wᵀ if `transpose`, packed in column panels for the product kernel. */
  | { readonly kind: "pack"; readonly x: Node; readonly transpose: boolean; readonly dest: Buffer; readonly accumulate: false }
  /** With `packing`, the scratch the summed product packs its blocks into (gemm.ts: Product.packed). */
  | { readonly kind: "outer"; readonly a: Node; readonly b: Node; readonly batchsum: boolean; readonly packing?: Buffer; readonly dest: Buffer; readonly accumulate: boolean }
  | { readonly kind: "transpose"; readonly x: Node; readonly dest: Buffer; readonly accumulate: false }
  /** dest (+)= Σ_k table[ids[k]], rows outside the table skipped. */
  | { readonly kind: "gathersum"; readonly table: Node; readonly ids: Node; readonly dest: Buffer; readonly accumulate: boolean }
  /** dest[ids[b, k]] (+)= g[b] for every batch entry: the embedding gradient, touching only the rows used. */
  | { readonly kind: "scatteradd"; readonly g: Node; readonly ids: Node; readonly dest: Buffer; readonly accumulate: boolean }
  | { readonly kind: "loss"; readonly src: Node };

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

export interface ScheduleInput {
  readonly fn: Fn;
  readonly title: string;
  /** The buffer of each var. */
  readonly varBuffer: (node: Node) => Buffer;
  readonly sinks: ReadonlyMap<string, Sink>;
  /** Element type of intermediate values. */
  readonly dtype: "f32" | "f64";
  /** Panels of a parameter that the module keeps between calls (panels.ts): the schedule packs none of them. */
  readonly lastingPanels?: (param: Buffer, transpose: boolean) => Buffer | undefined;
}

export function schedule({ fn, title, varBuffer, sinks, dtype, lastingPanels }: ScheduleInput): Schedule {
  const roots = fn.outputs.map((o) => o.node);
  const order = topoOrder(roots);
  const users = new Map<Node, Node[]>();
  for (const node of order) for (const input of node.inputs) users.set(input, [...(users.get(input) ?? []), node]);
  const outputsOf = new Map<Node, Sink[]>();
  for (const { name, node } of fn.outputs) {
    const sink = sinks.get(name);
    if (!sink) throw new IRError(`${title}: no sink for output ${name}`);
    outputsOf.set(node, [...(outputsOf.get(node) ?? []), sink]);
  }

  const located = new Map<Node, Buffer>();
  const scratch: Buffer[] = [];
  const kernels: Kernel[] = [];
  const deferred: Kernel[] = [];
  const newScratch = (node: Node): Buffer => {
    const buffer: Buffer = { name: `${title}.v${node.id}`, role: "scratch", shape: node.shape, perStep: false, batched: node.batched, type: dtype, place: undefined };
    scratch.push(buffer);
    return buffer;
  };

  /** Fused into its single user instead of stored. */
  const fused = (node: Node): boolean => {
    if (node.op === "var" || node.op === "const" || outputsOf.has(node)) return false;
    const us = users.get(node) ?? [];
    if (node.op === "transpose") return us.every((u) => u.op === "matvec" && u.inputs[0] === node && u.inputs[1] !== node);
    if (us.length !== 1) return false;
    const user = us[0]!;
    if (node.op === "outer" || node.op === "scatterrows") return user.op === "batchsum";
    return isElementwise(node.op) && (isElementwise(user.op) || user.op === "sum" || user.op === "logsumexp" || user.op === "batchsum");
  };

  /** W (or Wᵀ) packed for the product kernel, by a pack kernel before its first use; one copy per matrix and form. */
  const packed = new Map<string, Buffer>();
  const panelsOf = (w: Node, transpose: boolean): Buffer => {
    const source = w.op === "var" ? located.get(w) : undefined;
    const lasting = source?.role === "param" ? lastingPanels?.(source, transpose) : undefined;
    if (lasting) return lasting;
    const key = `${w.id}${transpose ? "t" : ""}`;
    let home = packed.get(key);
    if (!home) {
      home = { name: `${title}.panels${key}`, role: "scratch", shape: w.shape, perStep: false, batched: false, type: dtype, place: undefined };
      scratch.push(home);
      kernels.push({ kind: "pack", x: w, transpose, dest: home, accumulate: false });
      packed.set(key, home);
    }
    return home;
  };

  const compute = (node: Node, dest: Buffer, accumulate: boolean): Kernel => {
    const [a, b] = node.inputs;
    switch (node.op) {
      case "var":
      case "const":
        return { kind: "elementwise", root: node, dest, accumulate };
      case "sum":
        return { kind: "sum", root: a!, dest, accumulate };
      case "logsumexp":
        return { kind: "logsumexp", root: a!, dest, accumulate };
      case "batchsum":
        if (a!.op === "scatterrows" && fused(a!)) return { kind: "scatteradd", g: a!.inputs[0]!, ids: a!.inputs[1]!, dest, accumulate };
        return a!.op === "outer" && fused(a!)
          ? { kind: "outer", a: a!.inputs[0]!, b: a!.inputs[1]!, batchsum: true, dest, accumulate }
          : { kind: "batchsum", root: a!, dest, accumulate };
      case "gathersum":
        return { kind: "gathersum", table: a!, ids: b!, dest, accumulate };
      case "scatterrows":
        throw new IRError(`${title}: scatterrows is only computed summed over the batch: ${printNode(node)}`);
      case "matvec": {
        const transposed = a!.op === "transpose" && fused(a!);
        const w = transposed ? a!.inputs[0]! : a!;
        // A matrix shared by a batch of vectors: the product kernel reads B = Wᵀ (for W·x) or W (for Wᵀ·x) packed.
        const panels = !w.batched && b!.batched ? panelsOf(w, !transposed) : undefined;
        return { kind: "matvec", w, transposed, x: b!, ...(panels ? { panels } : {}), dest, accumulate };
      }
      case "outer":
        return { kind: "outer", a: a!, b: b!, batchsum: false, dest, accumulate };
      case "transpose":
        if (accumulate) throw new IRError(`${title}: accumulating transpose ${printNode(node)}`);
        return { kind: "transpose", x: a!, dest, accumulate: false };
      default:
        if (!isElementwise(node.op)) throw new IRError(`${title}: no kernel for ${printNode(node)}`);
        return { kind: "elementwise", root: node, dest, accumulate };
    }
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
  // One packing scratch, as large as the largest summed product needs, shared by all (they run one after another).
  const packingSize = Math.max(0, ...kernels.map((k) => (k.kind === "outer" && k.batchsum ? packingElements(k.a.shape[0]!, k.b.shape[0]!) : 0)));
  if (packingSize > 0) {
    const packing: Buffer = { name: `${title}.packing`, role: "scratch", shape: [packingSize], perStep: false, batched: false, type: dtype, place: undefined };
    scratch.push(packing);
    kernels.forEach((k, i) => {
      if (k.kind === "outer" && k.batchsum) kernels[i] = { ...k, packing };
    });
  }
  const direct = storeStatesInPlace(kernels, deferred, located, scratch, (node) => (users.get(node) ?? []).length === 0 && outputsOf.get(node)!.length === 1);
  return splitPhases([...kernels, ...deferred.filter((k) => !direct.has(k))], located, scratch.filter((b) => ![...direct.values()].includes(b)));
}

/** Steps of the batch contraction of Σ_b a_b ⊗ c_b packed at a time. */
export const packingBlock = 64;

/** Elements of the packing scratch of Σ_b a_b ⊗ c_b for a of `rows` and c of `cols` entries. */
const packingElements = (rows: number, cols: number) => packingBlock * (rows + cols);

/**
 * A next state is stored in scratch and copied over the state after every
 * other kernel of the step, which may still read the old state. Where the
 * kernel computing it is elementwise (so it reads the old state at the very
 * element it writes), nothing after it reads the state, and nothing else reads
 * the new value, that kernel writes the state directly: one pass over the
 * state per step instead of three. Returns the copies made needless, each with
 * the scratch buffer it no longer needs; retargets the kernels and `located`.
 */
function storeStatesInPlace(kernels: Kernel[], deferred: readonly Kernel[], located: Map<Node, Buffer>, scratch: readonly Buffer[], onlyThisSink: (node: Node) => boolean): Map<Kernel, Buffer> {
  const direct = new Map<Kernel, Buffer>();
  for (const copy of deferred) {
    if (copy.kind !== "copy" || copy.accumulate || !onlyThisSink(copy.src)) continue;
    const home = located.get(copy.src);
    const i = kernels.findIndex((k) => k.kind === "elementwise" && k.root === copy.src && k.dest === home && !k.accumulate);
    if (!home || i < 0 || !scratch.includes(home) || home.perStep !== copy.dest.perStep || home.batched !== copy.dest.batched) continue;
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
    switch (k.kind) {
      case "elementwise": return `  elementwise ${show(k.root)}${dest}`;
      case "copy": return `  copy ${show(k.src)}${dest}`;
      case "sum": return `  sum ${show(k.root)}${dest}`;
      case "logsumexp": return `  logsumexp ${show(k.root)}${dest}`;
      case "batchsum": return `  batchsum ${show(k.root)}${dest}`;
      case "matvec": return `  matvec ${k.transposed ? "transpose " : ""}${show(k.w)}${k.panels ? ` (packed ${k.panels.name})` : ""}, ${show(k.x)}${dest}`;
      case "pack": return `  pack ${k.transpose ? "transpose " : ""}${show(k.x)}${dest}`;
      case "outer": return `  outer${k.batchsum ? "+batchsum" : ""} ${show(k.a)}, ${show(k.b)}${dest}`;
      case "transpose": return `  transpose ${show(k.x)}${dest}`;
      case "loss": return `  loss += batchsum ${show(k.src)}`;
      case "gathersum": return `  gathersum ${show(k.table)}, ${show(k.ids)}${dest}`;
      case "scatteradd": return `  scatteradd ${show(k.g)}, ${show(k.ids)}${dest}`;
    }
  };
  const phase = (name: string, kernels: readonly Kernel[]) => (kernels.length === 0 ? [] : [` ${name}:`, ...kernels.map(line)]);
  return [`${title} schedule {`, ...phase("over all steps, before the loop", s.before), ...phase("each step", s.loop), ...phase("over all steps, after the loop", s.after), "}"].join("\n");
}
