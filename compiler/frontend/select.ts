// compiler/frontend — picks the cell to compile from those a file defines.
// In: the parsed cells and the name asked for (`--cell`), if any. Out: one
// cell, or RNNC107, RNNC119 or RNNC120 saying why none can be picked.

import { DiagnosticError, diagnostic, wholeFile, type Diagnostic } from "../diagnostics.js";
import type { CellSyntax } from "./syntax.js";

export function selectCell(cells: readonly CellSyntax[], name?: string): CellSyntax {
  const file = cells[0]?.file ?? "<input>";
  const names = cells.map((c) => c.name).join(", ");
  const fail = (found: Diagnostic): never => {
    throw new DiagnosticError([found]);
  };
  if (cells.length === 0) return fail(diagnostic("RNNC119", [], wholeFile(file)));
  if (name === undefined) {
    if (cells.length > 1) return fail(diagnostic("RNNC107", [names], wholeFile(file)));
    return cells[0]!;
  }
  return cells.find((c) => c.name === name) ?? fail(diagnostic("RNNC120", [name, names], wholeFile(file)));
}
