// compiler/frontend — checks a cell's step function. In: the ts-morph node of
// `step` and the cell's declarations. Out: the checked next value of every
// state, in state order, or undefined after reporting what is wrong.

import { Node as TsNode } from "./ts-morph.js";
import type { ObjectBindingPattern } from "ts-morph";
import { formatShape, sameShape } from "../ir/index.js";
import { lowerBlock, constNames } from "./body.js";
import { lowerExpr, lowerIdentifier, type DeclInfo, type Helpers, type Scope } from "./expr.js";
import { describeSyntax, hintForSyntax } from "./describe.js";
import type { Reporter } from "./report.js";
import type { Expr } from "./syntax.js";

export interface StepContext {
  reporter: Reporter;
  cellName: string;
  declared: ReadonlyMap<string, DeclInfo>;
  /** State names in declaration order. */
  states: readonly string[];
  /** Output names in declaration order (besides the states). */
  outputs: readonly string[];
  imports: ReadonlyMap<string, string>;
  helpers: Helpers;
}

export interface StepValues {
  next: { name: string; expr: Expr }[];
  outs: { name: string; expr: Expr }[];
}

export function lowerStep(fn: TsNode, ctx: StepContext): StepValues | undefined {
  const r = ctx.reporter;
  const errorsBefore = r.diagnostics.length;
  if (!TsNode.isArrowFunction(fn) && !TsNode.isFunctionExpression(fn) && !TsNode.isMethodDeclaration(fn)) {
    r.error("RNNC147", [describeSyntax(fn)], fn);
    return undefined;
  }
  if (fn.isAsync() || (!TsNode.isArrowFunction(fn) && fn.isGenerator())) {
    r.error("RNNC148", [fn.isAsync() ? "async" : "a generator"], fn);
    return undefined;
  }
  const body = fn.getBody();
  // TypeScript's parser already rejects a method without a body (RNNC110).
  if (body === undefined) throw new Error(`frontend: the step of cell '${ctx.cellName}' has no body`);
  const scope: Scope = {
    reporter: r,
    cellName: ctx.cellName,
    declared: ctx.declared,
    imports: ctx.imports,
    values: new Map(),
    stepConsts: new Set(TsNode.isBlock(body) ? constNames(body.getStatements()) : []),
    helpers: ctx.helpers,
    helper: undefined,
  };
  bindParameters(fn.getParameters(), scope);

  let next: Map<string, Expr> | undefined;
  if (!TsNode.isBlock(body)) {
    next = lowerReturn(body, body, scope, ctx);
  } else {
    const onReturn = (value: TsNode, at: TsNode) => lowerReturn(value, at, scope, ctx);
    const { returned, value } = lowerBlock(body, scope, returnHint(ctx.states), onReturn);
    next = value;
    // Missing states would only repeat an error already reported in the body.
    if (!returned && r.diagnostics.length === errorsBefore) {
      for (const state of ctx.states) r.error("RNNC103", [state], fn, returnHint(ctx.states));
    }
  }
  if (!next || r.diagnostics.length > errorsBefore) return undefined;
  return {
    next: ctx.states.map((name) => ({ name, expr: next.get(name)! })),
    outs: ctx.outputs.map((name) => ({ name, expr: next.get(name)! })),
  };
}

function returnHint(names: readonly string[]): string {
  return `end the step with return { ${names.map((s) => `${s}: …`).join(", ")} }`;
}

function bindParameters(parameters: TsNode[], scope: Scope): void {
  const r = scope.reporter;
  if (parameters.length > 1) {
    r.error("RNNC149", [parameters.length], parameters[1]!);
  }
  const parameter = parameters[0];
  if (parameter === undefined || !TsNode.isParameterDeclaration(parameter)) return;
  const pattern = parameter.getNameNode();
  if (!TsNode.isObjectBindingPattern(pattern)) {
    r.error("RNNC150", [describeSyntax(pattern)], pattern);
    return;
  }
  if (parameter.isRestParameter() || parameter.hasInitializer()) {
    r.error("RNNC151", [parameter.isRestParameter() ? "rest parameter" : "default value"], parameter);
  }
  bindPattern(pattern, scope);
}

function bindPattern(pattern: ObjectBindingPattern, scope: Scope): void {
  const r = scope.reporter;
  for (const element of pattern.getElements()) {
    const local = element.getNameNode();
    const declaredName = element.getPropertyNameNode()?.getText() ?? local.getText();
    const bindable = TsNode.isIdentifier(local);
    if (bindable) scope.values.set(local.getText(), undefined);
    if (element.getDotDotDotToken()) {
      r.error("RNNC151", ["rest element"], element);
    } else if (element.hasInitializer()) {
      r.error("RNNC151", ["default value"], element);
    } else if (!bindable) {
      r.error("RNNC151", ["nested pattern"], local);
    } else {
      const decl = scope.declared.get(declaredName);
      if (decl === undefined) {
        const known = [...scope.declared.keys()].join(", ");
        r.error(
          "RNNC101",
          [declaredName],
          element,
          `cell '${scope.cellName}' declares ${known}; declare it under input, state or params`,
        );
      } else if (decl.role === "output") {
        r.error("RNNC101", [declaredName], element,
          `'${declaredName}' is an output: the step returns it but cannot read it; ` +
            "to feed it back, declare it as a state");
      } else if (decl.shape !== undefined) {
        const at = r.spanOf(element);
        scope.values.set(local.getText(), {
          kind: "tensor",
          role: decl.role,
          name: declaredName,
          shape: decl.shape,
          at,
        });
      }
    }
  }
}

function lowerReturn(value: TsNode, at: TsNode, scope: Scope, ctx: StepContext): Map<string, Expr> | undefined {
  const r = scope.reporter;
  while (TsNode.isParenthesizedExpression(value)) value = value.getExpression();
  if (!TsNode.isObjectLiteralExpression(value)) {
    r.error("RNNC154", [describeSyntax(value)], value, returnHint(ctx.states));
    return undefined;
  }
  const next = new Map<string, Expr>();
  const given = new Set<string>();
  for (const property of value.getProperties()) {
    let name: string;
    let expr: Expr | undefined;
    if (TsNode.isShorthandPropertyAssignment(property)) {
      name = property.getName();
      expr = lowerIdentifier(property.getNameNode(), scope);
    } else if (TsNode.isPropertyAssignment(property) && !TsNode.isComputedPropertyName(property.getNameNode())) {
      name = property.getName().replace(/^["'](.*)["']$/, "$1");
      expr = lowerExpr(property.getInitializerOrThrow(), scope);
    } else {
      r.error("RNNC155", [describeSyntax(property)], property, returnHint(ctx.states));
      continue;
    }
    const key = property.getNameNode();
    if (given.has(name)) {
      r.error("RNNC156", [name], key);
      continue;
    }
    given.add(name);
    const decl = ctx.declared.get(name);
    if (decl?.role !== "state" && decl?.role !== "output") {
      const what = decl ? `'${name}' is ${decl.role === "input" ? "an input" : "a parameter"}; ` : "";
      r.error(
        "RNNC109",
        [name, ctx.cellName],
        key,
        `${what}the step returns the next value of each state: ${ctx.states.join(", ")}`,
      );
      continue;
    }
    if (expr === undefined || decl.shape === undefined) continue;
    if (!sameShape(expr.shape, decl.shape)) {
      const valueNode = TsNode.isPropertyAssignment(property) ? property.getInitializerOrThrow() : key;
      r.error("RNNC166", [decl.role, name, formatShape(expr.shape), formatShape(decl.shape)], valueNode);
      continue;
    }
    next.set(name, expr);
  }
  for (const state of ctx.states) {
    if (!given.has(state)) r.error("RNNC103", [state], at);
  }
  for (const output of ctx.outputs) {
    if (!given.has(output)) r.error("RNNC115", [output], at);
  }
  return next;
}
