// compiler/frontend — the checked form of a cell file: its declarations and
// the step as a tree of IR ops over symbolic shapes. Made by parse.ts and
// step.ts, read by instantiate.ts; nothing here touches ts-morph.

import type { Op } from "../ir/ops.js";
import type { Dim, Shape, SliceArg } from "../ir/shape.js";
import type { SourceSpan } from "../diagnostics.js";
import type { ParamInit } from "../../runtime/abi.js";

export type DeclRole = "input" | "state" | "param" | "output";

export interface TensorDecl {
  name: string;
  /** Dimension names and fixed sizes, as declared: "H" gave ["H"]. */
  shape: (string | number)[];
  line: number;
  column: number;
  /** How a parameter starts, where the cell file says: { shape, init }. */
  init?: ParamInit;
}

/**
 * One node of the checked step. Sugar is already broken down (matrix `*` is
 * matvec, clip is min∘max, mean is sum times 1/size), so every node is one
 * IR op and its shape has passed the IR's own shape rule. Sub-trees are
 * shared when a `const` is used twice; instantiation memoises on identity.
 */
export type Expr =
  | { kind: "literal"; value: number; shape: Shape<Dim>; at: SourceSpan }
  /** 1 / (number of elements of `of`), known only once dims are bound. */
  | { kind: "inverseSize"; of: Shape<Dim>; shape: Shape<Dim>; at: SourceSpan }
  | { kind: "tensor"; role: DeclRole; name: string; shape: Shape<Dim>; at: SourceSpan }
  /** depth: the longest path to a leaf, through consts too (1 above the deepest argument); slice: a slice's rows. */
  | { kind: "apply"; op: Op; args: Expr[]; shape: Shape<Dim>; at: SourceSpan; depth: number; slice?: SliceArg<Dim> };

export interface CellSyntax {
  name: string;
  file: string;
  inputs: TensorDecl[];
  states: TensorDecl[];
  params: TensorDecl[];
  /** Per-step outputs besides the states; none means the first state is the output. */
  outputs: TensorDecl[];
  /** The next value of each state, in state order. */
  next: { name: string; expr: Expr }[];
  /** The value of each declared output, in declaration order. */
  outs: { name: string; expr: Expr }[];
  /** Each dimension name, at its first use in a declaration (for RNNC104). */
  dimSites: { dim: string; at: SourceSpan }[];
}

/** A cell named in a model: defined in the same file, or imported from a relative module. */
export interface CellRef {
  /** The cell's exported name in its file. */
  name: string;
  /** The module specifier it is imported from ("./lstm.js"), or undefined for the same file. */
  from: string | undefined;
  at: SourceSpan;
}

export interface LayerSyntax {
  cell: CellRef;
  /** The cell's dimensions renamed to the model's ("H": "H2") or fixed (H: 64). */
  dims: Record<string, string | number>;
  bidirectional: boolean;
  merge: "concat" | "sum";
  at: SourceSpan;
}

export type Activation = "linear" | "sigmoid" | "tanh" | "relu";

/** A model input: a dense vector per step, or ids embedded through a table of `rows` × `dim`. */
export type InputSyntax =
  | { kind: "dense"; name: string; size: string | number; at: SourceSpan }
  | {
      kind: "ids";
      encoding: "oneOfN" | "wordHash";
      name: string;
      rows: string | number;
      dim: string | number;
      slots: number;
      at: SourceSpan
    };

export interface ModelSyntax {
  name: string;
  file: string;
  /** One dense input, or one or more id encodings (concatenated in order). */
  inputs: InputSyntax[];
  layers: LayerSyntax[];
  /** A dense layer on every step's output: activation(V · h + c). */
  readout: { size: string | number; activation: Activation; at: SourceSpan } | undefined;
  dimSites: { dim: string; at: SourceSpan }[];
  at: SourceSpan;
}
