// compiler/frontend — reads the declarations of one cell: the object given to
// cell({ input, state, params, step }). In: that ts-morph node. Out: the
// declared tensors with their symbolic shapes, where each dimension is first
// used, and the step's node for step.ts.

import { Node as TsNode, SyntaxKind } from "./ts-morph.js";
import type { Expression } from "ts-morph";
import type { SourceSpan } from "../diagnostics.js";
import { describeSyntax } from "./describe.js";
import type { DeclInfo } from "./expr.js";
import { parseInit, isShapeWithInit } from "./inits.js";
import { sizeValue } from "./literals.js";
import { dimNamesOf, parseSize } from "../ir/size.js";
import type { Reporter } from "./report.js";
import type { CellSyntax, DeclRole, TensorDecl } from "./syntax.js";

export interface CellDeclarations {
  cell: Omit<CellSyntax, "next" | "outs">;
  declared: Map<string, DeclInfo>;
  step: TsNode;
}

const sections = {
  input: "input",
  state: "state",
  params: "param",
  output: "output",
} as const satisfies Record<string, DeclRole>;
type Section = keyof typeof sections;

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function parseDeclarations(cellName: string, arg: TsNode, reporter: Reporter): CellDeclarations | undefined {
  if (!TsNode.isObjectLiteralExpression(arg)) {
    reporter.error("RNNC126", [describeSyntax(arg)], arg);
    return undefined;
  }
  const file = reporter.source.file;
  const cell: Omit<CellSyntax, "next" | "outs"> = {
    name: cellName,
    file,
    inputs: [],
    states: [],
    params: [],
    outputs: [],
    dimSites: [],
  };
  const lists: Record<Section, TensorDecl[]> = {
    input: cell.inputs,
    state: cell.states,
    params: cell.params,
    output: cell.outputs,
  };
  const declared = new Map<string, DeclInfo>();
  const seen = new Set<string>();
  let step: TsNode | undefined;
  let declaredStateBadly = false;

  for (const property of arg.getProperties()) {
    if (!TsNode.isPropertyAssignment(property) && !TsNode.isMethodDeclaration(property)) {
      reporter.error("RNNC127", [describeSyntax(property)], property);
      continue;
    }
    const key = property.getName();
    if (seen.has(key)) {
      reporter.error("RNNC128", [key], property);
      continue;
    }
    seen.add(key);
    if (key === "step") {
      step = TsNode.isPropertyAssignment(property) ? unwrap(property.getInitializerOrThrow()) : property;
    } else if (key in sections && !TsNode.isPropertyAssignment(property)) {
      reporter.error("RNNC129", [key], property);
    } else if (key in sections && TsNode.isPropertyAssignment(property)) {
      const section = key as Section;
      const errorsBefore = reporter.diagnostics.length;
      parseSection(
        section,
        unwrap(property.getInitializerOrThrow()),
        lists[section],
        declared,
        cell.dimSites,
        reporter,
      );
      if (section === "state") declaredStateBadly = reporter.diagnostics.length > errorsBefore;
    } else {
      reporter.error("RNNC130", [key], property.getNameNode());
    }
  }
  // A state section that was itself reported needs no second message.
  if (cell.states.length === 0 && !declaredStateBadly) {
    reporter.error("RNNC131", [cellName], arg);
  }
  if (step === undefined) {
    reporter.error("RNNC132", [cellName], arg);
    return undefined;
  }
  return { cell, declared, step };
}

/** `as const` changes nothing to rnnc; parentheses neither. */
function unwrap(node: Expression): Expression {
  while (TsNode.isParenthesizedExpression(node) || TsNode.isAsExpression(node) || TsNode.isSatisfiesExpression(node)) {
    node = node.getExpression();
  }
  return node;
}

function parseSection(
  section: Section,
  node: Expression,
  list: TensorDecl[],
  declared: Map<string, DeclInfo>,
  dimSites: { dim: string; at: SourceSpan }[],
  reporter: Reporter,
): void {
  if (!TsNode.isObjectLiteralExpression(node)) {
    reporter.error("RNNC129", [section], node);
    return;
  }
  const role = sections[section];
  for (const property of node.getProperties()) {
    if (!TsNode.isPropertyAssignment(property)) {
      reporter.error("RNNC133", [section], property);
      continue;
    }
    const nameNode = property.getNameNode();
    const name =
      TsNode.isIdentifier(nameNode) || TsNode.isStringLiteral(nameNode)
        ? nameNode.getText().replace(/^["']|["']$/g, "")
        : "";
    if (!identifier.test(name)) {
      reporter.error("RNNC134", [nameNode.getText()], nameNode);
      continue;
    }
    const previous = declared.get(name);
    if (previous) {
      reporter.error("RNNC135", [name, previous.role, role], nameNode);
      continue;
    }
    const { line, column } = reporter.spanOf(nameNode);
    const value = unwrap(property.getInitializerOrThrow());
    const withInit = isShapeWithInit(value);
    // Reported, but still declared with its shape, so that its uses are not unknown names too.
    if (withInit && role !== "param") {
      reporter.error("RNNC139", [name, section], withInit.init);
    }
    const shape = parseShape(withInit ? withInit.shape : value, name, dimSites, reporter);
    const init = withInit && shape && role === "param" ? parseInit(withInit.init, name, shape, reporter) : undefined;
    declared.set(name, { role, shape });
    list.push({ name, shape: shape ?? [], line, column, ...(init ? { init } : {}) });
  }
}

function parseShape(
  node: Expression,
  name: string,
  dimSites: { dim: string; at: SourceSpan }[],
  reporter: Reporter,
): (string | number)[] | undefined {
  const dims = TsNode.isArrayLiteralExpression(node) ? node.getElements() : isString(node) ? [node] : undefined;
  if (dims === undefined) {
    reporter.error("RNNC136", [name], node);
    return undefined;
  }
  if (dims.length > 2) {
    reporter.error("RNNC137", [name, dims.length], node);
    return undefined;
  }
  const shape: (string | number)[] = [];
  for (const dim of dims) {
    if (isString(dim)) {
      const parsed = parseSize(dim.getLiteralText());
      if ("problem" in parsed) {
        reporter.error("RNNC227", [name, dim.getText(), parsed.problem], dim);
        return undefined;
      }
      for (const text of dimNamesOf(parsed.size)) {
        if (!dimSites.some((s) => s.dim === text)) dimSites.push({ dim: text, at: reporter.spanOf(dim) });
      }
      shape.push(parsed.size);
    } else if (TsNode.isNumericLiteral(dim) && sizeValue(dim) !== undefined) {
      shape.push(sizeValue(dim)!);
    } else {
      reporter.error("RNNC138", [name, dim.getText()], dim);
      return undefined;
    }
  }
  return shape;
}

function isString(node: TsNode): node is TsNode & { getLiteralText(): string } {
  return node.getKind() === SyntaxKind.StringLiteral || node.getKind() === SyntaxKind.NoSubstitutionTemplateLiteral;
}
