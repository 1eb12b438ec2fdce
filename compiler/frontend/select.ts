// compiler/frontend — picks the cell to compile from those a file defines.
// In: the parsed cells and the name asked for (`--cell`), if any. Out: one
// cell, or RNNC107 naming the cells there are.

import { DiagnosticError, diagnostic, wholeFile } from "../diagnostics.js";
import type { CellSyntax } from "./syntax.js";

export function selectCell(cells: readonly CellSyntax[], name?: string): CellSyntax {
  const file = cells[0]?.file ?? "<input>";
  const names = cells.map((c) => c.name).join(", ");
  const fail = (message: string, hint?: string): never => {
    throw new DiagnosticError([diagnostic("RNNC107", [message], wholeFile(file), hint)]);
  };
  if (cells.length === 0) return fail("the file defines no cells");
  if (name === undefined) {
    if (cells.length > 1) return fail(`the file defines several cells (${names})`, "choose one with --cell NAME");
    return cells[0]!;
  }
  return cells.find((c) => c.name === name) ?? fail(`no cell named '${name}'`, `the file defines ${names}`);
}
