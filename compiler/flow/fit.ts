// compiler/flow — the per-step rate at which a gradient decays or grows. In:
// norms ‖g_k‖ for k = 0, 1, …. Out: the least-squares line through
// (k, ln ‖g_k‖): its slope (per step, natural log) and e^slope, the factor by
// which the norm shrinks (< 1) or grows (> 1) per step back.

export interface DecayFit {
  /** d ln‖g_k‖ / dk. */
  readonly slope: number;
  /** e^slope: the fitted factor per step. */
  readonly rate: number;
  /** ln‖g_0‖ of the fitted line. */
  readonly intercept: number;
  /** The points fitted: norms that are positive and finite (an underflow to 0 has no logarithm). */
  readonly points: number;
}

/** The fit, or null when fewer than two norms are positive and finite. */
export function fitDecay(norms: readonly number[]): DecayFit | null {
  const ks: number[] = [];
  const logs: number[] = [];
  norms.forEach((n, k) => {
    if (n > 0 && Number.isFinite(n)) {
      ks.push(k);
      logs.push(Math.log(n));
    }
  });
  const count = ks.length;
  if (count < 2) return null;
  const meanK = ks.reduce((a, b) => a + b, 0) / count;
  const meanLog = logs.reduce((a, b) => a + b, 0) / count;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < count; i++) {
    sxy += (ks[i]! - meanK) * (logs[i]! - meanLog);
    sxx += (ks[i]! - meanK) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, rate: Math.exp(slope), intercept: meanLog - slope * meanK, points: count };
}
