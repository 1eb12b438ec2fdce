// bench — warm-up and interleaved timing. In: runners that passed the
// numerical check (each { run, sync, enter? }) and a profile. Out: per runner
// the median time of one call and the spread of its samples.
//
// Every runner is warmed up (its checked first call counts) until it has run
// for warmupMs. Then rounds: in each round every runner still sampling takes
// one sample, in an order rotated from round to round, so slow drifts of the
// machine (other processes, thermal state) hit every implementation alike. A
// sample times `inner` back-to-back calls, enough for about sampleMs, so
// sub-millisecond calls are not measured at the timer's resolution (a runner
// in a child process, PyTorch, times its calls there, without the pipe). A
// runner stops after maxSamples, or after minSamples once it has spent budgetMs.
// A runner whose call takes under warmCallMs makes one untimed call before each
// sample, so a sample times calls that follow each other as in a loop of them,
// not a first call after the other runners' samples: the data-parallel
// trainer's threads sleep meanwhile, and its first step of b after 60 ms of
// other work took 8-12% longer than the next ones (d's 0-3%, one instance's
// 2%) on a 2-core KVM machine (AMD EPYC 25/1, a scratch script not kept).
// Runners stop and never restart, so every runner's sample i is from round i,
// and two runners' samples of one round were taken next to each other:
// pairedRatio compares them round by round, which cancels the drifts that
// move both (a noisy neighbour, a slow stretch of a virtual machine).

export const profiles = {
  full: { warmupMs: 1000, minSamples: 3, maxSamples: 25, budgetMs: 4000, sampleMs: 5, warmCallMs: 50 },
  quick: { warmupMs: 150, minSamples: 1, maxSamples: 5, budgetMs: 300, sampleMs: 2, warmCallMs: 50 },
};

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

/** Milliseconds per call over `n` back-to-back calls; a runner in another process times them itself. */
async function timeCalls(runner, n) {
  await runner.enter?.();
  if (runner.timeCalls) return runner.timeCalls(n);
  const started = performance.now();
  if (runner.sync) for (let i = 0; i < n; i++) runner.run();
  else for (let i = 0; i < n; i++) await runner.run();
  return (performance.now() - started) / n;
}

/** Warm-up calls after the checked first call; returns an estimate of one call's time. */
export async function warmUp(runner, firstCallMs, profile) {
  let spent = firstCallMs;
  const times = [];
  while (spent < profile.warmupMs) {
    const ms = await timeCalls(runner, 1);
    times.push(ms);
    spent += ms;
  }
  return times.length > 0 ? median(times.slice(-5)) : firstCallMs;
}

/** Interleaved rounds over entries [{ runner, estimateMs }]; returns one result per entry. */
export async function measure(entries, profile) {
  const state = entries.map((e) => ({
    ...e, samples: [], spent: 0, inner: Math.max(1, Math.floor(profile.sampleMs / Math.max(e.estimateMs, 1e-3))),
  }));
  const sampling = (s) =>
    s.samples.length < profile.minSamples || (s.samples.length < profile.maxSamples && s.spent < profile.budgetMs);
  for (let round = 0; ; round++) {
    const active = state.filter(sampling);
    if (active.length === 0) break;
    const order = active.map((_, i) => active[(i + round) % active.length]);
    for (const s of order) {
      if (s.estimateMs < profile.warmCallMs) await timeCalls(s.runner, 1);
      const ms = await timeCalls(s.runner, s.inner);
      s.samples.push(ms);
      s.spent += ms * s.inner;
    }
  }
  return state.map((s) => {
    const mid = median(s.samples);
    return {
      medianMs: mid,
      samples: s.samples.length,
      callsPerSample: s.inner,
      iqrPercent: s.samples.length >= 4
        ? (100 * (quantile(s.samples, 0.75) - quantile(s.samples, 0.25))) / mid
        : undefined,
      minMs: Math.min(...s.samples),
      maxMs: Math.max(...s.samples),
      samplesMs: s.samples.map((ms) => Number(ms.toPrecision(4))),
    };
  });
}

/**
 * a's time over b's as the median of their rounds' ratios (sample i of each was taken in round i),
 * or undefined where either has no samples.
 */
export function pairedRatio(a, b) {
  const rounds = Math.min(a.samplesMs?.length ?? 0, b.samplesMs?.length ?? 0);
  if (rounds === 0) return undefined;
  return median(Array.from({ length: rounds }, (_, i) => a.samplesMs[i] / b.samplesMs[i]));
}
