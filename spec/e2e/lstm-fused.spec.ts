// spec/e2e — examples/lstm-fused.ts, an LSTM in PyTorch's layout, against
// torch.nn.LSTM itself: the state_dict's four tensors are copied into the
// module as they are (weight_ih_l0 into W_ih, …), and the f64 module's output
// at every step and final states must match what PyTorch computed in float64
// (spec/fixtures/lstm-fused/lstm.json, written by make.py there, so torch is
// not needed to run this).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exampleBuild, load, mismatch } from "./harness.js";

interface TorchCase {
  readonly dims: { readonly I: number; readonly H: number };
  readonly steps: number;
  readonly batch: number;
  readonly state_dict: Readonly<Record<"weight_ih_l0" | "weight_hh_l0" | "bias_ih_l0" | "bias_hh_l0", number[]>>;
  readonly x: number[];
  readonly h0: number[];
  readonly c0: number[];
  readonly output: number[];
  readonly h_n: number[];
  readonly c_n: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/lstm-fused/lstm.json", import.meta.url), "utf8"),
) as { cases: TorchCase[] };

const copied = { W_ih: "weight_ih_l0", W_hh: "weight_hh_l0", b_ih: "bias_ih_l0", b_hh: "bias_hh_l0" } as const;

describe("examples/lstm-fused.ts against torch.nn.LSTM (float64, state_dict copied as it is)", () => {
  for (const simd of [true, false]) {
    it.each(
      fixture.cases.map((c) => [`I=${c.dims.I}, H=${c.dims.H}`, c] as const),
    )(`f64 ${simd ? "simd" : "scalar"}, %s`, (_, c) => {
      const model = load(exampleBuild("lstm-fused", c.dims, "f64", simd, "mse"));
      for (const [param, key] of Object.entries(copied)) model.set(param, "param", c.state_dict[key]);
      model.set("x", "input", c.x);
      model.set("h", "state_in", c.h0);
      model.set("c", "state_in", c.c0);
      model.set("lengths", "lengths", new Array(c.batch).fill(c.steps));
      model.forward(c.batch, c.steps);
      const size = { batch: c.batch, steps: c.steps };
      for (const [got, want, what] of [
        [model.view("h", "output", size), c.output, "output"],
        [model.view("h", "state_out", size), c.h_n, "h_n"],
        [model.view("c", "state_out", size), c.c_n, "c_n"],
      ] as const) {
        const problem = mismatch(got, want, 1e-9, what);
        expect(problem, problem).toBeUndefined();
      }
    });
  }

  it("would notice the gates in another order", () => {
    const c = fixture.cases[0]!;
    const model = load(exampleBuild("lstm-fused", c.dims, "f64", true, "mse"));
    const H = c.dims.H;
    // i and f swapped: blocks of H rows of every gate tensor.
    const swap = (t: readonly number[], width: number) => {
      const block = H * width;
      return [...t.slice(block, 2 * block), ...t.slice(0, block), ...t.slice(2 * block)];
    };
    model.set("W_ih", "param", swap(c.state_dict.weight_ih_l0, c.dims.I));
    model.set("W_hh", "param", swap(c.state_dict.weight_hh_l0, H));
    model.set("b_ih", "param", swap(c.state_dict.bias_ih_l0, 1));
    model.set("b_hh", "param", swap(c.state_dict.bias_hh_l0, 1));
    model.set("x", "input", c.x);
    model.set("h", "state_in", c.h0);
    model.set("c", "state_in", c.c0);
    model.set("lengths", "lengths", new Array(c.batch).fill(c.steps));
    model.forward(c.batch, c.steps);
    expect(mismatch(model.view("h", "output", { batch: c.batch, steps: c.steps }), c.output, 1e-9, "output"))
      .toBeDefined();
  });
});
