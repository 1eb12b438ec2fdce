// compiler — the public surface of the compiler for programs (the CLI is the
// other one): compile a cell file's text to a module, check gradients, and
// the diagnostics a user error throws. Everything else may change.
export { compileCell, passNames, defaultCapacity, type CompileOptions, type Compiled, type PassName } from "./pipeline.js";
export { gradcheck, instantiate, prng, type GradcheckOptions, type GradcheckReport, type TensorCheck } from "./gradcheck.js";
export { DiagnosticError, formatDiagnostic, formatDiagnostics, type Diagnostic } from "./diagnostics.js";
