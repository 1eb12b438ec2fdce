// runtime — parameter matrices of an 8-bit module (ABI `quantize: "int8"`,
// docs/quantization.md). In: f32 values of a matrix [rows, cols] that a host
// sets, or a module's int8 weights and their f32 row scales. Out: the int8
// weights, laid out in blocks of 4 rows × 2 columns as the module reads them,
// and the scales, or the f32 values they stand for. The host never sees the
// int8 form: set quantises, get and saveParams dequantise, so parameter files
// are those of the f32 build.

/** Largest magnitude of a stored weight. */
export const INT8_WEIGHT_RANGE = 127;

/** Rows and columns of one block of the int8 layout (ABI: "blocks"). */
export const INT8_BLOCKS = [4, 2] as const;

/** Bytes of an int8 matrix [rows, cols]: rows padded to a multiple of 4, columns to a multiple of 2, with zeros. */
export function int8Bytes(rows: number, cols: number): number {
  return Math.ceil(rows / 4) * 4 * (Math.ceil(cols / 2) * 2);
}

/**
 * Where weight [r, j] is: block (⌊r/4⌋, ⌊j/2⌋) of 8 bytes, blocks row-group by row-group, and in
 * the block rows then columns: the 2 weights of row r%4 at bytes 2·(r%4) and 2·(r%4) + 1.
 */
export function int8Index(r: number, j: number, cols: number): number {
  const pairs = Math.ceil(cols / 2);
  return ((Math.floor(r / 4) * pairs + Math.floor(j / 2)) * 4 + (r % 4)) * 2 + (j % 2);
}

/**
 * Row r of `values` (row-major) as q[r, j], written at int8Index into q
 * (int8Bytes long, padding zeroed), = round(v[r, j] / s[r]) with s[r] =
 * fround(max_j |v[r, j]| / 127): |v − s·q| ≤ s/2 for every entry, since q
 * is rounded against the stored (f32) scale. A row of zeros has scale 0.
 */
export function quantizeRows(
  values: ArrayLike<number>, rows: number, cols: number, q: Int8Array, scales: Float32Array,
): void {
  q.fill(0);
  for (let r = 0; r < rows; r++) {
    let largest = 0;
    for (let j = 0; j < cols; j++) largest = Math.max(largest, Math.abs(values[r * cols + j]!));
    const s = Math.fround(largest / INT8_WEIGHT_RANGE);
    scales[r] = s;
    for (let j = 0; j < cols; j++) {
      const level = s > 0 ? Math.round(values[r * cols + j]! / s) : 0;
      q[int8Index(r, j, cols)] = Math.max(-INT8_WEIGHT_RANGE, Math.min(INT8_WEIGHT_RANGE, level));
    }
  }
}

/** The f32 values the module's int8 weights stand for: s[r] · q[r, j]. */
export function dequantizeRows(q: Int8Array, scales: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) out[r * cols + j] = scales[r]! * q[int8Index(r, j, cols)]!;
  }
  return out;
}
