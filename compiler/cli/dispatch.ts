// compiler/cli — the `rnnc` command's table of subcommands and its dispatch:
// which command runs, and how what goes wrong maps to exit codes. 0 success;
// 1 a user error, printed as diagnostics, never a stack trace; 2 a bad
// invocation. Anything else is a compiler bug and says so. In: argv and a way
// to get a command's function (main.ts has them all imported; launch.ts, the
// binary's entry, imports only the one it runs). Out: the exit code.
// Light on purpose: nothing here imports ts-morph or binaryen.

import { DiagnosticError, formatDiagnostics } from "../diagnostics.js";
import { BuildError } from "../errors.js";
import { UsageError, UserError, type Io } from "./io.js";
import { packageVersion } from "./version.js";

/** A subcommand: its arguments (after the command's name) → exit code. */
export type CommandRun = (argv: readonly string[], io: Io) => number;

/** Every subcommand, with its line in the usage. */
export const summaries = {
  compile: "compile a cell file to a standalone .wasm module",
  check: "check a cell file and print its diagnostics",
  gradcheck: "compare a cell's gradients with finite differences",
  inspect: "print the ABI of a compiled module",
  train: "train a tagger, or any sequence model on vector sequences, with checkpoints",
  predict: "tag sentences, or run vector sequences, with a trained checkpoint",
  eval: "score a trained checkpoint on labelled data",
  flow: "how far back the gradient reaches: ‖∂ℓ_T/∂h_{T−k}‖ per cell, table and SVG",
  plot: "draw a training run's loss and dev curves (log.json) as SVG",
  graph: "draw a cell's step graph and its derivative after a pass, as SVG (Graphviz)",
  import: "turn a PyTorch, ONNX, TF.js or Keras network into an rnnc model and parameter file",
  export: "write an imported model (trained) as a PyTorch state_dict or an ONNX model",
} satisfies Record<string, string>;

export type CommandName = keyof typeof summaries;

export const isCommand = (name: string | undefined): name is CommandName =>
  name !== undefined && Object.hasOwn(summaries, name);

export const usage = `usage: rnnc COMMAND [options]

${Object.entries(summaries).map(([name, summary]) => `  ${name.padEnd(10)} ${summary}`).join("\n")}

rnnc COMMAND --help describes each command; rnnc --version prints the version.`;

/** The command `argv` asks for (`rnnc help NAME` asks for NAME's help), if it names one. */
export function requestedCommand(argv: readonly string[]): CommandName | undefined {
  const [name, next] = argv;
  const wanted = name === "help" ? next : name;
  return isCommand(wanted) ? wanted : undefined;
}

export function dispatch(
  argv: readonly string[],
  io: Io,
  color: boolean,
  commandOf: (name: CommandName) => CommandRun,
): number {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(usage);
    return 2;
  }
  if (name === "help" && isCommand(rest[0])) return dispatch([rest[0], "--help"], io, color, commandOf);
  if (name === "--help" || name === "-h" || name === "help") {
    io.out(usage);
    return 0;
  }
  if (name === "--version" || name === "-V") {
    io.out(`rnnc ${packageVersion()}`);
    return 0;
  }
  if (!isCommand(name)) {
    io.err(`rnnc: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  try {
    return commandOf(name)(rest, io);
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
    const trace = (e as Error).stack ?? String(e);
    io.err(`rnnc ${name}: internal error (a bug in rnnc, please report it with the input):\n${trace}`);
    return 70;
  }
}
