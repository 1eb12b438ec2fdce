// compiler/frontend — the body of a step or of a helper function: `const`
// declarations, then one `return`. In: a ts-morph block and the scope it is
// checked in. Out: the scope's names bound to checked trees, and what the
// caller makes of the returned expression (a step its next states, a helper
// its value), or diagnostics for every statement a body may not hold.

import { Node as TsNode, VariableDeclarationKind } from "./ts-morph.js";
import type { Block, Statement } from "ts-morph";
import { bodyWords, isAssignment, lowerExpr, type Scope } from "./expr.js";
import { describeSyntax, hintForSyntax } from "./describe.js";

/** Every name the statements declare with const (or let, or var), to tell "declared later" from "unknown". */
export function constNames(statements: Statement[]): string[] {
  return statements.flatMap((s) =>
    TsNode.isVariableStatement(s) ? s.getDeclarations().map((d) => d.getName()) : [],
  );
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
