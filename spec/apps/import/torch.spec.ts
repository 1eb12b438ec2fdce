// spec/apps/import — PyTorch state_dicts imported and compiled, against
// PyTorch itself: spec/fixtures/import/make.py saved each network's
// state_dict (.pt by torch.save, and .safetensors) and what PyTorch computed
// in float64 over packed ragged sequences (pack_padded_sequence): every
// step's output and the final states h_n, c_n. The imported model, compiled
// by rnnc, must give the same numbers: within 1e-9 relative in an f64 build,
// 1e-5 in an f32 build.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { importFile, type ImportOptions } from "../../../apps/import/index.js";
import { decodeParams } from "../../../runtime/index.js";
import { compileImported, expectClose, run, validSteps, type Inputs } from "./harness.js";

const fixtures = new URL("../../fixtures/import/torch/", import.meta.url);

interface Fixture {
  readonly steps: number;
  readonly batch: number;
  readonly lengths: number[];
  readonly saved: "float32" | "float64";
  readonly input: { readonly x?: number[]; readonly ids?: number[] };
  readonly y: { readonly shape: number[]; readonly data: number[] };
  readonly states: Record<string, { readonly shape: number[]; readonly data: number[] }>;
  readonly modules: {
    readonly kind: string;
    readonly layers: number;
    readonly bidirectional: boolean;
    readonly proj: number;
  }[];
}

const cases: { name: string; options: ImportOptions; safetensors?: ImportOptions }[] = [
  { name: "rnn-tanh", options: {} },
  { name: "rnn-relu-bi2", options: { rnnNonlinearity: "relu" } },
  { name: "lstm-tagger", options: {} },
  { name: "lstm-proj", options: {} },
  { name: "gru-nobias", options: {} },
  { name: "gru-bi-sigmoid", options: { readoutActivation: "sigmoid" } },
  { name: "stacked-modules", options: {}, safetensors: { rnn: ["rnns.0", "rnns.1", "rnns.2"] } },
  { name: "lstm-f32", options: {} },
];

const read = (file: string) => new Uint8Array(readFileSync(new URL(file, fixtures)));
const fixture = (name: string): Fixture => JSON.parse(readFileSync(new URL(`${name}.json`, fixtures), "utf8"));

/** PyTorch's h_n / c_n [layers·dirs, B, units] of module m, split into rnnc's state names. */
function finalStates(f: Fixture): { name: string; data: number[] }[] {
  const out: { name: string; data: number[] }[] = [];
  let layer = 0;
  f.modules.forEach((m, k) => {
    const dirs = m.bidirectional ? 2 : 1;
    for (const state of ["h", "c"]) {
      const s = f.states[`module${k}.${state}_n`];
      if (!s) continue;
      const per = s.shape[1]! * s.shape[2]!;
      for (let l = 0; l < m.layers; l++) {
        for (let d = 0; d < dirs; d++) {
          const prefix = dirs === 1 ? `l${layer + l}.` : `l${layer + l}.${d === 0 ? "fwd" : "bwd"}.`;
          out.push({ name: `${prefix}${state}`, data: s.data.slice((l * dirs + d) * per, (l * dirs + d + 1) * per) });
        }
      }
    }
    layer += m.layers;
  });
  return out;
}

describe("rnnc import of PyTorch state_dicts, against PyTorch's outputs", () => {
  for (const c of cases) {
    describe(c.name, () => {
      const f = fixture(c.name);
      const inputs: Inputs = { steps: f.steps, batch: f.batch, lengths: f.lengths, ...f.input };
      const pt = importFile(`${c.name}.pt`, read(`${c.name}.pt`), "torch", c.options);

      it("reads the .safetensors file into the same model and parameters as the .pt file", () => {
        const st = importFile(`${c.name}.pt`, read(`${c.name}.safetensors`), "safetensors", {
          ...c.options,
          ...c.safetensors,
        });
        expect(st.model.text).toBe(pt.model.text);
        const sorted = (bytes: Uint8Array) =>
          decodeParams(bytes)
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((r) => ({ ...r, data: [...r.data] }));
        expect(sorted(st.params)).toEqual(sorted(pt.params));
        expect(pt.network.dtype).toBe(f.saved === "float32" ? "f32" : "f64");
      });

      for (const [dtype, tol] of [
        ["f64", 1e-9],
        ["f32", 1e-5],
      ] as const) {
        it(`${dtype} build: every valid step's output and the final states within ${tol} relative`, () => {
          const model = run(compileImported(pt, dtype), inputs);
          const size = { batch: f.batch, steps: f.steps };
          const features = f.y.shape[2]!;
          expectClose(model.get("y", "output", size), f.y.data, tol, "y", validSteps(inputs, features));
          const states = finalStates(f);
          expect(states.length).toBe(model.tensors().filter((t) => t.role === "state_out").length);
          for (const s of states) expectClose(model.get(s.name, "state_out", size), s.data, tol, s.name);
        });
      }
    });
  }
});
