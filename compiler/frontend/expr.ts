// compiler/frontend — checks one expression of a step. In: a ts-morph
// expression and the names in scope. Out: a checked Expr tree (symbolic
// shapes, sugar broken down), or undefined after reporting why not. A node
// whose operand failed is not checked itself, so one mistake is one message.

import { Node as TsNode, SyntaxKind } from "./ts-morph.js";
import type { CallExpression, BinaryExpression, Identifier } from "ts-morph";
import {
  inferShape,
  scalarSemantics,
  ShapeError,
  formatShape,
  type Dim,
  type Op,
  type Shape,
  type SliceArg,
} from "../ir/index.js";
import { parseSize } from "../ir/size.js";
import type { SourceSpan } from "../diagnostics.js";
import { intrinsicNames, intrinsics, isIntrinsic, type Intrinsic, type OpBuilder } from "./intrinsics.js";
import type { Reporter } from "./report.js";
import type { DeclRole, Expr } from "./syntax.js";
import { describeSyntax, hintForSyntax } from "./describe.js";
import { numericValue } from "./literals.js";
import { maxNesting } from "./nesting.js";

export interface DeclInfo {
  role: DeclRole;
  /** undefined when the declaration itself was reported as bad. */
  shape: readonly (string | number)[] | undefined;
}

export interface Scope {
  readonly reporter: Reporter;
  readonly cellName: string;
  /** Every tensor the cell declares, whether or not the step destructures it. */
  readonly declared: ReadonlyMap<string, DeclInfo>;
  /** Local name → name exported by "rnnc", for the file's imports from "rnnc". */
  readonly imports: ReadonlyMap<string, string>;
  /** Names usable here; undefined marks a name whose definition was reported. */
  readonly values: Map<string, Expr | undefined>;
  /** Every const of the step body, to tell "declared later" from "unknown". */
  readonly stepConsts: ReadonlySet<string>;
  /** The file's helper functions. */
  readonly helpers: Helpers;
  /** The helper whose body this is, or undefined in a step. */
  readonly helper: string | undefined;
}

/** What diagnostics call the body a scope checks (a step or a helper), and what its return gives. */
export function bodyWords(scope: Scope): { readonly kind: string; readonly returns: string } {
  return scope.helper === undefined
    ? { kind: "step", returns: "the next states" }
    : { kind: "helper", returns: "its value" };
}

/** The helper functions of a file (helpers.ts), as an expression calls them. */
export interface Helpers {
  has(name: string): boolean;
  /** The helper's body checked with its parameters bound to `args`: its value here, or undefined after reporting. */
  call(name: string, call: CallExpression, args: readonly (Expr | undefined)[], caller: Scope): Expr | undefined;
}

const elementwiseOperators: Partial<Record<SyntaxKind, Op>> = {
  [SyntaxKind.PlusToken]: "add",
  [SyntaxKind.MinusToken]: "sub",
  [SyntaxKind.SlashToken]: "div",
};

export function isAssignment(node: TsNode): boolean {
  if (TsNode.isBinaryExpression(node)) {
    const kind = node.getOperatorToken().getKind();
    return kind >= SyntaxKind.FirstAssignment && kind <= SyntaxKind.LastAssignment;
  }
  if (TsNode.isPrefixUnaryExpression(node) || TsNode.isPostfixUnaryExpression(node)) {
    const op = node.getOperatorToken();
    return op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken;
  }
  return false;
}

export function lowerExpr(node: TsNode, scope: Scope): Expr | undefined {
  const r = scope.reporter;
  if (TsNode.isParenthesizedExpression(node)) return lowerExpr(node.getExpression(), scope);
  if (TsNode.isNumericLiteral(node)) return literalOf(numericValue(node, r), r.spanOf(node));
  if (TsNode.isIdentifier(node)) return lowerIdentifier(node, scope);
  if (isAssignment(node)) return reportAssignment(node, scope);
  if (TsNode.isPrefixUnaryExpression(node)) {
    const operand = node.getOperand();
    const op = node.getOperatorToken();
    if (op === SyntaxKind.PlusToken) return lowerExpr(operand, scope);
    if (op === SyntaxKind.MinusToken) {
      // A negative number is a literal, not an operation on one.
      if (TsNode.isNumericLiteral(operand)) return literalOf(numericValue(operand, r, true, node), r.spanOf(node));
      return builder(scope, r.spanOf(node), "unary `-`").apply("neg", [lowerExpr(operand, scope)]);
    }
    r.error("RNNC162", [node.getText().slice(0, 1)], node);
    return undefined;
  }
  if (TsNode.isBinaryExpression(node)) return lowerBinary(node, scope);
  if (TsNode.isCallExpression(node)) return lowerCall(node, scope);
  if (TsNode.isArrowFunction(node) || TsNode.isFunctionExpression(node)) {
    r.error("RNNC223", [scope.helper === undefined ? "step" : "helper"], node);
    return undefined;
  }
  r.error("RNNC100", [describeSyntax(node)], node, hintForSyntax(node));
  return undefined;
}

function literal(value: number, at: SourceSpan, shape: Shape<Dim> = []): Expr {
  return { kind: "literal", value, shape, at };
}

/** The number a scalar tree of literals and elementwise ops stands for (`2 * 0.75`, a const bound to one). */
function constantOf(e: Expr): number | undefined {
  if (e.shape.length > 0) return undefined;
  if (e.kind === "literal") return e.value;
  if (e.kind !== "apply" || !Object.hasOwn(scalarSemantics, e.op)) return undefined;
  const values = e.args.map(constantOf);
  if (values.some((v) => v === undefined)) return undefined;
  return (scalarSemantics[e.op as keyof typeof scalarSemantics] as (...xs: number[]) => number)(
    ...(values as number[]),
  );
}

/** A literal whose value was reported as out of range is undefined, like any failed operand. */
function literalOf(value: number | undefined, at: SourceSpan): Expr | undefined {
  return value === undefined ? undefined : literal(value, at);
}

/**
 * Checks ops at one source range, labelled `what` in messages; `args` are the call's tensor arguments, where it
 * is one, and `sizes` its size arguments.
 */
function builder(
  scope: Scope,
  at: SourceSpan,
  what: string,
  args: readonly { expr: Expr; at: SourceSpan }[] = [],
  sizes: readonly Dim[] = [],
): OpBuilder {
  const mismatch = (message: string) => {
    scope.reporter.error("RNNC102", [what, message], at);
    return undefined;
  };
  const apply = (op: Op, args: readonly (Expr | undefined)[], slice?: SliceArg<Dim>): Expr | undefined => {
      if (args.some((a) => a === undefined)) return undefined;
      const operands = args as Expr[];
      const shape = inferShape(op, operands.map((a) => a.shape), slice);
      if (shape instanceof ShapeError) return mismatch(shape.message);
      const depth = 1 + Math.max(0, ...operands.map((a) => (a.kind === "apply" ? a.depth : 0)));
      if (depth > maxNesting) {
        // Consts built on consts nest without brackets; everything after the frontend recurses on this depth.
        scope.reporter.error(
          "RNNC118",
          [maxNesting],
          at,
          "a chain of consts this long is better written as fewer, wider steps",
        );
        return undefined;
      }
      return { kind: "apply", op, args: operands, shape, at, depth, ...(slice ? { slice } : {}) };
  };
  return {
    apply: (op, args) => apply(op, args),
    slice: (x, start, rows) => apply("slice", [x], { start, rows }),
    sizes,
    mismatch,
    literal: (value, shape) => literal(value, at, shape),
    inverseSize: (x) => ({ kind: "inverseSize", of: x.shape, shape: [], at }),
    constantArgument(index) {
      const arg = args[index]!;
      const value = constantOf(arg.expr);
      if (value === undefined) scope.reporter.error("RNNC220", [what], arg.at);
      return value;
    },
  };
}

export function lowerIdentifier(node: Identifier, scope: Scope): Expr | undefined {
  const name = node.getText();
  if (scope.values.has(name)) return scope.values.get(name);
  const r = scope.reporter;
  const imported = scope.imports.get(name);
  if (imported !== undefined && isIntrinsic(imported)) {
    r.error("RNNC163", [name], node);
  } else if (scope.helpers.has(name)) {
    r.error("RNNC101", [name], node, `'${name}' is a helper function: call it, ${name}(…)`);
  } else if (scope.helper !== undefined && !isIntrinsic(name)) {
    const hint = `helper '${scope.helper}' sees only its parameters and consts: pass '${name}' to it`;
    r.error("RNNC101", [name], node, hint);
  } else if (scope.declared.has(name)) {
    r.error(
      "RNNC101",
      [name],
      node,
      `'${name}' is declared by cell '${scope.cellName}'; add it to the step's parameter: ({ …, ${name} }) =>`,
    );
  } else if (scope.stepConsts.has(name)) {
    r.error("RNNC101", [name], node, `'${name}' is declared later in the step; move its const above this use`);
  } else if (isIntrinsic(name)) {
    r.error("RNNC101", [name], node, importHint(name));
  } else {
    r.error("RNNC101", [name], node);
  }
  return undefined;
}

function importHint(name: string): string {
  return `intrinsics must be imported: import { ${name} } from "rnnc"`;
}

const roleWords: Record<DeclRole, string> = {
  input: "an input", state: "a state", param: "a parameter", output: "an output",
};

function reportAssignment(node: TsNode, scope: Scope): undefined {
  const target = TsNode.isBinaryExpression(node)
    ? node.getLeft()
    : TsNode.isPrefixUnaryExpression(node) || TsNode.isPostfixUnaryExpression(node)
      ? node.getOperand()
      : node;
  const name = target.getText();
  // A declared tensor's role says what to write instead; anything else gets the code's own hint.
  const role = TsNode.isIdentifier(target) ? scope.declared.get(name)?.role : undefined;
  const instead = role === "state" || role === "output"
    ? `return its next value instead: return { ${name}: … }`
    : "bind a new name instead: const next = …";
  const hint = role === undefined ? undefined : `'${name}' is ${roleWords[role]}; ${instead}`;
  scope.reporter.error("RNNC105", [name, bodyWords(scope).kind, bodyWords(scope).returns], node, hint);
  return undefined;
}

function lowerBinary(node: BinaryExpression, scope: Scope): Expr | undefined {
  const r = scope.reporter;
  const operator = node.getOperatorToken();
  const kind = operator.getKind();
  const isStar = kind === SyntaxKind.AsteriskToken;
  const op = elementwiseOperators[kind];
  if (!isStar && op === undefined) {
    const hint =
      kind === SyntaxKind.AsteriskAsteriskToken
        ? "write square(x), pow(x, c) for a number c, or exp(y * log(x))"
        : undefined;
    r.error("RNNC162", [operator.getText()], operator, hint);
    return undefined;
  }
  const left = lowerExpr(node.getLeft(), scope);
  const right = lowerExpr(node.getRight(), scope);
  if (!left || !right) return undefined;
  const at = r.spanOf(node);
  const b = builder(scope, at, `\`${operator.getText()}\``);
  if (!isStar) return b.apply(op!, [left, right]);
  // `*` follows the notation of the literature: W·x for a matrix and a
  // vector, elementwise otherwise. Anything else has no single reading.
  const [ra, rb] = [left.shape.length, right.shape.length];
  if (ra === 2 && rb === 1) return b.apply("matvec", [left, right]);
  if (ra === 2 && rb === 2) return b.apply("matmul", [left, right]);
  if (ra === 0 || rb === 0 || (ra === 1 && rb === 1)) return b.apply("mul", [left, right]);
  r.error("RNNC165", [formatShape(left.shape), formatShape(right.shape)], at);
  return undefined;
}

function lowerCall(node: CallExpression, scope: Scope): Expr | undefined {
  const call = resolveCall(node, scope);
  if (call.kind === "value") return call.value;
  if (call.intrinsic.lower) return call.intrinsic.lower(call.b, call.args);
  const hint = `destructure them: const [a, b] = ${call.name}(…)`;
  scope.reporter.error("RNNC229", [call.name], node, hint);
  return undefined;
}

/**
 * The tensors of a call that returns several (split), for `const [a, b] = …`; undefined after reporting,
 * RNNC158 for anything else.
 */
export function lowerParts(node: TsNode, scope: Scope): Expr[] | undefined {
  while (TsNode.isParenthesizedExpression(node)) node = node.getExpression();
  const hint = 'only split(…) returns several tensors: const [a, b] = split(v, "H", "H")';
  if (!TsNode.isCallExpression(node)) {
    scope.reporter.error("RNNC158", [bodyWords(scope).kind], node, hint);
    return undefined;
  }
  const call = resolveCall(node, scope);
  if (call.kind === "value") {
    if (call.value !== undefined) scope.reporter.error("RNNC158", [bodyWords(scope).kind], node, hint);
    return undefined;
  }
  if (call.intrinsic.parts) return call.intrinsic.parts(call.b, call.args);
  scope.reporter.error("RNNC158", [bodyWords(scope).kind], node, hint);
  return undefined;
}

type ResolvedCall =
  | { kind: "value"; value: Expr | undefined }
  | { kind: "intrinsic"; name: string; intrinsic: Intrinsic; b: OpBuilder; args: Expr[] };

const reported: ResolvedCall = { kind: "value", value: undefined };

/** A helper's value or a reported mistake, or the intrinsic called with its checked arguments. */
function resolveCall(node: CallExpression, scope: Scope): ResolvedCall {
  const r = scope.reporter;
  const callee = node.getExpression();
  const name = TsNode.isIdentifier(callee) ? callee.getText() : "";
  const imported = scope.imports.get(name);
  const intrinsic: Intrinsic | undefined =
    imported !== undefined && isIntrinsic(imported) && !scope.values.has(name) && !scope.helpers.has(name)
      ? intrinsics[imported]
      : undefined;
  const sizesFrom = intrinsic?.sizesFrom ?? Infinity;
  const syntax = node.getArguments();
  const args = syntax.map((arg, i) => {
    if (TsNode.isSpreadElement(arg)) {
      r.error("RNNC100", [describeSyntax(arg)], arg);
      return undefined;
    }
    return i >= sizesFrom ? undefined : lowerExpr(arg, scope);
  });
  if (!TsNode.isIdentifier(callee)) {
    const property = TsNode.isPropertyAccessExpression(callee) ? callee.getName() : "";
    const hint = isIntrinsic(property) ? `use the intrinsic ${property}, imported from "rnnc"` : undefined;
    r.error("RNNC164", [callee.getText()], callee, hint);
    return reported;
  }
  if (scope.values.has(name)) {
    r.error("RNNC106", [name], callee, `'${name}' is a tensor here, not a function`);
    return reported;
  }
  if (scope.helpers.has(name)) return { kind: "value", value: scope.helpers.call(name, node, args, scope) };
  if (intrinsic === undefined) {
    if (imported === undefined && isIntrinsic(name)) r.error("RNNC101", [name], callee, importHint(name));
    else r.error("RNNC106", [name], callee, `the intrinsics are ${intrinsicNames.join(", ")}`);
    return reported;
  }
  const { params, defaults = [], rest } = intrinsic;
  const required = params.length - defaults.length;
  if (args.length < required || (!rest && args.length > params.length)) {
    const span = params.length - required;
    const expected = rest
      ? `${required} or more`
      : span === 0
        ? required
        : `${required} ${span === 1 ? "or" : "to"} ${params.length}`;
    const names = params.map((p, i) => (i < required ? p : `${p} = ${defaults[i - required]}`));
    if (rest) names[names.length - 1] = `...${names[names.length - 1]}`;
    r.error("RNNC111", [name, expected, names.join(", "), args.length], node);
    return reported;
  }
  const sizes = syntax
    .slice(sizesFrom)
    .map((arg, i) => sizeArgument(arg, name, i === 0 && intrinsic.startFirst === true, r));
  const tensors = args.slice(0, Math.min(args.length, sizesFrom));
  if (tensors.some((a) => a === undefined) || sizes.some((n) => n === undefined)) return reported;
  const at = r.spanOf(node);
  const given = (tensors as Expr[]).map((expr, i) => ({ expr, at: r.spanOf(syntax[i]!) }));
  const omitted = defaults.slice(args.length - required).map((value) => ({ expr: literal(value, at), at }));
  const all = [...given, ...omitted];
  const b = builder(scope, at, `\`${name}\``, all, sizes as Dim[]);
  return { kind: "intrinsic", name, intrinsic, b, args: all.map((a) => a.expr) };
}

/** A size argument: a whole number, or a size string ("H", "2*H"); only a start may be 0. RNNC228 otherwise. */
function sizeArgument(arg: TsNode, intrinsic: string, zeroAllowed: boolean, r: Scope["reporter"]): Dim | undefined {
  let size: Dim | undefined;
  if (TsNode.isNumericLiteral(arg)) {
    const value = Number(arg.compilerNode.text);
    size = Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  } else if (TsNode.isStringLiteral(arg) || TsNode.isNoSubstitutionTemplateLiteral(arg)) {
    const parsed = parseSize(arg.getLiteralText());
    size = "size" in parsed ? parsed.size : undefined;
  }
  if (size === undefined || (size === 0 && !zeroAllowed)) {
    r.error("RNNC228", [intrinsic, arg.getText()], arg);
    return undefined;
  }
  return size;
}
