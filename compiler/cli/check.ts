// compiler/cli — `rnnc check`: diagnostics only, no module written.

import { Graph } from "../ir/index.js";
import { instantiateCell, parseUnits } from "../frontend/index.js";
import { buildModel } from "../model.js";
import { onePositional, parse, parseDims } from "./args.js";
import { type Io, readTextOf, resolveImport } from "./io.js";

export const checkUsage = `usage: rnnc check FILE [--dims I=64,H=128]

Parses and checks every cell and model of FILE: syntax, names and shapes
(symbolically). With --dims, also binds the dimensions of every cell and
builds every model (reading the cell files it imports).`;

export function checkCommand(argv: readonly string[], io: Io): number {
  const { values, positionals } = parse(
    argv,
    { dims: { type: "string" }, help: { type: "boolean", short: "h" } },
    checkUsage,
  );
  if (values.help) {
    io.out(checkUsage);
    return 0;
  }
  const file = onePositional(positionals, "cell file", checkUsage);
  const text = readTextOf(io, file);
  const { cells, models } = parseUnits(file, text);
  if (values.dims !== undefined) {
    const dims = parseDims(values.dims);
    for (const cell of cells) instantiateCell(cell, dims, new Graph());
    for (const model of models) buildModel(model, dims, file, (path) => io.readText(path), cells, resolveImport);
  }
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const names = [...cells, ...models].map((u) => u.name).join(", ");
  const units = count(cells.length, "cell") + (models.length > 0 ? ` and ${count(models.length, "model")}` : "");
  io.out(`${file}: ok, ${units} (${names})`);
  return 0;
}
