// compiler/frontend — the exact value of a numeric literal in a cell or model
// file. In: a ts-morph NumericLiteral. Out: its value as JavaScript reads it,
// or a located diagnostic for a value no build can hold (non-finite, outside
// f32's normal range) or a size that is not a positive int32.
//
// ts-morph's getLiteralValue() parses "1e-7" with parseInt (giving 1), so
// nothing here calls it: TypeScript's own scanner has already normalised the
// text to the shortest string that reads back as the same double.

import type { Node as TsNode, NumericLiteral } from "ts-morph";
import type { Reporter } from "./report.js";

/** Literals must survive the f32 build: smallest normal and largest finite f32. */
const f32MinNormal = 2 ** -126;
const f32Max = (2 - 2 ** -23) * 2 ** 127;
/** Sizes are int32 in the ABI. */
export const maxSize = 2 ** 31 - 1;

/** The double the literal denotes: Infinity or 0 where it over- or underflows a double. */
function exactValue(node: NumericLiteral): number {
  return Number(node.compilerNode.text);
}

/** Whether the source spells a nonzero number (so a value of 0 means underflow). */
function spellsNonzero(node: NumericLiteral): boolean {
  const raw = node.getText().replace(/_/g, "").toLowerCase();
  if (/^0[box]/.test(raw)) return /[1-9a-f]/.test(raw.slice(2));
  return /[1-9]/.test(raw.split("e")[0]!);
}

/**
 * The value of a literal used in an expression (negated for a leading minus),
 * or undefined after reporting RNNC116 (overflow) or RNNC187 (underflow) when
 * it is out of range for the builds.
 */
export function numericValue(
  node: NumericLiteral,
  reporter: Reporter,
  negate = false,
  at: TsNode = node,
): number | undefined {
  const value = exactValue(node);
  const magnitude = Math.abs(value);
  const text = at.getText();
  if (!Number.isFinite(value) || magnitude > f32Max) {
    reporter.error("RNNC116", [text], at);
    return undefined;
  }
  if (magnitude === 0 ? spellsNonzero(node) : magnitude < f32MinNormal) {
    reporter.error("RNNC187", [text], at);
    return undefined;
  }
  return negate ? -value : value;
}

/** The value of a literal used as a size: a positive integer up to 2^31 − 1, else undefined. */
export function sizeValue(node: NumericLiteral): number | undefined {
  const value = exactValue(node);
  return Number.isInteger(value) && value > 0 && value <= maxSize && Number.isSafeInteger(value) ? value : undefined;
}
