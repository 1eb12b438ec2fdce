// apps/import — the rnnc cell that computes one imported layer. In: a
// RecurrentLayer. Out: a CellPlan: the cell's parameters (DSL name, symbolic
// shape, and where its values come from in a direction's weights) and the
// lines of its step, written as the layer's equations. Layers with the same
// plan share one cell in the written model (write-model.ts); the parameter
// file takes its values from the same plan (write-params.ts), so the two
// always agree.

import { applyActivation, literal } from "./activations.js";
import type { Activation, DirectionWeights, RecurrentLayer, Tensor } from "./network.js";

/** Where a cell parameter's values live in a direction's weights. */
export type ParamSource =
  | { readonly kind: "gate"; readonly gate: string; readonly field: "W" | "U" | "bx" | "bh" }
  | { readonly kind: "peephole"; readonly gate: "i" | "f" | "o" }
  | { readonly kind: "projection" };

export interface CellParam {
  readonly name: string;
  /** Symbolic shape: I the layer's input, H its hidden size, P its projection. */
  readonly dims: readonly ("I" | "H" | "P")[];
  readonly source: ParamSource;
}

/** The values of a cell parameter in one direction's weights. */
export function paramValue(direction: DirectionWeights, source: ParamSource): Tensor {
  const missing = (): never => {
    throw new Error(`cells: no weights at ${JSON.stringify(source)}`);
  };
  if (source.kind === "gate") return direction.gates[source.gate]?.[source.field] ?? missing();
  if (source.kind === "peephole") return direction.peepholes?.[source.gate] ?? missing();
  return direction.projection ?? missing();
}

export interface CellPlan {
  /** Equal for layers that one cell computes. */
  readonly key: string;
  readonly kind: RecurrentLayer["kind"];
  readonly states: readonly { readonly name: string; readonly dim: "H" | "P" }[];
  readonly params: readonly CellParam[];
  /** The step's body: const lines, then the returned object's text. */
  readonly body: readonly string[];
  readonly returns: string;
  /** The equations in words, for the cell's comment. */
  readonly summary: readonly string[];
}

const prefixOf = (kind: RecurrentLayer["kind"], gate: string) => (kind === "rnn" ? "" : gate);

/** Which biases the layer has: both sides, one, or none (bias=False, use_bias=False, no ONNX B). */
function biases(layer: RecurrentLayer): { x: boolean; h: boolean } {
  const first = Object.values(layer.directions[0]!.gates)[0]!;
  return { x: first.bx !== undefined, h: first.bh !== undefined };
}

export function planCell(layer: RecurrentLayer): CellPlan {
  const has = biases(layer);
  const projected = layer.kind === "lstm" && layer.projectionSize !== undefined;
  const params: CellParam[] = [];
  const clip = layer.clip;
  // Both of the source's biases stay (bx on the input side, bh on the recurrent
  // side), as the source adds them: summed into one, an f32 file would round them.
  const bias = (gate: string, side: "x" | "h"): string[] => {
    if (!has[side]) return [];
    const s = prefixOf(layer.kind, gate);
    const name = has.x && has.h ? `b${side}${s}` : `b${s}`;
    params.push({ name, dims: ["H"], source: { kind: "gate", gate, field: side === "x" ? "bx" : "bh" } });
    return [name];
  };
  const peep = layer.kind === "lstm" && layer.directions[0]!.peepholes !== undefined;
  /** The terms of a gate's pre-activation; an LSTM's peephole reads `cell` (c or the new cNext). */
  const gateTerms = (gate: string, cell?: "c" | "cNext"): string[] => {
    const s = prefixOf(layer.kind, gate);
    params.push({ name: `W${s}`, dims: ["H", "I"], source: { kind: "gate", gate, field: "W" } });
    const x = bias(gate, "x");
    params.push({ name: `U${s}`, dims: ["H", projected ? "P" : "H"], source: { kind: "gate", gate, field: "U" } });
    const h = bias(gate, "h");
    if (!peep || cell === undefined) return [`W${s} * x`, ...x, `U${s} * h`, ...h];
    const g = gate as "i" | "f" | "o";
    params.push({ name: `p${g}`, dims: ["H"], source: { kind: "peephole", gate: g } });
    return [`W${s} * x`, ...x, `U${s} * h`, ...h, `p${g} * ${cell}`];
  };
  const body: string[] = [];
  const act = (a: Activation, expr: string, pre: string, clipped = true) => {
    const applied = applyActivation(a, expr, pre, clipped ? clip : undefined);
    body.push(...applied.lines);
    return applied.value;
  };
  const sum = (terms: string[]) => terms.join(" + ");
  const form = `W x${has.x ? (has.h ? " + bx" : " + b") : ""} + U h${has.h ? (has.x ? " + bh" : " + b") : ""}`;
  const biasNote = (except = "") =>
    has.x && has.h ? [`bx and bh are the source's input-side and recurrent-side biases: they add${except}`] : [];
  const clipNote = clip === undefined
    ? []
    : [
      `each gate${layer.kind === "rnn" ? "" : " and the candidate"} reads its input clipped to [${literal(-clip)}, ` +
        `${literal(clip)}] (ONNX clip${layer.kind === "lstm" ? "; h(c') is not clipped" : ""})`,
    ];

  if (layer.kind === "rnn") {
    const value = act(layer.activation, sum(gateTerms("h")), "a");
    return {
      key: JSON.stringify(["rnn", layer.activation, clip ?? null, has]),
      kind: "rnn",
      states: [{ name: "h", dim: "H" }],
      params,
      body,
      returns: `{ h: ${value} }`,
      summary: [`h' = ${layer.activation.kind}(${form})`, ...biasNote(), ...clipNote],
    };
  }

  if (layer.kind === "gru") {
    const { gate, candidate } = layer.activations;
    const z = act(gate, sum(gateTerms("z")), "az");
    body.push(`const z = ${z};`);
    const r = act(gate, sum(gateTerms("r")), "ar");
    body.push(`const r = ${r};`);
    params.push({ name: "Wn", dims: ["H", "I"], source: { kind: "gate", gate: "n", field: "W" } });
    const bx = bias("n", "x");
    params.push({ name: "Un", dims: ["H", "H"], source: { kind: "gate", gate: "n", field: "U" } });
    const bh = bias("n", "h");
    const n = layer.resetAfter
      ? act(candidate, sum(["Wn * x", ...bx, `r * (${sum(["Un * h", ...bh])})`]), "an")
      : act(candidate, sum(["Wn * x", ...bx, "Un * (r * h)", ...bh]), "an");
    body.push(`const n = ${n};`);
    const [bxn, bhn, bn] = [has.x ? " + bxn" : "", has.h ? " + bhn" : "", has.x || has.h ? " + b" : ""];
    const reset = layer.resetAfter
      ? `n = ${candidate.kind}(Wn x${bxn} + r ⊙ (Un h${bhn})): the reset after the recurrent product`
      : `n = ${candidate.kind}(Wn x + Un (r ⊙ h)${bn}): the reset before the recurrent product`;
    return {
      key: JSON.stringify(["gru", layer.activations, clip ?? null, has, layer.resetAfter]),
      kind: "gru",
      states: [{ name: "h", dim: "H" }],
      params,
      body,
      returns: "{ h: (1 - z) * n + z * h }",
      summary: [
        `z, r = ${gate.kind}(${form})`,
        reset,
        ...biasNote(layer.resetAfter ? ", except in n, where r scales bhn" : ""),
        "h' = (1 − z) ⊙ n + z ⊙ h: z is the share of the old state kept",
        ...clipNote,
      ],
    };
  }

  const { gate, candidate, cell } = layer.activations;
  body.push(`const i = ${act(gate, sum(gateTerms("i", "c")), "ai")};`);
  if (layer.coupledForget) body.push("const f = 1 - i;");
  else body.push(`const f = ${act(gate, sum(gateTerms("f", "c")), "af")};`);
  body.push(`const g = ${act(candidate, sum(gateTerms("g")), "ag")};`);
  body.push("const cNext = f * c + i * g;");
  body.push(`const o = ${act(gate, sum(gateTerms("o", "cNext")), "ao")};`);
  // ONNX's clip bounds the gates' and the candidate's inputs, not the cell's h(c'), as onnxruntime computes it.
  const out = `o * ${act(cell, "cNext", "ac", false)}`;
  if (projected) params.push({ name: "Wp", dims: ["P", "H"], source: { kind: "projection" } });
  return {
    key: JSON.stringify(["lstm", layer.activations, clip ?? null, has, layer.coupledForget, peep, projected]),
    kind: "lstm",
    states: [
      { name: "h", dim: projected ? "P" : "H" },
      { name: "c", dim: "H" },
    ],
    params,
    body,
    returns: `{ h: ${projected ? `Wp * (${out})` : out}, c: cNext }`,
    summary: [
      `i, ${layer.coupledForget ? "" : "f, "}o = ${gate.kind}(${form}${peep ? " + p ⊙ c" : ""}); g = ` +
        `${candidate.kind}(${form})`,
      ...(layer.coupledForget ? ["f = 1 − i (input and forget gates coupled, ONNX input_forget)"] : []),
      ...(peep ? ["peepholes: i and f read the previous cell c, o the new cell c'"] : []),
      projected
        ? `c' = f ⊙ c + i ⊙ g; h' = Wp · (o ⊙ ${cell.kind}(c')), projected to P units (proj_size)`
        : `c' = f ⊙ c + i ⊙ g; h' = o ⊙ ${cell.kind}(c')`,
      ...biasNote(),
      ...clipNote,
    ],
  };
}
