// bench — rnnc's two modules for a shape: an inference module (--inference:
// forward only, no tape) for the forward work and a training module (MSE, plain SGD)
// whose train_step is the training work. In: a shape. Out: their bytes and
// how long compileCell took for each (in this process, after warm-up of the
// compiler by earlier shapes, so the first shape's time includes it).

import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { compileCell } from "../dist/compiler/api.js";

export const cellFile = (cell) => new URL(`../examples/${cell}.ts`, import.meta.url).pathname;

export function compileShape({ cell, I, H, B, T }) {
  const file = cellFile(cell);
  const text = readFileSync(file, "utf8");
  const base = { file, text, dims: { I, H }, capacity: { batch: B, steps: T } };
  const timed = (options) => {
    const started = performance.now();
    const { binary } = compileCell({ ...base, ...options });
    return { binary, compileMs: performance.now() - started };
  };
  return {
    inference: timed({ loss: "none", inference: true }),
    // The 8-bit build (docs/quantization.md): int8 weight rows with f32 row scales.
    int8: timed({ loss: "none", inference: true, quantize: "int8" }),
    training: timed({ loss: "mse", train: { kind: "sgd", momentum: 0 } }),
    // The same two with --relaxed-simd, timed only where the engine runs relaxed SIMD.
    relaxed: relaxedSimdRuns ? {
      inference: timed({ loss: "none", inference: true, relaxedSimd: true }),
      training: timed({ loss: "mse", train: { kind: "sgd", momentum: 0 }, relaxedSimd: true }),
    } : undefined,
  };
}

/**
 * Whether this engine compiles relaxed SIMD, asked of a small module built with it. Browsers and
 * Node 22 do; Node 20's V8 has it behind --experimental-wasm-relaxed-simd, which is turned on here
 * for the rest of the process when the engine knows the flag, so that one `npm run bench` times
 * the relaxed build beside the others. The flag only lets modules use the relaxed opcodes: the
 * peers' wasm (onnxruntime-web ships one SIMD128 build, tfjs-wasm too) is compiled as before.
 */
export const relaxedSimdRuns = (() => {
  const file = cellFile("elman");
  const { binary } = compileCell({ file, text: readFileSync(file, "utf8"), dims: { I: 4, H: 4 }, relaxedSimd: true });
  if (WebAssembly.validate(binary)) return true;
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  return WebAssembly.validate(binary);
})();
