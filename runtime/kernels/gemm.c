/* gemm.c: kernels of the gemm family -- Gemm with its fused epilogue,
 * batched MatMul (float and integer), two-operand Einsum and Det. These are
 * the reference kernels: plain loops in i-k-j order whose innermost loop
 * runs over contiguous rows of B and Y, so that compilers vectorize it. */
#include "axrt.h"
#include <math.h>
#include <string.h>

/* y[i,:] = sum_k A'[i,k] * B[k,:] for a row-major k x n B. y never
 * overlaps a or b (the planner keeps a step's buffers apart); restrict
 * lets -O2 vectorize the inner loop without alias checks. */
AXRT_PRIVATE void
gemm_rows(const axrt_gemm_params *p, const float *restrict a, const float *restrict b,
		float *restrict y)
{
	int32_t m = p->m, n = p->n, k = p->k;

	for (int32_t i = 0; i < m; i++) {
		float *yi = y + (size_t)i * n;
		for (int32_t j = 0; j < n; j++)
			yi[j] = 0.0f;
		for (int32_t kk = 0; kk < k; kk++) {
			float av = p->trans_a ? a[(size_t)kk * m + i] : a[(size_t)i * k + kk];
			const float *bk = b + (size_t)kk * n;
			for (int32_t j = 0; j < n; j++)
				yi[j] += av * bk[j];
		}
	}
}

AXRT_KERNEL_PROTO(gemm_f32, gemm)
{
	const float *b = in[1], *c = in[2];
	float *y = out[0];

	if (p->m < 0 || p->n < 0 || p->k < 0)
		return AXRT_EINVAL;
	if (p->trans_b) {             /* B is n x k: transpose into scratch */
		float *bt = scratch;
		if (!bt)
			return AXRT_EINVAL;
		for (int32_t j = 0; j < p->n; j++)
			for (int32_t kk = 0; kk < p->k; kk++)
				bt[(size_t)kk * p->n + j] = b[(size_t)j * p->k + kk];
		b = bt;
	}
	gemm_rows(p, in[0], b, y);
	for (int32_t i = 0; i < p->m; i++) {
		float *yi = y + (size_t)i * p->n;
		for (int32_t j = 0; j < p->n; j++) {
			float v = p->alpha * yi[j];
			if (c)
				v += p->beta * c[(size_t)i * p->c_rs + (size_t)j * p->c_cs];
			yi[j] = axrt_act_f32(p->act, v, p->act_alpha, p->act_beta);
		}
	}
	return AXRT_OK;
}

/* Start element of batch b's matrix in an operand with batch strides bs. */
AXRT_PRIVATE size_t
gemm_batch_off(const axrt_matmul_params *p, int64_t b, const int32_t *bs)
{
	size_t off = 0;
	for (int32_t i = p->brank - 1; i >= 0; i--) {
		off += (size_t)(b % p->bdim[i]) * (size_t)bs[i];
		b /= p->bdim[i];
	}
	return off;
}

/* One body, four element types. Accumulates in T; integer products and
 * sums are computed in the unsigned type U so that overflow wraps (as in
 * ONNX Runtime) instead of being undefined. For floats U is T. */
#define GEMM_MATMUL(kname, T, U) \
AXRT_KERNEL_PROTO(kname, matmul) \
{ \
	const T *a = in[0], *b = in[1]; \
	T *y = out[0]; \
	int32_t m = p->m, n = p->n, k = p->k; \
	int64_t nb = 1; \
	(void)scratch; \
	if (m < 0 || n < 0 || k < 0 || p->brank < 0 || p->brank > AXRT_MAXRANK) \
		return AXRT_EINVAL; \
	for (int32_t i = 0; i < p->brank; i++) \
		nb *= p->bdim[i]; \
	for (int64_t bi = 0; bi < nb; bi++) { \
		const T *ab = a + gemm_batch_off(p, bi, p->a_bs); \
		const T *bb = b + gemm_batch_off(p, bi, p->b_bs); \
		T *yb = y + (size_t)bi * m * n; \
		for (int32_t i = 0; i < m; i++) { \
			T *restrict yi = yb + (size_t)i * n; \
			for (int32_t j = 0; j < n; j++) \
				yi[j] = 0; \
			for (int32_t kk = 0; kk < k; kk++) { \
				T av = ab[(size_t)i * k + kk]; \
				const T *restrict bk = bb + (size_t)kk * n; \
				for (int32_t j = 0; j < n; j++) \
					yi[j] = (T)((U)yi[j] + (U)av * (U)bk[j]); \
			} \
		} \
	} \
	return AXRT_OK; \
}

GEMM_MATMUL(matmul_f32, float, float)
GEMM_MATMUL(matmul_f64, double, double)
GEMM_MATMUL(matmul_i32, int32_t, uint32_t)
GEMM_MATMUL(matmul_i64, int64_t, uint64_t)

/* Advances the multi-index idx over letters [lo, hi) of the einsum in C
 * order, keeping the operand offsets o0/o1 in step. Returns 0 after the
 * last index (idx is back at zero). */
AXRT_PRIVATE int
gemm_einsum_next(const axrt_einsum_params *p, int32_t lo, int32_t hi,
		int32_t *idx, int64_t *o0, int64_t *o1)
{
	for (int32_t l = hi - 1; l >= lo; l--) {
		*o0 += p->s0[l];
		*o1 += p->s1[l];
		if (++idx[l] < p->size[l])
			return 1;
		*o0 -= (int64_t)p->s0[l] * p->size[l];
		*o1 -= (int64_t)p->s1[l] * p->size[l];
		idx[l] = 0;
	}
	return 0;
}

/* Y[o] = sum over the summed letters of X0 * X1 (or X0 alone), in T. */
#define GEMM_EINSUM(kname, T) \
AXRT_KERNEL_PROTO(kname, einsum) \
{ \
	const T *x0 = in[0], *x1 = p->nin > 1 ? in[1] : NULL; \
	T *y = out[0]; \
	int32_t idx[AXRT_EINSUM_MAXL] = {0}, no = p->nout_l, nl = no + p->nsum_l; \
	int64_t o0 = 0, o1 = 0, yo = 0; \
	(void)scratch; \
	if (no < 0 || p->nsum_l < 0 || nl > AXRT_EINSUM_MAXL || p->nin < 1 || p->nin > 2) \
		return AXRT_EINVAL; \
	if (gemm_einsum_empty(p)) {   /* a zero-sized output, or sums of nothing */ \
		for (int64_t q = 0, cnt = gemm_einsum_count(p); q < cnt; q++) \
			y[q] = 0; \
		return AXRT_OK; \
	} \
	do { \
		T acc = 0; \
		do \
			acc += x1 ? x0[o0] * x1[o1] : x0[o0]; \
		while (gemm_einsum_next(p, no, nl, idx, &o0, &o1)); \
		y[yo++] = acc; \
	} while (gemm_einsum_next(p, 0, no, idx, &o0, &o1)); \
	return AXRT_OK; \
}

/* 1 if some letter has extent 0 (nothing to sum or nothing to write). */
AXRT_PRIVATE int
gemm_einsum_empty(const axrt_einsum_params *p)
{
	for (int32_t l = 0; l < p->nout_l + p->nsum_l; l++)
		if (p->size[l] <= 0)
			return 1;
	return 0;
}

/* Elements of the einsum output. */
AXRT_PRIVATE int64_t
gemm_einsum_count(const axrt_einsum_params *p)
{
	int64_t cnt = 1;
	for (int32_t l = 0; l < p->nout_l; l++)
		cnt *= p->size[l] > 0 ? p->size[l] : 0;
	return cnt;
}

GEMM_EINSUM(einsum_f32, float)
GEMM_EINSUM(einsum_f64, double)

/* Determinant of the n x n matrix lu (destroyed): Gaussian elimination
 * with partial pivoting, the product of the pivots times the sign of the
 * row permutation, as LAPACK's getrf does. */
AXRT_PRIVATE float
gemm_det1(float *lu, int32_t n)
{
	float det = 1.0f;

	for (int32_t c = 0; c < n; c++) {
		int32_t piv = c;
		for (int32_t r = c + 1; r < n; r++)
			if (fabsf(lu[(size_t)r * n + c]) > fabsf(lu[(size_t)piv * n + c]))
				piv = r;
		if (lu[(size_t)piv * n + c] == 0.0f)
			return 0.0f;
		if (piv != c) {
			for (int32_t j = 0; j < n; j++) {
				float t = lu[(size_t)c * n + j];
				lu[(size_t)c * n + j] = lu[(size_t)piv * n + j];
				lu[(size_t)piv * n + j] = t;
			}
			det = -det;
		}
		det *= lu[(size_t)c * n + c];
		for (int32_t r = c + 1; r < n; r++) {
			float f = lu[(size_t)r * n + c] / lu[(size_t)c * n + c];
			for (int32_t j = c + 1; j < n; j++)
				lu[(size_t)r * n + j] -= f * lu[(size_t)c * n + j];
		}
	}
	return det;
}

AXRT_KERNEL_PROTO(det_f32, det)
{
	const float *x = in[0];
	float *y = out[0], *lu = scratch;
	size_t nn = (size_t)p->n * p->n;

	if (p->n < 0 || p->nbatch < 0 || (nn > 0 && !lu))
		return AXRT_EINVAL;
	for (int32_t b = 0; b < p->nbatch; b++) {
		if (nn == 0) {              /* the empty matrix has determinant 1 */
			y[b] = 1.0f;
			continue;
		}
		memcpy(lu, x + (size_t)b * nn, nn * sizeof *lu);
		y[b] = gemm_det1(lu, p->n);
	}
	return AXRT_OK;
}
