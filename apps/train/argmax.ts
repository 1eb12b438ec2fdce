// apps/train — the class a row of scores picks. In: a flat array of scores
// and where a row of them starts. Out: the index of the highest (the first
// of equals), which is the prediction of a softmax readout.

export function argmax(scores: ArrayLike<number>, start: number, count: number): number {
  let best = 0;
  for (let c = 1; c < count; c++) if (scores[start + c]! > scores[start + best]!) best = c;
  return best;
}
