/* reduce.c: kernels of the reduce family. One loop walks X in C order row
 * by row (a row: the elements along the last axis) and folds each row into
 * the output elements it maps to; each op is that loop instantiated with
 * its initial value, accumulation and final step. */
#include "axrt.h"
#include <limits.h>
#include <math.h>
#include <stdint.h>

/* Element counts: Y's (nout), per output element (cnt), rows of X (nrow)
 * and the row length (last). Returns -1 for bad parameters. */
AXRT_PRIVATE int
reduce_sizes(const axrt_reduce_params *p, size_t *nout, size_t *cnt,
		size_t *nrow, size_t *last)
{
	*nout = *cnt = *nrow = 1;
	if (p->rank < 1 || p->rank > AXRT_MAXRANK)
		return -1;
	for (int32_t i = 0; i < p->rank; i++) {
		if (p->dims[i] < 0)
			return -1;
		*(p->red[i] ? cnt : nout) *= (size_t)p->dims[i];
		if (i < p->rank - 1)
			*nrow *= (size_t)p->dims[i];
	}
	*last = (size_t)p->dims[p->rank - 1];
	return 0;
}

/* Index in Y of the first element that row r of X maps to. */
AXRT_PRIVATE size_t
reduce_row(const axrt_reduce_params *p, size_t r)
{
	size_t off = 0, st = p->red[p->rank - 1] ? 1 : (size_t)p->dims[p->rank - 1];

	for (int32_t i = p->rank - 2; i >= 0; i--) {
		size_t ix = r % (size_t)p->dims[i];
		r /= (size_t)p->dims[i];
		if (!p->red[i]) {
			off += ix * st;
			st *= (size_t)p->dims[i];
		}
	}
	return off;
}

/* ACC folds v into a; FIN finishes a (cnt: elements folded into it). */
#define REDUCE_DEF(kname, T, INIT, ACC, FIN) \
AXRT_KERNEL_PROTO(kname, reduce) \
{ \
	const T *x = in[0]; \
	T *y = out[0]; \
	size_t nout, cnt, nrow, last; \
	(void)scratch; \
	if (reduce_sizes(p, &nout, &cnt, &nrow, &last) < 0) \
		return AXRT_EINVAL; \
	(void)cnt; \
	for (size_t q = 0; q < nout; q++) \
		y[q] = INIT; \
	for (size_t r = 0; r < nrow; r++, x += last) { \
		T *yr = y + reduce_row(p, r); \
		if (p->red[p->rank - 1]) { \
			T a = *yr; \
			for (size_t j = 0; j < last; j++) { T v = x[j]; ACC; } \
			*yr = a; \
		} else { \
			for (size_t j = 0; j < last; j++) { T a = yr[j], v = x[j]; ACC; yr[j] = a; } \
		} \
	} \
	for (size_t q = 0; q < nout; q++) { T a = y[q]; FIN; y[q] = a; } \
	return AXRT_OK; \
}

#define REDUCE_NOFIN (void)a
/* float max/min propagate NaN, as numpy does */
#define REDUCE_FMAX a = (v > a || v != v) ? v : a
#define REDUCE_FMIN a = (v < a || v != v) ? v : a
#define REDUCE_IMAX a = v > a ? v : a
#define REDUCE_IMIN a = v < a ? v : a

/* The float ops, for float and double: FABS, SQRT, LOG are the type's
 * math functions. */
#define REDUCE_FLOATS(s, T, FABS, SQRT, LOG) \
	REDUCE_DEF(reduce_sum_##s, T, 0, a += v, REDUCE_NOFIN) \
	REDUCE_DEF(reduce_mean_##s, T, 0, a += v, a /= (T)cnt) \
	REDUCE_DEF(reduce_max_##s, T, -INFINITY, REDUCE_FMAX, REDUCE_NOFIN) \
	REDUCE_DEF(reduce_min_##s, T, INFINITY, REDUCE_FMIN, REDUCE_NOFIN) \
	REDUCE_DEF(reduce_prod_##s, T, 1, a *= v, REDUCE_NOFIN) \
	REDUCE_DEF(reduce_l1_##s, T, 0, a += FABS(v), REDUCE_NOFIN) \
	REDUCE_DEF(reduce_l2_##s, T, 0, a += v * v, a = SQRT(a)) \
	REDUCE_DEF(reduce_sumsquare_##s, T, 0, a += v * v, REDUCE_NOFIN) \
	REDUCE_DEF(reduce_logsum_##s, T, 0, a += v, a = LOG(a))

REDUCE_FLOATS(f32, float, fabsf, sqrtf, logf)
REDUCE_FLOATS(f64, double, fabs, sqrt, log)

/* Integer sums and products wrap modulo 2^32 / 2^64: computed unsigned so
 * that the overflow is defined. */
REDUCE_DEF(reduce_sum_i32, int32_t, 0, a = (int32_t)((uint32_t)a + (uint32_t)v), REDUCE_NOFIN)
REDUCE_DEF(reduce_mean_i32, int32_t, 0, a = (int32_t)((uint32_t)a + (uint32_t)v),
	a = cnt ? (int32_t)(a / (int64_t)cnt) : 0)
REDUCE_DEF(reduce_max_i32, int32_t, INT32_MIN, REDUCE_IMAX, REDUCE_NOFIN)
REDUCE_DEF(reduce_min_i32, int32_t, INT32_MAX, REDUCE_IMIN, REDUCE_NOFIN)
REDUCE_DEF(reduce_prod_i32, int32_t, 1, a = (int32_t)((uint32_t)a * (uint32_t)v), REDUCE_NOFIN)
REDUCE_DEF(reduce_sum_i64, int64_t, 0, a = (int64_t)((uint64_t)a + (uint64_t)v), REDUCE_NOFIN)
REDUCE_DEF(reduce_mean_i64, int64_t, 0, a = (int64_t)((uint64_t)a + (uint64_t)v),
	a = cnt ? a / (int64_t)cnt : 0)
REDUCE_DEF(reduce_max_i64, int64_t, INT64_MIN, REDUCE_IMAX, REDUCE_NOFIN)
REDUCE_DEF(reduce_min_i64, int64_t, INT64_MAX, REDUCE_IMIN, REDUCE_NOFIN)
REDUCE_DEF(reduce_prod_i64, int64_t, 1, a = (int64_t)((uint64_t)a * (uint64_t)v), REDUCE_NOFIN)

/* LogSumExp, stabilized: m (scratch) gets the maximum of each group, then
 * y = m + log(sum exp(x - m)). A group whose maximum is infinite or NaN
 * yields that maximum (log(sum(exp(x))) of it). */
#define REDUCE_LSE(kname, T, KMAX, EXP, LOG) \
AXRT_KERNEL_PROTO(kname, reduce) \
{ \
	const T *x = in[0]; \
	T *y = out[0], *m = scratch; \
	void *mout[1]; \
	size_t nout, cnt, nrow, last; \
	int lastred; \
	if (reduce_sizes(p, &nout, &cnt, &nrow, &last) < 0 || !m) \
		return AXRT_EINVAL; \
	mout[0] = m; \
	if (KMAX(p, in, mout, NULL) < 0) \
		return AXRT_EINVAL; \
	lastred = p->red[p->rank - 1] != 0; \
	for (size_t q = 0; q < nout; q++) \
		y[q] = 0; \
	for (size_t r = 0; r < nrow; r++, x += last) { \
		size_t o = reduce_row(p, r); \
		for (size_t j = 0; j < last; j++) { \
			size_t q = lastred ? o : o + j; \
			if (isfinite(m[q])) \
				y[q] += EXP(x[j] - m[q]); \
		} \
	} \
	for (size_t q = 0; q < nout; q++) \
		y[q] = isfinite(m[q]) ? m[q] + LOG(y[q]) : m[q]; \
	return AXRT_OK; \
}

REDUCE_LSE(reduce_logsumexp_f32, float, axrt_reduce_max_f32, expf, logf)
REDUCE_LSE(reduce_logsumexp_f64, double, axrt_reduce_max_f64, exp, log)

/* Index of the first (or, with last, the final) extreme of len values at x
 * with stride inner; BETTER(v, b) says v beats the best so far. */
#define REDUCE_ARG(kname, T, BETTER) \
AXRT_KERNEL_PROTO(kname, argmax) \
{ \
	const T *x = in[0]; \
	int64_t *y = out[0]; \
	(void)scratch; \
	if (p->outer < 0 || p->len < 1 || p->inner < 0) \
		return AXRT_EINVAL; \
	for (int32_t o = 0; o < p->outer; o++) \
		for (int32_t i = 0; i < p->inner; i++) { \
			const T *xv = x + (size_t)o * p->len * p->inner + i; \
			T b = xv[0]; \
			int32_t best = 0; \
			for (int32_t l = 1; l < p->len; l++) { \
				T v = xv[(size_t)l * p->inner]; \
				if (BETTER(v, b) || (p->select_last && v == b)) { \
					b = v; \
					best = l; \
				} \
			} \
			y[(size_t)o * p->inner + i] = best; \
		} \
	return AXRT_OK; \
}

#define REDUCE_GT(v, b) ((v) > (b))
#define REDUCE_LT(v, b) ((v) < (b))
REDUCE_ARG(argmax_f32, float, REDUCE_GT)
REDUCE_ARG(argmin_f32, float, REDUCE_LT)
REDUCE_ARG(argmax_f64, double, REDUCE_GT)
REDUCE_ARG(argmin_f64, double, REDUCE_LT)
REDUCE_ARG(argmax_i32, int32_t, REDUCE_GT)
REDUCE_ARG(argmin_i32, int32_t, REDUCE_LT)
REDUCE_ARG(argmax_i64, int64_t, REDUCE_GT)
REDUCE_ARG(argmin_i64, int64_t, REDUCE_LT)
