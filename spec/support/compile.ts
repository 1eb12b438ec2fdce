// spec/support — compileCell as the specs call it: the compiler's own, except
// that Binaryen's optimiser runs only when a spec asks for it (optimize: true).
// The optimiser is most of a compile's time (about five times the rest), and it
// changes no value: spec/e2e/optimizer.spec.ts shows that every example's and
// random cell's optimised module computes the unoptimised one's loss, outputs,
// states, gradients and training updates bit for bit. Specs about what the
// optimiser makes (module bytes, sizes, the shipped bench shapes) ask for it.

import { compileCell as compileWithOptimizer, type CompileOptions, type Compiled } from "../../compiler/pipeline.js";

export function compileCell(options: CompileOptions): Compiled {
  return compileWithOptimizer({ ...options, optimize: options.optimize ?? false });
}
