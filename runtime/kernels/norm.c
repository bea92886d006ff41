/* norm.c: kernels of the norm family -- batch, instance, layer, local
 * response, Lp and mean-variance normalization, and the axis-wise Softmax,
 * LogSoftmax and Hardmax. All statistics are accumulated in float. */
#include "axrt.h"
#include <math.h>

AXRT_KERNEL_PROTO(batchnorm_f32, batchnorm)
{
	const float *x = in[0], *sc = in[1], *bi = in[2], *mean = in[3], *var = in[4];
	float *y = out[0];

	(void)scratch;
	if (p->n < 0 || p->c < 0 || p->inner < 0)
		return AXRT_EINVAL;
	for (int32_t b = 0; b < p->n; b++)
		for (int32_t c = 0; c < p->c; c++) {
			/* y = x * s + t: s folds 1/sqrt(var+eps) and scale, t the rest */
			float s = sc[c] / sqrtf(var[c] + p->epsilon);
			float t = bi[c] - mean[c] * s;
			size_t off = ((size_t)b * p->c + c) * p->inner;
			for (int32_t i = 0; i < p->inner; i++)
				y[off + i] = x[off + i] * s + t;
		}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(instnorm_f32, batchnorm)
{
	const float *x = in[0], *sc = in[1], *bi = in[2];
	float *y = out[0];

	(void)scratch;
	if (p->n < 0 || p->c < 0 || p->inner <= 0)
		return AXRT_EINVAL;
	for (int32_t b = 0; b < p->n; b++)
		for (int32_t c = 0; c < p->c; c++) {
			size_t off = ((size_t)b * p->c + c) * p->inner;
			const float *xp = x + off;
			float *yp = y + off;
			float mean = 0.0f, var = 0.0f, s, t;
			for (int32_t i = 0; i < p->inner; i++)
				mean += xp[i];
			mean /= (float)p->inner;
			for (int32_t i = 0; i < p->inner; i++)
				var += (xp[i] - mean) * (xp[i] - mean);
			var /= (float)p->inner;
			s = sc[c] / sqrtf(var + p->epsilon);
			t = bi[c] - mean * s;
			for (int32_t i = 0; i < p->inner; i++)
				yp[i] = xp[i] * s + t;
		}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(lrn_f32, lrn)
{
	const float *x = in[0];
	float *y = out[0];
	int32_t lo = (p->size - 1) / 2, hi = p->size / 2;   /* floor and ceil of (size-1)/2 */
	float k = p->alpha / (float)p->size;

	(void)scratch;
	if (p->n < 0 || p->c < 0 || p->inner < 0 || p->size < 1)
		return AXRT_EINVAL;
	for (int32_t b = 0; b < p->n; b++)
		for (int32_t c = 0; c < p->c; c++) {
			int32_t c0 = c - lo < 0 ? 0 : c - lo, c1 = c + hi >= p->c ? p->c - 1 : c + hi;
			const float *xb = x + (size_t)b * p->c * p->inner;
			size_t off = ((size_t)b * p->c + c) * p->inner;
			for (int32_t i = 0; i < p->inner; i++) {
				float ss = 0.0f;
				for (int32_t q = c0; q <= c1; q++) {
					float v = xb[(size_t)q * p->inner + i];
					ss += v * v;
				}
				y[off + i] = x[off + i] / powf(p->bias + k * ss, p->beta);
			}
		}
	return AXRT_OK;
}

/* The maximum of the len values at x with stride inner. */
AXRT_PRIVATE float
norm_max(const float *x, int32_t len, int32_t inner)
{
	float m = x[0];
	for (int32_t i = 1; i < len; i++)
		if (x[(size_t)i * inner] > m)
			m = x[(size_t)i * inner];
	return m;
}

/* Softmax (log_out 0) or LogSoftmax (log_out 1) of one strided vector:
 * subtract the maximum, sum expf in float. */
AXRT_PRIVATE void
norm_softmax1(const float *x, float *y, int32_t len, int32_t inner, int log_out)
{
	float m = norm_max(x, len, inner), sum = 0.0f;

	for (int32_t i = 0; i < len; i++) {
		float e = expf(x[(size_t)i * inner] - m);
		sum += e;
		if (!log_out)
			y[(size_t)i * inner] = e;
	}
	if (log_out) {
		float ls = logf(sum);
		for (int32_t i = 0; i < len; i++)
			y[(size_t)i * inner] = x[(size_t)i * inner] - m - ls;
	} else {
		for (int32_t i = 0; i < len; i++)
			y[(size_t)i * inner] /= sum;
	}
}

/* Runs f over every vector of an outer x len x inner tensor. */
#define NORM_AXIS_LOOP(p, x, y, STMT) \
	for (int32_t o_ = 0; o_ < (p)->outer; o_++) \
		for (int32_t i_ = 0; i_ < (p)->inner; i_++) { \
			size_t off_ = (size_t)o_ * (p)->len * (p)->inner + i_; \
			const float *xv = (x) + off_; \
			float *yv = (y) + off_; \
			STMT; \
		}

AXRT_KERNEL_PROTO(softmax_f32, softmax)
{
	const float *x = in[0];
	float *y = out[0];

	(void)scratch;
	if (p->outer < 0 || p->len < 0 || p->inner < 0)
		return AXRT_EINVAL;
	if (p->len == 0)
		return AXRT_OK;
	NORM_AXIS_LOOP(p, x, y, norm_softmax1(xv, yv, p->len, p->inner, 0))
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(logsoftmax_f32, softmax)
{
	const float *x = in[0];
	float *y = out[0];

	(void)scratch;
	if (p->outer < 0 || p->len < 0 || p->inner < 0)
		return AXRT_EINVAL;
	if (p->len == 0)
		return AXRT_OK;
	NORM_AXIS_LOOP(p, x, y, norm_softmax1(xv, yv, p->len, p->inner, 1))
	return AXRT_OK;
}

/* Hardmax of one strided vector: 1 at the first maximum, 0 elsewhere. */
AXRT_PRIVATE void
norm_hardmax1(const float *x, float *y, int32_t len, int32_t inner)
{
	int32_t best = 0;

	for (int32_t i = 1; i < len; i++)
		if (x[(size_t)i * inner] > x[(size_t)best * inner])
			best = i;
	for (int32_t i = 0; i < len; i++)
		y[(size_t)i * inner] = i == best ? 1.0f : 0.0f;
}

AXRT_KERNEL_PROTO(hardmax_f32, softmax)
{
	const float *x = in[0];
	float *y = out[0];

	(void)scratch;
	if (p->outer < 0 || p->len < 0 || p->inner < 0)
		return AXRT_EINVAL;
	if (p->len == 0)
		return AXRT_OK;
	NORM_AXIS_LOOP(p, x, y, norm_hardmax1(xv, yv, p->len, p->inner))
	return AXRT_OK;
}

/* Lp normalization of one strided vector (p 1 or 2). */
AXRT_PRIVATE void
norm_lp1(const float *x, float *y, int32_t len, int32_t inner, int32_t pw)
{
	float s = 0.0f;

	for (int32_t i = 0; i < len; i++) {
		float v = x[(size_t)i * inner];
		s += pw == 1 ? fabsf(v) : v * v;
	}
	if (pw == 2)
		s = sqrtf(s);
	for (int32_t i = 0; i < len; i++)
		y[(size_t)i * inner] = s == 0.0f ? 0.0f : x[(size_t)i * inner] / s;
}

AXRT_KERNEL_PROTO(lpnorm_f32, lpnorm)
{
	const float *x = in[0];
	float *y = out[0];

	(void)scratch;
	if (p->outer < 0 || p->len < 0 || p->inner < 0 || (p->p != 1 && p->p != 2))
		return AXRT_EINVAL;
	NORM_AXIS_LOOP(p, x, y, norm_lp1(xv, yv, p->len, p->inner, p->p))
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(layernorm_f32, layernorm)
{
	const float *x = in[0], *sc = in[1], *bi = in[2];
	float *y = out[0], *omean = out[1], *oinv = out[2];
	int32_t n = p->size;

	(void)scratch;
	if (p->outer < 0 || n <= 0)
		return AXRT_EINVAL;
	for (int32_t o = 0; o < p->outer; o++) {
		const float *xr = x + (size_t)o * n;
		float *yr = y + (size_t)o * n;
		float mean = 0.0f, var = 0.0f, inv;
		for (int32_t i = 0; i < n; i++)
			mean += xr[i];
		mean /= (float)n;
		for (int32_t i = 0; i < n; i++)
			var += (xr[i] - mean) * (xr[i] - mean);
		inv = 1.0f / sqrtf(var / (float)n + p->epsilon);
		for (int32_t i = 0; i < n; i++) {
			float v = (xr[i] - mean) * inv * sc[p->s_bcast ? 0 : i];
			yr[i] = bi ? v + bi[p->b_bcast ? 0 : i] : v;
		}
		if (omean)
			omean[o] = mean;
		if (oinv)
			oinv[o] = inv;
	}
	return AXRT_OK;
}

/* Offset in the kept (unreduced) index space of row r of X, a row being
 * the dims[rank-1] elements that share all other indices. */
AXRT_PRIVATE size_t
norm_mvn_row(const axrt_mvn_params *p, size_t r)
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

/* One pass over X: 0 sums into mean, 1 sums squared deviations into var,
 * 2 writes Y. */
AXRT_PRIVATE void
norm_mvn_pass(const axrt_mvn_params *p, const float *x, float *y,
		float *mean, float *var, int pass)
{
	size_t last = (size_t)p->dims[p->rank - 1], nrow = 1;
	int lastred = p->red[p->rank - 1] != 0;

	for (int32_t i = 0; i < p->rank - 1; i++)
		nrow *= (size_t)p->dims[i];
	for (size_t r = 0; r < nrow; r++, x += last, y += last) {
		size_t o = norm_mvn_row(p, r);
		for (size_t j = 0; j < last; j++) {
			size_t q = lastred ? o : o + j;
			float d = x[j] - mean[q];
			if (pass == 0)
				mean[q] += x[j];
			else if (pass == 1)
				var[q] += d * d;
			else
				y[j] = d / (var[q] + 1e-9f);
		}
	}
}

AXRT_KERNEL_PROTO(mvn_f32, mvn)
{
	float *mean = scratch, *var;
	size_t nkept = 1, cnt = 1;

	if (p->rank < 1 || p->rank > AXRT_MAXRANK || !mean)
		return AXRT_EINVAL;
	for (int32_t i = 0; i < p->rank; i++)
		*(p->red[i] ? &cnt : &nkept) *= (size_t)p->dims[i];
	var = mean + nkept;
	for (size_t q = 0; q < 2 * nkept; q++)
		mean[q] = 0.0f;
	norm_mvn_pass(p, in[0], out[0], mean, var, 0);
	for (size_t q = 0; q < nkept; q++)
		mean[q] /= (float)cnt;
	norm_mvn_pass(p, in[0], out[0], mean, var, 1);
	for (size_t q = 0; q < nkept; q++)   /* pass 2 divides by sqrt(var) + 1e-9 */
		var[q] = sqrtf(var[q] / (float)cnt);
	norm_mvn_pass(p, in[0], out[0], mean, var, 2);
	return AXRT_OK;
}
