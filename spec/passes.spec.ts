// spec — the pipeline as a list of passes (compiler/pipeline.ts, passes.ts):
// every pass dumps under its name (and the earlier names still work), every
// verifier passes on real programs and fails on the broken output it exists
// to catch (compiler/verify-passes.ts).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { passAliases, passNames, type CompileOptions } from "../compiler/pipeline.js";
import { compileCell } from "./support/compile.js";
import {
  bake, differentiate, instantiate, memory, parse, schedule, simplify, tape, type PassContext,
} from "../compiler/passes.js";
import { instantiateModel as load } from "../runtime/model.js";
import { decodeParams, initParams } from "../runtime/index.js";
import { withoutCustomSection } from "../compiler/lower/sections.js";
import { Graph, type Node } from "../compiler/ir/index.js";
import { readsOf } from "../compiler/lower/phases.js";
import type { Abi } from "../runtime/abi.js";

const file = "examples/lstm.ts";
const options: CompileOptions = { file, text: readFileSync(file, "utf8"), dims: { I: 3, H: 4 }, optimize: false };
const context: PassContext = {
  file, text: options.text, dims: options.dims, loss: "mse", dtype: "f64", simd: false,
  capacity: { batch: 2, steps: 3 },
  optimize: false, train: undefined, inference: false, relaxedSimd: false, checkpoint: false,
};

function front() {
  const parsed = parse.run(context, context);
  const staged = instantiate.run(parsed, context);
  const taped = tape.run(simplify.run(differentiate.run(staged, context), context), context);
  return { staged, taped, lowered: schedule.run(taped, context) };
}

describe("the pipeline's passes", () => {
  it("dump under every name, in order, and verify on the way", () => {
    const seen: string[] = [];
    compileCell({
      ...options,
      verifyEach: true,
      dump: {
        after: [...passNames],
        write: (pass, text) => {
          seen.push(pass);
          expect(text.length, pass).toBeGreaterThan(0);
        },
      },
    });
    expect(seen).toEqual([...passNames]);
    const aliased: string[] = [];
    compileCell({ ...options, dump: { after: Object.keys(passAliases), write: (pass) => aliased.push(pass) } });
    expect(aliased).toEqual(["instantiate", "differentiate", "emit"]);
  });

  it("instantiate's verifier refuses a stage that reads a sequence nothing wrote", () => {
    const { staged } = front();
    const stage = staged.program.stages[0]!;
    const broken = {
      ...staged,
      program: { ...staged.program, stages: [{ ...stage, reads: { x: "nowhere" } } as typeof stage] },
    };
    expect(() => instantiate.verify(staged)).not.toThrow();
    expect(() => instantiate.verify(broken)).toThrow(/instantiate: scan  reads nowhere before any stage wrote it/);
  });

  it("the tape's verifier refuses a backward step that reads a state the tape did not keep", () => {
    const { taped } = front();
    expect(() => tape.verify(taped)).not.toThrow();
    const stage = taped.program.stages[0]! as Extract<(typeof taped.program.stages)[number], { kind: "scan" }>;
    const g = stage.scan.backward.graph as Graph;
    const state = g.variable("c", "state", [4], true);
    const [first, ...rest] = stage.scan.backward.outputs;
    const backward = { graph: g, outputs: [{ ...first!, node: g.apply("add", [first!.node, state]) }, ...rest] };
    const broken = {
      ...taped,
      program: { ...taped.program, stages: [{ ...stage, scan: { ...stage.scan, backward } }] },
    };
    expect(() => tape.verify(broken)).toThrow(/the backward step reads state c, which is not on the tape/);
  });

  it("the schedule's verifier refuses a kernel reading a value that has no buffer", () => {
    const { lowered } = front();
    expect(() => schedule.verify(lowered)).not.toThrow();
    const [first] = lowered.schedules;
    const product = first!.forward.loop.find((k) => k.kind === "matvec" || k.kind === "elementwise")!;
    const unlocated = new Map([...first!.forward.located].filter(([node]) => node.op === "var" || node.op === "const"));
    const brokenSchedule = { ...first!.forward, loop: [product], located: unlocated };
    const broken = { ...lowered, schedules: [{ ...first!, forward: brokenSchedule }] };
    expect(() => schedule.verify(broken)).toThrow(
      /schedule forward: a (matvec|elementwise) kernel reads .* which has no buffer/,
    );
  });

  it("the schedule's verifier refuses a checkpointed backward that could read a segment it did not recompute", () => {
    const taped = front().taped;
    const lowered = schedule.run(taped, { ...context, checkpoint: true });
    expect(() => schedule.verify(lowered)).not.toThrow();
    const [first] = lowered.schedules;
    const c = first!.checkpoint!;
    const segmentWriter = c.recompute.loop.find((k) => "dest" in k && k.dest.segment)!;
    const withBackward = (s: typeof first) => ({ ...lowered, schedules: [s!] });
    // The same tape entry written by the forward as well: the forward holds no segment.
    const forwardWrites = { ...first!, forward: { ...first!.forward, loop: [...first!.forward.loop, segmentWriter] } };
    expect(() => schedule.verify(withBackward(forwardWrites))).toThrow(
      /schedule forward: writes tape t\d+, which the recomputation writes/,
    );
    // A recomputation that no longer writes it.
    const recompute = { ...c.recompute, loop: c.recompute.loop.filter((k) => k !== segmentWriter) };
    const unwritten = { ...first!, checkpoint: { ...c, recompute } };
    expect(() => schedule.verify(withBackward(unwritten))).toThrow(
      /schedule backward: reads tape t\d+, which the recomputation never writes/,
    );
    // A recomputation that counts the loss again.
    const lossKernel = { kind: "loss" as const, src: (segmentWriter as { root: Node }).root };
    const counted = {
      ...first!,
      checkpoint: { ...c, recompute: { ...c.recompute, loop: [...c.recompute.loop, lossKernel] } },
    };
    expect(() => schedule.verify(withBackward(counted))).toThrow(/schedule recompute: adds to the loss/);
    // A kernel over all steps of the backward reading a segment.
    const reader = first!.backward!.loop.find((k) => [...readsOf(k, first!.backward!.located)].some((b) => b.segment))!;
    const overAll = { ...first!, backward: { ...first!.backward!, after: [...first!.backward!.after, reader] } };
    expect(() => schedule.verify(withBackward(overAll))).toThrow(
      /schedule backward: a \w+ kernel over all steps reads tape t\d+, which holds one segment/,
    );
  });

  it("the memory plan's verifier refuses overlapping regions", () => {
    const { lowered } = front();
    expect(() => memory.verify(lowered)).not.toThrow();
    const tensors = lowered.abi.tensors.map((t, i) => (i === 1 ? { ...t, offset: lowered.abi.tensors[0]!.offset } : t));
    const broken = { ...lowered, abi: { ...lowered.abi, tensors } as Abi };
    expect(() => memory.verify(broken)).toThrow(/memory: at batch \d+, steps \d+, .* overlaps /);
  });

  it("the bake verifier refuses a module whose rnnc section is not its ABI, or whose parameters are half baked", () => {
    const plain = load(compileCell({ ...options, inference: true }).binary);
    initParams(plain, 1);
    const baked = compileCell({
      ...options, inference: true, verifyEach: true, params: decodeParams(plain.saveParams()),
    });
    expect(() => bake.verify(baked)).not.toThrow();
    const tensors = baked.abi.tensors.map((t, i) => (i === 0 ? { ...t, baked: undefined } : t));
    expect(() => bake.verify({ ...baked, abi: { ...baked.abi, tensors } as Abi })).toThrow(
      "bake: the module's rnnc section is not the ABI it returns",
    );
    const half = compileCell({ ...options, inference: true });
    const halfAbi = {
      ...half.abi,
      tensors: half.abi.tensors.map((t, i) => (i === 0 ? { ...t, baked: true as const } : t)),
    };
    const section = new TextEncoder().encode(JSON.stringify(halfAbi));
    const withSection = withRnncSection(half.binary, section);
    expect(() => bake.verify({ binary: withSection, abi: halfAbi, wat: "" })).toThrow(
      /bake: 1 of 12 parameters are marked baked/,
    );
  });
});

/** The module with another rnnc section in place of its own. */
function withRnncSection(binary: Uint8Array, payload: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode("rnnc");
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
      n = Math.floor(n / 128);
    } while (n > 0);
    return out;
  };
  const body = [...leb(name.length), ...name, ...payload];
  const section = Uint8Array.from([0, ...leb(body.length), ...body]);
  const stripped = withoutCustomSection(binary, "rnnc");
  const out = new Uint8Array(stripped.length + section.length);
  out.set(stripped);
  out.set(section, stripped.length);
  return out;
}
