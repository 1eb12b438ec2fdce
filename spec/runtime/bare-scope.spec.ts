// spec/runtime — the runtime in a scope without TextDecoder, TextEncoder,
// URL, Response and fetch, as in an AudioWorkletGlobalScope: it reads a
// module's ABI (non-ASCII names included) and writes and reads parameter
// files byte for byte as it does with the host's codecs, and says why it
// cannot load a URL there.

import { afterEach, describe, expect, it, vi } from "vitest";
import { loadModel, RnncError } from "../../runtime/index.js";
import { tinyAbi, tinyModule } from "./tiny-module.js";

/** The tiny module with names from every UTF-8 length class. */
function unicodeModule(): Uint8Array<ArrayBuffer> {
  const abi = tinyAbi();
  const names: Record<string, string> = { W: "Wé", b: "β€😀" };
  const tensors = abi.tensors.map((t) => ({ ...t, name: names[t.name] ?? t.name }));
  return tinyModule({ abi: { ...abi, name: "ﬁlter✓", tensors } });
}

function removeHostApis(): void {
  for (const name of ["TextDecoder", "TextEncoder", "URL", "Response", "fetch"]) vi.stubGlobal(name, undefined);
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the runtime without TextDecoder, TextEncoder, URL, Response and fetch", () => {
  it("reads the ABI and saves and loads parameters as with them", async () => {
    const bytes = unicodeModule();
    const withCodecs = await loadModel(bytes);
    withCodecs.set("Wé", "param", [0.5, -1.25, 3, 1e-8, -7, 2 ** 20]);
    withCodecs.set("β€😀", "param", [0.1, -0.2]);
    const file = withCodecs.saveParams();

    removeHostApis();
    expect(typeof TextDecoder).toBe("undefined");
    for (const source of [bytes, bytes.buffer, new WebAssembly.Module(bytes)]) {
      const bare = await loadModel(source);
      expect(bare.abi).toEqual(withCodecs.abi);
      bare.loadParams(file);
      expect([...bare.tensor("Wé", "param")]).toEqual([...withCodecs.tensor("Wé", "param")]);
      expect(bare.saveParams()).toEqual(file);
    }
  });

  it("says a URL cannot be loaded without fetch", async () => {
    removeHostApis();
    // Node's process, seen through a scope without versions.node: the runtime takes this host for a browser's.
    vi.stubGlobal("process", Object.create(process, { versions: { value: {} } }));
    await expect(loadModel("http://127.0.0.1:1/cell.wasm")).rejects.toThrow(RnncError);
    await expect(loadModel("cell.wasm")).rejects
      .toThrow(/this host has no fetch .* cannot load cell\.wasm; pass the module's bytes or a WebAssembly\.Module/);
  });
});
