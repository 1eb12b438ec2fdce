// runtime — parameter initialisation from a seed, following each parameter's
// `init` in the ABI: what the cell file declares (zeros, ones, a constant,
// uniform, normal, glorot, orthogonal), else the compiler's hint read off the
// step: Glorot-uniform for matrices applied to inputs, orthogonal for matrices
// applied to the recurrent state, small uniform rows for embedding tables,
// zeros for biases (1 for the forget-gate biases named in forgetBias). Same
// seed, same values.

import { elementCount, resolveShape, type ParamInit } from "./abi.js";
import type { RnncModel } from "./model.js";
import { normal, prng } from "./random.js";

export interface InitOptions {
  /** Names of forget-gate biases ("bf" matches bf and any prefixed l0.fwd.bf); set to forgetBiasValue. */
  readonly forgetBias?: readonly string[];
  readonly forgetBiasValue?: number;
}

export function initParams(model: RnncModel, seed: number, options: InitOptions = {}): void {
  const uniform = prng(seed);
  const gauss = normal(uniform);
  const forget = options.forgetBias ?? [];
  for (const entry of model.tensors().filter((t) => t.role === "param")) {
    const shape = resolveShape(entry.shape, model.capacity);
    const values = new Float64Array(elementCount(shape));
    const [rows, cols] = shape.length === 2 ? (shape as [number, number]) : [1, shape[0] ?? 1];
    const init = entry.init ?? (shape.length === 2 ? "glorot" : "zeros");
    if (typeof init === "object") fillDistribution(values, init, uniform, gauss);
    else switch (init) {
      case "glorot": {
        const limit = Math.sqrt(6 / (rows + cols));
        for (let i = 0; i < values.length; i++) values[i] = (uniform() * 2 - 1) * limit;
        break;
      }
      case "orthogonal":
        orthogonal(values, rows, cols, gauss);
        break;
      case "embedding": {
        const limit = Math.sqrt(3 / cols);
        for (let i = 0; i < values.length; i++) values[i] = (uniform() * 2 - 1) * limit;
        break;
      }
      case "zeros":
        if (forget.some((name) => entry.name === name || entry.name.endsWith(`.${name}`)))
          values.fill(options.forgetBiasValue ?? 1);
        break;
      case "ones":
        values.fill(1);
        break;
    }
    model.set(entry.name, "param", values);
  }
}

/** A declared constant or distribution. */
function fillDistribution(
  out: Float64Array,
  init: Exclude<ParamInit, string>,
  uniform: () => number,
  gauss: () => number,
): void {
  switch (init.kind) {
    case "constant":
      out.fill(init.value);
      break;
    case "uniform":
      for (let i = 0; i < out.length; i++) out[i] = init.low + uniform() * (init.high - init.low);
      break;
    case "normal":
      for (let i = 0; i < out.length; i++) out[i] = init.mean + init.std * gauss();
      break;
  }
}

/** Orthonormal rows (rows ≤ cols) or columns, by modified Gram–Schmidt on a Gaussian matrix. */
function orthogonal(out: Float64Array, rows: number, cols: number, gauss: () => number): void {
  const byRows = rows <= cols;
  const [count, length] = byRows ? [rows, cols] : [cols, rows];
  const vectors = Array.from({ length: count }, () => Float64Array.from({ length }, gauss));
  for (let i = 0; i < count; i++) {
    const v = vectors[i]!;
    for (let j = 0; j < i; j++) {
      const u = vectors[j]!;
      let dot = 0;
      for (let k = 0; k < length; k++) dot += u[k]! * v[k]!;
      for (let k = 0; k < length; k++) v[k]! -= dot * u[k]!;
    }
    let norm = 0;
    for (let k = 0; k < length; k++) norm += v[k]! * v[k]!;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < length; k++) v[k]! /= norm;
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = byRows ? vectors[r]![c]! : vectors[c]![r]!;
  }
}
