/* gemm.h: the gemm family's helpers shared with the conv family: weights
 * packed at compile time for the blocked GEMM (runtime/kernels/gemm.c).
 * compiler/ops/gemm.c defines them. */
#ifndef AXCC_GEMM_H
#define AXCC_GEMM_H

#include "ops.h"

/* A new constant holding ngroup row-major rows x cols float matrices (one
 * after another at w) packed for the blocked GEMM with k blocks of kc
 * columns: the layout of axrt_gemm.h (ORDER GEMM_PACK),
 * ceil(rows/MR)*MR*cols floats per matrix, missing rows zero. Returns
 * its buffer id. */
int gemm_pack_a(Lower *l, const char *name, const float *w, int64_t ngroup, int64_t rows,
	int64_t cols, int64_t kc);
/* The scratch of conv_f32_gemm and gemm_f32_packed in bytes for a GEMM
 * of `rows` rows of A and npos columns of C (axrt_gemm.h, ORDER
 * GEMM_SCRATCH). */
size_t gemm_scratch_bytes(int64_t rows, int64_t npos, int32_t kc, int32_t nc);
/* Packed floats of one such matrix. */
int64_t gemm_packed_size(int64_t rows, int64_t cols);

#endif
