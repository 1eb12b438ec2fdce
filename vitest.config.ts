import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Examples import the runtime as users do ("rnnc/runtime", which Node resolves to dist/); specs run its source.
  resolve: { alias: { "rnnc/runtime": fileURLToPath(new URL("runtime/index.ts", import.meta.url)) } },
  test: {
    include: ["spec/**/*.spec.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Spec files share a worker's module cache: Binaryen and ts-morph load (and
    // Binaryen's optimiser warms up) once per worker instead of once per file.
    // What specs keep in module state is caches of compiled builds, which files may share.
    isolate: false,
    // One worker per core: vitest's default leaves one core to its main process, which here
    // mostly waits (on 2 cores that halves the speed).
    maxWorkers: availableParallelism(),
    // Rebuilds dist/ first when it is older than its sources (the CLI, package and browser specs run it).
    globalSetup: ["spec/support/fresh-dist.ts"],
  },
});
