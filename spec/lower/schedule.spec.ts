// spec/lower — the schedule, asserted on its objects (never on dump text): a
// shared matrix times a batch of vectors is one product on a packed copy, cut
// by the tiling the schedule was given; W·x of every step runs before the loop
// over time and a weight gradient summed over the batch after it; the tiling
// reaches every product and pack kernel and the printed schedule shows it; an
// LSTM in PyTorch's layout does the four-matrix LSTM's work in one product per
// phase, reading its split gates in place.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  differentiate, instantiate, parse, schedule as schedulePass, simplify, tape, type PassContext,
} from "../../compiler/passes.js";
import { Graph, type Node } from "../../compiler/ir/index.js";
import type { Buffer } from "../../compiler/lower/buffers.js";
import { defaultTiling, type Kernel, type Tiling } from "../../compiler/lower/kernel.js";
import { printSchedule, schedule } from "../../compiler/lower/schedule.js";

const buffer = (name: string, role: Buffer["role"], shape: number[], batched: boolean, perStep = false): Buffer => ({
  name, role, shape, perStep, batched, type: "f32", place: undefined,
});

/** y = tanh(W·x + b) over a batch: W and b parameters, x a per-step input, y a per-step output. */
function denseStep(tiling?: Tiling) {
  const g = new Graph();
  const W = g.variable("W", "param", [8, 5], false);
  const b = g.variable("b", "param", [8], false);
  const x = g.variable("x", "input", [5], true);
  const y = g.apply("tanh", [g.apply("add", [g.apply("matvec", [W, x]), b])]);
  const homes = new Map<Node, Buffer>([
    [W, buffer("W", "param", [8, 5], false)],
    [b, buffer("b", "param", [8], false)],
    [x, buffer("x", "input", [5], true, true)],
  ]);
  const out = buffer("y", "output", [8], true, true);
  const s = schedule({
    fn: { graph: g, outputs: [{ name: "y", node: y }] },
    title: "dense",
    varBuffer: (n) => homes.get(n)!,
    sinkOf: () => ({ kind: "store", buffer: out }),
    dtype: "f32",
    ...(tiling ? { tiling } : {}),
  });
  return { s, W, x, y, out };
}

const all = (s: { before: readonly Kernel[]; loop: readonly Kernel[]; after: readonly Kernel[] }) =>
  [...s.before, ...s.loop, ...s.after];

/** The forward and backward schedules of an example cell with I = 3, H = 4 (int8: the forward one). */
function schedulesOf(file: string, quantize?: "int8") {
  const context: PassContext = {
    file, text: readFileSync(file, "utf8"), dims: { I: 3, H: 4 }, loss: "mse", dtype: "f32", simd: true,
    capacity: { batch: 2, steps: 3 }, optimize: false, train: undefined, inference: quantize !== undefined,
    relaxedSimd: false, ...(quantize ? { quantize } : {}),
  };
  const staged = instantiate.run(parse.run(context, context), context);
  const taped = tape.run(simplify.run(differentiate.run(staged, context), context), context);
  const [first] = schedulePass.run(taped, context).schedules;
  return { forward: first!.forward, backward: first!.backward! };
}

const products = (ks: readonly Kernel[]) => ks.filter((k): k is Kernel & { kind: "matvec" } => k.kind === "matvec");
const summedOuters = (ks: readonly Kernel[]) =>
  ks.filter((k): k is Kernel & { kind: "outer" } => k.kind === "outer" && k.batchsum);
/** Multiply-adds of a phase's products per batch entry: what the two LSTM layouts must do alike. */
const work = (ks: readonly Kernel[]) => products(ks).reduce((n, k) => n + k.w.shape[0]! * k.w.shape[1]!, 0);

describe("the schedule", () => {
  it("computes a shared matrix times a batch of vectors as one product on a packed copy, before the loop", () => {
    const { s, W, x, out } = denseStep();
    expect(s.loop).toEqual([]);
    const kinds = s.before.map((k) => k.kind);
    expect(kinds).toEqual(["pack", "matvec", "elementwise"]);
    const [pack, product, activation] = s.before as [
      Kernel & { kind: "pack" },
      Kernel & { kind: "matvec" },
      Kernel & { kind: "elementwise" },
    ];
    expect(pack.x).toBe(W);
    expect(pack.transpose).toBe(true);
    expect(product.w).toBe(W);
    expect(product.x).toBe(x);
    expect(product.panels).toBe(pack.dest);
    // The bias and tanh fuse into one elementwise kernel reading the product's result.
    expect(activation.dest).toBe(out);
    expect(activation.root.op).toBe("tanh");
  });

  it("hands its tiling to every product and pack kernel, and prints it", () => {
    const tiling: Tiling = { tileRows: 3, stripVectors: 2, batchBlock: 32, dotRows: 5 };
    const { s } = denseStep(tiling);
    const tiled = all(s).filter((k) => k.kind === "matvec" || k.kind === "pack");
    expect(tiled.length).toBe(2);
    for (const k of tiled) expect("tiling" in k && k.tiling).toEqual(tiling);
    const text = printSchedule(s, "dense");
    expect(text).toContain("tiles 3x2v");
    expect(text).toContain("strips 2v");
    expect(denseStep().s.before.every((k) => !("tiling" in k) || k.tiling === defaultTiling)).toBe(true);
  });

  it("runs an LSTM's input products before the loop, its recurrent ones in it, and weight gradients after it", () => {
    const { forward, backward } = schedulesOf("examples/lstm.ts");
    // Four gates: four W·x over all steps before the loop (each reading the masked input), four U·h each step.
    const before = products(forward.before);
    expect(before.length).toBe(4);
    expect(new Set(before.map((k) => k.x)).size).toBe(1);
    expect(before[0]!.x.op).toBe("select");
    expect(products(forward.loop).length).toBe(4);
    expect(products(forward.loop).every((k) => k.panels !== undefined)).toBe(true);
    // Gradients of the eight matrices: one summed outer product each, over all steps, after the backward loop.
    const summed = backward.after.filter((k) => k.kind === "outer" && k.batchsum);
    expect(summed.length).toBe(8);
    expect(backward.loop.some((k) => k.kind === "outer" && k.batchsum)).toBe(false);
  });

  it(
    "runs the LSTM in PyTorch's layout as one product of all 4H rows where the four-matrix LSTM runs four, and " +
      "reads its gates in place",
    () => {
      const fused = schedulesOf("examples/lstm-fused.ts");
      const four = schedulesOf("examples/lstm.ts");
      for (const phase of ["before", "loop"] as const) {
        const [product] = products(fused.forward[phase]);
        expect(products(fused.forward[phase]).length).toBe(1);
        expect(product!.w.shape).toEqual(phase === "before" ? [16, 3] : [16, 4]);
        expect(product!.panels).toBeDefined();
        expect(products(four.forward[phase]).length).toBe(4);
        expect(work(fused.forward[phase])).toBe(work(four.forward[phase]));
      }
      // The split is views: no kernel of the forward step stores a slice.
      const forwardKernels = all(fused.forward);
      expect(
        forwardKernels.filter((k) => ("root" in k && k.root.op === "slice") || ("src" in k && k.src.op === "slice")),
      ).toEqual([]);
      // Backward: the gates' cotangents go into the rows of one vector, which feeds one transposed product.
      const concats = fused.backward.loop.filter((k): k is Kernel & { kind: "concat" } => k.kind === "concat");
      expect(concats.map((k) => k.parts.length)).toEqual([4]);
      const [transposed] = products(fused.backward.loop);
      expect(products(fused.backward.loop).length).toBe(1);
      expect(transposed!.transposed).toBe(true);
      expect(transposed!.x.op).toBe("concat");
      expect(work(fused.backward.loop)).toBe(work(four.backward.loop));
      // One summed outer product per weight, as many rows in all as the eight of the four-matrix LSTM.
      const rows = (ks: readonly Kernel[]) => summedOuters(ks).reduce((n, k) => n + k.a.shape[0]! * k.b.shape[0]!, 0);
      expect(summedOuters(fused.backward.after).length).toBe(2);
      expect(rows(fused.backward.after)).toBe(rows(four.backward.after));
    },
  );

  it("quantises each vector of an int8 LSTM once, for the four products that read it, where they run", () => {
    const { forward } = schedulesOf("examples/lstm.ts", "int8");
    for (const phase of ["before", "loop"] as const) {
      const kernels = forward[phase];
      const quantizes = kernels.filter((k): k is Kernel & { kind: "quantize" } => k.kind === "quantize");
      const qproducts = kernels.filter((k): k is Kernel & { kind: "qmatvec" } => k.kind === "qmatvec");
      expect(quantizes.length).toBe(1);
      expect(qproducts.length).toBe(4);
      const [q] = quantizes;
      // Over all steps (x) the staged copy has a row per step; in the loop (h) one per batch entry.
      expect(q!.dest.perStep).toBe(phase === "before");
      for (const p of qproducts) {
        expect(p.staged).toBe(q!.dest);
        expect(p.x).toBe(q!.x);
        expect(kernels.indexOf(p)).toBeGreaterThan(kernels.indexOf(q!));
      }
    }
    expect(products(all(forward))).toEqual([]);
  });
});
