// apps/train/sequences — reading vector sequences. In: JSONL text, one
// sequence per line, {"x": [[...], ...], "y": ...}: x a vector per step; y a
// target per step (a list as long as x) or one for the last step. Out: the
// sequences and what their targets are, or one DataError listing each
// malformed line as FILE:LINE: what is wrong.
//
//   y per step              y at the last step      read with
//   [[0.1, 2], [0.3, 1]]    [0.1, 2]                --loss mse: a vector of O numbers
//   [3, 0, 1]               3                       --loss softmax-ce: a class id in [0, C)

import { describeValue as describe, readJsonl } from "../jsonl.js";

/** What a data file's targets are: vectors (regression) or class ids, per step or at the last step. */
export interface TargetForm {
  readonly kind: "vector" | "class";
  readonly at: "every" | "last";
}

export interface VectorSequence {
  readonly steps: number;
  /** The inputs, [steps, features] row-major. */
  readonly x: Float64Array;
  /** Vectors: [steps or 1, width] row-major; class ids: [steps or 1]. */
  readonly y: Float64Array | Int32Array;
  /** 1-based line in the file, for messages. */
  readonly line: number;
}

export interface SequenceData {
  readonly file: string;
  readonly sequences: readonly VectorSequence[];
  readonly form: TargetForm;
  /** Numbers per step of x. */
  readonly features: number;
  /** A target vector's width, or the number of classes (the largest id + 1). */
  readonly width: number;
}

/** The loss the targets are for: mse reads vectors, softmax-ce class ids. */
export type SequenceLoss = "mse" | "softmax-ce";

const example = '{"x": [[0.5, 1], [0.2, 0]], "y": [1.5]}';
const atText = { every: "a target per step", last: "one target for the last step" };

type Read = { sequence: Omit<VectorSequence, "line">; form: TargetForm; features: number; width: number };

/**
 * Parses JSONL vector sequences; empty lines are skipped; every line has the
 * widths and target form of the first. With `inputsOnly` (prediction) y may
 * be left out and is not read.
 */
export function parseSequences(file: string, text: string, loss: SequenceLoss, inputsOnly = false): SequenceData {
  let first: (Read & { line: number }) | undefined;
  const read = (value: unknown, line: number): Read | string => {
    const got = sequenceOf(value, loss, inputsOnly);
    if (typeof got === "string") return got;
    first ??= { ...got, line };
    const unlike = (what: string, now: string, was: string) => `${what} ${now}, but line ${first!.line} has ${was}`;
    if (got.form.at !== first.form.at) return unlike("y is", atText[got.form.at], atText[first.form.at]);
    if (got.features !== first.features)
      return unlike("steps of x have", `${got.features} numbers`, `${first.features}`);
    if (got.form.kind === "vector" && got.width !== first.width) {
      return unlike("targets have", `${got.width} numbers`, `${first.width}`);
    }
    return got;
  };
  const lines = readJsonl(file, text, read, `no sequences (expected one JSON object per line: ${example})`);
  const { form, features } = lines[0]!.value;
  const width = lines.reduce((n, l) => Math.max(n, l.value.width), 0);
  return { file, sequences: lines.map(({ value, line }) => ({ ...value.sequence, line })), form, features, width };
}

/** One line's value: the sequence with its widths (for class ids, the largest id + 1), or what is wrong with it. */
function sequenceOf(value: unknown, loss: SequenceLoss, inputsOnly: boolean): Read | string {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return `expected an object ${example}, got ${describe(value)}`;
  const record = value as Record<string, unknown>;
  if (!Object.hasOwn(record, "x")) return 'missing "x"';
  const x = rows(record.x, "x");
  if (typeof x === "string") return x;
  const steps = x.rows;
  if (inputsOnly) {
    return {
      sequence: { steps, x: x.data, y: new Float64Array(0) },
      form: { kind: "vector", at: "every" },
      features: x.cols,
      width: 0,
    };
  }
  if (!Object.hasOwn(record, "y")) return 'missing "y"';
  const y = record.y;
  if (loss === "softmax-ce") {
    if (!Array.isArray(y)) {
      if (!isClass(y)) return `y is ${describe(y)}, not a class id (an integer in [0, 2^31)) or a list of one per step`;
      return {
        sequence: { steps, x: x.data, y: Int32Array.of(y) },
        form: { kind: "class", at: "last" },
        features: x.cols,
        width: y + 1,
      };
    }
    if (y.length !== steps) return `x has ${steps} steps but y has ${y.length} class ids`;
    const bad = y.findIndex((c) => !isClass(c));
    if (bad >= 0) return `y[${bad}] is ${describe(y[bad])}, not a class id (an integer in [0, 2^31))`;
    const ids = Int32Array.from(y as number[]);
    return {
      sequence: { steps, x: x.data, y: ids },
      form: { kind: "class", at: "every" },
      features: x.cols,
      width: ids.reduce((n, c) => Math.max(n, c), 0) + 1,
    };
  }
  if (typeof y === "number")
    return "y is one number: a target vector is a list ([0.5]); a class id needs --loss softmax-ce";
  const perStep = Array.isArray(y) && Array.isArray(y[0]);
  const targets = perStep ? rows(y, "y") : rows([y], "y", true);
  if (typeof targets === "string") return targets;
  if (perStep && targets.rows !== steps) return `x has ${steps} steps but y has ${targets.rows} targets`;
  const form: TargetForm = { kind: "vector", at: perStep ? "every" : "last" };
  return { sequence: { steps, x: x.data, y: targets.data }, form, features: x.cols, width: targets.cols };
}

/**
 * A non-empty list of equally long non-empty lists of finite numbers,
 * row-major. `single`: the one row is the field itself (y for the last step),
 * so messages say y[2], not y[0][2].
 */
function rows(
  value: unknown,
  field: string,
  single = false,
): { rows: number; cols: number; data: Float64Array } | string {
  if (!Array.isArray(value) || value.length === 0)
    return `"${field}" must be a non-empty list of lists of numbers, got ${describe(value)}`;
  const at = (r: number) => (single ? field : `${field}[${r}]`);
  const cols = Array.isArray(value[0]) ? value[0].length : 0;
  const data = new Float64Array(value.length * cols);
  for (const [r, row] of value.entries()) {
    if (!Array.isArray(row) || row.length === 0)
      return `${at(r)} must be a non-empty list of numbers, got ${describe(row)}`;
    if (row.length !== cols) return `${at(r)} has ${row.length} numbers but ${field}[0] has ${cols}`;
    for (const [c, v] of row.entries()) {
      if (typeof v !== "number" || !Number.isFinite(v)) return `${at(r)}[${c}] is ${describe(v)}, not a finite number`;
      data[r * cols + c] = v;
    }
  }
  return { rows: value.length, cols, data };
}

const isClass = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 2 ** 31;
