// Types of generate.js (plain JavaScript, which `node` runs as it is), for
// the TypeScript specs that train on its queries.

export interface Sentence {
  tokens: string[];
  tags: string[];
}

/** `count` queries from the templates, deterministic in `seed`. */
export function generateQueries(count: number, seed: number): Sentence[];

/** Train, dev and test splits; dev and test never repeat a training query. */
export function generateSplits(
  sizes: { seed: number; train: number; dev: number; test: number },
): { train: Sentence[]; dev: Sentence[]; test: Sentence[] };

/** One JSON object per line. */
export function toJsonl(sentences: Sentence[]): string;
