/* gemm.c: kernels of the gemm family -- Gemm with its fused epilogue,
 * batched MatMul (float and integer), two-operand Einsum and Det: the
 * reference kernels, plain loops in i-k-j order whose innermost loop runs
 * over contiguous rows of B and Y, so that compilers vectorize it. Then
 * the blocked float GEMM with weights packed at compile time, the fast
 * path of Conv (conv_f32_gemm) and of Gemm/MatMul by a constant
 * (gemm_f32_packed). */
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
				yi[j] = AXRT_FMAF(av, bk[j], yi[j]);
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

/* ---- the blocked float GEMM: conv_f32_gemm, gemm_f32_packed ----
 * C = act(bias + A B) with A packed at compile time (axrt_gemm.h) and B
 * packed here into the scratch, kc rows by GEMM_NR columns (a strip) at
 * a time: the strip's row kk at kk * GEMM_NR. Loops, outer to inner:
 * column blocks (nc: a block of C stays in L2 across the k blocks), k
 * blocks (kc: A's block is streamed in order), blocks of GEMM_MC rows of
 * A, strips (packed on the first row block, while in L1), panels of A.
 * The innermost call, gemm_micro, keeps a GEMM_MR x GEMM_NR tile of C in
 * registers (gemm_micro4, gemm_micro2 and gemm_micro8: the last panel of
 * 16, 32, 64 or 14 rows, the last strip of 49 columns). The products run in k order from
 * the bias, as conv_f32's do. */
#if AXRT_GEMM_MR != 6 || AXRT_GEMM_NR != 16
#error "gemm_micro is written for 6 x 16 tiles"
#endif
#define GEMM_MR AXRT_GEMM_MR
#define GEMM_NR AXRT_GEMM_NR
#define GEMM_MC AXRT_GEMM_MC   /* rows of A per block (a multiple of GEMM_MR) */
/* Floats from one strip of a packed block of kb rows to the next: one
 * row more than the strip, so that the rows the packing writes together
 * (one per strip) do not all fall into one L1 cache set when kb * 64
 * bytes is a multiple of 4 KiB. */
#define GEMM_STEP(kb) ((ptrdiff_t)((kb) + 1) * GEMM_NR)

/* One GEMM: C is m x n, A m x k (packed), B k x n, read either as the
 * im2col matrix of one image and group (cp set) or as B[k][j] =
 * x[k * b_rs + j * b_cs] (cp NULL). */
typedef struct gemm_job {
	int32_t m, n, k;
	const float *a;             /* packed A */
	const float *bias;          /* m values, or NULL */
	float *c;                   /* C[i][j] at c[i * c_rs + j * c_cs] */
	ptrdiff_t c_rs, c_cs;
	int32_t kc, nc;             /* block of B packed at a time */
	int32_t few;                /* panel-major (gemm_run; axrt_gemm.h) */
	int32_t act;
	float alpha, beta;          /* the activation's parameters */
	const axrt_convgemm_params *cp;
	const float *x;
	ptrdiff_t b_rs, b_cs;
} gemm_job;

#if defined(__GNUC__) && (defined(__AVX__) || defined(__SSE2__) || defined(__ARM_NEON))
/* The SIMD path: GNU C vectors of GEMM_VW floats (not intrinsics; any
 * gcc or clang target with these macros), twelve accumulators per pass
 * over 2 * GEMM_VW columns of the tile. Loads and stores go through
 * memcpy: no alignment is assumed. Each lane computes what the plain C
 * path below computes: t = AXRT_FMAF(a, b, t) per k (GEMM_FMA: lane by
 * lane fmaf, which gcc and clang turn into one vector FMA). */
#ifdef __AVX__
#define GEMM_VW 8
#else
#define GEMM_VW 4
#endif
typedef float gemm_vec __attribute__((vector_size(GEMM_VW * 4)));
#define GEMM_LD(v, p) memcpy(&(v), (p), sizeof(gemm_vec))
#define GEMM_ST(p, v) memcpy((p), &(v), sizeof(gemm_vec))
#define GEMM_ROW(i, c0, c1) \
	if (init) { \
		c0 = z + init[i]; \
		c1 = c0; \
	} else { \
		GEMM_LD(c0, c + (i) * ldc); \
		GEMM_LD(c1, c + (i) * ldc + GEMM_VW); \
	}
#ifdef AXRT_FMA
#define GEMM_FMA(t, x, s) \
	for (int l_ = 0; l_ < GEMM_VW; l_++) \
		t[l_] = fmaf(x[l_], s, t[l_]);
#else
#define GEMM_FMA(t, x, s) t += x * (s);
#endif
#define GEMM_MAC(i, c0, c1) \
	GEMM_FMA(c0, b0, a[i]) \
	GEMM_FMA(c1, b1, a[i])
/* Relu and Clip on the registers, as axrt_act_f32 computes them (a NaN
 * fails every comparison: Relu gives 0, Clip passes it) */
typedef int32_t gemm_ivec __attribute__((vector_size(GEMM_VW * 4)));
#define GEMM_SEL(m, x, y) ((gemm_vec)(((gemm_ivec)(x) & (m)) | ((gemm_ivec)(y) & ~(m))))
#define GEMM_ACT1(v) \
	if (act == AXRT_ACT_RELU) { \
		v = GEMM_SEL(v > z, v, z); \
	} else if (act == AXRT_ACT_CLIP) { \
		v = GEMM_SEL(v < vlo, vlo, v); \
		v = GEMM_SEL(v > vhi, vhi, v); \
	}
#define GEMM_OUT(i, c0, c1) \
	GEMM_ACT1(c0) \
	GEMM_ACT1(c1) \
	GEMM_ST(c + (i) * ldc, c0); \
	GEMM_ST(c + (i) * ldc + GEMM_VW, c1);

/* The tile c (GEMM_MR rows ldc apart, GEMM_NR columns) = its start plus a
 * (kc x GEMM_MR: a panel of A) times b (kc x GEMM_NR: a strip of B),
 * then Relu or Clip [lo, hi] when act says so (other values of act: no
 * activation here). The start is row i = init[i] when init is set, else
 * c itself. noinline: inlined, the tile would compete for registers. */
AXRT_PRIVATE __attribute__((noinline)) void
gemm_micro(int32_t kc, const float *restrict a0, const float *restrict b0p, float *restrict c0p,
		ptrdiff_t ldc, const float *restrict init, int32_t act, float lo, float hi)
{
	const gemm_vec z = {0}, vlo = z + lo, vhi = z + hi;

	for (int h = 0; h < GEMM_NR; h += 2 * GEMM_VW) {
		const float *restrict a = a0, *restrict b = b0p + h;
		float *restrict c = c0p + h;
		gemm_vec c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, b0, b1;
		GEMM_ROW(0, c00, c01) GEMM_ROW(1, c10, c11) GEMM_ROW(2, c20, c21)
		GEMM_ROW(3, c30, c31) GEMM_ROW(4, c40, c41) GEMM_ROW(5, c50, c51)
		for (int32_t k = 0; k < kc; k++) {
			GEMM_LD(b0, b);
			GEMM_LD(b1, b + GEMM_VW);
			GEMM_MAC(0, c00, c01) GEMM_MAC(1, c10, c11) GEMM_MAC(2, c20, c21)
			GEMM_MAC(3, c30, c31) GEMM_MAC(4, c40, c41) GEMM_MAC(5, c50, c51)
			a += GEMM_MR;
			b += GEMM_NR;
		}
		GEMM_OUT(0, c00, c01) GEMM_OUT(1, c10, c11) GEMM_OUT(2, c20, c21)
		GEMM_OUT(3, c30, c31) GEMM_OUT(4, c40, c41) GEMM_OUT(5, c50, c51)
	}
}

/* gemm_micro for the first 8 columns of the tile only (the last strip of
 * a narrow C: 49 positions are 3 strips and 1 column), one vector of
 * GEMM_VW columns per row and pass. */
#define GEMM_ROW1(i, c0) \
	if (init) \
		c0 = z + init[i]; \
	else \
		GEMM_LD(c0, c + (i) * ldc);
#define GEMM_OUT1(i, c0) \
	GEMM_ACT1(c0) \
	GEMM_ST(c + (i) * ldc, c0);
AXRT_PRIVATE __attribute__((noinline)) void
gemm_micro8(int32_t kc, const float *restrict a0, const float *restrict b0p, float *restrict c0p,
		ptrdiff_t ldc, const float *restrict init, int32_t act, float lo, float hi)
{
	const gemm_vec z = {0}, vlo = z + lo, vhi = z + hi;

	for (int h = 0; h < 8; h += GEMM_VW) {
		const float *restrict a = a0, *restrict b = b0p + h;
		float *restrict c = c0p + h;
		gemm_vec c0, c1, c2, c3, c4, c5, b0;
		GEMM_ROW1(0, c0) GEMM_ROW1(1, c1) GEMM_ROW1(2, c2)
		GEMM_ROW1(3, c3) GEMM_ROW1(4, c4) GEMM_ROW1(5, c5)
		for (int32_t k = 0; k < kc; k++) {
			GEMM_LD(b0, b);
			GEMM_FMA(c0, b0, a[0]) GEMM_FMA(c1, b0, a[1]) GEMM_FMA(c2, b0, a[2])
			GEMM_FMA(c3, b0, a[3]) GEMM_FMA(c4, b0, a[4]) GEMM_FMA(c5, b0, a[5])
			a += GEMM_MR;
			b += GEMM_NR;
		}
		GEMM_OUT1(0, c0) GEMM_OUT1(1, c1) GEMM_OUT1(2, c2)
		GEMM_OUT1(3, c3) GEMM_OUT1(4, c4) GEMM_OUT1(5, c5)
	}
}

/* gemm_micro for the first mr <= 4 rows of a panel (the last panel of
 * 16, 32 or 64 rows), all GEMM_NR columns: the rows past mr are neither
 * read (init) nor stored. */
#define GEMM_ROWM(i, c0, c1) \
	if (init) { \
		c0 = z + (i < mr ? init[i] : 0.0f); \
		c1 = c0; \
	} else if (i < mr) { \
		GEMM_LD(c0, c + (i) * ldc); \
		GEMM_LD(c1, c + (i) * ldc + GEMM_VW); \
	} else { \
		c0 = c1 = z; \
	}
#define GEMM_OUTM(i, c0, c1) \
	if (i < mr) { \
		GEMM_OUT(i, c0, c1) \
	}
/* The bodies of gemm_micro4 and gemm_micro2: ROWS(X) applies X to the
 * tile's rows, each with its two accumulators (named, not an array: in
 * an array gcc left the 4-row tile 5% slower). */
#define GEMM_MICRO_M(ROWS) \
	const gemm_vec z = {0}, vlo = z + lo, vhi = z + hi; \
	for (int h = 0; h < GEMM_NR; h += 2 * GEMM_VW) { \
		const float *restrict a = a0, *restrict b = b0p + h; \
		float *restrict c = c0p + h; \
		gemm_vec b0, b1; \
		ROWS(GEMM_DECL) \
		ROWS(GEMM_ROWM) \
		for (int32_t k = 0; k < kc; k++) { \
			GEMM_LD(b0, b); \
			GEMM_LD(b1, b + GEMM_VW); \
			ROWS(GEMM_MAC) \
			a += GEMM_MR; \
			b += GEMM_NR; \
		} \
		ROWS(GEMM_OUTM) \
	}
#define GEMM_DECL(i, c0, c1) gemm_vec c0, c1;
#define GEMM_ROWS4(X) X(0, c00, c01) X(1, c10, c11) X(2, c20, c21) X(3, c30, c31)
#define GEMM_ROWS2(X) X(0, c00, c01) X(1, c10, c11)
AXRT_PRIVATE __attribute__((noinline)) void
gemm_micro4(int32_t kc, const float *restrict a0, const float *restrict b0p, float *restrict c0p,
		ptrdiff_t ldc, const float *restrict init, int32_t act, float lo, float hi, int32_t mr)
{
	GEMM_MICRO_M(GEMM_ROWS4)
}

/* The last panel of 1 or 2 rows (a layer pruned to 6q + 2 filters computes
 * 6q + 2 rows, not 6q + 4). */
AXRT_PRIVATE __attribute__((noinline)) void
gemm_micro2(int32_t kc, const float *restrict a0, const float *restrict b0p, float *restrict c0p,
		ptrdiff_t ldc, const float *restrict init, int32_t act, float lo, float hi, int32_t mr)
{
	GEMM_MICRO_M(GEMM_ROWS2)
}
#define GEMM_HAVE_MICRO4 1

/* Panels [q0, q1) of C (rows i0 = q * GEMM_MR on, at c + i0 * rs) times
 * the first nr <= 2 columns of a packed strip b (kb rows; C's columns at
 * c, c + cs): the last strip of a C whose width leaves a column or two
 * over (49 positions: 3 strips and 1 column), where a tile would compute
 * 8 or 16 columns for them. The vector runs along a panel's rows (the 6
 * values of A at one k, read as 8: the next k's first two ride along),
 * four panels at a time, so that four sums per column are in flight.
 * Each lane computes what gemm_micro computes: init, then t = AXRT_FMAF(a,
 * b, t) in k order (GEMM_FMA8, as GEMM_FMA). The rows start from C itself
 * (from_c), else from init (m values) or zero; act, when not NONE, is
 * applied here as axrt_act_f32. */
typedef float gemm_vec8 __attribute__((vector_size(32)));
#ifdef AXRT_FMA
#define GEMM_FMA8(t, x, s) \
	for (int l_ = 0; l_ < 8; l_++) \
		t[l_] = fmaf(x[l_], s, t[l_]);
#else
#define GEMM_FMA8(t, x, s) t += x * (s);
#endif
#define GEMM_COLP 4
#define GEMM_COLS_MAC(p, t0, t1) \
	memcpy(&av, ap[p] + (ptrdiff_t)k * GEMM_MR, sizeof av); \
	GEMM_FMA8(t0, av, b0) \
	GEMM_FMA8(t1, av, b1)
AXRT_PRIVATE __attribute__((noinline)) void
gemm_cols(int32_t m, int32_t q0, int32_t q1, int32_t kb, const float *a, const float *restrict b,
		float *c, ptrdiff_t rs, ptrdiff_t cs, int from_c, const float *init, int32_t act, float lo,
		float hi, int32_t nr)
{
	for (int32_t q = q0; q < q1; q += GEMM_COLP) {
		int32_t np = q1 - q < GEMM_COLP ? q1 - q : GEMM_COLP;
		gemm_vec8 t[GEMM_COLP][2], av, t00, t01, t10, t11, t20, t21, t30, t31;
		const float *ap[GEMM_COLP];
		float v[8], b0, b1;
		int32_t k;
		for (int32_t p = 0; p < GEMM_COLP; p++) {
			ap[p] = a + (ptrdiff_t)(q + (p < np ? p : 0)) * kb * GEMM_MR;
			for (int32_t j = 0; j < 2; j++) {
				int32_t i0 = (q + p) * GEMM_MR;
				for (int32_t i = 0; i < 8; i++)
					v[i] = p >= np || j >= nr || i >= GEMM_MR || i0 + i >= m ? 0.0f
						: from_c ? c[(i0 + i) * rs + j * cs] : init ? init[i0 + i] : 0.0f;
				memcpy(&t[p][j], v, sizeof v);
			}
		}
		t00 = t[0][0], t01 = t[0][1], t10 = t[1][0], t11 = t[1][1];
		t20 = t[2][0], t21 = t[2][1], t30 = t[3][0], t31 = t[3][1];
		for (k = 0; k + 1 < kb; k++) {
			b0 = b[(ptrdiff_t)k * GEMM_NR];
			b1 = b[(ptrdiff_t)k * GEMM_NR + 1];
			GEMM_COLS_MAC(0, t00, t01) GEMM_COLS_MAC(1, t10, t11)
			GEMM_COLS_MAC(2, t20, t21) GEMM_COLS_MAC(3, t30, t31)
		}
		t[0][0] = t00, t[0][1] = t01, t[1][0] = t10, t[1][1] = t11;
		t[2][0] = t20, t[2][1] = t21, t[3][0] = t30, t[3][1] = t31;
		b0 = b[(ptrdiff_t)k * GEMM_NR];
		b1 = b[(ptrdiff_t)k * GEMM_NR + 1];
		for (int32_t p = 0; p < GEMM_COLP; p++) {   /* the last k: its 6 values only */
			memset(v, 0, sizeof v);
			memcpy(v, ap[p] + (ptrdiff_t)k * GEMM_MR, GEMM_MR * sizeof *v);
			memcpy(&av, v, sizeof av);
			GEMM_FMA8(t[p][0], av, b0)
			GEMM_FMA8(t[p][1], av, b1)
		}
		for (int32_t p = 0; p < np; p++)
			for (int32_t j = 0; j < nr; j++) {
				int32_t i0 = (q + p) * GEMM_MR;
				memcpy(v, &t[p][j], sizeof v);
				for (int32_t i = 0; i < GEMM_MR && i0 + i < m; i++)
					c[(i0 + i) * rs + j * cs] = act == AXRT_ACT_NONE ? v[i]
						: axrt_act_f32(act, v[i], lo, hi);
			}
	}
}
#define GEMM_HAVE_COLS 1

/* y[0..ws) = init + sum over k < kc of w[k][.] * x[k * xs]: a strip of
 * a matrix times a vector (ws outputs, a multiple of AXRT_GEMV_TAIL, at
 * most AXRT_GEMV_MAXW), the sums in vector registers: nv = ws / GEMM_VW
 * is a constant in each expansion below, so the loops unroll. */
#define GEMM_GV (AXRT_GEMV_MAXW / GEMM_VW)
#if AXRT_GEMV_NR != 4 * AXRT_GEMV_TAIL || AXRT_GEMV_TAIL % GEMM_VW != 0
#error "gemv strips: AXRT_GEMV_NR is 4 AXRT_GEMV_TAIL, a multiple of GEMM_VW"
#endif
static inline __attribute__((always_inline)) void
gemm_gemv_nv(int nv, int32_t kc, const float *restrict w, const float *restrict x, ptrdiff_t xs,
		float *restrict y)
{
	gemm_vec v[GEMM_GV], t;

	for (int i = 0; i < nv; i++)
		GEMM_LD(v[i], y + i * GEMM_VW);
	for (int32_t k = 0; k < kc; k++, w += nv * GEMM_VW) {
		float xk = x[k * xs];
		for (int i = 0; i < nv; i++) {
			GEMM_LD(t, w + i * GEMM_VW);
			GEMM_FMA(v[i], t, xk)
		}
	}
	for (int i = 0; i < nv; i++)
		GEMM_ST(y + i * GEMM_VW, v[i]);
}

AXRT_PRIVATE __attribute__((noinline)) void
gemm_gemv_strip(int32_t kc, const float *restrict w, int32_t ws, const float *restrict x,
		ptrdiff_t xs, float *restrict y)
{
	enum { T = AXRT_GEMV_TAIL / GEMM_VW };

	switch (ws / GEMM_VW) {
	case T: gemm_gemv_nv(T, kc, w, x, xs, y); break;
	case 2 * T: gemm_gemv_nv(2 * T, kc, w, x, xs, y); break;
	case 3 * T: gemm_gemv_nv(3 * T, kc, w, x, xs, y); break;
	case 4 * T: gemm_gemv_nv(4 * T, kc, w, x, xs, y); break;   /* a full strip */
	case 5 * T: gemm_gemv_nv(5 * T, kc, w, x, xs, y); break;
	case 6 * T: gemm_gemv_nv(6 * T, kc, w, x, xs, y); break;
	default: gemm_gemv_nv(GEMM_GV, kc, w, x, xs, y); break;    /* 7T */
	}
}
#else
/* The tile c (GEMM_MR rows ldc apart, GEMM_NR columns) = its start plus a
 * (kc x GEMM_MR: a panel of A) times b (kc x GEMM_NR: a strip of B), in k
 * order, then Relu or Clip [lo, hi] when act says so (other values: no
 * activation here). The start is row i = init[i] when init is set, else
 * c itself. */
AXRT_PRIVATE void
gemm_micro(int32_t kc, const float *restrict a, const float *restrict b, float *restrict c,
		ptrdiff_t ldc, const float *restrict init, int32_t act, float lo, float hi)
{
	if (init)
		for (int i = 0; i < GEMM_MR; i++)
			for (int j = 0; j < GEMM_NR; j++)
				c[i * ldc + j] = init[i];
	for (int32_t k = 0; k < kc; k++) {
		for (int i = 0; i < GEMM_MR; i++) {
			float av = a[i];
			for (int j = 0; j < GEMM_NR; j++)
				c[i * ldc + j] = AXRT_FMAF(av, b[j], c[i * ldc + j]);
		}
		a += GEMM_MR;
		b += GEMM_NR;
	}
	if (act == AXRT_ACT_RELU || act == AXRT_ACT_CLIP)
		for (int i = 0; i < GEMM_MR; i++)
			for (int j = 0; j < GEMM_NR; j++)
				c[i * ldc + j] = axrt_act_f32(act, c[i * ldc + j], lo, hi);
}
#define gemm_micro8 gemm_micro

/* y[0..ws) = init + sum over k < kc of w[k][.] * x[k * xs]. */
AXRT_PRIVATE void
gemm_gemv_strip(int32_t kc, const float *restrict w, int32_t ws, const float *restrict x,
		ptrdiff_t xs, float *restrict y)
{
	for (int32_t k = 0; k < kc; k++, w += ws)
		for (int j = 0; j < ws; j++)
			y[j] = AXRT_FMAF(w[j], x[k * xs], y[j]);
}
#endif

/* One strip of the im2col matrix: GEMM_NR output positions (n of them
 * real, the rest zero columns) as runs along output rows; run r covers
 * columns col[r] .. col[r] + len[r] of the strip, and d/h/w[r] are the
 * input coordinates of its first position's first tap (o * stride - pad).
 * same: one run of GEMM_NR. */
typedef struct gemm_strip {
	int32_t n, nrun, same;
	int32_t col[GEMM_NR], len[GEMM_NR], d[GEMM_NR], h[GEMM_NR], w[GEMM_NR];
} gemm_strip;

/* The strip of the n output positions from j on (j < out positions). */
AXRT_PRIVATE void
gemm_strip_at(const axrt_convgemm_params *p, int32_t j, int32_t n, gemm_strip *st)
{
	const int32_t *o = p->out;
	int32_t ow = j % o[2], oh = j / o[2] % o[1], od = j / o[2] / o[1];

	st->n = n;
	st->nrun = 0;
	for (int32_t c = 0; c < n; ) {
		int32_t r = st->nrun++, len = o[2] - ow < n - c ? o[2] - ow : n - c;
		st->col[r] = c;
		st->len[r] = len;
		st->d[r] = od * p->stride[0] - p->pad[0];
		st->h[r] = oh * p->stride[1] - p->pad[1];
		st->w[r] = ow * p->stride[2] - p->pad[2];
		c += len;
		ow = 0;
		if (++oh == o[1]) {
			oh = 0;
			od++;
		}
	}
	st->same = st->nrun == 1 && n == GEMM_NR;
}

/* off[j]: where column j of the strip reads tap (kd, kh, kw) in an input
 * channel, or -1 where it reads zero (padding, or no column). */
AXRT_PRIVATE void
gemm_strip_offsets(const axrt_convgemm_params *p, const gemm_strip *st, int32_t kd, int32_t kh,
		int32_t kw, int32_t *off)
{
	const int32_t *in = p->in;
	int32_t s = p->stride[2];

	for (int32_t j = 0; j < GEMM_NR; j++)
		off[j] = -1;
	for (int32_t r = 0; r < st->nrun; r++) {
		int32_t id = st->d[r] + kd * p->dil[0], ih = st->h[r] + kh * p->dil[1];
		int32_t iw = st->w[r] + kw * p->dil[2];
		if (id < 0 || id >= in[0] || ih < 0 || ih >= in[1])
			continue;
		for (int32_t j = 0; j < st->len[r]; j++, iw += s)
			if (iw >= 0 && iw < in[2])
				off[st->col[r] + j] = (id * in[1] + ih) * in[2] + iw;
	}
}

/* Rows c0 * ksz + t .. (c1 - 1) * ksz + t of the strip (tap kd, kh, kw;
 * row c at dt + (c - c0) * dstep) when every column that reads inside x
 * reads element base + j * stride of its channel, and the GEMM_NR of
 * them lie inside the channel (at unit stride, a strip across output rows
 * of a conv whose output rows are as wide as its input rows): a strided
 * copy of GEMM_NR values, then zeros where the strip reads padding.
 * Returns 0, packing nothing, when the strip is not like that. */
AXRT_PRIVATE int
gemm_pack_affine(const axrt_convgemm_params *p, const gemm_strip *st, int32_t kd, int32_t kh,
		int32_t kw, int32_t c0, int32_t c1, ptrdiff_t isz, ptrdiff_t dstep, const float *x,
		float *dt)
{
	int32_t off[GEMM_NR], zero[GEMM_NR], nz = 0, base = 0, any = 0, sw = p->stride[2];

	gemm_strip_offsets(p, st, kd, kh, kw, off);
	for (int32_t q = 0; q < GEMM_NR; q++)
		if (off[q] < 0)
			zero[nz++] = q;
		else if (!any) {
			base = off[q] - q * sw;
			any = 1;
		} else if (off[q] != base + q * sw)
			return 0;
	if (!any || base < 0 || sw > 2 || base + (ptrdiff_t)(GEMM_NR - 1) * sw >= isz)
		return 0;
	for (int32_t c = c0; c < c1; c++, dt += dstep) {
		const float *xr = x + c * isz + base;
		if (sw == 1)
			memcpy(dt, xr, GEMM_NR * sizeof *dt);
		else
			for (int32_t q = 0; q < GEMM_NR; q++)
				dt[q] = xr[2 * q];
		for (int32_t z = 0; z < nz; z++)
			dt[zero[z]] = 0.0f;
	}
	return 1;
}

/* Rows [k0, k0 + kb) of strip st of the im2col matrix into d, row after
 * row. They go tap by tap: one tap's rows of all channels share their
 * geometry, usually one plain copy each. */
AXRT_PRIVATE void
gemm_pack_im2col(const gemm_job *jb, const gemm_strip *st, int32_t k0, int32_t kb, float *d)
{
	const axrt_convgemm_params *p = jb->cp;
	int32_t ksz = p->k[0] * p->k[1] * p->k[2], sw = p->stride[2];
	ptrdiff_t isz = (ptrdiff_t)p->in[0] * p->in[1] * p->in[2], dstep = (ptrdiff_t)ksz * GEMM_NR;

	for (int32_t t = 0; t < ksz; t++) {   /* tap t: rows c * ksz + t of the block */
		int32_t c0 = k0 > t ? (k0 - t + ksz - 1) / ksz : 0, c1 = (k0 + kb - t + ksz - 1) / ksz;
		int32_t kd = t / (p->k[1] * p->k[2]), kh = t / p->k[2] % p->k[1], kw = t % p->k[2];
		int32_t id = st->d[0] + kd * p->dil[0], ih = st->h[0] + kh * p->dil[1];
		int32_t iw = st->w[0] + kw * p->dil[2];
		float *dt = d + (ptrdiff_t)(c0 * ksz + t - k0) * GEMM_NR;
		if (st->same && sw <= 2 && id >= 0 && id < p->in[0] && ih >= 0 && ih < p->in[1]
		 && iw >= 0 && iw + (GEMM_NR - 1) * sw < p->in[2]) {   /* one run inside x: copies */
			const float *xr = jb->x + ((ptrdiff_t)id * p->in[1] + ih) * p->in[2] + iw;
			if (sw == 1)
				for (int32_t c = c0; c < c1; c++, dt += dstep)
					memcpy(dt, xr + c * isz, GEMM_NR * sizeof *dt);
			else   /* st->n (== GEMM_NR) as the bound: compilers then vectorize */
				for (int32_t c = c0; c < c1; c++, dt += dstep)
					for (int32_t q = 0; q < st->n; q++)
						dt[q] = xr[c * isz + 2 * q];
		} else if (c0 < c1 && !gemm_pack_affine(p, st, kd, kh, kw, c0, c1, isz, dstep, jb->x, dt)) {
			/* any other strip: a copy per run of what it reads inside x */
			int32_t sd[GEMM_NR], so[GEMM_NR], sn[GEMM_NR], nseg = 0, inside = 0;
			for (int32_t r = 0; r < st->nrun; r++) {
				int32_t rd = st->d[r] + kd * p->dil[0], rh = st->h[r] + kh * p->dil[1];
				int32_t rw = st->w[r] + kw * p->dil[2], lo = 0, hi = st->len[r];
				if (rd < 0 || rd >= p->in[0] || rh < 0 || rh >= p->in[1])
					continue;
				if (rw < 0)
					lo = (-rw + sw - 1) / sw;
				if (rw + (hi - 1) * sw >= p->in[2])
					hi = p->in[2] - 1 - rw < 0 ? 0 : (p->in[2] - 1 - rw) / sw + 1;
				if (lo >= hi)
					continue;
				sd[nseg] = st->col[r] + lo;
				so[nseg] = (rd * p->in[1] + rh) * p->in[2] + rw + lo * sw;
				sn[nseg++] = hi - lo;
				inside += hi - lo;
			}
			for (int32_t c = c0; c < c1; c++, dt += dstep) {
				const float *xc = jb->x + c * isz;
				if (inside < GEMM_NR)
					for (int q = 0; q < GEMM_NR; q++)
						dt[q] = 0.0f;
				for (int32_t g = 0; g < nseg; g++) {
					float *restrict dg = dt + sd[g];
					const float *restrict xg = xc + so[g];
					if (sw == 1)
						for (int32_t q = 0; q < sn[g]; q++)
							dg[q] = xg[q];
					else
						for (int32_t q = 0; q < sn[g]; q++)
							dg[q] = xg[q * sw];
				}
			}
		}
	}
}

/* Packs strip [j, j + n) (n <= GEMM_NR columns, zero columns after
 * them) of rows [k0, k0 + kb) of B into d, row after row. */
AXRT_PRIVATE void
gemm_pack_strip(const gemm_job *jb, int32_t k0, int32_t kb, int32_t j, int32_t n, float *d)
{
	gemm_strip st;

	if (jb->cp) {
		gemm_strip_at(jb->cp, j, n, &st);
		gemm_pack_im2col(jb, &st, k0, kb, d);
		return;
	}
	for (int32_t kk = 0; kk < kb; kk++, d += GEMM_NR) {   /* B[k][j] = x[k * b_rs + j * b_cs] */
		const float *xr = jb->x + (k0 + kk) * jb->b_rs + j * jb->b_cs;
		if (n == GEMM_NR && jb->b_cs == 1)
			memcpy(d, xr, GEMM_NR * sizeof *d);
		else if (jb->b_cs == 1) {   /* the last strip of a row: n values, then zeros */
			int32_t c = 0;
			for (; c < n; c++)
				d[c] = xr[c];
			for (; c < GEMM_NR; c++)
				d[c] = 0.0f;
		} else
			for (int32_t c = 0; c < GEMM_NR; c++)
				d[c] = c < n ? xr[c * jb->b_cs] : 0.0f;
	}
}

/* The activations other than Relu and Clip (gemm_micro applies those)
 * over rows x cols of a tile (rows ldc apart). */
AXRT_PRIVATE void
gemm_act(const gemm_job *jb, float *c, ptrdiff_t ldc, int32_t rows, int32_t cols)
{
	if (jb->act == AXRT_ACT_NONE || jb->act == AXRT_ACT_RELU || jb->act == AXRT_ACT_CLIP)
		return;
	for (int32_t i = 0; i < rows; i++)
		for (int32_t j = 0; j < cols; j++)
			c[i * ldc + j] = axrt_act_f32(jb->act, c[i * ldc + j], jb->alpha, jb->beta);
}

/* A tile (C's rows i0.., columns j0..) of mr < GEMM_MR rows, nr <
 * GEMM_NR columns or C columns apart (c_cs != 1), through a full tile on
 * the stack. act: the activation of the last k block, else NONE. */
AXRT_PRIVATE void
gemm_edge(const gemm_job *jb, const float *a, const float *b, int32_t kb, int32_t i0,
		int32_t j0, int32_t mr, int32_t nr, const float *init, int32_t act)
{
	float t[GEMM_MR * GEMM_NR], iv[GEMM_MR];
	float *c = jb->c + i0 * jb->c_rs + j0 * jb->c_cs;

	for (int32_t r = 0; r < GEMM_MR; r++) {
		iv[r] = init && r < mr ? init[r] : 0.0f;   /* init has mr values */
		for (int32_t j = 0; j < GEMM_NR; j++)
			t[r * GEMM_NR + j] = r < mr && j < nr && !init ? c[r * jb->c_rs + j * jb->c_cs] : 0.0f;
	}
	if (nr <= 8)   /* the other columns of t are not stored */
		gemm_micro8(kb, a, b, t, GEMM_NR, init ? iv : NULL, act, jb->alpha, jb->beta);
	else
		gemm_micro(kb, a, b, t, GEMM_NR, init ? iv : NULL, act, jb->alpha, jb->beta);
	if (act != AXRT_ACT_NONE)
		gemm_act(jb, t, GEMM_NR, mr, nr);
	for (int32_t r = 0; r < mr; r++)
		for (int32_t j = 0; j < nr; j++)
			c[r * jb->c_rs + j * jb->c_cs] = t[r * GEMM_NR + j];
}

/* Panels [q0, q1) of A times the packed strip bs (kb rows from k0, nr
 * columns from j) into C; the first k block starts from the bias, the
 * last applies the activation. */
AXRT_PRIVATE void
gemm_block(const gemm_job *jb, int32_t q0, int32_t q1, const float *bs, int32_t k0, int32_t kb,
		int32_t j, int32_t nr)
{
	static const float zero[GEMM_MR];
	int32_t act = k0 + kb == jb->k ? jb->act : AXRT_ACT_NONE;
	ptrdiff_t mp = (ptrdiff_t)(jb->m + GEMM_MR - 1) / GEMM_MR * GEMM_MR;   /* rows, padded */

#ifdef GEMM_HAVE_COLS
	if (nr <= 2) {
		gemm_cols(jb->m, q0, q1, kb, jb->a + (ptrdiff_t)k0 * mp, bs, jb->c + j * jb->c_cs,
			jb->c_rs, jb->c_cs, k0 != 0, jb->bias, act, jb->alpha, jb->beta, nr);
		return;
	}
#endif

	for (int32_t q = q0; q < q1; q++) {
		int32_t i0 = q * GEMM_MR, mr = jb->m - i0 < GEMM_MR ? jb->m - i0 : GEMM_MR;
		const float *a = jb->a + (ptrdiff_t)k0 * mp + (ptrdiff_t)q * kb * GEMM_MR;
		const float *init = k0 ? NULL : jb->bias ? jb->bias + i0 : zero;
		float *c = jb->c + i0 * jb->c_rs + j;
#ifdef GEMM_HAVE_MICRO4
		if (mr <= 4 && nr == GEMM_NR && jb->c_cs == 1) {
			(mr <= 2 ? gemm_micro2 : gemm_micro4)(kb, a, bs, c, jb->c_rs, init, act, jb->alpha,
				jb->beta, mr);
			if (act != AXRT_ACT_NONE)
				gemm_act(jb, c, jb->c_rs, mr, nr);
			continue;
		}
#endif
		if (mr < GEMM_MR || nr < GEMM_NR || jb->c_cs != 1) {
			gemm_edge(jb, a, bs, kb, i0, j, mr, nr, init, act);
			continue;
		}
		gemm_micro(kb, a, bs, c, jb->c_rs, init, act, jb->alpha, jb->beta);
		if (act != AXRT_ACT_NONE)
			gemm_act(jb, c, jb->c_rs, mr, nr);
	}
}

/* Columns of strip s of a block of ncols columns. */
AXRT_PRIVATE int32_t
gemm_nr(int32_t ncols, int32_t s)
{
	return ncols - s * GEMM_NR < GEMM_NR ? ncols - s * GEMM_NR : GEMM_NR;
}

/* Runs one GEMM; scratch: see axrt_gemm.h (GEMM_SCRATCH). Per block of nc
 * columns and kc rows of B, each strip is packed and at once multiplied
 * by the first GEMM_MC rows of A while it is in L1; when A has more rows,
 * the block's strips are kept for them, else one strip's room is reused.
 * With few rows per block (kc <= AXRT_GEMM_KSMALL, as in the first conv
 * of a network, K = 27) and a C too big for the caches, a value of C takes
 * little work and the writes of C are the cost: then (few) the block's
 * strips are all packed first
 * and each pair of panels runs across them, so that a row of C is
 * written nc floats in a row rather than GEMM_NR floats into every row
 * of C in turn.
 * The strips start at the first 64-byte boundary of the scratch, so that
 * the vector loads of a strip row never straddle a cache line. */
AXRT_PRIVATE void
gemm_run(const gemm_job *jb, void *scratch)
{
	int32_t np = (jb->m + GEMM_MR - 1) / GEMM_MR, pb = GEMM_MC / GEMM_MR;
	float *bp = (float *)((char *)scratch + (64 - (uintptr_t)scratch % 64) % 64);

	for (int32_t j0 = 0; j0 < jb->n; j0 += jb->nc) {
		int32_t ncols = jb->n - j0 < jb->nc ? jb->n - j0 : jb->nc;
		int32_t ns = (ncols + GEMM_NR - 1) / GEMM_NR;
		for (int32_t k0 = 0; k0 < jb->k; k0 += jb->kc) {
			int32_t kb = jb->k - k0 < jb->kc ? jb->k - k0 : jb->kc;
			if (jb->few) {   /* all strips first, then two panels at a time across them */
				for (int32_t s = 0; s < ns; s++)
					gemm_pack_strip(jb, k0, kb, j0 + s * GEMM_NR, gemm_nr(ncols, s),
						bp + s * GEMM_STEP(kb));
				for (int32_t q = 0; q < np; q += 2)
					for (int32_t s = 0; s < ns; s++)
						gemm_block(jb, q, np - q < 2 ? np : q + 2, bp + s * GEMM_STEP(kb), k0, kb,
							j0 + s * GEMM_NR, gemm_nr(ncols, s));
				continue;
			}
			for (int32_t q0 = 0; q0 < np; q0 += pb)
				for (int32_t s = 0; s * GEMM_NR < ncols; s++) {
					int32_t j = j0 + s * GEMM_NR, nr = ncols - s * GEMM_NR;
					float *bs = bp + (np > pb ? s : 0) * GEMM_STEP(kb);   /* reused: kept */
					nr = nr < GEMM_NR ? nr : GEMM_NR;
					if (q0 == 0)
						gemm_pack_strip(jb, k0, kb, j, nr, bs);
					gemm_block(jb, q0, np - q0 < pb ? np : q0 + pb, bs, k0, kb, j, nr);
				}
		}
	}
}

/* y = act(bias + x W) for one row x (A'[0][kk] = x[kk * xs]) and W
 * packed in strips of AXRT_GEMV_NR outputs, the last from AXRT_GEMV_LAST
 * of another width (axrt_gemm.h): each sum in k order from the bias. The weights are read
 * once, front to back. */
AXRT_PRIVATE void
gemm_gemv(const axrt_gemmpk_params *p, const float *x, ptrdiff_t xs, const float *w,
		const float *bias, float *y)
{
	int32_t np = AXRT_GEMV_ROWS(p->n), last = AXRT_GEMV_LAST(p->n);

	for (int32_t j0 = 0; j0 <= last; j0 += AXRT_GEMV_NR) {
		int32_t ws = j0 < last ? AXRT_GEMV_NR : np - last;
		int32_t nr = p->n - j0 < ws ? p->n - j0 : ws;
		float t[AXRT_GEMV_MAXW];
		for (int32_t j = 0; j < ws; j++)
			t[j] = bias && j < nr ? bias[j0 + j] : 0.0f;
		gemm_gemv_strip(p->k, w + (ptrdiff_t)j0 * p->k, ws, x, xs, t);
		for (int32_t j = 0; j < nr; j++)
			y[j0 + j] = axrt_act_f32(p->act, t[j], p->act_alpha, p->act_beta);
	}
}

/* The ranges documented in axrt_gemm.h. */
AXRT_PRIVATE int
gemm_conv_check(const axrt_convgemm_params *p)
{
	if (p->n < 1 || p->c < 1 || p->m < 1 || p->group < 1
	 || p->c % p->group != 0 || p->m % p->group != 0
	 || p->kc < 1 || p->nc < GEMM_NR || p->nc % GEMM_NR != 0)
		return AXRT_EINVAL;
	for (int i = 0; i < 3; i++)
		if (p->in[i] < 1 || p->out[i] < 1 || p->k[i] < 1 || p->stride[i] < 1 || p->dil[i] < 1)
			return AXRT_EINVAL;
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(conv_f32_gemm, convgemm)
{
	const float *x = in[0], *w = in[1], *b = in[2];
	int32_t cg, mg, direct = 1;
	ptrdiff_t isz, osz, ksz;
	gemm_job jb;

	if (gemm_conv_check(p) != AXRT_OK || !scratch)
		return AXRT_EINVAL;
	for (int i = 0; i < 3; i++)
		direct &= p->k[i] == 1 && p->stride[i] == 1 && p->pad[i] == 0;
	cg = p->c / p->group;
	mg = p->m / p->group;
	isz = (ptrdiff_t)p->in[0] * p->in[1] * p->in[2];
	osz = (ptrdiff_t)p->out[0] * p->out[1] * p->out[2];
	ksz = (ptrdiff_t)p->k[0] * p->k[1] * p->k[2];
	memset(&jb, 0, sizeof jb);
	jb.m = mg;
	jb.n = (int32_t)osz;
	jb.k = (int32_t)(cg * ksz);
	jb.c_rs = osz;
	jb.c_cs = 1;
	jb.kc = p->kc < jb.k ? p->kc : jb.k;
	jb.nc = p->nc;
	jb.few = p->kc <= AXRT_GEMM_KSMALL && (int64_t)mg * osz >= AXRT_GEMM_CBIG;
	jb.act = p->act;
	jb.alpha = p->act_alpha;
	jb.beta = p->act_beta;
	jb.cp = direct ? NULL : p;
	jb.b_rs = isz;
	jb.b_cs = 1;
	for (int32_t img = 0; img < p->n; img++)
		for (int32_t g = 0; g < p->group; g++) {
			jb.a = w + (ptrdiff_t)g * ((mg + GEMM_MR - 1) / GEMM_MR * GEMM_MR) * jb.k;
			jb.bias = b ? b + (ptrdiff_t)g * mg : NULL;
			jb.c = (float *)out[0] + ((ptrdiff_t)img * p->m + (ptrdiff_t)g * mg) * osz;
			jb.x = x + ((ptrdiff_t)img * p->c + (ptrdiff_t)g * cg) * isz;
			gemm_run(&jb, scratch);
		}
	return AXRT_OK;
}

/* Y (m x n) = act(bias + A' W): the engine computes Y^T = W^T A'^T, W^T
 * packed at compile time, A'^T packed here. */
AXRT_KERNEL_PROTO(gemm_f32_packed, gemmpk)
{
	gemm_job jb;

	if (p->m < 1 || p->n < 1 || p->k < 1 || p->kc < 1 || p->nc < GEMM_NR
	 || p->nc % GEMM_NR != 0 || (!scratch && p->m > 1))
		return AXRT_EINVAL;
	memset(&jb, 0, sizeof jb);
	jb.m = p->n;
	jb.n = p->m;
	jb.k = p->k;
	jb.a = in[1];
	jb.bias = in[2];
	jb.c = out[0];
	jb.c_rs = 1;
	jb.c_cs = p->n;
	jb.kc = p->kc < p->k ? p->kc : p->k;
	jb.nc = p->nc;
	jb.few = p->kc <= AXRT_GEMM_KSMALL && (int64_t)p->m * p->n >= AXRT_GEMM_CBIG;
	jb.act = p->act;
	jb.alpha = p->act_alpha;
	jb.beta = p->act_beta;
	jb.x = in[0];
	jb.b_rs = p->trans_a ? p->m : 1;   /* B[kk][j] = A'[j][kk] */
	jb.b_cs = p->trans_a ? 1 : p->k;
	if (p->m == 1)
		gemm_gemv(p, in[0], jb.b_rs, in[1], in[2], out[0]);
	else
		gemm_run(&jb, scratch);
	return AXRT_OK;
}
