// compiler — user errors as located diagnostics. In: a code from the table
// below, its arguments and a source range. Out: Diagnostic records, thrown
// together as one DiagnosticError, and their plain-text rendering.

import { escapeControls, excerpt } from "./excerpt.js";

// Hints that several codes share. Being joined with `+`, they are plain strings
// to TypeScript, so none may hold a placeholder (DiagnosticArgs would miss it).
const topLevelHint = 'a cell file holds imports from "rnnc" and cells: '
  + "export const NAME = cell({ input, state, params, step })";
const shapeHint = 'a shape is a dimension name like "H" (a vector), '
  + 'or an array of at most two dimensions like ["H", "I"]; [] is a scalar';
const initHint = 'init is "zeros", "ones", "glorot", "orthogonal", "embedding", a number, '
  + '{ kind: "uniform", low, high } or { kind: "normal", mean, std }';
const stepHint = "step: ({ x, h, W }) => { … }";
const modelHint = 'export const NAME = model({ input: { x: "I" }, layers: [lstm, bidirectional(gru, "concat")], '
  + 'readout: dense("O", "sigmoid") })';
const inputHint = 'input: { x: "I" } (vectors), or ids: { words: oneOfN("V", "E") }, '
  + '{ words: wordHash("T", "E", 12) } or both';
const layersHint = 'layers: [lstm, layer(gru, { H: "H2" }), bidirectional(lstm, "concat")]';

/**
 * Every message a user can see, keyed by code: one message template and, where
 * the fix does not depend on where the error is, one hint template. `{0}`,
 * `{1}` are replaced by the arguments of `diagnostic()`, the same for message
 * and hint: names, numbers, shapes, the offending text, a syntax kind in the
 * user's words (describe.ts) — never a clause, so each sentence is written
 * here once. A call site passes its own hint only where the advice depends on
 * more than the arguments (the cell's states, the name's imports).
 *
 * Codes are stable: tools and tests match on them, so a retired code is
 * never reused (see retiredCodes). RNNC100 remains for syntax the DSL does
 * not have, named by kind; RNNC102's second argument is the shape rule's own
 * explanation (compiler/ir/shape.ts), RNNC227's third the size parser's
 * (compiler/ir/size.ts); RNNC110's is TypeScript's parser message.
 * Each message is one string literal, so that DiagnosticArgs can count its
 * placeholders; new codes go at the end, in their group or a new one.
 */
export const diagnosticMessages = {
  // The first codes, in the order they came.
  RNNC100: { message: "unsupported syntax: {0}" },
  RNNC101: { message: "unknown identifier '{0}'" },
  RNNC102: { message: "shape mismatch in {0}: {1}" },
  RNNC103: { message: "state '{0}' gets no next value", hint: "add {0}: … to the returned object" },
  RNNC104: { message: "dimension '{0}' is not bound", hint: "bind it when compiling: --dims {0}=128" },
  RNNC105: {
    message: "cannot assign to '{0}': a {1} only computes values and returns {2}",
    hint: "bind a new name instead: const next = …",
  },
  RNNC106: { message: "unknown function '{0}'" },
  RNNC107: {
    message: "cannot pick a cell: the file defines several cells or models ({0})",
    hint: "choose one with --cell NAME",
  },
  RNNC109: { message: "'{0}' is not a state of cell '{1}'" },
  RNNC110: { message: "syntax error: {0}" },
  RNNC111: { message: "wrong number of arguments to {0}: expected {1} ({2}), got {3}" },
  RNNC114: {
    message: "cannot find cell '{0}': this file defines no cell by that name",
    hint: "define it here or import it",
  },
  RNNC115: {
    message: "output '{0}' gets no value",
    hint: "add {0}: … to the returned object (it is a declared output)",
  },
  RNNC116: { message: "numeric literal {0} is out of range: it overflows f32 (largest finite value about 3.4e38)" },
  RNNC117: {
    message: "bad initialiser for '{0}': expected a name, a number or { kind, … }, got {1}",
    hint: initHint,
  },
  RNNC118: { message: "nested too deeply: more than {0} levels of brackets, operators or consts built on consts" },
  // The file and its top level.
  RNNC119: { message: "the file defines no cells", hint: topLevelHint },
  RNNC120: { message: "the file defines no cell or model named '{0}' (it defines {1})" },
  RNNC121: { message: "unsupported syntax at the top level: {0}", hint: topLevelHint },
  RNNC122: { message: "top-level declaration '{0}' is not a cell or a model", hint: topLevelHint },
  RNNC123: { message: "a {0} must be declared with export const", hint: "export const NAME = {0}({ … })" },
  RNNC124: { message: "cannot import \"rnnc\" as '{0}'", hint: 'import by name: import { cell, sigmoid } from "rnnc"' },
  RNNC125: { message: "the module name of an import must be a string literal, got {0}" },
  // A cell's declarations: cell({ input, state, params, output, step }).
  RNNC126: { message: "cell() takes one object literal { input, state, params, step }, got {0}" },
  RNNC127: {
    message: "a cell's properties are written name: value, got {0}",
    hint: "write input, state, params and step inline",
  },
  RNNC128: { message: "cell property '{0}' is given twice" },
  RNNC129: { message: "{0} must be an object literal { name: shape }", hint: shapeHint },
  RNNC130: {
    message: "unknown cell property '{0}'",
    hint: "a cell has input, state, params, step and optionally output",
  },
  RNNC131: { message: "cell '{0}' declares no state", hint: 'declare at least one state: state: { h: "H" }' },
  RNNC132: { message: "cell '{0}' has no step", hint: "add step: ({ x, h, W }) => ({ h: … })" },
  RNNC133: {
    message: "{0} entries are written name: shape (a parameter may also be written name: { shape, init })",
    hint: shapeHint,
  },
  RNNC134: { message: "a tensor name must be an identifier, got {0}" },
  RNNC135: {
    message: "'{0}' is declared twice (as {1} and as {2})",
    hint: "each input, state and parameter needs its own name",
  },
  RNNC136: { message: "the shape of '{0}' is not a dimension name or an array of dimensions", hint: shapeHint },
  RNNC137: { message: "'{0}' has rank {1}; tensors have rank 0, 1 or 2", hint: shapeHint },
  RNNC138: {
    message: "a dimension of '{0}' must be a name like \"H\" or a positive integer up to 2^31 − 1, got {1}",
    hint: shapeHint,
  },
  // Initialisers: params: { W: { shape, init } }.
  RNNC139: {
    message: "only parameters have an initialiser; '{0}' is declared under {1}",
    hint: "{1} entries are written name: shape",
  },
  RNNC140: { message: "unknown initialiser \"{1}\" for '{0}'", hint: initHint },
  RNNC141: { message: "\"{1}\" initialises a matrix, but '{0}' has rank {2}", hint: initHint },
  RNNC142: { message: "the initialiser of '{0}' needs kind \"constant\", \"uniform\" or \"normal\"", hint: initHint },
  RNNC143: { message: "the {1} initialiser of '{0}' has {2}, not {3}", hint: initHint },
  RNNC144: { message: "{1} in the initialiser of '{0}' must be a number", hint: initHint },
  RNNC145: { message: "the uniform initialiser of '{0}' needs low below high, got {1} and {2}", hint: initHint },
  RNNC146: { message: "the normal initialiser of '{0}' needs a positive std, got {1}", hint: initHint },
  // The step function and its statements.
  RNNC147: { message: "step must be a function, got {0}", hint: stepHint },
  RNNC148: { message: "a step cannot be {0}", hint: `write a plain function: ${stepHint}` },
  RNNC149: {
    message: "the step takes one parameter, got {0}",
    hint: "the step takes one object pattern: ({ x, h, W }) =>",
  },
  RNNC150: {
    message: "the step's parameter must be an object pattern, got {0}",
    hint: "name the tensors the step uses: ({ x, h, W }) =>",
  },
  RNNC151: {
    message: "unsupported syntax in the step parameter: {0}",
    hint: "name each tensor the step uses: ({ x, h, W }) =>",
  },
  RNNC152: { message: "unreachable statement after the return", hint: "the return ends the step or the helper" },
  RNNC153: { message: "return without a value" },
  RNNC154: { message: "the step must return an object literal, got {0}" },
  RNNC155: { message: "unsupported syntax in the returned object: {0}" },
  RNNC156: { message: "'{0}' is returned twice" },
  RNNC157: {
    message: "a {1} declares its values with const, not {0}",
    hint: "values never change within a {1}: use const",
  },
  RNNC158: { message: "destructuring declaration: each const of a {0} binds one name" },
  RNNC159: { message: "'{0}' is already declared in this {1}", hint: "choose a new name for the new value" },
  RNNC160: { message: "const '{0}' has no value", hint: "give it one: const {0} = …" },
  RNNC161: { message: "the value of this statement is discarded", hint: "bind it with const, or return it" },
  // Expressions.
  RNNC162: { message: "unsupported operator '{0}'" },
  RNNC163: { message: "the intrinsic '{0}' is used as a value", hint: "call it: {0}(…)" },
  RNNC164: { message: "cannot call `{0}`: a step calls only intrinsics imported from \"rnnc\", by name" },
  RNNC165: {
    message: "shape mismatch in `*`: {0} times {1} is not defined: `*` multiplies a matrix only by a vector or a matrix on its right",
    hint: "W * x is the matrix-vector product; for an elementwise product of equal shapes write hadamard(a, b)",
  },
  RNNC166: { message: "shape mismatch in {0} '{1}': the step returns {2} but it is declared {3}" },
  // Models: model({ input, layers, readout }).
  RNNC167: { message: "model() takes one object literal { input, layers, readout }", hint: modelHint },
  RNNC168: { message: "a model's properties are written name: value, got {0}", hint: modelHint },
  RNNC169: { message: "unknown model property '{0}'", hint: "a model has input, layers and readout" },
  RNNC170: { message: "model '{0}' has no input", hint: inputHint },
  RNNC171: { message: "model '{0}' has no layers", hint: modelHint },
  RNNC172: { message: "layers is a non-empty array of cells, layer(…) and bidirectional(…)", hint: modelHint },
  RNNC173: { message: "model inputs are written name: shape or name: encoding(…)", hint: inputHint },
  RNNC174: { message: "model input '{0}' is not a dimension or an encoding", hint: inputHint },
  RNNC175: {
    message: "model input '{0}' must be oneOfN(ROWS, DIM) or wordHash(ROWS, DIM, SLOTS)",
    hint: 'ROWS and DIM are names or positive integers up to 2^31 − 1, SLOTS a number: wordHash("T", "E", 12)',
  },
  RNNC176: { message: "a dense input cannot be combined with other inputs", hint: inputHint },
  RNNC177: {
    message: "readout is dense(SIZE, ACTIVATION) with ACTIVATION one of {0}",
    hint: 'readout: dense("O", "sigmoid")',
  },
  RNNC178: { message: "a layer names a cell, got {0}", hint: layersHint },
  RNNC179: { message: "layer dimensions are an object like { H: \"H2\" } or { H: 64 }, got {0}" },
  RNNC180: { message: "a layer dimension is a name like \"H2\" or a positive integer up to 2^31 − 1, got {0}" },
  RNNC181: { message: "bidirectional layers merge by \"concat\" or \"sum\", got {0}" },
  RNNC182: { message: "{0}(…) is not a layer here", hint: layersHint },
  RNNC183: { message: "cell '{0}' is a layer, so it needs exactly one input declared as a vector like { x: \"I\" }" },
  RNNC184: { message: "the output of cell '{0}' must be a vector to feed the next layer" },
  RNNC185: { message: "cannot find cell '{0}': {1} defines no cell by that name (it defines {2})" },
  RNNC186: { message: "cannot find cell '{0}': cannot read {1}" },
  // Literals.
  RNNC187: {
    message: "numeric literal {0} is out of range: it underflows f32 (smallest normal value about 1.2e-38)",
    hint: "write 0 if zero is meant",
  },
  // Arguments of intrinsics.
  RNNC220: {
    message: "{0} takes a constant exponent: a number, or arithmetic on numbers",
    hint: "for an exponent that varies, write exp(c * log(x)) (x > 0)",
  },
  // Helper functions: function name(a, b) { … } or const name = (a, b) => … at the top level.
  RNNC221: {
    message: "helper '{0}' must be a plain function of tensors; {1} is not allowed",
    hint: "function {0}(a, b) { const t = …; return …; }",
  },
  RNNC222: {
    message: "helper '{0}' is recursive: {1}",
    hint: "helpers are inlined when the file is read, so every chain of calls must end; write the steps out",
  },
  RNNC223: {
    message: "a function defined inside a {0} would close over its values",
    hint: "define it at the top level of the file, and pass it the tensors it reads: function f(a, b) { … }",
  },
  RNNC224: { message: "helper '{0}' returns no value", hint: "end it with return …" },
  RNNC225: {
    message: "helper calls nested more than {0} deep",
    hint: "call fewer helpers within helpers; a chain this long is better written as fewer, wider helpers",
  },
  RNNC226: {
    message: "'{0}' is defined twice at the top level (as {1} and as {2})",
    hint: "a helper needs a name of its own, distinct from the imports, cells and models",
  },
  // Sizes, slices and concatenation.
  RNNC227: {
    message: "a dimension of '{0}' is not a size, got {1}: {2}",
    hint: 'a size is a dimension name, a positive integer, or a sum of their multiples: "H", 3, "4*H", "H+I"',
  },
  RNNC228: {
    message: "{0} takes sizes after the tensor: a whole number or a size string, got {1}",
    hint: 'a size is a whole number or a string like "H" or "2*H"; only a start may be 0: slice(z, 0, "H")',
  },
  RNNC229: { message: "{0} returns several tensors, not one" },
  RNNC230: {
    message: "the pattern names {0} tensors, but the call returns {1}",
    hint: "one name per part; a hole skips one: const [, f] = split(…)",
  },
} as const satisfies Record<`RNNC${number}`, { message: string; hint?: string }>;

/**
 * Codes that no longer exist and must never come back, with where their
 * messages went, for the docs and for tools that matched on them.
 */
export const retiredCodes = {
  RNNC108: "bad declaration: now RNNC126–RNNC138 (a cell's declarations), "
    + "RNNC147, RNNC156, RNNC159, RNNC160 (its step)",
  RNNC112: "a dimension bound to a size that is not a positive integer: compileCell refuses it as a BuildError",
  RNNC113: "bad model: now RNNC167–RNNC184",
} as const;

export type DiagnosticCode = keyof typeof diagnosticMessages;

type Entry<C extends DiagnosticCode> = (typeof diagnosticMessages)[C];
type HintOf<C extends DiagnosticCode> = Entry<C> extends { hint: infer H extends string } ? H : "";
/** The indices N of every `{N}` in a template (split at each `{`, so literal braces do no harm). */
type Placeholders<S extends string> = S extends `${string}{${infer After}`
  ? (After extends `${infer N extends number}}${string}` ? N : never) | Placeholders<After>
  : never;
type Tuple<Indices, Args extends (string | number)[] = []> = [Indices] extends [never]
  ? Args
  : Tuple<Exclude<Indices, Args["length"]>, [...Args, string | number]>;
/** One argument per placeholder of the code's message and hint: a wrong count is a type error. */
export type DiagnosticArgs<C extends DiagnosticCode> = Tuple<
  Placeholders<Entry<C>["message"]> | Placeholders<HintOf<C>>
>;

/** One user error, with a 1-based position. Line 0 means the file as a whole. */
export interface Diagnostic {
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
  /** Characters marked from `column`; may run past the end of `sourceLine`. */
  length: number;
  /** The text of line `line`, without its line break. */
  sourceLine: string;
  /** A suggestion of what to write instead, printed under the source line. */
  hint?: string;
  /** Other places the error passes through, innermost first: the calls of the helper it is in. */
  notes?: Note[];
}

/** A place a diagnostic also points at, with what it is. */
export interface Note {
  message: string;
  at: SourceSpan;
}

/** The note of a call of helper `name` that a diagnostic inside the helper came through. */
export function callNote(name: string, at: SourceSpan): Note {
  return { message: `in this call of '${name}'`, at };
}

/** Where a diagnostic points: everything of a Diagnostic but what it says. */
export type SourceSpan = Pick<Diagnostic, "file" | "line" | "column" | "length" | "sourceLine">;

/** Thrown by a stage to report user errors; the driver prints them and exits 1. */
export class DiagnosticError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
    this.name = "DiagnosticError";
  }
}

/** The diagnostic `code` with its arguments at `at`; `hint` replaces the code's own hint, if it has one. */
export function diagnostic<C extends DiagnosticCode>(
  code: C, args: DiagnosticArgs<C>, at: SourceSpan, hint?: string,
): Diagnostic {
  const entry: { message: string; hint?: string } = diagnosticMessages[code];
  const values = args as readonly (string | number)[];
  const fill = (template: string) => template.replace(/\{(\d+)\}/g, (_, i: string) => String(values[Number(i)] ?? ""));
  const advice = hint ?? (entry.hint === undefined ? undefined : fill(entry.hint));
  return { code, message: fill(entry.message), ...at, ...(advice === undefined ? {} : { hint: advice }) };
}

/** A span for diagnostics about a file as a whole (a missing cell, say). */
export function wholeFile(file: string): SourceSpan {
  return { file, line: 0, column: 0, length: 0, sourceLine: "" };
}

/** Maps offsets of one source text to spans; built once per file. */
export class SourceText {
  private readonly lineStarts: number[] = [0];
  private readonly lines: string[];

  constructor(readonly file: string, readonly text: string) {
    this.lines = text.split(/\r?\n|\r/);
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) this.lineStarts.push(i + 1);
    }
  }

  span(start: number, end: number): SourceSpan {
    let line = 0;
    while (line + 1 < this.lineStarts.length && this.lineStarts[line + 1]! <= start) line++;
    return {
      file: this.file,
      line: line + 1,
      column: start - this.lineStarts[line]! + 1,
      length: Math.max(0, end - start),
      sourceLine: this.lines[line] ?? "",
    };
  }
}

export interface FormatOptions {
  /** ANSI colours, for terminals only. */
  color?: boolean;
}

/**
 * Renders like tsc's pretty output:
 *   file:line:col - error CODE: message
 *     line | source text
 *          |      ^^^^^^
 */
export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}): string {
  const paint = (ansi: string, s: string) => (options.color ? `\x1b[${ansi}m${s}\x1b[0m` : s);
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const out = [
    `${escapeControls(where)} - ${paint("31", "error")} ${paint("90", d.code)}: ${escapeControls(d.message)}`,
  ];
  const gutter = " ".repeat(String(d.line).length);
  if (d.line > 0) out.push(...quote(d, (s) => paint("31", s)));
  if (d.hint !== undefined) out.push(`  ${d.line > 0 ? gutter : ""} = hint: ${escapeControls(d.hint)}`);
  for (const note of d.notes ?? []) {
    const at = escapeControls(`${note.at.file}:${note.at.line}:${note.at.column}`);
    out.push(`  ${at} - ${paint("36", "note")}: ${escapeControls(note.message)}`);
    out.push(...quote(note.at, (s) => paint("36", s)).map((line) => `  ${line}`));
  }
  return out.join("\n");
}

/** The source line of `at` and, under it, carets marking the range. */
function quote(at: SourceSpan, paintCarets: (s: string) => string): string[] {
  const gutter = " ".repeat(String(at.line).length);
  const quoted = excerpt(at.sourceLine, at.column, at.length);
  // Keep tabs in the indent so the carets line up with the text above them.
  const indent = quoted.text.slice(0, quoted.caretStart).replace(/[^\t]/g, " ");
  const carets = paintCarets("^".repeat(quoted.caretLength));
  return [`  ${at.line} | ${quoted.text}`.trimEnd(), `  ${gutter} | ${indent}${carets}`];
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: FormatOptions = {}): string {
  return diagnostics.map((d) => formatDiagnostic(d, options)).join("\n\n");
}
