// apps/import — what a reader or the writer throws when the user's file
// cannot be imported: a message naming the file, tensor, node or layer and why.
// The CLI prints it and exits 1; anything else escaping is a bug in rnnc.

export class ImportError extends Error {
  override readonly name = "ImportError";
}
