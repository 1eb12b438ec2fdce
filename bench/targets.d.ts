// Types of targets.js, for the specs that check the targets block.
export interface TimedRecord {
  readonly shape: string;
  readonly work: string;
  readonly name: string;
  readonly status: string;
  readonly medianMs: number;
  readonly samplesMs?: readonly number[];
}
/** [shape, work, target, standing, met]; met is undefined where the peer has no time. */
export type TargetRow = [string, string, string, string, boolean | undefined];
export function targetRows(results: readonly TimedRecord[], implementation?: string): TargetRow[];
export function targetsBlock(results: readonly TimedRecord[], implementation?: string): string;
