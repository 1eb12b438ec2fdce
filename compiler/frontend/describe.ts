// compiler/frontend — names for syntax a cell may not use, in the user's
// words rather than TypeScript's. In: a ts-morph node. Out: the name of its
// kind, the argument of every message that names syntax (RNNC100 and its
// kin: at the top level, in the step parameter, in the returned object, …),
// and, where one helps, a hint of what to write instead.

import { SyntaxKind } from "./ts-morph.js";
import type { Node as TsNode } from "ts-morph";

const names: Partial<Record<SyntaxKind, string>> = {
  [SyntaxKind.ConditionalExpression]: "conditional expression (?:)",
  [SyntaxKind.PropertyAccessExpression]: "property access",
  [SyntaxKind.ElementAccessExpression]: "indexing",
  [SyntaxKind.TemplateExpression]: "template string",
  [SyntaxKind.NoSubstitutionTemplateLiteral]: "template string",
  [SyntaxKind.StringLiteral]: "string literal",
  [SyntaxKind.TrueKeyword]: "boolean literal",
  [SyntaxKind.FalseKeyword]: "boolean literal",
  [SyntaxKind.NullKeyword]: "null",
  [SyntaxKind.ThisKeyword]: "this",
  [SyntaxKind.ArrowFunction]: "function expression",
  [SyntaxKind.FunctionExpression]: "function expression",
  [SyntaxKind.FunctionDeclaration]: "function declaration",
  [SyntaxKind.ClassDeclaration]: "class declaration",
  [SyntaxKind.ObjectLiteralExpression]: "object literal",
  [SyntaxKind.ArrayLiteralExpression]: "array literal",
  [SyntaxKind.NewExpression]: "new expression",
  [SyntaxKind.AsExpression]: "type assertion (as)",
  [SyntaxKind.SatisfiesExpression]: "satisfies expression",
  [SyntaxKind.NonNullExpression]: "non-null assertion (!)",
  [SyntaxKind.TypeOfExpression]: "typeof",
  [SyntaxKind.AwaitExpression]: "await",
  [SyntaxKind.ForStatement]: "for loop",
  [SyntaxKind.ForOfStatement]: "for-of loop",
  [SyntaxKind.ForInStatement]: "for-in loop",
  [SyntaxKind.WhileStatement]: "while loop",
  [SyntaxKind.DoStatement]: "do-while loop",
  [SyntaxKind.IfStatement]: "if statement",
  [SyntaxKind.SwitchStatement]: "switch statement",
  [SyntaxKind.TryStatement]: "try statement",
  [SyntaxKind.ThrowStatement]: "throw statement",
  [SyntaxKind.Block]: "nested block",
  [SyntaxKind.LabeledStatement]: "labelled statement",
  [SyntaxKind.SpreadElement]: "spread argument",
  [SyntaxKind.ObjectBindingPattern]: "object pattern",
  [SyntaxKind.ArrayBindingPattern]: "array pattern",
};

const noBranches = "a step has no branches; select smoothly with gates (g * a + (1 - g) * b) or use max, min, clip";
const noLoops = "a step computes one time step; rnnc loops over time itself";

const hints: Partial<Record<SyntaxKind, string>> = {
  [SyntaxKind.ConditionalExpression]: noBranches,
  [SyntaxKind.IfStatement]: noBranches,
  [SyntaxKind.SwitchStatement]: noBranches,
  [SyntaxKind.ForStatement]: noLoops,
  [SyntaxKind.ForOfStatement]: noLoops,
  [SyntaxKind.ForInStatement]: noLoops,
  [SyntaxKind.WhileStatement]: noLoops,
  [SyntaxKind.DoStatement]: noLoops,
  [SyntaxKind.PropertyAccessExpression]: "name tensors directly; intrinsics are plain functions imported from \"rnnc\"",
};

/** "for loop" for a ForStatement; unnamed kinds fall back to their split kind name. */
export function describeSyntax(node: TsNode): string {
  const known = names[node.getKind()];
  if (known) return known;
  return node.getKindName().replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

export function hintForSyntax(node: TsNode): string | undefined {
  return hints[node.getKind()];
}
