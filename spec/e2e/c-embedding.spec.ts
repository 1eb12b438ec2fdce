// spec/e2e — the C embedding path: a scalar module (--no-simd; wasm2c cannot
// translate SIMD) turned into C by wabt's wasm2c, compiled with the system C
// compiler next to a small driver, and run. The driver loads a memory image
// written by the JS runtime (parameters, inputs, lengths, targets), calls
// forward or train_step, and writes the memory back: every byte of it must
// equal what the same call leaves in V8. The module imports nothing, so the C
// build needs only wasm-rt-impl.c. Skipped, with a note, where wasm2c or cc is
// missing (Debian: apt install wabt gcc).

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileCell } from "../../compiler/pipeline.js";
import { loadModel } from "../../runtime/model.js";
import { exampleSource, raggedRun, randomize } from "./harness.js";

const rtDir = ["/usr/share/wabt/wasm2c", "/usr/src/wasm2c"].find((dir) => existsSync(join(dir, "wasm-rt-impl.c")));
const has = (tool: string) => spawnSync(tool, ["--version"], { encoding: "utf8" }).status === 0;
const available = rtDir !== undefined && has("wasm2c") && has("cc");
if (!available) console.warn("spec/e2e/c-embedding: wasm2c, cc or wasm-rt-impl.c is missing; the C embedding path is not checked here");

const tmp = mkdtempSync(join(tmpdir(), "rnnc-c-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const driver = `
#include <stdio.h>
#include <stdlib.h>
#include "module.h"
/* usage: run IMAGE_IN IMAGE_OUT forward|train_step BATCH STEPS [LEARNING_RATE CLIP_NORM] */
int main(int argc, char** argv) {
  wasm_rt_init();
  Z_rnnc_init_module();
  Z_rnnc_instance_t instance;
  Z_rnnc_instantiate(&instance);
  wasm_rt_memory_t* memory = Z_rnncZ_memory(&instance);
  FILE* in = fopen(argv[1], "rb");
  if (!in || fread(memory->data, 1, memory->size, in) != memory->size) return 3;
  fclose(in);
  u32 batch = (u32)atoi(argv[4]), steps = (u32)atoi(argv[5]);
#ifdef TRAIN
  f64 loss = Z_rnncZ_train_step(&instance, batch, steps, (f32)atof(argv[6]), (f32)atof(argv[7]));
#else
  f64 loss = Z_rnncZ_forward(&instance, batch, steps);
#endif
  FILE* out = fopen(argv[2], "wb");
  if (!out || fwrite(memory->data, 1, memory->size, out) != memory->size) return 4;
  fclose(out);
  printf("%.17g\\n", loss);
  Z_rnnc_free(&instance);
  wasm_rt_free();
  return 0;
}
`;

function run(command: string, args: string[]): string {
  const child = spawnSync(command, args, { cwd: tmp, encoding: "utf8" });
  if (child.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${child.status}):\n${child.stderr}`);
  return child.stdout;
}

describe.skipIf(!available)("the C embedding path (wasm2c on the scalar build)", () => {
  it.each([
    ["forward", "none"],
    ["train_step", "mse"],
  ] as const)("an LSTM's %s in C leaves memory byte for byte as V8 does", async (fn, loss) => {
    const { batch, steps, lengths, seed } = raggedRun;
    const { binary } = compileCell({
      file: "examples/lstm.ts", text: exampleSource("lstm"), dims: { I: 3, H: 5 }, capacity: { batch, steps },
      simd: false, loss, ...(fn === "train_step" ? { train: { kind: "sgd" as const, momentum: 0.9 } } : {}),
    });
    const name = `${fn}-${loss}`;
    writeFileSync(join(tmp, `${name}.wasm`), binary);
    writeFileSync(join(tmp, "driver.c"), driver);
    run("wasm2c", [`${name}.wasm`, "-n", "rnnc", "-o", "module.c"]);
    run("cc", ["-O2", ...(fn === "train_step" ? ["-DTRAIN"] : []), `-I${rtDir}`, "driver.c", "module.c", join(rtDir!, "wasm-rt-impl.c"), "-lm", "-o", name]);

    const model = await loadModel(binary);
    randomize(model, { batch, steps }, seed, lengths);
    writeFileSync(join(tmp, `${name}.in`), new Uint8Array(model.memory.buffer));
    const args = fn === "train_step" ? ["0.125", "0"] : [];
    const cLoss = Number(run(join(tmp, name), [`${name}.in`, `${name}.out`, fn, String(batch), String(steps), ...args]));
    const jsLoss = fn === "train_step" ? model.trainStep(batch, steps, { learning_rate: 0.125, clip_norm: 0 }) : model.forward(batch, steps);

    const js = new Uint8Array(model.memory.buffer);
    const c = new Uint8Array(readFileSync(join(tmp, `${name}.out`)));
    expect(c.length).toBe(js.length);
    const differing = js.findIndex((byte, i) => byte !== c[i]);
    expect(differing, `first differing byte at ${differing}`).toBe(-1);
    expect(cLoss).toBe(jsLoss ?? 0);
  }, 120_000);
});
