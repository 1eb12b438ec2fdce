// spec/support — random well-typed cell files, as DSL source text, for the
// end-to-end properties. In: a stream of choices drawn by fast-check (plus
// dims, steps, batch, lengths, seed, loss). Out: a CellCase whose `source`
// parses, type-checks against the DSL and compiles; printing a case prints
// that source, so any counterexample can be pasted into a file and rebuilt.
//
// Every value stays O(1) and every function is used inside its smooth range,
// so gradients are finite and finite differences meaningful: exp only of
// tanh/sigmoid, log and sqrt only of softplus(e) + 0.5 or 1 + sigmoid(e),
// division only by 1 + softplus(e) or 2 + tanh(e), integer powers only of
// tanh(e) and other powers of 1 + sigmoid(e), each next state squashed
// (tanh, sigmoid, or a sigmoid-gated mix with the old state) so nothing grows
// over time. Ops with kinks (relu, abs, leakyRelu, elu, clip, max, min,
// hardSigmoid, maxOf) are rare and each case says whether it has one, so a
// property can tell a kink under a finite difference from a wrong gradient.
//
// A file may define helper functions (over vectors, calling earlier helpers),
// which steps call; each case also carries `inlined`, the same cell with every
// call written out as the helper's body, which must compile to the same module.
//
// The choice stream shrinks towards zeros, and choice 0 is always the
// simplest option (a leaf, the first form), so shrunk cells are small.

import fc from "fast-check";
import { Chooser, StepWriter, type Shape } from "./step-writer.js";

export type Loss = "mse" | "none";

export interface CellCase {
  readonly source: string;
  readonly cell: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly steps: number;
  readonly batch: number;
  readonly lengths: readonly number[];
  readonly seed: number;
  readonly loss: Loss;
  /** The same cell with every helper call written out as the helper's body (and no helpers). */
  readonly inlined: string;
  /** True when the step uses relu, abs, leakyRelu, elu, clip, max, min, hardSigmoid or maxOf. */
  readonly hasKinks: boolean;
}

/** How a case prints in a counterexample: everything needed to rebuild it by hand. */
export function describeCase(c: CellCase): string {
  const opts = { dims: c.dims, steps: c.steps, batch: c.batch, lengths: c.lengths, seed: c.seed, loss: c.loss };
  return `\n// ${JSON.stringify(opts)}\n${c.source}\n`;
}

function renderCell(stream: readonly number[], shape: Shape, inline: boolean): { source: string; hasKinks: boolean } {
  const ch = new Chooser(stream);
  const w = new StepWriter(ch, shape, inline);
  const helperCount = ch.below(3);
  for (let i = 0; i < helperCount; i++) w.defineHelper();
  const depth = 1 + ch.below(3);
  const constCount = ch.below(4);
  for (let i = 0; i < constCount; i++) {
    const dims = [...shape.inputs, ...shape.states].map((v) => v.dim);
    if (ch.below(5) === 0) w.consts.push({ name: `a${i}`, dim: undefined, text: w.scalar(depth) });
    else {
      const dim = ch.oneOf(dims);
      w.consts.push({ name: `a${i}`, dim, text: w.vector(dim, depth) });
    }
  }
  const nexts = shape.states.map((s, i) => `${s.name}: ${w.next(s, depth, i === 0)}`);
  const names = [
    ...shape.inputs.map((v) => v.name), ...shape.states.map((v) => v.name), ...w.params.map((p) => p.name),
  ];
  const decl = (vs: readonly { name: string; dim: string }[]) => vs.map((v) => `${v.name}: "${v.dim}"`).join(", ");
  const params = w.params.map((p) => `${p.name}: [${p.shape.map((d) => `"${d}"`).join(", ")}]`).join(", ");
  const imports = ["cell", ...[...w.intrinsics].sort()].join(", ");
  const source = [
    `import { ${imports} } from "rnnc";`,
    ``,
    ...(inline ? [] : w.helpers.flatMap((h) => [h.definition, ``])),
    `export const randomCell = cell({`,
    `  input: { ${decl(shape.inputs)} },`,
    `  state: { ${decl(shape.states)} },`,
    `  params: { ${params} },`,
    `  step: ({ ${names.join(", ")} }) => {`,
    ...w.consts.filter((c) => c.text !== "").map((c) => `    const ${c.declares ?? c.name} = ${c.text};`),
    `    return { ${nexts.join(", ")} };`,
    `  },`,
    `});`,
    ``,
  ].join("\n");
  return { source, hasKinks: w.hasKinks };
}

/** Per-sequence lengths in [1, steps], one of them full. */
function lengthsArb(batch: number, steps: number): fc.Arbitrary<number[]> {
  return fc.tuple(
    fc.array(fc.integer({ min: 1, max: steps }), { minLength: batch, maxLength: batch }), fc.nat({ max: batch - 1 }),
  ).map(([lengths, full]) => lengths.map((n, i) => (i === full ? steps : n)));
}

export interface CellCaseOptions {
  readonly maxDim?: number;
  readonly maxSteps?: number;
  readonly maxBatch?: number;
  readonly losses?: readonly Loss[];
}

/** Random well-typed cells with random dims, steps, batch, lengths, seed and loss. */
export function cellCases(options: CellCaseOptions = {}): fc.Arbitrary<CellCase> {
  const maxDim = options.maxDim ?? 6;
  const dim = fc.integer({ min: 1, max: maxDim });
  return fc.record({
    stream: fc.array(fc.nat({ max: 9999 }), { minLength: 120, maxLength: 240 }),
    twoInputs: fc.boolean(),
    twoStates: fc.boolean(),
    dims: fc.record({ I: dim, J: dim, H: dim, K: dim }),
    steps: fc.integer({ min: 1, max: options.maxSteps ?? 8 }),
    batch: fc.integer({ min: 1, max: options.maxBatch ?? 4 }),
    seed: fc.nat(),
    loss: fc.constantFrom(...(options.losses ?? (["mse", "none"] as const))),
  }).chain((r) => lengthsArb(r.batch, r.steps).map((lengths) => {
    const shape: Shape = {
      inputs: r.twoInputs ? [{ name: "x", dim: "I" }, { name: "u", dim: "J" }] : [{ name: "x", dim: "I" }],
      states: r.twoStates ? [{ name: "h", dim: "H" }, { name: "c", dim: "K" }] : [{ name: "h", dim: "H" }],
    };
    const { source, hasKinks } = renderCell(r.stream, shape, false);
    const inlined = renderCell(r.stream, shape, true).source;
    const used = [...shape.inputs, ...shape.states].map((v) => v.dim);
    const dims = Object.fromEntries(used.map((d) => [d, r.dims[d as keyof typeof r.dims]]));
    const c: CellCase = {
      source, inlined, cell: "randomCell", dims, steps: r.steps, batch: r.batch, lengths, seed: r.seed,
      loss: r.loss, hasKinks,
    };
    return Object.assign(c, { [fc.toStringMethod]: () => describeCase(c) });
  }));
}
