// compiler/time — a model as a program of stages over whole sequences. In:
// taped scans (one per cell instance) and how sequences connect them. Out: the
// Program the lowering runs: forward runs the stages in order, backward runs
// their adjoints in reverse order. A stage is a scan of a step function, a
// per-sequence time reversal (the reverse direction of a bidirectional layer
// runs over each sequence's own valid prefix), or a merge (concat or sum).

import type { Shape } from "../ir/index.js";
import type { LossKind } from "./scan.js";
import type { TapedScan } from "./tape.js";

/** A sequence [steps, batch, ...shape] flowing between stages. */
export interface Sequence {
  readonly name: string;
  readonly shape: Shape;
  /** input and output sequences are the module's; internal ones are scratch. */
  readonly role: "input" | "output" | "internal";
  /** An input of integer ids, each below this bound (or negative: padding). */
  readonly idsBelow?: number;
}

export type Stage =
  | {
      readonly kind: "scan";
      /** Prefix of its parameter and state names in the ABI ("" for a lone cell). */
      readonly prefix: string;
      readonly scan: TapedScan;
      /** Input var name → sequence read at each step. */
      readonly reads: Readonly<Record<string, string>>;
      /** Output name → sequence written at each step. */
      readonly writes: Readonly<Record<string, string>>;
    }
  | { readonly kind: "reverse"; readonly from: string; readonly to: string }
  | { readonly kind: "merge"; readonly op: "concat" | "sum"; readonly from: readonly [string, string]; readonly to: string };

export interface Program {
  readonly loss: LossKind;
  readonly sequences: readonly Sequence[];
  readonly stages: readonly Stage[];
}

/** The program of a lone cell: its inputs and outputs are the module's. */
export function cellProgram(scan: TapedScan): Program {
  return {
    loss: scan.loss,
    sequences: [
      ...scan.inputs.map((x) => ({ name: x.name, shape: x.shape, role: "input" as const, ...(x.idsBelow !== undefined ? { idsBelow: x.idsBelow } : {}) })),
      ...scan.outputs.map((y) => ({ name: y.name, shape: y.shape, role: "output" as const })),
    ],
    stages: [{
      kind: "scan",
      prefix: "",
      scan,
      reads: Object.fromEntries(scan.inputs.map((x) => [x.name, x.name])),
      writes: Object.fromEntries(scan.outputs.map((y) => [y.name, y.name])),
    }],
  };
}

/** Which stages read each sequence: a sequence read twice gets its cotangent accumulated. */
export function readersOf(program: Program): Map<string, number> {
  const count = new Map<string, number>();
  const read = (name: string) => count.set(name, (count.get(name) ?? 0) + 1);
  for (const stage of program.stages) {
    if (stage.kind === "scan") Object.values(stage.reads).forEach(read);
    else if (stage.kind === "reverse") read(stage.from);
    else stage.from.forEach(read);
  }
  return count;
}
