// compiler/rewrite — identities of rows: concatenations and slices. In: a node
// with its operands already rewritten. Out: the same value with fewer copies:
// nested concatenations flattened and equal constants in them merged, a slice
// of a slice one slice, a slice of a concatenation within one part a slice of
// that part, and a sum of two concatenations the concatenation of the sums of
// their rows. The
// last is what turns the cotangent of a split vector, a sum of one zero-padded
// block per part (ad/rules.ts), back into the concatenation of the parts'
// cotangents, so reverse mode of a split costs no more than the split.

import { constValue, sameShape, sliceArg, type Graph, type Node } from "../ir/index.js";
import type { LocalRule } from "./rebuild.js";

/** Builds a node and offers it to `again`, so that what a rule makes is simplified at once. */
type Make = (op: "concat" | "slice" | "add", inputs: readonly Node[], slice?: { start: number; rows: number }) => Node;

const rowsOf = (node: Node) => node.shape[0]!;
const isZero = (node: Node) => constValue(node) === 0;

/** Rows from … to − 1 of concat(parts), as pieces: whole parts, or slices of the parts at either end. */
function piecesOf(parts: readonly Node[], from: number, to: number, make: Make): Node[] {
  const pieces: Node[] = [];
  let start = 0;
  for (const part of parts) {
    const [lo, hi] = [Math.max(from, start), Math.min(to, start + rowsOf(part))];
    if (lo < hi) {
      pieces.push(
        lo === start && hi === start + rowsOf(part)
          ? part
          : make("slice", [part], { start: lo - start, rows: hi - lo }),
      );
    }
    start += rowsOf(part);
  }
  return pieces;
}

/** Each part's first row, and the total. */
function boundaries(parts: readonly Node[]): number[] {
  const ends = [0];
  for (const part of parts) ends.push(ends[ends.length - 1]! + rowsOf(part));
  return ends;
}

/** Flattened parts, with neighbouring constants of one value merged. */
function flatParts(parts: readonly Node[], g: Graph): Node[] {
  const flat: Node[] = [];
  for (const part of parts.flatMap((p) => (p.op === "concat" ? p.inputs : [p]))) {
    const last = flat[flat.length - 1];
    const value = constValue(part);
    if (last && value !== undefined && Object.is(constValue(last), value) && last.batched === part.batched) {
      flat[flat.length - 1] = g.constant(value, [rowsOf(last) + rowsOf(part), ...part.shape.slice(1)], part.batched);
    } else flat.push(part);
  }
  return flat;
}

function candidate(node: Node, inputs: readonly Node[], g: Graph, make: Make): Node | undefined {
  const [a, b] = inputs;
  switch (node.op) {
    case "concat": {
      const flat = flatParts(inputs, g);
      if (flat.length === 1) return flat[0];
      return flat.length < inputs.length || flat.some((p, i) => p !== inputs[i]) ? make("concat", flat) : undefined;
    }
    case "slice": {
      const { start, rows } = sliceArg(node);
      if (start === 0 && rows === rowsOf(a!)) return a;
      if (a!.op === "slice") return make("slice", [a!.inputs[0]!], { start: sliceArg(a!).start + start, rows });
      if (a!.op !== "concat") return undefined;
      // Only where the rows lie within one part: a slice across parts would become a new concatenation
      // beside the one other users may still read, a larger graph (a slice is a view, never a copy).
      const pieces = piecesOf(a!.inputs, start, start + rows, make);
      return pieces.length === 1 ? pieces[0] : undefined;
    }
    // Only where every block of rows is zero on one side or the other, and only zero blocks are cut:
    // then the sum is a concatenation of the other sides' blocks, and never a larger graph.
    case "add": {
      if (a!.op !== "concat" || b!.op !== "concat" || !sameShape(a!.shape, b!.shape)) return undefined;
      const cuts = [...new Set([...boundaries(a!.inputs), ...boundaries(b!.inputs)])].sort((x, y) => x - y);
      const blocks = cuts.slice(1).map((to, i) => [cuts[i]!, to] as const);
      const cutsOnlyZeros = (parts: readonly Node[]) => {
        const ends = boundaries(parts);
        return parts.every(
          (part, k) =>
            isZero(part) ||
            blocks.every(([lo, hi]) => hi <= ends[k]! || lo >= ends[k + 1]! || (lo === ends[k] && hi === ends[k + 1])),
        );
      };
      if (!cutsOnlyZeros(a!.inputs) || !cutsOnlyZeros(b!.inputs)) return undefined;
      const sums = blocks.map(([lo, hi]) => {
        const [p] = piecesOf(a!.inputs, lo, hi, make);
        const [q] = piecesOf(b!.inputs, lo, hi, make);
        return isZero(p!) ? q : isZero(q!) ? p : undefined;
      });
      return sums.every((n) => n !== undefined) ? make("concat", sums as Node[]) : undefined;
    }
    default:
      return undefined;
  }
}

/** The rule, given the whole rule set to simplify what it builds (rewrite/index.ts). */
export function simplifyRows(again: LocalRule): LocalRule {
  return (node, inputs, g) => {
    const make: Make = (op, operands, slice) => {
      const built = g.apply(op, operands, node.origin, slice);
      return again(built, built.inputs, g) ?? built;
    };
    const r = candidate(node, inputs, g, make);
    return r !== undefined && sameShape(r.shape, node.shape) && r.batched === node.batched ? r : undefined;
  };
}
