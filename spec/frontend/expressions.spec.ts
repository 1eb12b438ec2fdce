// spec/frontend — property: any well-typed expression, printed as DSL source,
// parses and evaluates (IR + reference interpreter) to what a direct JS
// evaluation of the same expression gives. The generator builds expressions
// by target shape, so every one is well typed; `*` is printed both ways it
// can mean a product (W * x and matmul(W, x); a * b and hadamard(a, b)).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { close, compile, element, interpret, sample, type Sample } from "./reference.js";

type Ast =
  | { kind: "name"; name: string }
  | { kind: "number"; value: number }
  | { kind: "neg"; x: Ast }
  | { kind: "binary"; op: "+" | "-" | "*" | "/"; a: Ast; b: Ast }
  | { kind: "call"; fn: string; args: Ast[] };

const name = (n: string): Ast => ({ kind: "name", name: n });
const call = (fn: string) => (...args: Ast[]): Ast => ({ kind: "call", fn, args });
const binary = (op: "+" | "-" | "*" | "/") => (a: Ast, b: Ast): Ast => ({ kind: "binary", op, a, b });

const unaryFns = ["sigmoid", "tanh", "relu", "exp", "log", "softplus", "sqrt", "hardSigmoid", "abs", "square"];
/** Constant exponents of pow, one of each kind of break-down: integers, half-integers, others, and 0. */
const exponents = [0, 1, 2, 3, 7, -1, -2, 0.5, 1.5, -0.5, 2.5, 0.3, -1.25];
const depth = { maxDepth: 4, depthIdentifier: "expr" } as const;

/** Expressions over x: [I], h, a: [H], s, k: scalar, W: [H, I], U: [H, H]. */
const { vecH, vecI, scalar } = fc.letrec<{ vecH: Ast; vecI: Ast; scalar: Ast }>((tie) => {
  const elementwise = (same: fc.Arbitrary<Ast>) =>
    fc.oneof(
      depth,
      fc.tuple(fc.constantFrom(...(["+", "-", "*", "/"] as const)), same, same).map(([op, a, b]) => binary(op)(a, b)),
      fc.tuple(fc.constantFrom(...(["+", "-", "*", "/"] as const)), same, tie("scalar"), fc.boolean())
        .map(([op, a, s, left]) => left ? binary(op)(s, a) : binary(op)(a, s)),
      same.map((x) => ({ kind: "neg", x }) as Ast),
      fc.tuple(fc.constantFrom(...unaryFns), same).map(([fn, x]) => call(fn)(x)),
      fc.tuple(same, fc.constantFrom(...exponents)).map(([x, c]) => call("pow")(x, { kind: "number", value: c })),
      fc.tuple(fc.constantFrom("hadamard", "max", "min"), same, fc.oneof(same, tie("scalar")))
        .map(([fn, a, b]) => call(fn)(a, b)),
      fc.tuple(same, tie("scalar"), tie("scalar")).map(([x, lo, hi]) => call("clip")(x, lo, hi)),
    );
  return {
    vecH: fc.oneof(
      depth,
      fc.constantFrom(name("h"), name("a")),
      elementwise(tie("vecH")),
      fc.tuple(fc.boolean(), tie("vecI"))
        .map(([op, x]) => (op ? binary("*")(name("W"), x) : call("matmul")(name("W"), x))),
      fc.tuple(fc.boolean(), tie("vecH"))
        .map(([op, x]) => (op ? binary("*")(name("U"), x) : call("matmul")(name("U"), x))),
    ),
    vecI: fc.oneof(depth, fc.constant(name("x")), elementwise(tie("vecI"))),
    scalar: fc.oneof(
      depth,
      fc.oneof(
        fc.constantFrom(name("s"), name("k")),
        fc.integer({ min: -12, max: 12 }).map((n): Ast => ({ kind: "number", value: n / 4 })),
      ),
      fc.tuple(fc.constantFrom(...(["+", "-", "*", "/"] as const)), tie("scalar"), tie("scalar"))
        .map(([op, a, b]) => binary(op)(a, b)),
      fc.tuple(fc.constantFrom("sum", "mean", "maxOf"), fc.oneof(tie("vecH"), tie("vecI")))
        .map(([fn, x]) => call(fn)(x)),
      fc.tuple(fc.constantFrom(...unaryFns), tie("scalar")).map(([fn, x]) => call(fn)(x)),
    ),
  };
});

function print(e: Ast): string {
  switch (e.kind) {
    case "name":
      return e.name;
    case "number":
      return e.value < 0 ? `(${e.value})` : String(e.value);
    case "neg":
      return `-(${print(e.x)})`;
    case "binary":
      return `(${print(e.a)} ${e.op} ${print(e.b)})`;
    case "call":
      return `${e.fn}(${e.args.map(print).join(", ")})`;
  }
}

// Direct semantics: a value is a number (scalar), a vector or a matrix.
type Value = number | number[] | number[][];
const isMatrix = (v: Value): v is number[][] => Array.isArray(v) && Array.isArray(v[0]);
function lift(f: (...xs: number[]) => number, ...vs: Value[]): Value {
  const vector = vs.find((v) => Array.isArray(v)) as number[] | undefined;
  if (!vector) return f(...(vs as number[]));
  return vector.map((_, i) => f(...vs.map((v) => (Array.isArray(v) ? (v[i] as number) : v))));
}
const larger = (a: number, b: number) => (a > b ? a : b);
const smaller = (a: number, b: number) => (a < b ? a : b);
const direct: Record<string, (...xs: number[]) => number> = {
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  relu: (x) => larger(x, 0),
  exp: Math.exp,
  log: Math.log,
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  sqrt: Math.sqrt,
  hardSigmoid: (x) => smaller(larger(0.2 * x + 0.5, 0), 1),
  abs: Math.abs,
  square: (x) => x * x,
  pow: Math.pow,
  hadamard: (a, b) => a * b,
  max: larger,
  min: smaller,
  clip: (x, lo, hi) => smaller(larger(x, lo), hi),
};

function run(e: Ast, env: Record<string, Value>): Value {
  switch (e.kind) {
    case "name":
      return env[e.name]!;
    case "number":
      return e.value;
    case "neg":
      return lift((x) => -x, run(e.x, env));
    case "binary": {
      const [a, b] = [run(e.a, env), run(e.b, env)];
      if (e.op === "*" && isMatrix(a))
        return a.map((row) => row.reduce((acc, w, k) => acc + w * (b as number[])[k]!, 0));
      const f = {
        "+": (x: number, y: number) => x + y,
        "-": (x: number, y: number) => x - y,
        "*": (x: number, y: number) => x * y,
        "/": (x: number, y: number) => x / y,
      }[e.op];
      return lift(f, a, b);
    }
    case "call": {
      const args = e.args.map((x) => run(x, env));
      if (e.fn === "matmul") return run({ kind: "binary", op: "*", a: e.args[0]!, b: e.args[1]! }, env);
      const total = (v: Value) => (v as number[]).reduce((acc, x) => acc + x, 0);
      if (e.fn === "sum") return total(args[0]!);
      if (e.fn === "mean") return total(args[0]!) * (1 / (args[0] as number[]).length);
      if (e.fn === "maxOf") return Math.max(...(args[0] as number[]));
      return lift(direct[e.fn]!, ...args);
    }
  }
}

function cellSource(h: Ast, s: Ast): string {
  const fns = [...unaryFns, "matmul", "hadamard", "max", "min", "clip", "sum", "mean", "pow", "maxOf"];
  return `import { cell, ${fns.join(", ")} } from "rnnc";
export const random = cell({
  input: { x: "I" },
  state: { h: "H", s: [] },
  params: { W: ["H", "I"], U: ["H", "H"], a: "H", k: [] },
  step: ({ x, h, s, W, U, a, k }) => ({ h: ${print(h)}, s: ${print(s)} }),
});`;
}

describe("random well-typed expressions", () => {
  it("evaluate as their direct JS reading", () => {
    fc.assert(
      fc.property(
        vecH, scalar, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.nat(),
        (h, s, I, H, seed) => {
          const ir = compile(cellSource(h, s), { I, H });
          const batch = 2;
          const values = sample(ir, batch, seed);
          const got = interpret(ir, values, batch);
          for (let b = 0; b < batch; b++) {
            const env = element(values, b) as Record<string, Value>;
            const want = { h: run(h, env) as number[], s: [run(s, env) as number] };
            for (const state of ["h", "s"] as const) {
              const g = got.get(state)![b]!;
              expect(g).toHaveLength(want[state].length);
              const source = state === "h" ? print(h) : print(s);
              g.forEach((v, j) =>
                expect(close(v, want[state][j]!), `${state} = ${source}; [${j}]: ${v} vs ${want[state][j]}`).toBe(true),
              );
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** Points where the break-downs differ if any does: signs, zeros, tails, values near the kinks. */
const grid = [-40, -30, -3, -1, -0.5, -1e-3, -1e-9, -0, 0, 1e-9, 1e-3, 0.5, 1, 3, 30, 40];

/**
 * Math.pow, except that a half-integer power of −0 is built on sqrt(−0) = −0 (docs/dsl.md says so):
 * 1 / ((−0)^n · sqrt(−0)) is −∞ for c = −(n + ½) with n even, where Math.pow gives +∞.
 */
function powOf(x: number, c: number): number {
  const negativeHalf = c < 0 && !Number.isInteger(c) && Number.isInteger(2 * c);
  return Object.is(x, -0) && negativeHalf && Math.floor(-c) % 2 === 0 ? -Infinity : Math.pow(x, c);
}

/** Each elementwise intrinsic once per form, with its direct reading; a fixed grid instead of random values. */
const forms: { call: string; fn: string; direct: (x: number) => number }[] = [
  { call: "abs(a)", fn: "abs", direct: Math.abs },
  { call: "square(a)", fn: "square", direct: (x) => x * x },
  ...exponents.map((c) => ({ call: `pow(a, ${c})`, fn: "pow", direct: (x: number) => powOf(x, c) })),
  { call: "pow(a, 2 * 0.75 - 4)", fn: "pow", direct: (x: number) => powOf(x, -2.5) },
  { call: "leakyRelu(a)", fn: "leakyRelu", direct: (x) => (x > 0 ? x : 0.01 * x) },
  { call: "leakyRelu(a, 0.2)", fn: "leakyRelu", direct: (x) => (x > 0 ? x : 0.2 * x) },
  { call: "elu(a)", fn: "elu", direct: (x) => (x > 0 ? x : Math.expm1(x)) },
  { call: "elu(a, 0.5)", fn: "elu", direct: (x) => (x > 0 ? x : 0.5 * Math.expm1(x)) },
  { call: "silu(a)", fn: "silu", direct: (x) => x / (1 + Math.exp(-x)) },
  // PyTorch's gelu(x, approximate="tanh"), as written there.
  {
    call: "gelu(a)", fn: "gelu",
    direct: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  },
  {
    call: "logSigmoid(a)", fn: "logSigmoid",
    direct: (x) => (x < 0 ? x - Math.log1p(Math.exp(x)) : -Math.log1p(Math.exp(-x))),
  },
];

describe("elementwise intrinsics on a grid", () => {
  it.each(forms.map((f) => [f.call, f] as const))("%s is its direct reading", (_, form) => {
    const source = `import { cell, ${form.fn} } from "rnnc";
export const one = cell({ state: { h: "H" }, params: { a: "H" }, step: ({ a }) => ({ h: ${form.call} }) });`;
    const ir = compile(source, { H: grid.length });
    const values: Sample = new Map([["param:a", [grid]], ["state:h", [grid.map(() => 0)]]]);
    const got = interpret(ir, values, 1).get("h")![0]!;
    grid.forEach((x, j) =>
      expect(close(got[j]!, form.direct(x)), `${form.call} at ${x}: ${got[j]} vs ${form.direct(x)}`).toBe(true),
    );
  });
});

describe("logSigmoid", () => {
  it("keeps its relative accuracy in both tails, where log(sigmoid(x)) would round to 0 or overflow", () => {
    const tails = [-1000, -700, -40, 30, 40, 700];
    const source = `import { cell, logSigmoid } from "rnnc";
export const one = cell({ state: { h: "H" }, params: { a: "H" }, step: ({ a }) => ({ h: logSigmoid(a) }) });`;
    const ir = compile(source, { H: tails.length });
    const got = interpret(ir, new Map([["param:a", [tails]], ["state:h", [tails.map(() => 0)]]]), 1).get("h")![0]!;
    const want = tails.map((x) => (x > 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x))));
    got.forEach((v, j) => expect(Math.abs(v / want[j]! - 1), `logSigmoid(${tails[j]}) = ${v}`).toBeLessThan(1e-15));
  });
});
