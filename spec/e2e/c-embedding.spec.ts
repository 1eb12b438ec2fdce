// spec/e2e — the C embedding path: a scalar module (--no-simd; wasm2c cannot
// translate SIMD) turned into C by wabt's wasm2c, compiled with the system C
// compiler next to a small driver and the module's generated header, and run.
// The driver lays the module out at a capacity other than its default (ABI
// 2's layout), prints where the header's macros put every tensor and how much
// memory they say it needs (which must be the runtime's placements), loads a
// memory image written by the JS runtime (parameters, inputs, lengths,
// targets), calls forward or train_step, and writes the memory back: every
// byte of it must equal what the same call leaves in V8. The module imports
// nothing, so the C build needs only wasm-rt-impl.c. Skipped, with a note,
// where wasm2c or cc is missing (Debian: apt install wabt gcc).

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileCell } from "../support/compile.js";
import { cHeader } from "../../compiler/lower/bindings.js";
import { atCapacity, type Abi } from "../../runtime/abi.js";
import { loadModel } from "../../runtime/model.js";
import { exampleSource, raggedRun, randomize } from "./harness.js";

const rtDir = ["/usr/share/wabt/wasm2c", "/usr/src/wasm2c"].find((dir) => existsSync(join(dir, "wasm-rt-impl.c")));
const has = (tool: string) => spawnSync(tool, ["--version"], { encoding: "utf8" }).status === 0;
const available = rtDir !== undefined && has("wasm2c") && has("cc");
if (!available) console.warn(
  "spec/e2e/c-embedding: wasm2c, cc or wasm-rt-impl.c is missing; the C embedding path is not checked here",
);

const tmp = mkdtempSync(join(tmpdir(), "rnnc-c-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The tensors a host touches, as the header names them. */
const hostTensors = (abi: Abi) => abi.tensors.filter((t) => t.role !== "scratch" && t.role !== "tape");
const macro = (t: { role: string; name: string }) =>
  `RNNC_LSTM_${t.role.toUpperCase()}_${t.name.replace(/[^A-Za-z0-9]/g, "_").toUpperCase()}`;

/** Lays the module out at CAPACITY_B × CAPACITY_S, prints the header's memory size and offsets there, then runs. */
const driver = (abi: Abi) => `
#include <stdio.h>
#include <stdlib.h>
#include "module.h"
#include "lstm.h"
/* usage: run IMAGE_IN IMAGE_OUT forward|train_step BATCH STEPS CAPACITY_B CAPACITY_S [LEARNING_RATE CLIP_NORM] */
int main(int argc, char** argv) {
  if (argc < 8) return 2;
  wasm_rt_init();
  Z_rnnc_init_module();
  Z_rnnc_instance_t instance;
  Z_rnnc_instantiate(&instance);
  u32 B = (u32)atoi(argv[6]), S = (u32)atoi(argv[7]);
  if (Z_rnncZ_layout(&instance, B, S) != RNNC_LSTM_LAYOUT_OK) return 5;
  wasm_rt_memory_t* memory = Z_rnncZ_memory(&instance);
  printf("%llu\\n", (unsigned long long)RNNC_LSTM_MEMORY_BYTES(B, S));
${hostTensors(abi).map((t) => `  printf("%u\\n", (unsigned)${macro(t)}_OFFSET(B, S));`).join("\n")}
  FILE* in = fopen(argv[1], "rb");
  if (!in || fread(memory->data, 1, memory->size, in) != memory->size) return 3;
  fclose(in);
  u32 batch = (u32)atoi(argv[4]), steps = (u32)atoi(argv[5]);
#ifdef TRAIN
  f64 loss = Z_rnncZ_train_step(&instance, batch, steps, (f32)atof(argv[8]), (f32)atof(argv[9]));
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
    // Compiled for a default capacity of 1 × 1, laid out by C and JS alike at another.
    const capacity = { batch: batch + 2, steps: steps + 3 };
    const { binary, abi } = compileCell({
      file: "examples/lstm.ts", text: exampleSource("lstm"), dims: { I: 3, H: 5 }, capacity: { batch: 1, steps: 1 },
      simd: false, loss, ...(fn === "train_step" ? { train: { kind: "sgd" as const, momentum: 0.9 } } : {}),
    });
    const name = `${fn}-${loss}`;
    writeFileSync(join(tmp, `${name}.wasm`), binary);
    writeFileSync(join(tmp, "lstm.h"), cHeader(abi, `${name}.wasm`));
    writeFileSync(join(tmp, "driver.c"), driver(abi));
    run("wasm2c", [`${name}.wasm`, "-n", "rnnc", "-o", "module.c"]);
    // The header and driver compile cleanly (wasm2c's own output has unused helpers, so only these).
    run("cc", ["-fsyntax-only", "-Wall", "-Wextra", "-Werror", `-I${rtDir}`, "driver.c"]);
    run("cc", [
      "-O2", ...(fn === "train_step" ? ["-DTRAIN"] : []), `-I${rtDir}`, "driver.c", "module.c",
      join(rtDir!, "wasm-rt-impl.c"), "-lm", "-o", name,
    ]);

    const model = await loadModel(binary, { capacity });
    randomize(model, { batch, steps }, seed, lengths);
    writeFileSync(join(tmp, `${name}.in`), new Uint8Array(model.memory.buffer));
    const args = fn === "train_step" ? ["0.125", "0"] : [];
    const printed = run(join(tmp, name), [
      `${name}.in`, `${name}.out`, fn, String(batch), String(steps), String(capacity.batch), String(capacity.steps),
      ...args,
    ]).trim().split("\n").map(Number);
    const [memoryBytes, ...offsets] = printed.slice(0, -1);
    const cLoss = printed.at(-1)!;
    expect(memoryBytes).toBe(atCapacity(abi.memory!, capacity));
    expect(offsets).toEqual(hostTensors(abi).map((t) => model.placement(t.name, t.role).offset));
    const jsLoss = fn === "train_step"
      ? model.trainStep(batch, steps, { learning_rate: 0.125, clip_norm: 0 })
      : model.forward(batch, steps);

    const js = new Uint8Array(model.memory.buffer);
    const c = new Uint8Array(readFileSync(join(tmp, `${name}.out`)));
    expect(c.length).toBe(js.length);
    const differing = js.findIndex((byte, i) => byte !== c[i]);
    expect(differing, `first differing byte at ${differing}`).toBe(-1);
    expect(cLoss).toBe(jsLoss ?? 0);
  }, 120_000);

  it("builds and runs examples/c/host.c with the commands of docs/embedding.md, " +
    "printing the runtime's outputs", async () => {
    const page = readFileSync("docs/embedding.md", "utf8");
    const section = page.slice(page.indexOf("## C\n"));
    const commands = /```sh\n([\s\S]*?)```/.exec(section)![1]!.trim().split("\n");
    const flags = /--dims (\S+) (.*) -o elman\.wasm/.exec(commands[0]!)!;
    const dims = Object.fromEntries(flags[1]!.split(",").map((kv) => kv.split("=")).map(([k, v]) => [k!, Number(v)]));
    expect(flags[2]).toBe("--no-simd --inference --header --batch 2 --steps 4");
    const { binary, abi } = compileCell({
      file: "examples/elman.ts", text: exampleSource("elman"), dims, simd: false, inference: true,
      capacity: { batch: 2, steps: 4 },
    });
    writeFileSync(join(tmp, "elman.wasm"), binary);
    writeFileSync(join(tmp, "elman.h"), cHeader(abi, "elman.wasm"));
    for (const command of commands.slice(1, 3)) {
      const [tool, ...args] = command.split(/\s+/);
      run(tool!, args.map((a) => (a === "examples/c/host.c" ? join(process.cwd(), a) : a)));
    }
    const printed = run("./host", []).trim().split("\n");

    const model = await loadModel(binary, { capacity: { batch: 3, steps: 5 } });
    let k = 0;
    for (const name of ["W", "U", "b"])
      model.set(name, "param", model.tensor(name, "param").map(() => 0.5 * Math.sin(++k)));
    model.set("x", "input", Array.from({ length: 4 * 2 * 2 }, (_, i) => 0.7 * Math.cos(i)));
    model.set("lengths", "lengths", [4, 3]);
    model.forward(2, 4);
    const h = model.get("h", "output", { batch: 2, steps: 4 });
    expect(printed).toHaveLength(8);
    printed.forEach((line, row) => {
      const values = line.split(" = ")[1]!.split(" ").map(Number);
      values.forEach((v, j) =>
        expect(Math.abs(v - h[row * 3 + j]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
    });
  });
});
