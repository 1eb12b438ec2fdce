// compiler — errors a user can fix that are not tied to a line of a cell file
// (the CLI reports them like diagnostics, exit 1): a module too large for
// wasm's 4 GiB memory, a loss the cell's output cannot take.

export class BuildError extends Error {}

/** Parameter values that do not fit the module they were to be baked into (compile options.params). */
export class BakeError extends BuildError {}
