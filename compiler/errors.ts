// compiler — errors a user can fix that are not tied to a line of a cell file
// (the CLI reports them like diagnostics, exit 1): a module too large for
// wasm's 4 GiB memory, for instance.

export class CompileLimitError extends Error {}
