/* pool.c: kernels of the pool family -- max, average and Lp pooling over
 * 1 to 3 spatial dims (lower ranks padded with 1 in front), and the global
 * forms that reduce whole planes. Sums accumulate in float. */
#include "axrt.h"
#include <float.h>
#include <math.h>
#include <stddef.h>

/* One output position's window: along dim i the inputs are
 * st[i] + j * dil[i] for j in [lo[i], hi[i]), all inside x. */
typedef struct {
	int32_t st[3], lo[3], hi[3];
} pool_win;

/* Sets [*lo, *hi) to the j in [0, count) with 0 <= off + j * s < limit. */
AXRT_PRIVATE void
pool_span(int32_t off, int32_t s, int32_t limit, int32_t count, int32_t *lo, int32_t *hi)
{
	int32_t a = off < 0 ? (-off + s - 1) / s : 0;
	int32_t b = limit - 1 - off < 0 ? 0 : (limit - 1 - off) / s + 1;

	if (b > count)
		b = count;
	if (a > b)
		a = b;
	*lo = a;
	*hi = b;
}

/* The window of flat output position o (in one plane). */
AXRT_PRIVATE void
pool_window(const axrt_pool_params *p, int32_t o, pool_win *w)
{
	int32_t pos[3];

	pos[2] = o % p->out[2];
	pos[1] = o / p->out[2] % p->out[1];
	pos[0] = o / p->out[2] / p->out[1];
	for (int i = 0; i < 3; i++) {
		w->st[i] = pos[i] * p->stride[i] - p->pad[i];
		pool_span(w->st[i], p->dil[i], p->in[i], p->k[i], &w->lo[i], &w->hi[i]);
	}
}

/* Window positions inside the padded input (count_include_pad). */
AXRT_PRIVATE int32_t
pool_padded_count(const axrt_pool_params *p, const pool_win *w)
{
	int32_t n = 1, lo, hi;

	for (int i = 0; i < 3; i++) {
		pool_span(w->st[i] + p->pad[i], p->dil[i], p->in[i] + p->pad[i] + p->pad_end[i],
			p->k[i], &lo, &hi);
		n *= hi - lo;
	}
	return n;
}

/* Flat index of window element (j0, j1, j2) in its plane. */
AXRT_PRIVATE ptrdiff_t
pool_at(const axrt_pool_params *p, const pool_win *w, int32_t j0, int32_t j1, int32_t j2)
{
	ptrdiff_t d = w->st[0] + j0 * p->dil[0], h = w->st[1] + j1 * p->dil[1];
	ptrdiff_t x = w->st[2] + j2 * p->dil[2];

	return (d * p->in[1] + h) * p->in[2] + x;
}

/* The same element numbered as ONNX MaxPool's Indices (storage_order 1:
 * column-major). */
AXRT_PRIVATE int64_t
pool_index(const axrt_pool_params *p, const pool_win *w, int32_t j0, int32_t j1, int32_t j2)
{
	int64_t d = w->st[0] + j0 * p->dil[0], h = w->st[1] + j1 * p->dil[1];
	int64_t x = w->st[2] + j2 * p->dil[2];

	if (p->storage_order)
		return d + h * p->in[0] + x * p->in[0] * p->in[1];
	return (d * p->in[1] + h) * p->in[2] + x;
}

AXRT_PRIVATE int
pool_check(const axrt_pool_params *p)
{
	if (p->planes < 0)
		return AXRT_EINVAL;
	for (int i = 0; i < 3; i++)
		if (p->in[i] < 1 || p->out[i] < 1 || p->k[i] < 1 || p->stride[i] < 1 || p->dil[i] < 1)
			return AXRT_EINVAL;
	return AXRT_OK;
}

/* Max pooling of one 1-D or 2-D plane at unit dilation, without indices,
 * POOL_CHUNK outputs of a row at a time: the outputs whose window lies
 * inside the row take one pass along the chunk per tap (kh-major,
 * kw-minor, as the generic loop visits them; 3x3 windows at stride 2 one
 * pass for all nine), the others (the border columns) the generic loop's
 * per-window code for this case. Same rule, same result: the first
 * element, replaced by any strictly larger one. Each chunk is written after all its
 * windows are read, so an output that overlaps its input (the planner's
 * lead, pool_overlap_lead) stays as safe as in the generic loop. */
#define POOL_CHUNK 256

/* One tap of a chunk: b[i] = r[i * s] (first), else the larger of b[i]
 * and r[i * s], b[i] kept unless r[i * s] is strictly larger; strides 1
 * and 2 as constants, so that compilers vectorize those loops. */
#define POOL_TAP(fname, T) \
	AXRT_PRIVATE void \
	fname(T *restrict b, const T *restrict r, int32_t s, int32_t n, int first) \
	{ \
		if (first) \
			for (int32_t i = 0; i < n; i++) \
				b[i] = r[(ptrdiff_t)i * s]; \
		else if (s == 1) \
			for (int32_t i = 0; i < n; i++) \
				b[i] = r[i] > b[i] ? r[i] : b[i]; \
		else if (s == 2) \
			for (int32_t i = 0; i < n; i++) \
				b[i] = r[2 * i] > b[i] ? r[2 * i] : b[i]; \
		else \
			for (int32_t i = 0; i < n; i++) \
				b[i] = r[(ptrdiff_t)i * s] > b[i] ? r[(ptrdiff_t)i * s] : b[i]; \
	}

/* A 3x3 window at stride 2 with all three rows inside (rows of x are w
 * apart): b[i] from the nine taps of output i in one pass, in the taps'
 * order (kh-major, kw-minor) with the same rule. */
#define POOL_W3(fname, T) \
	AXRT_PRIVATE void \
	fname(T *restrict b, const T *restrict x, int32_t w, int32_t n) \
	{ \
		const T *restrict r0 = x, *restrict r1 = x + w, *restrict r2 = x + 2 * (ptrdiff_t)w; \
		for (int32_t i = 0; i < n; i++) { \
			T m = r0[2 * i]; \
			m = r0[2 * i + 1] > m ? r0[2 * i + 1] : m; \
			m = r0[2 * i + 2] > m ? r0[2 * i + 2] : m; \
			m = r1[2 * i] > m ? r1[2 * i] : m; \
			m = r1[2 * i + 1] > m ? r1[2 * i + 1] : m; \
			m = r1[2 * i + 2] > m ? r1[2 * i + 2] : m; \
			m = r2[2 * i] > m ? r2[2 * i] : m; \
			m = r2[2 * i + 1] > m ? r2[2 * i + 1] : m; \
			m = r2[2 * i + 2] > m ? r2[2 * i + 2] : m; \
			b[i] = m; \
		} \
	}

/* The same for a 2x2 window at stride 2 (short rows lose more to four
 * calls of POOL_TAP than they gain from its vector loops). */
#define POOL_W2(fname, T) \
	AXRT_PRIVATE void \
	fname(T *restrict b, const T *restrict x, int32_t w, int32_t n) \
	{ \
		const T *restrict r0 = x, *restrict r1 = x + w; \
		for (int32_t i = 0; i < n; i++) { \
			T m = r0[2 * i]; \
			m = r0[2 * i + 1] > m ? r0[2 * i + 1] : m; \
			m = r1[2 * i] > m ? r1[2 * i] : m; \
			m = r1[2 * i + 1] > m ? r1[2 * i + 1] : m; \
			b[i] = m; \
		} \
	}

POOL_TAP(pool_tap_f32, float)
POOL_TAP(pool_tap_u8, uint8_t)
POOL_TAP(pool_tap_i8, int8_t)
POOL_W3(pool_w3_f32, float)
POOL_W3(pool_w3_u8, uint8_t)
POOL_W3(pool_w3_i8, int8_t)
POOL_W2(pool_w2_f32, float)
POOL_W2(pool_w2_u8, uint8_t)
POOL_W2(pool_w2_i8, int8_t)

#define POOL_MAX2D(fname, T, LOWEST, TAP, W3, W2) \
	AXRT_PRIVATE void \
	fname(const axrt_pool_params *p, const T *x, T *y, int32_t oh, int32_t c0, int32_t c1) \
	{ \
		T buf[POOL_CHUNK]; \
		int32_t s = p->stride[2], k = p->k[2], w = p->in[2]; \
		int32_t lo = (p->pad[2] + s - 1) / s, hi = w - k + p->pad[2], first = 1; \
		int32_t ih0 = oh * p->stride[1] - p->pad[1]; \
		hi = hi < 0 ? 0 : hi / s + 1; \
		hi = hi < c1 ? hi : c1; \
		lo = lo > c0 ? lo : c0; \
		lo = lo < hi ? lo : hi; \
		if (k == 3 && p->k[1] == 3 && s == 2 && ih0 >= 0 && ih0 + 3 <= p->in[1] && lo < hi) { \
			W3(buf + lo - c0, x + (ptrdiff_t)ih0 * w + (ptrdiff_t)lo * s - p->pad[2], w, hi - lo); \
			first = 0; \
		} else if (k == 2 && p->k[1] == 2 && s == 2 && ih0 >= 0 && ih0 + 2 <= p->in[1] && lo < hi) { \
			W2(buf + lo - c0, x + (ptrdiff_t)ih0 * w + (ptrdiff_t)lo * s - p->pad[2], w, hi - lo); \
			first = 0; \
		} else \
		for (int32_t kh = 0; kh < p->k[1]; kh++) { \
			const T *restrict r; \
			if (ih0 + kh < 0 || ih0 + kh >= p->in[1]) \
				continue; \
			r = x + (ptrdiff_t)(ih0 + kh) * w; \
			for (int32_t kw = 0; kw < k; kw++, first = 0) \
				TAP(buf + lo - c0, r + (ptrdiff_t)lo * s + kw - p->pad[2], s, hi - lo, first); \
		} \
		for (int32_t o = c0; o < c1; o++) { \
			int32_t st = o * s - p->pad[2], a1, b1, a2, b2; \
			T best = LOWEST; \
			int any = 0; \
			if (o == lo && !first) \
				o = hi, st = o * s - p->pad[2]; \
			if (o >= c1) \
				break; \
			pool_span(ih0, 1, p->in[1], p->k[1], &a1, &b1); \
			pool_span(st, 1, w, k, &a2, &b2); \
			for (int32_t j1 = a1; j1 < b1; j1++) \
			for (int32_t j2 = a2; j2 < b2; j2++) { \
				T v = x[(ptrdiff_t)(ih0 + j1) * w + st + j2]; \
				if (!any || v > best) \
					best = v; \
				any = 1; \
			} \
			buf[o - c0] = best; \
		} \
		for (int32_t o = c0; o < c1; o++) \
			y[(ptrdiff_t)oh * p->out[2] + o] = buf[o - c0]; \
	}

POOL_MAX2D(pool_max2d_f32, float, -FLT_MAX, pool_tap_f32, pool_w3_f32, pool_w2_f32)
POOL_MAX2D(pool_max2d_u8, uint8_t, 0, pool_tap_u8, pool_w3_u8, pool_w2_u8)
POOL_MAX2D(pool_max2d_i8, int8_t, INT8_MIN, pool_tap_i8, pool_w3_i8, pool_w2_i8)

/* maxpool_<T>: the first largest element of each window; NaN compares
 * false, so a window keeps its first element until a larger one comes. */
#define POOL_MAX(kname, T, LOWEST, MAX2D) \
	AXRT_KERNEL_PROTO(kname, pool) \
	{ \
		const T *x = in[0]; \
		T *y = out[0]; \
		int64_t *ix = out[1]; \
		int32_t isz = p->in[0] * p->in[1] * p->in[2]; \
		int32_t osz = p->out[0] * p->out[1] * p->out[2]; \
		(void)scratch; \
		if (pool_check(p) != AXRT_OK) \
			return AXRT_EINVAL; \
		if (!ix && p->in[0] == 1 && p->k[0] == 1 && p->dil[1] == 1 && p->dil[2] == 1) { \
			for (int32_t pl = 0; pl < p->planes; pl++) \
			for (int32_t oh = 0; oh < p->out[1]; oh++) \
			for (int32_t c0 = 0; c0 < p->out[2]; c0 += POOL_CHUNK) \
				MAX2D(p, x + (ptrdiff_t)pl * isz, y + (ptrdiff_t)pl * osz, oh, c0, \
					p->out[2] - c0 < POOL_CHUNK ? p->out[2] : c0 + POOL_CHUNK); \
			return AXRT_OK; \
		} \
		for (int32_t pl = 0; pl < p->planes; pl++) \
		for (int32_t o = 0; o < osz; o++) { \
			const T *xp = x + (ptrdiff_t)pl * isz; \
			pool_win w; \
			T best = LOWEST; \
			int32_t bj[3] = {-1, 0, 0}; \
			pool_window(p, o, &w); \
			for (int32_t j0 = w.lo[0]; j0 < w.hi[0]; j0++) \
			for (int32_t j1 = w.lo[1]; j1 < w.hi[1]; j1++) \
			for (int32_t j2 = w.lo[2]; j2 < w.hi[2]; j2++) { \
				T v = xp[pool_at(p, &w, j0, j1, j2)]; \
				if (bj[0] < 0 || v > best) { \
					best = v; \
					bj[0] = j0, bj[1] = j1, bj[2] = j2; \
				} \
			} \
			y[(ptrdiff_t)pl * osz + o] = best; \
			if (ix) \
				ix[(ptrdiff_t)pl * osz + o] = bj[0] < 0 ? -1 \
					: (int64_t)pl * isz + pool_index(p, &w, bj[0], bj[1], bj[2]); \
		} \
		return AXRT_OK; \
	}

POOL_MAX(maxpool_f32, float, -FLT_MAX, pool_max2d_f32)
POOL_MAX(maxpool_u8, uint8_t, 0, pool_max2d_u8)
POOL_MAX(maxpool_i8, int8_t, INT8_MIN, pool_max2d_i8)

/* Sum of the window's elements (mode 0), or of |v|^e (mode 1). */
AXRT_PRIVATE float
pool_sum(const axrt_pool_params *p, const float *xp, const pool_win *w, int mode, float e)
{
	float s = 0.0f;

	for (int32_t j0 = w->lo[0]; j0 < w->hi[0]; j0++)
	for (int32_t j1 = w->lo[1]; j1 < w->hi[1]; j1++)
	for (int32_t j2 = w->lo[2]; j2 < w->hi[2]; j2++) {
		float v = xp[pool_at(p, w, j0, j1, j2)];
		s += mode == 0 ? v : e == 2.0f ? v * v : e == 1.0f ? fabsf(v) : powf(fabsf(v), e);
	}
	return s;
}

AXRT_KERNEL_PROTO(avgpool_f32, pool)
{
	const float *x = in[0];
	float *y = out[0];
	int32_t isz = p->in[0] * p->in[1] * p->in[2], osz = p->out[0] * p->out[1] * p->out[2];

	(void)scratch;
	if (pool_check(p) != AXRT_OK)
		return AXRT_EINVAL;
	for (int32_t pl = 0; pl < p->planes; pl++)
		for (int32_t o = 0; o < osz; o++) {
			pool_win w;
			int32_t cnt;
			pool_window(p, o, &w);
			cnt = p->count_include_pad ? pool_padded_count(p, &w)
				: (w.hi[0] - w.lo[0]) * (w.hi[1] - w.lo[1]) * (w.hi[2] - w.lo[2]);
			y[(ptrdiff_t)pl * osz + o] = cnt > 0
				? pool_sum(p, x + (ptrdiff_t)pl * isz, &w, 0, 0.0f) / (float)cnt : 0.0f;
		}
	return AXRT_OK;
}

/* (sum |v|^e)^(1/e); e = 1 and 2 avoid powf. */
AXRT_PRIVATE float
pool_lpnorm(float s, float e)
{
	return e == 1.0f ? s : e == 2.0f ? sqrtf(s) : powf(s, 1.0f / e);
}

AXRT_KERNEL_PROTO(lppool_f32, pool)
{
	const float *x = in[0];
	float *y = out[0];
	int32_t isz = p->in[0] * p->in[1] * p->in[2], osz = p->out[0] * p->out[1] * p->out[2];

	(void)scratch;
	if (pool_check(p) != AXRT_OK || !(p->p > 0.0f))
		return AXRT_EINVAL;
	for (int32_t pl = 0; pl < p->planes; pl++)
		for (int32_t o = 0; o < osz; o++) {
			pool_win w;
			pool_window(p, o, &w);
			y[(ptrdiff_t)pl * osz + o] =
				pool_lpnorm(pool_sum(p, x + (ptrdiff_t)pl * isz, &w, 1, p->p), p->p);
		}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(globalavgpool_f32, gpool)
{
	const float *x = in[0];
	float *y = out[0];

	(void)scratch;
	if (p->planes < 0 || p->size < 1)
		return AXRT_EINVAL;
	for (int32_t pl = 0; pl < p->planes; pl++) {
		const float *xp = x + (ptrdiff_t)pl * p->size;
		float s = 0.0f;
		for (int32_t i = 0; i < p->size; i++)
			s += xp[i];
		y[pl] = s / (float)p->size;
	}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(globalmaxpool_f32, gpool)
{
	const float *x = in[0];
	float *y = out[0];

	(void)scratch;
	if (p->planes < 0 || p->size < 1)
		return AXRT_EINVAL;
	for (int32_t pl = 0; pl < p->planes; pl++) {
		const float *xp = x + (ptrdiff_t)pl * p->size;
		float best = xp[0];
		for (int32_t i = 1; i < p->size; i++)
			if (xp[i] > best)
				best = xp[i];
		y[pl] = best;
	}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(globallppool_f32, gpool)
{
	const float *x = in[0];
	float *y = out[0];
	float e = p->p;

	(void)scratch;
	if (p->planes < 0 || p->size < 1 || !(e > 0.0f))
		return AXRT_EINVAL;
	for (int32_t pl = 0; pl < p->planes; pl++) {
		const float *xp = x + (ptrdiff_t)pl * p->size;
		float s = 0.0f;
		for (int32_t i = 0; i < p->size; i++)
			s += e == 2.0f ? xp[i] * xp[i] : e == 1.0f ? fabsf(xp[i]) : powf(fabsf(xp[i]), e);
		y[pl] = pool_lpnorm(s, e);
	}
	return AXRT_OK;
}
