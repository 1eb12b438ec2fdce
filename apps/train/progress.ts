// apps/train — what the user sees while training. In: per-batch and
// per-epoch events. Out: on a terminal, one progress bar redrawn in place;
// elsewhere (a log file, CI), plain lines at most every few seconds.

export interface Progress {
  /** After each minibatch: batches done of this epoch's total, mean loss per token so far. */
  batch(epoch: number, epochs: number, done: number, total: number, loss: number): void;
  /** A whole line (an epoch's summary, a notice). */
  line(text: string): void;
}

/** A bar on a terminal stream, drawn at most every 100 ms; `line` clears it first. */
export function terminalProgress(
  stream: { write(text: string): unknown; columns?: number },
  now: () => number = Date.now,
): Progress {
  let last = 0;
  let shown = false;
  let started = now();
  let epochShown = -1;
  return {
    batch(epoch, epochs, done, total, loss) {
      if (epoch !== epochShown) [epochShown, started] = [epoch, now()];
      const t = now();
      if (t - last < 100 && done < total) return;
      last = t;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 60));
      const filled = Math.round((width * done) / total);
      const rate = (t - started) / 1000 / Math.max(done, 1);
      const eta = Math.round(rate * (total - done));
      const bar = `${"=".repeat(filled)}${filled < width ? ">" : ""}${" ".repeat(Math.max(0, width - filled - 1))}`;
      stream.write(`\r\x1b[2Kepoch ${epoch}/${epochs} [${bar}] ${done}/${total} loss ${loss.toFixed(4)} eta ${eta}s`);
      shown = true;
    },
    line(text) {
      stream.write(`${shown ? "\r\x1b[2K" : ""}${text}\n`);
      shown = false;
    },
  };
}

/** Plain lines for logs: one per `interval` seconds within an epoch, plus every summary. */
export function plainProgress(
  write: (line: string) => void,
  intervalSeconds = 10,
  now: () => number = Date.now,
): Progress {
  let last = now();
  return {
    batch(epoch, epochs, done, total, loss) {
      const t = now();
      if (t - last < intervalSeconds * 1000 || done === total) return;
      last = t;
      write(
        `epoch ${epoch}/${epochs}: batch ${done}/${total} (${Math.floor((100 * done) / total)}%), ` +
          `loss ${loss.toFixed(4)}`,
      );
    },
    line(text) {
      last = now();
      write(text);
    },
  };
}

/** No output (tests, --quiet). */
export const silentProgress: Progress = { batch() {}, line() {} };
