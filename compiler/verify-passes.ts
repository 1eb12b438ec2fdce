// compiler — what each pass promises, checked on its output (tests run every
// verifier; `compileCell({ verifyEach: true })`). In: a pass's output. Out:
// nothing, or an IRError naming the pass and what is broken. These check
// postconditions the builders do not already enforce: that a program's
// stages read only sequences written before them, that a differentiated step
// has a cotangent for everything it must, that the backward step reads no
// state the tape did not keep, that every kernel operand has a buffer, that
// a checkpointed backward reads a segment's tape only where it recomputed it,
// and that no two regions of the memory plan overlap at any capacity.

import { IRError, printNode, topoOrder, verify, type Fn, type Node, type VarArg } from "./ir/index.js";
import { scansOf, type Port, type Program, type StepFn, type StepPair, type TapedScan } from "./time/index.js";
import { kindOf, type Schedule } from "./lower/kernel.js";
import type { Buffer } from "./lower/buffers.js";
import type { Checkpointing, ScanSchedules } from "./lower/memory-layout.js";
import { readsOf } from "./lower/phases.js";
import { mayFuse } from "./lower/op-kernels.js";
import { isInternalRole, type Abi } from "../runtime/abi.js";
import { placeTensors } from "../runtime/layout.js";

const varsOf = (fn: Fn): VarArg[] =>
  topoOrder(fn.outputs.map((o) => o.node)).filter((n) => n.op === "var").map((n) => n.arg as VarArg);

/** Each scan's graph verifies, and every stage reads a module input or a sequence an earlier stage wrote. */
export function verifyProgram<S>(program: Program<S>, fnOf: (scan: S) => Fn, pass: string): void {
  const written = new Set(program.sequences.filter((q) => q.role === "input").map((q) => q.name));
  const known = new Set(program.sequences.map((q) => q.name));
  const write = (name: string, by: string) => {
    if (!known.has(name)) throw new IRError(`${pass}: ${by} writes ${name}, which is no sequence of the program`);
    if (written.has(name)) throw new IRError(`${pass}: ${by} writes ${name}, which something else already wrote`);
    written.add(name);
  };
  const read = (name: string, by: string) => {
    if (!written.has(name)) throw new IRError(`${pass}: ${by} reads ${name} before any stage wrote it`);
  };
  for (const stage of program.stages) {
    if (stage.kind === "scan") {
      verify(fnOf(stage.scan), `${pass} ${stage.prefix || "cell"}`);
      Object.values(stage.reads).forEach((q) => read(q, `scan ${stage.prefix}`));
      Object.values(stage.writes).forEach((q) => write(q, `scan ${stage.prefix}`));
    } else if (stage.kind === "reverse") {
      read(stage.from, "a reverse stage");
      write(stage.to, "a reverse stage");
    } else {
      stage.from.forEach((q) => read(q, "a merge stage"));
      write(stage.to, "a merge stage");
    }
  }
  for (const q of program.sequences)
    if (q.role === "output" && !written.has(q.name)) throw new IRError(`${pass}: no stage writes the output ${q.name}`);
}

/** Both steps verify, and the backward step differentiates every state, parameter and real input. */
export function verifyStepPairs(program: Program<StepPair>, pass: string): void {
  for (const { scan, prefix } of scansOf(program)) {
    const at = `${pass} ${prefix || "cell"}`;
    verify(scan.forward, `${at} (forward)`);
    verify(scan.backward, `${at} (backward)`);
    const has = (fn: StepFn, kind: Port["kind"], name: string) =>
      fn.outputs.some((o) => o.port.kind === kind && o.port.name === name);
    const want = [
      ...scan.states.map((s) => [scan.forward, "next", s.name, "the next value of state"] as const),
      ...scan.states.map((s) => [scan.backward, "dstate", s.name, "the cotangent of state"] as const),
      ...scan.params.map((p) => [scan.backward, "dparam", p.name, "the gradient of parameter"] as const),
      ...scan.inputs
        .filter((x) => x.idsBelow === undefined)
        .map((x) => [scan.backward, "dinput", x.name, "the cotangent of input"] as const),
    ];
    for (const [fn, kind, name, what] of want) {
      if (!has(fn, kind, name)) throw new IRError(`${at}: the step has no output for ${what} ${name}`);
    }
  }
}

/** The backward step reads no state (only what the forward step taped), and every tape var it reads is written. */
export function verifyTaped(program: Program<TapedScan>, pass: string): void {
  verifyStepPairs(program, pass);
  for (const { scan, prefix } of scansOf(program)) {
    const at = `${pass} ${prefix || "cell"}`;
    const taped = new Set(scan.tape.map((e) => e.name));
    for (const v of varsOf(scan.backward)) {
      if (v.role === "state")
        throw new IRError(`${at}: the backward step reads state ${v.name}, which is not on the tape`);
      if (v.role === "tape" && !taped.has(v.name))
        throw new IRError(`${at}: the backward step reads tape ${v.name}, which no tape entry is`);
    }
    const written = new Set(scan.forward.outputs.filter((o) => o.port.kind === "tape").map((o) => o.port.name));
    for (const e of scan.tape)
      if (!written.has(e.name)) throw new IRError(`${at}: the forward step never writes tape entry ${e.name}`);
  }
}

/** Every value a kernel reads is a var, a constant, stored in a buffer, or fused into that kernel. */
export function verifySchedules(schedules: readonly ({ prefix: string } & ScanSchedules)[], pass: string): void {
  for (const { prefix, forward, backward, checkpoint } of schedules) {
    if (checkpoint && backward) verifyCheckpoint(forward, backward, checkpoint, `${pass} ${prefix}`);
    for (const [phase, s] of [
      ["forward", forward],
      ["backward", backward],
      ["recompute", checkpoint?.recompute],
    ] as const) {
      if (!s) continue;
      for (const kernel of [...s.before, ...s.loop, ...s.after]) {
        for (const { node: root, fuses } of kindOf(kernel).operands(kernel)) {
          const pending = [root];
          while (pending.length > 0) {
            const node = pending.pop()!;
            if (node.op === "var" || node.op === "const" || s.located.has(node)) continue;
            if (!mayFuse(fuses, node.op)) {
              throw new IRError(
                `${pass} ${prefix}${phase}: a ${kernel.kind} kernel reads ${printNode(node)}, `
                  + "which has no buffer and cannot be fused into it",
              );
            }
            pending.push(...node.inputs);
          }
        }
      }
    }
  }
}

/**
 * What checkpointing promises (checkpoint.ts): a region of one segment is
 * read by the backward only inside its loop, where the recomputation of the
 * same segment wrote it; the forward writes none of them; the recomputation
 * adds to no loss and writes nothing but its tape, its state and its scratch,
 * so a segment recomputed changes nothing the backward or the host reads.
 */
function verifyCheckpoint(forward: Schedule, backward: Schedule, c: Checkpointing, at: string): void {
  const dests = (s: Schedule) => [...s.before, ...s.loop, ...s.after].flatMap((k) => ("dest" in k ? [k.dest] : []));
  const name = (b: Buffer) => `${b.role} ${b.name}`;
  for (const k of [...backward.before, ...backward.after]) {
    for (const b of readsOf(k, backward.located)) {
      if (b.segment)
        throw new IRError(`${at}backward: a ${k.kind} kernel over all steps reads ${name(b)}, which holds one segment`);
    }
  }
  for (const b of dests(forward))
    if (b.segment) throw new IRError(`${at}forward: writes ${name(b)}, which the recomputation writes`);
  const recomputed = new Set(dests(c.recompute));
  const own = new Set([...c.recompute.scratch, ...c.states.map((s) => s.working)]);
  for (const k of [...c.recompute.before, ...c.recompute.loop, ...c.recompute.after]) {
    if (k.kind === "loss") throw new IRError(`${at}recompute: adds to the loss, which the forward already counted`);
    if ("dest" in k && k.dest.role !== "tape" && !own.has(k.dest))
      throw new IRError(`${at}recompute: writes ${name(k.dest)}`);
  }
  for (const k of backward.loop) {
    for (const b of readsOf(k, backward.located)) {
      if (b.segment && !recomputed.has(b))
        throw new IRError(`${at}backward: reads ${name(b)}, which the recomputation never writes`);
    }
  }
}

/** No two regions overlap, at the default capacity and at capacities around it. */
export function verifyRegions(abi: Abi, pass: string): void {
  const { batch, steps } = abi.capacity;
  for (const capacity of [abi.capacity, { batch: 1, steps: 1 }, { batch: batch + 3, steps: 2 * steps + 1 }]) {
    const regions = [...placeTensors(abi, capacity)]
      .filter(([, p]) => p.bytes > 0)
      .sort(([, a], [, b]) => a.offset - b.offset);
    for (let i = 1; i < regions.length; i++) {
      const [before, at] = [regions[i - 1]!, regions[i]!];
      if (before[1].offset + before[1].bytes > at[1].offset) {
        const size = `at batch ${capacity.batch}, steps ${capacity.steps}`;
        const [lower, upper] = [before[0], at[0]];
        throw new IRError(`${pass}: ${size}, ${lower.name} (${lower.role}) overlaps ${upper.name} (${upper.role})`);
      }
    }
  }
}

export function printRegions(abi: Abi): string {
  const form = (o: Abi["tensors"][number]["offset"]) =>
    typeof o === "number"
      ? String(o)
      : `${o.base} + ${o.batch}·B + ${o.steps}·S + ${o.batchSteps}·B·S`
        + (o.batchSegment ? ` + ${o.batchSegment}·B·⌈√S⌉` : "");
  const rows = abi.tensors.map((t) =>
    `  ${t.name} ${t.role}${isInternalRole(t.role) ? " (internal)" : ""} [${t.shape.join(", ")}] at ${form(t.offset)}`);
  return [
    `memory plan (${abi.tensors.length} regions, memory ${abi.memory ? form(abi.memory) : "fixed"}) {`,
    ...rows,
    "}",
  ].join("\n");
}
