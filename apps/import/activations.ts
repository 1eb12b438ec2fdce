// apps/import — activations written as DSL expressions, and numbers written as
// DSL literals. In: an Activation, the text of its argument, a name for the
// argument when the formula reads it twice, an optional ONNX clip. Out: the
// lines to add to the step (a const for the argument, if needed) and an
// expression that is safe as an operand (a call, a name, or parenthesised).

import type { Activation } from "./network.js";

/**
 * The shortest decimal that reads back as x: for a float32 value (ONNX
 * attributes, Keras' constants) the shortest that rounds to it in f32, so a
 * user reads 0.2 rather than 0.20000000298023224.
 */
export function literal(x: number): string {
  if (Object.is(x, -0)) return "0";
  if (Math.fround(x) === x) {
    for (let digits = 1; digits <= 9; digits++) {
      const text = String(Number(x.toPrecision(digits)));
      if (Math.fround(Number(text)) === x) return text;
    }
  }
  return String(x);
}

/** `a * (e)`, leaving out a factor of 1. */
function scaled(a: number, e: string): string {
  return a === 1 ? e : `${literal(a)} * ${e}`;
}

function plus(e: string, b: number): string {
  return b === 0 ? e : b < 0 ? `${e} - ${literal(-b)}` : `${e} + ${literal(b)}`;
}

export interface Applied {
  readonly lines: readonly string[];
  readonly value: string;
}

/** The operand form of an expression: bare when it is a name or a call, else in parentheses. */
function operand(e: string): string {
  return /^[A-Za-z_$][\w$]*(\(.*\))?$/.test(e) && balanced(e) ? e : `(${e})`;
}

/** Whether a trailing call's parentheses close only at the end (so `f(a) + g(b)` is not taken for one call). */
function balanced(e: string): boolean {
  let depth = 0;
  for (let i = 0; i < e.length; i++) {
    if (e[i] === "(") depth++;
    else if (e[i] === ")" && --depth === 0 && i !== e.length - 1) return false;
  }
  return true;
}

export function applyActivation(a: Activation, expr: string, pre: string, clip?: number): Applied {
  const arg = clip === undefined ? expr : `clip(${expr}, ${literal(-clip)}, ${literal(clip)})`;
  const once = (value: string): Applied => ({ lines: [], value });
  // Formulas that read their argument twice get it as a const.
  const twice = (build: (x: string) => string): Applied => {
    const simple = /^[A-Za-z_$][\w$]*$/.test(arg);
    return { lines: simple ? [] : [`const ${pre} = ${arg};`], value: operand(build(simple ? arg : pre)) };
  };
  switch (a.kind) {
    case "linear":
      return once(operand(arg));
    case "sigmoid":
    case "tanh":
    case "relu":
    case "softplus":
      return once(`${a.kind}(${arg})`);
    case "hardSigmoid":
      if (a.alpha === Math.fround(0.2) || a.alpha === 0.2) {
        if (a.beta === 0.5) return once(`hardSigmoid(${arg})`);
      }
      return once(`clip(${plus(scaled(a.alpha, operand(arg)), a.beta)}, 0, 1)`);
    case "affine":
      return once(operand(plus(scaled(a.alpha, operand(arg)), a.beta)));
    case "scaledTanh":
      return once(operand(scaled(a.alpha, `tanh(${scaled(a.beta, operand(arg))})`)));
    case "leakyRelu":
      return twice((x) => `relu(${x}) - ${scaled(a.alpha, `relu(-${x})`)}`);
    case "elu":
      return twice((x) => `relu(${x}) + ${scaled(a.alpha, `(exp(min(${x}, 0)) - 1)`)}`);
    case "softsign":
      return twice((x) => `${x} / (1 + max(${x}, -${x}))`);
  }
}
