// Types of harness.js, for the specs that check the bench's timing and ratios.
export interface Profile {
  readonly warmupMs: number;
  readonly minSamples: number;
  readonly maxSamples: number;
  readonly budgetMs: number;
  readonly sampleMs: number;
  readonly warmCallMs: number;
}
export interface Runner {
  readonly sync?: boolean;
  run(): unknown;
  enter?(): unknown;
  timeCalls?(n: number): number | Promise<number>;
}
export interface Measured {
  readonly medianMs: number;
  readonly samples: number;
  readonly callsPerSample: number;
  readonly iqrPercent: number | undefined;
  readonly minMs: number;
  readonly maxMs: number;
  readonly samplesMs: readonly number[];
}
export const profiles: Readonly<Record<"full" | "quick", Profile>>;
export function median(values: readonly number[]): number;
export function measure(
  entries: readonly { runner: Runner; estimateMs: number }[], profile: Profile,
): Promise<Measured[]>;
export interface Sampled {
  readonly samplesMs?: readonly number[];
}
export function pairedRatio(a: Sampled, b: Sampled): number | undefined;
