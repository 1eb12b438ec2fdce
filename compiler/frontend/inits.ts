// compiler/frontend — a parameter's declared initialisation. In: the value of
// a params entry written `name: { shape, init }`. Out: the ParamInit the ABI
// carries (read by the runtime's initParams), or a located RNNC117.
//
//   init: "zeros" | "ones" | "glorot" | "orthogonal" | "embedding"
//   init: 1.5                                   (a constant)
//   init: { kind: "constant", value: 1 }
//   init: { kind: "uniform", low: -0.1, high: 0.1 }
//   init: { kind: "normal", mean: 0, std: 0.01 }

import { Node as TsNode, SyntaxKind, type Expression, type ObjectLiteralExpression } from "ts-morph";
import { PARAM_INITS, type ParamInit } from "../../runtime/abi.js";
import { numericValue } from "./literals.js";
import type { Reporter } from "./report.js";

export const initHint =
  'init is "zeros", "ones", "glorot", "orthogonal", "embedding", a number, { kind: "uniform", low, high } or { kind: "normal", mean, std }';

/** `{ shape, init }` with exactly those properties, else undefined (a plain shape). */
export function isShapeWithInit(node: Expression): { shape: Expression; init: Expression } | undefined {
  if (!TsNode.isObjectLiteralExpression(node)) return undefined;
  const shape = propertyValue(node, "shape");
  const init = propertyValue(node, "init");
  return shape && init && node.getProperties().length === 2 ? { shape, init } : undefined;
}

export function parseInit(node: Expression, name: string, shape: readonly (string | number)[], r: Reporter): ParamInit | undefined {
  const bad = (why: string) => {
    r.error("RNNC117", [name, why], node, initHint);
    return undefined;
  };
  const number = (value: Expression | undefined, what: string): number | undefined => {
    const literal = value && negatedLiteral(value);
    if (!literal) {
      bad(`${what} must be a number`);
      return undefined;
    }
    return numericValue(literal.node, r, literal.negate, value);
  };
  if (TsNode.isStringLiteral(node) || TsNode.isNoSubstitutionTemplateLiteral(node)) {
    const kind = node.getLiteralText();
    if (!(PARAM_INITS as readonly string[]).includes(kind)) return bad(`unknown initialiser "${kind}"`);
    if (["glorot", "orthogonal", "embedding"].includes(kind) && shape.length !== 2) {
      return bad(`"${kind}" initialises a matrix, but '${name}' has rank ${shape.length}`);
    }
    return kind as ParamInit;
  }
  if (negatedLiteral(node)) {
    const value = number(node, "a constant");
    return value === undefined ? undefined : { kind: "constant", value };
  }
  if (!TsNode.isObjectLiteralExpression(node)) return bad(`expected a name, a number or { kind, … }, got ${node.getText().slice(0, 40)}`);
  const kindNode = propertyValue(node, "kind");
  const kind = kindNode && TsNode.isStringLiteral(kindNode) ? kindNode.getLiteralText() : undefined;
  const fields = { constant: ["value"], uniform: ["low", "high"], normal: ["mean", "std"] } as const;
  if (kind === undefined || !(kind in fields)) return bad('kind must be "constant", "uniform" or "normal"');
  const wanted = fields[kind as keyof typeof fields];
  const extra = node.getProperties().map((p) => (TsNode.isPropertyAssignment(p) ? p.getName() : p.getText())).filter((k) => k !== "kind" && !(wanted as readonly string[]).includes(k));
  if (extra.length > 0) return bad(`a ${kind} initialiser has ${wanted.join(" and ")}, not ${extra.join(", ")}`);
  const values = wanted.map((key) => number(propertyValue(node, key), key));
  if (values.some((v) => v === undefined)) return undefined;
  const [a, b] = values as number[];
  if (kind === "constant") return { kind, value: a! };
  if (kind === "uniform") return a! < b! ? { kind, low: a!, high: b! } : bad(`low must be below high, got ${a} and ${b}`);
  return b! > 0 ? { kind: "normal", mean: a!, std: b! } : bad(`std must be positive, got ${b}`);
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
