// apps/train — the hyper-parameters of each update. In: the base learning
// rate, a schedule (kind, warm-up, its own numbers) and the index of the
// update. Out: that update's learning rate, which train_step takes as an
// argument; and the weight decay applied after it (decay.ts reads the rate).
//
// Update t (0-based, counted over the whole run) during warm-up, t < W, has
// rate base·(t+1)/W; after it, with u = t − W updates since:
//   constant  base
//   step      base·gamma^⌊u / every⌋
//   cosine    min + (base − min)·½(1 + cos(π·min(u, S)/S)), S = steps (then min)

export type ScheduleKind = "constant" | "step" | "cosine";

export interface LrSchedule {
  readonly kind: ScheduleKind;
  /** Updates of linear warm-up from base/W to base (0: none). */
  readonly warmup: number;
  /** step: updates between decays, and the factor of each. */
  readonly every?: number;
  readonly gamma?: number;
  /** cosine: its length in updates after warm-up (default: the run's), and the rate it ends at. */
  readonly steps?: number;
  readonly min?: number;
}

interface Phase {
  /** The rate `u` updates after warm-up, for a schedule whose cosine length is `horizon`. */
  rate(base: number, s: LrSchedule, u: number, horizon: number): number;
}

const phases = {
  constant: { rate: (base) => base },
  step: { rate: (base, s, u) => base * (s.gamma ?? 0.1) ** Math.floor(u / (s.every ?? 1)) },
  cosine: {
    rate: (base, s, u, horizon) => {
      const min = s.min ?? 0;
      const at = horizon <= 0 ? 1 : Math.min(u, horizon) / horizon;
      return min + ((base - min) * (1 + Math.cos(Math.PI * at))) / 2;
    },
  },
} satisfies Record<ScheduleKind, Phase>;

export const scheduleKinds = Object.keys(phases) as ScheduleKind[];

/**
 * The learning rate of update `t` (0-based). `plannedUpdates` is how many the
 * run makes in all (--epochs × batches per epoch): a cosine schedule without
 * its own length decays over those left after warm-up.
 */
export function learningRate(
  base: number,
  schedule: LrSchedule | undefined,
  t: number,
  plannedUpdates: number,
): number {
  if (!schedule) return base;
  if (t < schedule.warmup) return (base * (t + 1)) / schedule.warmup;
  const horizon = schedule.steps ?? Math.max(plannedUpdates - schedule.warmup, 1);
  return phases[schedule.kind].rate(base, schedule, t - schedule.warmup, horizon);
}
