// runtime — the errors a host can catch. Bad batch/steps/lengths values are
// plain RangeErrors; everything that is wrong with a module, a parameter file
// or a request for a tensor is one of the classes below.

/** Base class of every rnnc runtime error except RangeErrors on call sizes. */
export class RnncError extends Error {
  override name = "RnncError";
}

/** The module's `rnnc` section is missing or malformed, or its exports do not match it. */
export class RnncAbiError extends RnncError {
  override name = "RnncAbiError";
}

/** A parameter file is malformed or was saved from a model with different parameters. */
export class RnncParamsError extends RnncError {
  override name = "RnncParamsError";
}
