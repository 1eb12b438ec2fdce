// compiler/training — the run's folder (--out). In: its path. Out: the folder,
// made if missing and proven writable before any training starts, or a
// TrainingError naming the path and what is wrong with it. Node's recursive
// mkdir loops forever under /proc, so the missing levels are made one by one.

import { mkdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { TrainingError } from "./data.js";

/** "no such file or directory" rather than Node's "ENOENT: …, open 'x'". */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOENT: "no such file or directory", EACCES: "permission denied", EPERM: "not permitted", EROFS: "a read-only file system",
    EISDIR: "it is a directory", ENOTDIR: "a parent is not a directory", ENOSPC: "no space left on the device",
  };
  return (err.code && Object.hasOwn(known, err.code) ? known[err.code] : undefined) ?? err.message;
}

/** `purpose` names the folder in messages: "the run's folder", "the import's output folder". */
export function prepareFolder(dir: string, purpose = "the run's folder"): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; ) {
    let isFolder: boolean;
    try {
      isFolder = statSync(at).isDirectory();
    } catch (e) {
      // ENOTDIR: a level above is a file, which the walk up will name.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new TrainingError(`cannot use ${dir} as ${purpose}: ${describeFsError(e)} (${at})`);
      missing.push(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
      continue;
    }
    if (!isFolder) throw new TrainingError(`cannot use ${dir} as ${purpose}: ${at} is a file, not a folder`);
    break;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (e) {
      throw new TrainingError(`cannot create ${purpose} ${level}: ${describeFsError(e)}`);
    }
  }
  const probe = join(dir, `.rnnc-write-test.${process.pid}`);
  try {
    writeFileSync(probe, "");
    unlinkSync(probe);
  } catch (e) {
    throw new TrainingError(`cannot write in ${purpose} ${dir}: ${describeFsError(e)}`);
  }
}
