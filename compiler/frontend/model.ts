// compiler/frontend — reads a model declaration: layers of cells, stacked in
// order, each one-directional or bidirectional, and an optional dense
// readout. In: `export const NAME = model({ input, layers, readout })`. Out: a
// ModelSyntax naming its cells, which compiler/model resolves and builds.

import { Node as TsNode } from "./ts-morph.js";
import type { Expression, SourceFile, VariableDeclaration, VariableStatement } from "ts-morph";
import { describeSyntax } from "./describe.js";
import { sizeValue } from "./literals.js";
import type { Reporter } from "./report.js";
import type { Activation, CellRef, InputSyntax, LayerSyntax, ModelSyntax } from "./syntax.js";
import { nameRecord } from "../names.js";

const activations: readonly Activation[] = ["linear", "sigmoid", "tanh", "relu"];

/** Local name → { module, exported name } for named imports from relative modules ("./lstm.js"). */
export function relativeImports(sourceFile: SourceFile): Map<string, { from: string; name: string }> {
  const imports = new Map<string, { from: string; name: string }>();
  for (const declaration of sourceFile.getImportDeclarations()) {
    const specifier = declaration.compilerNode.moduleSpecifier;
    if (!("text" in specifier) || typeof specifier.text !== "string" || !specifier.text.startsWith(".")) continue;
    for (const named of declaration.getNamedImports()) {
      imports.set(named.getAliasNode()?.getText() ?? named.getName(), { from: specifier.text, name: named.getName() });
    }
  }
  return imports;
}

function calleeOf(node: TsNode | undefined, imports: ReadonlyMap<string, string>): string | undefined {
  if (!node || !TsNode.isCallExpression(node)) return undefined;
  const callee = node.getExpression();
  return TsNode.isIdentifier(callee) ? imports.get(callee.getText()) : undefined;
}

/** Splits a statement's declarations into models and the rest (cells, or errors cellsOf reports). */
export function partition(
  declarations: readonly VariableDeclaration[],
  imports: ReadonlyMap<string, string>,
): [VariableDeclaration[], VariableDeclaration[]] {
  const models: VariableDeclaration[] = [];
  const rest: VariableDeclaration[] = [];
  for (const d of declarations) (calleeOf(d.getInitializer(), imports) === "model" ? models : rest).push(d);
  return [models, rest];
}

export function checkExportConst(statement: VariableStatement, reporter: Reporter): void {
  if (!statement.isExported() || statement.getDeclarationKind() !== "const") {
    reporter.error("RNNC123", ["model"], statement);
  }
}

function unwrap(node: Expression): Expression {
  while (TsNode.isParenthesizedExpression(node) || TsNode.isAsExpression(node) || TsNode.isSatisfiesExpression(node))
    node = node.getExpression();
  return node;
}

function objectKeys(object: import("ts-morph").ObjectLiteralExpression): string[] {
  return object.getProperties().flatMap((p) => (TsNode.isPropertyAssignment(p) ? [p.getName()] : []));
}

function stringOrNumber(node: Expression): string | number | undefined {
  if (TsNode.isStringLiteral(node) || TsNode.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralText();
  if (TsNode.isNumericLiteral(node)) return sizeValue(node);
  return undefined;
}

export function parseModel(
  declaration: VariableDeclaration,
  imports: ReadonlyMap<string, string>,
  cellImports: ReadonlyMap<string, { from: string; name: string }>,
  r: Reporter,
): ModelSyntax | undefined {
  const call = declaration.getInitializerOrThrow();
  if (
    !TsNode.isCallExpression(call) ||
    call.getArguments().length !== 1 ||
    !TsNode.isObjectLiteralExpression(call.getArguments()[0]!)
  ) {
    r.error("RNNC167", [], call);
    return undefined;
  }
  const errorsBefore = r.diagnostics.length;
  const model: Partial<ModelSyntax> & { dimSites: ModelSyntax["dimSites"] } = {
    name: declaration.getName(), file: r.source.file, dimSites: [], readout: undefined, at: r.spanOf(declaration),
  };
  const noteDim = (dim: string | number, node: TsNode) => {
    if (typeof dim === "string" && !model.dimSites.some((s) => s.dim === dim))
      model.dimSites.push({ dim, at: r.spanOf(node) });
  };

  const cellRef = (node: Expression): CellRef | undefined => {
    if (!TsNode.isIdentifier(node)) {
      r.error("RNNC178", [node.getText()], node);
      return undefined;
    }
    const imported = cellImports.get(node.getText());
    return { name: imported?.name ?? node.getText(), from: imported?.from, at: r.spanOf(node) };
  };

  const parseLayer = (node: Expression, inBidirectional = false): LayerSyntax | undefined => {
    node = unwrap(node);
    const kind = calleeOf(node, imports);
    if (!kind) {
      const cell = cellRef(node);
      return cell && { cell, dims: {}, bidirectional: false, merge: "concat", at: cell.at };
    }
    const args = (node as import("ts-morph").CallExpression).getArguments().map((a) => unwrap(a as Expression));
    if (kind === "layer") {
      if (args.length < 1 || args.length > 2) {
        r.error("RNNC111", ["layer", "1 or 2", "cell, dimensions", args.length], node);
        return undefined;
      }
      const cell = cellRef(args[0]!);
      const dims = nameRecord<string | number>();
      if (args[1]) {
        if (!TsNode.isObjectLiteralExpression(args[1])) r.error("RNNC179", [describeSyntax(args[1])], args[1]);
        else {
          for (const p of args[1].getProperties()) {
            const value = TsNode.isPropertyAssignment(p)
              ? stringOrNumber(unwrap(p.getInitializerOrThrow()))
              : undefined;
            if (!TsNode.isPropertyAssignment(p) || value === undefined) {
              const written = TsNode.isPropertyAssignment(p) ? p.getInitializerOrThrow() : p;
              r.error("RNNC180", [written.getText()], p);
              continue;
            }
            dims[p.getName()] = value;
            noteDim(value, p.getInitializerOrThrow());
          }
        }
      }
      return cell && { cell, dims, bidirectional: false, merge: "concat", at: r.spanOf(node) };
    }
    if (kind === "bidirectional" && !inBidirectional) {
      if (args.length < 1 || args.length > 2) {
        r.error("RNNC111", ["bidirectional", "1 or 2", 'cell or layer(…), "concat" or "sum"', args.length], node);
        return undefined;
      }
      const inner = parseLayer(args[0]!, true);
      const merge = args[1] ? stringOrNumber(args[1]) : "concat";
      if (merge !== "concat" && merge !== "sum") {
        r.error("RNNC181", [args[1]!.getText()], args[1]!);
        return undefined;
      }
      return inner && { ...inner, bidirectional: true, merge, at: r.spanOf(node) };
    }
    r.error("RNNC182", [kind], node);
    return undefined;
  };

  /** One dense input, or id encodings: oneOfN(ROWS, DIM) and wordHash(ROWS, DIM, SLOTS). */
  const parseInputs = (value: Expression): InputSyntax[] | undefined => {
    if (!TsNode.isObjectLiteralExpression(value)) {
      r.error("RNNC173", [], value);
      return undefined;
    }
    const entries = value.getProperties();
    if (entries.length === 0) {
      r.error("RNNC170", [declaration.getName()], value);
      return undefined;
    }
    const inputs: InputSyntax[] = [];
    for (const entry of entries) {
      if (!TsNode.isPropertyAssignment(entry)) {
        r.error("RNNC173", [], entry);
        return undefined;
      }
      const init = unwrap(entry.getInitializerOrThrow());
      const at = r.spanOf(entry);
      const kind = calleeOf(init, imports);
      if (kind === undefined) {
        const size = stringOrNumber(init);
        if (size === undefined) {
          r.error("RNNC174", [entry.getName()], init);
          return undefined;
        }
        noteDim(size, init);
        inputs.push({ kind: "dense", name: entry.getName(), size, at });
        continue;
      }
      const args = (init as import("ts-morph").CallExpression).getArguments().map((a) => unwrap(a as Expression));
      const [rows, dim, slots] = args.map(stringOrNumber);
      const wanted = kind === "oneOfN" ? 2 : kind === "wordHash" ? 3 : -1;
      if (
        wanted < 0 ||
        args.length !== wanted ||
        rows === undefined ||
        dim === undefined ||
        (kind === "wordHash" && typeof slots !== "number")
      ) {
        r.error("RNNC175", [entry.getName()], init);
        return undefined;
      }
      noteDim(rows, args[0]!);
      noteDim(dim, args[1]!);
      inputs.push({
        kind: "ids",
        encoding: kind as "oneOfN" | "wordHash",
        name: entry.getName(),
        rows,
        dim,
        slots: kind === "oneOfN" ? 1 : (slots as number),
        at,
      });
    }
    if (inputs.length > 1 && inputs.some((i) => i.kind === "dense")) {
      r.error("RNNC176", [], value);
      return undefined;
    }
    return inputs;
  };

  for (const property of (call.getArguments()[0] as import("ts-morph").ObjectLiteralExpression).getProperties()) {
    if (!TsNode.isPropertyAssignment(property)) {
      r.error("RNNC168", [describeSyntax(property)], property);
      continue;
    }
    const key = property.getName();
    const value = unwrap(property.getInitializerOrThrow());
    if (key === "input") {
      model.inputs = parseInputs(value);
    } else if (key === "layers") {
      if (!TsNode.isArrayLiteralExpression(value) || value.getElements().length === 0) {
        r.error("RNNC172", [], value);
        continue;
      }
      model.layers = value.getElements().flatMap((e) => parseLayer(e as Expression) ?? []);
    } else if (key === "readout") {
      const args =
        calleeOf(value, imports) === "dense"
          ? (value as import("ts-morph").CallExpression).getArguments().map((a) => unwrap(a as Expression))
          : undefined;
      const size = args?.[0] ? stringOrNumber(args[0]) : undefined;
      const activation = args?.[1] ? stringOrNumber(args[1]) : "linear";
      if (!args || size === undefined || args.length > 2 || !activations.includes(activation as Activation)) {
        r.error("RNNC177", [activations.join(", ")], value);
        continue;
      }
      noteDim(size, args[0]!);
      model.readout = { size, activation: activation as Activation, at: r.spanOf(value) };
    } else {
      r.error("RNNC169", [key], property.getNameNode());
    }
  }
  // A property that was given but reported as bad is not reported missing as well.
  const given = new Set(objectKeys(call.getArguments()[0] as import("ts-morph").ObjectLiteralExpression));
  if (!given.has("input")) r.error("RNNC170", [declaration.getName()], declaration);
  if (!given.has("layers")) r.error("RNNC171", [declaration.getName()], declaration);
  if (r.diagnostics.length > errorsBefore) return undefined;
  return model as ModelSyntax;
}
