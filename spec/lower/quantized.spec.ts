// spec/lower — the 8-bit build (compiler/lower/quantized.ts) against the f32
// build of the same cell: on random shapes, batches, parameters and inputs,
// one step of h' = act(W·x + U·h + b) differs from the f32 module's by at
// most the bound of docs/quantization.md, per output, from the int8 module's
// own row scales and the input norms; and the options it refuses.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cHeader } from "../../compiler/lower/bindings.js";
import { activationRange } from "../../compiler/lower/quantized.js";
import { compileCell } from "../../compiler/pipeline.js";
import { instantiateModel, type RnncModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";

const activations = { none: "", tanh: "tanh", sigmoid: "sigmoid" } as const;
type Activation = keyof typeof activations;

function cellText(act: Activation): string {
  const pre = "W * x + U * h + b";
  return `import { cell, sigmoid, tanh } from "rnnc";
export const c = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], U: ["H", "H"], b: ["H"] },
  step: ({ x, h, W, U, b }) => {
    return { h: ${act === "none" ? pre : `${activations[act]}(${pre})`} };
  },
});
`;
}

function build(act: Activation, I: number, H: number, batch: number, quantize: boolean): RnncModel {
  const { binary } = compileCell({
    file: "cell.ts", text: cellText(act), dims: { I, H }, inference: true, loss: "none",
    capacity: { batch, steps: 1 }, ...(quantize ? { quantize: "int8" as const } : {}),
  });
  return instantiateModel(binary);
}

const sum = (v: ArrayLike<number>, f: (x: number) => number) => Array.from(v).reduce((a, x) => a + f(x), 0);

/**
 * The documented bound on output i of one product y = W·v: s_i/2 · ‖v‖₁ +
 * ‖v‖∞/(2·Q) · ‖Ŵ_i‖₁ (Ŵ the dequantised rows, Q the activation range),
 * plus f32 rounding of both builds: (cols + 8) · 2⁻²⁴ · Σ_j |W_ij v_j| and
 * 2⁻²² · ‖v‖∞ · ‖Ŵ_i‖₁ (the vector's reciprocal scale, rounded in f32).
 */
function productBound(
  w: Float32Array,
  scales: Float32Array,
  v: Float32Array,
  rows: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(rows);
  const l1 = sum(v, Math.abs);
  const linf = Math.max(0, ...Array.from(v, Math.abs));
  const range = activationRange(cols);
  for (let i = 0; i < rows; i++) {
    const row = w.subarray(i * cols, (i + 1) * cols);
    const rowL1 = sum(row, Math.abs);
    const terms = sum(row.map((x, j) => x * v[j]!), Math.abs);
    out[i] = (scales[i]! / 2) * l1 + (linf / (2 * range)) * rowL1 + (cols + 8) * 2 ** -24 * terms +
      2 ** -22 * linf * rowL1;
  }
  return out;
}

function check(act: Activation, I: number, H: number, batch: number, seed: number): number {
  const f32 = build(act, I, H, batch, false);
  const int8 = build(act, I, H, batch, true);
  expect(int8.entry("W", "param").dtype).toBe("i8");
  const random = prng(seed);
  // Rows of very different magnitudes: a scale per row must follow each.
  const matrix = (rows: number, cols: number) =>
    Float32Array.from({ length: rows * cols }, (_, k) => (random() * 2 - 1) * 2 ** (Math.floor(k / cols) % 5 - 2));
  const values = { W: matrix(H, I), U: matrix(H, H), b: Float32Array.from({ length: H }, () => random() - 0.5) };
  for (const m of [f32, int8]) for (const [name, v] of Object.entries(values)) m.set(name, "param", v);
  const x = Float32Array.from({ length: batch * I }, () => (random() * 2 - 1) * 3);
  const h = Float32Array.from({ length: batch * H }, () => random() * 2 - 1);
  for (const m of [f32, int8]) {
    m.set("x", "input", x);
    m.set("h", "state_in", h);
    m.set("lengths", new Int32Array(batch).fill(1));
    m.forward(batch, 1);
  }
  const size = { batch, steps: 1 };
  const [want, got] = [f32.get("h", "output", size), int8.get("h", "output", size)];
  const [wq, uq] = [int8.get("W", "param") as Float32Array, int8.get("U", "param") as Float32Array];
  const [ws, us] = [int8.get("W", "param_scale") as Float32Array, int8.get("U", "param_scale") as Float32Array];
  let worst = 0;
  for (let e = 0; e < batch; e++) {
    const bx = productBound(wq, ws, x.subarray(e * I, (e + 1) * I), H, I);
    const bh = productBound(uq, us, h.subarray(e * H, (e + 1) * H), H, H);
    for (let i = 0; i < H; i++) {
      // sigmoid and tanh are 1-Lipschitz: the bound of the pre-activation holds for them; their own
      // approximations add a few ulp of the output.
      const bound = bx[i]! + bh[i]! + 2 ** -20 * Math.abs(want[e * H + i]!);
      const error = Math.abs(got[e * H + i]! - want[e * H + i]!);
      if (!(error <= bound)) throw new Error(`output [${e}, ${i}]: |int8 − f32| = ${error} > bound ${bound}`);
      worst = Math.max(worst, error / bound);
    }
  }
  return worst;
}

describe("int8 products", () => {
  it("stay within the documented bound of the f32 build, per output", () => {
    const ratios: number[] = [];
    fc.assert(fc.property(
      fc.constantFrom<Activation>("none", "tanh", "sigmoid"),
      fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 21 }),
      fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2 ** 30 }),
      (act, I, H, batch, seed) => void ratios.push(check(act, I, H, batch, seed)),
    ), { numRuns: 40 });
    // The bound is not slack by orders of magnitude: somewhere the error comes near it.
    expect(Math.max(...ratios)).toBeGreaterThan(0.05);
  });

  it("keep the i32 sums exact past 516 columns, where the activations get fewer levels", () => {
    expect(activationRange(700)).toBeLessThan(32767);
    check("none", 700, 6, 3, 5);
  });

  it("say their layout in the C header, where a wasm2c host would otherwise assume row-major", () => {
    const { abi } = compileCell({
      file: "cell.ts", text: cellText("tanh"), dims: { I: 3, H: 5 }, inference: true, quantize: "int8",
    });
    const header = cHeader(abi, "cell.wasm");
    expect(header).toContain(
      "/* param W: int8_t [5][3] in blocks of 4 rows x 2 columns, padded (docs/abi.md#int8-parameters) */",
    );
    expect(header).toContain("/* param_scale W: float [5] */");
  });

  it("are refused outside an f32 SIMD inference build, saying why", () => {
    const base = { file: "cell.ts", text: cellText("tanh"), dims: { I: 3, H: 4 }, quantize: "int8" as const };
    expect(() => compileCell(base)).toThrow(/quantize int8: .*add the inference option/);
    expect(() => compileCell({ ...base, inference: true, dtype: "f64" })).toThrow(/quantize int8: .*f64/);
    expect(() => compileCell({ ...base, inference: true, simd: false })).toThrow(/quantize int8: .*--no-simd/);
    expect(() => compileCell({ ...base, train: { kind: "sgd", momentum: 0 } })).toThrow(
      /quantize int8: it cannot train/,
    );
    expect(() => compileCell({ ...base, inference: true, quantize: "int4" as never })).toThrow(
      /options.quantize must be "int8"/,
    );
  });
});
