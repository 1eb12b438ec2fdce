// compiler/frontend — the nesting limit, checked before anything recursive
// sees the file. In: a cell or model file's text. Out: nothing, or RNNC118 at
// the first token nested deeper than the limit.
//
// TypeScript's parser, ts-morph's node wrappers and the frontend all recurse
// on the syntax tree, so a file nested a few thousand levels deep would
// overflow the stack. TypeScript's scanner is iterative: one pass over its
// tokens bounds the tree's depth from above by counting open brackets plus the
// operators chained at each bracket level (each operator is a level of the
// tree: `a + b + c` is ((a + b) + c)). Commas, semicolons and statement
// keywords end a chain. The limit is far above any cell a person writes.

import { ts, type SyntaxKind } from "./ts-morph.js";
import type { Reporter } from "./report.js";

export const maxNesting = 256;

const opens = new Set([
  ts.SyntaxKind.OpenParenToken,
  ts.SyntaxKind.OpenBracketToken,
  ts.SyntaxKind.OpenBraceToken,
  ts.SyntaxKind.TemplateHead,
]);
const closes = new Set([ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken, ts.SyntaxKind.CloseBraceToken]);
const chainEnds = new Set([
  ts.SyntaxKind.CommaToken, ts.SyntaxKind.SemicolonToken, ts.SyntaxKind.ConstKeyword, ts.SyntaxKind.LetKeyword,
  ts.SyntaxKind.VarKeyword, ts.SyntaxKind.ReturnKeyword, ts.SyntaxKind.ExportKeyword, ts.SyntaxKind.ImportKeyword,
  ts.SyntaxKind.FunctionKeyword,
]);

function isOperator(kind: SyntaxKind): boolean {
  return (
    (kind >= ts.SyntaxKind.FirstBinaryOperator && kind <= ts.SyntaxKind.LastBinaryOperator) ||
    kind === ts.SyntaxKind.QuestionToken || kind === ts.SyntaxKind.EqualsGreaterThanToken ||
    kind === ts.SyntaxKind.ExclamationToken || kind === ts.SyntaxKind.TildeToken ||
    kind === ts.SyntaxKind.PlusPlusToken || kind === ts.SyntaxKind.MinusMinusToken ||
    kind === ts.SyntaxKind.TypeOfKeyword || kind === ts.SyntaxKind.VoidKeyword ||
    kind === ts.SyntaxKind.DeleteKeyword ||
    kind === ts.SyntaxKind.AwaitKeyword || kind === ts.SyntaxKind.NewKeyword || kind === ts.SyntaxKind.DotToken
  );
}

/** Reports RNNC118 where the file first nests deeper than maxNesting; true if it did. */
export function checkNesting(text: string, reporter: Reporter): boolean {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  // chains[i]: operators chained so far at bracket level i; depth = levels + Σ chains.
  const chains: number[] = [0];
  let depth = 0;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (opens.has(kind)) {
      chains.push(0);
      depth++;
    } else if (closes.has(kind)) {
      if (chains.length > 1) depth -= 1 + chains.pop()!;
    } else if (chainEnds.has(kind)) {
      depth -= chains[chains.length - 1]!;
      chains[chains.length - 1] = 0;
    } else if (isOperator(kind)) {
      chains[chains.length - 1]!++;
      depth++;
    }
    if (depth > maxNesting) {
      const at = reporter.source.span(scanner.getTokenStart(), scanner.getTokenEnd());
      reporter.error("RNNC118", [maxNesting], at, "split the expression into consts, or shorten the chain");
      return true;
    }
  }
  return false;
}
