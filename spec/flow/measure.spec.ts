// spec/flow — the gradient-flow measurement against independent computations:
// for an Elman cell, the Jacobian product of tanh' ⊙ U written out in plain JS;
// for any cell, the module's own BPTT over the whole window (state_in set to
// h_{T−k}, k+1 steps, a cotangent at the last step only), which is the
// measurement done the slow way; the clipped update against the parameter
// change of the module's own train_step; and the LSTM with forget bias 1
// keeping its gradient longer than an Elman cell at the same seed.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { instantiate, type CompileOptions } from "../../compiler/api.js";
import { compileCell } from "../support/compile.js";
import { initParams, type RnncModel } from "../../runtime/index.js";
import { fitDecay } from "../../compiler/flow/fit.js";
import { clippedNorm, measureFlow, randomSequences, type FlowData } from "../../compiler/flow/measure.js";
import { rescaleRecurrent } from "../../compiler/flow/radius.js";

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

type BuildExtra = Partial<CompileOptions> & { batch: number; steps: number };

function build(name: string, dims: Record<string, number>, extra: BuildExtra): RnncModel {
  const file = example(name);
  const { batch, steps, ...rest } = extra;
  const text = readFileSync(file, "utf8");
  return instantiate(
    compileCell({ file, text, dims, dtype: "f64", loss: "none", capacity: { batch, steps }, ...rest }).binary,
  );
}

const relativeError = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

type Values = ArrayLike<number>;

/**
 * ‖∂ℓ_T/∂h_t‖ per k and sequence for h_{t+1} = tanh(W x_t + U h_t + b), ℓ_T = ½‖h_T − target‖²,
 * in plain JS.
 */
function elmanOracle(W: Values, U: Values, b: Values, data: FlowData, I: number, H: number): number[][] {
  const xs = data.inputs.get("x")!;
  const target = data.targets.get("h")!;
  const rows: number[][] = Array.from({ length: data.steps }, () => []);
  for (let s = 0; s < data.batch; s++) {
    const hs: number[][] = [new Array<number>(H).fill(0)];
    for (let t = 0; t < data.steps; t++) {
      const x = Array.from({ length: I }, (_, i) => xs[t]![s * I + i]!);
      const h = hs[t]!;
      hs.push(Array.from({ length: H }, (_, r) => {
        let a = b[r]!;
        for (let i = 0; i < I; i++) a += W[r * I + i]! * x[i]!;
        for (let j = 0; j < H; j++) a += U[r * H + j]! * h[j]!;
        return Math.tanh(a);
      }));
    }
    let dNext = hs[data.steps]!.map((y, r) => y - target[s * H + r]!); // ∂ℓ/∂h_{t+1}
    for (let t = data.steps - 1; t >= 0; t--) {
      const da = dNext.map((d, r) => d * (1 - hs[t + 1]![r]! ** 2));
      const dh = Array.from({ length: H }, (_, j) => da.reduce((acc, d, r) => acc + U[r * H + j]! * d, 0)); // Uᵀ·da
      rows[data.steps - 1 - t]!.push(Math.hypot(...dh));
      dNext = dh;
    }
  }
  return rows;
}

describe("measureFlow", () => {
  it("equals the Jacobian product of tanh' ⊙ U for an Elman cell (H = 3)", () => {
    const [I, H, batch, steps] = [2, 3, 4, 25];
    const model = build("elman.ts", { I, H }, { batch, steps: 1 });
    initParams(model, 7);
    rescaleRecurrent(model, 1.3); // away from the default, so growth and saturation both occur
    const data = randomSequences(model, { batch, steps, seed: 11 });
    const flow = measureFlow(model, data);
    const oracle = elmanOracle(model.get("W", "param"), model.get("U", "param"), model.get("b", "param"), data, I, H);
    expect(flow.states).toEqual(["h"]);
    expect(flow.perSequence.length).toBe(steps);
    let worst = 0;
    flow.perSequence.forEach((row, k) =>
      row.forEach((v, s) => (worst = Math.max(worst, relativeError(v, oracle[k]![s]!)))),
    );
    expect(worst).toBeLessThan(1e-9);
    flow.norms.forEach((n, k) =>
      expect(relativeError(n, oracle[k]!.reduce((a, b) => a + b, 0) / batch)).toBeLessThan(1e-9),
    );
  });

  it.each([["elman.ts", { I: 3, H: 4 }], ["lstm.ts", { I: 3, H: 4 }], ["gru.ts", { I: 2, H: 3 }]] as const)(
    "equals %s's own BPTT over each whole window, state gradients and parameter gradients alike",
    (name, dims) => {
      const [batch, steps] = [3, 9];
      const stepwise = build(name, dims, { batch, steps: 1 });
      initParams(stepwise, 3, { forgetBias: ["bf"] });
      const params = stepwise.saveParams();
      const data = randomSequences(stepwise, { batch, steps, seed: 5 });
      const flow = measureFlow(stepwise, data);
      const whole = build(name, dims, { batch, steps });
      whole.loadParams(params);
      const states = whole.tensors().filter((t) => t.role === "state_in").map((t) => t.name);
      expect(flow.states).toEqual(states);
      for (let k = 0; k < steps; k++) {
        const t = steps - 1 - k; // the step that reads h_{T−k}
        const window = windowGradients(whole, data, t, states);
        window.norms.forEach((n, s) => expect(relativeError(flow.perSequence[k]![s]!, n)).toBeLessThan(1e-9));
        expect(relativeError(flow.paramNorms[k]!, window.paramNorm)).toBeLessThan(1e-9);
      }
    },
  );

  it("reports the update train_step makes under global-norm clipping", () => {
    const [I, H, batch, steps, clip] = [3, 5, 2, 14, 2];
    const stepwise = build("elman.ts", { I, H }, { batch, steps: 1 });
    initParams(stepwise, 2);
    rescaleRecurrent(stepwise, 2); // exploding: the longer windows exceed the clip norm
    const params = stepwise.saveParams();
    const data = randomSequences(stepwise, { batch, steps, seed: 8 });
    const flow = measureFlow(stepwise, data);
    const trainer = build("elman.ts", { I, H }, { batch, steps, train: { kind: "sgd", momentum: 0 } });
    const names = trainer.tensors().filter((t) => t.role === "param").map((t) => t.name);
    let clipped = 0;
    for (const k of [0, 3, 8, 13]) {
      trainer.loadParams(params);
      const t = steps - 1 - k;
      // leaves the window's inputs, state and cotangent in place
      const window = windowGradients(trainer, data, t, ["h"]);
      const before = names.map((n) => trainer.get(n, "param"));
      trainer.trainStep(batch, k + 1, { learning_rate: 1, clip_norm: clip });
      const change = Math.hypot(
        ...names.flatMap((n, i) => Array.from(trainer.get(n, "param"), (v, j) => v - before[i]![j]!)),
      );
      const reported = clippedNorm(flow.paramNorms[k]!, clip);
      expect(relativeError(reported, change)).toBeLessThan(1e-9);
      expect(reported).toBeLessThanOrEqual(clip * (1 + 1e-12));
      if (window.paramNorm > clip) clipped++;
    }
    expect(clipped).toBeGreaterThan(0); // the clip was exercised, not only the identity
  });

  it("the LSTM with forget bias 1 keeps its gradient longer than an Elman cell at the same seed", () => {
    const [batch, steps, seed] = [8, 40, 4];
    const dims = { I: 4, H: 8 };
    const fits = ["elman.ts", "lstm.ts"].map((name) => {
      const model = build(name, dims, { batch, steps: 1 });
      initParams(model, seed, { forgetBias: ["bf"] });
      const flow = measureFlow(model, randomSequences(model, { batch, steps, seed }));
      return { fit: fitDecay(flow.norms)!, ratio: flow.norms[steps - 1]! / flow.norms[0]! };
    });
    const [elman, lstm] = fits as [(typeof fits)[0], (typeof fits)[0]];
    expect(elman.fit.rate).toBeLessThan(1); // vanishing at this initialisation
    expect(lstm.fit.slope).toBeGreaterThan(elman.fit.slope);
    expect(lstm.ratio).toBeGreaterThan(elman.ratio);
  });

  it("refuses a module with a built-in loss", () => {
    const model = build("elman.ts", { I: 2, H: 2 }, { batch: 1, steps: 1, loss: "mse" });
    expect(() => measureFlow(model, randomSequences(model, { batch: 1, steps: 2, seed: 1 }))).toThrow(/loss "none"/);
  });
});

/**
 * The slow way: run steps 0..t−1 as one sequence, then steps t..T−1 from its
 * final state with the cotangent ∂ℓ_T/∂y_T at the last step, and one backward.
 */
function windowGradients(
  model: RnncModel, data: FlowData, t: number, states: readonly string[],
): { norms: number[]; paramNorm: number } {
  const { batch, steps } = data;
  const setInputs = (from: number, count: number) => {
    for (const [name, perStep] of data.inputs) {
      const view = model.view(name, "input", { batch, steps: count });
      for (let i = 0; i < count; i++) view.set(perStep[from + i]!, i * perStep[0]!.length);
    }
  };
  const one = { batch, steps: 1 };
  for (const s of states) model.view(s, "state_in", one).fill(0);
  if (t > 0) {
    setInputs(0, t);
    model.set("lengths", "lengths", new Array<number>(batch).fill(t));
    model.forward(batch, t);
    for (const s of states) model.view(s, "state_in", one).set(model.view(s, "state_out", one).slice());
  }
  const count = steps - t;
  const size = { batch, steps: count };
  setInputs(t, count);
  model.set("lengths", "lengths", new Array<number>(batch).fill(count));
  model.forward(batch, count);
  for (const out of model.tensors().filter((e) => e.role === "output")) {
    const y = model.view(out.name, "output", size);
    const cotangent = model.view(out.name, "grad_output", size);
    cotangent.fill(0);
    const last = (count - 1) * (y.length / count);
    const target = data.targets.get(out.name)!;
    for (let i = 0; i < target.length; i++) cotangent[last + i] = y[last + i]! - target[i]!;
  }
  for (const s of states) model.view(s, "grad_state_out", one).fill(0);
  model.backward(batch, count);
  const norms = Array.from({ length: batch }, (_, b) => Math.hypot(...states.flatMap((s) => {
    const g = model.view(s, "grad", one);
    const units = g.length / batch;
    return Array.from(g.subarray(b * units, (b + 1) * units));
  })));
  const params = model.tensors().filter((e) => e.role === "param");
  const paramNorm = Math.hypot(...params.flatMap((p) => Array.from(model.get(p.name, "grad"))));
  return { norms, paramNorm };
}
