// spec/time — properties of a scan's step functions on random cells, read
// with the reference interpreter (no lowering): a masked step is the
// identity (a finished sequence keeps its state, emits 0, adds no loss and
// passes the state's cotangent back unchanged, whatever its padding holds,
// NaN included; under 2^-100 it is carried back as 0, the last spec), a
// valid step computes the cell's own equations, and the tape
// loses nothing (the backward step that reads the tape computes the untaped
// backward step's values bit for bit; every tape entry is per batch row, so a
// value of the parameters alone is recomputed, not kept once per step).

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { evaluate, varKey, type Node, type VarArg } from "../../compiler/ir/index.js";
import { differentiate, instantiate, parse, simplify, tape, type PassContext } from "../../compiler/passes.js";
import { scansOf, type CellGraph, type StepFn, type StepPair, type TapedScan } from "../../compiler/time/index.js";
import { prng } from "../../runtime/random.js";
import { cellCases, type CellCase } from "../support/cells.js";

const context = (c: CellCase): PassContext => ({
  file: "random-cell.ts", text: c.source, dims: c.dims, loss: c.loss, dtype: "f64", simd: false,
  capacity: { batch: c.batch, steps: c.steps }, optimize: false, train: undefined, inference: false, relaxedSimd: false,
});

interface Stages {
  readonly cell: CellGraph;
  readonly pair: StepPair;
  /** The pair after simplify, which tape takes. */
  readonly simplified: StepPair;
  readonly taped: TapedScan;
}

function stagesOf(c: CellCase): Stages {
  const ctx = context(c);
  const instantiated = instantiate.run(parse.run(ctx, ctx), ctx);
  const differentiated = differentiate.run(instantiated, ctx);
  const simplified = simplify.run(differentiated, ctx);
  const taped = tape.run(simplified, ctx);
  return {
    cell: scansOf(instantiated.program)[0]!.scan,
    pair: scansOf(differentiated.program)[0]!.scan,
    simplified: scansOf(simplified.program)[0]!.scan,
    taped: scansOf(taped.program)[0]!.scan,
  };
}

const varsOf = (roots: readonly Node[]) => {
  const seen = new Map<string, Node>();
  const pending = [...roots];
  while (pending.length > 0) {
    const n = pending.pop()!;
    if (n.op === "var") seen.set(varKey(n), n);
    else pending.push(...n.inputs);
  }
  return [...seen.values()];
};

/** Random values in (−1, 1) for every var of `fns`; batched ones per row. The mask and class ids as given. */
function values(
  fns: readonly StepFn[],
  batch: number,
  seed: number,
  mask: readonly number[],
): Map<string, Float64Array> {
  const random = prng(seed);
  const out = new Map<string, Float64Array>();
  for (const v of varsOf(fns.flatMap((f) => f.outputs.map((o) => o.node)))) {
    const size = (v.batched ? batch : 1) * v.shape.reduce((a, b) => a * b, 1);
    const role = (v.arg as VarArg).role;
    out.set(
      varKey(v),
      role === "mask" ? Float64Array.from(mask) : Float64Array.from({ length: size }, () => 2 * random() - 1),
    );
  }
  return out;
}

/** Row b of a batched value; an unbatched one (a value of the parameters alone) is every row. */
const rowOf = (value: Float64Array, batch: number, b: number, batched = true) => {
  if (!batched) return Array.from(value);
  const width = value.length / batch;
  return Array.from(value.subarray(b * width, (b + 1) * width));
};

const output = (fn: StepFn, kind: string, name: string) =>
  fn.outputs.find((o) => o.port.kind === kind && o.port.name === name);

const masks = (batch: number) => fc.array(fc.constantFrom(0, 1), { minLength: batch, maxLength: batch });

describe("a scan's step", () => {
  it("with every row masked is the identity, even when its inputs are NaN", () => {
    fc.assert(fc.property(cellCases(), fc.nat(), (c, seed) => {
      const { pair } = stagesOf(c);
      const mask = new Array<number>(c.batch).fill(0);
      const vars = values([pair.forward, pair.backward], c.batch, seed, mask);
      for (const [key, value] of vars) if (key.startsWith("input:")) value.fill(Number.NaN);
      const forward = evaluate(pair.forward.outputs.map((o) => o.node), vars, c.batch);
      for (const s of pair.states) {
        const next = forward.get(output(pair.forward, "next", s.name)!.node)!;
        expect(Array.from(next), `next ${s.name}`).toEqual(Array.from(vars.get(`state:${s.name}`)!));
      }
      for (const o of pair.forward.outputs.filter((o) => o.port.kind === "output" || o.port.kind === "loss")) {
        expect(Array.from(forward.get(o.node)!).every((x) => x === 0), `${o.name} is 0`).toBe(true);
      }
      const backward = evaluate(pair.backward.outputs.map((o) => o.node), vars, c.batch);
      for (const o of pair.backward.outputs) {
        const got = Array.from(backward.get(o.node)!);
        if (o.port.kind === "dstate") {
          expect(got, `${o.name} is the next state's cotangent`).toEqual(
            Array.from(vars.get(`seed:next:${o.port.name}`)!),
          );
        } else {
          expect(got.every((x) => x === 0), `${o.name} is 0`).toBe(true);
        }
      }
    }), { numRuns: 25 });
  });

  it("computes the cell's own next states in the valid rows and keeps the state in the others", () => {
    fc.assert(fc.property(
      cellCases().chain((c) => fc.tuple(fc.constant(c), masks(c.batch), fc.nat())),
      ([c, mask, seed]) => {
        const { cell, pair } = stagesOf(c);
        const vars = values([pair.forward], c.batch, seed, mask);
        const stepped = evaluate(pair.forward.outputs.map((o) => o.node), vars, c.batch);
        const own = evaluate(cell.next.map((o) => o.node), vars, c.batch);
        for (const [i, s] of cell.next.entries()) {
          const next = stepped.get(output(pair.forward, "next", s.name)!.node)!;
          const state = vars.get(`state:${s.name}`)!;
          for (let b = 0; b < c.batch; b++) {
            const mine = cell.next[i]!.node;
            const want = mask[b] ? rowOf(own.get(mine)!, c.batch, b, mine.batched) : rowOf(state, c.batch, b);
            expect(rowOf(next, c.batch, b), `next ${s.name}, row ${b} (mask ${mask[b]})`).toEqual(want);
          }
        }
      },
    ), { numRuns: 25 });
  });

  it("keeps on its tape exactly what the backward step needs: values bit for bit, every entry per batch row", () => {
    fc.assert(fc.property(
      cellCases().chain((c) => fc.tuple(fc.constant(c), masks(c.batch), fc.nat())),
      ([c, mask, seed]) => {
        const { simplified: pair, taped } = stagesOf(c);
        expect(
          taped.tape.every((e) => e.batched),
          taped.tape.map((e) => `${e.name} batched=${e.batched}`).join(", "),
        ).toBe(true);
        const vars = values([pair.forward, pair.backward], c.batch, seed, mask);
        const forward = evaluate(taped.forward.outputs.map((o) => o.node), vars, c.batch);
        const withTape = new Map(vars);
        for (const e of taped.tape)
          withTape.set(`tape:${e.name}`, forward.get(output(taped.forward, "tape", e.name)!.node)!);
        const untaped = evaluate(pair.backward.outputs.map((o) => o.node), vars, c.batch);
        const fromTape = evaluate(taped.backward.outputs.map((o) => o.node), withTape, c.batch);
        for (const o of pair.backward.outputs) {
          const got = fromTape.get(output(taped.backward, o.port.kind, o.port.name)!.node)!;
          expect(Array.from(got), o.name).toEqual(Array.from(untaped.get(o.node)!));
        }
      },
    ), { numRuns: 25 });
  });
});

describe("the state cotangent a backward step carries back", () => {
  it("is 0 where it is under 2^-100 in magnitude (no subnormal floats down the steps), NaN and the rest kept", () => {
    const text = `import { cell, tanh } from "rnnc";
export const c = cell({
  input: { x: "I" }, state: { h: "H" }, params: { W: ["H", "I"] },
  step: ({ x, h, W }) => ({ h: tanh(W * x) + h }),
});`;
    const c = { source: text, dims: { I: 1, H: 4 }, batch: 1, steps: 1, loss: "none" } as unknown as CellCase;
    const { pair } = stagesOf(c);
    const vars = values([pair.forward, pair.backward], 1, 1, [0]);
    const seeds = [2 ** -101, -(2 ** -101), 2 ** -99, Number.NaN];
    vars.set("seed:next:h", Float64Array.from(seeds));
    vars.set("seed:output:h", new Float64Array(4));
    const backward = evaluate(pair.backward.outputs.map((o) => o.node), vars, 1);
    const dh = backward.get(output(pair.backward, "dstate", "h")!.node)!;
    expect(Array.from(dh)).toEqual([0, 0, 2 ** -99, Number.NaN]);
  });
});
