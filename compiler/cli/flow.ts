// compiler/cli — `rnnc flow`: how far back the gradient reaches in each cell.
// In: cell or model files, dimensions, a seed or trained parameters. Out: the
// table of ‖∂ℓ_T/∂h_{T−k}‖ per cell and its fitted rate per step, optionally
// an SVG plot and JSON. It stands on the public surface alone: the compiler
// API (checkCell, compileCell) and the runtime (instantiateModel, initParams,
// loadParams); the measurement itself is compiler/flow/measure.ts.

import { checkCell, compileCell } from "../api.js";
import { initParams, instantiateModel, RnncError, type RnncModel } from "../../runtime/index.js";
import { fitDecay, type DecayFit } from "../flow/fit.js";
import { clippedNorm, measureFlow, randomSequences, type FlowMeasurement } from "../flow/measure.js";
import { rescaleRecurrent, type Rescaled } from "../flow/radius.js";
import { parse, parseDims, parseNumber, parsePositive } from "./args.js";
import { type Io, readBytesOf, readTextOf, resolveImport, UsageError, UserError } from "./io.js";
import { flowPlot } from "./flow-plot.js";
import type { CellFlow, FlowSettings } from "../flow/result.js";

export const flowUsage = `usage: rnnc flow FILE... --dims I=8,H=32 [options]

For each cell or model, the norm of the gradient of the last step's loss with
respect to the state k steps earlier, ‖∂ℓ_T/∂h_{T−k}‖ for k = 0..T−1 (all
states concatenated), averaged over a batch of random sequences, and the rate
per step fitted to its logarithm. Prints the table; -o also draws it as SVG.

  --cell NAME          the exported cell or model: once for every FILE, or once per FILE in order
  --dims I=8,H=32      values of the symbolic dimensions (shared by every FILE)
  --steps T            sequence length T (default 50)
  --batch B            random sequences averaged (default 16)
  --seed N             seed of the parameters (initParams) and of the sequences (default 1)
  --params P           trained parameters (saveParams' file, such as rnnc train's best-*.bin),
                       once per FILE in order ("" for initParams), instead of initParams
  --forget-bias LIST   gate biases set after initialisation, comma-separated: NAME (to 1, initParams'
                       forgetBias) or NAME=VALUE, e.g. bf,bz=-1 (default bf; "" for none)
  --recurrent-radius R scale each recurrent matrix to spectral radius R, after initialisation
  --clip C             also report, per horizon, the update train_step makes (learning rate 1)
                       with global-norm clipping at C
  -o, --output OUT     write the plot as SVG
  --json               the numbers as JSON`;

const flags = {
  cell: { type: "string", multiple: true },
  dims: { type: "string" },
  steps: { type: "string" },
  batch: { type: "string" },
  seed: { type: "string" },
  params: { type: "string", multiple: true },
  "forget-bias": { type: "string" },
  "recurrent-radius": { type: "string" },
  clip: { type: "string" },
  output: { type: "string", short: "o" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function flowCommand(argv: readonly string[], io: Io): number {
  const { values, positionals: files } = parse(argv, flags, flowUsage);
  if (values.help) {
    io.out(flowUsage);
    return 0;
  }
  if (files.length === 0) throw new UsageError(`expected at least one cell file\n\n${flowUsage}`);
  const perFile = (flag: string, given: readonly string[] | undefined, spread: boolean): (string | undefined)[] => {
    const list = given ?? [];
    if (list.length === 0) return files.map(() => undefined);
    if (list.length === files.length) return [...list];
    if (spread && list.length === 1) return files.map(() => list[0]);
    const allowed = `${spread ? "once, or " : ""}once per FILE, in order`;
    throw new UsageError(`--${flag}: given ${list.length} times for ${files.length} files; give it ${allowed}`);
  };
  const cells = perFile("cell", values.cell, true);
  const paramFiles = perFile("params", values.params, false).map((p) => (p === "" ? undefined : p)); // "": initParams
  const seed = Number(values.seed ?? 1);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed: expected an integer, got "${values.seed}"`);
  const settings: FlowSettings = {
    steps: parsePositive("steps", values.steps, 50),
    batch: parsePositive("batch", values.batch, 16),
    seed,
    forgetBias: parseGateBiases(values["forget-bias"] ?? "bf"),
    recurrentRadius: optionalNumber("recurrent-radius", values["recurrent-radius"]),
    clip: optionalNumber("clip", values.clip),
  };
  const dims = parseDims(values.dims);

  const measured = files.map((file, i) => measureFile(io, file, cells[i], paramFiles[i], dims, settings));
  const results = labelled(measured);
  if (values.output !== undefined) {
    io.write(values.output, flowPlot(results, settings));
    io.err(`wrote ${values.output}`);
  }
  io.out(values.json ? JSON.stringify({ ...settings, cells: results }, null, 2) : formatTable(results, settings));
  return 0;
}

type Measured = Omit<CellFlow, "label">;

const optionalNumber = (flag: string, text: string | undefined) =>
  (text === undefined ? null : parseNumber(flag, text, 1));

function measureFile(
  io: Io, file: string, cell: string | undefined, params: string | undefined,
  dims: Record<string, number>, settings: FlowSettings,
): Measured {
  const text = readTextOf(io, file);
  const source = { file, text, cell, dims, readFile: (path: string) => io.readText(path), resolveImport };
  const checked = checkCell(source);
  if (!checked.causal) {
    throw new UserError(`${file}: ${checked.name} has a bidirectional layer; its reverse direction reads later inputs, `
      + `so no state of it is "k steps earlier" (flow measures cells and forward-only models)`);
  }
  // One step per call: the measurement carries the state and the cotangent between calls itself.
  // Unoptimised, as gradcheck's module: run once, and the optimiser would change no value it measures.
  const capacity = { batch: settings.batch, steps: 1 };
  const compiled = compileCell({ ...source, dtype: "f64", loss: "none", capacity, optimize: false });
  const model = instantiateModel(compiled.binary);
  if (!model.tensors().some((t) => t.role === "state_in")) throw new UserError(`${file}: ${checked.name} has no state`);
  if (params === undefined) initialise(model, settings);
  else loadParamsFile(io, model, params);
  let rescaled: Rescaled[] = [];
  if (settings.recurrentRadius !== null) {
    try {
      rescaled = rescaleRecurrent(model, settings.recurrentRadius);
    } catch (e) {
      throw new UserError(`--recurrent-radius: ${checked.name} (${file}): ${(e as Error).message}`);
    }
  }
  const measurement = measureFlow(model, randomSequences(model, settings));
  const clip = settings.clip;
  return {
    file, name: checked.name, params: params ?? null, rescaled, ...measurement,
    fit: fitDecay(measurement.norms),
    updates: clip === null ? null : measurement.paramNorms.map((n) => clippedNorm(n, clip)),
  };
}

function parseGateBiases(text: string): { name: string; value: number }[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "").map((item) => {
    const match = /^([A-Za-z_$][A-Za-z0-9_$.]*)(?:=(.+))?$/.exec(item);
    const value = match?.[2] === undefined ? 1 : Number(match[2]);
    if (!match || !Number.isFinite(value)) {
      throw new UsageError(
        `--forget-bias: expected NAME or NAME=NUMBER, got "${item}" (example: --forget-bias bf,bz=-1)`,
      );
    }
    return { name: match[1]!, value };
  });
}

/** initParams at the seed; gate biases of another value than 1 are then set as initParams sets those of 1. */
function initialise(model: RnncModel, settings: FlowSettings): void {
  const ones = settings.forgetBias.filter((b) => b.value === 1).map((b) => b.name);
  initParams(model, settings.seed, { forgetBias: ones });
  const matches = (entry: string, name: string) => entry === name || entry.endsWith(`.${name}`);
  for (const entry of model.tensors().filter((t) => t.role === "param" && (t.init ?? "zeros") === "zeros")) {
    const bias = settings.forgetBias.find((b) => b.value !== 1 && matches(entry.name, b.name));
    if (bias) model.set(entry.name, "param", new Array<number>(model.get(entry.name, "param").length).fill(bias.value));
  }
}

function loadParamsFile(io: Io, model: RnncModel, path: string): void {
  const bytes = readBytesOf(io, path);
  try {
    model.loadParams(bytes);
  } catch (e) {
    if (e instanceof RnncError) throw new UserError(`${path}: ${e.message}`);
    throw e;
  }
}

/** Labels are names; a name measured twice is told apart by its file, else by its parameters, else by its place. */
function labelled(measured: readonly Measured[]): CellFlow[] {
  const ways = [
    (m: Measured) => m.name,
    (m: Measured) => `${m.name} (${m.file})`,
    (m: Measured) => `${m.name} (${m.params ?? "initParams"})`,
  ];
  return measured.map((m, i) => {
    const unique = ways.find((way) => measured.filter((other) => way(other) === way(m)).length === 1);
    return { ...m, label: unique ? unique(m) : `${m.name} #${i + 1}` };
  });
}

function formatTable(results: readonly CellFlow[], settings: FlowSettings): string {
  const width = Math.max(11, ...results.map((r) => r.label.length + 2));
  const columns = results.flatMap((r) => (settings.clip === null ? [r.label] : [r.label, "‖∇θ‖", "update"]));
  const header = `${"k".padStart(5)}${columns.map((c) => c.padStart(width)).join("")}`;
  const rows = Array.from({ length: settings.steps }, (_, k) => {
    const cells = results.flatMap((r) => {
      const norm = sci(r.norms[k]!);
      return settings.clip === null ? [norm] : [norm, sci(r.paramNorms[k]!), sci(r.updates![k]!)];
    });
    return `${String(k).padStart(5)}${cells.map((c) => c.padStart(width)).join("")}`;
  });
  const states = results.map((r) => `${r.label} ${r.states.join(", ")}`).join("; ");
  const clipNote = settings.clip === null
    ? ""
    : `; ‖∇θ‖: parameter gradient of the last k+1 steps, update: after clipping at ${settings.clip}`;
  const lines = [
    `‖∂ℓ_T/∂h_{T−k}‖, T = ${settings.steps}, mean over ${settings.batch} random sequences, `
      + `seed ${settings.seed}`,
    `(states concatenated: ${states}${clipNote})`,
    header,
    ...rows,
    `fitted rate per step (least squares of ln‖g_k‖ on k):`,
    ...results.map((r) => `  ${r.label.padEnd(width)} ${describeFit(r.fit)}`),
  ];
  for (const r of results) {
    for (const s of r.rescaled) {
      const to = settings.recurrentRadius;
      lines.push(`  ${r.label}: ${s.name} rescaled from spectral radius ${s.before.toFixed(4)} to ${to}`);
    }
  }
  return lines.join("\n");
}

function describeFit(fit: DecayFit | null): string {
  if (!fit) return "no fit: fewer than two positive norms";
  return `×${fit.rate.toFixed(4)} per step (slope ${fit.slope.toFixed(4)}, ${fit.points} points)`;
}

function sci(v: number): string {
  return Number.isFinite(v) ? v.toExponential(3) : String(v);
}
