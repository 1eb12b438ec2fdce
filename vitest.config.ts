import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["spec/**/*.spec.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Spec files share a worker's module cache: Binaryen and ts-morph load (and
    // Binaryen's optimiser warms up) once per worker instead of once per file.
    // Specs keep no state in modules that another file could see.
    isolate: false,
    // Rebuilds dist/ first when it is older than its sources (the CLI, package and browser specs run it).
    globalSetup: ["spec/support/fresh-dist.ts"],
  },
});
