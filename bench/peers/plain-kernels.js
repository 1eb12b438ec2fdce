// bench/peers — the matrix kernels of the hand-written JavaScript peer: plain
// loops over Float32Arrays, row-major with explicit leading dimensions, the
// inner loop always over contiguous memory. They accumulate into C (callers
// clear it), so a sum of products needs no temporary.

/** C[m, n] += Σ_k A[m, k] · B[n, k]  (A times B transposed: rows against rows). */
export function gemmNT(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc) {
  for (let m = 0; m < M; m++) {
    const a = aOff + m * lda;
    for (let n = 0; n < N; n++) {
      const b = bOff + n * ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let k = 0;
      for (; k + 3 < K; k += 4) {
        s0 += A[a + k] * B[b + k];
        s1 += A[a + k + 1] * B[b + k + 1];
        s2 += A[a + k + 2] * B[b + k + 2];
        s3 += A[a + k + 3] * B[b + k + 3];
      }
      for (; k < K; k++) s0 += A[a + k] * B[b + k];
      C[cOff + m * ldc + n] += s0 + s1 + s2 + s3;
    }
  }
}

/** C[m, n] += Σ_k A[m, k] · B[k, n]. */
export function gemmNN(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc) {
  for (let m = 0; m < M; m++) {
    const c = cOff + m * ldc;
    for (let k = 0; k < K; k++) {
      const a = A[aOff + m * lda + k];
      const b = bOff + k * ldb;
      for (let n = 0; n < N; n++) C[c + n] += a * B[b + n];
    }
  }
}

/** C[m, n] += Σ_k A[k, m] · B[k, n]  (A transposed times B: a sum of outer products). */
export function gemmTN(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc) {
  for (let k = 0; k < K; k++) {
    const b = bOff + k * ldb;
    for (let m = 0; m < M; m++) {
      const a = A[aOff + k * lda + m];
      const c = cOff + m * ldc;
      for (let n = 0; n < N; n++) C[c + n] += a * B[b + n];
    }
  }
}

/** Column sums of A [rows, cols] added to out [cols]. */
export function addColumnSums(A, rows, cols, out) {
  for (let r = 0; r < rows; r++) {
    const at = r * cols;
    for (let c = 0; c < cols; c++) out[c] += A[at + c];
  }
}

/** p -= lr · g, elementwise. */
export function sgdUpdate(p, g, lr) {
  for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
}

/** Rows of `bias` [N] copied into each of the M rows of C [M, N]: C starts as the bias. */
export function fillRows(C, M, N, bias) {
  for (let m = 0; m < M; m++) C.set(bias, m * N);
}

export const sigmoid = (v) => 1 / (1 + Math.exp(-v));
