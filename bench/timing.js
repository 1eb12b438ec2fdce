// bench — the simple timer of the side-by-side scripts (int8.js, fused.js): rounds of at least
// 100 ms of calls, each timed by the wall clock and by this process's CPU time (on a shared
// machine the CPU time is the steadier of the two); the best round is what they report.

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** ms per call of one round (at least 100 ms of calls): by the wall clock and by this process's CPU time. */
export function round(run) {
  const wall0 = performance.now();
  const cpu0 = cpu();
  let calls = 0;
  while (performance.now() - wall0 < 100) {
    run();
    calls++;
  }
  return { wall: (performance.now() - wall0) / calls, cpu: (cpu() - cpu0) / calls };
}

/** The best of `rounds` rounds of each runner, rounds interleaved across runners after one warm-up round each. */
export function bestRounds(runners, rounds) {
  const best = Object.fromEntries(Object.keys(runners).map((k) => [k, { wall: Infinity, cpu: Infinity }]));
  for (const run of Object.values(runners)) round(run); // warm-up: V8 tiers up a function that has run a while
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(runners)) {
      const t = round(run);
      best[name] = { wall: Math.min(best[name].wall, t.wall), cpu: Math.min(best[name].cpu, t.cpu) };
    }
  }
  return best;
}
