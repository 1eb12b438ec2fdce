/* examples/c — a whole C host of an rnnc module: the Elman cell of
   examples/elman.ts (I=2, H=3) compiled to scalar wasm, turned into C by
   wasm2c, laid out for this host's capacity, given parameters and a ragged
   batch of two sequences, run forward, and its outputs printed. Build and run
   it with the commands in docs/embedding.md ("C"). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "elman-module.h"
#include "elman.h"

int main(void) {
  wasm_rt_init();
  Z_rnnc_init_module();
  Z_rnnc_instance_t m;
  Z_rnnc_instantiate(&m);

  /* This host's capacity: any batch and steps up to these per call. layout grows the memory. */
  const uint32_t B = 3, S = 5;
  if (Z_rnncZ_layout(&m, B, S) != RNNC_ELMAN_LAYOUT_OK) return 1;
  uint8_t* memory = Z_rnncZ_memory(&m)->data; /* read after layout: growing may move it */

  /* Parameters W [3][2], U [3][3], b [3]: fixed regions, the same at every capacity. */
  float* W = (float*)(memory + RNNC_ELMAN_PARAM_W_OFFSET(B, S));
  float* U = (float*)(memory + RNNC_ELMAN_PARAM_U_OFFSET(B, S));
  float* b = (float*)(memory + RNNC_ELMAN_PARAM_B_OFFSET(B, S));
  int k = 0;
  for (int i = 0; i < RNNC_ELMAN_PARAM_W_ROW; i++) W[i] = (float)(0.5 * sin(++k));
  for (int i = 0; i < RNNC_ELMAN_PARAM_U_ROW; i++) U[i] = (float)(0.5 * sin(++k));
  for (int i = 0; i < RNNC_ELMAN_PARAM_B_ROW; i++) b[i] = (float)(0.5 * sin(++k));

  /* A call of batch 2 and steps 4 uses the packed prefix of each region: x is [4][2][2], time-major. */
  const uint32_t batch = 2, steps = 4;
  float* x = (float*)(memory + RNNC_ELMAN_INPUT_X_OFFSET(B, S));
  for (uint32_t i = 0; i < steps * batch * RNNC_ELMAN_DIM_I; i++) x[i] = (float)(0.7 * cos(i));
  int32_t* lengths = (int32_t*)(memory + RNNC_ELMAN_LENGTHS_LENGTHS_OFFSET(B, S));
  lengths[0] = 4;
  lengths[1] = 3; /* the second sequence ends a step early: its last output is 0, its state kept */
  memset(memory + RNNC_ELMAN_STATE_IN_H_OFFSET(B, S), 0, batch * RNNC_ELMAN_DIM_H * sizeof(float));

  Z_rnncZ_forward(&m, batch, steps);

  const float* h = (const float*)(memory + RNNC_ELMAN_OUTPUT_H_OFFSET(B, S));
  for (uint32_t t = 0; t < steps; t++) {
    for (uint32_t i = 0; i < batch; i++) {
      const float* row = h + (t * batch + i) * RNNC_ELMAN_DIM_H;
      printf("h[%u][%u] = %.9g %.9g %.9g\n", t, i, row[0], row[1], row[2]);
    }
  }
  Z_rnnc_free(&m);
  wasm_rt_free();
  return 0;
}
