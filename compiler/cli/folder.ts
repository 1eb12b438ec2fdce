// compiler/cli — a folder a command writes into (rnnc train --out, rnnc
// import -o). In: its path. Out: the folder, made if missing and proven
// writable before any work starts, or a UserError naming the path and what is
// wrong with it. Node's recursive mkdir loops forever under /proc, so the
// missing levels are made one by one.

import { mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describeFsError, UserError, type Io } from "./io.js";

/**
 * A training run's files through the command's Io: its atomic writes, and a
 * run's folder made, listed and tidied on disk, each failure a UserError
 * naming the path (what apps/train calls a RunIo).
 */
export function runFolderIo(io: Io): Pick<Io, "readText" | "readBytes" | "write"> & {
  prepareFolder(dir: string): void;
  list(dir: string): string[];
  remove(path: string): void;
} {
  return {
    readText: (path) => io.readText(path),
    readBytes: (path) => io.readBytes(path),
    write: (path, data) => io.write(path, data),
    prepareFolder: (dir) => prepareFolder(dir),
    list: (dir) => {
      try {
        return readdirSync(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw new UserError(`cannot list the run's folder ${dir}: ${describeFsError(e)}`);
      }
    },
    remove: (path) => {
      try {
        unlinkSync(path);
      } catch (e) {
        throw new UserError(`cannot tidy the run's folder: cannot remove ${path}: ${describeFsError(e)}`);
      }
    },
  };
}

/** `purpose` names the folder in messages: "the run's folder", "the import's output folder". */
export function prepareFolder(dir: string, purpose = "the run's folder"): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ;) {
    let isFolder: boolean;
    try {
      isFolder = statSync(at).isDirectory();
    } catch (e) {
      // ENOTDIR: a level above is a file, which the walk up will name.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR")
        throw new UserError(`cannot use ${dir} as ${purpose}: ${describeFsError(e)} (${at})`);
      missing.push(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
      continue;
    }
    if (!isFolder) throw new UserError(`cannot use ${dir} as ${purpose}: ${at} is a file, not a folder`);
    break;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (e) {
      throw new UserError(`cannot create ${purpose} ${level}: ${describeFsError(e)}`);
    }
  }
  const probe = join(dir, `.rnnc-write-test.${process.pid}`);
  try {
    writeFileSync(probe, "");
    unlinkSync(probe);
  } catch (e) {
    throw new UserError(`cannot write in ${purpose} ${dir}: ${describeFsError(e)}`);
  }
}
