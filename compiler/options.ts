// compiler — the options of compileCell and checkCell, checked where a program
// hands them in. In: whatever a caller passed (the API is called from plain
// JavaScript too). Out: nothing, or a BuildError naming the option, what it
// must be and what it was. The CLI checks its flags itself; this is for every
// other caller, so that no option can produce a module the runtime refuses.

import { BuildError } from "./errors.js";
import { tilingLimits } from "./lower/kernel.js";
import { lossKinds } from "./time/index.js";

/** A capacity no module of wasm's 4 GiB could reach: beyond it a call size is a mistake, not a plan. */
const maxExtent = 2 ** 31 - 1;

const show = (v: unknown) =>
  (typeof v === "string"
    ? JSON.stringify(v)
    : typeof v === "object" && v !== null
      ? JSON.stringify(v).slice(0, 60)
      : String(v));

function fail(what: string, must: string, got: unknown): never {
  throw new BuildError(`options.${what} must be ${must}, got ${show(got)}`);
}

function positiveInteger(what: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > maxExtent)
    fail(what, "a positive integer below 2^31", v);
}

function optional(o: Record<string, unknown>, key: string, check: (what: string, v: unknown) => void): void {
  if (o[key] !== undefined) check(key, o[key]);
}

const boolean = (what: string, v: unknown) => (typeof v === "boolean" ? undefined : fail(what, "true or false", v));
const string = (what: string, v: unknown) => (typeof v === "string" ? undefined : fail(what, "a string", v));
const func = (what: string, v: unknown) => (typeof v === "function" ? undefined : fail(what, "a function", v));

function record(what: string, v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(what, "an object", v);
  return v as Record<string, unknown>;
}

function finiteIn(what: string, v: unknown, low: number, high: number, open: "low" | "none"): void {
  const ok = typeof v === "number" && Number.isFinite(v) && (open === "low" ? v > low : v >= low) && v < high;
  if (!ok) fail(what, `a number in ${open === "low" ? "(" : "["}${low}, ${high})`, v);
}

function optimizer(what: string, v: unknown): void {
  const o = record(what, v);
  if (o.kind === "sgd") finiteIn(`${what}.momentum`, o.momentum, 0, 1, "none");
  else if (o.kind === "adam") {
    finiteIn(`${what}.beta1`, o.beta1, 0, 1, "none");
    finiteIn(`${what}.beta2`, o.beta2, 0, 1, "none");
    finiteIn(`${what}.epsilon`, o.epsilon, 0, Infinity, "low");
  } else fail(`${what}.kind`, '"sgd" or "adam"', o.kind);
}

/** What checkCell reads: file, text, cell, dims and the file hooks. */
export function validateCheckOptions(given: unknown): void {
  const o = record("(the options)", given);
  string("file", o.file);
  string("text", o.text);
  optional(o, "cell", string);
  const dims = record("dims", o.dims);
  for (const [name, size] of Object.entries(dims)) positiveInteger(`dims.${name}`, size);
  optional(o, "readFile", func);
  optional(o, "resolveImport", func);
}

/** Everything compileCell reads. */
export function validateCompileOptions(given: unknown): void {
  validateCheckOptions(given);
  const o = given as Record<string, unknown>;
  optional(o, "dtype", (what, v) => (v === "f32" || v === "f64" ? undefined : fail(what, '"f32" or "f64"', v)));
  for (const flag of ["simd", "optimize", "verifyEach", "inference", "relaxedSimd", "checkpoint"])
    optional(o, flag, boolean);
  optional(o, "quantize", (what, v) => (v === "int8" ? undefined : fail(what, '"int8"', v)));
  optional(o, "capacity", (what, v) => {
    const c = record(what, v);
    positiveInteger(`${what}.batch`, c.batch);
    positiveInteger(`${what}.steps`, c.steps);
  });
  optional(o, "loss", (what, v) =>
    ((lossKinds as readonly unknown[]).includes(v) ? undefined : fail(what, `one of ${lossKinds.join(", ")}`, v)));
  optional(o, "train", optimizer);
  optional(o, "tiling", (what, v) => {
    const t = record(what, v);
    for (const key of Object.keys(t)) {
      if (!Object.hasOwn(tilingLimits, key))
        fail(`${what}.${key}`, `absent (a tiling has ${Object.keys(tilingLimits).join(", ")})`, t[key]);
    }
    for (const [key, limit] of Object.entries(tilingLimits)) {
      optional(t, key, (field, size) => {
        if (typeof size !== "number" || !Number.isInteger(size) || size < 1 || size > limit)
          fail(`${what}.${field}`, `an integer from 1 to ${limit}`, size);
      });
    }
  });
  optional(o, "params", (what, v) => {
    if (!Array.isArray(v)) fail(what, "an array of parameter records (what rnnc/runtime's decodeParams returns)", v);
    (v as unknown[]).forEach((r, i) => {
      const p = record(`${what}[${i}]`, r);
      string(`${what}[${i}].name`, p.name);
      if (!(p.data instanceof Uint8Array)) fail(`${what}[${i}].data`, "a Uint8Array", p.data);
      if (!Array.isArray(p.shape)) fail(`${what}[${i}].shape`, "an array of sizes", p.shape);
      if (p.dtype !== "f32" && p.dtype !== "f64" && p.dtype !== "i32")
        fail(`${what}[${i}].dtype`, '"f32", "f64" or "i32"', p.dtype);
    });
  });
  optional(o, "dump", (what, v) => {
    const d = record(what, v);
    if (!Array.isArray(d.after)) fail(`${what}.after`, "an array of pass names", d.after);
    func(`${what}.write`, d.write);
  });
}
