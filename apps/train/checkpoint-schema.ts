// apps/train — the shape checkpoint.json must have. In: the parsed JSON of a
// checkpoint of any version this rnnc reads. Out: nothing, or a TrainingError
// naming the first field whose type is wrong (`files.best: expected a string
// or null, got []`), so a hand-edited or damaged file is a message, never a
// TypeError later. Versions 1 and 2 (tagger runs, whose shuffle was replayed
// from a draw count) have their own schema; checkpoint.ts upgrades them.

import { TrainingError } from "./errors.js";

type Schema =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "null"
  | { readonly array: Schema }
  | { readonly record: Schema }
  | { readonly object: Readonly<Record<string, Schema>>; readonly optional?: readonly string[] }
  | { readonly oneOf: readonly Schema[] }
  | { readonly literal: string | number };

const nullable = (s: Schema): Schema => ({ oneOf: [s, "null"] });
const choice = (...values: string[]): Schema => ({ oneOf: values.map((literal) => ({ literal })) });
const strings: Schema = { array: "string" };

const devScores: Schema = {
  object: { accuracy: nullable("number"), f1: nullable("number"), loss: nullable("number"), metric: "number" },
  optional: ["loss"],
};

const epochRecord: Schema = {
  object: { epoch: "integer", loss: "number", seconds: "number", best: "boolean", dev: devScores },
};

const schedule: Schema = {
  object: {
    kind: choice("constant", "step", "cosine"),
    warmup: "integer",
    every: "integer",
    gamma: "number",
    steps: "integer",
    min: "number",
  },
  optional: ["every", "gamma", "steps", "min"],
};

const settings: Schema = {
  object: {
    epochs: "integer",
    batch: "integer",
    lr: "number",
    clip: "number",
    optimizer: choice("adam", "sgd"),
    momentum: "number",
    seed: "integer",
    patience: "integer",
    metric: choice("accuracy", "f1", "loss"),
    minCount: "integer",
    forgetBias: strings,
    wordDropout: "number",
    bucket: "integer",
    schedule,
    weightDecay: "number",
    tbptt: "integer",
    tbpttStride: "integer",
  },
  optional: ["minCount", "wordDropout", "bucket", "schedule", "weightDecay", "tbptt", "tbpttStride"],
};

const vocab: Schema = {
  object: { words: strings, trigrams: strings, tags: strings, slots: "integer", minCount: "integer" },
};

/** The fields every version has, as version 3 writes them. */
const common = {
  format: { literal: "rnnc-checkpoint" },
  version: "integer",
  fingerprint: "string",
  model: { object: { file: "string", name: "string", dims: { record: "integer" } } },
  data: { object: { train: "string", dev: "string" } },
  settings,
  capacity: { object: { batch: "integer", steps: "integer" } },
  best: nullable({ object: { epoch: "integer", metric: "number" } }),
  badEpochs: "integer",
  finished: { oneOf: [{ literal: "epochs" }, { literal: "patience" }, "null"] },
  files: { object: { params: "string", optimizer: "string", best: nullable("string") } },
  sha256: { record: "string" },
  log: { array: epochRecord },
} satisfies Record<string, Schema>;

/** Where a run is, in every version: epochs done, batches done of the next, its loss so far, its time. */
const positionOf = { epoch: "integer", batch: "integer", lossSum: "number", seconds: "number" } satisfies Record<
  string,
  Schema
>;

export const checkpointSchema: Schema = {
  object: {
    ...common,
    task: choice("tagger", "sequences"),
    loss: choice("mse", "mse-last", "softmax-ce", "softmax-ce-last"),
    vocab,
    position: {
      object: {
        ...positionOf,
        count: "number",
        random: "integer",
        updates: "integer",
      },
    },
  },
  optional: ["vocab"],
};

/** Versions 1 and 2: a tagger's run; the shuffle's position as a number of draws; no sha256 in version 1. */
export const legacySchema: Schema = {
  object: {
    ...common,
    vocab,
    position: {
      object: {
        ...positionOf,
        tokens: "integer",
        epochDraws: "integer",
      },
    },
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
    const ok =
      s === "null"
        ? value === null
        : s === "integer"
          ? Number.isSafeInteger(value)
          : typeof value === s && (s !== "number" || Number.isFinite(value));
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

export function validateCheckpoint(value: unknown, path: string, schema: Schema): void {
  const found = mismatch(value, schema, "");
  if (found) throw new TrainingError(`${path} is damaged: ${found.replace(/^: /, "")}`);
}
