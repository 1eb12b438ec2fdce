// Types of tasks.js (plain JavaScript, which `node` runs as it is), for the TypeScript specs.

/** A vector sequence: x a list of steps; y adding's one target, or copy's class per step. */
export interface TaskSequence {
  x: number[][];
  y: number[];
}

export const SYMBOLS: number;
export const ALPHABET: number;
export const BLANK: number;
export const DELIMITER: number;
export const CLASSES: number;

/** The adding problem at length `steps`: values and markers, y = [the sum of the two marked values]. */
export function adding(count: number, steps: number, seed: number): TaskSequence[];

/** Copy memory with a blank stretch of `steps`: one-hot inputs of steps + 2·SYMBOLS steps, a class per step. */
export function copyMemory(count: number, steps: number, seed: number): TaskSequence[];

/** The steps [from, to) of a copy sequence of this length whose targets are the recalled symbols. */
export function recalledSteps(length: number): { from: number; to: number };

/** One JSON object per line. */
export function toJsonl(lines: unknown[]): string;
