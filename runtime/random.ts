// runtime — rnnc's one seeded generator (mulberry32) and the one shuffle
// (Fisher–Yates) drawn from it: the same seed gives the same numbers on every
// host, so initialisation, gradient checks, shuffling and resumed training
// reproduce. In: a seed, or a state saved earlier. Out: uniform numbers in
// [0, 1), normal samples, permutations, and the generator's state.

/**
 * A uniform generator whose whole state is one 32-bit integer: `state` may be
 * saved (a training checkpoint does) and `new Random(state)` continues the
 * same stream from there. For mulberry32 a seed is a state, so a generator
 * made from a seed and one made from a saved state are the same thing.
 */
export class Random {
  #state: number;

  constructor(seedOrState: number) {
    this.#state = seedOrState >>> 0;
  }

  /** Where the stream is: the next draw of `new Random(state)` is this generator's next draw. */
  get state(): number {
    return this.#state;
  }

  /** The next number in [0, 1); a bound function, so it can be passed on as a `() => number`. */
  readonly next = (): number => {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform generator in [0, 1) from a seed: `new Random(seed).next`. */
export function prng(seed: number): () => number {
  return new Random(seed).next;
}

/** Standard normal samples by Box–Muller, from a uniform generator. */
export function normal(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform(); // (0, 1]: log(0) never happens
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/**
 * Fisher–Yates, in place: every permutation equally likely, one draw per
 * position from the last down to the second. Returns `items`.
 */
export function shuffle<T>(items: T[], uniform: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * One 32-bit seed from several (a multiply-xorshift hash of each in turn), for
 * streams that must depend on a position rather than on the draws before it
 * (the word dropout of training batch b in epoch e).
 */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca77);
    h ^= h >>> 13;
  }
  return h >>> 0;
}
