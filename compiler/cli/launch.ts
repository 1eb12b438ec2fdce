// compiler/cli — the entry of the `rnnc` binary (bin/rnnc.js): imports only
// the subcommand it runs, so `rnnc inspect`, `rnnc plot` or `--help` never
// load ts-morph (the TypeScript compiler) or binaryen, which together take
// most of a cold start. In: process.argv. Out: the exit code, as main.ts.
//
// binaryen.js is about 10 MB of wasm that one `rnnc compile` runs once, over
// one module. Left to V8's default tiering, its hot functions
// are recompiled by TurboFan while the compile runs, which costs more CPU than
// it saves: the LSTM (b) spent 3.3 s of CPU in a cold `rnnc compile` with
// tiering and 1.5 s with Liftoff only, on an AMD EPYC core. So the commands
// that run no other wasm run with V8's --liftoff-only. The flag is process-wide and read at
// every tier-up (it turns tier-up off, and turning it back on lets every
// module tier up again, binaryen's too), so the commands that run the modules
// they compile (gradcheck, flow, train, predict, eval) keep V8's tiering.
// The commands that parse a cell file load ts-morph through V8's code cache
// first (code-cache.ts), and the commands that compile load binaryen.js
// through it (binaryen-cache.ts).

import { setFlagsFromString } from "node:v8";
import { provideBinaryen } from "../lower/binaryen-source.js";
import { loadBinaryenCached } from "./binaryen-cache.js";
import { preloadTsMorph } from "./code-cache.js";
import { dispatch, requestedCommand, type CommandName, type CommandRun } from "./dispatch.js";
import { processIo, type Io } from "./io.js";

interface Loader {
  readonly load: () => Promise<CommandRun>;
  /** Whether the command runs no wasm but binaryen's, so Liftoff alone serves it best (see above). */
  readonly baselineOnly: boolean;
  /** Whether it parses cell files (with ts-morph). */
  readonly parses?: false;
  /** Whether it always compiles a module (with binaryen), so binaryen.js starts loading first (see load). */
  readonly compiles?: true;
}

const loaders = {
  compile: { load: async () => (await import("./compile.js")).compileCommand, baselineOnly: true, compiles: true },
  check: { load: async () => (await import("./check.js")).checkCommand, baselineOnly: true },
  gradcheck: {
    load: async () => (await import("./gradcheck.js")).gradcheckCommand, baselineOnly: false, compiles: true,
  },
  inspect: { load: async () => (await import("./inspect.js")).inspectCommand, baselineOnly: true, parses: false },
  train: { load: async () => (await import("./train.js")).trainCommand, baselineOnly: false, compiles: true },
  predict: { load: async () => (await import("./predict.js")).predictCommand, baselineOnly: false },
  eval: { load: async () => (await import("./eval.js")).evalCommand, baselineOnly: false },
  flow: { load: async () => (await import("./flow.js")).flowCommand, baselineOnly: false, compiles: true },
  plot: { load: async () => (await import("./plot.js")).plotCommand, baselineOnly: true, parses: false },
  // Graphviz, which draws the graph, is wasm too.
  graph: { load: async () => (await import("./graph.js")).graphCommand, baselineOnly: false },
  import: { load: async () => (await import("./import.js")).importCommand, baselineOnly: true, parses: false },
  export: { load: async () => (await import("./export.js")).exportCommand, baselineOnly: true, parses: false },
} satisfies Record<CommandName, Loader>;

async function load(name: CommandName): Promise<CommandRun> {
  const loader: Loader = loaders[name];
  if (loader.baselineOnly) setFlagsFromString("--liftoff-only");
  const flags = loader.baselineOnly ? "liftoff-only" : "default";
  if (loader.compiles) {
    // Started before ts-morph loads: once binaryen.js has run up to instantiating its wasm (by the time
    // the microtasks have run), V8 compiles that wasm on background threads while this thread loads ts-morph.
    const binaryen = loadBinaryenCached(flags);
    binaryen.catch(() => {}); // A failure surfaces where compiler/lower/binaryen.ts awaits it.
    provideBinaryen(() => binaryen);
    await new Promise((resolve) => setImmediate(resolve));
  } else {
    // Called only if the command loads the compiler's lowering (compiler/lower/binaryen.ts).
    provideBinaryen(() => loadBinaryenCached(flags));
  }
  if (loader.parses !== false) preloadTsMorph(flags);
  return loader.load();
}

export async function launch(argv: readonly string[], io: Io = processIo, color = false): Promise<number> {
  const name = requestedCommand(argv);
  const run = name && (await load(name));
  return dispatch(argv, io, color, () => {
    if (!run) throw new Error(`rnnc: no command was loaded for ${argv[0]}`);
    return run;
  });
}
