// compiler/time — a cell or model as a program of stages over whole
// sequences. In: step graphs (one per cell instance) and how sequences connect
// them. Out: a Program whose scans the passes carry from step graph to taped
// scan (mapScans), which the lowering runs: forward runs the stages in order,
// backward runs their adjoints in reverse order. A stage is a scan of a step function, a
// per-sequence time reversal (the reverse direction of a bidirectional layer
// runs over each sequence's own valid prefix), or a merge (concat or sum).

import { varArg, type Node, type Shape } from "../ir/index.js";
import type { CellGraph, LossKind } from "./scan.js";
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

/** A stage of a program whose scans carry `S`: a step graph, then its taped pair. */
export type Stage<S = TapedScan> =
  | {
      readonly kind: "scan";
      /** Prefix of its parameter and state names in the ABI ("" for a lone cell). */
      readonly prefix: string;
      readonly scan: S;
      /** The loss this scan's step carries: the program's on the last scan, "none" on the others. */
      readonly loss: LossKind;
      /** Input var name → sequence read at each step. */
      readonly reads: Readonly<Record<string, string>>;
      /** Output name → sequence written at each step. */
      readonly writes: Readonly<Record<string, string>>;
    }
  | { readonly kind: "reverse"; readonly from: string; readonly to: string }
  | {
      readonly kind: "merge";
      readonly op: "concat" | "sum";
      readonly from: readonly [string, string];
      readonly to: string
    };

export type ScanStage<S = TapedScan> = Extract<Stage<S>, { kind: "scan" }>;

export interface Program<S = TapedScan> {
  readonly loss: LossKind;
  readonly sequences: readonly Sequence[];
  readonly stages: readonly Stage<S>[];
}

/** The same program with each scan's payload mapped: how the passes from ad to tape run over a program. */
export function mapScans<A, B>(program: Program<A>, f: (scan: A, stage: ScanStage<A>) => B): Program<B> {
  const stages = program.stages.map((stage): Stage<B> =>
    (stage.kind === "scan" ? { ...stage, scan: f(stage.scan, stage) } : stage));
  return { ...program, stages };
}

export function scansOf<S>(program: Program<S>): ScanStage<S>[] {
  return program.stages.filter((s): s is ScanStage<S> => s.kind === "scan");
}

/** The program of a lone cell: one scan whose inputs and outputs are the module's. */
export function cellProgram(cell: CellGraph, loss: LossKind): Program<CellGraph> {
  const ids = cell.integerInputs ?? new Map<Node, number>();
  const inputs = cell.inputs.map((x) => ({
    name: varArg(x).name,
    shape: x.shape,
    ...(ids.has(x) ? { idsBelow: ids.get(x)! } : {}),
  }));
  const outputs = (cell.outputs ?? [cell.next[0]!]).map((y) => ({ name: y.name, shape: y.node.shape }));
  return {
    loss,
    sequences: [
      ...inputs.map((x) => ({ ...x, role: "input" as const })),
      ...outputs.map((y) => ({ ...y, role: "output" as const })),
    ],
    stages: [{
      kind: "scan",
      prefix: "",
      scan: cell,
      loss,
      reads: Object.fromEntries(inputs.map((x) => [x.name, x.name])),
      writes: Object.fromEntries(outputs.map((y) => [y.name, y.name])),
    }],
  };
}

/** Which stages read each sequence: a sequence read twice gets its cotangent accumulated. */
export function readersOf<S>(program: Program<S>): Map<string, number> {
  const count = new Map<string, number>();
  const read = (name: string) => count.set(name, (count.get(name) ?? 0) + 1);
  for (const stage of program.stages) {
    if (stage.kind === "scan") Object.values(stage.reads).forEach(read);
    else if (stage.kind === "reverse") read(stage.from);
    else stage.from.forEach(read);
  }
  return count;
}
