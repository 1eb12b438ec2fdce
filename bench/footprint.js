// bench — what rnnc costs besides time: module sizes, instantiation, linear
// memory at the capacity the bench lays each module out at, the CLI's compile
// time and the peak resident memory of training. In: compiled modules
// (../compile.js) and a profile. Out: plain objects for the report.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { loadModel } from "../dist/runtime/index.js";
import { median } from "./harness.js";
import { paramNames } from "./weights.js";

const root = new URL("..", import.meta.url).pathname;

/**
 * Size of a module, the time of loadModel at `capacity` (WebAssembly.compile,
 * instantiate, ABI read, layout), its linear memory there, and the memory it
 * holds before any layout: the regions no capacity changes (parameters,
 * gradients, packed weights).
 */
export async function moduleFootprint({ binary, compileMs }, repetitions, capacity) {
  const times = [];
  let memoryBytes = 0;
  for (let i = 0; i < repetitions; i++) {
    const started = performance.now();
    const model = await loadModel(binary, { capacity });
    times.push(performance.now() - started);
    memoryBytes = model.memory.buffer.byteLength;
  }
  const module = new WebAssembly.Module(binary);
  const fixedBytes = new WebAssembly.Instance(module, {}).exports.memory.buffer.byteLength;
  return {
    bytes: binary.length, gzipBytes: gzipSync(binary).length, compileMs, instantiateMs: median(times), capacity,
    memoryBytes, fixedBytes,
  };
}

function wallMs(args) {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited with ${result.status}: ${result.stderr.trim()}`);
  return ms;
}

/**
 * Cold wall time of `node bin/rnnc.js compile` for a shape, with and without the optimizer, of
 * `rnnc inspect` on the module it wrote (a command that loads neither ts-morph nor binaryen), and of Node alone.
 */
export function cliCompileTime({ cell, I, H, B, T }, repetitions) {
  const dir = mkdtempSync(join(tmpdir(), "rnnc-bench-"));
  try {
    const base = [
      "bin/rnnc.js", "compile", `examples/${cell}.ts`, "--dims", `I=${I},H=${H}`,
      "--batch", String(B), "--steps", String(T), "-o", join(dir, "m.wasm"),
    ];
    const times = (args) => median(Array.from({ length: repetitions }, () => wallMs(args)));
    return {
      command: `node ${base.slice(0, -2).join(" ")} -o OUT.wasm [--inference --loss none | --optimizer sgd]`,
      inferenceMs: times([...base, "--inference", "--loss", "none"]),
      trainingMs: times([...base, "--optimizer", "sgd"]),
      inspectMs: times(["bin/rnnc.js", "inspect", join(dir, "m.wasm")]),
      nodeStartupMs: times(["-e", ""]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The shared data as one f32 file: the parameters in rnnc's order, x, the target (read by rss-child.js). */
function writeSharedData(path, shape, data) {
  const parts = [...paramNames(shape.cell).map((n) => data.params[n]), data.x, data.target];
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  writeFileSync(path, new Uint8Array(all.buffer));
}

/**
 * Runs node on `args` as a grandchild, through a shell that does not exec it:
 * Linux carries the RSS of a forked copy of this (large) process into the
 * maxRSS of a child that then execs, so a direct child would report at least
 * this process's size.
 */
function spawnNodeFresh(args) {
  if (process.platform === "win32") return spawnSync(process.execPath, args, { encoding: "utf8" });
  return spawnSync("/bin/sh", ["-c", '"$0" "$@"; exit $?', process.execPath, ...args], { encoding: "utf8" });
}

/** Peak RSS of `steps` training steps of each implementation, each alone in a fresh process. */
export function peakRss(shape, trainingBinary, data, kinds, steps) {
  const dir = mkdtempSync(join(tmpdir(), "rnnc-bench-"));
  try {
    writeFileSync(join(dir, "train.wasm"), trainingBinary);
    writeSharedData(join(dir, "data.f32"), shape, data);
    return kinds.map((kind) => {
      const result = spawnNodeFresh([
        join(root, "bench/rss-child.js"), kind, dir, JSON.stringify(shape), String(steps),
      ]);
      if (result.status !== 0) return { kind, note: `failed: ${result.stderr.trim().split("\n").pop()}` };
      const { maxRssKiB, vmHwmKiB } = JSON.parse(result.stdout);
      return {
        kind, steps: kind === "none" ? 0 : steps, maxRssMiB: maxRssKiB / 1024,
        ...(vmHwmKiB ? { vmHwmMiB: vmHwmKiB / 1024 } : {}),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
