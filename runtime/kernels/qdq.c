/* qdq.c: kernels of the qdq family -- conv, gemm, Add, average pooling and
 * requantization on uint8/int8 codes with zero points and fixed-point
 * multipliers M0 * 2^-n (axrt_qdq.h gives the arithmetic). The reference
 * kernels come first; the fast paths compute the same integers. */
#include "axrt.h"
#include "axrt_qdq.h"
#include <stddef.h>
#include <string.h>

/* Weight value e of the rows (w - z_w already subtracted). */
AXRT_PRIVATE int32_t
qdq_wld(const void *w, int32_t wt, int64_t e)
{
	return wt == AXRT_DT_INT16 ? ((const int16_t *)w)[e] : ((const int8_t *)w)[e];
}

/* floor(v / 2^s) for 0 <= s <= 62 without >> of a negative value. */
#define QDQ_FLOOR(v, s) ((v) >= 0 ? (v) >> (s) : ~(~(v) >> (s)))

/* The epilogue of the fast paths over a row of n int32 sums into codes
 * y[0..n) (type yt): axrt_qdq_out(acc * m0, sh, ...) as branch-free code
 * gcc vectorizes. Round half to even of v / 2^s (s >= 1) is
 * floor((v + 2^(s-1) - 1 + (floor(v / 2^s) & 1)) / 2^s): a remainder
 * below one half stays below 2^s, one above it or an exact half with an
 * odd quotient reaches it. |v| < 2^62, so the sum cannot overflow. */
AXRT_PRIVATE void
qdq_epilogue(const int32_t *restrict acc, int32_t n, int32_t m0, int32_t sh, int32_t z,
	int32_t lo, int32_t hi, void *y, int32_t yt)
{
	int64_t half = sh > 0 ? ((int64_t)1 << (sh - 1)) - 1 : 0;

	if (sh == 0) {
		for (int32_t i = 0; i < n; i++)
			axrt_qdq_st(y, yt, i, axrt_qdq_out((int64_t)acc[i] * m0, 0, z, lo, hi));
		return;
	}
	if (yt == AXRT_DT_UINT8) {
		uint8_t *restrict y8 = (uint8_t *)y;
		for (int32_t i = 0; i < n; i++) {
			int64_t v = (int64_t)acc[i] * m0, f = QDQ_FLOOR(v, sh);
			int64_t t = v + half + (f & 1), q = QDQ_FLOOR(t, sh) + z;
			y8[i] = (uint8_t)(q < lo ? lo : q > hi ? hi : q);
		}
	} else {
		int8_t *restrict y8 = (int8_t *)y;
		for (int32_t i = 0; i < n; i++) {
			int64_t v = (int64_t)acc[i] * m0, f = QDQ_FLOOR(v, sh);
			int64_t t = v + half + (f & 1), q = QDQ_FLOOR(t, sh) + z;
			y8[i] = (int8_t)(q < lo ? lo : q > hi ? hi : q);
		}
	}
}

/* ---- conv ---- */

/* sum over the window of output (z, y, xx) of channel o of image b:
 * (x - xz) * w, positions in the padding skipped (they are x = xz). */
AXRT_PRIVATE int32_t
qdq_conv_sum(const axrt_qdqconv_params *p, const void *x, const void *w, int32_t b, int32_t o,
	int32_t z, int32_t y, int32_t xx)
{
	int32_t cg = p->c / p->group, g = o / (p->m / p->group), acc = 0;
	int64_t e = (int64_t)o * cg * p->k[0] * p->k[1] * p->k[2];

	for (int32_t ci = 0; ci < cg; ci++) {
		int64_t plane = ((int64_t)b * p->c + (int64_t)g * cg + ci) * p->in[0];
		for (int32_t a = 0; a < p->k[0]; a++) {
			int32_t iz = z * p->stride[0] - p->pad[0] + a * p->dil[0];
			for (int32_t r = 0; r < p->k[1]; r++) {
				int32_t iy = y * p->stride[1] - p->pad[1] + r * p->dil[1];
				for (int32_t s = 0; s < p->k[2]; s++, e++) {
					int32_t ix = xx * p->stride[2] - p->pad[2] + s * p->dil[2];
					if (iz < 0 || iz >= p->in[0] || iy < 0 || iy >= p->in[1] ||
					    ix < 0 || ix >= p->in[2])
						continue;
					acc += (axrt_qdq_ld(x, p->xt, ((plane + iz) * p->in[1] + iy) *
						p->in[2] + ix) - p->xz) * qdq_wld(w, p->wt, e);
				}
			}
		}
	}
	return acc;
}

AXRT_API axrt_status
axrt_qdq_conv(const axrt_qdqconv_params *p, const void *const *in, void *const *out, void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *mul = (const int32_t *)in[3];
	const int32_t *sh = (const int32_t *)in[4];
	int64_t i = 0;

	(void)scratch;
	for (int32_t b = 0; b < p->n; b++)
		for (int32_t o = 0; o < p->m; o++)
			for (int32_t z = 0; z < p->out[0]; z++)
				for (int32_t y = 0; y < p->out[1]; y++)
					for (int32_t x = 0; x < p->out[2]; x++, i++) {
						int32_t v = qdq_conv_sum(p, in[0], in[1], b, o, z, y, x);
						if (bias)
							v += bias[o];
						axrt_qdq_st(out[0], p->yt, i, axrt_qdq_out((int64_t)v * mul[o],
							sh[o], p->yz, p->lo, p->hi));
					}
	return AXRT_OK;
}

/* The cg input planes of image b, group g as int16 x - xz, zero-padded
 * to hp x wp (the rows and columns the windows read). */
AXRT_PRIVATE void
qdq_pad_planes(const axrt_qdqconv_params *p, const void *x, int32_t b, int32_t g,
	int32_t hp, int32_t wp, int16_t *pl)
{
	int32_t cg = p->c / p->group;

	for (int32_t ci = 0; ci < cg; ci++) {
		int64_t src = ((int64_t)b * p->c + (int64_t)g * cg + ci) * p->in[1] * p->in[2];
		int16_t *dst = pl + (size_t)ci * hp * wp;
		for (int32_t r = 0; r < hp; r++) {
			int32_t iy = r - p->pad[1];
			int16_t *row = dst + (size_t)r * wp;
			if (iy < 0 || iy >= p->in[1]) {
				memset(row, 0, (size_t)wp * sizeof *row);
				continue;
			}
			for (int32_t c = 0; c < wp; c++) {
				int32_t ix = c - p->pad[2];
				row[c] = (int16_t)(ix >= 0 && ix < p->in[2] ?
					axrt_qdq_ld(x, p->xt, src + (int64_t)iy * p->in[2] + ix) - p->xz : 0);
			}
		}
	}
}

/* acc[oy][ox] += wv * row(oy)[ox * s]: one tap over the output plane. */
AXRT_PRIVATE void
qdq_tap(int32_t *restrict acc, const int16_t *restrict pl, int32_t wv, int32_t oh, int32_t ow,
	int32_t sy, int32_t sx, int32_t wp)
{
	for (int32_t oy = 0; oy < oh; oy++) {
		const int16_t *r = pl + (size_t)oy * sy * wp;
		int32_t *a = acc + (size_t)oy * ow;
		if (sx == 1)
			for (int32_t ox = 0; ox < ow; ox++)
				a[ox] += wv * r[ox];
		else
			for (int32_t ox = 0; ox < ow; ox++)
				a[ox] += wv * r[(size_t)ox * sx];
	}
}

AXRT_API axrt_status
axrt_qdq_conv_fast(const axrt_qdqconv_params *p, const void *const *in, void *const *out,
	void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *mul = (const int32_t *)in[3];
	const int32_t *sh = (const int32_t *)in[4];
	int32_t cg = p->c / p->group, mg = p->m / p->group, kk = p->k[1] * p->k[2];
	int32_t hp = (p->out[1] - 1) * p->stride[1] + (p->k[1] - 1) * p->dil[1] + 1;
	int32_t wp = (p->out[2] - 1) * p->stride[2] + (p->k[2] - 1) * p->dil[2] + 1;
	int32_t plane = p->out[1] * p->out[2];
	int16_t *pl = (int16_t *)scratch;
	int32_t *acc = (int32_t *)((char *)scratch + (((size_t)cg * hp * wp * 2u + 15u) & ~(size_t)15u));

	if (p->in[0] != 1 || p->k[0] != 1)
		return AXRT_EUNSUPPORTED;
	for (int32_t b = 0; b < p->n; b++)
		for (int32_t g = 0; g < p->group; g++) {
			qdq_pad_planes(p, in[0], b, g, hp, wp, pl);
			for (int32_t o = g * mg; o < (g + 1) * mg; o++) {
				int64_t e = (int64_t)o * cg * kk, y0 = ((int64_t)b * p->m + o) * plane;
				int32_t b0 = bias ? bias[o] : 0;
				for (int32_t i = 0; i < plane; i++)
					acc[i] = b0;
				for (int32_t ci = 0; ci < cg; ci++)
					for (int32_t r = 0; r < p->k[1]; r++)
						for (int32_t s = 0; s < p->k[2]; s++, e++) {
							int32_t wv = qdq_wld(in[1], p->wt, e);
							if (wv)
								qdq_tap(acc, pl + ((size_t)ci * hp + (size_t)r * p->dil[1]) * wp +
									(size_t)s * p->dil[2], wv, p->out[1], p->out[2],
									p->stride[1], p->stride[2], wp);
						}
				qdq_epilogue(acc, plane, mul[o], sh[o], p->yz, p->lo, p->hi,
					(int8_t *)out[0] + y0, p->yt);
			}
		}
	return AXRT_OK;
}

/* ---- gemm ---- */

AXRT_API axrt_status
axrt_qdq_gemm(const axrt_qdqgemm_params *p, const void *const *in, void *const *out, void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *mul = (const int32_t *)in[3];
	const int32_t *sh = (const int32_t *)in[4];

	(void)scratch;
	for (int32_t i = 0; i < p->m; i++)
		for (int32_t o = 0; o < p->n; o++) {
			int32_t v = bias ? bias[o] : 0;
			for (int32_t k = 0; k < p->k; k++) {
				int64_t a = p->trans_a ? (int64_t)k * p->m + i : (int64_t)i * p->k + k;
				v += (axrt_qdq_ld(in[0], p->xt, a) - p->xz) *
					qdq_wld(in[1], p->wt, (int64_t)o * p->k + k);
			}
			axrt_qdq_st(out[0], p->yt, (int64_t)i * p->n + o,
				axrt_qdq_out((int64_t)v * mul[o], sh[o], p->yz, p->lo, p->hi));
		}
	return AXRT_OK;
}

/* The dot product of k (x - z) codes with a row of int8 or int16
 * weights, one function per weight type so that each loop vectorizes. */
#define QDQ_DOT(fname, WT) \
	AXRT_PRIVATE int32_t \
	fname(const int16_t *restrict a, const WT *restrict w, int32_t k) \
	{ \
		int32_t s = 0; \
		for (int32_t i = 0; i < k; i++) \
			s += a[i] * w[i]; \
		return s; \
	}
QDQ_DOT(qdq_dot8, int8_t)
QDQ_DOT(qdq_dot16, int16_t)

AXRT_API axrt_status
axrt_qdq_gemm_fast(const axrt_qdqgemm_params *p, const void *const *in, void *const *out,
	void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *mul = (const int32_t *)in[3];
	const int32_t *sh = (const int32_t *)in[4];
	int16_t *a = (int16_t *)scratch;

	if (p->trans_a)
		return AXRT_EUNSUPPORTED;
	for (int32_t i = 0; i < p->m; i++) {
		for (int32_t k = 0; k < p->k; k++)
			a[k] = (int16_t)(axrt_qdq_ld(in[0], p->xt, (int64_t)i * p->k + k) - p->xz);
		for (int32_t o = 0; o < p->n; o++) {
			int32_t v = p->wt == AXRT_DT_INT16 ?
				qdq_dot16(a, (const int16_t *)in[1] + (size_t)o * p->k, p->k) :
				qdq_dot8(a, (const int8_t *)in[1] + (size_t)o * p->k, p->k);
			if (bias)
				v += bias[o];
			axrt_qdq_st(out[0], p->yt, (int64_t)i * p->n + o,
				axrt_qdq_out((int64_t)v * mul[o], sh[o], p->yz, p->lo, p->hi));
		}
	}
	return AXRT_OK;
}

/* ---- elementwise ---- */

AXRT_API axrt_status
axrt_qdq_requant(const axrt_qdqcvt_params *p, const void *const *in, void *const *out,
	void *scratch)
{
	(void)scratch;
	for (int64_t i = 0; i < p->n; i++)
		axrt_qdq_st(out[0], p->yt, i, axrt_qdq_out((int64_t)(axrt_qdq_ld(in[0], p->xt, i) -
			p->xz) * p->m0, p->shift, p->yz, p->lo, p->hi));
	return AXRT_OK;
}

AXRT_API axrt_status
axrt_qdq_add(const axrt_qdqbin_params *p, const void *const *in, void *const *out, void *scratch)
{
	int32_t idx[AXRT_MAXRANK] = {0};
	int64_t ia = 0, ib = 0, n = 1;

	(void)scratch;
	for (int32_t d = 0; d < p->rank; d++)
		n *= p->dims[d];
	for (int64_t i = 0; i < n; i++) {
		int64_t v = (int64_t)(axrt_qdq_ld(in[0], p->at, ia) - p->az) * p->ma +
			(int64_t)(axrt_qdq_ld(in[1], p->bt, ib) - p->bz) * p->mb;
		axrt_qdq_st(out[0], p->yt, i, axrt_qdq_out(v, p->shift, p->yz, p->lo, p->hi));
		axrt_bcast_next(p->rank, p->dims, p->a_str, p->b_str, idx, &ia, &ib);
	}
	return AXRT_OK;
}

/* ---- pooling ---- */

AXRT_API axrt_status
axrt_qdq_avgpool(const axrt_qdqpool_params *p, const void *const *in, void *const *out,
	void *scratch)
{
	int64_t i = 0, size = (int64_t)p->in[0] * p->in[1] * p->in[2];

	(void)scratch;
	for (int32_t c = 0; c < p->planes; c++)
		for (int32_t z = 0; z < p->out[0]; z++)
			for (int32_t y = 0; y < p->out[1]; y++)
				for (int32_t x = 0; x < p->out[2]; x++, i++) {
					int32_t s = 0;
					for (int32_t a = 0; a < p->k[0]; a++) {
						int32_t iz = z * p->stride[0] - p->pad[0] + a;
						for (int32_t r = 0; r < p->k[1]; r++) {
							int32_t iy = y * p->stride[1] - p->pad[1] + r;
							for (int32_t t = 0; t < p->k[2]; t++) {
								int32_t ix = x * p->stride[2] - p->pad[2] + t;
								if (iz < 0 || iz >= p->in[0] || iy < 0 || iy >= p->in[1] ||
								    ix < 0 || ix >= p->in[2])
									continue;
								s += axrt_qdq_ld(in[0], p->xt, c * size + ((int64_t)iz *
									p->in[1] + iy) * p->in[2] + ix) - p->xz;
							}
						}
					}
					axrt_qdq_st(out[0], p->yt, i, axrt_qdq_out((int64_t)s * p->m0,
						p->shift, p->yz, p->lo, p->hi));
				}
	return AXRT_OK;
}
