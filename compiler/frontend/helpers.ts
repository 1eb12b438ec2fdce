// compiler/frontend — helper functions: `function name(a, b) { const …; return …; }`
// or `const name = (a, b) => …` at the top level of a cell file. In: the
// file's top-level statements. Out: the table steps call helpers through,
// which inlines a helper's body at each call with its parameters bound to the
// arguments (so shapes are checked per call); nothing is ever run.
//
// Each helper is first checked once on its own, its parameters unknown (as a
// failed operand is, so nothing that depends on them is checked): what does
// not depend on the arguments — statements, names, calls, recursion — is
// reported there, once, and a helper with such an error is never inlined. What
// does — shapes, a constant exponent, depth — is reported at the inlined call,
// with a note of each call it came through. Helper calls nest at most
// maxHelperDepth deep, so the frontend's recursion stays bounded.

import { Node as TsNode, VariableDeclarationKind } from "./ts-morph.js";
import type {
  ArrowFunction,
  CallExpression,
  FunctionDeclaration,
  FunctionExpression,
  Statement,
  VariableDeclaration,
} from "ts-morph";
import { callNote } from "../diagnostics.js";
import { constNames, lowerBlock } from "./body.js";
import { lowerExpr, type Helpers, type Scope } from "./expr.js";
import type { Reporter } from "./report.js";
import type { Expr } from "./syntax.js";

export const maxHelperDepth = 64;

interface HelperDef {
  readonly name: string;
  readonly params: readonly string[];
  /** A block, or the expression an arrow function returns. */
  readonly body: TsNode;
  readonly nameNode: TsNode;
  /** Something was reported while it was checked on its own: calls of it give nothing more to report. */
  broken: boolean;
}

type HelperFunction = ArrowFunction | FunctionExpression | FunctionDeclaration;

/** The function a top-level `const name = (…) => …` (or `= function (…) { … }`) defines, if it defines one. */
export function helperFunction(d: VariableDeclaration): ArrowFunction | FunctionExpression | undefined {
  let init = d.getInitializer();
  while (init && TsNode.isParenthesizedExpression(init)) init = init.getExpression();
  return init && (TsNode.isArrowFunction(init) || TsNode.isFunctionExpression(init)) ? init : undefined;
}

export class HelperTable implements Helpers {
  private readonly defs = new Map<string, HelperDef>();
  /** The calls each helper makes of others, recorded while it is checked on its own. */
  private readonly edges = new Map<string, { callee: string; call: CallExpression }[]>();
  /** The helper being checked on its own: its calls are recorded, not inlined. */
  private checking: string | undefined;
  private depth = 0;

  private constructor(private readonly reporter: Reporter, private readonly imports: ReadonlyMap<string, string>) {}

  /**
   * The helpers among `statements`, each checked on its own. `taken` holds the
   * file's other top-level names (imports, cells, models), each with what it is.
   */
  static of(
    statements: Statement[],
    imports: ReadonlyMap<string, string>,
    taken: ReadonlyMap<string, string>,
    reporter: Reporter,
  ): HelperTable {
    const table = new HelperTable(reporter, imports);
    for (const statement of statements) {
      if (TsNode.isFunctionDeclaration(statement)) {
        const name = statement.getNameNode();
        if (name) table.define(name, statement, taken);
      } else if (TsNode.isVariableStatement(statement)) {
        for (const declaration of statement.getDeclarations()) {
          const fn = helperFunction(declaration);
          if (!fn) continue;
          const def = table.define(declaration.getNameNode(), fn, taken);
          if (def && statement.getDeclarationKind() !== VariableDeclarationKind.Const) {
            const kind = `a ${statement.getDeclarationKind()} declaration`;
            reporter.error("RNNC221", [def.name, kind], statement.getDeclarationList());
            def.broken = true;
          }
        }
      }
    }
    for (const def of table.defs.values()) table.check(def);
    table.reportRecursion();
    return table;
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  call(name: string, call: CallExpression, args: readonly (Expr | undefined)[], caller: Scope): Expr | undefined {
    const r = this.reporter;
    const def = this.defs.get(name)!;
    if (args.length !== def.params.length) {
      r.error("RNNC111", [name, def.params.length, def.params.join(", "), args.length], call);
      return undefined;
    }
    if (this.checking !== undefined) {
      this.edges.get(this.checking)!.push({ callee: name, call });
      return undefined;
    }
    if (def.broken || args.some((a) => a === undefined)) return undefined;
    if (this.depth === maxHelperDepth) {
      r.error("RNNC225", [maxHelperDepth], call);
      return undefined;
    }
    this.depth++;
    try {
      const values = new Map(def.params.map((p, i) => [p, args[i]]));
      return r.within(callNote(name, r.spanOf(call)), () => this.lower(def, values, caller.cellName));
    } finally {
      this.depth--;
    }
  }

  private define(nameNode: TsNode, fn: HelperFunction, taken: ReadonlyMap<string, string>): HelperDef | undefined {
    const r = this.reporter;
    const name = nameNode.getText();
    const other = this.defs.has(name) ? "a helper" : taken.get(name);
    if (other !== undefined) {
      r.error("RNNC226", [name, other, "a helper"], nameNode);
      return undefined;
    }
    const problems: [string, TsNode][] = [];
    if (fn.isAsync()) problems.push(["async", fn]);
    if (!TsNode.isArrowFunction(fn) && fn.isGenerator()) problems.push(["a generator", fn]);
    const params: string[] = [];
    for (const p of fn.getParameters()) {
      const id = p.getNameNode();
      const pattern = TsNode.isObjectBindingPattern(id) ? "an object pattern" : "an array pattern";
      if (!TsNode.isIdentifier(id)) problems.push([pattern, id]);
      else if (p.isRestParameter()) problems.push(["a rest parameter", p]);
      else if (p.hasInitializer()) problems.push(["a default value", p]);
      else if (p.hasQuestionToken()) problems.push(["an optional parameter", p]);
      else if (params.includes(id.getText())) problems.push(["a repeated parameter name", id]);
      params.push(p.getName());
    }
    const body = fn.getBody();
    if (body === undefined) problems.push(["a declaration without a body", fn]);
    for (const [what, at] of problems) r.error("RNNC221", [name, what], at);
    const def: HelperDef = { name, params, body: body ?? fn, nameNode, broken: problems.length > 0 };
    this.defs.set(name, def);
    this.edges.set(name, []);
    return def;
  }

  /** The helper's body with its parameters unknown: reports what does not depend on the arguments. */
  private check(def: HelperDef): void {
    if (def.broken) return;
    const before = this.reporter.diagnostics.length;
    this.checking = def.name;
    this.lower(def, new Map(def.params.map((p) => [p, undefined])), "");
    this.checking = undefined;
    if (this.reporter.diagnostics.length > before) def.broken = true;
  }

  private lower(def: HelperDef, values: Map<string, Expr | undefined>, cellName: string): Expr | undefined {
    const r = this.reporter;
    const body = def.body;
    const scope: Scope = {
      reporter: r, cellName, declared: new Map(), imports: this.imports, values,
      stepConsts: new Set(TsNode.isBlock(body) ? constNames(body.getStatements()) : []),
      helpers: this, helper: def.name,
    };
    if (!TsNode.isBlock(body)) return lowerExpr(body, scope);
    const before = r.diagnostics.length;
    const onReturn = (v: TsNode) => lowerExpr(v, scope);
    const { returned, value } = lowerBlock(body, scope, "return the helper's value: return …", onReturn);
    if (!returned && r.diagnostics.length === before) r.error("RNNC224", [def.name], def.nameNode);
    return value;
  }

  /** RNNC222 at the call closing each cycle of calls between helpers (depth first, without recursing). */
  private reportRecursion(): void {
    const state = new Map<string, "open" | "done">();
    for (const root of this.defs.keys()) {
      if (state.has(root)) continue;
      const stack = [{ name: root, next: 0 }];
      state.set(root, "open");
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const edge = this.edges.get(top.name)![top.next++];
        if (edge === undefined) {
          state.set(top.name, "done");
          stack.pop();
        } else if (state.get(edge.callee) === "open") {
          const cycle = stack.slice(stack.findIndex((f) => f.name === edge.callee)).map((f) => f.name);
          this.reporter.error("RNNC222", [edge.callee, [...cycle, edge.callee].join(" → ")], edge.call);
          for (const name of cycle) this.defs.get(name)!.broken = true;
        } else if (!state.has(edge.callee)) {
          state.set(edge.callee, "open");
          stack.push({ name: edge.callee, next: 0 });
        }
      }
    }
  }
}
