/* signal.c: kernels of the signal family -- DFT and STFT (direct
 * transforms over a twiddle table), the Hann/Hamming/Blackman windows, the
 * mel filter bank, GridSample and TfIdfVectorizer's n-gram counts. */
#include "axrt.h"
#include <math.h>

#define SIGNAL_2PI 6.28318530717958647692

/* tw[2m], tw[2m + 1] = cos, sin of 2 pi m / nfft for m < nfft. */
AXRT_PRIVATE void
signal_twiddles(double *tw, int32_t nfft)
{
	for (int32_t m = 0; m < nfft; m++) {
		double a = SIGNAL_2PI * m / nfft;
		tw[2 * m] = cos(a);
		tw[2 * m + 1] = sin(a);
	}
}

/* One transform: n points of x (stride xs floats, comps per point) times
 * win (or 1), taken as nfft points (truncated or zero-padded); nbins
 * complex results to y (stride ys floats). j k mod nfft indexes tw. Sums
 * run in double: outputs that cancel to zero must come out within 1e-5 of
 * it, and float sums of large inputs miss that. */
AXRT_PRIVATE void
signal_dft1(const float *x, size_t xs, int32_t comps, int32_t n, const float *win,
	const double *tw, int32_t nfft, int32_t nbins, int32_t inverse, float *y, size_t ys)
{
	int32_t use = n < nfft ? n : nfft;

	for (int32_t k = 0; k < nbins; k++) {
		double re = 0.0, im = 0.0;
		int32_t m = 0;   /* j k mod nfft */
		for (int32_t j = 0; j < use; j++) {
			const float *xp = x + (size_t)j * xs;
			double w = win ? win[j] : 1.0, a = xp[0] * w, b = comps == 2 ? xp[1] * w : 0.0;
			double c = tw[2 * m], s = inverse ? tw[2 * m + 1] : -tw[2 * m + 1];
			re += a * c - b * s;
			im += a * s + b * c;
			m += k;
			if (m >= nfft)
				m -= nfft;
		}
		if (inverse) {
			re /= nfft;
			im /= nfft;
		}
		y[(size_t)k * ys] = (float)re;
		y[(size_t)k * ys + 1] = (float)im;
	}
}

AXRT_KERNEL_PROTO(dft_f32, dft)
{
	const float *x = in[0];
	float *y = out[0];
	double *tw = scratch;

	if (p->outer < 0 || p->len < 0 || p->inner < 0 || p->nfft < 1 || p->nbins < 0 ||
	    p->nbins > p->nfft || (p->comps != 1 && p->comps != 2))
		return AXRT_EINVAL;
	signal_twiddles(tw, p->nfft);
	for (int32_t o = 0; o < p->outer; o++)
		for (int32_t i = 0; i < p->inner; i++) {
			const float *xl = x + ((size_t)o * p->len * p->inner + i) * p->comps;
			float *yl = y + ((size_t)o * p->nbins * p->inner + i) * 2;
			signal_dft1(xl, (size_t)p->inner * p->comps, p->comps, p->len, NULL, tw,
				p->nfft, p->nbins, p->inverse, yl, (size_t)p->inner * 2);
		}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(stft_f32, stft)
{
	const float *x = in[0], *win = in[2];
	float *y = out[0];
	double *tw = scratch;

	if (p->batch < 0 || p->step < 1 || p->flen < 1 || p->frames < 0 || p->nbins < 0 ||
	    p->nbins > p->flen || (p->comps != 1 && p->comps != 2) ||
	    (p->frames > 0 && (int64_t)(p->frames - 1) * p->step + p->flen > p->siglen))
		return AXRT_EINVAL;
	signal_twiddles(tw, p->flen);
	for (int32_t b = 0; b < p->batch; b++)
		for (int32_t f = 0; f < p->frames; f++) {
			const float *xf = x + ((size_t)b * p->siglen + (size_t)f * p->step) * p->comps;
			float *yf = y + ((size_t)b * p->frames + f) * p->nbins * 2;
			signal_dft1(xf, (size_t)p->comps, p->comps, p->flen, win, tw, p->flen,
				p->nbins, 0, yf, 2);
		}
	return AXRT_OK;
}

/* ---- windows and the mel filter bank ---- */

/* Stores v as element i of a float or double array. */
AXRT_PRIVATE void
signal_store(void *y, int32_t dtype, size_t i, double v)
{
	if (dtype == AXRT_DT_DOUBLE)
		((double *)y)[i] = v;
	else
		((float *)y)[i] = (float)v;
}

AXRT_KERNEL_PROTO(window, window)
{
	int32_t n = p->periodic ? p->size : p->size - 1;

	(void)in, (void)scratch;
	if (p->size < 0 || p->kind < AXRT_WINDOW_HANN || p->kind > AXRT_WINDOW_BLACKMAN ||
	    (p->dtype != AXRT_DT_FLOAT && p->dtype != AXRT_DT_DOUBLE))
		return AXRT_EINVAL;
	for (int32_t j = 0; j < p->size; j++) {
		double a = n > 0 ? SIGNAL_2PI * j / n : 0.0, v;
		if (p->kind == AXRT_WINDOW_HANN)
			v = 0.5 - 0.5 * cos(a);
		else if (p->kind == AXRT_WINDOW_HAMMING)
			v = 25.0 / 46.0 - 21.0 / 46.0 * cos(a);
		else
			v = 0.42 - 0.5 * cos(a) + 0.08 * cos(2.0 * a);
		signal_store(out[0], p->dtype, (size_t)j, n > 0 ? v : 1.0);
	}
	return AXRT_OK;
}

/* The spectrogram bin of mel point i (of nmel + 2 from lo_mel by step). */
AXRT_PRIVATE int64_t
signal_melbin(int32_t i, double lo_mel, double step, int32_t dftlen, double rate)
{
	double hz = 700.0 * (pow(10.0, (i * step + lo_mel) / 2595.0) - 1.0);
	return (int64_t)floor((dftlen + 1.0) * hz / rate);
}

AXRT_PRIVATE double
signal_scalar(const void *v, int32_t wide, int is_int)
{
	if (is_int)
		return wide ? (double)*(const int64_t *)v : (double)*(const int32_t *)v;
	return wide ? *(const double *)v : (double)*(const float *)v;
}

AXRT_KERNEL_PROTO(melweights, melweights)
{
	int32_t nspec = p->dftlen / 2 + 1;
	double rate = signal_scalar(in[2], p->i64, 1);
	double lo = 2595.0 * log10(1.0 + signal_scalar(in[3], p->f64, 0) / 700.0);
	double hi = 2595.0 * log10(1.0 + signal_scalar(in[4], p->f64, 0) / 700.0);
	double step = (hi - lo) / (p->nmel + 2.0);

	(void)scratch;
	if (p->nmel < 0 || p->dftlen < 0 || rate <= 0.0 ||
	    (p->dtype != AXRT_DT_FLOAT && p->dtype != AXRT_DT_DOUBLE))
		return AXRT_EINVAL;
	for (size_t k = 0; k < (size_t)nspec * p->nmel; k++)
		signal_store(out[0], p->dtype, k, 0.0);
	for (int32_t i = 0; i < p->nmel; i++) {
		int64_t l = signal_melbin(i, lo, step, p->dftlen, rate);
		int64_t c = signal_melbin(i + 1, lo, step, p->dftlen, rate);
		int64_t h = signal_melbin(i + 2, lo, step, p->dftlen, rate);
		for (int64_t j = l; j <= c; j++)   /* rising edge, or 1 at c when l == c */
			if (j >= 0 && j < nspec)
				signal_store(out[0], p->dtype, (size_t)j * p->nmel + i,
					c == l ? 1.0 : (double)(j - l) / (double)(c - l));
		for (int64_t j = c; j < h; j++)    /* falling edge */
			if (j >= 0 && j < nspec)
				signal_store(out[0], p->dtype, (size_t)j * p->nmel + i,
					(double)(h - j) / (double)(h - c));
	}
	return AXRT_OK;
}

/* ---- GridSample ---- */

/* A normalized coordinate in [-1, 1] to pixel units. */
AXRT_PRIVATE float
signal_unnorm(float v, int32_t size, int32_t align)
{
	return align ? (v + 1.0f) / 2.0f * (float)(size - 1) : ((v + 1.0f) * (float)size - 1.0f) / 2.0f;
}

/* v reflected into [lo2 / 2, hi2 / 2] (twice the bounds, as PyTorch). */
AXRT_PRIVATE float
signal_reflect(float v, int32_t lo2, int32_t hi2)
{
	float mn = (float)lo2 / 2.0f, span = (float)(hi2 - lo2) / 2.0f, extra;

	if (lo2 == hi2)
		return 0.0f;
	v = fabsf(v - mn);
	extra = fmodf(v, span);
	return fmodf(floorf(v / span), 2.0f) == 0.0f ? extra + mn : span - extra + mn;
}

/* The padding mode applied to a pixel coordinate: clamped (border),
 * reflected then clamped (reflection), or unchanged (zeros). */
AXRT_PRIVATE float
signal_pad(const axrt_gridsample_params *p, float v, int32_t size)
{
	if (p->padding == 2)
		v = p->align_corners ? signal_reflect(v, 0, 2 * (size - 1)) : signal_reflect(v, -1, 2 * size - 1);
	if (p->padding != 0)
		v = v < 0.0f ? 0.0f : v > (float)(size - 1) ? (float)(size - 1) : v;
	return v;
}

/* Pixel (yy, xx) of plane x, 0 outside. */
AXRT_PRIVATE float
signal_pixel(const float *x, int32_t h, int32_t w, int64_t yy, int64_t xx)
{
	return yy >= 0 && yy < h && xx >= 0 && xx < w ? x[(size_t)yy * w + (size_t)xx] : 0.0f;
}

/* Round half to even, independent of the floating-point environment. */
AXRT_PRIVATE float
signal_rint(float v)
{
	float r = floorf(v), d = v - r;
	if (d > 0.5f || (d == 0.5f && fmodf(r, 2.0f) != 0.0f))
		r += 1.0f;
	return r;
}

/* Keys' cubic convolution weights (A = -0.75) of the 4 taps around t. */
AXRT_PRIVATE void
signal_cubic_coeffs(float t, float *c)
{
	const float a = -0.75f;
	float x1 = t + 1.0f, x2 = 1.0f - t, x3 = 2.0f - t;
	c[0] = ((a * x1 - 5.0f * a) * x1 + 8.0f * a) * x1 - 4.0f * a;
	c[1] = ((a + 2.0f) * t - (a + 3.0f)) * t * t + 1.0f;
	c[2] = ((a + 2.0f) * x2 - (a + 3.0f)) * x2 * x2 + 1.0f;
	c[3] = ((a * x3 - 5.0f * a) * x3 + 8.0f * a) * x3 - 4.0f * a;
}

/* Bicubic: 4 x 4 taps around the unpadded coordinate; each tap's integer
 * position goes through the padding mode on its own (PyTorch). */
AXRT_PRIVATE float
signal_bicubic(const axrt_gridsample_params *p, const float *x, float ix, float iy)
{
	float x0 = floorf(ix), y0 = floorf(iy), cx[4], cy[4], v = 0.0f;

	signal_cubic_coeffs(ix - x0, cx);
	signal_cubic_coeffs(iy - y0, cy);
	for (int r = 0; r < 4; r++) {
		float row = 0.0f;
		float yy = signal_pad(p, y0 - 1.0f + (float)r, p->h);
		for (int q = 0; q < 4; q++) {
			float xx = signal_pad(p, x0 - 1.0f + (float)q, p->w);
			row += cx[q] * signal_pixel(x, p->h, p->w, (int64_t)yy, (int64_t)xx);
		}
		v += cy[r] * row;
	}
	return v;
}

/* One output value of plane x at normalized grid point (gx, gy). */
AXRT_PRIVATE float
signal_sample(const axrt_gridsample_params *p, const float *x, float gx, float gy)
{
	float ix = signal_unnorm(gx, p->w, p->align_corners);
	float iy = signal_unnorm(gy, p->h, p->align_corners);
	float x0, y0, tx, ty;

	if (p->mode == 2)
		return signal_bicubic(p, x, ix, iy);
	ix = signal_pad(p, ix, p->w);
	iy = signal_pad(p, iy, p->h);
	if (p->mode == 1)
		return signal_pixel(x, p->h, p->w, (int64_t)signal_rint(iy), (int64_t)signal_rint(ix));
	x0 = floorf(ix);
	y0 = floorf(iy);
	tx = ix - x0;
	ty = iy - y0;
	return signal_pixel(x, p->h, p->w, (int64_t)y0, (int64_t)x0) * (1.0f - tx) * (1.0f - ty) +
		signal_pixel(x, p->h, p->w, (int64_t)y0, (int64_t)x0 + 1) * tx * (1.0f - ty) +
		signal_pixel(x, p->h, p->w, (int64_t)y0 + 1, (int64_t)x0) * (1.0f - tx) * ty +
		signal_pixel(x, p->h, p->w, (int64_t)y0 + 1, (int64_t)x0 + 1) * tx * ty;
}

AXRT_KERNEL_PROTO(gridsample_f32, gridsample)
{
	const float *x = in[0], *grid = in[1];
	float *y = out[0];
	size_t plane = (size_t)p->h * p->w, oplane = (size_t)p->ho * p->wo;

	(void)scratch;
	if (p->n < 0 || p->c < 0 || p->h < 1 || p->w < 1 || p->ho < 0 || p->wo < 0 ||
	    p->mode < 0 || p->mode > 2 || p->padding < 0 || p->padding > 2)
		return AXRT_EINVAL;
	for (int32_t b = 0; b < p->n; b++)
		for (size_t k = 0; k < oplane; k++) {
			const float *g = grid + ((size_t)b * oplane + k) * 2;
			for (int32_t c = 0; c < p->c; c++) {
				size_t pc = (size_t)b * p->c + c;
				y[pc * oplane + k] = signal_sample(p, x + pc * plane, g[0], g[1]);
			}
		}
	return AXRT_OK;
}

/* ---- TfIdfVectorizer ---- */

AXRT_PRIVATE int64_t
signal_item(const void *x, int32_t x64, size_t i)
{
	return x64 ? ((const int64_t *)x)[i] : (int64_t)((const int32_t *)x)[i];
}

/* The output index of the pool n-gram equal to the n items of row x from
 * start with distance dist, or -1. */
AXRT_PRIVATE int32_t
signal_ngram_find(const axrt_tfidf_params *p, const void *x, size_t row, int32_t start,
	int32_t dist, int32_t n, const int64_t *pool, const int32_t *grams)
{
	for (int32_t g = 0; g < p->ngrams; g++) {
		const int32_t *gm = grams + 3 * g;
		int32_t m = 0;
		if (gm[0] != n)
			continue;
		while (m < n && pool[gm[1] + m] == signal_item(x, p->x64, row + start + (size_t)m * dist))
			m++;
		if (m == n)
			return gm[2];
	}
	return -1;
}

/* Counts of one row into y (nout floats, zeroed by the caller). */
AXRT_PRIVATE void
signal_tfidf_row(const axrt_tfidf_params *p, const void *x, size_t row,
	const int64_t *pool, const int32_t *grams, float *y)
{
	int32_t lo = p->min_gram;

	for (int32_t dist = 1; dist <= p->max_skip + 1 && lo <= p->max_gram; dist++) {
		for (int32_t s = 0; s < p->len; s++)
			for (int32_t n = lo; n <= p->max_gram; n++) {
				int32_t o;
				if (s + (int64_t)(n - 1) * dist >= p->len)
					break;
				o = signal_ngram_find(p, x, row, s, dist, n, pool, grams);
				if (o >= 0)
					y[o] += 1.0f;
			}
		if (lo == 1)
			lo = 2;   /* 1-grams do not depend on the skip: count them once */
	}
}

AXRT_KERNEL_PROTO(tfidf, tfidf)
{
	const int64_t *pool = in[1];
	const int32_t *grams = in[2];
	const float *wt = in[3];
	float *y = out[0];

	(void)scratch;
	if (p->rows < 0 || p->len < 0 || p->nout < 0 || p->ngrams < 0 || p->min_gram < 1 ||
	    p->max_gram < p->min_gram || p->max_skip < 0 || p->mode < 0 || p->mode > 2)
		return AXRT_EINVAL;
	for (int32_t r = 0; r < p->rows; r++) {
		float *yr = y + (size_t)r * p->nout;
		for (int32_t o = 0; o < p->nout; o++)
			yr[o] = 0.0f;
		signal_tfidf_row(p, in[0], (size_t)r * p->len, pool, grams, yr);
		for (int32_t o = 0; o < p->nout; o++) {
			float w = wt ? wt[o] : 1.0f;
			if (p->mode == 1)
				yr[o] = yr[o] > 0.0f ? w : 0.0f;
			else if (p->mode == 2)
				yr[o] *= w;
		}
	}
	return AXRT_OK;
}
