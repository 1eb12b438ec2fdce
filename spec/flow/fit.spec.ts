// spec/flow — the decay fit: on a geometric sequence c·r^k the fitted rate is
// r exactly (to rounding); on noisy data it is the least-squares slope, here
// computed from the normal equations by Cramer's rule; points a logarithm
// cannot take are left out, and too few points give no fit.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fitDecay } from "../../compiler/flow/fit.js";

describe("fitDecay", () => {
  it("recovers the rate and start of a geometric sequence", () => {
    fc.assert(fc.property(
      fc.double({ min: 0.05, max: 3, noNaN: true }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
      fc.integer({ min: 2, max: 300 }),
      (rate, start, count) => {
        fc.pre(Math.abs(count * Math.log(rate)) < 600); // normal floats: a subnormal carries fewer digits
        const fit = fitDecay(Array.from({ length: count }, (_, k) => start * rate ** k))!;
        expect(fit.points).toBe(count);
        expect(Math.abs(fit.rate - rate) / rate).toBeLessThan(1e-10);
        expect(Math.abs(fit.intercept - Math.log(start))).toBeLessThan(1e-8);
      },
    ));
  });

  it("is the least-squares line of ln‖g_k‖ on k", () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), { minLength: 3, maxLength: 60 }),
      (norms) => {
        const n = norms.length;
        const [sx, sy] = [norms.reduce((a, _, k) => a + k, 0), norms.reduce((a, v) => a + Math.log(v), 0)];
        const [sxx, sxy] = [norms.reduce((a, _, k) => a + k * k, 0), norms.reduce((a, v, k) => a + k * Math.log(v), 0)];
        const det = n * sxx - sx * sx;
        const slope = (n * sxy - sx * sy) / det;
        const fit = fitDecay(norms)!;
        expect(Math.abs(fit.slope - slope)).toBeLessThan(1e-9 * Math.max(1, Math.abs(slope)));
        expect(Math.abs(fit.intercept - (sxx * sy - sx * sxy) / det)).toBeLessThan(1e-7);
      },
    ));
  });

  it("leaves out zeros (an underflow), NaN and infinity, and needs two points", () => {
    const fit = fitDecay([8, 0, 2, Number.NaN, 0.5, Number.POSITIVE_INFINITY])!;
    expect(fit.points).toBe(3);
    expect(fit.rate).toBeCloseTo(0.5, 12); // 8, 2, 0.5 at k = 0, 2, 4: ×½ per step
    expect(fitDecay([1, 0, 0])).toBeNull();
    expect(fitDecay([])).toBeNull();
  });
});
