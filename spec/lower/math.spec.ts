// spec/lower — the math library against float64 oracles: every function for
// every lane kind over dense ranges, tiny arguments and special values; scalar
// and vector builds of one element type agree bit for bit; modules validate,
// survive the optimiser unchanged, and import nothing.

import { describe, it, expect, afterAll } from "vitest";
import { WasmModule, binaryen } from "../../compiler/lower/wasm.js";
import { lanesFor, type LaneKind } from "../../compiler/lower/lanes.js";
import { callMath, mathFns, type MathFn } from "../../compiler/lower/math.js";
import { prng } from "../../runtime/random.js";

const kinds: readonly LaneKind[] = ["f64", "f64x2", "f32", "f32x4"];
const elemOf = (kind: LaneKind) => (kind.startsWith("f32") ? "f32" : "f64");
const CAPACITY_BYTES = 1 << 20;

/** A module exporting, per math function, `fn(bytes)`: memory[0..bytes) ← fn(memory[0..bytes)). */
function mathModule(kind: LaneKind, optimize: boolean) {
  const mod = new WasmModule(kind.includes("x"));
  mod.setMemory(CAPACITY_BYTES);
  const lanes = lanesFor(mod, kind);
  const i32 = binaryen.i32;
  for (const fn of mathFns) {
    const fb = mod.function([i32]);
    const at = fb.local(i32);
    const value = callMath(lanes, fn, lanes.load(fb.get(at, i32)));
    fb.finish(`apply_${fn}`, binaryen.none, [
      fb.forLoop(at, mod.raw.i32.const(0), fb.get(0, i32), lanes.width * lanes.bytes, [
        lanes.store(fb.get(at, i32), value),
      ]),
    ], fn);
  }
  const { binary } = mod.emit({ optimize });
  mod.dispose();
  return binary;
}

/** Runs fn over xs in one instance of `binary`, rounding xs to the element type first. */
function runner(kind: LaneKind, binary: Uint8Array) {
  const module = new WebAssembly.Module(binary as BufferSource);
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const Array_ = elemOf(kind) === "f32" ? Float32Array : Float64Array;
  const perCall = CAPACITY_BYTES / Array_.BYTES_PER_ELEMENT;
  return (fn: MathFn, xs: readonly number[]): number[] => {
    const out: number[] = [];
    const view = new Array_(memory.buffer);
    for (let start = 0; start < xs.length; start += perCall) {
      const chunk = xs.slice(start, start + perCall);
      view.set(chunk);
      // Whole 16-byte vectors: the padding lanes are computed and ignored.
      (instance.exports[fn] as (bytes: number) => void)(Math.ceil((chunk.length * Array_.BYTES_PER_ELEMENT) / 16) * 16);
      out.push(...view.subarray(0, chunk.length));
    }
    return out;
  };
}

const references: Record<MathFn, (x: number) => number> = {
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
};

function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}
function logspace(lo: number, hi: number, n: number): number[] {
  return linspace(Math.log10(lo), Math.log10(hi), n).map((e) => 10 ** e);
}
const bothSigns = (xs: number[]) => [...xs, ...xs.map((x) => -x)];
/** Deterministic uniform samples (the runtime's generator), to hit bit patterns a grid misses. */
function uniform(lo: number, hi: number, n: number, seed: number): number[] {
  const next = prng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * next());
}
const dense = (lo: number, hi: number) => [...linspace(lo, hi, 20001), ...uniform(lo, hi, 20000, 42)];

/** Where each function is measured, per element type: normal results only (subnormals are checked in ulps below). */
const domains: Record<MathFn, (elem: "f32" | "f64") => number[]> = {
  exp: (e) => (e === "f64" ? dense(-700, 700) : dense(-87, 88)),
  expm1: (e) => [
    ...dense(-40, 40),
    ...bothSigns(logspace(e === "f64" ? 1e-300 : 1e-37, 1e-3, 4001)),
    ...(e === "f64" ? dense(-700, 700) : dense(-87, 88)),
  ],
  log: (e) => [
    ...(e === "f64" ? logspace(1e-300, 1e300, 40001) : logspace(1e-37, 1e37, 40001)),
    ...dense(0.5, 2),
    ...logspace(e === "f64" ? 5e-324 : 1.5e-45, e === "f64" ? 2.3e-308 : 1.2e-38, 2001),
  ],
  log1p: (e) => [
    ...bothSigns(logspace(e === "f64" ? 1e-300 : 1e-37, 1e-3, 4001)),
    ...dense(-0.999, 10),
    ...logspace(10, e === "f64" ? 1e300 : 1e37, 4001),
  ],
  tanh: (e) => [...dense(-40, 40), ...bothSigns(logspace(e === "f64" ? 1e-300 : 1e-37, 1e-3, 4001))],
  sigmoid: () => dense(-40, 40),
  softplus: () => dense(-40, 40),
};

/** Spacing of floats of the element type at |y| (subnormal spacing below the normal range). */
function ulp(y: number, elem: "f32" | "f64"): number {
  const [digits, minExp] = elem === "f32" ? [23, -126] : [52, -1022];
  const e = Math.max(Math.floor(Math.log2(Math.abs(y))), minExp);
  return 2 ** (e - digits);
}

/** Largest error of fn over xs: relative (f64) or in ulps of the result (f32). */
function maxError(run: ReturnType<typeof runner>, fn: MathFn, kind: LaneKind, xs: readonly number[]) {
  const elem = elemOf(kind);
  const inputs = elem === "f32" ? xs.map(Math.fround) : xs;
  const ys = run(fn, inputs);
  let worst = { error: 0, x: NaN, y: NaN, ref: NaN };
  inputs.forEach((x, i) => {
    const ref = references[fn](x);
    const y = ys[i]!;
    const error = ref === 0 ? (y === 0 ? 0 : Infinity)
      : elem === "f64" ? Math.abs(y - ref) / Math.abs(ref)
      : Math.abs(y - ref) / ulp(ref, "f32");
    if (!(error <= worst.error)) worst = { error, x, y, ref };
  });
  return worst;
}

const tolerance = { f64: 4e-16, f32: 4 };

/** Exact results at the edges, per function: [x, expected]. The same for both element types unless split. */
const specialValues: Record<MathFn, Array<[number, number]>> = {
  exp: [
    [Infinity, Infinity], [-Infinity, 0], [NaN, NaN], [0, 1], [-0, 1],
    [800, Infinity], [-800, 0], [1e30, Infinity], [-1e30, 0], [-3.4e38, 0], [3.4e38, Infinity],
  ],
  expm1: [
    [Infinity, Infinity], [-Infinity, -1], [NaN, NaN], [0, 0], [-0, -0],
    [800, Infinity], [-800, -1], [1e30, Infinity], [-1e30, -1], [1e-45, 1e-45], [-1e-45, -1e-45],
  ],
  log: [
    [0, -Infinity], [-0, -Infinity], [-1, NaN], [-Infinity, NaN], [Infinity, Infinity], [NaN, NaN],
    [1, 0], [-1e-45, NaN],
  ],
  log1p: [
    [-1, -Infinity], [-2, NaN], [-Infinity, NaN], [Infinity, Infinity], [NaN, NaN], [0, 0], [-0, -0],
    [1e-45, 1e-45], [-1e-45, -1e-45], [3.4e38, Math.log(3.4e38)],
  ],
  tanh: [
    [Infinity, 1], [-Infinity, -1], [NaN, NaN], [0, 0], [-0, -0],
    [1000, 1], [-1000, -1], [1e30, 1], [-1e30, -1], [1e-45, 1e-45], [-1e-45, -1e-45],
  ],
  sigmoid: [
    [Infinity, 1], [-Infinity, 0], [NaN, NaN], [0, 0.5], [-0, 0.5],
    [1000, 1], [-1000, 0], [1e30, 1], [-1e30, 0],
  ],
  softplus: [
    [Infinity, Infinity], [-Infinity, 0], [NaN, NaN], [0, Math.LN2],
    [1000, 1000], [-1000, 0], [1e30, 1e30], [-1e30, 0],
  ],
};

/** Results near the ends of the range, where relative error means little: measured in ulps, subnormal ones included. */
const extremes = {
  f64: [
    { fn: "exp", range: [-745.1, -708], reference: Math.exp, ulps: 1 },
    { fn: "exp", range: [709, 709.78], reference: Math.exp, ulps: 1 },
    { fn: "expm1", range: [709, 709.78], reference: Math.expm1, ulps: 1 },
    { fn: "sigmoid", range: [-745.1, -700], reference: (x: number) => Math.exp(x) / (1 + Math.exp(x)), ulps: 1 },
    { fn: "softplus", range: [-745.1, -700], reference: (x: number) => Math.log1p(Math.exp(x)), ulps: 1 },
    { fn: "tanh", range: [-2.2e-308, 2.2e-308], reference: (x: number) => x, ulps: 0 },
  ],
  f32: [
    { fn: "exp", range: [-103.2, -87.4], reference: Math.exp, ulps: 1 },
    { fn: "exp", range: [88, 88.72], reference: Math.exp, ulps: 1 },
    { fn: "expm1", range: [88, 88.72], reference: Math.expm1, ulps: 1 },
    { fn: "sigmoid", range: [-103.2, -80], reference: (x: number) => Math.exp(x) / (1 + Math.exp(x)), ulps: 1 },
    { fn: "softplus", range: [-103.2, -80], reference: (x: number) => Math.log1p(Math.exp(x)), ulps: 1 },
    { fn: "tanh", range: [-1.17e-38, 1.17e-38], reference: (x: number) => x, ulps: 0 },
  ],
} satisfies Record<
  "f32" | "f64",
  Array<{ fn: MathFn; range: [number, number]; reference: (x: number) => number; ulps: number }>
>;

const builds = new Map(kinds.map((kind) => [kind, mathModule(kind, true)]));
const runners = new Map(kinds.map((kind) => [kind, runner(kind, builds.get(kind)!)]));
const report: string[] = [];

describe.each(kinds)("math for %s lanes", (kind) => {
  const elem = elemOf(kind);
  const run = runners.get(kind)!;

  it("validates and imports nothing", () => {
    // emit() throws WasmValidationError on an invalid module, before and after optimising.
    expect(() => mathModule(kind, true)).not.toThrow();
    const module = new WebAssembly.Module(builds.get(kind)! as BufferSource);
    expect(WebAssembly.Module.imports(module)).toHaveLength(0);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toEqual(expect.arrayContaining(mathFns));
  });

  it("adds each function once, however often it is called", () => {
    const mod = new WasmModule(kind.includes("x"));
    const lanes = lanesFor(mod, kind);
    const fb = mod.function([lanes.type]);
    const twice = callMath(lanes, "tanh", callMath(lanes, "tanh", fb.get(0, lanes.type)));
    fb.finish("twice", lanes.type, [twice], "twice");
    const text = WasmModule.text(mod.emit({ optimize: false }).named, kind.includes("x"), false);
    mod.dispose();
    expect(text.split(`(func $tanh_${kind} `)).toHaveLength(2);
  });

  it.each(mathFns)(`%s is within ${elem === "f64" ? "4e-16 relative" : "4 ulp"} of the float64 oracle`, (fn) => {
    const worst = maxError(run, fn, kind, domains[fn](elem));
    report.push(`${fn.padEnd(8)} ${kind.padEnd(5)} ${worst.error.toPrecision(3)} at x=${worst.x}`);
    expect(worst.error, `${fn}(${worst.x}) = ${worst.y}, oracle ${worst.ref}`).toBeLessThanOrEqual(tolerance[elem]);
  });

  it.each(mathFns)("%s gives the exact special values", (fn) => {
    const cases = specialValues[fn];
    const round = elem === "f32" ? Math.fround : (x: number) => x;
    const ys = run(fn, cases.map(([x]) => x));
    cases.forEach(([x, expected], i) => expect(ys[i], `${fn}(${x})`).toBe(round(expected)));
  });

  it.each(extremes[elem])(
    "$fn near $range stays within $ulps ulp (gradual underflow, no early overflow)",
    ({ fn, range, reference, ulps }) => {
      const xs = linspace(range[0], range[1], 20001).map(elem === "f32" ? Math.fround : (x: number) => x);
      const ys = run(fn, xs);
      const errors = xs.map((x, i) => Math.abs(ys[i]! - reference(x)) / ulp(reference(x), elem));
      expect(Math.max(...errors)).toBeLessThanOrEqual(ulps);
    },
  );
});

describe.each([["f64", "f64x2"], ["f32", "f32x4"]] as const)("%s and %s builds", (scalar, vector) => {
  it.each(mathFns)("compute %s identically, lane by lane", (fn) => {
    const xs = [...domains[fn](elemOf(scalar)), ...specialValues[fn].map(([x]) => x), ...uniform(-1e4, 1e4, 1001, 7)];
    expect(runners.get(vector)!(fn, xs)).toEqual(runners.get(scalar)!(fn, xs));
  });
});

describe("the optimiser", () => {
  it.each(kinds)("changes no %s result", (kind) => {
    const unoptimized = runner(kind, mathModule(kind, false));
    for (const fn of mathFns) {
      const xs = [...domains[fn](elemOf(kind)).filter((_, i) => i % 7 === 0), ...specialValues[fn].map(([x]) => x)];
      expect(unoptimized(fn, xs), fn).toEqual(runners.get(kind)!(fn, xs));
    }
  });
});

afterAll(() => {
  if (process.env.RNNC_MATH_REPORT) console.log(["max error (f64: relative, f32: ulp)", ...report].join("\n"));
});
