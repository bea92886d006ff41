/* conv.c: kernels of the conv family -- direct grouped convolution and
 * transposed convolution in float32 with a fused bias + activation
 * epilogue (the reference kernels), and the fast depthwise convolution.
 * Conv works on one output row of CONV_MB output channels at a time: the
 * innermost loop runs along the row (contiguous at stride 1) and each
 * input load feeds CONV_MB accumulators. Sums accumulate in float from the
 * bias, in input-channel then kernel order, each term through AXRT_FMAF. The fast path of the other
 * convolutions is the blocked GEMM of the gemm family (conv_f32_gemm). */
#include "axrt.h"
#include <math.h>
#include <stddef.h>
#include <string.h>

/* The fused activation over a row: axrt_act_f32, the one definition the
 * eltwise kernels and the gemm epilogues share; Relu and Clip as plain
 * loops that compilers vectorize. */
AXRT_PRIVATE void
conv_act_run(const axrt_conv_params *p, float *restrict y, int32_t len)
{
	float lo = p->act_alpha, hi = p->act_beta;

	if (p->act == AXRT_ACT_NONE)
		return;
	if (p->act == AXRT_ACT_RELU)
		for (int32_t i = 0; i < len; i++)
			y[i] = y[i] > 0.0f ? y[i] : 0.0f;
	else if (p->act == AXRT_ACT_CLIP)
		for (int32_t i = 0; i < len; i++) {
			float v = y[i] < lo ? lo : y[i];
			y[i] = v > hi ? hi : v;
		}
	else
		for (int32_t i = 0; i < len; i++)
			y[i] = axrt_act_f32(p->act, y[i], lo, hi);
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
			y[i] = AXRT_FMAF(a, x[i], y[i]);
	else
		for (int32_t i = 0; i < len; i++)
			y[i] = AXRT_FMAF(a, x[(ptrdiff_t)i * s], y[i]);
}

/* y[i * s] += a * x[i] for i < len */
AXRT_PRIVATE void
conv_scatter(float *restrict y, const float *restrict x, int32_t s, float a, int32_t len)
{
	for (int32_t i = 0; i < len; i++)
		y[(ptrdiff_t)i * s] = AXRT_FMAF(a, x[i], y[(ptrdiff_t)i * s]);
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
		y0[i] = AXRT_FMAF(a0, v, y0[i]);
		y1[i] = AXRT_FMAF(a1, v, y1[i]);
		y2[i] = AXRT_FMAF(a2, v, y2[i]);
		y3[i] = AXRT_FMAF(a3, v, y3[i]);
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

/* ---- depthwise convolution: conv_f32_dw ----
 * Each output value is the bias plus the taps in kh-major, kw-minor
 * order, the order of conv_f32. Most planes are first copied into the
 * scratch with their padding as zeros (conv_dw_pad), so that every tap
 * reads without bounds checks; a tap in the padding adds w * 0, which
 * leaves the sum unchanged (up to the sign of a zero), so both kernels
 * agree. Loop shapes:
 *  - 3x3 at unit stride, pads 1, out = in: the plane as one long row
 *    with the taps that cross a row end read as zeros (conv_dw3_flat;
 *    small planes through the scratch, conv_dw3_flatc);
 *  - other 3x3 at unit stride over a narrow plane: one long loop over the
 *    plane laid out with the padded row pitch (conv_dw3_wide), then the
 *    valid columns are copied out;
 *  - other 3x3 at equal strides 1 or 2, no dilation: straight from the
 *    input rows, no copy (conv_dw3_direct): a loop along each output
 *    row with the nine taps in registers (conv_dw3_row) between the
 *    border columns, which skip the taps outside the row (a row outside
 *    the plane reads a row of zeros); each output row is written while
 *    its three input rows are read, before any later input row is read,
 *    and the activation runs on the row while it is in cache;
 *  - other 3x3 at stride 2 along the rows: each input row padded and
 *    split into even and odd columns in a ring of three rows
 *    (conv_dw_stride2), the nine taps in registers;
 *  - other 3x3: a loop along each output row with the nine taps in
 *    registers (conv_dw3_row);
 *  - any other kernel: one pass along the row per tap (conv_dw_row).
 * ORDER CONVDW_MODE: compiler/ops/conv.c (conv_dw_mode) picks the same
 * path for the scratch size and for how far the output may overlap the
 * input (conv_dw_lead), which depends on the order of reads and writes. */

/* Padded plane of one channel: hp rows (row -pad[1] of x first) of wp
 * columns (column -pad[2] first), zeros outside x. The zeros are the same
 * for every channel: only the first one (zero set) writes them. */
AXRT_PRIVATE void
conv_dw_pad(const axrt_conv_params *p, const float *x, int32_t hp, int32_t wp, int zero,
		float *restrict xp)
{
	int32_t pt = p->pad[1], pl = p->pad[2], h = p->in[1], w = p->in[2];
	int32_t c0 = pl < wp ? pl : wp, c1 = w + pl < wp ? w + pl : wp;
	int32_t r0 = pt < hp ? pt : hp, r1 = h + pt < hp ? h + pt : hp;

	if (zero)
		for (ptrdiff_t i = 0; i < (ptrdiff_t)hp * wp; i++)
			xp[i] = 0.0f;
	for (int32_t r = r0; r < r1; r++) {
		float *restrict d = xp + (ptrdiff_t)r * wp;
		const float *restrict xr = x + (ptrdiff_t)(r - pt) * w;
		for (int32_t c = c0; c < c1; c++)
			d[c] = xr[c - pl];
	}
}

#define CONV_DW3(i0, i1, i2, j0, j1, j2, k0, k1, k2) do { \
		float v = bias; \
		v = AXRT_FMAF(w0, a[i0], v); v = AXRT_FMAF(w1, a[i1], v); \
		v = AXRT_FMAF(w2, a[i2], v); v = AXRT_FMAF(w3, b[j0], v); \
		v = AXRT_FMAF(w4, b[j1], v); v = AXRT_FMAF(w5, b[j2], v); \
		v = AXRT_FMAF(w6, c[k0], v); v = AXRT_FMAF(w7, c[k1], v); \
		v = AXRT_FMAF(w8, c[k2], v); \
		y[o] = v; \
	} while (0)

/* y[o] for o in [lo, hi): a 3x3 kernel over rows a, b, c, tap (kh, kw)
 * of output o at row kh, column o * s + kw * d - pw (never outside). */
AXRT_PRIVATE void
conv_dw3_row(const float *restrict a, const float *restrict b, const float *restrict c,
		const float *w, float bias, int32_t s, int32_t d, int32_t pw, int32_t lo, int32_t hi,
		float *restrict y)
{
	float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5];
	float w6 = w[6], w7 = w[7], w8 = w[8];

	if (s == 1 && d == 1)
		for (int32_t o = lo; o < hi; o++)
			CONV_DW3(o - pw, o - pw + 1, o - pw + 2, o - pw, o - pw + 1, o - pw + 2,
				o - pw, o - pw + 1, o - pw + 2);
	else if (s == 2 && d == 1)
		for (int32_t o = lo; o < hi; o++)
			CONV_DW3(2 * o - pw, 2 * o - pw + 1, 2 * o - pw + 2, 2 * o - pw, 2 * o - pw + 1,
				2 * o - pw + 2, 2 * o - pw, 2 * o - pw + 1, 2 * o - pw + 2);
	else
		for (int32_t o = lo; o < hi; o++)
			CONV_DW3(o * s - pw, o * s - pw + d, o * s - pw + 2 * d, o * s - pw,
				o * s - pw + d, o * s - pw + 2 * d, o * s - pw, o * s - pw + d,
				o * s - pw + 2 * d);
}

/* A 3x3 kernel at unit stride over the whole padded plane xp (pitch wp)
 * as one row: y[o] for o < n, o = oh * wp + ow (columns ow >= out[2] are
 * computed and thrown away by the caller). */
AXRT_PRIVATE void
conv_dw3_wide(const float *restrict xp, int32_t wp, int32_t d, const float *w, float bias,
		int32_t n, float *restrict y)
{
	const float *restrict a = xp, *restrict b = xp + (ptrdiff_t)d * wp;
	const float *restrict c = xp + (ptrdiff_t)2 * d * wp;
	float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5];
	float w6 = w[6], w7 = w[7], w8 = w[8];

	for (int32_t o = 0; o < n; o++)
		CONV_DW3(o, o + d, o + 2 * d, o, o + d, o + 2 * d, o, o + d, o + 2 * d);
}
/* y[o] for o < n: a 3x3 kernel at stride 2 over split rows a, b, c
 * (conv_dw_stride2): taps kw = 0, 1, 2 of output o are the row's even
 * column o, odd column o and even column o + 1. */
AXRT_PRIVATE void
conv_dw3_split(const float *restrict a, const float *restrict b, const float *restrict c,
		const float *w, float bias, int32_t half, int32_t n, float *restrict y)
{
	float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5];
	float w6 = w[6], w7 = w[7], w8 = w[8];

	for (int32_t o = 0; o < n; o++)
		CONV_DW3(o, half + o, o + 1, o, half + o, o + 1, o, half + o, o + 1);
}
#undef CONV_DW3

/* y[o] of a 3x3 kernel at stride s over rows r[0..2] of width iw, the
 * taps outside the row skipped (the border columns of conv_dw3_direct). */
AXRT_PRIVATE float
conv_dw3_edge(const float *const *r, const float *w, float bias, int32_t s, int32_t pw,
		int32_t iw, int32_t o)
{
	float v = bias;

	for (int32_t kh = 0; kh < 3; kh++)
		for (int32_t kw = 0; kw < 3; kw++) {
			int32_t c = o * s - pw + kw;
			if (c >= 0 && c < iw)
				v = AXRT_FMAF(w[kh * 3 + kw], r[kh][c], v);
		}
	return v;
}

/* Output row oh of a 3x3 kernel at stride s (1 or 2 along both axes),
 * no dilation, read straight from x (zero: in[2] zeros, the rows outside
 * the plane), its activation included; [lo, hi): the columns whose taps
 * all lie inside the row. */
AXRT_PRIVATE void
conv_dw3_orow(const axrt_conv_params *p, const float *x, const float *w, float bias,
		int32_t oh, int32_t lo, int32_t hi, const float *zero, float *yr)
{
	int32_t s = p->stride[2], pw = p->pad[2], iw = p->in[2], ow = p->out[2];
	const float *r[3];

	for (int32_t kh = 0; kh < 3; kh++) {
		int32_t ih = oh * s - p->pad[1] + kh;
		r[kh] = ih >= 0 && ih < p->in[1] ? x + (ptrdiff_t)ih * iw : zero;
	}
	for (int32_t o = 0; o < lo; o++)
		yr[o] = conv_dw3_edge(r, w, bias, s, pw, iw, o);
	if (lo < hi)
		conv_dw3_row(r[0], r[1], r[2], w, bias, s, 1, pw, lo, hi, yr);
	for (int32_t o = hi > lo ? hi : lo; o < ow; o++)
		yr[o] = conv_dw3_edge(r, w, bias, s, pw, iw, o);
	conv_act_run(p, yr, ow);
}

/* One plane of a 3x3 kernel at stride s (1 or 2 along both axes), no
 * dilation, read straight from x; zero: in[2] zeros, the rows outside
 * the plane. Output row oh is written while its input rows are read and
 * before any later input row is read (the planner's overlap of output
 * and input, conv_dw_lead in compiler/ops/conv.c, relies on it). */
AXRT_PRIVATE void
conv_dw3_direct(const axrt_conv_params *p, const float *x, const float *w, float bias, float *y,
		const float *zero)
{
	int32_t lo, hi;

	conv_range(-p->pad[2], p->stride[2], p->in[2] - 2, p->out[2], &lo, &hi);
	for (int32_t oh = 0; oh < p->out[1]; oh++)
		conv_dw3_orow(p, x, w, bias, oh, lo, hi, zero, y + (ptrdiff_t)oh * p->out[2]);
}

/* The flat paths: a 3x3 kernel at unit stride with one row and column
 * of padding on every side (out = in, h >= 3 rows of w >= 4 columns)
 * reads the plane as one long row of pitch w: output o = oh * w + ow
 * takes tap (kh, kw) from x[o + (kh - 1) * w + kw - 1], except that taps
 * kw = 0 of column 0 and kw = 2 of column w - 1 would read the
 * neighbouring row: they read zero instead, as the padded paths do (a
 * select on the column numbers of a vector of outputs). So the loop runs
 * at full vector width over planes of 7 or 14 columns.
 *  - planes of at most AXRT_CONVDW_FLATC floats (CONV_DW_FLATC) are
 *    first copied into the scratch between a row of zeros above and one
 *    below (and a zero before and after, for the end taps' loads), and
 *    the whole plane is one run;
 *  - larger planes (CONV_DW_FLAT) are read in place: rows 0 and h - 1,
 *    whose taps leave the plane, and the run's two end positions, whose
 *    loads would, take the direct path's code. Outputs are written in
 *    increasing order, each after the taps of its row above and before
 *    any later read below that row: the order of conv_dw3_direct. */
#if defined(__GNUC__) && (defined(__AVX__) || defined(__SSE2__) || defined(__ARM_NEON))
#ifdef __AVX__
#define CONV_VW 8
#else
#define CONV_VW 4
#endif
typedef float conv_vec __attribute__((vector_size(CONV_VW * 4)));
typedef int32_t conv_ivec __attribute__((vector_size(CONV_VW * 4)));
#define CONV_LD(v, p) memcpy(&(v), (p), sizeof(conv_vec))
#define CONV_SEL(m, x, y) ((conv_vec)(((conv_ivec)(x) & (m)) | ((conv_ivec)(y) & ~(m))))
#ifdef AXRT_FMA
#define CONV_FMA(t, x, s) \
	for (int l_ = 0; l_ < CONV_VW; l_++) \
		t[l_] = fmaf(x[l_], s, t[l_]);
#else
#define CONV_FMA(t, x, s) t += x * (s);
#endif

/* Vectors of a flat run from *o (column *col) while a whole vector fits
 * before end; moves *o and *col on. Each lane computes what the scalar
 * loop of conv_dw3_run computes; Relu and Clip as conv_act_run. */
AXRT_PRIVATE void
conv_dw3_flatv(const axrt_conv_params *p, const float *x, const float *wt, float bias,
		float *y, ptrdiff_t *o, ptrdiff_t end, int32_t *col)
{
	const conv_vec z = {0}, vb = z + bias, lo = z + p->act_alpha, hi = z + p->act_beta;
	float w0 = wt[0], w1 = wt[1], w2 = wt[2], w3 = wt[3], w4 = wt[4], w5 = wt[5];
	float w6 = wt[6], w7 = wt[7], w8 = wt[8];
	int32_t iw = p->in[2];
	const conv_ivec iz = {0}, wv = iz + iw, last = iz + (iw - 1);
	conv_ivec cv;
	ptrdiff_t i = *o;

	for (int l = 0; l < CONV_VW; l++)
		cv[l] = *col + l;
	cv -= (cv >= wv) & wv;   /* twice: CONV_VW < 3 * iw */
	cv -= (cv >= wv) & wv;
	for (; i + CONV_VW <= end; i += CONV_VW) {
		const float *a = x + i - iw - 1, *b = x + i - 1, *c = x + i + iw - 1;
		conv_ivec ml = cv == iz, mr = cv == last;
		conv_vec a0, a1, a2, b0, b1, b2, c0, c1, c2, v = vb;
		CONV_LD(a0, a); CONV_LD(a1, a + 1); CONV_LD(a2, a + 2);
		CONV_LD(b0, b); CONV_LD(b1, b + 1); CONV_LD(b2, b + 2);
		CONV_LD(c0, c); CONV_LD(c1, c + 1); CONV_LD(c2, c + 2);
		a0 = CONV_SEL(ml, z, a0); b0 = CONV_SEL(ml, z, b0); c0 = CONV_SEL(ml, z, c0);
		a2 = CONV_SEL(mr, z, a2); b2 = CONV_SEL(mr, z, b2); c2 = CONV_SEL(mr, z, c2);
		CONV_FMA(v, a0, w0) CONV_FMA(v, a1, w1) CONV_FMA(v, a2, w2)
		CONV_FMA(v, b0, w3) CONV_FMA(v, b1, w4) CONV_FMA(v, b2, w5)
		CONV_FMA(v, c0, w6) CONV_FMA(v, c1, w7) CONV_FMA(v, c2, w8)
		if (p->act == AXRT_ACT_RELU)
			v = CONV_SEL(v > z, v, z);
		else if (p->act == AXRT_ACT_CLIP) {
			v = CONV_SEL(v < lo, lo, v);
			v = CONV_SEL(v > hi, hi, v);
		}
		memcpy(y + i, &v, sizeof v);
		cv += CONV_VW;
		cv -= (cv >= wv) & wv;
		cv -= (cv >= wv) & wv;
	}
	if (p->act != AXRT_ACT_RELU && p->act != AXRT_ACT_CLIP)
		conv_act_run(p, y + *o, (int32_t)(i - *o));
	*col = cv[0];
	*o = i;
}
#undef CONV_FMA
#undef CONV_SEL
#undef CONV_LD
#define CONV_HAVE_FLATV 1
#endif

/* Outputs o in [o, end) of a flat run over rows of pitch in[2] at x,
 * y[o] each (col: the column of o). back: the run's last whole vector
 * may be computed again over outputs already written (x is not y), so
 * that a run's end takes no scalar loop. */
AXRT_PRIVATE void
conv_dw3_run(const axrt_conv_params *p, const float *x, const float *w, float bias, float *y,
		ptrdiff_t o, ptrdiff_t end, int32_t col, int back)
{
	int32_t iw = p->in[2];

#ifdef CONV_HAVE_FLATV
	ptrdiff_t o0 = o;
	conv_dw3_flatv(p, x, w, bias, y, &o, end, &col);
	if (back && o < end && end - o0 >= CONV_VW) {
		ptrdiff_t b = end - CONV_VW;
		int32_t c = col - (int32_t)(o - b);
		while (c < 0)
			c += iw;
		conv_dw3_flatv(p, x, w, bias, y, &b, end, &c);
		return;
	}
#else
	(void)back;
#endif
	for (; o < end; o++) {
		const float *a = x + o - iw - 1, *b = x + o - 1, *c = x + o + iw - 1;
		float a0 = col ? a[0] : 0.0f, b0 = col ? b[0] : 0.0f, c0 = col ? c[0] : 0.0f;
		float a2 = col < iw - 1 ? a[2] : 0.0f, b2 = col < iw - 1 ? b[2] : 0.0f;
		float c2 = col < iw - 1 ? c[2] : 0.0f, v = bias;
		v = AXRT_FMAF(w[0], a0, v); v = AXRT_FMAF(w[1], a[1], v); v = AXRT_FMAF(w[2], a2, v);
		v = AXRT_FMAF(w[3], b0, v); v = AXRT_FMAF(w[4], b[1], v); v = AXRT_FMAF(w[5], b2, v);
		v = AXRT_FMAF(w[6], c0, v); v = AXRT_FMAF(w[7], c[1], v); v = AXRT_FMAF(w[8], c2, v);
		y[o] = v;
		conv_act_run(p, y + o, 1);
		if (++col == iw)
			col = 0;
	}
}

/* One plane of the flat path read in place (CONV_DW_FLAT); zero: in[2]
 * zeros. */
AXRT_PRIVATE void
conv_dw3_flat(const axrt_conv_params *p, const float *x, const float *w, float bias, float *y,
		const float *zero)
{
	int32_t h = p->in[1], iw = p->in[2], lo, hi;
	ptrdiff_t end = (ptrdiff_t)(h - 1) * iw - 1;
	const float *r[3];

	conv_range(-1, 1, iw - 2, iw, &lo, &hi);
	conv_dw3_orow(p, x, w, bias, 0, lo, hi, zero, y);
	r[0] = x;
	r[1] = x + iw;
	r[2] = x + 2 * (ptrdiff_t)iw;
	y[iw] = conv_dw3_edge(r, w, bias, 1, 1, iw, 0);
	conv_act_run(p, y + iw, 1);
	conv_dw3_run(p, x, w, bias, y, (ptrdiff_t)iw + 1, end, 1, 0);
	r[0] = x + (ptrdiff_t)(h - 3) * iw;
	r[1] = r[0] + iw;
	r[2] = r[1] + iw;
	y[end] = conv_dw3_edge(r, w, bias, 1, 1, iw, iw - 1);
	conv_act_run(p, y + end, 1);
	conv_dw3_orow(p, x, w, bias, h - 1, lo, hi, zero, y + end + 1);
}

/* One plane of the flat path through the scratch (CONV_DW_FLATC): s
 * holds a zero, a row of zeros, the plane, a row of zeros and a zero;
 * first: the first plane of the call (the zeros are not there yet). */
AXRT_PRIVATE void
conv_dw3_flatc(const axrt_conv_params *p, const float *x, const float *w, float bias, float *y,
		float *s, int first)
{
	int32_t iw = p->in[2];
	ptrdiff_t n = (ptrdiff_t)p->in[1] * iw;

	if (first)
		for (ptrdiff_t i = 0; i < n + 2 * (ptrdiff_t)iw + 2; i++)
			s[i] = 0.0f;
	memcpy(s + 1 + iw, x, (size_t)n * sizeof *x);
	conv_dw3_run(p, s + 1 + iw, w, bias, y, 0, n, 0, 1);
}

/* y[o] for o < n, any kernel: the bias, then one pass per tap. */
AXRT_PRIVATE void
conv_dw_row(const axrt_conv_params *p, const float *xp, int32_t wp, const float *w, float bias,
		int32_t n, float *restrict y)
{
	int32_t s = p->stride[2], d = p->dil[2];

	for (int32_t o = 0; o < n; o++)
		y[o] = bias;
	for (int32_t kh = 0; kh < p->k[1]; kh++) {
		const float *restrict r = xp + (ptrdiff_t)kh * p->dil[1] * wp;
		for (int32_t kw = 0; kw < p->k[2]; kw++) {
			float wv = w[kh * p->k[2] + kw];
			const float *restrict rk = r + kw * d;
			for (int32_t o = 0; o < n; o++)
				y[o] = AXRT_FMAF(wv, rk[(ptrdiff_t)o * s], y[o]);
		}
	}
}

/* The path of a depthwise conv (ORDER CONVDW_MODE: compiler/ops/conv.c). */
enum { CONV_DW_PADDED, CONV_DW_WIDE, CONV_DW_DIRECT, CONV_DW_RING, CONV_DW_FLAT, CONV_DW_FLATC };
AXRT_PRIVATE int
conv_dw_mode(const axrt_conv_params *p)
{
	int k3 = p->k[1] == 3 && p->k[2] == 3, s = p->stride[2];

	if (k3 && p->stride[1] == 1 && s == 1 && p->dil[1] == 1 && p->dil[2] == 1
	 && p->pad[1] == 1 && p->pad[2] == 1 && p->out[1] == p->in[1] && p->out[2] == p->in[2]
	 && p->in[1] >= 3 && p->in[2] >= 4)
		return p->in[1] * p->in[2] <= AXRT_CONVDW_FLATC ? CONV_DW_FLATC : CONV_DW_FLAT;
	if (k3 && p->stride[1] == 1 && s == 1 && p->dil[1] == p->dil[2] && p->out[2] < AXRT_CONVDW_WIDE)
		return CONV_DW_WIDE;
	if (k3 && p->stride[1] == s && (s == 1 || s == 2) && p->dil[1] == 1 && p->dil[2] == 1)
		return CONV_DW_DIRECT;
	if (k3 && s == 2 && p->dil[2] == 1)
		return CONV_DW_RING;
	return CONV_DW_PADDED;
}

/* The padded plane's size (see conv_dw_pad), and whether the plane takes
 * the wide loop (mode: conv_dw_mode's, worked out once by the kernel, so
 * that compilers fold the paths a constant p does not take): then *wide
 * is the length of that loop.
 * ORDER CONVDW_SCRATCH: compiler/ops/conv.c (conv_dw_scratch) sizes the
 * scratch with the same formulas. */
AXRT_PRIVATE void
conv_dw_dims(const axrt_conv_params *p, int mode, int32_t *hp, int32_t *wp, int32_t *wide)
{
	*hp = (p->out[1] - 1) * p->stride[1] + (p->k[1] - 1) * p->dil[1] + 1;
	*wp = (p->out[2] - 1) * p->stride[2] + (p->k[2] - 1) * p->dil[2] + 1;
	*wide = 0;
	if (mode == CONV_DW_WIDE)
		*wide = (p->out[1] - 1) * *wp + p->out[2];
}

/* One channel through the padded plane xp (and t: the wide loop's
 * plane), both in the scratch; first: the first channel of the call (xp
 * holds no zeros yet). */
AXRT_PRIVATE void
conv_dw_padded(const axrt_conv_params *p, int mode, const float *x, const float *w, float bias,
		float *y, float *xp, float *t, int first)
{
	int32_t hp, wp, wide, ow = p->out[2];
	ptrdiff_t rd;

	conv_dw_dims(p, mode, &hp, &wp, &wide);
	rd = (ptrdiff_t)p->dil[1] * wp;
	conv_dw_pad(p, x, hp, wp, first, xp);
	if (wide)
		conv_dw3_wide(xp, wp, p->dil[1], w, bias, wide, t);
	for (int32_t oh = 0; oh < p->out[1]; oh++) {
		const float *r = xp + (ptrdiff_t)oh * p->stride[1] * wp;
		float *restrict yr = y + (ptrdiff_t)oh * ow;
		if (wide)
			for (int32_t o = 0; o < ow; o++)
				yr[o] = t[(ptrdiff_t)oh * wp + o];
		else if (p->k[1] == 3 && p->k[2] == 3)
			conv_dw3_row(r, r + rd, r + 2 * rd, w, bias, p->stride[2], p->dil[2], 0, 0, ow, yr);
		else
			conv_dw_row(p, r, wp, w, bias, ow, yr);
	}
}

/* d[i] = x row column 2 * i + par - pad[2] for i < n, zero outside the
 * row: the even (par 0) or odd (par 1) columns of the padded row. */
AXRT_PRIVATE void
conv_dw_half(const axrt_conv_params *p, const float *restrict xr, int32_t par, int32_t n,
		float *restrict d)
{
	int32_t off = par - p->pad[2], w = p->in[2];
	int32_t lo = off >= 0 ? 0 : (-off + 1) / 2, hi = w - 1 - off < 0 ? 0 : (w - 1 - off) / 2 + 1;
	int32_t i = 0;

	hi = hi < n ? hi : n;
	lo = lo < hi ? lo : hi;
	for (; i < lo; i++)
		d[i] = 0.0f;
	for (; i < hi; i++)
		d[i] = xr[2 * i + off];
	for (; i < n; i++)
		d[i] = 0.0f;
}

/* One channel of a 3x3 kernel at stride 2 (dilation 1) along the rows.
 * Each input row it reads is padded and split into its even and odd
 * columns once, into one of three slots of `half` + `half` floats in the
 * scratch (row ih in slot ih mod 3: the rows of one output row take
 * distinct slots, and the next output row finds its shared rows); the
 * nine taps then read contiguous values. */
AXRT_PRIVATE void
conv_dw_stride2(const axrt_conv_params *p, const float *x, const float *w, float bias, float *y,
		float *ring)
{
	int32_t ow = p->out[2], half = ow + 1, tag[3] = {INT32_MIN, INT32_MIN, INT32_MIN};
	const float *rows[3];

	for (int32_t oh = 0; oh < p->out[1]; oh++) {
		for (int32_t kh = 0; kh < 3; kh++) {
			int32_t ih = oh * p->stride[1] - p->pad[1] + kh * p->dil[1];
			int32_t slot = p->dil[1] % 3 ? ((ih % 3) + 3) % 3 : kh;   /* distinct per row */
			float *d = ring + (ptrdiff_t)slot * 2 * half;
			if (tag[slot] != ih) {
				tag[slot] = ih;
				if (ih >= 0 && ih < p->in[1]) {
					conv_dw_half(p, x + (ptrdiff_t)ih * p->in[2], 0, half, d);
					conv_dw_half(p, x + (ptrdiff_t)ih * p->in[2], 1, half, d + half);
				} else {
					for (int32_t i = 0; i < 2 * half; i++)
						d[i] = 0.0f;
				}
			}
			rows[kh] = d;
		}
		conv_dw3_split(rows[0], rows[1], rows[2], w, bias, half, ow, y + (ptrdiff_t)oh * ow);
	}
}

AXRT_KERNEL_PROTO(conv_f32_dw, conv)
{
	const float *x = in[0], *w = in[1], *b = in[2];
	int32_t hp, wp, wide, mode;
	ptrdiff_t isz, osz, ksz;

	if (conv_check(p) != AXRT_OK || p->group != p->c || p->m != p->c
	 || p->in[0] != 1 || p->out[0] != 1 || p->k[0] != 1 || !scratch)
		return AXRT_EINVAL;
	mode = conv_dw_mode(p);
	conv_dw_dims(p, mode, &hp, &wp, &wide);
	isz = (ptrdiff_t)p->in[1] * p->in[2];
	osz = (ptrdiff_t)p->out[1] * p->out[2];
	ksz = (ptrdiff_t)p->k[1] * p->k[2];
	if (mode == CONV_DW_DIRECT || mode == CONV_DW_FLAT)
		for (int32_t i = 0; i < p->in[2]; i++)
			((float *)scratch)[i] = 0.0f;
	for (int32_t img = 0; img < p->n; img++)
		for (int32_t c = 0; c < p->c; c++) {
			ptrdiff_t i = (ptrdiff_t)img * p->c + c;
			float *yc = (float *)out[0] + i * osz, bias = b ? b[c] : 0.0f;
			if (mode == CONV_DW_FLATC) {
				conv_dw3_flatc(p, x + i * isz, w + c * ksz, bias, yc, scratch, i == 0);
				continue;   /* the activation ran on the way */
			}
			if (mode == CONV_DW_FLAT) {
				conv_dw3_flat(p, x + i * isz, w + c * ksz, bias, yc, scratch);
				continue;
			}
			if (mode == CONV_DW_DIRECT) {
				conv_dw3_direct(p, x + i * isz, w + c * ksz, bias, yc, scratch);
				continue;
			}
			if (mode == CONV_DW_RING)
				conv_dw_stride2(p, x + i * isz, w + c * ksz, bias, yc, scratch);
			else
				conv_dw_padded(p, mode, x + i * isz, w + c * ksz, bias, yc, scratch,
					(float *)scratch + (ptrdiff_t)hp * wp, i == 0);
			conv_act_run(p, yc, (int32_t)osz);
		}
	return AXRT_OK;
}
