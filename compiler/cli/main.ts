// compiler/cli — the `rnnc` command: dispatch to a subcommand and map what
// goes wrong to exit codes. 0 success; 1 a user error, printed as
// diagnostics, never a stack trace; 2 a bad invocation. Anything else is a
// compiler bug and says so.

import { DiagnosticError, formatDiagnostics } from "../diagnostics.js";
import { BuildError } from "../errors.js";
import { checkCommand } from "./check.js";
import { compileCommand } from "./compile.js";
import { gradcheckCommand } from "./gradcheck.js";
import { inspectCommand } from "./inspect.js";
import { trainCommand } from "./train.js";
import { predictCommand } from "./predict.js";
import { evalCommand } from "./eval.js";
import { flowCommand } from "./flow.js";
import { plotCommand } from "./plot.js";
import { importCommand } from "./import.js";
import { exportCommand } from "./export.js";
import { graphCommand } from "./graph.js";
import { processIo, UsageError, UserError, type Io } from "./io.js";

const commands: Record<string, { run: (argv: readonly string[], io: Io) => number; summary: string }> = {
  compile: { run: compileCommand, summary: "compile a cell file to a standalone .wasm module" },
  check: { run: checkCommand, summary: "check a cell file and print its diagnostics" },
  gradcheck: { run: gradcheckCommand, summary: "compare a cell's gradients with finite differences" },
  inspect: { run: inspectCommand, summary: "print the ABI of a compiled module" },
  train: { run: trainCommand, summary: "train a tagger, or any sequence model on vector sequences, with checkpoints" },
  predict: { run: predictCommand, summary: "tag sentences, or run vector sequences, with a trained checkpoint" },
  eval: { run: evalCommand, summary: "score a trained checkpoint on labelled data" },
  flow: { run: flowCommand, summary: "how far back the gradient reaches: ‖∂ℓ_T/∂h_{T−k}‖ per cell, table and SVG" },
  plot: { run: plotCommand, summary: "draw a training run's loss and dev curves (log.json) as SVG" },
  graph: { run: graphCommand, summary: "draw a cell's step graph and its derivative after a pass, as SVG (Graphviz)" },
  import: { run: importCommand, summary: "turn a PyTorch, ONNX, TF.js or Keras network into an rnnc model and parameter file" },
  export: { run: exportCommand, summary: "write an imported model (trained) as a PyTorch state_dict or an ONNX model" },
};

export const usage = `usage: rnnc COMMAND [options]

${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join("\n")}

rnnc COMMAND --help describes each command.`;

export function main(argv: readonly string[], io: Io = processIo, color = false): number {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(usage);
    return 2;
  }
  if (name === "help" && rest[0] !== undefined && commands[rest[0]]) return main([rest[0], "--help"], io, color);
  if (name === "--help" || name === "-h" || name === "help") {
    io.out(usage);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    io.err(`rnnc: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  try {
    return command.run(rest, io);
  } catch (e) {
    if (e instanceof DiagnosticError) {
      io.err(formatDiagnostics(e.diagnostics, { color }));
      return 1;
    }
    if (e instanceof UserError || e instanceof BuildError) {
      io.err(`rnnc ${name}: ${e.message}`);
      return 1;
    }
    if (e instanceof UsageError) {
      io.err(`rnnc ${name}: ${e.message}`);
      return 2;
    }
    io.err(`rnnc ${name}: internal error (a bug in rnnc, please report it with the input):\n${(e as Error).stack ?? String(e)}`);
    return 70;
  }
}
