// compiler — the public surface of the compiler for programs (the CLI is the
// other one): compile a cell file's text to a module, check it for an editor
// (checkCell), describe what a unit declares before its dimensions are bound
// (describeUnit: what an application binds from its data), draw its step
// graphs after a pass (drawStepGraphs; printDot writes Graphviz's DOT), and
// what a user error throws: DiagnosticError (located diagnostics) or
// BuildError (options the cell rules out). Everything else may change.
// Nothing here imports a node: module, so it bundles for browsers
// (examples/playground).
export {
  checkCell, compileCell, passNames, defaultCapacity,
  type CheckOptions, type Checked, type CompileOptions, type Compiled, type PassName,
} from "./pipeline.js";
export { joinImport, type ReadCellFile, type ResolveImport } from "./model.js";
export {
  describeUnit, type DeclaredDim, type DescribeOptions, type UnitDescription, type UnitInput, type UnitOutput,
} from "./unit.js";
export type { LossKind } from "./time/index.js";
export type { Optimizer } from "./lower/train.js";
export type { Quantize } from "./lower/quantized.js";
export {
  drawStepGraphs, dotNodeCount, graphPasses, graphPassNamed, printDot,
  type DotCluster, type DotEdge, type DotGraph, type DotNode, type DotNodeKind, type GraphOptions, type GraphPass,
} from "./graph/index.js";
// Host tools, which live in the runtime (rnnc/runtime); kept here for programs that took them from the compiler.
export {
  gradcheck, instantiateModel as instantiate, prng, type GradcheckOptions, type GradcheckReport, type TensorCheck,
} from "../runtime/index.js";
export { BuildError } from "./errors.js";
export { DiagnosticError, formatDiagnostic, formatDiagnostics, type Diagnostic } from "./diagnostics.js";
