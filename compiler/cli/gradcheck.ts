// compiler/cli — `rnnc gradcheck`: compile in f64 and compare the backward
// pass with central finite differences of the module's own loss.

import { gradcheck, type GradcheckReport } from "../../runtime/gradcheck.js";
import { instantiateModel } from "../../runtime/model.js";
import { compileCell } from "../pipeline.js";
import { onePositional, parse, parseNumber, parsePositive } from "./args.js";
import { buildFlags, buildFlagsHelp, buildOptions } from "./build-flags.js";
import { UsageError, type Io } from "./io.js";

export const gradcheckUsage = `usage: rnnc gradcheck FILE [options]

Compiles the cell in f64, fills parameters, inputs, initial states and targets
with random values (random lengths per sequence), runs forward and backward,
and compares every gradient with fourth-order central finite differences of
the module's own loss (a random subset of entries for large tensors). Prints
the worst relative error per tensor; exits 1 above the tolerance.

${buildFlagsHelp}
  --seed N             random seed (default 1)
  --check-batch N      batch size of the check (default 3)
  --check-steps N      sequence length of the check (default 5)
  --entries N          at most N entries checked per tensor (default 16)
  --tolerance X        largest accepted relative error (default 1e-6)
  --json               machine-readable report`;

export function gradcheckCommand(argv: readonly string[], io: Io): number {
  const flags = {
    ...buildFlags,
    seed: { type: "string" },
    "check-batch": { type: "string" },
    "check-steps": { type: "string" },
    entries: { type: "string" },
    tolerance: { type: "string" },
    json: { type: "boolean" },
  } as const;
  const { values, positionals } = parse(argv, flags, gradcheckUsage);
  if (values.help) {
    io.out(gradcheckUsage);
    return 0;
  }
  const file = onePositional(positionals, "cell file", gradcheckUsage);
  const batch = parsePositive("check-batch", values["check-batch"], 3);
  const steps = parsePositive("check-steps", values["check-steps"], 5);
  const tolerance = parseNumber("tolerance", values.tolerance, 1e-6);
  const seed = Number(values.seed ?? 1);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed: expected an integer, got "${values.seed}"`);
  if (values.dtype !== undefined && values.dtype !== "f64")
    throw new UsageError("--dtype: gradcheck always compiles in f64");
  if (values.optimizer !== undefined)
    throw new UsageError("--optimizer: gradcheck checks forward and backward; train_step is checked by the specs");
  if (values.inference) throw new UsageError("--inference: gradcheck needs the backward pass it checks");
  const options = buildOptions(file, values, io, {
    dtype: "f64",
    capacity: { batch: Math.max(batch, Number(values.batch ?? 0)), steps: Math.max(steps, Number(values.steps ?? 0)) },
  });
  // The module is run once and dropped: Binaryen's optimiser, most of a compile's time, would change none of
  // the values checked (spec/e2e/optimizer.spec.ts holds the optimised module to the unoptimised one bit for bit).
  const compiled = compileCell({ ...options, optimize: false });
  const maxEntries = parsePositive("entries", values.entries, 16);
  const report = gradcheck(instantiateModel(compiled.binary), { seed, batch, steps, maxEntries });
  const passed = report.worst <= tolerance;
  io.out(
    values.json
      ? JSON.stringify({ file, cell: options.cell ?? null, tolerance, passed, ...report }, null, 2)
      : formatReport(file, report, tolerance, passed),
  );
  return passed ? 0 : 1;
}

function formatReport(file: string, report: GradcheckReport, tolerance: number, passed: boolean): string {
  const lines = [
    `gradcheck ${file}: batch ${report.batch}, steps ${report.steps}, lengths [${report.lengths.join(", ")}], `
      + `loss ${report.loss.toPrecision(8)}`,
    `${"tensor".padEnd(16)} ${"role".padEnd(10)} ${"checked".padStart(7)}  worst relative error`,
    ...report.tensors.map((t) => {
      const flag = t.worst > tolerance || Number.isNaN(t.worst) ? "  FAIL" : "";
      const where =
        flag && t.at ? ` at [${t.at.index}]: backward ${t.at.analytic}, finite differences ${t.at.numeric}` : "";
      const columns = `${t.name.padEnd(16)} ${t.role.padEnd(10)} ${String(t.checked).padStart(7)}`;
      return `${columns}  ${t.worst.toExponential(2)}${flag}${where}`;
    }),
    passed
      ? `ok: worst ${report.worst.toExponential(2)} <= ${tolerance}`
      : `FAILED: worst ${report.worst.toExponential(2)} > ${tolerance}`,
  ];
  return lines.join("\n");
}
