// spec/support — the writer of one random cell step for cells.ts: a Chooser
// that reads fast-check's stream of choices (0 always the simplest option),
// and the StepWriter that turns them into the text of well-typed
// expressions, consts, helper functions and next states, declaring the
// parameters and intrinsics they use (cells.ts says which values and
// functions it keeps in their smooth range, and why).

/** Reads choices in order; past the end every choice is 0, the simplest. */
export class Chooser {
  private at = 0;
  constructor(private readonly stream: readonly number[]) {}

  below(n: number): number {
    const v = this.stream[this.at++] ?? 0;
    return v % n;
  }

  /** An index into `weights`, drawn with those relative weights. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.below(1000) / 1000 * total;
    for (let i = 0; i < weights.length; i++) {
      if (r < weights[i]!) return i;
      r -= weights[i]!;
    }
    return 0;
  }

  oneOf<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

const literals = ["0.5", "2", "0.25", "1.5", "-0.75", "3"] as const;

export interface Shape {
  /** Input and state dimensions: "I", maybe "J"; "H", maybe "K". */
  readonly inputs: readonly { name: string; dim: string }[];
  readonly states: readonly { name: string; dim: string }[];
}

/** A helper function of the generated file. */
interface HelperText {
  readonly name: string;
  readonly arity: number;
  /** Its definition at the top level. */
  readonly definition: string;
  /** Its body with the arguments' texts (parenthesised) in place of the parameters: the call inlined by hand. */
  readonly inlined: (args: readonly string[]) => string;
}

/** An expression of a helper's body over its parameters (or what stands in for them). */
type Template = (slots: readonly string[]) => string;

/**
 * Builds one step's text; params are declared as expressions first need them.
 * With `inline`, every helper call is written as the helper's body instead, so
 * the same choices give the same cell without helpers.
 */
export class StepWriter {
  readonly params: { name: string; shape: string[] }[] = [];
  /** `declares`: the pattern a split binds, on its first part; its other parts have no text of their own. */
  readonly consts: { name: string; dim: string | undefined; text: string; declares?: string }[] = [];
  readonly intrinsics = new Set<string>();
  /** Inputs, states and consts some expression reads. */
  readonly used = new Set<string>();
  readonly helpers: HelperText[] = [];
  hasKinks = false;

  constructor(private readonly ch: Chooser, private readonly shape: Shape, private readonly inline: boolean) {}

  private use(fn: string): string {
    this.intrinsics.add(fn);
    return fn;
  }

  private dims(): string[] {
    return [...new Set([...this.shape.inputs, ...this.shape.states].map((v) => v.dim))];
  }

  /** A param of this shape: a fresh one, or (sometimes) one already declared, so gradients accumulate over uses. */
  private param(shape: string[]): string {
    const same = this.params.filter((p) => p.shape.join() === shape.join());
    if (same.length > 0 && this.ch.below(3) === 0) return this.ch.oneOf(same).name;
    const prefix = shape.length === 2 ? (shape[0] === shape[1] ? "U" : "W") : shape.length === 1 ? "b" : "s";
    const name = `${prefix}${this.params.length}`;
    this.params.push({ name, shape });
    return name;
  }

  /** A tensor already there: a state or input of this dim, an earlier const, or a bias. */
  private leaf(dim: string): string {
    const vars = [...this.shape.inputs, ...this.shape.states].filter((v) => v.dim === dim).map((v) => v.name);
    const consts = this.consts.filter((c) => c.dim === dim).map((c) => c.name);
    const k = this.ch.weighted([vars.length > 0 ? 4 : 0, consts.length > 0 ? 3 : 0, 1, 2]);
    if (k === 0) return this.read(this.ch.oneOf(vars));
    if (k === 1) return this.read(this.ch.oneOf(consts));
    if (k === 2) return this.param([dim]);
    const from = this.ch.oneOf(this.dims());
    const fromVars = [...this.shape.inputs, ...this.shape.states].filter((v) => v.dim === from).map((v) => v.name);
    return `${this.param([dim, from])} * ${this.read(this.ch.oneOf(fromVars))}`;
  }

  private read(name: string): string {
    this.used.add(name);
    return name;
  }

  /** Terms of dimension `dim` that read every input and const nothing has read yet, so no declaration is dead. */
  private leftovers(dim: string): string[] {
    const terms: string[] = [];
    for (const x of this.shape.inputs) {
      if (!this.used.has(x.name)) terms.push(`${this.param([dim, x.dim])} * ${this.read(x.name)}`);
    }
    for (const c of this.consts) {
      if (this.used.has(c.name)) continue;
      this.read(c.name);
      if (c.dim === undefined) terms.push(`${c.name} * ${this.param([dim])}`);
      else terms.push(c.dim === dim ? c.name : `${this.param([dim, c.dim])} * ${c.name}`);
    }
    return terms;
  }

  /** A vector expression of dimension `dim`, nested at most `depth` deep. */
  vector(dim: string, depth: number): string {
    if (depth <= 0) return this.leaf(dim);
    const sub = (d = dim) => this.vector(d, depth - 1);
    const forms = [
      () => this.leaf(dim),
      () => {
        const from = this.ch.oneOf(this.dims());
        const m = this.param([dim, from]);
        return this.ch.below(3) === 0 ? `${this.use("matmul")}(${m}, ${sub(from)})` : `${m} * (${sub(from)})`;
      },
      () => `(${sub()} ${this.ch.oneOf(["+", "-"])} ${sub()})`,
      () => (this.ch.below(3) === 0 ? `${this.use("hadamard")}(${sub()}, ${sub()})` : `(${sub()}) * (${sub()})`),
      () => `${this.use(this.ch.oneOf(["tanh", "sigmoid"]))}(${sub()})`,
      () => `${this.use("softplus")}(${sub()})`,
      () => `${this.use("exp")}(${this.use(this.ch.oneOf(["tanh", "sigmoid"]))}(${sub()}))`,
      () => this.ch.below(2) === 0
        ? `${this.use("log")}(${this.use("softplus")}(${sub()}) + 0.5)`
        : `${this.use("log")}(1 + ${this.use("sigmoid")}(${sub()}))`,
      () => this.ch.below(2) === 0
        ? `${this.use("sqrt")}(${this.use("softplus")}(${sub()}) + 0.5)`
        : `${this.use("sqrt")}(1 + ${this.use("sigmoid")}(${sub()}))`,
      () => this.ch.below(2) === 0
        ? `(${sub()}) / (1 + ${this.use("softplus")}(${sub()}))`
        : `(${sub()}) / (2 + ${this.use("tanh")}(${sub()}))`,
      () => `-(${sub()})`,
      () => {
        const k = this.ch.below(4);
        if (k === 0) return `${this.scalar(depth - 1)} * (${sub()})`;
        if (k === 1) return `(${sub()}) * ${this.ch.oneOf(literals)}`;
        if (k === 2) return `(${sub()}) + ${this.ch.oneOf(literals)}`;
        return `${this.ch.oneOf(literals)} - (${sub()})`;
      },
      () => this.kink(dim, depth),
      () => this.power(dim, depth),
      () => `${this.use(this.ch.oneOf(["silu", "gelu", "logSigmoid"]))}(${sub()})`,
      () => this.callHelper(dim, depth),
      () => this.rows(dim, depth),
      () => this.products(dim, depth),
    ];
    const weights = [2, 3, 3, 2, 3, 1, 1, 1, 1, 1, 1, 1.5, 0.25, 0.5, 0.5, this.helpers.length > 0 ? 1.5 : 0, 1, 0.75];
    return forms[this.ch.weighted(weights)]!();
  }

  /** Rows of something longer: a slice of a concatenation, of a product with a [2·dim, …] matrix, or a split. */
  private rows(dim: string, depth: number): string {
    const sub = (d = dim) => this.vector(d, depth - 1);
    const k = this.ch.below(3);
    if (k === 0) return `${this.use("slice")}(${this.use("concat")}(${sub()}, ${sub()}), "${dim}", "${dim}")`;
    if (k === 1) {
      const from = this.ch.oneOf(this.dims());
      const fused = this.param([`2*${dim}`, from]);
      return `${this.use("slice")}(${fused} * (${sub(from)}), ${this.ch.oneOf(["0", `"${dim}"`])}, "${dim}")`;
    }
    const text = `${this.use("split")}(${this.use("concat")}(${sub()}, ${sub()}), "${dim}", "${dim}")`;
    // Named after the consts its operands may have added.
    const [first, second] = [`q${this.consts.length}`, `r${this.consts.length}`];
    this.consts.push({ name: first, dim, text, declares: `[${first}, ${second}]` }, { name: second, dim, text: "" });
    return this.read(this.ch.oneOf([first, second]));
  }

  /**
   * A matrix built in the step times a vector: an outer product (stored for the product), a rank-1 update
   * s·(u vᵀ) + a bᵀ (computed row by row where it is used), the transpose of a parameter, or a matrix
   * product W·(u vᵀ).
   */
  private products(dim: string, depth: number): string {
    const sub = (d = dim) => this.vector(d, depth - 1);
    const from = this.ch.oneOf(this.dims());
    const k = this.ch.below(4);
    if (k === 0) return `${this.use("outer")}(${sub()}, ${sub(from)}) * (${sub(from)})`;
    // A matrix times a matrix: W·(u vᵀ), then times a vector.
    if (k === 3)
      return `(${this.param([dim, from])} * ${this.use("outer")}(${sub(from)}, ${sub(from)})) * (${sub(from)})`;
    if (k === 1) {
      const update = `${this.scalar(depth - 1)} * ${this.use("outer")}(${sub()}, ${sub(from)}) + ${
        this.use("outer")
      }(${sub()}, ${sub(from)})`;
      return `(${update}) * (${sub(from)})`;
    }
    return `${this.use("transpose")}(${this.param([from, dim])}) * (${sub(from)})`;
  }

  private kink(dim: string, depth: number): string {
    this.hasKinks = true;
    const sub = () => this.vector(dim, depth - 1);
    const k = this.ch.below(8);
    if (k === 5) return `${this.use("abs")}(${sub()})`;
    // Without alpha, with a number, or (elu) with a learned or computed scalar.
    if (k === 6) return `${this.use("leakyRelu")}(${sub()}${this.ch.oneOf(["", ", 0.2"])})`;
    if (k === 7) return `${this.use("elu")}(${sub()}${this.ch.below(2) === 0 ? "" : `, ${this.scalar(depth - 1)}`})`;
    if (k === 0) return `${this.use("relu")}(${sub()})`;
    if (k === 1) return `${this.use("hardSigmoid")}(${sub()})`;
    if (k === 2) return `${this.use("clip")}(${sub()}, -0.5, 0.5)`;
    return `${this.use(k === 3 ? "max" : "min")}(${sub()}, ${sub()})`;
  }

  /**
   * A helper of one or two vector parameters, an arrow function or a function
   * with a const: smooth activations, sums, products, centring (v − mean(v))
   * and calls of the helpers defined before it.
   */
  defineHelper(): void {
    const name = `f${this.helpers.length}`;
    const arity = 1 + this.ch.below(2);
    const params = Array.from({ length: arity }, (_, i) => `p${i}`);
    const depth = 1 + this.ch.below(2);
    if (this.ch.below(2) === 0) {
      const body = this.helperBody(arity, depth);
      const definition = `const ${name} = (${params.join(", ")}) => ${body(params)};`;
      this.helpers.push({ name, arity, definition, inlined: (args) => body(args) });
      return;
    }
    const value = this.helperBody(arity, depth);
    const result = this.helperBody(arity + 1, depth);
    const definition = [
      `function ${name}(${params.join(", ")}) {`,
      `  const t = ${value(params)};`,
      `  return ${result([...params, "t"])};`,
      `}`,
    ].join("\n");
    this.helpers.push({ name, arity, definition, inlined: (args) => result([...args, `(${value(args)})`]) });
  }

  private helperBody(slots: number, depth: number): Template {
    const sub = () => this.helperBody(slots, depth - 1);
    const k = depth <= 0 ? 0 : this.ch.below(7);
    if (k === 1) {
      const [fn, a] = [this.use(this.ch.oneOf(["tanh", "sigmoid", "softplus", "silu", "gelu", "logSigmoid"])), sub()];
      return (ps) => `${fn}(${a(ps)})`;
    }
    if (k === 2) {
      const [a, op, b] = [sub(), this.ch.oneOf(["+", "-"]), sub()];
      return (ps) => `(${a(ps)} ${op} ${b(ps)})`;
    }
    if (k === 3) {
      const [a, b] = [sub(), sub()];
      return (ps) => `(${a(ps)}) * (${b(ps)})`;
    }
    if (k === 4) {
      const [c, a] = [this.ch.oneOf(literals), sub()];
      return (ps) => `${c} * (${a(ps)})`;
    }
    if (k === 5) {
      const [mean, a] = [this.use("mean"), sub()];
      return (ps) => `(${a(ps)} - ${mean}(${a(ps)}))`;
    }
    if (k === 6 && this.helpers.length > 0) {
      const h = this.ch.oneOf(this.helpers);
      const args = Array.from({ length: h.arity }, sub);
      return (ps) => this.called(h, args.map((a) => a(ps)));
    }
    const slot = this.ch.below(slots);
    return (ps) => ps[slot]!;
  }

  /** A call of helper h on these argument texts, or (inlining) its body on them. */
  private called(h: HelperText, args: readonly string[]): string {
    return this.inline ? `(${h.inlined(args.map((a) => `(${a})`))})` : `${h.name}(${args.join(", ")})`;
  }

  private callHelper(dim: string, depth: number): string {
    const h = this.ch.oneOf(this.helpers);
    return this.called(h, Array.from({ length: h.arity }, () => this.vector(dim, depth - 1)));
  }

  /** square and pow, each where it is smooth and bounded; the exponent sometimes arithmetic on numbers. */
  private power(dim: string, depth: number): string {
    const sub = () => this.vector(dim, depth - 1);
    const k = this.ch.below(3);
    if (k === 0) return `${this.use("square")}(${sub()})`;
    if (k === 1) return `${this.use("pow")}(${this.use("tanh")}(${sub()}), ${this.ch.oneOf(["2", "3", "4"])})`;
    const c = this.ch.oneOf(["0.5", "1.5", "-0.5", "0.3", "-1.25", "2 * 0.75"]);
    return `${this.use("pow")}(1 + ${this.use("sigmoid")}(${sub()}), ${c})`;
  }

  /** A scalar (per batch element, or a parameter). */
  scalar(depth: number): string {
    const k = this.ch.weighted([2, 2, 2, 1, 1, 0.5]);
    if (k === 0) return this.ch.oneOf(literals);
    if (k === 1) return this.param([]);
    const dim = this.ch.oneOf(this.dims());
    const inner = this.vector(dim, Math.max(0, depth - 1));
    if (k === 2) return `${this.use("mean")}(${inner})`;
    if (k === 5) {
      // Kinked where the largest element changes.
      this.hasKinks = true;
      return `${this.use("maxOf")}(${inner})`;
    }
    if (k === 3) return `${this.use("tanh")}(${this.use("sum")}(${inner}))`;
    return `${this.use("sigmoid")}(${this.use("sum")}(${inner}))`;
  }

  /** A bounded next value for a state: squashed, or a gated mix with the old value. */
  next(state: { name: string; dim: string }, depth: number, readLeftovers: boolean): string {
    const body = [this.vector(state.dim, depth), ...(readLeftovers ? this.leftovers(state.dim) : [])].join(" + ");
    const k = this.ch.weighted([3, 1, 2, 1]);
    if (k === 0) return `${this.use("tanh")}(${body})`;
    if (k === 1) return `${this.use("sigmoid")}(${body})`;
    if (k === 2) {
      const gate = `g${this.consts.length}`;
      this.consts.push({
        name: gate, dim: state.dim, text: `${this.use("sigmoid")}(${this.vector(state.dim, depth - 1)})`,
      });
      this.used.add(gate);
      return `${gate} * ${this.read(state.name)} + (1 - ${gate}) * ${this.use("tanh")}(${body})`;
    }
    return `0.5 * ${this.read(state.name)} + 0.5 * ${this.use("tanh")}(${body})`;
  }
}
