// apps/import — the neutral description of an imported network: what every
// reader (PyTorch state_dict, ONNX graph, TF.js layers) produces and what the
// one writer (write-model.ts, write-params.ts) turns into an rnnc model file
// and its parameter file. Weights are already in rnnc's layout: one matrix per
// gate, [out, in] (y = W·x), gates under rnnc's names whatever the source's
// packing order (conventions.ts says what each framework packs where).

/** A dense tensor, row-major; f32 sources are held exactly in f64. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export type Framework = "pytorch" | "onnx" | "tfjs";
export type CellKind = "rnn" | "lstm" | "gru";

/**
 * An elementwise function as ONNX names them (the other frameworks use a
 * subset): hardSigmoid is clip(alpha·x + beta, 0, 1), affine alpha·x + beta,
 * scaledTanh alpha·tanh(beta·x), leakyRelu max(x, 0) + alpha·min(x, 0),
 * elu x for x ≥ 0 else alpha·(eˣ − 1), softsign x / (1 + |x|).
 */
export type Activation =
  | { readonly kind: "sigmoid" | "tanh" | "relu" | "softsign" | "softplus" | "linear" }
  | { readonly kind: "hardSigmoid" | "affine" | "scaledTanh"; readonly alpha: number; readonly beta: number }
  | { readonly kind: "leakyRelu" | "elu"; readonly alpha: number };

/** The gates of each cell, under rnnc's names (an Elman RNN has one, h). */
export const gateNames = {
  rnn: ["h"],
  lstm: ["i", "f", "g", "o"],
  gru: ["z", "r", "n"],
} as const satisfies Record<CellKind, readonly string[]>;

/** The weights of one gate: W [H, I] on the input, U [H, R] on the recurrent state (R = H or the projection). */
export interface GateWeights {
  readonly W: Tensor;
  readonly U: Tensor;
  /** Bias on the input side ([H]); absent in a layer without biases. */
  readonly bx?: Tensor;
  /** Bias on the recurrent side ([H]); it adds to bx except in a reset-after GRU's n gate. */
  readonly bh?: Tensor;
}

/** The parameters of one direction of a layer. */
export interface DirectionWeights {
  readonly gates: Readonly<Record<string, GateWeights>>;
  /** LSTM peepholes (ONNX P): i and f read the previous cell, o the new one. */
  readonly peepholes?: { readonly i: Tensor; readonly f: Tensor; readonly o: Tensor };
  /** LSTM projection of the output, [P, H] (PyTorch proj_size): h = Wp·(o ⊙ h(c)). */
  readonly projection?: Tensor;
}

interface LayerBase {
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** One direction (forward), or two: forward then reverse, each over the valid prefix of its sequence. */
  readonly directions: readonly DirectionWeights[];
  /** How a bidirectional layer joins its two outputs. */
  readonly merge: "concat" | "sum";
  /**
   * ONNX clip: the input of every gate's and candidate's activation is clipped to [−clip, clip] (an LSTM's h(c) is
   * not).
   */
  readonly clip?: number;
  /** Where the layer comes from in the source (a module prefix, a node), for comments and messages. */
  readonly origin: string;
  /**
   * For a layer read from a state_dict: its module's prefix ("rnn.") and its index there (the k of _l{k}), so export
   * writes the same names.
   */
  readonly pytorch?: { readonly module: string; readonly index: number };
}

export interface RnnLayer extends LayerBase {
  readonly kind: "rnn";
  /** h' = activation(W x + U h + b). */
  readonly activation: Activation;
}

export interface LstmLayer extends LayerBase {
  readonly kind: "lstm";
  /** f: the gates i, f, o; g: the candidate; h: applied to the cell before the output gate. */
  readonly activations: { readonly gate: Activation; readonly candidate: Activation; readonly cell: Activation };
  /** f = 1 − i (ONNX input_forget); the forget gate then has no weights of its own. */
  readonly coupledForget: boolean;
  /** The size of h when the layer projects its output (PyTorch proj_size); else h has hiddenSize units. */
  readonly projectionSize?: number;
}

export interface GruLayer extends LayerBase {
  readonly kind: "gru";
  readonly activations: { readonly gate: Activation; readonly candidate: Activation };
  /**
   * true: n = g(Wn x + bxn + r ⊙ (Un h + bhn)), the reset applied after the
   * recurrent product (PyTorch, cuDNN, ONNX linear_before_reset=1, Keras
   * reset_after=True); false: n = g(Wn x + Un (r ⊙ h) + bn).
   */
  readonly resetAfter: boolean;
}

export type RecurrentLayer = RnnLayer | LstmLayer | GruLayer;

/** How the network reads its input: vectors of `size` features, or ids looked up in a table [rows, dim]. */
export type NetworkInput =
  | { readonly kind: "dense"; readonly size: number }
  | { readonly kind: "embedding"; readonly table: Tensor; readonly origin: string; readonly pytorch?: string };

/** A dense layer at every step: activation(weight · h + bias), weight [O, F]. */
export interface Readout {
  readonly weight: Tensor;
  readonly bias?: Tensor;
  readonly activation: "linear" | "sigmoid" | "tanh" | "relu";
  readonly origin: string;
  /** The nn.Linear's prefix, for a readout read from a state_dict. */
  readonly pytorch?: string;
}

/** How a tensor the source names (an ONNX graph input, a Keras output) maps onto the compiled module's. */
export interface Binding {
  readonly source: string;
  readonly role: "input" | "lengths" | "state_in" | "output" | "state_out";
  /** The module's tensors, in order (a bidirectional state is two). */
  readonly rnnc: readonly string[];
  /** What differs between the two layouts, when anything does. */
  readonly note?: string;
}

export interface Network {
  readonly framework: Framework;
  /** The file it was read from, as the user named it. */
  readonly file: string;
  /** The element type of the source's weights; the parameter file keeps it. */
  readonly dtype: "f32" | "f64";
  readonly input: NetworkInput;
  readonly layers: readonly RecurrentLayer[];
  readonly readout?: Readout;
  /** The source's named inputs and outputs, where it has them. */
  readonly bindings?: readonly Binding[];
}

/** The number of features a layer writes per step, after merging its directions. */
export function layerOutputSize(layer: RecurrentLayer): number {
  const units = layer.kind === "lstm" && layer.projectionSize !== undefined ? layer.projectionSize : layer.hiddenSize;
  return layer.directions.length === 2 && layer.merge === "concat" ? 2 * units : units;
}

export function inputSize(input: NetworkInput): number {
  return input.kind === "dense" ? input.size : input.table.shape[1]!;
}
