// apps/train/tagger — scores of a tagger. In: gold and predicted tags, and which tokens were out
// of vocabulary. Out: token accuracy (overall, OOV) and conlleval's chunk precision, recall and
// F1 per entity type and overall, from BIO (or BIOES) tags.

export interface Score {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Chunks in the gold data, in the prediction, and found exactly (same type, start and end). */
  readonly gold: number;
  readonly predicted: number;
  readonly correct: number;
}

export interface ChunkScores {
  readonly overall: Score;
  /** By entity type, sorted; a Map, since the types come from the data ("__proto__" is a type like any other). */
  readonly byType: ReadonlyMap<string, Score>;
}

export interface Metrics {
  readonly tokens: number;
  readonly accuracy: number;
  readonly oovTokens: number;
  /** Accuracy on out-of-vocabulary tokens; NaN when there are none. */
  readonly oovAccuracy: number;
  /** Present when the gold tags are BIO chunk tags. */
  readonly chunks?: ChunkScores;
}

export interface Chunk {
  readonly type: string;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** conlleval splits "B-fromloc" into B and fromloc; anything without a B/I/E/S- prefix is outside. */
function split(tag: string): { prefix: string; type: string } {
  const match = /^([BIES])-(.+)$/.exec(tag);
  return match ? { prefix: match[1]!, type: match[2]! } : { prefix: "O", type: "" };
}

// conlleval's endOfChunk and startOfChunk, over (previous, current) prefixes.
const ends = new Set(["BB", "BS", "BO", "IB", "IS", "IO", "EE", "EI", "EO", "ES", "SE", "SI", "SO", "SS"]);
const starts = new Set([
  "BB",
  "IB",
  "OB",
  "SB",
  "EB",
  "BS",
  "IS",
  "OS",
  "SS",
  "ES",
  "OE",
  "OI",
  "EE",
  "EI",
  "SE",
  "SI",
]);

/**
 * The chunks of one sentence, as conlleval reads them: B starts a chunk, and
 * so does an I (or E) after O, after a chunk's end, or after another type.
 */
export function chunksOf(tags: readonly string[]): Chunk[] {
  const out: Chunk[] = [];
  let prev = { prefix: "O", type: "" };
  let open: { type: string; start: number } | undefined;
  tags.forEach((tag, i) => {
    const cur = split(tag);
    const pair = prev.prefix + cur.prefix;
    const typeChange = prev.type !== cur.type;
    if (open && (ends.has(pair) || (prev.prefix !== "O" && typeChange))) {
      out.push({ type: open.type, start: open.start, end: i });
      open = undefined;
    }
    if (starts.has(pair) || (cur.prefix !== "O" && typeChange)) open = { type: cur.type, start: i };
    prev = cur;
  });
  if (open) out.push({ type: open.type, start: open.start, end: tags.length });
  return out;
}

/** True when the tags look like BIO chunk tags (chunk F1 is meaningful). */
export function isChunkTagging(tags: Iterable<string>): boolean {
  for (const t of tags) if (split(t).prefix !== "O") return true;
  return false;
}

function score(gold: number, predicted: number, correct: number): Score {
  const precision = predicted === 0 ? 0 : correct / predicted;
  const recall = gold === 0 ? 0 : correct / gold;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, gold, predicted, correct };
}

/** conlleval's chunk scores: a predicted chunk counts when one gold chunk has its type, start and end. */
export function chunkScores(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
): ChunkScores {
  const counts = new Map<string, { gold: number; predicted: number; correct: number }>();
  const bump = (type: string, field: "gold" | "predicted" | "correct") => {
    const c = counts.get(type) ?? { gold: 0, predicted: 0, correct: 0 };
    c[field]++;
    counts.set(type, c);
  };
  gold.forEach((g, s) => {
    const key = (c: Chunk) => `${c.type}\u0000${c.start}\u0000${c.end}`;
    const goldChunks = chunksOf(g);
    const goldKeys = new Set(goldChunks.map(key));
    for (const c of goldChunks) bump(c.type, "gold");
    for (const c of chunksOf(predicted[s]!)) {
      bump(c.type, "predicted");
      if (goldKeys.has(key(c))) bump(c.type, "correct");
    }
  });
  const byType = new Map<string, Score>();
  let [g, p, c] = [0, 0, 0];
  for (const type of [...counts.keys()].sort()) {
    const n = counts.get(type)!;
    byType.set(type, score(n.gold, n.predicted, n.correct));
    [g, p, c] = [g + n.gold, p + n.predicted, c + n.correct];
  }
  return { overall: score(g, p, c), byType };
}

/** Token accuracy (overall and on OOV tokens) and, for BIO tags, chunk scores. */
export function evaluateTags(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
  oov: readonly (readonly boolean[])[],
): Metrics {
  let [tokens, correct, oovTokens, oovCorrect] = [0, 0, 0, 0];
  gold.forEach((g, s) => {
    const p = predicted[s]!;
    if (p.length !== g.length)
      throw new Error(`internal: sentence ${s} has ${g.length} gold tags but ${p.length} predicted`);
    g.forEach((tag, i) => {
      const right = tag === p[i] ? 1 : 0;
      tokens++;
      correct += right;
      if (oov[s]![i]) {
        oovTokens++;
        oovCorrect += right;
      }
    });
  });
  return {
    tokens,
    accuracy: tokens === 0 ? 0 : correct / tokens,
    oovTokens,
    oovAccuracy: oovTokens === 0 ? Number.NaN : oovCorrect / oovTokens,
    ...(isChunkTagging(gold.flat()) ? { chunks: chunkScores(gold, predicted) } : {}),
  };
}

const percent = (x: number) => (Number.isNaN(x) ? "  n/a" : (100 * x).toFixed(2).padStart(6));

/** A report in the spirit of conlleval's, for the terminal. */
export function formatMetrics(m: Metrics): string {
  const oov =
    m.oovTokens === 0
      ? "no out-of-vocabulary tokens"
      : `out-of-vocabulary ${m.oovTokens} tokens, accuracy ${percent(m.oovAccuracy)}%`;
  const lines = [`tokens ${m.tokens}; accuracy ${percent(m.accuracy)}%; ${oov}`];
  if (m.chunks) {
    const row = (name: string, s: Score) =>
      `${name.padEnd(18)} precision ${percent(s.precision)}%  recall ${percent(s.recall)}%  F1 ${percent(s.f1)}  ` +
      `(${s.gold} gold, ${s.predicted} found, ${s.correct} correct)`;
    lines.push(row("chunks (overall)", m.chunks.overall));
    for (const [type, s] of m.chunks.byType) lines.push(row(`  ${type}`, s));
  }
  return lines.join("\n");
}

/** Metrics as JSON: NaN (no OOV tokens) becomes null, the scores by type an object keyed by type. */
export function metricsJson(m: Metrics): unknown {
  const plain = (_: string, v: unknown) =>
    v instanceof Map ? Object.fromEntries(v) : typeof v === "number" && Number.isNaN(v) ? null : v;
  return JSON.parse(JSON.stringify(m, plain));
}
