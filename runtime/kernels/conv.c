/* conv.c: kernels of the conv family -- direct grouped convolution and
 * transposed convolution in float32 with a fused bias + activation
 * epilogue. Conv works on one output row of CONV_MB output channels at a
 * time: the innermost loop runs along the row (contiguous at stride 1) and
 * each input load feeds CONV_MB accumulators. Sums accumulate in float, in
 * input-channel then kernel order. A blocked GEMM path comes later. */
#include "axrt.h"
#include <math.h>
#include <stddef.h>

/* The fused activation of one value (AXRT_ACT_*, see axrt_conv.h). */
AXRT_PRIVATE float
conv_act(int32_t act, float alpha, float beta, float v)
{
	float t;

	switch (act) {
	case AXRT_ACT_RELU:
		return v > 0.0f ? v : 0.0f;
	case AXRT_ACT_LEAKYRELU:
		return v < 0.0f ? alpha * v : v;
	case AXRT_ACT_CLIP:
		return v < alpha ? alpha : v > beta ? beta : v;
	case AXRT_ACT_SIGMOID:   /* exp of a non-positive number never overflows */
		if (v >= 0.0f)
			return 1.0f / (1.0f + expf(-v));
		t = expf(v);
		return t / (1.0f + t);
	case AXRT_ACT_TANH:
		return tanhf(v);
	case AXRT_ACT_HARDSIGMOID:
		t = alpha * v + beta;
		return t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
	case AXRT_ACT_HARDSWISH:   /* ONNX: alpha 1/6, beta 0.5 */
		t = v * (1.0f / 6.0f) + 0.5f;
		return t < 0.0f ? 0.0f : t > 1.0f ? v : v * t;
	default:
		return v;
	}
}

AXRT_PRIVATE void
conv_act_run(const axrt_conv_params *p, float *y, int32_t len)
{
	if (p->act == AXRT_ACT_NONE)
		return;
	for (int32_t i = 0; i < len; i++)
		y[i] = conv_act(p->act, p->act_alpha, p->act_beta, y[i]);
}

/* Sets [*lo, *hi) to the o in [0, count) with 0 <= o * s + off < limit
 * (s >= 1); the range is empty (*lo == *hi) when there are none. */
AXRT_PRIVATE void
conv_range(int32_t off, int32_t s, int32_t limit, int32_t count, int32_t *lo, int32_t *hi)
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

/* y[i] += a * x[i * s] for i < len */
AXRT_PRIVATE void
conv_axpy(float *restrict y, const float *restrict x, int32_t s, float a, int32_t len)
{
	if (s == 1)
		for (int32_t i = 0; i < len; i++)
			y[i] += a * x[i];
	else
		for (int32_t i = 0; i < len; i++)
			y[i] += a * x[(ptrdiff_t)i * s];
}

/* y[i * s] += a * x[i] for i < len */
AXRT_PRIVATE void
conv_scatter(float *restrict y, const float *restrict x, int32_t s, float a, int32_t len)
{
	for (int32_t i = 0; i < len; i++)
		y[(ptrdiff_t)i * s] += a * x[i];
}

AXRT_PRIVATE int32_t
conv_vol(const int32_t *d)
{
	return d[0] * d[1] * d[2];
}

/* The ranges documented in axrt_conv.h; pads may be any value. */
AXRT_PRIVATE int
conv_check(const axrt_conv_params *p)
{
	if (p->n < 1 || p->c < 1 || p->m < 1 || p->group < 1
	 || p->c % p->group != 0 || p->m % p->group != 0)
		return AXRT_EINVAL;
	for (int i = 0; i < 3; i++)
		if (p->in[i] < 1 || p->out[i] < 1 || p->k[i] < 1 || p->stride[i] < 1 || p->dil[i] < 1)
			return AXRT_EINVAL;
	return AXRT_OK;
}

/* y[b][i] += a[b] * x[i * s] for i < len, b < CONV_MB: one load of x
 * feeds CONV_MB output rows (ystride floats apart). */
#define CONV_MB 4
AXRT_PRIVATE void
conv_axpy4(float *y, ptrdiff_t ystride, const float *restrict x, int32_t s,
	const float *a, int32_t len)
{
	float *restrict y0 = y, *restrict y1 = y + ystride;
	float *restrict y2 = y1 + ystride, *restrict y3 = y2 + ystride;
	float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];

	for (int32_t i = 0; i < len; i++) {
		float v = x[(ptrdiff_t)i * s];
		y0[i] += a0 * v;
		y1[i] += a1 * v;
		y2[i] += a2 * v;
		y3[i] += a3 * v;
	}
}

/* Adds the contribution of one input channel xc to the output rows at
 * depth od, height oh of mb output channels: row b at yr + b * ystride,
 * its filter at wc + b * wstride. */
AXRT_PRIVATE void
conv_row(const axrt_conv_params *p, const float *xc, const float *wc, ptrdiff_t wstride,
	int32_t mb, int32_t od, int32_t oh, float *yr, ptrdiff_t ystride)
{
	const int32_t *in = p->in, *k = p->k, *s = p->stride, *dl = p->dil;

	for (int32_t kd = 0; kd < k[0]; kd++) {
		int32_t id = od * s[0] - p->pad[0] + kd * dl[0];
		if (id < 0 || id >= in[0])
			continue;
		for (int32_t kh = 0; kh < k[1]; kh++) {
			int32_t ih = oh * s[1] - p->pad[1] + kh * dl[1], lo, hi;
			const float *xr;
			ptrdiff_t wo;
			if (ih < 0 || ih >= in[1])
				continue;
			xr = xc + ((ptrdiff_t)id * in[1] + ih) * in[2];
			wo = ((ptrdiff_t)kd * k[1] + kh) * k[2];
			for (int32_t kw = 0; kw < k[2]; kw++) {
				int32_t off = kw * dl[2] - p->pad[2];
				const float *xs;
				conv_range(off, s[2], in[2], p->out[2], &lo, &hi);
				if (lo >= hi)
					continue;
				xs = xr + (ptrdiff_t)lo * s[2] + off;
				if (mb == CONV_MB) {
					float a[CONV_MB];
					for (int32_t b = 0; b < CONV_MB; b++)
						a[b] = wc[b * wstride + wo + kw];
					conv_axpy4(yr + lo, ystride, xs, s[2], a, hi - lo);
				} else
					for (int32_t b = 0; b < mb; b++)
						conv_axpy(yr + b * ystride + lo, xs, s[2], wc[b * wstride + wo + kw], hi - lo);
			}
		}
	}
}

/* mb (<= CONV_MB) output planes of one image and group: x points at the
 * group's first input channel, w at the first output channel's filters,
 * b at its bias (or NULL), y at its plane. */
AXRT_PRIVATE void
conv_planes(const axrt_conv_params *p, const float *x, const float *w, const float *b,
	int32_t mb, float *y)
{
	int32_t cg = p->c / p->group, isz = conv_vol(p->in), ksz = conv_vol(p->k);
	ptrdiff_t osz = conv_vol(p->out), wstride = (ptrdiff_t)cg * ksz;

	for (int32_t od = 0; od < p->out[0]; od++)
		for (int32_t oh = 0; oh < p->out[1]; oh++) {
			float *yr = y + ((ptrdiff_t)od * p->out[1] + oh) * p->out[2];
			for (int32_t bm = 0; bm < mb; bm++)
				for (int32_t ow = 0; ow < p->out[2]; ow++)
					yr[bm * osz + ow] = b ? b[bm] : 0.0f;
			for (int32_t c = 0; c < cg; c++)
				conv_row(p, x + (ptrdiff_t)c * isz, w + (ptrdiff_t)c * ksz, wstride,
					mb, od, oh, yr, osz);
			for (int32_t bm = 0; bm < mb; bm++)
				conv_act_run(p, yr + bm * osz, p->out[2]);
		}
}

AXRT_KERNEL_PROTO(conv_f32, conv)
{
	const float *x = in[0], *w = in[1], *b = in[2];
	float *y = out[0];
	int32_t cg, mg, isz, osz, ksz;

	(void)scratch;
	if (conv_check(p) != AXRT_OK)
		return AXRT_EINVAL;
	cg = p->c / p->group;
	mg = p->m / p->group;
	isz = conv_vol(p->in);
	osz = conv_vol(p->out);
	ksz = conv_vol(p->k);
	for (int32_t img = 0; img < p->n; img++)
		for (int32_t m = 0; m < p->m; ) {   /* blocks of CONV_MB within a group */
			int32_t g = m / mg, mb = (g + 1) * mg - m;
			if (mb > CONV_MB)
				mb = CONV_MB;
			conv_planes(p, x + ((ptrdiff_t)img * p->c + (ptrdiff_t)g * cg) * isz,
				w + (ptrdiff_t)m * cg * ksz, b ? b + m : NULL, mb,
				y + ((ptrdiff_t)img * p->m + m) * osz);
			m += mb;
		}
	return AXRT_OK;
}

/* Scatters input channel xc (weights wc) into output plane y. */
AXRT_PRIVATE void
conv_transpose_chan(const axrt_conv_params *p, const float *xc, const float *wc, float *y)
{
	const int32_t *in = p->in, *out = p->out, *k = p->k, *s = p->stride, *dl = p->dil;

	for (int32_t id = 0; id < in[0]; id++)
	for (int32_t kd = 0; kd < k[0]; kd++) {
		int32_t od = id * s[0] - p->pad[0] + kd * dl[0];
		if (od < 0 || od >= out[0])
			continue;
		for (int32_t ih = 0; ih < in[1]; ih++)
		for (int32_t kh = 0; kh < k[1]; kh++) {
			int32_t oh = ih * s[1] - p->pad[1] + kh * dl[1], lo, hi;
			const float *xr, *wr;
			float *yr;
			if (oh < 0 || oh >= out[1])
				continue;
			yr = y + ((ptrdiff_t)od * out[1] + oh) * out[2];
			xr = xc + ((ptrdiff_t)id * in[1] + ih) * in[2];
			wr = wc + ((ptrdiff_t)kd * k[1] + kh) * k[2];
			for (int32_t kw = 0; kw < k[2]; kw++) {
				int32_t off = kw * dl[2] - p->pad[2];
				conv_range(off, s[2], out[2], in[2], &lo, &hi);
				if (lo < hi)
					conv_scatter(yr + (ptrdiff_t)lo * s[2] + off, xr + lo, s[2], wr[kw], hi - lo);
			}
		}
	}
}

AXRT_KERNEL_PROTO(convtranspose_f32, conv)
{
	const float *x = in[0], *w = in[1], *b = in[2];
	float *y = out[0];
	int32_t cg, mg, isz, osz, ksz;

	(void)scratch;
	if (conv_check(p) != AXRT_OK)
		return AXRT_EINVAL;
	cg = p->c / p->group;
	mg = p->m / p->group;
	isz = conv_vol(p->in);
	osz = conv_vol(p->out);
	ksz = conv_vol(p->k);
	for (int32_t i = 0; i < p->n * p->m; i++) {
		int32_t img = i / p->m, m = i % p->m, g = m / mg;
		float *yp = y + (ptrdiff_t)i * osz, bias = b ? b[m] : 0.0f;
		for (int32_t j = 0; j < osz; j++)
			yp[j] = bias;
		for (int32_t c = g * cg; c < (g + 1) * cg; c++)
			conv_transpose_chan(p, x + ((ptrdiff_t)img * p->c + c) * isz,
				w + ((ptrdiff_t)c * mg + m % mg) * ksz, yp);
		conv_act_run(p, yp, osz);
	}
	return AXRT_OK;
}
