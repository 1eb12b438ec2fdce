// spec/e2e — relaxed-SIMD builds (--relaxed-simd). Node 20 runs them only with
// --experimental-wasm-relaxed-simd, so the module runs in a child process with
// that flag (through the built runtime, dist/), on values drawn here; its
// outputs, loss and gradients agree with the f64 build within f32 tolerance.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compileCell } from "../support/compile.js";
import { instantiateModel } from "../../runtime/model.js";
import { loadModel } from "../../runtime/model.js";
import { exampleNames, exampleSource, hostRoles, mismatch, randomize } from "./harness.js";

const runtime = fileURLToPath(new URL("../../dist/runtime/index.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "rnnc-relaxed-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs forward and backward of `binary` in a node with relaxed SIMD; returns every output and gradient. */
function runRelaxed(
  binary: Uint8Array,
  host: { name: string; role: string; data: number[] }[],
  size: { batch: number; steps: number },
) {
  writeFileSync(join(tmp, "m.wasm"), binary);
  writeFileSync(join(tmp, "host.json"), JSON.stringify({ host, size }));
  const script = `
    import { readFileSync } from "node:fs";
    import { loadModel } from ${JSON.stringify(runtime)};
    const { host, size } = JSON.parse(readFileSync(${JSON.stringify(join(tmp, "host.json"))}, "utf8"));
    const model = await loadModel(readFileSync(${JSON.stringify(join(tmp, "m.wasm"))}));
    for (const t of host) model.set(t.name, t.role, t.data);
    const loss = model.forward(size.batch, size.steps);
    model.backward(size.batch, size.steps);
    const out = model.tensors()
      .filter((e) => e.role === "output" || e.role === "grad")
      .map((e) => ({ name: e.name, role: e.role, data: Array.from(model.view(e.name, e.role, size)) }));
    process.stdout.write(JSON.stringify({ abi: model.abi, loss, out }));`;
  const child = spawnSync(
    process.execPath,
    ["--experimental-wasm-relaxed-simd", "--input-type=module", "-e", script],
    { encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as {
    abi: { relaxedSimd?: boolean }; loss: number; out: { name: string; role: string; data: number[] }[]
  };
}

describe("a relaxed-SIMD build", () => {
  it("does not load where the engine lacks relaxed SIMD, and says so in its ABI", () => {
    const { binary, abi } = compileCell({
      file: "examples/lstm.ts", text: exampleSource("lstm"), dims: { I: 3, H: 4 }, relaxedSimd: true,
    });
    expect(abi.relaxedSimd).toBe(true);
    expect(WebAssembly.validate(binary as BufferSource)).toBe(false); // this vitest worker runs without the flag
  });

  it("the runtime says what to do where it cannot load", async () => {
    const { binary } = compileCell({
      file: "examples/lstm.ts", text: exampleSource("lstm"), dims: { I: 3, H: 4 }, relaxedSimd: true,
    });
    await expect(loadModel(binary))
      .rejects.toThrow(/compiled with --relaxed-simd[^]*node --experimental-wasm-relaxed-simd/);
  });

  for (const name of exampleNames) {
    it(`${name}: agrees with the f64 build within f32 tolerance (dims that fill no tile evenly)`, () => {
      const options = {
        file: `examples/${name}.ts`, text: exampleSource(name), dims: { I: 19, H: 37 }, loss: "mse" as const,
        capacity: { batch: 5, steps: 6 },
      };
      const size = { batch: 5, steps: 6 };
      const double = instantiateModel(compileCell({ ...options, dtype: "f64" }).binary);
      randomize(double, size, 3, [6, 2, 5, 6, 1]);
      const host = double.tensors()
        .filter((e) => hostRoles.includes(e.role) && e.role !== "grad_output" && e.role !== "grad_state_out")
        .map((e) => ({ name: e.name, role: e.role, data: Array.from(double.view(e.name, e.role, size)) }));
      const loss = double.forward(size.batch, size.steps);
      double.backward(size.batch, size.steps);
      const relaxed = runRelaxed(compileCell({ ...options, relaxedSimd: true }).binary, host, size);
      expect(relaxed.abi.relaxedSimd).toBe(true);
      const problems = [
        mismatch([relaxed.loss], [loss], 1e-4, "loss"),
        ...relaxed.out.map((t) =>
          mismatch(t.data, double.view(t.name, t.role as "output", size), 1e-4, `${t.role} ${t.name}`)),
      ].filter((p) => p !== undefined);
      expect(problems).toEqual([]);
    });
  }
});
