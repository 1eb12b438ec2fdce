// apps/train — the minibatches of an epoch, for any task. In: how many
// examples there are and each one's length, the batch size, the bucketing
// window, and the run's shuffle generator. Out: batches of example indices;
// the generator's state afterwards is where the next epoch starts.

import { shuffle, type Random } from "../../runtime/index.js";

/** One epoch's batches: the examples shuffled, then bucketed by length (window 1: as shuffled). */
export function epochBatches(
  count: number,
  lengthOf: (i: number) => number,
  size: number,
  window: number,
  random: Random,
): number[][] {
  const order = shuffle(
    Array.from({ length: count }, (_, i) => i),
    random.next,
  );
  return bucketed(order, lengthOf, size, window, random);
}

/**
 * Minibatches of examples of similar length, so few steps are padding: the
 * shuffled order is cut into windows of `window` batches, each window sorted
 * by length (stably) and cut into batches, and the batches shuffled. A batch
 * still holds examples drawn at random; window 1 is plain `chunks`.
 */
export function bucketed(
  order: readonly number[],
  lengthOf: (i: number) => number,
  size: number,
  window: number,
  random: Random,
): number[][] {
  if (window <= 1) return chunks(order, size);
  const batches: number[][] = [];
  for (const group of chunks(order, size * window)) {
    const byLength = group.map((i, k) => ({ i, k, n: lengthOf(i) })).sort((a, b) => a.n - b.n || a.k - b.k);
    const sorted = byLength.map((x) => x.i);
    batches.push(...chunks(sorted, size));
  }
  return shuffle(batches, random.next);
}

/** Consecutive runs of at most `size` indices: the minibatches of one epoch. */
export function chunks(order: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  return out;
}
