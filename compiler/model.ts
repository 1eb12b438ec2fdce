// compiler — from a model declaration to its layers' step graphs. In: a
// ModelSyntax, the --dims, and a way to read the cell files it imports. Out:
// each layer's cell instantiated with its own dimensions (the input dimension
// bound to what the layer reads; a bidirectional layer instantiated twice,
// for two sets of parameters), the readout and the sizes between them.

import { DiagnosticError, diagnostic, wholeFile, type Diagnostic, type SourceSpan } from "./diagnostics.js";
import { instantiateCell, parseCells, type CellIR, type CellSyntax, type ModelSyntax } from "./frontend/index.js";
import { Graph } from "./ir/index.js";
import { isDimName } from "./ir/size.js";
import type { Activation, ModelInput } from "./time/index.js";
import { nameRecord, own } from "./names.js";

export type ReadCellFile = (path: string) => string;

/**
 * The path of the cell file that `importer` imports as `specifier` (already
 * ending in .ts). Paths are the host's business: the compiler imports no
 * path module, so it runs in browsers; the CLI passes node:path's resolve.
 */
export type ResolveImport = (importer: string, specifier: string) => string;

/** The default: `specifier` against the folder of `importer`, "." and ".." folded, "/" as separator. */
export const joinImport: ResolveImport = (importer, specifier) => {
  const folder = importer.split("/").slice(0, -1);
  const from = specifier.startsWith("/") || folder.length === 0 ? specifier : `${folder.join("/")}/${specifier}`;
  const parts: string[] = from.startsWith("/") ? [""] : [];
  for (const part of from.split("/")) {
    const last = parts.at(-1);
    if (part === "." || part === "") continue;
    if (part !== "..") parts.push(part);
    else if (last === "") continue; // above the root is the root
    else if (last === undefined || last === "..") parts.push(part); // a relative path climbs on
    else parts.pop();
  }
  return parts.join("/");
};

export type Unit = { kind: "cell"; cell: CellSyntax } | { kind: "model"; model: ModelSyntax };

/** The cell or model to compile: the one named, or the file's only model, or its only cell. */
export function pickUnit(
  units: { cells: CellSyntax[]; models: ModelSyntax[] },
  name: string | undefined,
  file: string,
): Unit {
  const all: Unit[] = [
    ...units.models.map((model) => ({ kind: "model" as const, model })),
    ...units.cells.map((cell) => ({ kind: "cell" as const, cell })),
  ];
  const nameOf = (u: Unit) => (u.kind === "cell" ? u.cell.name : u.model.name);
  const names = all.map(nameOf).join(", ");
  const fail = (found: Diagnostic): never => {
    throw new DiagnosticError([found]);
  };
  if (name !== undefined) {
    return all.find((u) => nameOf(u) === name) ?? fail(diagnostic("RNNC120", [name, names], wholeFile(file)));
  }
  if (units.models.length === 1) return all[0]!;
  if (units.models.length === 0 && units.cells.length === 1) return all[0]!;
  return fail(diagnostic("RNNC107", [names], wholeFile(file)));
}

export interface BuiltLayer {
  readonly forward: { readonly cell: CellIR; readonly graph: Graph };
  readonly reverse?: { readonly cell: CellIR; readonly graph: Graph };
  readonly merge: "concat" | "sum";
}

export interface BuiltModel {
  readonly inputs: readonly ModelInput[];
  readonly layers: readonly BuiltLayer[];
  readonly readout: { readonly size: number; readonly activation: Activation } | undefined;
  /** Features of the last layer's output (after merging). */
  readonly outputSize: number;
  readonly dims: Record<string, number>;
}

function bindDim(
  dim: string | number,
  dims: Readonly<Record<string, number>>,
  at: SourceSpan,
  used: Record<string, number>,
): number {
  if (typeof dim === "number") return dim;
  const size = own(dims, dim);
  if (size === undefined) throw new DiagnosticError([diagnostic("RNNC104", [dim], at)]);
  used[dim] = size;
  return size;
}

export function buildModel(
  model: ModelSyntax, dims: Readonly<Record<string, number>>, file: string, readFile: ReadCellFile | undefined,
  localCells: readonly CellSyntax[] = [], resolveImport: ResolveImport = joinImport,
): BuiltModel {
  const used = nameRecord<number>();
  const siteOf = (dim: string) => model.dimSites.find((s) => s.dim === dim)?.at ?? model.at;
  const bind = (dim: string | number) => bindDim(dim, dims, siteOf(String(dim)), used);
  const inputs: ModelInput[] = model.inputs.map((input) =>
    input.kind === "dense"
      ? { kind: "dense", name: input.name, size: bind(input.size) }
      : { kind: "ids", name: input.name, rows: bind(input.rows), dim: bind(input.dim), slots: input.slots },
  );
  const inputSize = inputs.reduce((n, i) => n + (i.kind === "dense" ? i.size : i.dim), 0);
  const cache = new Map<string, CellSyntax[]>();

  const resolveCell = (layer: ModelSyntax["layers"][number]): CellSyntax => {
    const ref = layer.cell;
    const fail = (found: Diagnostic): never => {
      throw new DiagnosticError([found]);
    };
    if (ref.from === undefined) {
      return localCells.find((c) => c.name === ref.name) ?? fail(diagnostic("RNNC114", [ref.name], ref.at));
    }
    const path = resolveImport(file, ref.from.replace(/\.js$/, ".ts").replace(/^(?!.*\.ts$)(.*)$/, "$1.ts"));
    let cells = cache.get(path);
    if (!cells) {
      const cannotRead = (hint?: string) => fail(diagnostic("RNNC186", [ref.name, path], ref.at, hint));
      // A program that compiles through the API may hand in no way to read files at all.
      if (!readFile) return cannotRead("pass readFile to compileCell to compile models that import cells");
      let text: string;
      try {
        text = readFile(path);
      } catch {
        return cannotRead();
      }
      cells = parseCells(path, text);
      cache.set(path, cells);
    }
    const defined = cells.map((c) => c.name).join(", ");
    return cells.find((c) => c.name === ref.name) ?? fail(diagnostic("RNNC185", [ref.name, ref.from, defined], ref.at));
  };

  let features = inputSize;
  const layers: BuiltLayer[] = model.layers.map((layer) => {
    const syntax = resolveCell(layer);
    const input =
      syntax.inputs.length === 1 && syntax.inputs[0]!.shape.length === 1 && isDimName(syntax.inputs[0]!.shape[0]!)
        ? syntax.inputs[0]!
        : undefined;
    if (!input) {
      throw new DiagnosticError([diagnostic("RNNC183", [syntax.name], layer.at)]);
    }
    const layerDims = nameRecord(Object.entries(dims));
    for (const [dim, value] of Object.entries(layer.dims)) layerDims[dim] = bindDim(value, dims, layer.at, used);
    layerDims[input.shape[0] as string] = features;
    const instantiate = () => {
      const graph = new Graph();
      return { cell: instantiateCell(syntax, layerDims, graph), graph };
    };
    const forward = instantiate();
    const out = forward.cell.outputs[0]?.node ?? forward.cell.next[0]!.node;
    if (out.shape.length !== 1) {
      throw new DiagnosticError([diagnostic("RNNC184", [syntax.name], layer.at)]);
    }
    for (const [dim, size] of Object.entries(forward.cell.dims))
      if (dim !== input.shape[0] && own(layer.dims, dim) === undefined) used[dim] = size;
    const size = out.shape[0]!;
    features = layer.bidirectional && layer.merge === "concat" ? 2 * size : size;
    return { forward, ...(layer.bidirectional ? { reverse: instantiate() } : {}), merge: layer.merge };
  });
  const readout = model.readout && {
    size: bindDim(model.readout.size, dims, model.readout.at, used),
    activation: model.readout.activation,
  };
  return { inputs, layers, readout, outputSize: features, dims: used };
}
