// compiler/ir — sizes of a shape before the dimensions are bound: a dimension
// name ("H"), a positive integer, or a sum of their positive multiples ("4*H",
// "H+I", "2*H+1"). In: the text a cell declares, or sizes to add. Out: one
// canonical spelling per size (names sorted, multiples folded: "H+H+H+H" and
// "4*H" are the same string), so that shape rules compare sizes with ===, and
// the number a size stands for once the dimensions are bound.

/** A size as a linear form: constant + Σ coefficient · dimension. */
interface Linear {
  readonly constant: number;
  readonly terms: ReadonlyMap<string, number>;
}

const name = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const integer = /^[0-9]+$/;

export function isDimName(size: number | string): size is string {
  return typeof size === "string" && name.test(size);
}

function linearOf(size: number | string): Linear {
  if (typeof size === "number") return { constant: size, terms: new Map() };
  const parsed = parseLinear(size);
  if (typeof parsed === "string") throw new Error(`size '${size}' is not canonical: ${parsed}`);
  return parsed;
}

/** The canonical size of a linear form: a number when it names no dimension. */
function canonical({ constant, terms }: Linear): number | string {
  const names = [...terms.keys()].filter((n) => terms.get(n) !== 0).sort();
  if (names.length === 0) return constant;
  const parts = names.map((n) => (terms.get(n) === 1 ? n : `${terms.get(n)}*${n}`));
  return constant === 0 ? parts.join("+") : `${parts.join("+")}+${constant}`;
}

/** "3*H+I+2" as a linear form, or why the text is not a size. */
function parseLinear(text: string): Linear | string {
  const terms = new Map<string, number>();
  let constant = 0;
  for (const term of text.split("+").map((t) => t.trim())) {
    if (term === "") return "a '+' needs a size on each side";
    const factors = term.split("*").map((f) => f.trim());
    let coefficient = 1;
    let dim: string | undefined;
    for (const factor of factors) {
      if (integer.test(factor)) coefficient *= Number(factor);
      else if (name.test(factor)) {
        if (dim !== undefined) return `${dim}*${factor} multiplies two dimensions; a size is linear in them`;
        dim = factor;
      } else return factor === ""
        ? "a '*' needs a factor on each side"
        : `'${factor}' is neither a dimension name nor an integer`;
    }
    if (!Number.isSafeInteger(coefficient)) return `${term} is too large`;
    if (coefficient === 0) return `${term} is zero`;
    if (dim === undefined) constant += coefficient;
    else terms.set(dim, (terms.get(dim) ?? 0) + coefficient);
  }
  return { constant, terms };
}

/** The canonical spelling of a declared size, or why it is not one. */
export function parseSize(text: string): { size: number | string } | { problem: string } {
  const parsed = parseLinear(text);
  return typeof parsed === "string" ? { problem: parsed } : { size: canonical(parsed) };
}

/** The dimension names a size uses, in canonical order. */
export function dimNamesOf(size: number | string): string[] {
  return [...linearOf(size).terms.keys()].sort();
}

/** a + b, symbolically where either names a dimension. */
export function addSizes<D extends number | string>(a: D, b: D): D {
  if (typeof a === "number" && typeof b === "number") return (a + b) as D;
  const [x, y] = [linearOf(a), linearOf(b)];
  const terms = new Map(x.terms);
  for (const [n, c] of y.terms) terms.set(n, (terms.get(n) ?? 0) + c);
  return canonical({ constant: x.constant + y.constant, terms }) as D;
}

/**
 * Whether a ≤ b for every binding of the dimensions to positive integers:
 * b − a has no negative coefficient and is nonnegative with every dimension 1.
 */
export function sizeAtMost(a: number | string, b: number | string): boolean {
  const [x, y] = [linearOf(a), linearOf(b)];
  const names = new Set([...x.terms.keys(), ...y.terms.keys()]);
  let atOnes = y.constant - x.constant;
  for (const n of names) {
    const difference = (y.terms.get(n) ?? 0) - (x.terms.get(n) ?? 0);
    if (difference < 0) return false;
    atOnes += difference;
  }
  return atOnes >= 0;
}

/** The number a size stands for with its dimensions bound (each name in `bound`). */
export function evaluateSize(size: number | string, bound: Readonly<Record<string, number>>): number {
  if (typeof size === "number") return size;
  const { constant, terms } = linearOf(size);
  let total = constant;
  for (const [n, c] of terms) {
    const value = bound[n];
    if (value === undefined) throw new Error(`size '${size}': dimension '${n}' is not bound`);
    total += c * value;
  }
  return total;
}
