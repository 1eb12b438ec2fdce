// apps/import — the writer of the model file. In: a checked Network. Out: the
// text of a DSL file that `rnnc compile` builds with no --dims: one cell per
// distinct kind of layer (its equations written out, the source's gate order
// and conventions in its comment) and one model({ input, layers, readout })
// with every size a number. Parameter names follow from the model's layers
// (l0.Wi, l1.fwd.Wz, tokens.table, readout.V), as write-params.ts writes them.

import { planCell, type CellPlan } from "./cells.js";
import { describePacking, frameworkName } from "./conventions.js";
import type { Binding, Network, RecurrentLayer } from "./network.js";

const roleWords: Record<Binding["role"], string> = {
  input: "input",
  lengths: "sequence lengths",
  state_in: "initial state",
  output: "output",
  state_out: "final state",
};

/** The name of the model's id input, when the network starts with an embedding. */
export const idsInput = "tokens";

export interface WrittenModel {
  readonly text: string;
  /** The exported model's name (what --cell picks). */
  readonly name: string;
  /** The cell plan of each layer, in order. */
  readonly plans: readonly CellPlan[];
}

/** Comment lines of at most about 100 columns, continuation lines indented as their first. */
function comment(text: string): string[] {
  const indent = /^ */.exec(text)![0];
  const lines: string[] = [];
  let line = "";
  for (const word of text.trim().split(" ")) {
    if (line !== "" && indent.length + line.length + word.length > 96) {
      lines.push(`// ${indent}${line}`);
      line = "  ";
    }
    line += line.trim() === "" ? word : ` ${word}`;
  }
  return [...lines, `// ${indent}${line}`];
}

function cellText(name: string, plan: CellPlan, layer: RecurrentLayer, network: Network): string {
  const comments = [
    `${layer.kind.toUpperCase()} cell, as ${frameworkName(network.framework)} computes it (first used by ` +
      `${layer.origin}):`,
    ...plan.summary.map((s) => `  ${s}`),
    `Weights: ${describePacking(network.framework, layer.kind)}; here each gate has its own [out, in] matrices.`,
  ];
  const params = plan.params.map((p) => `${p.name}: [${p.dims.map((d) => JSON.stringify(d)).join(", ")}]`);
  const lines: string[] = [];
  for (let i = 0; i < params.length;) {
    // One gate's parameters to a line, as examples/lstm.ts lays them out.
    let line = params[i++]!;
    while (i < params.length && line.length + params[i]!.length < 90 && !/^W/.test(plan.params[i]!.name))
      line += `, ${params[i++]}`;
    lines.push(`    ${line},`);
  }
  const states = plan.states.map((s) => `${s.name}: "${s.dim}"`).join(", ");
  const args = ["x", ...plan.states.map((s) => s.name), ...plan.params.map((p) => p.name)].join(", ");
  return [
    ...comments.flatMap(comment),
    `export const ${name} = cell({`,
    '  input: { x: "I" },',
    `  state: { ${states} },`,
    "  params: {",
    ...lines,
    "  },",
    `  step: ({ ${args} }) => {`,
    ...plan.body.map((b) => `    ${b}`),
    `    return ${plan.returns};`,
    "  },",
    "});",
  ].join("\n");
}

function layerText(cellName: string, layer: RecurrentLayer): string {
  const dims = [
    `H: ${layer.hiddenSize}`,
    ...(layer.kind === "lstm" && layer.projectionSize !== undefined ? [`P: ${layer.projectionSize}`] : []),
  ];
  const inner = `layer(${cellName}, { ${dims.join(", ")} })`;
  if (layer.directions.length === 1) return inner;
  return layer.merge === "sum" ? `bidirectional(${inner}, "sum")` : `bidirectional(${inner})`;
}

/** The text of the model file and the cell plan of every layer. */
export function writeModel(network: Network, name = "imported"): WrittenModel {
  const plans = network.layers.map(planCell);
  const cellNames = new Map<string, string>();
  const cells: string[] = [];
  plans.forEach((plan, i) => {
    if (cellNames.has(plan.key)) return;
    const taken = [...cellNames.values()].filter((n) => n === plan.kind || n.startsWith(plan.kind)).length;
    const cellName = taken === 0 ? plan.kind : `${plan.kind}${taken + 1}`;
    cellNames.set(plan.key, cellName);
    cells.push(cellText(cellName, plan, network.layers[i]!, network));
  });
  const layers = network.layers.map((layer, i) => layerText(cellNames.get(plans[i]!.key)!, layer));
  const { input, readout } = network;
  const inputText =
    input.kind === "dense"
      ? `{ x: ${input.size} }`
      : `{ ${idsInput}: oneOfN(${input.table.shape[0]}, ${input.table.shape[1]}) }`;
  const readoutText =
    readout &&
    (readout.activation === "linear"
      ? `dense(${readout.weight.shape[0]})`
      : `dense(${readout.weight.shape[0]}, "${readout.activation}")`);
  const intrinsics = new Set<string>();
  for (const text of cells) {
    for (const m of text.matchAll(/\b(sigmoid|tanh|relu|softplus|hardSigmoid|clip|exp|min|max)\(/g))
      intrinsics.add(m[1]!);
  }
  const builders = [
    "cell",
    "model",
    "layer",
    ...(layers.some((l) => l.startsWith("bidirectional")) ? ["bidirectional"] : []),
    ...(readout ? ["dense"] : []),
    ...(input.kind === "embedding" ? ["oneOfN"] : []),
  ];
  const imports = [...builders, ...[...intrinsics].sort()].sort();
  const header = [
    `// Imported by \`rnnc import\` from ${network.file} (${frameworkName(network.framework)}).`,
    "// Build it with its weights in the module's data segment, or load them at run time:",
    "//   rnnc compile model.ts --params params.safetensors -o model.wasm",
    "//   rnnc compile model.ts -o model.wasm, then model.loadParams(the bytes of params.safetensors)",
    "// Every size is a number, so no --dims are needed. Sequences are time-major: [steps, batch, features].",
  ];
  const origins = [
    ...(input.kind === "embedding"
      ? [`input: the embedding ${input.origin} [${input.table.shape.join(", ")}] (ids in [0, ${input.table.shape[0]}))`]
      : []),
    ...network.layers.map(
      (l, i) => `layer ${i}: ${l.origin}${l.directions.length === 2 ? ` (bidirectional, ${l.merge})` : ""}`,
    ),
    ...(readout ? [`readout: ${readout.origin}${readout.bias ? "" : " (no bias: readout.c is zero)"}`] : []),
    ...(network.bindings ?? []).map(
      (b) =>
        `${frameworkName(network.framework)} ${roleWords[b.role]}${b.source ? ` ${b.source}` : ""} → the module's ` +
        `${b.rnnc.join(", ")}${b.note ? `; ${b.note}` : ""}`,
    ),
  ];
  const modelLines = [
    `export const ${name} = model({`,
    `  input: ${inputText},`,
    ...(layers.join(", ").length < 80
      ? [`  layers: [${layers.join(", ")}],`]
      : ["  layers: [", ...layers.map((l) => `    ${l},`), "  ],"]),
    ...(readoutText ? [`  readout: ${readoutText},`] : []),
    "});",
  ];
  const text = [
    ...header,
    `import { ${imports.join(", ")} } from "rnnc";`,
    "",
    cells.join("\n\n"),
    "",
    ...origins.flatMap(comment),
    ...modelLines,
    "",
  ].join("\n");
  return { text, name, plans };
}
