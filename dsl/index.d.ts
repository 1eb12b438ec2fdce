// dsl — the types a cell file is checked against in the user's editor. The
// rnnc compiler never runs a cell file; it reads it. To TypeScript every
// tensor is a `number`, so `W * x + b` type-checks; rnnc checks the shapes.

/** A dimension: a name bound when compiling (`--dims H=128`) or a fixed size. */
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

/** The tensors a step may read: every input, state and parameter, by name. */
export type StepArguments<I extends Declarations, S extends Declarations, P extends Declarations> = {
  readonly [K in keyof I | keyof S | keyof P]: Tensor;
};

/** What a step returns: the next value of every state. */
export type NextState<S extends Declarations> = { [K in keyof S]: Tensor };

export interface CellSpec<I extends Declarations, S extends Declarations, P extends Declarations> {
  /** The inputs read at each time step, one per batch element: `{ x: "I" }`. */
  input?: I;
  /** The recurrent state carried from step to step: `{ h: "H" }`. */
  state: S;
  /** The trained parameters, shared by all steps and batch elements. */
  params?: P;
  /**
   * One time step. Its parameter destructures the tensors it uses; its body is
   * `const` declarations and one `return { state: next, ... }` (or just the
   * returned object). Only arithmetic (`+ - * /`, unary minus, numbers) and
   * the intrinsics of this module are allowed. `*` is a matrix-vector product
   * for a matrix times a vector, and elementwise otherwise.
   */
  step: (tensors: StepArguments<I, S, P>) => NextState<S>;
}

/** A declared cell: what `cell()` returns, for rnnc to find by its exported name. */
export type Cell<I extends Declarations, S extends Declarations, P extends Declarations> = CellSpec<I, S, P>;

/**
 * Declares a recurrent cell. Export it from the cell file under a name:
 * `export const gru = cell({ input, state, params, step })`; rnnc compiles it
 * with `rnnc compile file.ts --cell gru --dims I=64,H=128`.
 */
export declare function cell<
  I extends Declarations = {},
  S extends Declarations = {},
  P extends Declarations = {},
>(spec: CellSpec<I, S, P>): Cell<I, S, P>;

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
