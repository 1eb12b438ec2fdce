// compiler/cli — the `rnnc` command in-process: every subcommand imported up
// front, for hosts and specs that call main(argv, io) synchronously. In: argv
// and an Io. Out: the exit code (dispatch.ts maps errors to codes). The
// binary itself starts through launch.ts, which imports only the command it runs.

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
import { dispatch, type CommandName, type CommandRun } from "./dispatch.js";
import { processIo, type Io } from "./io.js";

export { usage } from "./dispatch.js";

const commands = {
  compile: compileCommand, check: checkCommand, gradcheck: gradcheckCommand, inspect: inspectCommand,
  train: trainCommand, predict: predictCommand, eval: evalCommand, flow: flowCommand, plot: plotCommand,
  graph: graphCommand, import: importCommand, export: exportCommand,
} satisfies Record<CommandName, CommandRun>;

export function main(argv: readonly string[], io: Io = processIo, color = false): number {
  return dispatch(argv, io, color, (name) => commands[name]);
}
