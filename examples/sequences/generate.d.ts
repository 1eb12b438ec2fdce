// Types of generate.js (plain JavaScript, which `node` runs as it is), for
// the TypeScript specs that train on its sequences.

export interface Sequence {
  x: number[][];
  y: number[][] | number;
}

/** Regression, a target per step: y_t = x_{t−1}[0], 0 at the first step; deterministic in `seed`. */
export function delayed(count: number, seed: number, steps?: number): { x: number[][]; y: number[][] }[];

/** Classification at the last step: 1 when Σ_t (x_t[0] − x_t[1]) > 0, else 0. */
export function signs(count: number, seed: number): { x: number[][]; y: number }[];

/** One JSON object per line. */
export function toJsonl(lines: unknown[]): string;
