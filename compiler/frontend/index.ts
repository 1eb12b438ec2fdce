// compiler/frontend — public surface of the stage: cell file text → checked
// cells → IR for one cell with its dimensions bound.
export { parseCells, parseUnits } from "./parse.js";
export { selectCell } from "./select.js";
export { instantiateCell, type CellIR } from "./instantiate.js";
export type { CellSyntax, TensorDecl, Expr, DeclRole, ModelSyntax, LayerSyntax, CellRef } from "./syntax.js";
export { intrinsics, intrinsicNames, type IntrinsicName } from "./intrinsics.js";
