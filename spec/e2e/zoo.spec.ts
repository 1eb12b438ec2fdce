// spec/e2e — the cells of docs/cell-zoo.md that are new to rnnc (sLSTM, minGRU, minLSTM, the
// multiplicative-integration RNN) and IndRNN as a user ships them: `rnnc compile` writes each
// one's module to a file, the module imports nothing (it instantiates with an empty import
// object), and loaded from that file by the runtime, its f32 forward pass computes the equations
// of the independent implementation in cell-references.ts, outputs and final states.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel } from "../../runtime/model.js";
import { prng } from "../../runtime/random.js";
import { rnnc } from "../support/cli.js";
import { references, setReferenceCase } from "./cell-references.js";
import { mismatch } from "./harness.js";

const zoo = ["slstm", "minGru", "minLstm", "miRnn", "indrnn"] as const;
/** f32 against the f64 reference, relative to max(1, |expected|). */
const F32_TOLERANCE = 1e-4;

let tmp: string;
beforeAll(() => void (tmp = mkdtempSync(join(tmpdir(), "rnnc-zoo-"))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the zoo's cells as standalone modules (f32, compiled by rnnc compile, loaded from the file)", () => {
  for (const name of zoo) {
    const ref = references[name]!;
    it(`${name} (examples/${ref.file}) imports nothing and computes its equations`, async () => {
      const I = 3, H = 5, B = 3, T = 6;
      const file = join(tmp, `${name}.wasm`);
      const run = rnnc("compile", `examples/${ref.file}`, "--dims", `I=${I},H=${H}`, "-o", file);
      expect(run.code, run.err).toBe(0);
      const bytes = readFileSync(file);
      expect(WebAssembly.Module.imports(new WebAssembly.Module(bytes))).toEqual([]);
      const { instance } = await WebAssembly.instantiate(bytes, {});
      expect(Object.keys(instance.exports)).toEqual(expect.arrayContaining(["memory", "forward", "backward"]));

      const model = await loadModel(file);
      expect(model.dtype).toBe("f32");
      const lengths = [T, 2, 5];
      const { out, stateOut } = setReferenceCase(model, ref, prng(7), { I, H, B, T }, lengths);
      model.forward(B, T);
      const size = { batch: B, steps: T };
      const problems = [
        mismatch(model.view(ref.states[0]!, "output", size), out, F32_TOLERANCE, "output"),
        ...ref.states.map((s) => mismatch(model.view(s, "state_out", size), stateOut[s]!, F32_TOLERANCE, `state_out ${s}`)),
      ].filter((p) => p !== undefined);
      expect(problems).toEqual([]);
    });
  }
});
