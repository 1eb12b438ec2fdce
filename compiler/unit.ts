// compiler — what a cell or model declares, before any dimension is bound:
// the description an application needs to decide the dimensions it binds from
// its data (a tagger's vocabularies, a regression's vector widths). In: a file's
// text and the unit's name. Out: its inputs (dense vectors, or ids through a
// table), the outputs the built-in losses compare with targets, and whether
// it reads only the past. Parsing only: a cell file a model imports is not read.

import { parseUnits } from "./frontend/index.js";
import type { CellSyntax, ModelSyntax } from "./frontend/index.js";
import { pickUnit } from "./model.js";
import { modelOutput } from "./time/index.js";

/** A dimension as declared: a name bound by --dims (or by an application), or a fixed size. */
export type DeclaredDim = string | number;

export type UnitInput =
  /** A vector per step (a cell's input, or a model's dense input); shape as declared ([] for a scalar). */
  | { readonly kind: "dense"; readonly name: string; readonly shape: readonly DeclaredDim[] }
  /**
   * Integer ids per step, embedded through a table of `rows` × `dim`: one id
   * (oneOfN) or up to `slots` ids summed (wordHash), -1 for an empty slot.
   */
  | {
      readonly kind: "ids";
      readonly encoding: "oneOfN" | "wordHash";
      readonly name: string;
      readonly rows: DeclaredDim;
      readonly dim: DeclaredDim;
      readonly slots: number;
    };

export interface UnitOutput {
  /** The output tensor's name, which its target shares. */
  readonly name: string;
  /**
   * Its shape per step, where the declaration says it: a cell's output or
   * state, a model's readout. Undefined for a model without a readout, whose
   * output is its last layer's (a size that follows from that layer's cell).
   */
  readonly shape: readonly DeclaredDim[] | undefined;
}

export interface UnitDescription {
  readonly kind: "cell" | "model";
  readonly name: string;
  /** Every model and cell the file defines. */
  readonly units: readonly string[];
  readonly inputs: readonly UnitInput[];
  /** What the module outputs per step (a model: y; a cell: its outputs, else its first state). */
  readonly outputs: readonly UnitOutput[];
  /** A model's dense readout: its size and activation. */
  readonly readout:
    { readonly size: DeclaredDim; readonly activation: "linear" | "sigmoid" | "tanh" | "relu" } | undefined;
  /** Each step reads only the past (no bidirectional layer): a long sequence may then run in chunks, state carried. */
  readonly causal: boolean;
}

export interface DescribeOptions {
  readonly file: string;
  readonly text: string;
  /** The exported cell or model (needed when the file has several). */
  readonly cell?: string | undefined;
}

/**
 * Describes the cell or model `cell` names (or the file's only one). Throws
 * the DiagnosticError compileCell would for a file that does not parse or a
 * name it does not export.
 */
export function describeUnit(options: DescribeOptions): UnitDescription {
  const units = parseUnits(options.file, options.text);
  const unit = pickUnit(units, options.cell, options.file);
  const names = [...units.models.map((m) => m.name), ...units.cells.map((c) => c.name)];
  return unit.kind === "cell" ? describeCell(unit.cell, names) : describeModel(unit.model, names);
}

function describeCell(cell: CellSyntax, units: readonly string[]): UnitDescription {
  const declared = cell.outputs.length > 0 ? cell.outputs : cell.states.slice(0, 1);
  return {
    kind: "cell",
    name: cell.name,
    units,
    inputs: cell.inputs.map((i) => ({ kind: "dense", name: i.name, shape: [...i.shape] })),
    outputs: declared.map((o) => ({ name: o.name, shape: [...o.shape] })),
    readout: undefined,
    causal: true,
  };
}

function describeModel(model: ModelSyntax, units: readonly string[]): UnitDescription {
  const inputs = model.inputs.map((i): UnitInput =>
    i.kind === "dense"
      ? { kind: "dense", name: i.name, shape: [i.size] }
      : { kind: "ids", encoding: i.encoding, name: i.name, rows: i.rows, dim: i.dim, slots: i.slots },
  );
  const readout = model.readout && { size: model.readout.size, activation: model.readout.activation };
  return {
    kind: "model",
    name: model.name,
    units,
    inputs,
    outputs: [{ name: modelOutput, shape: readout ? [readout.size] : undefined }],
    readout,
    causal: model.layers.every((l) => !l.bidirectional),
  };
}
