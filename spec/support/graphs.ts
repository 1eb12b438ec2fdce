// spec/support — random well-typed IR functions for property tests. In: a
// recipe drawn by fast-check (dims, vars, a list of op steps, output picks).
// Out: a GraphCase, an Fn built with the real Graph builder, plus values for
// its vars. Each step applies one op of the closed op set to operands picked
// from the nodes made so far, bending the picks to the shape rules (a matvec
// finds a vector of the right length) and keeping every value inside its op's
// valid range and O(1) in size, so the interpreter, gradients and finite
// differences stay meaningful on every generated graph. Integer operands
// (onehot's index, the ids of gathersum and scatterrows) are constants or
// counts of positive elements (step, sum): integer-valued wherever FD moves
// the vars, with zero derivative, and on the kink signature's watch.

import fc from "fast-check";
import {
  Graph, allOps, binaryOps, unaryOps, printFn, sameShape, sizeOf, varKey,
  type Fn, type Node, type Op, type Role, type Shape,
} from "../../compiler/ir/index.js";
import { floats, uniform, type VarValues } from "./finite-differences.js";

export * from "./finite-differences.js";

export interface GraphCase {
  readonly fn: Fn;
  /** Every var the recipe declared, reached by the outputs or not. */
  readonly vars: readonly Node[];
}

export interface GraphOptions {
  /** Also wrap nodes in identities the rewrites should remove: x+0, x*1, -(-x), select(c,x,x), … */
  readonly identities?: boolean;
  readonly maxSteps?: number;
}

/** Ops a step may apply (leaves come from the var list and the "const" step). */
type StepKind = Exclude<Op, "var"> | "identity";

interface Step {
  readonly kind: StepKind;
  readonly picks: readonly number[];
  readonly value: number;
  readonly variant: number;
}

interface VarRecipe {
  readonly kind: "param0" | "param1" | "param2" | "input" | "state";
  readonly dims: readonly number[];
}

interface Recipe {
  readonly dims: readonly number[];
  readonly vars: readonly VarRecipe[];
  readonly steps: readonly Step[];
  readonly outputs: readonly number[];
}

/** Constants steps inject: the identities' neutral elements and a few others. */
const constValues = [0, 1, -1, 0.5, 2, -0.25, 1.5] as const;

/** Above this bound on |value| an operand is squashed through tanh first. */
const LIMIT = 20;

function recipe(options: GraphOptions): fc.Arbitrary<Recipe> {
  const kinds: StepKind[] = allOps.filter((op): op is Exclude<Op, "var"> => op !== "var");
  kinds.push("matvec", "outer"); // they need operands of the right rank, so offer them more often
  if (options.identities) kinds.push("identity", "identity", "identity");
  const nat = fc.nat({ max: 1000 });
  return fc.record({
    dims: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 3 }),
    vars: fc.array(
      fc.record({
        kind: fc.constantFrom("param1", "input", "param2", "param0", "state"),
        dims: fc.array(nat, { minLength: 2, maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    steps: fc.array(
      fc.record({
        kind: fc.constantFrom(...kinds),
        picks: fc.array(nat, { minLength: 3, maxLength: 3 }),
        value: fc.constantFrom(...constValues),
        variant: nat,
      }),
      { minLength: 2, maxLength: options.maxSteps ?? 20, size: "max" },
    ),
    outputs: fc.array(nat, { minLength: 0, maxLength: 2 }),
  });
}

const pick = <T>(items: readonly T[], k: number): T => items[k % items.length]!;
const rank = (n: Node) => n.shape.length;
const broadcastable = (a: Shape, b: Shape) => a.length === 0 || b.length === 0 || sameShape(a, b);

/** Builds one graph from a recipe, remembering a bound on |value| of each node. */
class Builder {
  readonly g = new Graph();
  readonly pool: Node[] = [];
  private readonly bounds = new Map<Node, number>();

  bound(n: Node): number {
    return this.bounds.get(n)!;
  }

  note(n: Node, bound: number): Node {
    this.bounds.set(n, Math.max(bound, this.bounds.get(n) ?? 0));
    return n;
  }

  constant(value: number, shape: Shape = [], batched = false): Node {
    return this.note(this.g.constant(value, shape, batched), Math.abs(value));
  }

  apply(op: Op, inputs: readonly Node[], bound: number): Node {
    return this.note(this.g.apply(op, inputs), bound);
  }

  squash(x: Node, limit: number): Node {
    return this.bound(x) > limit ? this.apply("tanh", [x], 1) : x;
  }

  /** A value ≥ 0.1: log and sqrt take these. */
  positive(x: Node, variant: number): Node {
    if (variant % 2 === 0) {
      const e = this.squash(x, 2);
      return this.apply("exp", [e], Math.exp(this.bound(e)));
    }
    const sp = this.apply("softplus", [x], this.bound(x) + 1);
    return this.apply("add", [sp, this.constant(0.1)], this.bound(sp) + 0.1);
  }

  /** A value ≥ 1: the denominators of div. */
  denominator(x: Node): Node {
    const sp = this.apply("softplus", [x], this.bound(x) + 1);
    return this.apply("add", [this.constant(1), sp], this.bound(sp) + 1);
  }

  /** Apply a combining op, squashing the operands when the result could grow past LIMIT. */
  combine(op: Op, inputs: Node[], bound: (bs: number[]) => number): Node {
    if (bound(inputs.map((n) => this.bound(n))) > LIMIT) inputs = inputs.map((n) => this.squash(n, 1));
    return this.apply(op, inputs, bound(inputs.map((n) => this.bound(n))));
  }
}

const unaryBound: Record<(typeof unaryOps)[number], (b: number) => number> = {
  neg: (b) => b, exp: Math.exp, log: (b) => 3 + Math.log1p(b), tanh: () => 1, sigmoid: () => 1,
  relu: (b) => b, softplus: (b) => b + 1, sqrt: Math.sqrt, step: () => 1,
  abs: (b) => b,
  expm1: Math.expm1,
};

/** Integers for index and id operands: -1 and the larger ones fall outside most shapes. */
const integerValues = [-1, 0, 1, 2, 3, 5] as const;

/**
 * An integer-valued node of `shape` (a scalar index or a vector of ids): a
 * constant (per-batch or not), or the count of positive elements of a pool
 * node (step, then sum for a scalar), shifted by a small integer.
 */
function integerValued(s: Builder, shape: Shape, step: Step): Node {
  const k = pick(integerValues, Math.floor(step.variant / 3));
  const sources = s.pool.filter((n) => shape.length === 0 || sameShape(n.shape, shape));
  if (step.variant % 3 === 0 || sources.length === 0)
    return s.constant(k, shape, Math.floor(step.variant / 18) % 2 === 1);
  const source = pick(sources, step.picks[2]!);
  const positive = s.apply("step", [source], 1);
  const count = shape.length === 0 ? s.apply("sum", [positive], sizeOf(source.shape)) : positive;
  return step.variant % 3 === 1 ? count : s.apply("add", [count, s.constant(k)], s.bound(count) + Math.abs(k));
}

/** A number of ids: the length of a vector in the pool, so the ids can count its positive elements. */
function idCount(s: Builder, k: number): number {
  const vectors = s.pool.filter((n) => rank(n) === 1);
  return vectors.length > 0 ? pick(vectors, k).shape[0]! : 1 + (k % 3);
}

const isBinary = (kind: StepKind): kind is (typeof binaryOps)[number] =>
  (binaryOps as readonly string[]).includes(kind);

/** One step: the node it makes, or undefined when the pool offers no operands of the right kind. */
function applyStep(s: Builder, step: Step): Node | undefined {
  const [p0, p1, p2] = step.picks as [number, number, number];
  const pool = s.pool;
  // Four picks in five continue from the latest node, so graphs grow deep rather than wide
  // (and a fresh constant is often the operand of the next op, which is what folding needs).
  const x = p0 % 5 === 0 ? pick(pool, p0) : pool[pool.length - 1]!;
  const kind = step.kind;
  if ((unaryOps as readonly string[]).includes(kind)) {
    const op = kind as (typeof unaryOps)[number];
    let operand = op === "log" || op === "sqrt" ? s.positive(x, step.variant) : x;
    if (op === "exp" || op === "expm1") operand = s.squash(operand, 2);
    return s.apply(op, [operand], unaryBound[op](s.bound(operand)));
  }
  if (isBinary(kind)) {
    const y = pick(pool.filter((n) => broadcastable(x.shape, n.shape)), p1);
    if (kind === "div") return s.combine("div", [x, s.denominator(y)], ([a]) => a!);
    const [a, b] = step.variant % 2 === 0 ? [x, y] : [y, x];
    if (kind === "mul") return s.combine("mul", [a, b], ([u, v]) => u! * v!);
    if (kind === "add" || kind === "sub") return s.combine(kind, [a, b], ([u, v]) => u! + v!);
    return s.combine(kind, [a, b], (bs) => Math.max(...bs));
  }
  switch (kind) {
    case "const": {
      const shape = step.variant % 3 === 0 ? [] : x.shape;
      return s.constant(step.value, shape);
    }
    case "select": {
      const a = pick(pool.filter((n) => broadcastable(x.shape, n.shape)), p1);
      const joint = rank(x) > 0 ? x.shape : a.shape;
      const b = pick(pool.filter((n) => broadcastable(joint, n.shape)), p2);
      return s.apply("select", [x, a, b], Math.max(s.bound(a), s.bound(b)));
    }
    case "matvec": {
      const matrices = pool.filter((n) => rank(n) === 2);
      if (matrices.length === 0) return undefined;
      const w = pick(matrices, p0);
      const vectors = pool.filter((n) => rank(n) === 1 && n.shape[0] === w.shape[1]);
      const v = vectors.length > 0 ? pick(vectors, p1) : s.constant(step.value, [w.shape[1]!]);
      return s.combine("matvec", [w, v], ([u, z]) => w.shape[1]! * u! * z!);
    }
    case "matmul": {
      const matrices = pool.filter((n) => rank(n) === 2);
      if (matrices.length === 0) return undefined;
      const a = pick(matrices, p0);
      const rights = matrices.filter((n) => n.shape[0] === a.shape[1]);
      const b = rights.length > 0 ? pick(rights, p1) : s.constant(step.value, [a.shape[1]!, 2]);
      return s.combine("matmul", [a, b], ([u, z]) => a.shape[1]! * u! * z!);
    }
    case "outer": {
      const vectors = pool.filter((n) => rank(n) === 1);
      if (vectors.length === 0) return undefined;
      return s.combine("outer", [pick(vectors, p0), pick(vectors, p1)], ([u, v]) => u! * v!);
    }
    case "transpose": {
      const matrices = pool.filter((n) => rank(n) === 2);
      return matrices.length === 0
        ? undefined
        : s.apply("transpose", [pick(matrices, p0)], s.bound(pick(matrices, p0)));
    }
    case "sum":
      return s.combine("sum", [x], ([b]) => sizeOf(x.shape) * b!);
    case "logsumexp": {
      const tensors = pool.filter((n) => rank(n) > 0);
      if (tensors.length === 0) return undefined;
      const t = rank(x) > 0 ? x : pick(tensors, p1);
      return s.apply("logsumexp", [t], s.bound(t) + Math.log(sizeOf(t.shape)));
    }
    case "onehot":
      // x only gives the shape.
      return s.apply("onehot", [integerValued(s, [], step), x], 1);
    case "gathersum": {
      const tables = pool.filter((n) => rank(n) === 2);
      if (tables.length === 0) return undefined;
      const count = idCount(s, p1);
      const ids = integerValued(s, [count], step);
      const t = pick(tables, p0);
      const table = count * s.bound(t) > LIMIT ? s.squash(t, 1) : t;
      return s.apply("gathersum", [table, ids], count * s.bound(table));
    }
    case "scatterrows": {
      const tables = pool.filter((n) => rank(n) === 2);
      if (tables.length === 0) return undefined;
      const like = pick(tables, p0);
      const rows = pool.filter((n) => rank(n) === 1 && n.shape[0] === like.shape[1]);
      const count = idCount(s, p2);
      const ids = integerValued(s, [count], step);
      const g0 = rows.length > 0 ? pick(rows, p1) : s.constant(step.value, [like.shape[1]!]);
      const g = count * s.bound(g0) > LIMIT ? s.squash(g0, 1) : g0;
      return s.apply("scatterrows", [g, ids, like], count * s.bound(g));
    }
    case "concat": {
      const tensors = pool.filter((n) => rank(n) > 0);
      if (tensors.length === 0) return undefined;
      const a = rank(x) > 0 ? x : pick(tensors, p1);
      const b = pick(tensors.filter((n) => sameShape(n.shape.slice(1), a.shape.slice(1)) && rank(n) === rank(a)), p2);
      const parts = step.variant % 3 === 0 ? [a, b, a] : [a, b];
      return s.apply("concat", parts, Math.max(...parts.map((n) => s.bound(n))));
    }
    case "slice": {
      const tensors = pool.filter((n) => rank(n) > 0);
      if (tensors.length === 0) return undefined;
      const t = rank(x) > 0 ? x : pick(tensors, p1);
      const start = p1 % t.shape[0]!;
      return s.note(s.g.slice(t, start, 1 + (p2 % (t.shape[0]! - start))), s.bound(t));
    }
    case "maxof":
      return s.apply("maxof", [x], s.bound(x));
    case "batchsum": {
      const batched = pool.filter((n) => n.batched);
      return batched.length === 0 ? undefined : s.combine("batchsum", [pick(batched, p0)], ([b]) => 3 * b!);
    }
    case "identity":
      return applyIdentity(s, x, step);
    default:
      throw new Error(`no generator step for op ${kind}`);
  }
}

/** Wrap x in something equal to it (or to zero) that the rewrites should see through, or fold a constant. */
function applyIdentity(s: Builder, x: Node, step: Step): Node {
  const b = s.bound(x);
  const c = (v: number, shape: Shape = []) => s.constant(v, shape);
  const zeroLike = c(0, step.picks[1]! % 2 === 0 ? [] : x.shape);
  const matrix = rank(x) === 2;
  switch (step.variant % 19) {
    case 0: return s.apply("add", [x, zeroLike], b);
    case 1: return s.apply("add", [zeroLike, x], b);
    case 2: return s.apply("mul", [x, c(1)], b);
    case 3: return s.apply("mul", [c(1, x.shape), x], b);
    case 4: return s.apply("mul", [x, c(-1)], b);
    case 5: return s.apply("sub", [x, zeroLike], b);
    case 6: return s.apply("sub", [zeroLike, x], b);
    case 7: return s.apply("div", [x, c(1)], b);
    case 8: return s.apply("neg", [s.apply("neg", [x], b)], b);
    case 9: {
      const cond = pick(s.pool.filter((n) => broadcastable(x.shape, n.shape)), step.picks[2]!);
      return s.apply("select", [cond, x, x], b);
    }
    case 10: return s.apply("mul", [zeroLike, x], 0);
    case 11: return matrix ? s.apply("transpose", [s.apply("transpose", [x], b)], b) : s.apply("sum", [zeroLike], 0);
    case 12: return matrix ? s.apply("matvec", [x, c(0, [x.shape[1]!])], 0) : s.apply("select", [c(1), x, c(7)], b);
    case 13: return s.apply("div", [zeroLike, s.denominator(x)], 0);
    // reductions of constants, which folding must get bit-exact
    case 14: return s.apply("sum", [c(step.value, x.shape)], sizeOf(x.shape) * Math.abs(step.value));
    case 15: {
      const shape = rank(x) > 0 ? x.shape : [1 + (step.picks[1]! % 5)];
      return s.apply("logsumexp", [c(step.value, shape)], Math.abs(step.value) + Math.log(sizeOf(shape)));
    }
    // rows: a slice of a concatenation is the part it covers; the slices of a split concatenate back
    case 16: {
      if (rank(x) === 0) return s.apply("add", [x, zeroLike], b);
      const other = c(step.value, [1 + (step.picks[1]! % 3), ...x.shape.slice(1)]);
      return s.note(s.g.slice(s.apply("concat", [other, x], b), other.shape[0]!, x.shape[0]!), b);
    }
    case 17: {
      if (rank(x) === 0 || x.shape[0]! < 2) return s.apply("mul", [x, c(1)], b);
      const k = 1 + (step.picks[2]! % (x.shape[0]! - 1));
      return s.apply("concat", [s.g.slice(x, 0, k), s.g.slice(x, k, x.shape[0]! - k)], b);
    }
    default: {
      const [m, n] = [x.shape[0] ?? 1, x.shape[1] ?? 4];
      const outer = s.apply("outer", [c(step.value, [m]), c(0.1, [n])], Math.abs(step.value) * 0.1);
      return s.apply("sum", [outer], m * n * s.bound(outer));
    }
  }
}

function build(r: Recipe): GraphCase {
  const s = new Builder();
  const counts = new Map<string, number>();
  const vars = r.vars.map(({ kind, dims: [d0, d1] }) => {
    const role: Role = kind.startsWith("param") ? "param" : (kind as Role);
    const k = counts.get(role) ?? 0;
    counts.set(role, k + 1);
    const shape = kind === "param0" ? []
      : kind === "param2" ? [pick(r.dims, d0!), pick(r.dims, d1!)]
      : [pick(r.dims, d0!)];
    return s.note(s.g.variable(`${role[0]}${k}`, role, shape, role !== "param"), 2);
  });
  s.pool.push(...vars);
  for (const step of r.steps) {
    const made = applyStep(s, step);
    if (made && !s.pool.includes(made)) s.pool.push(made);
  }
  // The last non-constant node is always an output, so most of the steps are live.
  const last = [...s.pool].reverse().find((n) => n.op !== "const")!;
  const roots = [last, ...r.outputs.map((k) => pick(s.pool, k))];
  const unique = [...new Set(roots)];
  return { fn: { graph: s.g, outputs: unique.map((node, i) => ({ name: `y${i}`, node })) }, vars };
}

/** Random well-typed functions over a few params (rank 0–2) and per-batch inputs and states (rank 1). */
export function graphArb(options: GraphOptions = {}): fc.Arbitrary<GraphCase> {
  return recipe(options).map(build);
}

/** Values for `vars` with `batch` copies of each batched one, uniform in (-2, 2) and never exactly 0. */
export function varValues(vars: readonly Node[], batch: number): fc.Arbitrary<VarValues> {
  const arrays = vars.map((v) => floats((v.batched ? batch : 1) * sizeOf(v.shape), uniform(-2, 2)));
  return fc.tuple(...arrays).map((xs) => new Map(xs.map((x, i) => [varKey(vars[i]!), x])));
}

export interface GraphWithValues extends GraphCase {
  readonly batch: number;
  readonly values: VarValues;
}

/** A random graph together with a batch size in 1..3 and values for all its vars. */
export function graphWithValuesArb(options: GraphOptions = {}): fc.Arbitrary<GraphWithValues> {
  return graphArb(options).chain((c) =>
    fc.integer({ min: 1, max: 3 }).chain((batch) =>
      varValues(c.vars, batch).map((values) => describeCase({ ...c, batch, values })),
    ),
  );
}

export interface SeededGraph extends GraphWithValues {
  /** One seed cotangent var (role "seed") per output, shaped like it; their values are in `values`. */
  readonly seeds: readonly Node[];
}

/** A random graph with values, plus a random cotangent for each of its outputs. */
export function seededGraphArb(options: GraphOptions = {}): fc.Arbitrary<SeededGraph> {
  return graphWithValuesArb(options).chain((c) => {
    // Declaring is idempotent (interning), so replaying a case rebuilds nothing.
    const seeds = c.fn.outputs.map((o) => c.fn.graph.variable(`w:${o.name}`, "seed", o.node.shape, o.node.batched));
    return varValues(seeds, c.batch).map((ws) => describeCase({ ...c, seeds, values: new Map([...c.values, ...ws]) }));
  });
}

/** Counterexamples print as IR text plus var values instead of a dump of node objects. */
function describeCase<T extends GraphWithValues>(c: T): T {
  Object.defineProperty(c, fc.toStringMethod, {
    value: () =>
      `${printFn(c.fn)}\nbatch ${c.batch}\n${
        [...c.values].map(([k, v]) => `${k} = [${[...v].join(", ")}]`).join("\n")
      }`,
  });
  return c;
}

/**
 * The scalar objective L = Σ w ⊙ y (summed over the batch too when y is
 * per-batch), whose gradient is what vjp computes from the seed (y, w).
 */
export function contract(g: Graph, y: Node, w: Node): Node {
  const total = g.apply("sum", [g.apply("mul", [w, y])]);
  return total.batched ? g.apply("batchsum", [total]) : total;
}

/**
 * The value of `node` laid out like `like` (a var the gradient belongs to):
 * an unbatched value standing for every batch entry is repeated, a scalar
 * standing for a whole tensor is broadcast.
 */
export function valueLike(node: Node, value: Float64Array, like: Node, batch: number): Float64Array {
  const size = sizeOf(like.shape);
  const copies = like.batched ? batch : 1;
  const out = new Float64Array(copies * size);
  for (let b = 0; b < copies; b++) {
    for (let j = 0; j < size; j++)
      out[b * size + j] = value[(node.batched ? b * sizeOf(node.shape) : 0) + (node.shape.length === 0 ? 0 : j)]!;
  }
  return out;
}
