// runtime — parameter matrices of an 8-bit module (ABI `quantize: "int8"`,
// docs/quantization.md). In: f32 values of a matrix [rows, cols] that a host
// sets, or a module's int8 rows and their f32 scales. Out: the int8 rows and
// scales the module multiplies with, or the f32 values they stand for. The
// host never sees the int8 form: set quantises, get and saveParams
// dequantise, so parameter files are those of the f32 build.

/** Largest magnitude of a stored weight. */
export const INT8_WEIGHT_RANGE = 127;

/**
 * Row r of `values` as q[r, j] = round(v[r, j] / s[r]) with s[r] =
 * fround(max_j |v[r, j]| / 127): |v − s·q| ≤ s/2 for every entry, since q
 * is rounded against the stored (f32) scale. A row of zeros has scale 0.
 */
export function quantizeRows(values: ArrayLike<number>, rows: number, cols: number, q: Int8Array, scales: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    let largest = 0;
    for (let j = 0; j < cols; j++) largest = Math.max(largest, Math.abs(values[r * cols + j]!));
    const s = Math.fround(largest / INT8_WEIGHT_RANGE);
    scales[r] = s;
    for (let j = 0; j < cols; j++) {
      const level = s > 0 ? Math.round(values[r * cols + j]! / s) : 0;
      q[r * cols + j] = Math.max(-INT8_WEIGHT_RANGE, Math.min(INT8_WEIGHT_RANGE, level));
    }
  }
}

/** The f32 values the module's int8 rows stand for: s[r] · q[r, j]. */
export function dequantizeRows(q: Int8Array, scales: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[r * cols + j] = scales[r]! * q[r * cols + j]!;
  return out;
}
