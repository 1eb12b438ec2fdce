// bench — numerical agreement of a peer with rnnc, done before any timing.
// In: runners that start from the same parameters and data. Out: for each
// peer, the worst error and whether it is within f32 tolerance.
//
// forward: the outputs h_1 … h_T, max |peer − rnnc| (values are in (−1, 1)).
// training: one step at a learning rate big enough to resolve the update in
// f32; (parameters before − after) / lr is the gradient each applied, and
// per parameter tensor max |peer − rnnc| / max |rnnc| is its error.
// The first call of each runner is also its first warm-up call.

export const tolerance = { forward: 1e-4, train: 1e-3 };
/**
 * The 8-bit build's outputs against the f32 build's: its quantisation error (6.9e-3 on b and 8.4e-3 on c in one
 * run).
 */
export const int8Tolerance = 2e-2;
export const checkLearningRate = 1e-2;

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > worst) worst = d;
  }
  return worst;
}

/** The gradient a training step applied, per parameter, from the parameters before and after it. */
function appliedGradients(before, after, lr) {
  const out = {};
  for (const [name, old] of Object.entries(before)) {
    out[name] = Float32Array.from(old, (v, i) => (v - after[name][i]) / lr);
  }
  return out;
}

function gradientError(reference, other) {
  let worst = 0;
  let worstName = "";
  for (const [name, ref] of Object.entries(reference)) {
    let scale = 0;
    for (const v of ref) scale = Math.max(scale, Math.abs(v));
    const err = maxAbsDiff(ref, other[name] ?? new Float32Array(0)) / (scale || 1);
    if (Number.isNaN(err)) return { error: NaN, worstTensor: name };
    if (err > worst) { worst = err; worstName = name; }
  }
  return { error: worst, worstTensor: worstName };
}

/**
 * Runs each runner once and compares what it computed with what the first
 * runner (rnnc, the reference) computed; an rnnc failure is thrown.
 */
export async function checkRunners(work, runners, initialParams) {
  const results = [];
  let reference;
  for (const runner of runners) {
    let value;
    let firstCallMs;
    try {
      await runner.enter?.();
      if (work === "train") await runner.setLearningRate(checkLearningRate);
      const started = performance.now();
      await runner.run();
      firstCallMs = performance.now() - started;
      if (work === "forward") {
        value = await runner.output();
      } else {
        value = appliedGradients(initialParams, await runner.params(), checkLearningRate);
        await runner.load(initialParams);
      }
    } catch (error) {
      if (!reference) throw error;
      results.push({
        runner, ok: false, error: NaN, note: `failed: ${String(error?.message ?? error).split("\n")[0]}`,
      });
      continue;
    }
    if (!reference) {
      const values = work === "forward" ? [value] : Object.values(value);
      if (!values.every((v) => v.every(Number.isFinite)))
        throw new Error(`rnnc's own ${work} produced a value that is not finite`);
      reference = value;
      results.push({ runner, ok: true, error: 0, firstCallMs });
      continue;
    }
    const { error, worstTensor } = work === "forward"
      ? { error: maxAbsDiff(reference, value), worstTensor: "h" }
      : gradientError(reference, value);
    const limit = runner.tolerance ?? tolerance[work];
    const ok = error <= limit; // false for NaN
    const what = work === "forward" ? "max |Δh|" : `max |Δgrad| / max |grad| (worst: ${worstTensor})`;
    results.push({
      runner, ok, error, firstCallMs,
      ...(ok ? {} : { note: `disagrees with rnnc: ${what} = ${error.toExponential(2)} > ${limit}` }),
    });
  }
  return results;
}
