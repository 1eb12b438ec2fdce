// spec/browser — data-parallel training in headless Chromium: on the
// cross-origin isolated example site, the browser bundle's
// createDataParallelTrainer starts two module Workers (the bundled
// rnnc-worker.js beside it) and its awaited steps give the losses and
// parameters, byte for byte, of the same steps in Node on worker_threads
// (the runtime's TypeScript sources, dist's worker script): the same shards,
// the same order of the gradient sum.

import { afterAll, beforeAll, expect, it } from "vitest";
import * as runtime from "../../runtime/index.js";
import { runParallelSession, toHex } from "../../examples/browser/session.js";
import { demoLstm, describeInChromium, openExampleSite, type ExampleSite } from "./chromium.js";

const compiled = demoLstm({ batch: 5, steps: 12 });
const script = new URL("../../dist/runtime/rnnc-worker.js", import.meta.url);
const seed = 7;

type PageResult = { results: Record<string, string> } | { error: string };

describeInChromium("data-parallel training in headless Chromium", () => {
  let site: ExampleSite;
  beforeAll(async () => {
    site = await openExampleSite({ "/examples/browser/lstm.wasm": compiled.binary });
  });
  afterAll(async () => site?.close());

  it("trains on two module Workers, giving Node's bytes for the losses and parameters", async () => {
    await site.page.goto(`${site.base}/examples/browser/?seed=1`);
    // Plain text for the page: vitest would rewrite the import() calls of a function.
    const result = (await site.page.evaluate(`(async () => {
      try {
        const rnnc = await import("/dist/browser/rnnc-runtime.js");
        const { runParallelSession, toHex } = await import("/examples/browser/session.js");
        if (!crossOriginIsolated) return { error: "the page is not cross-origin isolated" };
        const url = new URL("/examples/browser/lstm.wasm", location.href);
        const trainer = await rnnc.createDataParallelTrainer(url, { workers: 2 });
        const results = await runParallelSession(rnnc, trainer, ${seed});
        trainer.close();
        return { results: Object.fromEntries(results.map((r) => [r.label, toHex(r.values)])) };
      } catch (e) {
        return { error: String(e) };
      }
    })()`)) as PageResult;
    if ("error" in result) throw new Error(`the page failed: ${result.error}\n${site.errors.join("\n")}`);
    const trainer = new runtime.DataParallelTrainer(await runtime.loadModel(compiled.binary), { workers: 2, script });
    try {
      const session = await runParallelSession(runtime, trainer, seed);
      const node = Object.fromEntries(session.map((r) => [r.label, toHex(r.values)]));
      expect(Object.keys(node)).toContain("2 workers: losses");
      expect(Object.keys(result.results)).toEqual(Object.keys(node));
      for (const label of Object.keys(node)) expect(result.results[label], label).toBe(node[label]);
      expect(site.errors).toEqual([]);
    } finally {
      trainer.close();
    }
  });
});
