// dsl — the types a cell file is checked against in the user's editor. The
// rnnc compiler never runs a cell file; it reads it. To TypeScript every
// tensor is a `number`, so `W * x + b` type-checks; rnnc checks the shapes.

/**
 * A dimension: a name bound when compiling (`--dims H=128`), a fixed size, or
 * a sum of their positive multiples in a string (`"4*H"`, `"H+I"`).
 */
export type Dim = string | number;

/**
 * The shape of a declared tensor. A dimension name such as `"H"` is a vector
 * of H elements; an array gives rank 0 to 2: `[]` is a scalar, `["H"]` a
 * vector, `["H", "I"]` a matrix with H rows and I columns (weights are
 * [out, in], so `W * x` maps an I-vector to an H-vector).
 */
export type ShapeSpec = string | readonly [] | readonly [Dim] | readonly [Dim, Dim];

/** A tensor inside a step. Shapes are tracked by rnnc, not by TypeScript. */
export type Tensor = number;

export type Declarations = Record<string, ShapeSpec>;

/**
 * How a parameter starts when a host calls `initParams` (the compiler writes it
 * into the module's ABI): a named scheme, a constant, or a distribution.
 * Without one, matrices applied to inputs are Glorot-uniform, matrices applied
 * to the state alone orthogonal, embedding tables small uniform rows, and
 * vectors and scalars zero.
 */
export type Init =
  | "zeros" | "ones" | "glorot" | "orthogonal" | "embedding"
  | number
  | { readonly kind: "constant"; readonly value: number }
  | { readonly kind: "uniform"; readonly low: number; readonly high: number }
  | { readonly kind: "normal"; readonly mean: number; readonly std: number };

/** A parameter: its shape, or its shape and how it starts (`u: { shape: ["H"], init: 1 }`). */
export type ParamSpec = ShapeSpec | { readonly shape: ShapeSpec; readonly init: Init };

export type ParamDeclarations = Record<string, ParamSpec>;

/** The tensors a step may read: every input, state and parameter, by name. */
export type StepArguments<I extends Declarations, S extends Declarations, P extends ParamDeclarations> = {
  readonly [K in keyof I | keyof S | keyof P]: Tensor;
};

/** What a step returns: the next value of every state, and the value of every declared output. */
export type NextState<S extends Declarations, O extends Declarations = {}> = { [K in keyof S | keyof O]: Tensor };

export interface CellSpec<
  I extends Declarations,
  S extends Declarations,
  P extends ParamDeclarations,
  O extends Declarations = {}
> {
  /** The inputs read at each time step, one per batch element: `{ x: "I" }`. */
  input?: I;
  /** The recurrent state carried from step to step: `{ h: "H" }`. */
  state: S;
  /**
   * The trained parameters, shared by all steps and batch elements:
   * `{ W: ["H", "I"], bf: { shape: ["H"], init: 1 } }`.
   */
  params?: P;
  /**
   * Per-step outputs besides the state: `{ y: "O" }`. The step returns them
   * but cannot read them (to feed an output back, make it a state). Without
   * this section the cell's output is its first state.
   */
  output?: O;
  /**
   * One time step. Its parameter destructures the tensors it uses; its body is
   * `const` declarations and one `return { state: next, ... }` (or just the
   * returned object). Only arithmetic (`+ - * /`, unary minus, numbers) and
   * the intrinsics of this module are allowed. `*` is a matrix-vector product
   * for a matrix times a vector, and elementwise otherwise.
   */
  step: (tensors: StepArguments<I, S, P>) => NextState<S, NoInfer<O>>;
}

/** A declared cell: what `cell()` returns, for rnnc to find by its exported name. */
export type Cell<
  I extends Declarations,
  S extends Declarations,
  P extends ParamDeclarations,
  O extends Declarations = {}
> = CellSpec<I, S, P, O>;

/**
 * Declares a recurrent cell. Export it from the cell file under a name:
 * `export const gru = cell({ input, state, params, step })`; rnnc compiles it
 * with `rnnc compile file.ts --cell gru --dims I=64,H=128`.
 */
export declare function cell<
  I extends Declarations = {},
  S extends Declarations = {},
  P extends ParamDeclarations = {},
  O extends Declarations = {},
>(spec: CellSpec<I, S, P, O>): Cell<I, S, P, O>;

// Models: cells composed into one module.

/** Any declared cell. */
export type AnyCell = Cell<any, any, any, any>;

/** A layer of a model: a cell, with some of its dimensions renamed or fixed. */
export interface Layer {
  readonly cell: AnyCell;
  readonly dims?: Readonly<Record<string, Dim>>;
}

/**
 * A cell as a layer, with its dimensions renamed to the model's or fixed:
 * `layer(lstm, { H: "H2" })` gives this layer its own hidden size H2. The
 * cell's input dimension is always bound to the size of what the layer reads.
 */
export declare function layer(cell: AnyCell, dims?: Readonly<Record<string, Dim>>): Layer;

/**
 * A bidirectional layer: the cell forward and a second copy, with its own parameters, over each sequence reversed
 * (its valid prefix only); outputs merged by "concat" (default) or "sum".
 */
export interface Bidirectional {
  readonly bidirectional: Layer;
  readonly merge: "concat" | "sum";
}
export declare function bidirectional(layer: AnyCell | Layer, merge?: "concat" | "sum"): Bidirectional;

/** A dense readout on every step's output: activation(V · h + c), with V: [size, features]. */
export interface Dense {
  readonly size: Dim;
  readonly activation: "linear" | "sigmoid" | "tanh" | "relu";
}
export declare function dense(size: Dim, activation?: Dense["activation"]): Dense;

/** Integer ids looked up in an embedding table of `rows` × `dim`; the one-hot vector is never built. */
export interface Encoding {
  readonly encoding: "oneOfN" | "wordHash";
  readonly rows: Dim;
  readonly dim: Dim;
  readonly slots: number;
}

/** 1-of-N input: one id per step (an i32 in [0, rows)), embedded as that row of a trained table [rows, dim]. */
export declare function oneOfN(rows: Dim, dim: Dim): Encoding;

/**
 * Word hashing: up to `slots` ids per step (letter trigrams of "#word#", each
 * an i32 row of a trained table [rows, dim], -1 for an unused slot); the
 * input is the sum of those rows. Map unknown trigrams to a reserved row.
 */
export declare function wordHash(rows: Dim, dim: Dim, slots: number): Encoding;

export interface ModelSpec {
  /** The model's input: one vector sequence `{ x: "I" }`, or one or more id encodings, concatenated in order. */
  input: Record<string, Dim | Encoding>;
  /** Layers, stacked in order: the first reads the input, each next one reads the one before. */
  layers: readonly (AnyCell | Layer | Bidirectional)[];
  /** A dense layer applied at every step to the last layer's output. */
  readout?: Dense;
}

/**
 * Declares a model: stacked (and bidirectional) layers of cells with an
 * optional readout, compiled to one module: `rnnc compile model.ts --cell
 * tagger --dims I=32,H=64,O=8`. Cells come from the same file or are imported
 * from relative modules (`import { lstm } from "./lstm.js"`).
 */
export declare function model(spec: ModelSpec): ModelSpec;

/** Logistic sigmoid 1 / (1 + e^-x), elementwise; same shape as x. */
export declare function sigmoid(x: Tensor): Tensor;
/** Hyperbolic tangent, elementwise; same shape as x. */
export declare function tanh(x: Tensor): Tensor;
/** Rectified linear unit max(x, 0), elementwise; same shape as x. */
export declare function relu(x: Tensor): Tensor;
/** e^x, elementwise; same shape as x. */
export declare function exp(x: Tensor): Tensor;
/** Natural logarithm, elementwise; same shape as x. */
export declare function log(x: Tensor): Tensor;
/** log(1 + e^x), elementwise and computed stably for large |x|; same shape as x. */
export declare function softplus(x: Tensor): Tensor;
/** Square root, elementwise; same shape as x. */
export declare function sqrt(x: Tensor): Tensor;
/**
 * Matrix-vector product: m has shape [M, N], v has shape [N], the result [M].
 * The same as `m * v`, spelled out.
 */
export declare function matmul(m: Tensor, v: Tensor): Tensor;
/**
 * Elementwise (Hadamard) product of two tensors of the same shape, or of a
 * scalar and a tensor. Unlike `*`, never a matrix product.
 */
export declare function hadamard(a: Tensor, b: Tensor): Tensor;
/** The larger of a and b, elementwise (b where they are equal); same shapes, or one a scalar. */
export declare function max(a: Tensor, b: Tensor): Tensor;
/** The smaller of a and b, elementwise (b where they are equal); same shapes, or one a scalar. */
export declare function min(a: Tensor, b: Tensor): Tensor;
/** min(max(x, lo), hi), elementwise; lo and hi are scalars or have x's shape. */
export declare function clip(x: Tensor, lo: Tensor, hi: Tensor): Tensor;
/**
 * Piecewise-linear sigmoid clip(0.2·x + 0.5, 0, 1), elementwise — the Keras
 * convention (`hard_sigmoid`), not PyTorch's x/6 + 1/2.
 */
export declare function hardSigmoid(x: Tensor): Tensor;
/** Sum of all elements of x: a scalar (per batch element). */
export declare function sum(x: Tensor): Tensor;
/** Mean of all elements of x, sum(x) · (1 / number of elements): a scalar. */
export declare function mean(x: Tensor): Tensor;
/** |x|, elementwise; its derivative at 0 is taken as 0. */
export declare function abs(x: Tensor): Tensor;
/** x · x, elementwise; same shape as x. */
export declare function square(x: Tensor): Tensor;
/**
 * x to the power c, elementwise, for a constant exponent c (a number, or
 * arithmetic on numbers): products for integer c (any sign of x), a square
 * root for half-integer c, e^(c·log x) otherwise (x ≥ 0). pow(x, 0) is 1.
 */
export declare function pow(x: Tensor, c: number): Tensor;
/**
 * x where x > 0, else alpha · x, elementwise; alpha (default 0.01) is a number
 * or a tensor broadcast like any operand (a learned slope makes a PReLU). The
 * derivative at 0 is alpha, as in PyTorch.
 */
export declare function leakyRelu(x: Tensor, alpha?: Tensor): Tensor;
/**
 * x where x > 0, else alpha · (e^x − 1), elementwise (alpha defaults to 1);
 * the derivative at 0 is alpha, as in PyTorch.
 */
export declare function elu(x: Tensor, alpha?: Tensor): Tensor;
/** x · sigmoid(x) (SiLU, swish), elementwise; same shape as x. */
export declare function silu(x: Tensor): Tensor;
/**
 * GELU in its tanh form, ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), elementwise
 * (PyTorch's gelu(x, approximate="tanh")); same shape as x.
 */
export declare function gelu(x: Tensor): Tensor;
/** log(sigmoid(x)) = −softplus(−x), elementwise and stable for large |x|; same shape as x. */
export declare function logSigmoid(x: Tensor): Tensor;
/**
 * The largest element of v: a scalar (per batch element). Where several
 * elements equal it, they share its derivative equally. A NaN element makes
 * it NaN, as in Math.max.
 */
export declare function maxOf(v: Tensor): Tensor;

/** The outer product u vᵀ of vectors `[M]` and `[N]`: a matrix `[M, N]`. */
export declare function outer(u: Tensor, v: Tensor): Tensor;

/** The transpose of a matrix `[M, N]`: `[N, M]`. */
export declare function transpose(m: Tensor): Tensor;

/**
 * The parts' rows one after another: vectors `[A]`, `[B]` → `[A+B]`; matrices
 * `[A, N]`, `[B, N]` → `[A+B, N]`. `concat(x, h)` is `[x; h]`.
 */
export declare function concat(...parts: Tensor[]): Tensor;

/**
 * Rows `start` … `start + length − 1` of v (elements of a vector, rows of a
 * matrix); sizes are whole numbers or size strings: `slice(z, "H", "H")`.
 */
export declare function slice(v: Tensor, start: Dim, length: Dim): Tensor;

/**
 * v cut into consecutive parts of these sizes, which must add up to its rows:
 * `const [i, f, g, o] = split(z, "H", "H", "H", "H")`.
 */
export declare function split<S extends Dim[]>(v: Tensor, ...sizes: S): { [K in keyof S]: Tensor };
