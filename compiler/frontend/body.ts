// compiler/frontend — the body of a step or of a helper function: `const`
// declarations, then one `return`. In: a ts-morph block and the scope it is
// checked in. Out: the scope's names bound to checked trees, and what the
// caller makes of the returned expression (a step its next states, a helper
// its value), or diagnostics for every statement a body may not hold.

import { Node as TsNode, VariableDeclarationKind } from "./ts-morph.js";
import type { ArrayBindingPattern, Block, Identifier, Statement } from "ts-morph";
import { bodyWords, isAssignment, lowerExpr, lowerParts, type Scope } from "./expr.js";
import { describeSyntax, hintForSyntax } from "./describe.js";

/** Every name the statements declare with const (or let, or var), to tell "declared later" from "unknown". */
export function constNames(statements: Statement[]): string[] {
  return statements.flatMap((s) => (
    TsNode.isVariableStatement(s) ? s.getDeclarations().flatMap((d) => namesOf(d.getNameNode())) : []
  ));
}

function namesOf(pattern: TsNode): string[] {
  if (TsNode.isIdentifier(pattern)) return [pattern.getText()];
  if (!TsNode.isArrayBindingPattern(pattern)) return [];
  return pattern.getElements().flatMap((e) => (TsNode.isBindingElement(e) ? namesOf(e.getNameNode()) : []));
}

/** `const [i, f, g, o] = split(z, …)`: one name per part, a hole for a part not needed. */
function bindParts(pattern: ArrayBindingPattern, init: TsNode, scope: Scope): void {
  const r = scope.reporter;
  const names: (Identifier | undefined)[] = [];
  let bad = false;
  for (const element of pattern.getElements()) {
    if (TsNode.isOmittedExpression(element)) {
      names.push(undefined);
      continue;
    }
    const name = element.getNameNode();
    if (!TsNode.isIdentifier(name) || element.getDotDotDotToken() || element.hasInitializer()) {
      r.error(
        "RNNC158",
        [bodyWords(scope).kind],
        element,
        "name each part, or leave a hole: const [i, , g] = split(…)",
      );
      bad = true;
    } else if (scope.values.has(name.getText()) || names.some((n) => n?.getText() === name.getText())) {
      r.error("RNNC159", [name.getText(), bodyWords(scope).kind], name);
      bad = true;
    } else names.push(name);
  }
  const parts = lowerParts(init, scope);
  if (parts && !bad && parts.length !== names.length) {
    r.error("RNNC230", [names.length, parts.length], pattern);
  }
  const fits = parts !== undefined && !bad && parts.length === names.length;
  names.forEach((name, i) => {
    if (name && !scope.values.has(name.getText())) scope.values.set(name.getText(), fits ? parts![i] : undefined);
  });
}

/**
 * Checks the statements of `block` in order, handing the returned expression
 * to `onReturn`. `returned` says whether the block has a return at all.
 */
export function lowerBlock<T>(
  block: Block, scope: Scope, returnHint: string, onReturn: (value: TsNode, at: TsNode) => T | undefined,
): { returned: boolean; value: T | undefined } {
  const r = scope.reporter;
  let returned: TsNode | undefined;
  let value: T | undefined;
  for (const statement of block.getStatements()) {
    if (returned) {
      r.error("RNNC152", [], statement);
      break;
    }
    if (TsNode.isReturnStatement(statement)) {
      returned = statement;
      const expression = statement.getExpression();
      if (expression === undefined) r.error("RNNC153", [], statement, returnHint);
      else value = onReturn(expression, statement);
    } else {
      lowerStatement(statement, scope);
    }
  }
  return { returned: returned !== undefined, value };
}

function lowerStatement(statement: Statement, scope: Scope): void {
  const r = scope.reporter;
  if (TsNode.isEmptyStatement(statement)) return;
  if (TsNode.isFunctionDeclaration(statement)) {
    r.error("RNNC223", [bodyWords(scope).kind], statement);
    return;
  }
  if (TsNode.isVariableStatement(statement)) {
    if (statement.getDeclarationKind() !== VariableDeclarationKind.Const) {
      r.error("RNNC157", [statement.getDeclarationKind(), bodyWords(scope).kind], statement.getDeclarationList());
    }
    for (const declaration of statement.getDeclarations()) {
      const nameNode = declaration.getNameNode();
      const init = declaration.getInitializer();
      if (TsNode.isArrayBindingPattern(nameNode) && init !== undefined) {
        bindParts(nameNode, init, scope);
        continue;
      }
      if (!TsNode.isIdentifier(nameNode)) {
        r.error("RNNC158", [bodyWords(scope).kind], nameNode);
        continue;
      }
      const name = nameNode.getText();
      if (scope.values.has(name)) {
        r.error("RNNC159", [name, bodyWords(scope).kind], nameNode);
        continue;
      }
      if (init === undefined) {
        r.error("RNNC160", [name], declaration);
        scope.values.set(name, undefined);
        continue;
      }
      scope.values.set(name, lowerExpr(init, scope));
    }
    return;
  }
  if (TsNode.isExpressionStatement(statement)) {
    const expression = statement.getExpression();
    if (isAssignment(expression)) lowerExpr(expression, scope);
    else r.error("RNNC161", [], statement);
    return;
  }
  r.error("RNNC100", [describeSyntax(statement)], statement, hintForSyntax(statement));
}
