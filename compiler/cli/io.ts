// compiler/cli — what a command may touch: its output streams and files. The
// commands take this instead of `process`, so tests run them in-process.

import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ResolveImport } from "../model.js";

/** "no such file or directory" rather than Node's "ENOENT: …, open 'x'". */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOENT: "no such file or directory", EACCES: "permission denied", EPERM: "not permitted",
    EROFS: "a read-only file system",
    EISDIR: "it is a directory", ENOTDIR: "a parent is not a directory", ENOSPC: "no space left on the device",
  };
  return (err.code && Object.hasOwn(known, err.code) ? known[err.code] : undefined) ?? err.message;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readText(path: string): string;
  readBytes(path: string): Uint8Array;
  /** Writes atomically: a reader never sees half a file. */
  write(path: string, data: string | Uint8Array): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  readText: (path) => readFileSync(path, "utf8"),
  readBytes: (path) => new Uint8Array(readFileSync(path)),
  write: (path, data) => {
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, data);
      renameSync(tmp, path);
    } catch (e) {
      throw new UserError(`cannot write ${path}: ${describeFsError(e)}`);
    }
  },
};

/** Paths of the cell files a model imports, absolute and in the platform's form, as users read them in messages. */
export const resolveImport: ResolveImport = (importer, specifier) => resolve(dirname(importer), specifier);

/** A bad invocation (exit 2): unknown flag, missing argument, malformed value. */
export class UsageError extends Error {}

/** A user error that is not a diagnostic in a cell file (exit 1): a missing file, a module that is not rnnc's. */
export class UserError extends Error {}

/** A file's text, or a UserError naming it: "cannot read F: no such file or directory". */
export function readTextOf(io: Io, path: string): string {
  try {
    return io.readText(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${describeFsError(e)}`);
  }
}

/** A file's bytes, or a UserError naming it. */
export function readBytesOf(io: Io, path: string): Uint8Array {
  try {
    return io.readBytes(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${describeFsError(e)}`);
  }
}
