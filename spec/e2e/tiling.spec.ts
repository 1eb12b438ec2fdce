// spec/e2e — the products' tiling as a build option (`tiling`, `rnnc compile
// --tiles`). A tiling decides how a product's loops are cut (rows of the result
// per register tile, vectors per strip, steps per packed block, rows per dot
// block), never the order in which one output is summed over the contraction.
// Oracle: every tiling's loss, outputs, final states, gradients and training
// update equal the default build's bit for bit, on dims that fill no tile
// evenly, at batch 1 and at a batch of 5. (A tiling outside the compiler's
// limits is refused by name: spec/options.spec.ts.)

import { describe, expect, it } from "vitest";
import { defaultTiling, type Tiling } from "../../compiler/lower/kernel.js";
import { instantiateModel, type RnncModel } from "../../runtime/model.js";
import { compileCell } from "../support/compile.js";
import { exampleNames, exampleSource, randomize } from "./harness.js";

const tilings: readonly Partial<Tiling>[] = [
  { tileRows: 1, stripVectors: 1 },
  { tileRows: 3, stripVectors: 2 },
  { tileRows: 4, stripVectors: 3, dotRows: 3 },
  { tileRows: 1, stripVectors: 5, batchBlock: 3, dotRows: 1 },
];

/** Everything a call leaves for the host to read, after forward, backward and one SGD step. */
function results(model: RnncModel, size: { batch: number; steps: number }) {
  const loss = model.forward(size.batch, size.steps);
  model.backward(size.batch, size.steps);
  const read = model.tensors()
    .filter((e) => ["output", "state_out", "grad"].includes(e.role))
    .map((e) => [`${e.name} (${e.role})`, Array.from(model.view(e.name, e.role, size))] as const);
  model.trainStep(size.batch, size.steps, { learning_rate: 0.1, clip_norm: 0 });
  const updated = model.tensors()
    .filter((e) => e.role === "param")
    .map((e) => [`${e.name} after a step`, Array.from(model.view(e.name, e.role, size))] as const);
  return { loss, tensors: Object.fromEntries([...read, ...updated]) };
}

describe("a build with another tiling", () => {
  for (const name of exampleNames) {
    for (const batch of [1, 5]) {
      it(`${name}, batch ${batch}: every tiling computes the default build's numbers bit for bit`, () => {
        const size = { batch, steps: 4 };
        const build = (tiling?: Partial<Tiling>) => {
          const model = instantiateModel(compileCell({
            file: `examples/${name}.ts`, text: exampleSource(name), dims: { I: 7, H: 13 }, loss: "mse",
            capacity: size, train: { kind: "sgd", momentum: 0 }, ...(tiling ? { tiling } : {}),
          }).binary);
          randomize(model, size, 11, [4, 2, 3, 4, 1].slice(0, batch));
          return results(model, size);
        };
        const reference = build();
        expect(Object.keys(reference.tensors).length).toBeGreaterThan(4);
        for (const tiling of tilings) expect(build(tiling), JSON.stringify(tiling)).toEqual(reference);
      });
    }
  }

  it("is the default build when it names the default tiling", () => {
    const options = { file: "examples/gru.ts", text: exampleSource("gru"), dims: { I: 7, H: 13 } };
    const plain = Buffer.from(compileCell(options).binary);
    const same = (tiling: Partial<Tiling>) => Buffer.from(compileCell({ ...options, tiling }).binary).equals(plain);
    expect(same(defaultTiling)).toBe(true);
    expect(same({ tileRows: 3 })).toBe(false);
  });
});
