// compiler/training — the shape checkpoint.json must have. In: the parsed
// JSON of a checkpoint. Out: nothing, or a TrainingError naming the first
// field whose type is wrong (`files.best: expected a string or null, got []`),
// so a hand-edited or damaged file is a message, never a TypeError later.

import { TrainingError } from "./data.js";

type Schema =
  | "string" | "number" | "integer" | "boolean" | "null"
  | { readonly array: Schema }
  | { readonly record: Schema }
  | { readonly object: Readonly<Record<string, Schema>>; readonly optional?: readonly string[] }
  | { readonly oneOf: readonly Schema[] }
  | { readonly literal: string | number };

const nullable = (s: Schema): Schema => ({ oneOf: [s, "null"] });
const strings: Schema = { array: "string" };

const epochRecord: Schema = {
  object: {
    epoch: "integer", loss: "number", seconds: "number", best: "boolean",
    dev: { object: { accuracy: "number", f1: nullable("number"), metric: "number" } },
  },
};

const settings: Schema = {
  object: {
    epochs: "integer", batch: "integer", lr: "number", clip: "number", optimizer: { oneOf: [{ literal: "adam" }, { literal: "sgd" }] },
    momentum: "number", seed: "integer", patience: "integer", metric: { oneOf: [{ literal: "accuracy" }, { literal: "f1" }] },
    minCount: "integer", forgetBias: strings, wordDropout: "number", bucket: "integer",
  },
  optional: ["wordDropout", "bucket"],
};

export const checkpointSchema: Schema = {
  object: {
    format: { literal: "rnnc-checkpoint" }, version: "integer", fingerprint: "string",
    model: { object: { file: "string", name: "string", dims: { record: "integer" } } },
    data: { object: { train: "string", dev: "string" } },
    settings,
    capacity: { object: { batch: "integer", steps: "integer" } },
    vocab: { object: { words: strings, trigrams: strings, tags: strings, slots: "integer", minCount: "integer" } },
    position: { object: { epoch: "integer", batch: "integer", lossSum: "number", tokens: "integer", seconds: "number", epochDraws: "integer" } },
    best: nullable({ object: { epoch: "integer", metric: "number" } }),
    badEpochs: "integer",
    finished: { oneOf: [{ literal: "epochs" }, { literal: "patience" }, "null"] },
    files: { object: { params: "string", optimizer: "string", best: nullable("string") } },
    sha256: { record: "string" },
    log: { array: epochRecord },
  },
  optional: ["sha256"],
};

function describe(s: Schema): string {
  if (typeof s === "string") return s === "integer" ? "an integer" : s === "null" ? "null" : `a ${s}`;
  if ("array" in s) return `an array of ${describe(s.array).replace(/^an? /, "")}s`;
  if ("record" in s || "object" in s) return "an object";
  if ("literal" in s) return JSON.stringify(s.literal);
  return s.oneOf.map(describe).join(" or ");
}

/** The first mismatch as "path: expected …, got …", or undefined. */
function mismatch(value: unknown, s: Schema, at: string): string | undefined {
  const wrong = () => `${at}: expected ${describe(s)}, got ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}`;
  if (typeof s === "string") {
    const ok = s === "null" ? value === null : s === "integer" ? Number.isSafeInteger(value) : typeof value === s && (s !== "number" || Number.isFinite(value));
    return ok ? undefined : wrong();
  }
  if ("literal" in s) return value === s.literal ? undefined : wrong();
  if ("oneOf" in s) return s.oneOf.some((option) => mismatch(value, option, at) === undefined) ? undefined : wrong();
  if ("array" in s) {
    if (!Array.isArray(value)) return wrong();
    for (const [i, item] of value.entries()) {
      const found = mismatch(item, s.array, `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return wrong();
  const object = value as Record<string, unknown>;
  if ("record" in s) {
    for (const [k, v] of Object.entries(object)) {
      const found = mismatch(v, s.record, `${at}.${k}`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, field] of Object.entries(s.object)) {
    if (!Object.hasOwn(object, key)) {
      if (s.optional?.includes(key)) continue;
      return `${at}: missing ${key}`;
    }
    const found = mismatch(object[key], field, at === "" ? key : `${at}.${key}`);
    if (found) return found;
  }
  return undefined;
}

export function validateCheckpoint(value: unknown, path: string): void {
  const found = mismatch(value, checkpointSchema, "");
  if (found) throw new TrainingError(`${path} is damaged: ${found.replace(/^: /, "")}`);
}
