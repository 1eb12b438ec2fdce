// dsl — the runtime of the "rnnc" import, so that loading a cell file never
// crashes. Cells are compiled by rnnc, not run: `cell` hands its declaration
// back for tools to inspect, and every intrinsic refuses to compute.

export function cell(spec) {
  return spec;
}

export function model(spec) {
  return spec;
}

export function layer(cell, dims) {
  return { cell, dims };
}

export function bidirectional(layer, merge = "concat") {
  return { bidirectional: "cell" in layer ? layer : { cell: layer }, merge };
}

export function oneOfN(rows, dim) {
  return { encoding: "oneOfN", rows, dim, slots: 1 };
}

export function wordHash(rows, dim, slots) {
  return { encoding: "wordHash", rows, dim, slots };
}

export function dense(size, activation = "linear") {
  return { size, activation };
}

function intrinsic(name) {
  const refuse = () => {
    throw new Error(
      `rnnc: ${name}() cannot run in JavaScript; cell files are compiled by rnnc (rnnc compile FILE), not executed`,
    );
  };
  Object.defineProperty(refuse, "name", { value: name });
  return refuse;
}

export const sigmoid = intrinsic("sigmoid");
export const tanh = intrinsic("tanh");
export const relu = intrinsic("relu");
export const exp = intrinsic("exp");
export const log = intrinsic("log");
export const softplus = intrinsic("softplus");
export const sqrt = intrinsic("sqrt");
export const matmul = intrinsic("matmul");
export const hadamard = intrinsic("hadamard");
export const max = intrinsic("max");
export const min = intrinsic("min");
export const clip = intrinsic("clip");
export const hardSigmoid = intrinsic("hardSigmoid");
export const sum = intrinsic("sum");
export const mean = intrinsic("mean");
export const abs = intrinsic("abs");
export const square = intrinsic("square");
export const pow = intrinsic("pow");
export const leakyRelu = intrinsic("leakyRelu");
export const elu = intrinsic("elu");
export const silu = intrinsic("silu");
export const gelu = intrinsic("gelu");
export const logSigmoid = intrinsic("logSigmoid");
export const maxOf = intrinsic("maxOf");
export const outer = intrinsic("outer");
export const transpose = intrinsic("transpose");
export const concat = intrinsic("concat");
export const slice = intrinsic("slice");
export const split = intrinsic("split");
