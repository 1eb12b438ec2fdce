// compiler/cli — `rnnc plot`: the curves of a training run. In: a run folder
// of `rnnc train` (its log.json: one record per finished epoch, see
// docs/training.md). Out: an SVG with the training loss, the dev scores and,
// where the records carry one, the gradient norm, each against the epoch.

import { join } from "node:path";
import { renderPlot, type Panel } from "../plot/svg.js";
import { onePositional, parse } from "./args.js";
import { describeFsError, UserError, type Io } from "./io.js";

export const plotUsage = `usage: rnnc plot RUN_DIR [-o curves.svg] [--json]

Draws the training curves of a run of rnnc train from RUN_DIR/log.json: the
training loss (and the dev loss, for vector sequences), the dev accuracy and
F1 where the run scores them, and the gradient norm where the log records one
(gradNorm), each per epoch.

  -o, --output OUT     the SVG to write (default RUN_DIR/curves.svg)
  --json               print the curves' points as JSON`;

/** One epoch as the plot reads it; other fields of the record are ignored. */
export interface EpochPoint {
  readonly epoch: number;
  readonly loss: number;
  readonly devLoss: number | null;
  readonly accuracy: number | null;
  readonly f1: number | null;
  readonly gradNorm: number | null;
}

export function plotCommand(argv: readonly string[], io: Io): number {
  const flags = {
    output: { type: "string", short: "o" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
  } as const;
  const { values, positionals } = parse(argv, flags, plotUsage);
  if (values.help) {
    io.out(plotUsage);
    return 0;
  }
  const dir = onePositional(positionals, "run folder", plotUsage);
  const epochs = readLog(io, dir);
  const output = values.output ?? join(dir, "curves.svg");
  io.write(output, renderPlot(panelsOf(epochs, dir)));
  io.err(`wrote ${output}: ${epochs.length} epochs`);
  if (values.json) io.out(JSON.stringify({ dir, epochs }, null, 2));
  return 0;
}

export function readLog(io: Io, dir: string): EpochPoint[] {
  const path = join(dir, "log.json");
  let text: string;
  try {
    text = io.readText(path);
  } catch (e) {
    const why = `cannot read ${path}: ${describeFsError(e)}`;
    throw new UserError(`no training log in ${dir}: ${why} (rnnc train writes it after each epoch)`);
  }
  let records: unknown;
  try {
    records = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(records)) throw new UserError(`${path}: expected a list of epoch records, got ${typeof records}`);
  if (records.length === 0) throw new UserError(`${path} has no epochs yet: nothing to plot`);
  return records.map((record: unknown, i) => {
    const fail = (what: string): never => {
      throw new UserError(`${path}: record ${i + 1}: ${what}`);
    };
    if (typeof record !== "object" || record === null) return fail("not an object");
    const r = record as Record<string, unknown>;
    const dev = (
      typeof r.dev === "object" && r.dev !== null ? r.dev : fail("no dev scores")
    ) as Record<string, unknown>;
    const number = (v: unknown, name: string) =>
      typeof v === "number" && Number.isFinite(v)
        ? v
        : fail(`${name} is ${JSON.stringify(v) ?? "missing"}, not a number`);
    const optional = (v: unknown, name: string) => (v === undefined || v === null ? null : number(v, name));
    return {
      epoch: number(r.epoch, "epoch"),
      loss: number(r.loss, "loss"),
      devLoss: optional(dev.loss, "dev.loss"),
      accuracy: optional(dev.accuracy, "dev.accuracy"),
      f1: optional(dev.f1, "dev.f1"),
      gradNorm: optional(r.gradNorm, "gradNorm"),
    };
  });
}

function panelsOf(epochs: readonly EpochPoint[], dir: string): Panel[] {
  const series = (label: string, value: (e: EpochPoint) => number | null) => ({
    label, markers: true, points: epochs.filter((e) => value(e) !== null).map((e) => [e.epoch, value(e)!] as const),
  });
  const has = (value: (e: EpochPoint) => number | null) => epochs.some((e) => value(e) !== null);
  const percent = (value: number | null) => (value === null ? null : value * 100);
  const panels: Panel[] = [
    {
      title: `Training loss: ${dir}`, xLabel: "epoch", yLabel: "mean loss per step (or per sequence)", yScale: "linear",
      series: [series("loss", (e) => e.loss), ...(has((e) => e.devLoss) ? [series("dev loss", (e) => e.devLoss)] : [])],
    },
  ];
  if (has((e) => e.accuracy) || has((e) => e.f1)) {
    panels.push({
      title: "Dev scores", xLabel: "epoch", yLabel: "%", yScale: "linear",
      series: [
        ...(has((e) => e.accuracy) ? [series("accuracy", (e) => percent(e.accuracy))] : []),
        ...(has((e) => e.f1) ? [series("F1", (e) => percent(e.f1))] : []),
      ],
    });
  }
  if (epochs.some((e) => e.gradNorm !== null)) {
    panels.push({
      title: "Gradient norm", xLabel: "epoch", yLabel: "‖∇θ‖", yScale: "log",
      series: [series("gradient norm", (e) => e.gradNorm)],
    });
  }
  return panels;
}
