// compiler/cli — `rnnc check`: diagnostics only, no module written.

import { Graph } from "../ir/index.js";
import { instantiateCell, parseCells } from "../frontend/index.js";
import { onePositional, parse, parseDims } from "./args.js";
import { describeFsError, UserError, type Io } from "./io.js";

export const checkUsage = `usage: rnnc check FILE [--dims I=64,H=128]

Parses and checks every cell of FILE: syntax, names and shapes (symbolically).
With --dims, also binds the dimensions of every cell.`;

export function checkCommand(argv: readonly string[], io: Io): number {
  const { values, positionals } = parse(argv, { dims: { type: "string" }, help: { type: "boolean", short: "h" } }, checkUsage);
  if (values.help) {
    io.out(checkUsage);
    return 0;
  }
  const file = onePositional(positionals, "cell file", checkUsage);
  let text: string;
  try {
    text = io.readText(file);
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${describeFsError(e)}`);
  }
  const cells = parseCells(file, text);
  if (values.dims !== undefined) {
    const dims = parseDims(values.dims);
    for (const cell of cells) instantiateCell(cell, dims, new Graph());
  }
  io.out(`${file}: ok, ${cells.length} cell${cells.length === 1 ? "" : "s"} (${cells.map((c) => c.name).join(", ")})`);
  return 0;
}
