// bench — one set of parameters and inputs for every implementation, and the
// layout conversions between rnnc's tensors and each peer's. In: a shape and
// the parameters of an rnnc module (per gate, W [H, I], U [H, H], b [H]).
// Out: stacked and transposed copies in the layouts the peers expect.

/** Gate order of rnnc's example cells (examples/lstm.ts, gru.ts; elman.ts has one W, U and b). */
export const gatesOf = { lstm: ["i", "f", "g", "o"], gru: ["z", "r", "h"], elman: [""] };

export function paramNames(cell) {
  return gatesOf[cell].flatMap((g) => [`W${g}`, `U${g}`, `b${g}`]);
}

/**
 * Rows of the per-gate matrices `${prefix}${gate}` stacked in `order`:
 * [G·H, K]. Gates listed in `negate` are negated (see the GRU mapping).
 */
export function stack(params, prefix, order, negate = []) {
  const parts = order.map((g) => params[`${prefix}${g}`]);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  order.forEach((g, k) => {
    const sign = negate.includes(g) ? -1 : 1;
    const part = parts[k];
    for (let i = 0; i < part.length; i++) out[at + i] = sign * part[i];
    at += part.length;
  });
  return out;
}

/** The inverse of stack: per-gate copies out of a [G·H, K] block. */
export function unstack(block, prefix, order, negate = []) {
  const each = block.length / order.length;
  const out = {};
  order.forEach((g, k) => {
    const sign = negate.includes(g) ? -1 : 1;
    out[`${prefix}${g}`] = Float32Array.from(block.subarray(k * each, (k + 1) * each), (v) => sign * v);
  });
  return out;
}

/** [rows, cols] row-major → [cols, rows] row-major. */
export function transpose(m, rows, cols) {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/** Time-major [T, B, F] ↔ batch-major [B, T, F] (the same function swaps back with T and B exchanged). */
export function swapLeadingAxes(a, first, second, features) {
  const out = new Float32Array(a.length);
  for (let i = 0; i < first; i++) {
    for (let j = 0; j < second; j++) {
      out.set(a.subarray((i * second + j) * features, (i * second + j + 1) * features), (j * first + i) * features);
    }
  }
  return out;
}

/** Uniform values in [-scale, scale) from rnnc's seeded generator. */
export function uniformArray(rand, length, scale) {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = (rand() * 2 - 1) * scale;
  return out;
}
