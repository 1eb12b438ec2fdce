// spec/flow — the spectral radius against matrices whose eigenvalues are known
// by construction (Q·M·Qᵀ with M block-diagonal: rotation-scalings for complex
// pairs, a triangular block for a non-normal part), and rescaling checked on
// what it must leave: an orthogonal U scaled to radius R has UᵀU = R²·I.

import fc from "fast-check";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { instantiate } from "../../compiler/api.js";
import { compileCell } from "../support/compile.js";
import { initParams, prng } from "../../runtime/index.js";
import { rescaleRecurrent, spectralRadius } from "../../compiler/flow/radius.js";

/** A random orthogonal matrix (Gram–Schmidt on uniform rows). */
function orthogonal(n: number, random: () => number): number[][] {
  const rows: number[][] = [];
  while (rows.length < n) {
    const v = Array.from({ length: n }, () => random() * 2 - 1);
    for (const u of rows) {
      const dot = u.reduce((a, ui, i) => a + ui * v[i]!, 0);
      u.forEach((ui, i) => (v[i]! -= dot * ui));
    }
    const norm = Math.hypot(...v);
    if (norm > 1e-6) rows.push(v.map((x) => x / norm));
  }
  return rows;
}

function conjugate(m: number[][], q: number[][]): number[] {
  const n = m.length;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) s += q[a]![i]! * m[a]![b]! * q[b]![j]!; // Qᵀ·M·Q
      out.push(s);
    }
  }
  return out;
}

describe("spectralRadius", () => {
  it(
    "is the largest |λ| of matrices built from known eigenvalues, complex pairs and non-normal parts included",
    () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 3 }), (seed, pairs) => {
        const random = prng(seed);
        const n = 2 * pairs + 2;
        const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
        const moduli: number[] = [];
        for (let p = 0; p < pairs; p++) {
          const [r, angle] = [0.2 + random() * 2, random() * Math.PI];
          m[2 * p]![2 * p] = r * Math.cos(angle);
          m[2 * p]![2 * p + 1] = -r * Math.sin(angle);
          m[2 * p + 1]![2 * p] = r * Math.sin(angle);
          m[2 * p + 1]![2 * p + 1] = r * Math.cos(angle);
          moduli.push(r);
        }
        const [d1, d2] = [random() * 4 - 2, random() * 4 - 2]; // a 2×2 upper-triangular block with a large coupling
        m[n - 2]![n - 2] = d1;
        m[n - 1]![n - 1] = d2;
        m[n - 2]![n - 1] = 5;
        moduli.push(Math.abs(d1), Math.abs(d2));
        const expected = Math.max(...moduli);
        const got = spectralRadius(conjugate(m, orthogonal(n, random)), n);
        expect(Math.abs(got - expected) / expected).toBeLessThan(1e-9);
      }), { numRuns: 60 });
    },
  );

  it("is 1 for an orthogonal matrix and 0 for a nilpotent one", () => {
    expect(spectralRadius(orthogonal(6, prng(3)).flat(), 6)).toBeCloseTo(1, 12);
    expect(spectralRadius([0, 1, 0, 0], 2)).toBe(0);
  });
});

describe("rescaleRecurrent", () => {
  const file = fileURLToPath(new URL("../../examples/elman.ts", import.meta.url));
  const compile = (path: string, dims: Record<string, number>) => instantiate(compileCell({
    file: path, text: readFileSync(path, "utf8"), dims, dtype: "f64", capacity: { batch: 1, steps: 1 },
  }).binary);
  const load = () => compile(file, { I: 3, H: 5 });

  it("scales the recurrent matrix alone: orthogonal U becomes R times orthogonal", () => {
    const model = load();
    initParams(model, 9);
    const W = model.get("W", "param");
    const rescaled = rescaleRecurrent(model, 1.5);
    expect(rescaled.map((r) => r.name)).toEqual(["U"]);
    expect(rescaled[0]!.before).toBeCloseTo(1, 10);
    const U = model.get("U", "param");
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        let dot = 0;
        for (let r = 0; r < 5; r++) dot += U[r * 5 + i]! * U[r * 5 + j]!;
        expect(dot).toBeCloseTo(i === j ? 2.25 : 0, 10);
      }
    }
    expect(model.get("W", "param")).toEqual(W);
  });

  it("refuses a cell without a recurrent matrix", () => {
    const indrnn = fileURLToPath(new URL("../../examples/indrnn.ts", import.meta.url));
    const model = compile(indrnn, { I: 2, H: 3 });
    expect(() => rescaleRecurrent(model, 2)).toThrow(/no recurrent matrix/);
  });
});
