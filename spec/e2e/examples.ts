// spec/e2e — the example cells and models as specs enumerate them: every
// exported cell and model of every file in examples/, with the dimensions it
// needs bound and whether it has a kink a finite difference may straddle, so
// that a new example file is covered without touching a spec.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCells, parseUnits, type CellSyntax, type Expr, type ModelSyntax } from "../../compiler/frontend/index.js";

export const examplesDir = fileURLToPath(new URL("../../examples/", import.meta.url));

export const readFile = (path: string) => readFileSync(path, "utf8");

/** One exported cell or model of an example file, with the dimensions it needs bound. */
export interface Unit {
  readonly path: string;
  readonly file: string;
  readonly name: string;
  readonly kind: "cell" | "model";
  readonly dims: readonly string[];
  /** Uses relu, max, min, clip or hardSigmoid somewhere, so a finite difference may straddle a kink. */
  readonly kinked: boolean;
}

const kinkedOps = new Set(["relu", "max", "min", "step", "select", "abs", "maxof"]);

function exprHasKink(e: Expr, seen = new Set<Expr>()): boolean {
  if (seen.has(e)) return false;
  seen.add(e);
  return e.kind === "apply" && (kinkedOps.has(e.op) || e.args.some((a) => exprHasKink(a, seen)));
}

const cellHasKink = (c: CellSyntax) => [...c.next, ...c.outs].some((n) => exprHasKink(n.expr));
const dimNames = (sites: readonly { dim: string }[]) => [...new Set(sites.map((s) => s.dim))];

/**
 * The cells a model's layers use, with the dims each layer needs from the model
 * (renames applied, the input dim left out).
 */
function modelNeeds(
  model: ModelSyntax, path: string, localCells: readonly CellSyntax[],
): { dims: string[]; kinked: boolean } {
  const dims = new Set(dimNames(model.dimSites));
  let kinked = model.readout?.activation === "relu";
  for (const layer of model.layers) {
    const from = layer.cell.from && resolve(dirname(path), layer.cell.from.replace(/\.js$/, ".ts"));
    const cells = from === undefined ? localCells : parseCells(from, readFile(from));
    const cell = cells.find((c) => c.name === layer.cell.name);
    if (!cell)
      throw new Error(`${path}: model ${model.name} uses a cell ${layer.cell.name} that this spec cannot find`);
    const inputDim = cell.inputs[0]!.shape[0];
    for (const dim of dimNames(cell.dimSites)) {
      if (dim === inputDim) continue;
      const bound = layer.dims[dim];
      if (bound === undefined) dims.add(dim);
      else if (typeof bound === "string") dims.add(bound);
    }
    kinked ||= cellHasKink(cell);
  }
  return { dims: [...dims], kinked };
}

export function exampleUnits(): Unit[] {
  const units: Unit[] = [];
  for (const entry of readdirSync(examplesDir).filter((f) => f.endsWith(".ts")).sort()) {
    const path = join(examplesDir, entry);
    const file = `examples/${entry}`;
    const { cells, models } = parseUnits(path, readFile(path));
    for (const c of cells)
      units.push({ path, file, name: c.name, kind: "cell", dims: dimNames(c.dimSites), kinked: cellHasKink(c) });
    for (const m of models) units.push({ path, file, name: m.name, kind: "model", ...modelNeeds(m, path, cells) });
  }
  return units;
}

