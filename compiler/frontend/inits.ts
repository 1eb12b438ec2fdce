// compiler/frontend — a parameter's declared initialisation. In: the value of
// a params entry written `name: { shape, init }`. Out: the ParamInit the ABI
// carries (read by the runtime's initParams), or a located diagnostic
// (RNNC117, RNNC140–RNNC146).
//
//   init: "zeros" | "ones" | "glorot" | "orthogonal" | "embedding"
//   init: 1.5                                   (a constant)
//   init: { kind: "constant", value: 1 }
//   init: { kind: "uniform", low: -0.1, high: 0.1 }
//   init: { kind: "normal", mean: 0, std: 0.01 }

import { Node as TsNode, SyntaxKind } from "./ts-morph.js";
import type { Expression, ObjectLiteralExpression } from "ts-morph";
import { PARAM_INITS, type ParamInit } from "../../runtime/abi.js";
import type { DiagnosticArgs, DiagnosticCode } from "../diagnostics.js";
import { numericValue } from "./literals.js";
import type { Reporter } from "./report.js";

/** `{ shape, init }` with exactly those properties, else undefined (a plain shape). */
export function isShapeWithInit(node: Expression): { shape: Expression; init: Expression } | undefined {
  if (!TsNode.isObjectLiteralExpression(node)) return undefined;
  const shape = propertyValue(node, "shape");
  const init = propertyValue(node, "init");
  return shape && init && node.getProperties().length === 2 ? { shape, init } : undefined;
}

export function parseInit(
  node: Expression,
  name: string,
  shape: readonly (string | number)[],
  r: Reporter,
): ParamInit | undefined {
  const bad = <C extends DiagnosticCode>(code: C, args: DiagnosticArgs<C>): undefined => {
    r.error(code, args, node);
    return undefined;
  };
  /** A field's value: a numeric literal, possibly negated. */
  const number = (key: string): number | undefined => {
    const value = TsNode.isObjectLiteralExpression(node) ? propertyValue(node, key) : undefined;
    const literal = value && negatedLiteral(value);
    if (!literal) return bad("RNNC144", [name, key]);
    return numericValue(literal.node, r, literal.negate, value);
  };
  if (TsNode.isStringLiteral(node) || TsNode.isNoSubstitutionTemplateLiteral(node)) {
    const kind = node.getLiteralText();
    if (!(PARAM_INITS as readonly string[]).includes(kind)) return bad("RNNC140", [name, kind]);
    if (["glorot", "orthogonal", "embedding"].includes(kind) && shape.length !== 2) {
      return bad("RNNC141", [name, kind, shape.length]);
    }
    return kind as ParamInit;
  }
  const constant = negatedLiteral(node);
  if (constant) {
    const value = numericValue(constant.node, r, constant.negate, node);
    return value === undefined ? undefined : { kind: "constant", value };
  }
  if (!TsNode.isObjectLiteralExpression(node)) return bad("RNNC117", [name, node.getText().slice(0, 40)]);
  const kindNode = propertyValue(node, "kind");
  const kind = kindNode && TsNode.isStringLiteral(kindNode) ? kindNode.getLiteralText() : undefined;
  const fields = { constant: ["value"], uniform: ["low", "high"], normal: ["mean", "std"] } as const;
  if (kind === undefined || !(kind in fields)) return bad("RNNC142", [name]);
  const wanted: readonly string[] = fields[kind as keyof typeof fields];
  const extra = node.getProperties()
    .map((p) => (TsNode.isPropertyAssignment(p) ? p.getName() : p.getText()))
    .filter((k) => k !== "kind" && !wanted.includes(k));
  if (extra.length > 0) return bad("RNNC143", [name, kind, wanted.join(" and "), extra.join(", ")]);
  const values = wanted.map(number);
  if (values.some((v) => v === undefined)) return undefined;
  const [a, b] = values as number[];
  if (kind === "constant") return { kind, value: a! };
  if (kind === "uniform") return a! < b! ? { kind, low: a!, high: b! } : bad("RNNC145", [name, a!, b!]);
  return b! > 0 ? { kind: "normal", mean: a!, std: b! } : bad("RNNC146", [name, b!]);
}

function propertyValue(object: ObjectLiteralExpression, key: string): Expression | undefined {
  const p = object.getProperty(key);
  return p && TsNode.isPropertyAssignment(p) ? p.getInitializer() : undefined;
}

/** A numeric literal, possibly under one unary minus. */
function negatedLiteral(node: Expression): { node: import("ts-morph").NumericLiteral; negate: boolean } | undefined {
  if (TsNode.isNumericLiteral(node)) return { node, negate: false };
  if (TsNode.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.MinusToken) {
    const operand = node.getOperand();
    if (TsNode.isNumericLiteral(operand)) return { node: operand, negate: true };
  }
  return undefined;
}
