// compiler/frontend — reads a cell file statically with ts-morph, never
// running it. In: file name and text. Out: one CellSyntax per
// `export const NAME = cell({...})`, or a DiagnosticError with every user
// error found.

import { Node as TsNode, Project, ts } from "./ts-morph.js";
import type { CallExpression, SourceFile, Statement, VariableDeclaration, VariableStatement } from "ts-morph";
import { DiagnosticError, diagnostic, wholeFile } from "../diagnostics.js";
import { parseDeclarations } from "./declarations.js";
import { describeSyntax } from "./describe.js";
import { checkNesting } from "./nesting.js";
import { Reporter } from "./report.js";
import { lowerStep } from "./step.js";
import { helperFunction, HelperTable } from "./helpers.js";
import type { CellSyntax, ModelSyntax } from "./syntax.js";
import { checkExportConst, parseModel, partition, relativeImports } from "./model.js";

export function parseCells(file: string, text: string): CellSyntax[] {
  const { cells } = parseUnits(file, text);
  if (cells.length === 0) {
    throw new DiagnosticError([diagnostic("RNNC119", [], wholeFile(file))]);
  }
  return cells;
}

/** The cells and models a file defines. */
export function parseUnits(file: string, text: string): { cells: CellSyntax[]; models: ModelSyntax[] } {
  const reporter = new Reporter(file, text);
  // Before TypeScript's parser, which recurses on the tree, sees the text.
  if (checkNesting(text, reporter)) reporter.throwIfFailed();
  const project = new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    compilerOptions: { noLib: true },
  });
  // The name only decides how TypeScript parses the text; messages use `file`.
  const sourceFile = project.createSourceFile("/cell.ts", text);
  reportSyntaxErrors(project, sourceFile, reporter);
  // A broken tree would only produce errors about its own recovery.
  reporter.throwIfFailed();

  const imports = rnncImports(sourceFile, reporter);
  const cellImports = relativeImports(sourceFile);
  const statements = sourceFile.getStatements();
  const helpers = HelperTable.of(statements, imports, topLevelNames(statements, imports, cellImports), reporter);
  const cells: CellSyntax[] = [];
  const models: ModelSyntax[] = [];
  for (const statement of statements) {
    if (
      TsNode.isImportDeclaration(statement) ||
      TsNode.isTypeAliasDeclaration(statement) ||
      TsNode.isInterfaceDeclaration(statement)
    ) {
      continue;
    }
    if (TsNode.isFunctionDeclaration(statement) && statement.getName() !== undefined) continue;
    if (TsNode.isVariableStatement(statement)) {
      const declarations = statement.getDeclarations().filter((d) => helperFunction(d) === undefined);
      if (declarations.length === 0) continue;
      const [modelDecls, cellDecls] = partition(declarations, imports);
      if (modelDecls.length > 0) checkExportConst(statement, reporter);
      for (const declaration of modelDecls) {
        const model = parseModel(declaration, imports, cellImports, reporter);
        if (model) models.push(model);
      }
      if (cellDecls.length > 0) cells.push(...cellsOf(statement, cellDecls, imports, helpers, reporter));
      continue;
    }
    reporter.error("RNNC121", [describeSyntax(statement)], statement);
  }
  reporter.throwIfFailed();
  if (cells.length === 0 && models.length === 0) {
    throw new DiagnosticError([diagnostic("RNNC119", [], wholeFile(file))]);
  }
  return { cells, models };
}

function reportSyntaxErrors(project: Project, sourceFile: SourceFile, reporter: Reporter): void {
  // Syntactic diagnostics only: the user's editor may not have rnnc's types,
  // and TypeScript's type errors are not ours to judge.
  for (const d of project.getProgram().getSyntacticDiagnostics(sourceFile)) {
    const start = d.getStart() ?? 0;
    const message = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n");
    reporter.error("RNNC110", [message], reporter.source.span(start, start + (d.getLength() ?? 0)));
  }
}

/** Local name → exported name, for every named import from "rnnc". */
function rnncImports(sourceFile: SourceFile, reporter: Reporter): Map<string, string> {
  const imports = new Map<string, string>();
  for (const declaration of sourceFile.getImportDeclarations()) {
    // TypeScript's parser accepts any expression as the module name and leaves
    // the complaint to its checker (and ts-morph throws on reading it).
    const specifier = declaration.compilerNode.moduleSpecifier;
    if (!ts.isStringLiteral(specifier)) {
      const start = specifier.getStart(sourceFile.compilerNode);
      const at = reporter.source.span(start, specifier.getEnd());
      reporter.error("RNNC125", [specifier.getText(sourceFile.compilerNode)], at);
      continue;
    }
    if (specifier.text !== "rnnc" || declaration.isTypeOnly()) continue;
    const other = declaration.getDefaultImport() ?? declaration.getNamespaceImport();
    if (other) {
      reporter.error("RNNC124", [other.getText()], other);
    }
    for (const named of declaration.getNamedImports()) {
      if (named.isTypeOnly()) continue;
      const local = named.getAliasNode()?.getText() ?? named.getName();
      imports.set(local, named.getName());
    }
  }
  return imports;
}

/** Every top-level name besides the helpers, with what it is: the names a helper may not take. */
function topLevelNames(
  statements: Statement[], imports: ReadonlyMap<string, string>, cellImports: ReadonlyMap<string, unknown>,
): Map<string, string> {
  const taken = new Map<string, string>([...imports.keys(), ...cellImports.keys()].map((name) => [name, "an import"]));
  for (const statement of statements) {
    if (!TsNode.isVariableStatement(statement)) continue;
    for (const d of statement.getDeclarations()) {
      if (helperFunction(d) !== undefined) continue;
      const init = d.getInitializer();
      const callee = init && TsNode.isCallExpression(init) ? imports.get(init.getExpression().getText()) : undefined;
      taken.set(d.getName(), callee === "cell" ? "a cell" : callee === "model" ? "a model" : "a declaration");
    }
  }
  return taken;
}

function cellsOf(
  statement: VariableStatement,
  declarations: VariableDeclaration[],
  imports: Map<string, string>,
  helpers: HelperTable,
  reporter: Reporter,
): CellSyntax[] {
  const cells: CellSyntax[] = [];
  for (const declaration of declarations) {
    const init = declaration.getInitializer();
    const call = init && TsNode.isCallExpression(init) ? init : undefined;
    const callee = call?.getExpression();
    const callsCell =
      callee !== undefined &&
      TsNode.isIdentifier(callee) &&
      (imports.get(callee.getText()) === "cell" || callee.getText() === "cell");
    if (!call || !callsCell) {
      reporter.error("RNNC122", [declaration.getName()], declaration);
      continue;
    }
    if (!imports.has(callee.getText())) {
      reporter.error("RNNC101", ["cell"], callee, "import it: import { cell } from \"rnnc\"");
    }
    if (!statement.isExported() || statement.getDeclarationKind() !== "const") {
      reporter.error("RNNC123", ["cell"], statement);
    }
    const cell = parseCell(declaration.getName(), call, imports, helpers, reporter);
    if (cell) cells.push(cell);
  }
  return cells;
}

function parseCell(
  name: string,
  call: CallExpression,
  imports: Map<string, string>,
  helpers: HelperTable,
  reporter: Reporter,
): CellSyntax | undefined {
  const args = call.getArguments();
  if (args.length !== 1) {
    reporter.error("RNNC111", ["cell", 1, "{ input, state, params, step }", args.length], call);
    return undefined;
  }
  const declarations = parseDeclarations(name, args[0]!, reporter);
  if (!declarations) return undefined;
  const { cell, declared, step } = declarations;
  const states = cell.states.map((s) => s.name);
  const outputs = cell.outputs.map((s) => s.name);
  const values = lowerStep(step, { reporter, cellName: name, declared, states, outputs, imports, helpers });
  return values && { ...cell, ...values };
}
