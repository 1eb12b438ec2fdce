// apps/import — how each framework packs a recurrent layer's gates, in one
// table: the readers unpack by it, the writer states it in the comments of the
// cells it writes, and docs/import.md repeats it for users. In: a framework and
// a cell kind. Out: the packing order under rnnc's gate names, and a sentence.

import type { CellKind, Framework } from "./network.js";

/** The order in which a framework stacks the gates of one packed weight, under rnnc's names. */
export const packedGateOrder = {
  pytorch: { rnn: ["h"], lstm: ["i", "f", "g", "o"], gru: ["r", "z", "n"] },
  onnx: { rnn: ["h"], lstm: ["i", "o", "f", "g"], gru: ["z", "r", "n"] },
  tfjs: { rnn: ["h"], lstm: ["i", "f", "g", "o"], gru: ["z", "r", "n"] },
} as const satisfies Record<Framework, Record<CellKind, readonly string[]>>;

/** Names the frameworks give rnnc's gates where they differ: LSTM's candidate g, GRU's candidate n. */
const ownNames: Record<Framework, Partial<Record<string, string>>> = {
  pytorch: {},
  onnx: { g: "c", n: "h" },
  tfjs: { g: "c", n: "h" },
};

const single: Record<Framework, string> = {
  pytorch: "weight_ih_l{k} [H, I] and weight_hh_l{k} [H, H]",
  onnx: "W [dirs, H, I] and R [dirs, H, H], B [dirs, 2·H] is Wb then Rb",
  tfjs: "kernel [I, H] and recurrent_kernel [H, H] (so each is transposed here)",
};

const packing: Record<Framework, string> = {
  pytorch: "weight_ih_l{k} [G·H, I] and weight_hh_l{k} [G·H, H] stack the gates as row blocks",
  onnx: "W [dirs, G·H, I] and R [dirs, G·H, H] stack the gates as row blocks, B [dirs, 2·G·H] is Wb then Rb",
  tfjs: "kernel [I, G·H] and recurrent_kernel [H, G·H] stack the gates as column blocks (so each is transposed here)",
};

export function frameworkName(framework: Framework): string {
  return { pytorch: "PyTorch", onnx: "ONNX", tfjs: "TF.js / Keras" }[framework];
}

/** One sentence: where the source kept these gates, in its order and under its names. */
export function describePacking(framework: Framework, kind: CellKind): string {
  const order = packedGateOrder[framework][kind];
  if (kind === "rnn") return `${frameworkName(framework)}: ${single[framework]}`;
  const named = order.map((g) => (ownNames[framework][g] ? `${g} (its ${ownNames[framework][g]})` : g));
  return `${frameworkName(framework)}: ${packing[framework]} in the order ${named.join(", ")}`;
}
