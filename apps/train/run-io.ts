// apps/train — what a training run touches on disk: its data files, and the
// run's folder (--out) with its checkpoint. The application never opens a
// file itself; the host (the CLI, a spec) gives it this, so the folder's
// rules (atomic writes, what a path may be) are the host's.

export interface RunIo {
  readText(path: string): string;
  readBytes(path: string): Uint8Array;
  /**
   * Writes the whole file atomically: a reader, or a kill at any moment,
   * never sees half of it. A write killed midway may leave PATH.PID.tmp (PID:
   * the writer's process id) beside it, which the run removes when it next
   * tidies its folder.
   */
  write(path: string, data: string | Uint8Array): void;
  /** Makes the folder if it is missing and proves it writable; else throws an error naming it. */
  prepareFolder(dir: string): void;
  /** The names of the files in a folder (none when it does not exist). */
  list(dir: string): string[];
  remove(path: string): void;
}
