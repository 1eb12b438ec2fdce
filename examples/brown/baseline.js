// examples/brown — the most-frequent-tag baseline. In: training and test sentences. Out: test
// accuracy when each word gets the tag it had most often in training, and every word never seen
// there the most frequent tag of all; overall and on those unseen words.

/**
 * @param {{ tokens: string[], tags: string[] }[]} train
 * @param {{ tokens: string[], tags: string[] }[]} test
 */
export function mostFrequentTag(train, test) {
  /** @type {Map<string, Map<string, number>>} */
  const counts = new Map();
  /** @type {Map<string, number>} */
  const overall = new Map();
  for (const s of train) {
    s.tokens.forEach((word, i) => {
      const tag = s.tags[i];
      const byTag = counts.get(word) ?? new Map();
      byTag.set(tag, (byTag.get(tag) ?? 0) + 1);
      counts.set(word, byTag);
      overall.set(tag, (overall.get(tag) ?? 0) + 1);
    });
  }
  // Ties go to the tag first in sorted order, so the baseline does not depend on the data's order.
  const best = (/** @type {Map<string, number>} */ m) =>
    [...m].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))[0][0];
  const fallback = best(overall);
  const tagOf = new Map([...counts].map(([word, m]) => [word, best(m)]));
  let [tokens, correct, oovTokens, oovCorrect] = [0, 0, 0, 0];
  for (const s of test) {
    s.tokens.forEach((word, i) => {
      const known = tagOf.get(word);
      const right = (known ?? fallback) === s.tags[i] ? 1 : 0;
      tokens++;
      correct += right;
      if (known === undefined) {
        oovTokens++;
        oovCorrect += right;
      }
    });
  }
  return { tokens, accuracy: correct / tokens, oovTokens, oovAccuracy: oovCorrect / oovTokens, fallback };
}
