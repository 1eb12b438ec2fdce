// spec/browser — the runtime in headless Chromium computes what it computes
// in Node, bit for bit: the demo page (examples/browser) loads an LSTM with
// train_step through the browser bundle and an import map, and its forward
// loss, gradients, parameters after one training step and stream outputs
// have the same bytes as the same calls on the same module in Node, with
// the runtime's TypeScript sources.

import { afterAll, beforeAll, expect, it } from "vitest";
import * as runtime from "../../runtime/index.js";
import { runSession, toHex } from "../../examples/browser/session.js";
import { demoLstm, describeInChromium, openExampleSite, type ExampleSite } from "./chromium.js";

const compiled = demoLstm({ batch: 4, steps: 16 });

type DemoState = { seed: number; results: Record<string, string> } | { error: string };

async function inNode(seed: number): Promise<Record<string, string>> {
  const model = await runtime.loadModel(compiled.binary);
  return Object.fromEntries(runSession(runtime, model, seed).map((r) => [r.label, toHex(r.values)]));
}

describeInChromium("the runtime in headless Chromium", () => {
  let site: ExampleSite;
  beforeAll(async () => {
    site = await openExampleSite({ "/examples/browser/lstm.wasm": compiled.binary });
  });
  afterAll(async () => site?.close());

  for (const seed of [1, 20261127]) {
    it(`gives Node's bytes for forward, backward, train_step and a stream (seed ${seed})`, async () => {
      await site.page.goto(`${site.base}/examples/browser/?seed=${seed}`);
      const state = await site.page.waitForFunction("window.rnncDemo", undefined, { timeout: 20_000 })
        .then((h) => h.jsonValue() as Promise<DemoState>);
      if ("error" in state) throw new Error(`the page failed: ${state.error}\n${site.errors.join("\n")}`);
      const node = await inNode(seed);
      const labels = Object.keys(node);
      expect(labels).toContain("forward: loss");
      const gradients = compiled.abi.tensors.filter((t) => t.role === "grad").length;
      expect(labels.filter((l) => l.startsWith("backward: gradient of ")).length).toBe(gradients);
      expect(labels.filter((l) => l.startsWith("stream step ")).length).toBe(4);
      expect(Object.keys(state.results)).toEqual(labels);
      for (const label of labels) expect(state.results[label], label).toBe(node[label]);
      expect(site.errors).toEqual([]);
    });
  }

  it("says on the page when the module cannot be loaded", async () => {
    await site.page.goto(`${site.base}/examples/browser/?seed=x`);
    const state = await site.page.waitForFunction("window.rnncDemo", undefined, { timeout: 20_000 })
      .then((h) => h.jsonValue() as Promise<DemoState>);
    expect(state).toEqual({ error: '?seed= must be an integer; got "x"' });
    expect(await site.page.textContent("#status")).toBe('failed: ?seed= must be an integer; got "x"');
  });
});
