/* fx.c: kernels of the fx family -- integer (power-of-two fixed-point)
 * conversions, conv, gemm, pooling, Add/Mul, tables for Sigmoid/Tanh and
 * Softmax. The arithmetic is specified in axrt_fx.h; the reference kernels
 * come first, the int8 fast paths (fx_conv_i8, fx_conv_direct_i8,
 * fx_gemm_i8, fx_conv_wide_i8, and the int8 branches of the others)
 * after them, computing the same integers with int32 sums. */
#include "axrt.h"
#include "axrt_fx.h"
#include <stddef.h>
#include <string.h>
#if defined(__AVX2__)
#include <immintrin.h>      /* fx_wide_tile's vpmaddwd; portable C otherwise */
#endif
/* Out of line: the rarely taken paths of a kernel that gcc would otherwise
 * inline into it, so that the kernel stays small enough to be inlined into
 * a generated model with its constant parameters (the example CNN's 3x3
 * conv: 1.4x slower when not). */
#if defined(__GNUC__) || defined(__clang__)
#define FX_NOINLINE __attribute__((noinline))
#else
#define FX_NOINLINE
#endif

/* The conv/gemm epilogue of axrt_fx.h: accumulator v (bias included) with
 * requantization shift s becomes a saturated, clamped code. */
AXRT_PRIVATE int32_t
fx_epilogue(int64_t v, int32_t s, int32_t round, int32_t bits, int32_t act,
	int32_t lo, int32_t hi, int32_t alpha16)
{
	int32_t y;

	if (act == AXRT_ACT_LEAKYRELU && v < 0) {
		v = axrt_fx_shift(v * alpha16, s + 16, round);
		y = axrt_fx_sat(v, bits);
	} else
		y = axrt_fx_sat(axrt_fx_shift(v, s, round), bits);
	return y < lo ? lo : y > hi ? hi : y;
}

/* ---- conversions ---- */

/* One code of fx_quantize: x * scale clamped to [lo, hi] first (NaN
 * becomes lo; rounding is monotone and lo, hi are integers, so this is the
 * clamp after rounding), floored (the truncation, one less when it rounded
 * up), then up by one past the half or at a tie with an odd floor. No
 * branches and no floorf (which gcc does not vectorize). */
static inline AXRT_UNUSED int32_t
fx_qcode(float x, float scale, float lo, float hi, int32_t up)
{
	float r = x * scale, d;
	int32_t t, fl;

	r = r >= lo ? r : lo;
	r = r <= hi ? r : hi;
	t = (int32_t)r;
	fl = t - ((float)t > r);
	d = r - (float)fl;
	return fl + (up & ((d > 0.5f) | ((d == 0.5f) & fl)));
}

/* axrt_fixed_quant without its ldexpf and fmodf calls: x * 2^shift is the
 * same correctly rounded product (2^shift a normal float, |shift| <= 64
 * from the lowering). NaN (not allowed) gives the lowest code. The
 * parameters are read through a volatile: constant ones (generated code)
 * would let gcc turn the clamps into branches it does not vectorize. */
AXRT_API axrt_status
axrt_fx_quantize(const axrt_fxcvt_params *p, const void *const *in, void *const *out, void *scratch)
{
	const float *x = (const float *)in[0];
	int32_t qmax = (1 << (p->bits - 1)) - 1;
	volatile float v[3];
	float scale, lo, hi;
	int32_t up = p->round != AXRT_FIXED_TRUNC;
	int64_t n = p->n;

	(void)scratch;
	v[0] = ldexpf(1.0f, p->shift);
	v[1] = (float)(p->lo > -qmax - 1 ? p->lo : -qmax - 1);
	v[2] = (float)(p->hi < qmax ? p->hi : qmax);
	scale = v[0];
	lo = v[1];
	hi = v[2];
	if (p->yt == AXRT_DT_INT16) {
		int16_t *y = (int16_t *)out[0];
		for (int64_t i = 0; i < n; i++)
			y[i] = (int16_t)fx_qcode(x[i], scale, lo, hi, up);
	} else {
		int8_t *y = (int8_t *)out[0];
		for (int64_t i = 0; i < n; i++)
			y[i] = (int8_t)fx_qcode(x[i], scale, lo, hi, up);
	}
	return AXRT_OK;
}

/* q * 2^-shift as one float product: exact, as ldexpf, for codes of 16
 * bits and |shift| <= 64 (the lowering's range). */
AXRT_API axrt_status
axrt_fx_dequantize(const axrt_fxcvt_params *p, const void *const *in, void *const *out, void *scratch)
{
	float *y = (float *)out[0], scale = ldexpf(1.0f, -p->shift);

	(void)scratch;
	if (p->xt == AXRT_DT_INT16)
		for (int64_t i = 0; i < p->n; i++)
			y[i] = (float)((const int16_t *)in[0])[i] * scale;
	else
		for (int64_t i = 0; i < p->n; i++)
			y[i] = (float)((const int8_t *)in[0])[i] * scale;
	return AXRT_OK;
}

/* The int32 requantization of fx_epilogue_row for shifts -15..30 (codes
 * of 16 bits shifted left by at most 15 stay inside int32): round half to
 * even (up = 1) or floor, then the clamp. */
static inline AXRT_UNUSED int32_t
fx_rq32(int32_t v, int32_t s, int32_t up, int32_t lo, int32_t hi)
{
	int32_t q, r;

	if (s <= 0)
		q = v * (1 << -s);
	else {
		q = v >= 0 ? v >> s : ~(~v >> s);
		r = v & (int32_t)(((uint32_t)1 << s) - 1);
		q += (r + (q & 1) > (1 << (s - 1))) & up;
	}
	q = q > hi ? hi : q;
	return q < lo ? lo : q;
}

AXRT_API axrt_status
axrt_fx_requant(const axrt_fxcvt_params *p, const void *const *in, void *const *out, void *scratch)
{
	int32_t qmax = (1 << (p->bits - 1)) - 1, up = p->round != AXRT_FIXED_TRUNC, s = p->shift;
	int32_t lo = p->lo > -qmax - 1 ? p->lo : -qmax - 1, hi = p->hi < qmax ? p->hi : qmax;

	(void)scratch;
	if (s >= -15 && s <= 30 && p->xt == AXRT_DT_INT8 && p->yt == AXRT_DT_INT8) {
		const int8_t *x = (const int8_t *)in[0];
		int8_t *y = (int8_t *)out[0];
		for (int64_t i = 0; i < p->n; i++)
			y[i] = (int8_t)fx_rq32(x[i], s, up, lo, hi);
		return AXRT_OK;
	}
	for (int64_t i = 0; i < p->n; i++) {
		int64_t v = axrt_fx_ld(in[0], p->xt, i);
		axrt_fx_st(out[0], p->yt, i, fx_epilogue(v, p->shift, p->round, p->bits,
			AXRT_ACT_NONE, p->lo, p->hi, 0));
	}
	return AXRT_OK;
}

AXRT_API axrt_status
axrt_fx_leakyrelu(const axrt_fxcvt_params *p, const void *const *in, void *const *out, void *scratch)
{
	(void)scratch;
	for (int64_t i = 0; i < p->n; i++) {
		int64_t v = axrt_fx_ld(in[0], p->xt, i);
		axrt_fx_st(out[0], p->yt, i, fx_epilogue(v, p->shift, p->round, p->bits,
			AXRT_ACT_LEAKYRELU, p->lo, p->hi, p->alpha16));
	}
	return AXRT_OK;
}

/* ---- conv and gemm, reference ---- */

/* One output of the reference conv: image b, channel o, position (z, y, x). */
AXRT_PRIVATE int64_t
fx_conv_sum(const axrt_fxconv_params *p, const void *x, const void *w, int32_t b, int32_t o,
	int32_t z, int32_t y, int32_t xx)
{
	int32_t cg = p->c / p->group, g = o / (p->m / p->group);
	int64_t acc = 0, e = (int64_t)o * p->kp;

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
					acc += (int64_t)axrt_fx_ld(x, p->xt,
						((plane + iz) * p->in[1] + iy) * p->in[2] + ix) *
						axrt_fx_wld(w, p->wbits, e);
				}
			}
		}
	}
	return acc;
}

AXRT_API axrt_status
axrt_fx_conv(const axrt_fxconv_params *p, const void *const *in, void *const *out, void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *sh = (const int32_t *)in[3];
	int64_t i = 0;

	(void)scratch;
	for (int32_t b = 0; b < p->n; b++)
		for (int32_t o = 0; o < p->m; o++)
			for (int32_t z = 0; z < p->out[0]; z++)
				for (int32_t y = 0; y < p->out[1]; y++)
					for (int32_t x = 0; x < p->out[2]; x++, i++) {
						int64_t v = fx_conv_sum(p, in[0], in[1], b, o, z, y, x);
						if (bias)
							v += bias[o];
						axrt_fx_st(out[0], p->yt, i, fx_epilogue(v, sh[o], p->round,
							p->ybits, p->act, p->lo, p->hi, p->alpha16));
					}
	return AXRT_OK;
}

AXRT_API axrt_status
axrt_fx_gemm(const axrt_fxgemm_params *p, const void *const *in, void *const *out, void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *sh = (const int32_t *)in[3];

	(void)scratch;
	for (int32_t i = 0; i < p->m; i++)
		for (int32_t o = 0; o < p->n; o++) {
			int64_t v = bias ? bias[o] : 0;
			for (int32_t k = 0; k < p->k; k++) {
				int64_t a = p->trans_a ? (int64_t)k * p->m + i : (int64_t)i * p->k + k;
				v += (int64_t)axrt_fx_ld(in[0], p->xt, a) *
					axrt_fx_wld(in[1], p->wbits, (int64_t)o * p->kp + k);
			}
			axrt_fx_st(out[0], p->yt, (int64_t)i * p->n + o, fx_epilogue(v, sh[o], p->round,
				p->ybits, p->act, p->lo, p->hi, p->alpha16));
		}
	return AXRT_OK;
}

/* ---- pooling ---- */

/* Positions j in [0, count) with 0 <= off + j * s < limit: [*lo, *hi). */
AXRT_PRIVATE void
fx_span(int32_t off, int32_t s, int32_t limit, int32_t count, int32_t *lo, int32_t *hi)
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

/* s * 2^-shift / cnt rounded as axrt_fx_shift rounds (cnt >= 1): the
 * quotient of the exact rational, half to even or floor. */
AXRT_PRIVATE int64_t
fx_div_round(int64_t s, int32_t shift, int64_t cnt, int32_t round)
{
	int64_t num = s, den = cnt, q, r;

	if (shift < 0)
		num = axrt_fx_shift(s, shift, round);      /* exact (saturating) */
	else
		den = cnt << shift;                        /* shift <= 30 (lowering) */
	if (num >= -INT32_MAX && num <= INT32_MAX && den <= INT32_MAX) {
		q = (int32_t)num / (int32_t)den;           /* the same quotient, a cheaper divide */
		r = (int32_t)num % (int32_t)den;
	} else {
		q = num / den;
		r = num % den;
	}
	if (r < 0) {                                   /* floor */
		q--;
		r += den;
	}
	if (round == AXRT_FIXED_TRUNC)
		return q;
	if (2 * r > den || (2 * r == den && (q & 1)))
		q++;
	return q;
}

AXRT_PRIVATE axrt_status
fx_pool(const axrt_fxpool_params *p, const void *x, void *y, int max)
{
	int64_t i = 0, plane = (int64_t)p->in[0] * p->in[1] * p->in[2];
	int32_t lowest = -(1 << 15);

	for (int32_t pl = 0; pl < p->planes; pl++)
		for (int32_t a = 0; a < p->out[0]; a++)
			for (int32_t b = 0; b < p->out[1]; b++)
				for (int32_t c = 0; c < p->out[2]; c++, i++) {
					int32_t st[3] = {a * p->stride[0] - p->pad[0], b * p->stride[1] - p->pad[1],
						c * p->stride[2] - p->pad[2]}, lo[3], hi[3];
					int64_t s = 0, cnt = 1;
					int32_t m = lowest, v;
					for (int d = 0; d < 3; d++)
						fx_span(st[d], p->dil[d], p->in[d], p->k[d], &lo[d], &hi[d]);
					for (int32_t j0 = lo[0]; j0 < hi[0]; j0++)
						for (int32_t j1 = lo[1]; j1 < hi[1]; j1++)
							for (int32_t j2 = lo[2]; j2 < hi[2]; j2++) {
								int64_t e = pl * plane + ((int64_t)(st[0] + j0 * p->dil[0]) *
									p->in[1] + st[1] + j1 * p->dil[1]) * p->in[2] +
									st[2] + j2 * p->dil[2];
								v = axrt_fx_ld(x, p->xt, e);
								s += v;
								m = v > m ? v : m;
							}
					if (max) {
						axrt_fx_st(y, p->yt, i, fx_epilogue(m, p->shift, p->round, p->ybits,
							AXRT_ACT_NONE, p->lo, p->hi, 0));
						continue;
					}
					for (int d = 0; d < 3; d++) {
						int32_t l2, h2;
						if (p->count_include_pad)
							fx_span(st[d] + p->pad[d], p->dil[d],
								p->in[d] + p->pad[d] + p->pad_end[d], p->k[d], &l2, &h2);
						else {
							l2 = lo[d];
							h2 = hi[d];
						}
						cnt *= h2 - l2;
					}
					v = cnt ? axrt_fx_sat(fx_div_round(s, p->shift, cnt, p->round), p->ybits) : 0;
					axrt_fx_st(y, p->yt, i, v < p->lo ? p->lo : v > p->hi ? p->hi : v);
				}
	return AXRT_OK;
}

/* MaxPool of int8 codes in 1 or 2 spatial dims with every window inside
 * the input and no format change: the plain maximum. */
AXRT_PRIVATE int
fx_maxpool_i8(const axrt_fxpool_params *p, const int8_t *x, int8_t *y)
{
	int64_t plane = (int64_t)p->in[1] * p->in[2];

	if (p->xt != AXRT_DT_INT8 || p->yt != AXRT_DT_INT8 || p->shift != 0 || p->lo > -128 ||
	    p->hi < 127 || p->ybits != 8 || p->in[0] != 1 || p->k[0] != 1 || p->out[0] != 1 ||
	    p->pad[1] || p->pad[2] || p->dil[1] != 1 || p->dil[2] != 1 ||
	    (p->out[1] - 1) * p->stride[1] + p->k[1] > p->in[1] ||
	    (p->out[2] - 1) * p->stride[2] + p->k[2] > p->in[2])
		return 0;
	if (p->k[1] == 3 && p->k[2] == 3) {     /* 3x3 windows, any stride */
		for (int32_t pl = 0; pl < p->planes; pl++, x += plane)
			for (int32_t oy = 0; oy < p->out[1]; oy++)
				for (int32_t ox = 0; ox < p->out[2]; ox++) {
					const int8_t *r0 = x + (int64_t)oy * p->stride[1] * p->in[2] + ox * p->stride[2];
					const int8_t *r1 = r0 + p->in[2], *r2 = r1 + p->in[2];
					int8_t a = r0[0] > r0[1] ? r0[0] : r0[1], b = r1[0] > r1[1] ? r1[0] : r1[1];
					int8_t c = r2[0] > r2[1] ? r2[0] : r2[1];
					a = r0[2] > a ? r0[2] : a;
					b = r1[2] > b ? r1[2] : b;
					c = r2[2] > c ? r2[2] : c;
					a = b > a ? b : a;
					*y++ = c > a ? c : a;
				}
		return 1;
	}
	if (p->k[1] == 2 && p->k[2] == 2 && p->stride[1] == 2 && p->stride[2] == 2) {
		for (int32_t pl = 0; pl < p->planes; pl++, x += plane)   /* the common 2x2 */
			for (int32_t oy = 0; oy < p->out[1]; oy++, y += p->out[2]) {
				const int8_t *r0 = x + (int64_t)2 * oy * p->in[2], *r1 = r0 + p->in[2];
				int32_t ox = 0;
#if defined(__AVX2__)
				/* 8 outputs from 16 codes of each row while the reads
				 * stay in the plane: the rows' maximum, then that of the
				 * even and odd codes, sign-extended to int16 */
				for (; ox + 8 <= p->out[2] && (r1 - x) + 2 * ox + 16 <= plane; ox += 8) {
					__m128i v = _mm_max_epi8(_mm_loadu_si128((const __m128i *)(r0 + 2 * ox)),
						_mm_loadu_si128((const __m128i *)(r1 + 2 * ox)));
					__m128i m = _mm_max_epi16(_mm_srai_epi16(_mm_slli_epi16(v, 8), 8),
						_mm_srai_epi16(v, 8));
					_mm_storel_epi64((__m128i *)(y + ox), _mm_packs_epi16(m, m));
				}
#endif
				for (; ox < p->out[2]; ox++) {
					int8_t a = r0[2 * ox] > r0[2 * ox + 1] ? r0[2 * ox] : r0[2 * ox + 1];
					int8_t b = r1[2 * ox] > r1[2 * ox + 1] ? r1[2 * ox] : r1[2 * ox + 1];
					y[ox] = a > b ? a : b;
				}
			}
		return 1;
	}
	for (int32_t pl = 0; pl < p->planes; pl++, x += plane)
		for (int32_t oy = 0; oy < p->out[1]; oy++)
			for (int32_t ox = 0; ox < p->out[2]; ox++) {
				const int8_t *w = x + (int64_t)oy * p->stride[1] * p->in[2] + ox * p->stride[2];
				int8_t m = w[0];
				for (int32_t r = 0; r < p->k[1]; r++)
					for (int32_t c = 0; c < p->k[2]; c++)
						m = w[r * p->in[2] + c] > m ? w[r * p->in[2] + c] : m;
				*y++ = m;
			}
	return 1;
}

AXRT_API axrt_status
axrt_fx_maxpool(const axrt_fxpool_params *p, const void *const *in, void *const *out, void *scratch)
{
	(void)scratch;
	if (fx_maxpool_i8(p, (const int8_t *)in[0], (int8_t *)out[0]))
		return AXRT_OK;
	return fx_pool(p, in[0], out[0], 1);
}

AXRT_API axrt_status
axrt_fx_avgpool(const axrt_fxpool_params *p, const void *const *in, void *const *out, void *scratch)
{
	(void)scratch;
	return fx_pool(p, in[0], out[0], 0);
}

AXRT_API axrt_status
axrt_fx_globalavgpool(const axrt_fxgpool_params *p, const void *const *in, void *const *out,
	void *scratch)
{
	(void)scratch;
	for (int32_t pl = 0; pl < p->planes; pl++) {
		int64_t s = 0, base = (int64_t)pl * p->size;
		if (p->xt == AXRT_DT_INT8 && p->size <= (1 << 23)) {   /* int32 sums suffice */
			const int8_t *x = (const int8_t *)in[0] + base;
			int32_t s32 = 0, i = 0;
#if defined(__AVX2__)
			/* 16 codes at a time: x + 128 as bytes, summed by vpsadbw
			 * against 0; the last 1..15 from the 16 that end the plane,
			 * those before them masked off; then 128 per code back (the
			 * byte sums stay below 2^30) */
			if (p->size >= 16 && p->size <= (1 << 22)) {
				__m128i acc = _mm_setzero_si128(), sg = _mm_set1_epi8((char)0x80);
				for (; i + 16 <= p->size; i += 16)
					acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_xor_si128(
						_mm_loadu_si128((const __m128i *)(x + i)), sg), _mm_setzero_si128()));
				if (i < p->size) {
					__m128i keep = _mm_cmpgt_epi8(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
						12, 13, 14, 15), _mm_set1_epi8((char)(15 - (p->size - i))));
					acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_and_si128(_mm_xor_si128(
						_mm_loadu_si128((const __m128i *)(x + p->size - 16)), sg), keep),
						_mm_setzero_si128()));
				}
				s32 = _mm_cvtsi128_si32(acc) + _mm_extract_epi32(acc, 2) - 128 * p->size;
				i = p->size;
			}
#endif
			for (; i < p->size; i++)
				s32 += x[i];
			s = s32;
		} else
			for (int32_t i = 0; i < p->size; i++)
				s += axrt_fx_ld(in[0], p->xt, base + i);
		axrt_fx_st(out[0], p->yt, pl,
			axrt_fx_sat(fx_div_round(s, p->shift, p->size, p->round), p->ybits));
	}
	return AXRT_OK;
}

AXRT_API axrt_status
axrt_fx_globalmaxpool(const axrt_fxgpool_params *p, const void *const *in, void *const *out,
	void *scratch)
{
	(void)scratch;
	for (int32_t pl = 0; pl < p->planes; pl++) {
		int64_t base = (int64_t)pl * p->size;
		int32_t m = axrt_fx_ld(in[0], p->xt, base);
		for (int32_t i = 1; i < p->size; i++) {
			int32_t v = axrt_fx_ld(in[0], p->xt, base + i);
			m = v > m ? v : m;
		}
		axrt_fx_st(out[0], p->yt, pl, axrt_fx_sat(axrt_fx_shift(m, p->shift, p->round), p->ybits));
	}
	return AXRT_OK;
}

/* ---- Add, Mul ---- */

/* Add/Mul of int8 codes where a covers the output contiguously and b
 * either does too or is constant over the trailing `inner` elements
 * (numpy broadcasting of a per-channel operand): int32 arithmetic (codes
 * shifted left by at most 15, products of 8-bit codes), then fx_rq32.
 * Returns 0 when the shapes or shifts do not fit. */
AXRT_PRIVATE int
fx_binary_i8(const axrt_fxbin_params *p, const int8_t *a, const int8_t *b, int8_t *y, int mul)
{
	int64_t total = 1, inner = 1, sa = 1;
	int32_t up = p->round != AXRT_FIXED_TRUNC, d, k;

	if (p->at != AXRT_DT_INT8 || p->bt != AXRT_DT_INT8 || p->yt != AXRT_DT_INT8 ||
	    p->sa < 0 || p->sb < 0 || p->sa > 15 || p->sb > 15 || p->shift < -15 || p->shift > 30)
		return 0;
	/* fx_rq32 shifts left by -shift in int32: the largest |v| must stay
	 * below 2^31 after it (the general path works in int64) */
	if (p->shift < 0 && (mul ? (int64_t)128 * 128 : ((int64_t)128 << p->sa) + ((int64_t)128 << p->sb))
	    > ((int64_t)INT32_MAX >> -p->shift))
		return 0;
	for (d = p->rank - 1; d >= 0; sa *= p->dims[d--])
		if (p->a_str[d] != sa && p->dims[d] != 1)
			return 0;                     /* a is not the whole output */
	for (d = 0; d < p->rank; d++)
		total *= p->dims[d];
	for (k = p->rank; k > 0 && (p->b_str[k - 1] == 0 || p->dims[k - 1] == 1); k--)
		inner *= p->dims[k - 1];         /* b constant over dims [k, rank) */
	for (d = k - 1, sa = 1; d >= 0; sa *= p->dims[d--])
		if (p->b_str[d] != sa && p->dims[d] != 1)
			return 0;                     /* b not contiguous over [0, k) */
	for (int64_t o = 0; o < total; o += inner) {
		const int8_t *ar = a + o;
		int8_t *yr = y + o;
		if (inner == 1 && k == p->rank) {  /* same shapes: one flat run */
			int64_t i = 0;
#if defined(__AVX2__)
			/* Add, 32 at a time: fx_rq32's operations lane by lane
			 * (shift 0: the mask 0 and an unreachable half keep v),
			 * packed to int8 with saturation, then clamped (lo, hi lie
			 * in the int8 range); all 32 codes are read before any is
			 * written, as the scalar loop reads before it writes */
			if (!mul && p->shift == 0 && p->sa == 0 && p->sb == 0) {
				/* a plain sum: int8 saturation, then the clamp (lo, hi
				 * inside the int8 range), 32 codes at a time */
				__m256i vlo = _mm256_set1_epi8((int8_t)p->lo), vhi = _mm256_set1_epi8((int8_t)p->hi);
				for (; i + 32 <= total; i += 32)
					_mm256_storeu_si256((__m256i *)(yr + i), _mm256_max_epi8(_mm256_min_epi8(
						_mm256_adds_epi8(_mm256_loadu_si256((const __m256i *)(ar + i)),
						_mm256_loadu_si256((const __m256i *)(b + i))), vhi), vlo));
			} else if (!mul && p->shift >= 0) {
				int32_t s = p->shift;
				__m128i ca = _mm_cvtsi32_si128(p->sa), cb = _mm_cvtsi32_si128(p->sb);
				__m128i cs = _mm_cvtsi32_si128(s);
				__m256i vm = _mm256_set1_epi32(s ? (int32_t)(((uint32_t)1 << s) - 1) : 0);
				__m256i vh = _mm256_set1_epi32(s ? (int32_t)1 << (s - 1) : INT32_MAX);
				__m256i vu = _mm256_set1_epi32(-up), one = _mm256_set1_epi32(1);
				__m256i vlo = _mm256_set1_epi8((int8_t)p->lo), vhi = _mm256_set1_epi8((int8_t)p->hi);
				__m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
				for (; i + 32 <= total; i += 32) {
					__m256i q[4], t, r;
					for (int j = 0; j < 4; j++) {
						t = _mm256_add_epi32(
							_mm256_sll_epi32(_mm256_cvtepi8_epi32(
								_mm_loadl_epi64((const __m128i *)(ar + i + 8 * j))), ca),
							_mm256_sll_epi32(_mm256_cvtepi8_epi32(
								_mm_loadl_epi64((const __m128i *)(b + i + 8 * j))), cb));
						r = _mm256_and_si256(t, vm);
						t = _mm256_sra_epi32(t, cs);
						r = _mm256_add_epi32(r, _mm256_and_si256(t, one));
						q[j] = _mm256_sub_epi32(t, _mm256_and_si256(_mm256_cmpgt_epi32(r, vh), vu));
					}
					t = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
					t = _mm256_permutevar8x32_epi32(t, perm);
					_mm256_storeu_si256((__m256i *)(yr + i), _mm256_max_epi8(_mm256_min_epi8(t, vhi), vlo));
				}
			}
#endif
			for (; i < total; i++) {
				int32_t v = mul ? ar[i] * b[i] : ar[i] * (1 << p->sa) + b[i] * (1 << p->sb);
				yr[i] = (int8_t)fx_rq32(v, p->shift, up, p->lo, p->hi);
			}
			return 1;
		}
		int32_t bv = b[o / inner], bs = mul ? bv : bv * (1 << p->sb);
		for (int64_t i = 0; i < inner; i++) {
			int32_t v = mul ? ar[i] * bs : ar[i] * (1 << p->sa) + bs;
			yr[i] = (int8_t)fx_rq32(v, p->shift, up, p->lo, p->hi);
		}
	}
	return 1;
}

AXRT_PRIVATE axrt_status
fx_binary(const axrt_fxbin_params *p, const void *const *in, void *const *out, int mul)
{
	int64_t total = 1, ia = 0, ib = 0;
	int32_t idx[AXRT_MAXRANK] = {0};

	if (fx_binary_i8(p, (const int8_t *)in[0], (const int8_t *)in[1], (int8_t *)out[0], mul))
		return AXRT_OK;
	for (int d = 0; d < p->rank; d++)
		total *= p->dims[d];
	for (int64_t i = 0; i < total; i++) {
		int64_t a = axrt_fx_ld(in[0], p->at, ia), b = axrt_fx_ld(in[1], p->bt, ib), v;
		v = mul ? a * b : axrt_fx_shift(a, -p->sa, 0) + axrt_fx_shift(b, -p->sb, 0);
		axrt_fx_st(out[0], p->yt, i, fx_epilogue(v, p->shift, p->round, p->ybits,
			AXRT_ACT_NONE, p->lo, p->hi, 0));
		axrt_bcast_next(p->rank, p->dims, p->a_str, p->b_str, idx, &ia, &ib);
	}
	return AXRT_OK;
}

AXRT_API axrt_status
axrt_fx_add(const axrt_fxbin_params *p, const void *const *in, void *const *out, void *scratch)
{
	(void)scratch;
	return fx_binary(p, in, out, 0);
}

AXRT_API axrt_status
axrt_fx_mul(const axrt_fxbin_params *p, const void *const *in, void *const *out, void *scratch)
{
	(void)scratch;
	return fx_binary(p, in, out, 1);
}

/* ---- tables ---- */

AXRT_API axrt_status
axrt_fx_lut(const axrt_fxlut_params *p, const void *const *in, void *const *out, void *scratch)
{
	const int16_t *t = (const int16_t *)in[1];
	int32_t xmin = -(1 << (p->xbits - 1));

	(void)scratch;
	for (int64_t i = 0; i < p->n; i++) {
		int32_t u = axrt_fx_ld(in[0], p->xt, i) - xmin, y;
		if (p->step == 0)
			y = t[u];
		else {
			int32_t j = u >> p->step, r = u & ((1 << p->step) - 1);
			y = axrt_fx_sat(t[j] + axrt_fx_shift((int64_t)(t[j + 1] - t[j]) * r, p->step,
				AXRT_FIXED_NEAREST), p->ybits);
		}
		axrt_fx_st(out[0], p->yt, i, y);
	}
	return AXRT_OK;
}

AXRT_API axrt_status
axrt_fx_softmax(const axrt_fxlut_params *p, const void *const *in, void *const *out, void *scratch)
{
	const uint16_t *e = (const uint16_t *)in[1];

	(void)scratch;
	for (int32_t o = 0; o < p->outer; o++)
		for (int32_t j = 0; j < p->inner; j++) {
			int64_t base = (int64_t)o * p->len * p->inner + j;
			int32_t mx = axrt_fx_ld(in[0], p->xt, base);
			uint64_t s = 0;
			for (int32_t i = 1; i < p->len; i++) {
				int32_t v = axrt_fx_ld(in[0], p->xt, base + (int64_t)i * p->inner);
				mx = v > mx ? v : mx;
			}
			for (int32_t i = 0; i < p->len; i++) {
				int32_t d = (mx - axrt_fx_ld(in[0], p->xt, base + (int64_t)i * p->inner)) >> p->step;
				s += e[d < p->nexp ? d : p->nexp - 1];
			}
			for (int32_t i = 0; i < p->len; i++) {
				int64_t a = base + (int64_t)i * p->inner;
				int32_t d = (mx - axrt_fx_ld(in[0], p->xt, a)) >> p->step;
				uint64_t num = (uint64_t)e[d < p->nexp ? d : p->nexp - 1] << p->yfrac;
				uint64_t q = num / s, r = num % s;
				if (2 * r > s || (2 * r == s && (q & 1)))
					q++;
				axrt_fx_st(out[0], p->yt, a, axrt_fx_sat((int64_t)q, p->ybits));
			}
		}
	return AXRT_OK;
}

/* ---- int8 fast paths ---- */

/* Dot products of 4 int8 weight rows with 3 (or 1) int16 rows, kp
 * elements (a multiple of AXRT_FX_KB): acc[r * 3 + j] (acc[r]). Products
 * fit int16 x int16 -> int32 and the sums int32 (the lowering's bound), so
 * gcc -O3 vectorizes each sum as vpmovsxbw + vpmaddwd + vpaddd. */
AXRT_PRIVATE void
fx_dot4x3(int32_t kp, const int8_t *restrict w0, const int8_t *restrict w1,
	const int8_t *restrict w2, const int8_t *restrict w3, const int16_t *restrict x0,
	const int16_t *restrict x1, const int16_t *restrict x2, int32_t *restrict acc, int32_t cs)
{
	int32_t s00 = 0, s01 = 0, s02 = 0, s10 = 0, s11 = 0, s12 = 0;
	int32_t s20 = 0, s21 = 0, s22 = 0, s30 = 0, s31 = 0, s32 = 0;

	for (int32_t k = 0; k < kp; k++) {
		s00 += w0[k] * x0[k]; s01 += w0[k] * x1[k]; s02 += w0[k] * x2[k];
		s10 += w1[k] * x0[k]; s11 += w1[k] * x1[k]; s12 += w1[k] * x2[k];
		s20 += w2[k] * x0[k]; s21 += w2[k] * x1[k]; s22 += w2[k] * x2[k];
		s30 += w3[k] * x0[k]; s31 += w3[k] * x1[k]; s32 += w3[k] * x2[k];
	}
	acc[0] = s00; acc[1] = s01; acc[2] = s02;
	acc[cs] = s10; acc[cs + 1] = s11; acc[cs + 2] = s12;
	acc[2 * cs] = s20; acc[2 * cs + 1] = s21; acc[2 * cs + 2] = s22;
	acc[3 * cs] = s30; acc[3 * cs + 1] = s31; acc[3 * cs + 2] = s32;
}

AXRT_PRIVATE void
fx_dot4x1(int32_t kp, const int8_t *restrict w0, const int8_t *restrict w1,
	const int8_t *restrict w2, const int8_t *restrict w3, const int16_t *restrict x0,
	int32_t *restrict acc, int32_t cs)
{
	int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;

	for (int32_t k = 0; k < kp; k++) {
		s0 += w0[k] * x0[k]; s1 += w1[k] * x0[k];
		s2 += w2[k] * x0[k]; s3 += w3[k] * x0[k];
	}
	acc[0] = s0; acc[cs] = s1; acc[2 * cs] = s2; acc[3 * cs] = s3;
}

/* The n codes of 4- or 2-bit storage b (ORDER FX_WPACK) into d, as type T:
 * loops over the bytes, which gcc vectorizes (one over the codes, k += 2
 * with b[k >> 1], it left scalar: the 4-bit classifier of a pruned VGG
 * took 10x its 8-bit time). */
#define FX_UNPACK(b, wbits, n, d, T) do { \
	if ((wbits) == 4) \
		for (int64_t i_ = 0; i_ < (n) / 2; i_++) { \
			(d)[2 * i_] = (T)((((b)[i_] & 15) ^ 8) - 8); \
			(d)[2 * i_ + 1] = (T)((((b)[i_] >> 4) ^ 8) - 8); \
		} \
	else \
		for (int64_t i_ = 0; i_ < (n) / 4; i_++) \
			for (int32_t j_ = 0; j_ < 4; j_++) \
				(d)[4 * i_ + j_] = (T)(((((b)[i_] >> (2 * j_)) & 3) ^ 2) - 2); \
} while (0)

/* Row `row` of the weights as int8: in place for wbits 8, else unpacked
 * (ORDER FX_WPACK) into buf. */
AXRT_PRIVATE const int8_t *
fx_wrow(const void *w, int32_t wbits, int32_t kp, int64_t row, int8_t *buf)
{
	const uint8_t *restrict b = (const uint8_t *)w + row * kp * wbits / 8;
	int8_t *restrict d = buf;

	if (wbits == 8)
		return (const int8_t *)w + row * kp;
	FX_UNPACK(b, wbits, kp, d, int8_t);
	return buf;
}

/* Pointers to weight rows o0..o0+3 of group g (rows past mg repeat the
 * last one; their sums are not stored). */
AXRT_PRIVATE void
fx_wtile(const void *w, int32_t wbits, int32_t kp, int64_t first, int32_t nrow, int8_t *buf,
	const int8_t **r)
{
	for (int32_t i = 0; i < AXRT_FX_MR; i++)
		r[i] = i < nrow ? fx_wrow(w, wbits, kp, first + i,
			buf ? buf + (size_t)i * kp : NULL) : r[nrow - 1];   /* 8-bit rows need no buf */
}

AXRT_PRIVATE void *
fx_align(void *p)
{
	return (void *)(((uintptr_t)p + 63u) & ~(uintptr_t)63u);
}

/* The im2col rows of positions p0..p0+nb of group input xg (cg planes):
 * row j holds x at the K kernel taps of position p0 + j, 0 in the
 * padding and past K. */
AXRT_PRIVATE void
fx_im2col(const axrt_fxconv_params *p, const int8_t *xg, int32_t p0, int32_t nb, int32_t kk,
	int16_t *xc)
{
	int32_t cg = p->c / p->group, o12 = p->out[1] * p->out[2];
	int64_t plane = (int64_t)p->in[0] * p->in[1] * p->in[2];

	for (int32_t j = 0; j < nb; j++) {
		int16_t *row = xc + (size_t)j * p->kp;
		int32_t q = p0 + j, z0, y0, x0, e = 0;
		z0 = q / o12 * p->stride[0] - p->pad[0];
		y0 = q % o12 / p->out[2] * p->stride[1] - p->pad[1];
		x0 = q % p->out[2] * p->stride[2] - p->pad[2];
		if (z0 >= 0 && z0 + (p->k[0] - 1) * p->dil[0] < p->in[0] && y0 >= 0 &&
		    y0 + (p->k[1] - 1) * p->dil[1] < p->in[1] && x0 >= 0 &&
		    x0 + (p->k[2] - 1) * p->dil[2] < p->in[2]) {
			/* the whole window inside x: no checks */
			for (int32_t ci = 0; ci < cg; ci++)
				for (int32_t a = 0; a < p->k[0]; a++)
					for (int32_t r = 0; r < p->k[1]; r++) {
						const int8_t *src = xg + ci * plane + ((int64_t)(z0 + a * p->dil[0]) *
							p->in[1] + y0 + r * p->dil[1]) * p->in[2] + x0;
						if (p->k[2] == 3 && p->dil[2] == 1) {
							row[e] = src[0];
							row[e + 1] = src[1];
							row[e + 2] = src[2];
							e += 3;
						} else
							for (int32_t s = 0; s < p->k[2]; s++)
								row[e++] = src[s * p->dil[2]];
					}
			for (; e < p->kp; e++)
				row[e] = 0;
			continue;
		}
		for (int32_t ci = 0; ci < cg; ci++)
			for (int32_t a = 0; a < p->k[0]; a++) {
				int32_t iz = z0 + a * p->dil[0];
				for (int32_t r = 0; r < p->k[1]; r++) {
					int32_t iy = y0 + r * p->dil[1];
					const int8_t *src = xg + ci * plane + ((int64_t)iz * p->in[1] + iy) * p->in[2];
					int inside = iz >= 0 && iz < p->in[0] && iy >= 0 && iy < p->in[1];
					for (int32_t s = 0; s < p->k[2]; s++, e++) {
						int32_t ix = x0 + s * p->dil[2];
						row[e] = (int16_t)(inside && ix >= 0 && ix < p->in[2] ? src[ix] : 0);
					}
				}
			}
		for (; e < p->kp; e++)
			row[e] = 0;
	}
	(void)kk;
}

/* Rows r0..r0+hb of the cg planes of group input xg zero-padded as int8
 * (hb x wp each, the 2-D geometry: in[0] == 1), so that fx_im2col_2d
 * reads without checks. */
AXRT_PRIVATE void
fx_pad_planes(const axrt_fxconv_params *p, const int8_t *xg, int32_t cg, int32_t r0, int32_t hp,
	int32_t wp, int8_t *pad)
{
	int64_t plane = (int64_t)p->in[1] * p->in[2];

	for (int32_t ci = 0; ci < cg; ci++)
		for (int32_t i = 0; i < hp; i++) {
			int32_t iy = r0 + i - p->pad[1], j = 0, a = p->pad[2], e = a + p->in[2];
			int8_t *d = pad + ((int64_t)ci * hp + i) * wp;
			const int8_t *src = xg + ci * plane + (int64_t)iy * p->in[2] - a;
			if (iy < 0 || iy >= p->in[1])
				a = e = 0;        /* a padding row */
			e = e < wp ? e : wp;
			for (; j < a && j < wp; j++)
				d[j] = 0;
			for (; j < e; j++)
				d[j] = src[j];
			for (; j < wp; j++)
				d[j] = 0;
		}
}

/* fx_im2col from the padded planes of fx_pad_planes, whose first row is
 * that of output row oy0. */
AXRT_PRIVATE void
fx_im2col_2d(const axrt_fxconv_params *p, const int8_t *pad, int32_t cg, int32_t hp, int32_t wp,
	int32_t oy0, int32_t p0, int32_t nb, int16_t *xc)
{
	int64_t pp = (int64_t)hp * wp;

	if (p->k[1] == 1 && p->k[2] == 1) {   /* 1x1: a transposition, channel by channel */
		int32_t off[AXRT_FX_NB];
		for (int32_t j = 0; j < nb; j++)
			off[j] = ((p0 + j) / p->out[2] - oy0) * p->stride[1] * wp + (p0 + j) % p->out[2] * p->stride[2];
		for (int32_t ci = 0; ci < cg; ci++) {
			const int8_t *src = pad + ci * pp;
			for (int32_t j = 0; j < nb; j++)
				xc[(size_t)j * p->kp + ci] = src[off[j]];
		}
		for (int32_t j = 0; j < nb; j++)
			for (int32_t e = cg; e < p->kp; e++)
				xc[(size_t)j * p->kp + e] = 0;
		return;
	}

	for (int32_t j = 0; j < nb; j++) {
		int16_t *row = xc + (size_t)j * p->kp;
		int32_t q = p0 + j, e = 0;
		const int8_t *base = pad + (int64_t)(q / p->out[2] - oy0) * p->stride[1] * wp +
			(q % p->out[2]) * p->stride[2];
		if (p->k[2] <= 8 && p->dil[2] == 1) {
			/* up to 8 taps per kernel row, moved 8 at a time (one load, one
			 * widening store): the extra elements are overwritten by the
			 * next move or the zeros below, or land in the next row (built
			 * after this one) or in the scratch slack past the rows, and the
			 * extra bytes read lie inside the scratch (ORDER FX_SLACK) */
			for (int32_t ci = 0; ci < cg; ci++)
				for (int32_t r = 0; r < p->k[1]; r++) {
					int8_t t8[8];
					memcpy(t8, base + ci * pp + (int64_t)r * p->dil[1] * wp, 8);
					for (int32_t u = 0; u < 8; u++)
						row[e + u] = t8[u];
					e += p->k[2];
				}
		} else
			for (int32_t ci = 0; ci < cg; ci++)
				for (int32_t r = 0; r < p->k[1]; r++) {
					const int8_t *src = base + ci * pp + (int64_t)r * p->dil[1] * wp;
					for (int32_t s = 0; s < p->k[2]; s++)
						row[e++] = src[s * p->dil[2]];
				}
		for (; e < p->kp; e++)
			row[e] = 0;
	}
}

/* Stores the sums of a 4-channel tile for one position: channel o0 + r
 * (r < nrow) of output element base + r * stride. */
AXRT_PRIVATE void
fx_store4(const axrt_fxconv_params *p, const int32_t *bias, const int32_t *sh, int32_t o0,
	int32_t nrow, const int32_t *acc, int32_t astride, void *y, int64_t base, int64_t stride)
{
	for (int32_t r = 0; r < nrow; r++) {
		int64_t v = (int64_t)acc[r * astride] + (bias ? bias[o0 + r] : 0);
		axrt_fx_st(y, p->yt, base + r * stride, fx_epilogue(v, sh[o0 + r], p->round, p->ybits,
			p->act, p->lo, p->hi, p->alpha16));
	}
}

/* The epilogue over n sums of one channel (bias b, shift s) into y[0..n):
 * fx_epilogue's result. Without LeakyRelu and for 1 <= s <= 30 in int32
 * (the lowering's bound keeps sum + bias inside int32), written so that
 * gcc vectorizes it: the floor shift goes through ~v as axrt_fx_shift's,
 * ties to even from the dropped bits. lo and hi lie in the bits' range,
 * so the clamp to them is the saturation too. */
AXRT_PRIVATE void
fx_epilogue_row(const axrt_fxconv_params *p, const int32_t *acc, int32_t n, int32_t b, int32_t s,
	void *y, int64_t base)
{
	int32_t lo = p->lo, hi = p->hi, half, mask, up;

	if (p->act == AXRT_ACT_LEAKYRELU || s < 1 || s > 30) {
		for (int32_t i = 0; i < n; i++)
			axrt_fx_st(y, p->yt, base + i, fx_epilogue((int64_t)acc[i] + b, s, p->round,
				p->ybits, p->act, lo, hi, p->alpha16));
		return;
	}
	half = (int32_t)1 << (s - 1);
	mask = (int32_t)(((uint32_t)1 << s) - 1);
	up = p->round != AXRT_FIXED_TRUNC;  /* +1 when r > half, or r == half and q odd */
	if (p->yt == AXRT_DT_INT8) {
		int8_t *y8 = (int8_t *)y + base;
		int32_t i = 0;
#if defined(__AVX2__)
		/* 32 at a time: the same operations lane by lane (vpsrad is the
		 * floor shift), packed to int8 with saturation and put back in
		 * order, then clamped: lo and hi lie in the int8 range, so the
		 * clamp of the saturated code is that of the int32 one */
		__m256i vb = _mm256_set1_epi32(b), vm = _mm256_set1_epi32(mask);
		__m256i vh = _mm256_set1_epi32(half), vu = _mm256_set1_epi32(-up), one = _mm256_set1_epi32(1);
		__m256i vlo = _mm256_set1_epi8((int8_t)lo), vhi = _mm256_set1_epi8((int8_t)hi);
		__m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
		__m128i cnt = _mm_cvtsi32_si128(s);
#define FX_EPI8(k) do { \
		__m256i v_ = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(acc + i + 8 * (k))), vb); \
		__m256i t_ = _mm256_sra_epi32(v_, cnt), r_ = _mm256_and_si256(v_, vm); \
		r_ = _mm256_add_epi32(r_, _mm256_and_si256(t_, one)); \
		q[k] = _mm256_sub_epi32(t_, _mm256_and_si256(_mm256_cmpgt_epi32(r_, vh), vu)); \
	} while (0)
		for (; i + 32 <= n; i += 32) {
			__m256i q[4], a, c;
			FX_EPI8(0);
			FX_EPI8(1);
			FX_EPI8(2);
			FX_EPI8(3);
			a = _mm256_packs_epi32(q[0], q[1]);
			c = _mm256_packs_epi32(q[2], q[3]);
			a = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(a, c), perm);
			a = _mm256_max_epi8(_mm256_min_epi8(a, vhi), vlo);
			_mm256_storeu_si256((__m256i *)(y8 + i), a);
		}
		for (; i + 8 <= n; i += 8) {     /* then 8 at a time */
			__m256i q[1], a;
			FX_EPI8(0);
			a = _mm256_packs_epi32(q[0], q[0]);
			a = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(a, a), perm);
			a = _mm256_max_epi8(_mm256_min_epi8(a, vhi), vlo);
			_mm_storel_epi64((__m128i *)(y8 + i), _mm256_castsi256_si128(a));
		}
#undef FX_EPI8
#endif
		for (; i < n; i++) {
			int32_t v = acc[i] + b, q = v >= 0 ? v >> s : ~(~v >> s), r = v & mask;
			q += (r + (q & 1) > half) & up;
			q = q > hi ? hi : q;     /* two plain clamps: vpminsd, vpmaxsd */
			q = q < lo ? lo : q;
			y8[i] = (int8_t)q;
		}
	} else {
		int16_t *y16 = (int16_t *)y + base;
		for (int32_t i = 0; i < n; i++) {
			int32_t v = acc[i] + b, q = v >= 0 ? v >> s : ~(~v >> s), r = v & mask;
			q += (r + (q & 1) > half) & up;
			q = q > hi ? hi : q;     /* two plain clamps: vpminsd, vpmaxsd */
			q = q < lo ? lo : q;
			y16[i] = (int16_t)q;
		}
	}
}

AXRT_API axrt_status
axrt_fx_conv_i8(const axrt_fxconv_params *p, const void *const *in, void *const *out, void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *sh = (const int32_t *)in[3];
	int32_t cg = p->c / p->group, mg = p->m / p->group, nbk = AXRT_FX_CONV_NB(p->kp);
	int32_t kk = cg * p->k[0] * p->k[1] * p->k[2], npos = p->out[0] * p->out[1] * p->out[2];
	int64_t plane = (int64_t)p->in[0] * p->in[1] * p->in[2];
	int16_t *xc = (int16_t *)fx_align(scratch);
	int8_t *wt = (int8_t *)(xc + (size_t)nbk * p->kp);
	int32_t *ct = (int32_t *)fx_align(wt + (size_t)AXRT_FX_MR * p->kp);
	int8_t *pad = (int8_t *)fx_align(ct + (size_t)AXRT_FX_MR * nbk);
	int32_t hp = (p->out[1] - 1) * p->stride[1] + (p->k[1] - 1) * p->dil[1] + 1;
	int32_t wp = (p->out[2] - 1) * p->stride[2] + (p->k[2] - 1) * p->dil[2] + 1;
	/* the padded rows of one block (ORDER FX_BAND), or all when they
	 * cover the plane: then padded once per group */
	int32_t rows = AXRT_FX_CONV_ROWS(nbk, p->out[2]);
	int whole = rows >= p->out[1];
	int flat = p->in[0] == 1 && p->k[0] == 1 && p->out[0] == 1;
	/* ORDER FX_1X1: a 1x1 conv over the whole unpadded plane reads its
	 * input in place (its im2col reads each position exactly once) */
	int inplace = AXRT_FX_CONV_1X1(p);
	const int8_t *w[AXRT_FX_MR];

	for (int32_t b = 0; b < p->n; b++)
		for (int32_t g = 0; g < p->group; g++) {
			const int8_t *xg = (const int8_t *)in[0] + ((int64_t)b * p->c + (int64_t)g * cg) * plane;
			if (flat && whole && !inplace)
				fx_pad_planes(p, xg, cg, 0, hp, wp, pad);
			for (int32_t p0 = 0; p0 < npos; p0 += nbk) {
				int32_t nb = npos - p0 < nbk ? npos - p0 : nbk;
				if (inplace)
					fx_im2col_2d(p, xg, cg, hp, wp, 0, p0, nb, xc);
				else if (flat && whole)
					fx_im2col_2d(p, pad, cg, hp, wp, 0, p0, nb, xc);
				else if (flat) {
					int32_t oy0 = p0 / p->out[2], oy1 = (p0 + nb - 1) / p->out[2];
					int32_t hb = (oy1 - oy0) * p->stride[1] + (p->k[1] - 1) * p->dil[1] + 1;
					fx_pad_planes(p, xg, cg, oy0 * p->stride[1], hb, wp, pad);
					fx_im2col_2d(p, pad, cg, hb, wp, oy0, p0, nb, xc);
				} else
					fx_im2col(p, xg, p0, nb, kk, xc);
				for (int32_t o = 0; o < mg; o += AXRT_FX_MR) {
					int32_t nrow = mg - o < AXRT_FX_MR ? mg - o : AXRT_FX_MR, oc = g * mg + o, j = 0;
					fx_wtile(in[1], p->wbits, p->kp, oc, nrow, wt, w);
					for (; j + AXRT_FX_NR <= nb; j += AXRT_FX_NR) {
						const int16_t *x0 = xc + (size_t)j * p->kp;
						fx_dot4x3(p->kp, w[0], w[1], w[2], w[3], x0, x0 + p->kp, x0 + 2 * p->kp,
							ct + j, nbk);
					}
					for (; j < nb; j++)
						fx_dot4x1(p->kp, w[0], w[1], w[2], w[3], xc + (size_t)j * p->kp, ct + j,
							nbk);
					for (int32_t r = 0; r < nrow; r++)
						fx_epilogue_row(p, ct + r * nbk, nb, bias ? bias[oc + r] : 0,
							sh[oc + r], out[0], ((int64_t)b * p->m + oc + r) * npos + p0);
				}
			}
		}
	return AXRT_OK;
}

/* fx_dot4x3 and fx_dot4x1 on int8 rows of A read in place, over the k
 * codes of a row (the weights past k are 0, so the sums are those over
 * kp): no widened copy of A in scratch. */
AXRT_PRIVATE void
fx_dot4x3_b(int32_t k, const int8_t *restrict w0, const int8_t *restrict w1,
	const int8_t *restrict w2, const int8_t *restrict w3, const int8_t *restrict x0,
	const int8_t *restrict x1, const int8_t *restrict x2, int32_t *restrict acc, int32_t cs)
{
	int32_t s00 = 0, s01 = 0, s02 = 0, s10 = 0, s11 = 0, s12 = 0;
	int32_t s20 = 0, s21 = 0, s22 = 0, s30 = 0, s31 = 0, s32 = 0;

	for (int32_t i = 0; i < k; i++) {
		int16_t a0 = x0[i], a1 = x1[i], a2 = x2[i];
		s00 += w0[i] * a0; s01 += w0[i] * a1; s02 += w0[i] * a2;
		s10 += w1[i] * a0; s11 += w1[i] * a1; s12 += w1[i] * a2;
		s20 += w2[i] * a0; s21 += w2[i] * a1; s22 += w2[i] * a2;
		s30 += w3[i] * a0; s31 += w3[i] * a1; s32 += w3[i] * a2;
	}
	acc[0] = s00; acc[1] = s01; acc[2] = s02;
	acc[cs] = s10; acc[cs + 1] = s11; acc[cs + 2] = s12;
	acc[2 * cs] = s20; acc[2 * cs + 1] = s21; acc[2 * cs + 2] = s22;
	acc[3 * cs] = s30; acc[3 * cs + 1] = s31; acc[3 * cs + 2] = s32;
}

AXRT_PRIVATE void
fx_dot4x1_b(int32_t k, const int8_t *restrict w0, const int8_t *restrict w1,
	const int8_t *restrict w2, const int8_t *restrict w3, const int8_t *restrict x0,
	int32_t *restrict acc)
{
	int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;

#if defined(__AVX2__)
	/* 16 codes at a time widened to int16, vpmaddwd, horizontal sums at
	 * the end (the same integers; the order of int32 sums that do not
	 * overflow does not matter) */
	__m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
	__m128i h;
	for (; i + 16 <= k; i += 16) {
		__m256i a = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x0 + i)));
		c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(a,
			_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w0 + i)))));
		c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(a,
			_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w1 + i)))));
		c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(a,
			_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w2 + i)))));
		c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(a,
			_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w3 + i)))));
	}
	/* four horizontal sums at once: pairwise adds, then the halves */
	c0 = _mm256_hadd_epi32(_mm256_hadd_epi32(c0, c1), _mm256_hadd_epi32(c2, c3));
	h = _mm_add_epi32(_mm256_castsi256_si128(c0), _mm256_extracti128_si256(c0, 1));
	s0 = _mm_extract_epi32(h, 0);
	s1 = _mm_extract_epi32(h, 1);
	s2 = _mm_extract_epi32(h, 2);
	s3 = _mm_extract_epi32(h, 3);
#endif
	for (; i < k; i++) {
		int16_t a = x0[i];
		s0 += w0[i] * a; s1 += w1[i] * a;
		s2 += w2[i] * a; s3 += w3[i] * a;
	}
	acc[0] = s0; acc[1] = s1; acc[2] = s2; acc[3] = s3;
}

AXRT_API axrt_status
axrt_fx_gemm_i8(const axrt_fxgemm_params *p, const void *const *in, void *const *out, void *scratch)
{
	axrt_fxconv_params e;
	int32_t acc[AXRT_FX_MR * AXRT_FX_NR];
	int8_t *wt = (int8_t *)fx_align(scratch);     /* sub-byte weight rows only */
	const int8_t *a = (const int8_t *)in[0], *w[AXRT_FX_MR];

	memset(&e, 0, sizeof e);     /* the epilogue's fields, for fx_store4 */
	e.yt = p->yt;
	e.ybits = p->ybits;
	e.round = p->round;
	e.act = p->act;
	e.lo = p->lo;
	e.hi = p->hi;
	e.alpha16 = p->alpha16;
	for (int32_t i0 = 0; i0 < p->m; i0 += AXRT_FX_NR) {
		int32_t nr = p->m - i0 < AXRT_FX_NR ? p->m - i0 : AXRT_FX_NR;
		const int8_t *xr = a + (int64_t)i0 * p->k;
		for (int32_t o = 0; o < p->n; o += AXRT_FX_MR) {
			int32_t nrow = p->n - o < AXRT_FX_MR ? p->n - o : AXRT_FX_MR;
			int64_t base = (int64_t)i0 * p->n + o;
			fx_wtile(in[1], p->wbits, p->kp, o, nrow, wt, w);
			if (nr == AXRT_FX_NR) {
				fx_dot4x3_b(p->k, w[0], w[1], w[2], w[3], xr, xr + p->k, xr + 2 * p->k, acc,
					AXRT_FX_NR);
				for (int32_t i = 0; i < AXRT_FX_NR; i++)
					fx_store4(&e, (const int32_t *)in[2], (const int32_t *)in[3], o, nrow,
						acc + i, AXRT_FX_NR, out[0], base + (int64_t)i * p->n, 1);
				continue;
			}
			for (int32_t i = 0; i < nr; i++) {
				fx_dot4x1_b(p->k, w[0], w[1], w[2], w[3], xr + (size_t)i * p->k, acc);
				fx_store4(&e, (const int32_t *)in[2], (const int32_t *)in[3], o, nrow, acc, 1,
					out[0], base + (int64_t)i * p->n, 1);
			}
		}
	}
	return AXRT_OK;
}

/* Equal strides s: the sums of all output rows at once, as one run over
 * the padded width (row[oy * wp + ox] reads the plane at s times that
 * index; columns past out[2] are computed and dropped), so that the loops
 * are long enough to vectorize. */
AXRT_PRIVATE void
fx_direct_wide(const axrt_fxconv_params *p, const int16_t *pad, const int16_t *wv, int32_t cg,
	int64_t pp, int32_t wp, int32_t *row, char *unused)
{
	int32_t ntap = p->k[1] * p->k[2], s = p->stride[2], wide = (p->out[1] - 1) * wp + p->out[2];

	(void)unused;
	if (cg == 1 && p->k[1] == 3 && p->k[2] == 3 && p->dil[1] == 1 && p->dil[2] == 1) {
		/* depthwise 3x3: all nine taps in one pass, the sum in a register */
		const int16_t *r0 = pad, *r1 = pad + wp, *r2 = pad + 2 * wp;
		int16_t w0 = wv[0], w1 = wv[1], w2 = wv[2], w3 = wv[3], w4 = wv[4], w5 = wv[5];
		int16_t w6 = wv[6], w7 = wv[7], w8 = wv[8];
		(void)pp;
		if (s == 1)
			for (int32_t i = 0; i < wide; i++)
				row[i] = (int16_t)(w0 * r0[i]) + (int16_t)(w1 * r0[i + 1]) + (int16_t)(w2 * r0[i + 2]) +
					(int16_t)(w3 * r1[i]) + (int16_t)(w4 * r1[i + 1]) + (int16_t)(w5 * r1[i + 2]) +
					(int16_t)(w6 * r2[i]) + (int16_t)(w7 * r2[i + 1]) + (int16_t)(w8 * r2[i + 2]);
		else
			for (int32_t i = 0; i < wide; i++) {
				int32_t j = i * s;
				row[i] = (int16_t)(w0 * r0[j]) + (int16_t)(w1 * r0[j + 1]) + (int16_t)(w2 * r0[j + 2]) +
					(int16_t)(w3 * r1[j]) + (int16_t)(w4 * r1[j + 1]) + (int16_t)(w5 * r1[j + 2]) +
					(int16_t)(w6 * r2[j]) + (int16_t)(w7 * r2[j + 1]) + (int16_t)(w8 * r2[j + 2]);
			}
		return;
	}
	for (int32_t i = 0; i < wide; i++)
		row[i] = 0;
	for (int32_t t = 0; t < cg * ntap; t++) {
		int32_t ci = t / ntap, r = t % ntap / p->k[2], c = t % p->k[2];
		int16_t w = wv[t];
		const int16_t *src = pad + ci * pp + (int64_t)r * p->dil[1] * wp + c * p->dil[2];
		if (s != 1) {        /* strided: every s-th element */
			if (w != 0)
				for (int32_t i = 0; i < wide; i++)
					row[i] += (int16_t)(w * src[i * s]);
			continue;
		}
		if (c == 0 && p->k[2] == 3 && p->dil[2] == 1) {
			int16_t w1 = wv[t + 1], w2 = wv[t + 2];   /* a kernel row of 3 at once */
			for (int32_t i = 0; i < wide; i++)
				row[i] += (int16_t)(w * src[i]) + (int16_t)(w1 * src[i + 1]) +
					(int16_t)(w2 * src[i + 2]);
			t += 2;
			continue;
		}
		if (w == 0)
			continue;
		for (int32_t i = 0; i < wide; i++)
			row[i] += (int16_t)(w * src[i]);
	}
}

/* ORDER FX_DW: one input channel per group (depthwise convs, and convs
 * of a one-channel image) with equal strides s. The padded plane is split
 * into s*s phase planes (space to depth): phase (a, b) holds the padded
 * rows s*i + a and columns s*j + b, hq x wq each (ORDER FX_DWGEOM), so
 * that every tap reads output flat index f = oy * wq + ox plus a constant
 * in one phase plane: contiguous runs that gcc vectorizes, for any
 * stride. Sums over n16 (wide rounded up to 16) positions, so no scalar
 * tails; the extra ones read the zeroed slack and are dropped. */
AXRT_PRIVATE void
fx_dw_pack(const axrt_fxconv_params *p, const int8_t *x, int32_t s, int32_t hq, int32_t wq,
	int64_t ps, int16_t *q, int16_t *tmp)
{
	int32_t wt = s * wq, n = p->in[1] * p->in[2];
	int16_t *cv = tmp + wt + 16;

	/* the plane widened in one run, then its rows moved 16 at a time:
	 * the excess lands in the following row (written after this one), in
	 * this row's right padding (zeroed after it) or in the slack */
	for (int32_t i = 0; i < n; i++)
		cv[i] = x[i];
	for (int32_t i = 0; i < s * hq; i++) {
		int32_t iy = i - p->pad[1], j, a = p->pad[2] < wt ? p->pad[2] : wt, e = a + p->in[2];
		int16_t *d = s == 1 ? q + (int64_t)i * wq : tmp;
		const int16_t *src = cv + (int64_t)iy * p->in[2] - a;
		if (iy < 0 || iy >= p->in[1])
			a = e = 0;        /* a padding row */
		e = e < wt ? e : wt;
		for (j = 0; j < a; j++)
			d[j] = 0;
		for (; j < e; j += 16)
			memcpy(d + j, src + j, 32);
		for (j = e; j < wt; j++)
			d[j] = 0;
		if (s == 1)
			continue;
		for (int32_t b = 0; b < s; b++) {
			int16_t *r = q + (int64_t)(i % s * s + b) * ps + (int64_t)(i / s) * wq;
			for (int32_t m = 0; m < wq; m++)
				r[m] = tmp[m * s + b];
		}
	}
	for (int32_t ph = 0; ph < s * s; ph++)
		for (int64_t i = (int64_t)hq * wq; i < ps; i++)
			q[(int64_t)ph * ps + i] = 0;
}

/* ORDER FX_DWM: fx_dw_i8 without padded planes where the kernel fits
 * (dil 1, stride s of 1 or 2, the needed columns within the input width
 * W = in[2], pads below the kernel size): the sums at stride 1 over the
 * flat index F = Y * W + X of the unpadded plane, tap (r, c) reading F +
 * (r - pad[1]) * W + c - pad[2]. A read that would wrap around to the
 * neighbouring row reads a column that no valid output reads through that
 * tap, so it comes from a copy of the plane per column offset with those
 * columns zeroed; the rows above and below are zero margins. Outputs at
 * stride 2 are every other sum of every other row. */
/* row[i] = the sum over taps t of wv[t] * src[t][f0 + i], i < n (products
 * of int8 codes fit int16, so gcc multiplies 16 lanes at once). */
AXRT_PRIVATE void
fx_dw_sums(const int16_t *const *src, const int16_t *wv, int32_t ntap, int64_t f0, int64_t n,
	int32_t *row)
{
	if (ntap == 9) {   /* 3x3: all nine taps in one pass */
		const int16_t *r0 = src[0] + f0, *r1 = src[1] + f0, *r2 = src[2] + f0;
		const int16_t *r3 = src[3] + f0, *r4 = src[4] + f0, *r5 = src[5] + f0;
		const int16_t *r6 = src[6] + f0, *r7 = src[7] + f0, *r8 = src[8] + f0;
		int16_t w0 = wv[0], w1 = wv[1], w2 = wv[2], w3 = wv[3], w4 = wv[4];
		int16_t w5 = wv[5], w6 = wv[6], w7 = wv[7], w8 = wv[8];
		for (int64_t i = 0; i < n; i++)
			row[i] = (int16_t)(w0 * r0[i]) + (int16_t)(w1 * r1[i]) + (int16_t)(w2 * r2[i]) +
				(int16_t)(w3 * r3[i]) + (int16_t)(w4 * r4[i]) + (int16_t)(w5 * r5[i]) +
				(int16_t)(w6 * r6[i]) + (int16_t)(w7 * r7[i]) + (int16_t)(w8 * r8[i]);
		return;
	}
	for (int64_t i = 0; i < n; i++)
		row[i] = 0;
	for (int32_t t = 0; t < ntap; t++) {
		const int16_t *r = src[t] + f0;
		int16_t wt = wv[t];
		for (int64_t i = 0; i < n; i++)
			row[i] += (int16_t)(wt * r[i]);
	}
}

AXRT_PRIVATE void
fx_dwm_i8(const axrt_fxconv_params *p, const void *const *in, void *const *out, void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *sh = (const int32_t *)in[3];
	int32_t s = p->stride[2], W = p->in[2], k1 = p->k[1], k2 = p->k[2], mg = p->m / p->group;
	int64_t plane = (int64_t)p->in[1] * W, opl = (int64_t)p->out[1] * p->out[2];
	int64_t top = (int64_t)p->pad[1] * W + p->pad[2], len, wide, n16, nrow16;
	int16_t *m = (int16_t *)fx_align(scratch), wv[49];
	const int16_t *src[49];
	int32_t *row, *cb;
	int8_t *wbuf;
	int direct = s == 1 && p->out[2] == W;

	wide = (int64_t)(p->out[1] - 1) * s * W + (int64_t)(p->out[2] - 1) * s + 1;
	n16 = (wide + 15) / 16 * 16;
	nrow16 = ((p->out[2] - 1) * s + 1 + 15) / 16 * 16;
	len = top + n16 + (int64_t)(k1 - 1 - p->pad[1]) * W + (k2 - 1 - p->pad[2]) + 16;
	len = (len < top + plane + 16 ? top + plane + 16 : len + 15) / 16 * 16;
	row = (int32_t *)fx_align(m + (size_t)k2 * len);
	cb = (int32_t *)fx_align(row + n16);
	wbuf = (int8_t *)fx_align(cb + opl);
	for (int32_t t = 0; t < k1 * k2; t++)
		src[t] = m + (int64_t)(t % k2) * len + top + (int64_t)(t / k2 - p->pad[1]) * W +
			(t % k2 - p->pad[2]);
	memset(m, 0, (size_t)k2 * (size_t)len * 2);   /* the margins, once */
	for (int32_t b = 0; b < p->n; b++)
		for (int32_t g = 0; g < p->group; g++) {
			const int8_t *x = (const int8_t *)in[0] + ((int64_t)b * p->c + g) * plane;
			/* copy 0 widened, the others copied from it, then the
			 * columns that only wrapped reads reach zeroed */
			for (int64_t i = 0; i < plane; i++)
				m[top + i] = x[i];
			for (int32_t c = 1; c < k2; c++)
				memcpy(m + c * len + top, m + top, (size_t)plane * 2);
			for (int32_t c = 0; c < k2; c++) {
				int32_t dc = c - p->pad[2], lo = dc < 0 ? W + dc : 0, hi = dc < 0 ? W : dc;
				int16_t *mc = m + c * len + top;
				for (int32_t ix = lo; ix < hi; ix++)   /* columns: no memset calls */
					for (int32_t iy = 0; iy < p->in[1]; iy++)
						mc[(int64_t)iy * W + ix] = 0;
			}
			for (int32_t o = g * mg; o < (g + 1) * mg; o++) {
				const int8_t *w = fx_wrow(in[1], p->wbits, p->kp, o, wbuf);
				int64_t ybase = ((int64_t)b * p->m + o) * opl;
				for (int32_t t = 0; t < k1 * k2; t++)
					wv[t] = w[t];
				if (s == 1)
					fx_dw_sums(src, wv, k1 * k2, 0, n16, row);
				else    /* stride 2: the even rows only */
					for (int32_t oy = 0; oy < p->out[1]; oy++) {
						fx_dw_sums(src, wv, k1 * k2, (int64_t)oy * 2 * W, nrow16, row);
						for (int32_t ox = 0; ox < p->out[2]; ox++)
							cb[oy * p->out[2] + ox] = row[2 * ox];
					}
				if (direct) {
					fx_epilogue_row(p, row, (int32_t)opl, bias ? bias[o] : 0, sh[o], out[0], ybase);
					continue;
				}
				if (s == 1)
					for (int32_t oy = 0; oy < p->out[1]; oy++)
						for (int32_t ox = 0; ox < p->out[2]; ox++)
							cb[oy * p->out[2] + ox] = row[(int64_t)oy * W + ox];
				fx_epilogue_row(p, cb, (int32_t)opl, bias ? bias[o] : 0, sh[o], out[0], ybase);
			}
		}
}

AXRT_PRIVATE void
fx_dw_i8(const axrt_fxconv_params *p, const void *const *in, void *const *out, void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *sh = (const int32_t *)in[3];
	int32_t s = p->stride[2], ntap = p->k[1] * p->k[2], mg = p->m / p->group;
	int32_t hp = (p->out[1] - 1) * s + (p->k[1] - 1) * p->dil[1] + 1;
	int32_t wp = (p->out[2] - 1) * s + (p->k[2] - 1) * p->dil[2] + 1;
	int32_t hq = (hp + s - 1) / s, wq = (wp + s - 1) / s;
	int32_t wide = (p->out[1] - 1) * wq + p->out[2], n16 = (wide + 15) / 16 * 16;
	int64_t ps = (int64_t)hq * wq + 16, plane = (int64_t)p->in[1] * p->in[2];
	int64_t opl = (int64_t)p->out[1] * p->out[2];
	int16_t *q = (int16_t *)fx_align(scratch), *tmp, wv[AXRT_FX_WIDE_TAPS];
	int8_t *wbuf;
	int32_t *row, off[AXRT_FX_WIDE_TAPS];
	char *ybuf;
	size_t es = p->yt == AXRT_DT_INT16 ? 2 : 1;

	tmp = (int16_t *)fx_align(q + (size_t)(s * s) * ps);
	row = (int32_t *)fx_align(tmp + (size_t)s * wq + 32 + (size_t)plane);
	ybuf = (char *)fx_align(row + n16);
	wbuf = (int8_t *)fx_align(ybuf + (size_t)n16 * 2 + 16);
	for (int32_t t = 0; t < ntap; t++) {
		int32_t r = t / p->k[2] * p->dil[1], c = t % p->k[2] * p->dil[2];
		off[t] = (r % s * s + c % s) * (int32_t)ps + r / s * wq + c / s;
	}
	for (int32_t b = 0; b < p->n; b++)
		for (int32_t g = 0; g < p->group; g++) {
			fx_dw_pack(p, (const int8_t *)in[0] + ((int64_t)b * p->c + g) * plane, s, hq, wq, ps,
				q, tmp);
			for (int32_t o = g * mg; o < (g + 1) * mg; o++) {
				const int8_t *w = fx_wrow(in[1], p->wbits, p->kp, o, wbuf);
				int64_t ybase = ((int64_t)b * p->m + o) * opl;
				for (int32_t t = 0; t < ntap; t++)
					wv[t] = w[t];
				if (ntap == 9) {   /* 3x3: all nine taps in one pass */
					const int16_t *r0 = q + off[0], *r1 = q + off[1], *r2 = q + off[2];
					const int16_t *r3 = q + off[3], *r4 = q + off[4], *r5 = q + off[5];
					const int16_t *r6 = q + off[6], *r7 = q + off[7], *r8 = q + off[8];
					int16_t w0 = wv[0], w1 = wv[1], w2 = wv[2], w3 = wv[3], w4 = wv[4];
					int16_t w5 = wv[5], w6 = wv[6], w7 = wv[7], w8 = wv[8];
					for (int32_t i = 0; i < n16; i++)
						row[i] = (int16_t)(w0 * r0[i]) + (int16_t)(w1 * r1[i]) +
							(int16_t)(w2 * r2[i]) + (int16_t)(w3 * r3[i]) +
							(int16_t)(w4 * r4[i]) + (int16_t)(w5 * r5[i]) +
							(int16_t)(w6 * r6[i]) + (int16_t)(w7 * r7[i]) +
							(int16_t)(w8 * r8[i]);
				} else {
					for (int32_t i = 0; i < n16; i++)
						row[i] = 0;
					for (int32_t t = 0; t < ntap; t++) {
						const int16_t *src = q + off[t];
						int16_t wt = wv[t];
						for (int32_t i = 0; i < n16; i++)
							row[i] += (int16_t)(wt * src[i]);
					}
				}
				if (wq == p->out[2]) {    /* no padded columns */
					fx_epilogue_row(p, row, wide, bias ? bias[o] : 0, sh[o], out[0], ybase);
					continue;
				}
				fx_epilogue_row(p, row, n16, bias ? bias[o] : 0, sh[o], ybuf, 0);
				for (int32_t oy = 0; oy < p->out[1]; oy++) {
					char *d = (char *)out[0] + (ybase + (int64_t)oy * p->out[2]) * es;
					const char *src = ybuf + (size_t)oy * wq * es;
					int32_t nb = p->out[2] * (int32_t)es;
					/* 16 bytes at a time where the excess stays in this
					 * plane's later rows (written after this one) */
					if ((int64_t)(p->out[1] - 1 - oy) * nb < 16)
						memcpy(d, src, (size_t)nb);
					else
						for (int32_t j = 0; j < nb; j += 16)
							memcpy(d + j, src + j, 16);
				}
			}
		}
}

/* n bytes (0..15) from s to d in fixed-size pieces: no library call. */
AXRT_PRIVATE void
fx_copy_tail(char *d, const char *s, int32_t n)
{
	if (n & 8) {
		memcpy(d, s, 8);
		d += 8;
		s += 8;
	}
	if (n & 4) {
		memcpy(d, s, 4);
		d += 4;
		s += 4;
	}
	if (n & 2) {
		memcpy(d, s, 2);
		d += 2;
		s += 2;
	}
	if (n & 1)
		*d = *s;
}

/* Rows of nb bytes, pitch sp bytes in s, to consecutive rows in d (rows
 * of a plane written in order): 16 or 8 bytes at a time where the excess
 * lands in the rows still to come of this plane; else (the last rows) in
 * two pieces of 4, 8 or 16 bytes that overlap inside the row. */
AXRT_PRIVATE void
fx_copy_rows(char *d, const char *s, int32_t rows, int32_t nb, int64_t sp)
{
	int32_t r = 0;

	if (nb <= 16)       /* one piece per row while the excess stays in the plane */
		for (; (int64_t)(rows - r) * nb >= nb + 15; r++, d += nb, s += sp)
			memcpy(d, s, 16);
	for (; r < rows; r++, d += nb, s += sp) {
		int64_t room = (int64_t)(rows - r) * nb;     /* bytes left in the plane */
		int32_t j = 0;
		if (room >= nb + 15)
			for (; j < nb; j += 16)
				memcpy(d + j, s + j, 16);
		else if (room >= nb + 7)
			for (; j < nb; j += 8)
				memcpy(d + j, s + j, 8);
		else if (nb >= 16) {
			for (; j + 16 < nb; j += 16)
				memcpy(d + j, s + j, 16);
			memcpy(d + nb - 16, s + nb - 16, 16);
		} else if (nb >= 8) {
			memcpy(d, s, 8);
			memcpy(d + nb - 8, s + nb - 8, 8);
		} else if (nb >= 4) {
			memcpy(d, s, 4);
			memcpy(d + nb - 4, s + nb - 4, 4);
		} else
			fx_copy_tail(d, s, nb);
	}
}

#if defined(__AVX2__)
/* The fused epilogue of a tile (ORDER FX_WQ): per channel the value the
 * sums start from (the bias, plus half - 1 to round half to even), 1 for
 * round half to even (0 to floor), the shift, and the clamp as bytes. With
 * v = sum + bias, |v| + 2^(s-1) <= INT32_MAX (the caller's bound) and
 * u = v + half - 1, fx_epilogue's code is (u + bit s of u) >> s, saturated,
 * then clamped: v = q 2^s + r (0 <= r < 2^s) gives u >> s = q for r <=
 * half and q + 1 above; the added bit carries into bit s only when the low
 * s bits of u are all ones, r = half, the tie, where it is q's lowest bit:
 * q + (q odd). Round half to even, in four operations (and u >> s for the
 * floor). */
typedef struct FxWq {
	int32_t b[AXRT_FX_MR];
	__m256i one, lo, hi;
	__m128i cnt[AXRT_FX_MR];
} FxWq;

/* Channel r of q: bias b, shift s, k products per sum; the clamp and
 * rounding of p. Returns whether the form applies: no LeakyRelu, int8
 * codes, 1 <= s <= 30 and |sum| + |b| + 2^(s-1) <= INT32_MAX, where
 * |sum| <= k * 2^14 (products of int8 codes). */
static inline AXRT_UNUSED int
fx_wq_set(FxWq *q, const axrt_fxconv_params *p, int32_t r, int32_t b, int32_t s, int64_t k)
{
	int up = p->round != AXRT_FIXED_TRUNC;
	int fits = p->yt == AXRT_DT_INT8 && p->act != AXRT_ACT_LEAKYRELU && s >= 1 && s <= 30 &&
		k <= ((int64_t)1 << 20) && k * 16384 + (b < 0 ? -(int64_t)b : b) + ((int64_t)1 << (s - 1)) <=
		INT32_MAX;

	q->b[r] = up && fits ? b + ((1 << (s - 1)) - 1) : b;
	q->cnt[r] = _mm_cvtsi32_si128(fits ? s : 0);
	q->one = _mm256_set1_epi32(up);
	q->lo = _mm256_set1_epi8((int8_t)p->lo);
	q->hi = _mm256_set1_epi8((int8_t)p->hi);
	return fits;
}

/* u: the sums from q->b[r] on */
static inline AXRT_UNUSED __m256i
fx_wq_code(const FxWq *q, __m256i u, int32_t r)
{
	__m256i t = _mm256_and_si256(_mm256_sra_epi32(u, q->cnt[r]), q->one);

	return _mm256_sra_epi32(_mm256_add_epi32(u, t), q->cnt[r]);
}

/* ORDER FX_DWP (axrt_fx.h): depthwise 3x3 at stride 1 or 2. Kernel row r
 * reads padded row R_r: at stride 1 R_r = X + r * wp, and output f (flat,
 * pitch wp) is sum_r w[r][0..1] . R_r[f..f+1] + w[r][2] * R_r[f+2]; an
 * int16 load at R_r + f, read as int32 lanes, holds the pairs (R_r[f+2i],
 * R_r[f+2i+1]): one vpmaddwd with the broadcast pair (w[r][0], w[r][1])
 * gives 8 outputs f, f+2, .., f+14 of the first two taps, one at R_r + f +
 * 2 with (w[r][2], 0) the third; the odd outputs load at f + 1. At stride 2
 * the padded rows are split by parity (plane 0 the even rows, plane 1 the
 * odd ones, wp even), R_r is row r/2 of plane r%2 and output q (pitch wp/2)
 * reads R_r[2q..2q+2]: a load at R_r + 2q gives 8 consecutive outputs.
 * The products are those of the reference and the int32 sums cannot
 * overflow (the lowering's bound), so the bits are fx_conv's. */
/* The rows i0..i1 of FX_DWP's padded plane that hold input rows (n codes
 * from column c0 of each, to padded column pad[2] + c0; stride 2: padded
 * row i in plane i & 1, row i >> 1); the padding around them stays 0.
 * Rows of up to L = 8 or 16 codes with wp >= L in one piece: L codes
 * widened, those past n zeroed by the byte shuffle, which land in this
 * row's right padding or the next one's left padding (pad[2] + c0 + L <=
 * wp + pad[2] + c0), or in the slack -- 0 either way. The L bytes are
 * read from sr where the plane holds them, else the L ending at sr + n,
 * shuffled down. Longer rows 16 codes at a time, the last piece
 * overlapping. */
AXRT_PRIVATE void
fx_dwp_pack(const axrt_fxconv_params *p, const int8_t *x, int16_t *X, int64_t wp, int64_t ps,
	int32_t c0, int32_t n)
{
	int32_t s = p->stride[2], W = p->in[2], hp = (p->out[1] - 1) * s + 3;
	int32_t i0 = p->pad[1] > 0 ? p->pad[1] : 0, i1 = p->pad[1] + p->in[1];
	int32_t L = n <= 8 ? 8 : 16, one = n <= 16 && wp >= L;
	int64_t plane = (int64_t)p->in[1] * W;
	__m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	__m128i keep = _mm_cmpgt_epi8(_mm_set1_epi8((char)n), iota), none = _mm_set1_epi8((char)0x80);
	/* byte j < n of the result: byte j of the load (forward) or j + L - n
	 * (backward); 0x80 (a zero) past n */
	__m128i fwd = _mm_blendv_epi8(none, iota, keep);
	__m128i bwd = _mm_blendv_epi8(none, _mm_add_epi8(iota, _mm_set1_epi8((char)(L - n))), keep);

	i1 = i1 < hp ? i1 : hp;
	if (one && i0 < i1) {
		/* rows i0..ib - 1 read forward, ib..i1 - 1 backward (the plane
		 * must hold the first backward read) */
		int64_t a0 = (int64_t)(i0 - p->pad[1]) * W + c0, ib = (plane - L - a0) / W + 1 + i0;
		const int8_t *sr = x + a0;
		ib = plane - L - a0 < 0 ? i0 : ib < i1 ? ib : i1;
		if (ib == i1 || a0 + (ib - i0) * W + n >= L) {
			for (int32_t i = i0; i < i1; i++, sr += W) {
				int16_t *d = X + (s == 2 ? (i & 1) * ps + (int64_t)(i >> 1) * wp : (int64_t)i * wp) +
					p->pad[2] + c0;
				__m128i v = L == 8 ?
					_mm_loadl_epi64((const __m128i *)(i < ib ? sr : sr + n - L)) :
					_mm_loadu_si128((const __m128i *)(i < ib ? sr : sr + n - L));
				v = _mm_shuffle_epi8(v, i < ib ? fwd : bwd);
				if (L == 8)
					_mm_storeu_si128((__m128i *)d, _mm_cvtepi8_epi16(v));
				else
					_mm256_storeu_si256((__m256i *)d, _mm256_cvtepi8_epi16(v));
			}
			return;
		}
	}
	for (int32_t i = i0; i < i1; i++) {
		int64_t iy = i - p->pad[1], at = iy * W + c0;
		const int8_t *sr = x + at;
		int16_t *d = X + (s == 2 ? (i & 1) * ps + (int64_t)(i >> 1) * wp : (int64_t)i * wp) +
			p->pad[2] + c0;
		int32_t j;
		if (one && (at + L <= plane || at + n >= L)) {
			__m128i v;
			if (at + L <= plane)
				v = _mm_shuffle_epi8(L == 8 ? _mm_loadl_epi64((const __m128i *)sr) :
					_mm_loadu_si128((const __m128i *)sr), fwd);
			else
				v = _mm_shuffle_epi8(L == 8 ? _mm_loadl_epi64((const __m128i *)(sr + n - L)) :
					_mm_loadu_si128((const __m128i *)(sr + n - L)), bwd);
			if (L == 8)
				_mm_storeu_si128((__m128i *)d, _mm_cvtepi8_epi16(v));
			else
				_mm256_storeu_si256((__m256i *)d, _mm256_cvtepi8_epi16(v));
		} else if (n >= 16) {
			for (j = 0; j + 16 <= n; j += 16)
				_mm256_storeu_si256((__m256i *)(d + j),
					_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(sr + j))));
			if (j < n)
				_mm256_storeu_si256((__m256i *)(d + n - 16),
					_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(sr + n - 16))));
		} else if (n >= 8) {
			_mm_storeu_si128((__m128i *)d, _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)sr)));
			_mm_storeu_si128((__m128i *)(d + n - 8),
				_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(sr + n - 8))));
		} else
			for (j = 0; j < n; j++)
				d[j] = sr[j];
	}
}

AXRT_PRIVATE void
fx_dwp_i8(const axrt_fxconv_params *p, const void *const *in, void *const *out, void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *sh = (const int32_t *)in[3];
	int32_t s = p->stride[2], mg = p->m / p->group, out1 = p->out[1], out2 = p->out[2];
	int64_t g[5], wp, ps, pitch, nblk, plane = (int64_t)p->in[1] * p->in[2];
	int64_t opl = (int64_t)out1 * out2, xsz;
	int16_t *X[2];
	int32_t *row;
	char *ybuf[2], *pdst = NULL, *psrc = NULL;
	size_t es = p->yt != AXRT_DT_INT16 ? 1 : 2;
	int8_t *wbuf;
	int32_t n, c0, cur = 0, yb = 0, *boff, *bcnt, direct = out2 <= 16;
	__m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
	__m128i *ctl;

	axrt_fx_dwp_geom(p, g);
	wp = g[0];
	ps = s == 2 ? g[1] * wp : 0;
	pitch = g[2];
	nblk = g[3];
	xsz = (g[4] + 31) / 32 * 32;
	X[0] = (int16_t *)fx_align(scratch);
	X[1] = (int64_t)p->n * p->c > 1 ? X[0] + xsz : X[0];     /* one plane: one buffer */
	row = (int32_t *)fx_align(X[1] + xsz);
	ybuf[0] = (char *)fx_align(row + nblk * 16);
	ybuf[1] = (char *)fx_align(ybuf[0] + nblk * 32 + 64);
	wbuf = (int8_t *)fx_align(ybuf[1] + nblk * 32 + 64);
	ctl = (__m128i *)fx_align(wbuf + p->kp);
	boff = (int32_t *)(ctl + nblk);
	bcnt = boff + nblk;
	/* On rows of up to 16 codes the fused codes go straight to the output
	 * (on longer ones copying rows of the blocks' codes costs less than
	 * this table): block k's outputs in plane order are those of its lanes
	 * in columns below out[2] and rows below out[1], consecutive from
	 * output boff[k] on; ctl[k] moves them to the front of the block
	 * (bcnt[k] of them). A 16-byte store writes past them bytes of later
	 * blocks, which write them again, or past the plane (below). */
	for (int64_t k = 0, r = 0, col = 0; direct && k < nblk; k++) {   /* 16k = r * pitch + col */
		__m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
		int8_t c[32];
		int32_t m = 0, i = 0, len;
		boff[k] = 0;
		/* run by run of useful and of junk lanes: a useful run's lane
		 * numbers go to c[m..], 16 at a time (the excess is overwritten
		 * or blended away) */
		while (i < 16 && r < out1) {
			if (col < out2) {
				len = (int32_t)(out2 - col < 16 - i ? out2 - col : 16 - i);
				if (m == 0)
					boff[k] = (int32_t)(r * out2 + col);
				_mm_storeu_si128((__m128i *)(c + m), _mm_add_epi8(iota, _mm_set1_epi8((char)i)));
				m += len;
			} else
				len = (int32_t)(pitch - col < 16 - i ? pitch - col : 16 - i);
			i += len;
			col += len;
			if (col == pitch) {
				col = 0;
				r++;
			}
		}
		bcnt[k] = m;
		ctl[k] = _mm_blendv_epi8(_mm_set1_epi8((char)0x80), _mm_loadu_si128((const __m128i *)c),
			_mm_cmpgt_epi8(_mm_set1_epi8((char)m), iota));
		if (s == 1)     /* the codes come as outputs 0 2 4 6 1 3 5 7 8 10 .. (below) */
			ctl[k] = _mm_or_si128(_mm_shuffle_epi8(_mm_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13,
				10, 14, 11, 15), ctl[k]), _mm_and_si128(ctl[k], _mm_set1_epi8((char)0x80)));
	}
	/* the input columns that land in the padded row: [c0, c0 + n) at
	 * padded column pad[2] + c0 */
	c0 = p->pad[2] < 0 ? -p->pad[2] : 0;
	n = (int32_t)(wp - p->pad[2] < p->in[2] ? wp - p->pad[2] : p->in[2]) - c0;
	memset(X[0], 0, (size_t)(X[1] - X[0] + xsz) * 2);   /* the padding stays 0: the rows write inside it */
	/* Software pipelined: the plane of the next group is packed before the
	 * current one is summed, and a channel's codes are copied out after the
	 * next channel's sums, so that no load reads bytes that narrower stores
	 * have just written (a failed store-to-load forward stalls for their
	 * retirement: 1.5x slower on 7x7 planes). */
	if (n > 0)
		fx_dwp_pack(p, (const int8_t *)in[0], X[0], wp, ps, c0, n);
	for (int32_t b = 0; b < p->n; b++)
		for (int32_t gi = 0; gi < p->group; gi++, cur ^= 1) {
			const int16_t *R0 = X[cur], *R1 = s == 2 ? X[cur] + ps : X[cur] + wp;
			const int16_t *R2 = X[cur] + (s == 2 ? 1 : 2) * wp;
			int64_t nx = (int64_t)b * p->c + gi + 1;      /* the next plane */
			if (n > 0 && nx < (int64_t)p->n * p->c)
				fx_dwp_pack(p, (const int8_t *)in[0] + nx * plane, X[cur ^ 1], wp, ps, c0, n);
			for (int32_t o = gi * mg; o < (gi + 1) * mg; o++, yb ^= 1) {
				const int8_t *w = fx_wrow(in[1], p->wbits, p->kp, o, wbuf);
				int32_t sv = sh[o], bv = bias ? bias[o] : 0;
				__m256i w00, w01, w10, w11, w20, w21, vb;
				FxWq q;
				int fused = fx_wq_set(&q, p, 0, bv, sv, 9);
				char *yo = ybuf[yb], *yp = (char *)out[0] + ((int64_t)b * p->m + o) * opl;
				/* bytes of the plane a 16-byte store may reach: also 15 of
				 * the next output plane, written later in this call, where
				 * the input planes up to the next are packed (in place,
				 * output planes no larger than input ones: plane >= 16) */
				int64_t lim = opl + ((int64_t)b * p->m + o + 1 < (int64_t)p->n * p->m && plane >= 16 ? 15 : 0);
#define FX_WPAIR(a, b) _mm256_set1_epi32((int32_t)((uint32_t)(uint16_t)(a) | \
	((uint32_t)(uint16_t)(b) << 16)))
				w00 = FX_WPAIR(w[0], w[1]);
				w01 = FX_WPAIR(w[2], 0);
				w10 = FX_WPAIR(w[3], w[4]);
				w11 = FX_WPAIR(w[5], 0);
				w20 = FX_WPAIR(w[6], w[7]);
				w21 = FX_WPAIR(w[8], 0);
#undef FX_WPAIR
				vb = _mm256_set1_epi32(q.b[0]);
				for (int64_t k = 0; k < nblk; k++) {
					/* block k: outputs f = 16k..16k+15 (flat index, pitch
					 * `pitch`); stride 1: a at f (even outputs), c at f + 1
					 * (odd); stride 2: a at 2f (outputs f..f+7), c at 2f + 16 */
					int64_t f = 16 * k;
					int64_t oa = s == 2 ? 2 * f : f, oc = s == 2 ? 2 * f + 16 : f + 1;
					__m256i a, c, t;
#define FX_LD(r, o) _mm256_loadu_si256((const __m256i *)((r) + (o)))
#define FX_SUM(o) _mm256_add_epi32( \
	_mm256_add_epi32(_mm256_madd_epi16(FX_LD(R0, o), w00), _mm256_madd_epi16(FX_LD(R0, (o) + 2), w01)), \
	_mm256_add_epi32( \
		_mm256_add_epi32(_mm256_madd_epi16(FX_LD(R1, o), w10), _mm256_madd_epi16(FX_LD(R1, (o) + 2), w11)), \
		_mm256_add_epi32(_mm256_madd_epi16(FX_LD(R2, o), w20), _mm256_madd_epi16(FX_LD(R2, (o) + 2), w21))))
					a = FX_SUM(oa);
					c = FX_SUM(oc);
#undef FX_SUM
#undef FX_LD
					if (!fused) {      /* the sums in order, for fx_epilogue_row */
						if (s == 1) {
							t = _mm256_unpacklo_epi32(a, c);    /* outputs 0-3 | 8-11 */
							c = _mm256_unpackhi_epi32(a, c);    /* 4-7 | 12-15 */
							a = _mm256_permute2x128_si256(t, c, 0x20);
							c = _mm256_permute2x128_si256(t, c, 0x31);
						}
						_mm256_storeu_si256((__m256i *)(row + 16 * k), a);
						_mm256_storeu_si256((__m256i *)(row + 16 * k + 8), c);
						continue;
					}
					a = fx_wq_code(&q, _mm256_add_epi32(a, vb), 0);
					c = fx_wq_code(&q, _mm256_add_epi32(c, vb), 0);
					if (s == 1) {
						/* even and odd outputs interleaved: int16 0-7 | 8-15;
						 * with direct stores the block's shuffle does it */
						t = direct ? _mm256_packs_epi32(a, c) :
							_mm256_packs_epi32(_mm256_unpacklo_epi32(a, c), _mm256_unpackhi_epi32(a, c));
						t = _mm256_permute4x64_epi64(_mm256_packs_epi16(t, t), 0x08);
					} else {
						/* int16 0-3 8-11 | 4-7 12-15, then bytes in order */
						t = _mm256_packs_epi16(_mm256_packs_epi32(a, c), _mm256_setzero_si256());
						t = _mm256_permutevar8x32_epi32(t, perm);
					}
					t = _mm256_max_epi8(_mm256_min_epi8(t, q.hi), q.lo);
					if (!direct) {
						_mm_storeu_si128((__m128i *)(yo + 16 * k), _mm256_castsi256_si128(t));
						continue;
					}
					c = _mm256_castsi128_si256(_mm_shuffle_epi8(_mm256_castsi256_si128(t), ctl[k]));
					if (boff[k] + 16 <= lim)
						_mm_storeu_si128((__m128i *)(yp + boff[k]), _mm256_castsi256_si128(c));
					else {
						char tmp[16];
						_mm_storeu_si128((__m128i *)tmp, _mm256_castsi256_si128(c));
						fx_copy_tail(yp + boff[k], tmp, bcnt[k] < 16 ? bcnt[k] : 15);
						if (bcnt[k] == 16)
							yp[boff[k] + 15] = tmp[15];
					}
				}
				if (psrc)
					fx_copy_rows(pdst, psrc, out1, out2 * (int32_t)es, pitch * (int64_t)es);
				psrc = NULL;
				if (!fused || !direct) {     /* codes in the pitch of the blocks */
					if (!fused)
						fx_epilogue_row(p, row, (int32_t)(nblk * 16), bv, sv, yo, 0);
					psrc = yo;
					pdst = (char *)out[0] + ((int64_t)b * p->m + o) * opl * (int64_t)es;
				}
			}
		}
	if (psrc)
		fx_copy_rows(pdst, psrc, out1, out2 * (int32_t)es, pitch * (int64_t)es);
}
#endif

/* Direct conv, int8 x, 1 or 2 spatial dims: per image and group, the cg
 * input planes zero-padded to int16 (hp x wp each), then per output channel
 * and row, int32 sums tap by tap across the row; products of int8 codes fit
 * int16, so gcc multiplies 16 lanes at once. For depthwise convs and those
 * with few taps per output (the lowering's choice). */
AXRT_API axrt_status
axrt_fx_conv_direct_i8(const axrt_fxconv_params *p, const void *const *in, void *const *out,
	void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *sh = (const int32_t *)in[3];
	int32_t hp = (p->out[1] - 1) * p->stride[1] + (p->k[1] - 1) * p->dil[1] + 1;
	int32_t sx = p->stride[2], ntap = p->k[1] * p->k[2], cg = p->c / p->group, mg = p->m / p->group;
	/* equal strides s: output (oy, ox) at flat index f = oy * wp + ox reads
	 * the plane at s * f plus the tap's offset (wide mode) */
	int unit = p->stride[1] == sx;
	int32_t wp = (p->out[2] - 1) * sx + (p->k[2] - 1) * p->dil[2] + 1;
	int64_t plane = (int64_t)p->in[1] * p->in[2], opl = (int64_t)p->out[1] * p->out[2], pp;
	int16_t *pad = (int16_t *)fx_align(scratch), *wv;
	int32_t *row, wide;
	char *ybuf;
	size_t es = p->yt == AXRT_DT_INT16 ? 2 : 1;

	if (cg == 1 && p->stride[1] == sx && p->k[1] * p->k[2] <= AXRT_FX_WIDE_TAPS) {
#if defined(__AVX2__)
		if (AXRT_FX_DWP_FITS(p)) {
			fx_dwp_i8(p, in, out, scratch);     /* ORDER FX_DWP */
			return AXRT_OK;
		}
#endif
		if (AXRT_FX_DWM_FITS(p))
			fx_dwm_i8(p, in, out, scratch);     /* ORDER FX_DWM */
		else
			fx_dw_i8(p, in, out, scratch);      /* ORDER FX_DW */
		return AXRT_OK;
	}
	pp = (int64_t)hp * wp;
	wv = (int16_t *)fx_align(pad + (size_t)(cg * pp));
	row = (int32_t *)fx_align(wv + (size_t)cg * ntap);
	ybuf = (char *)fx_align(row + pp);
	wide = (p->out[1] - 1) * wp + p->out[2];

	for (int32_t b = 0; b < p->n; b++)
		for (int32_t g = 0; g < p->group; g++) {
			const int8_t *x = (const int8_t *)in[0] + ((int64_t)b * p->c + (int64_t)g * cg) * plane;
			for (int32_t ci = 0; ci < cg; ci++)
				for (int32_t i = 0; i < hp; i++) {
					int32_t iy = i - p->pad[1], j = 0, a = p->pad[2], e = a + p->in[2];
					int16_t *d = pad + ci * pp + (int64_t)i * wp;
					const int8_t *src = x + ci * plane + (int64_t)iy * p->in[2] - a;
					if (iy < 0 || iy >= p->in[1])
						a = e = 0;   /* a padding row */
					e = e < wp ? e : wp;
					for (; j < a && j < wp; j++)
						d[j] = 0;
					for (; j < e; j++)
						d[j] = src[j];
					for (; j < wp; j++)
						d[j] = 0;
				}
			for (int32_t o = g * mg; o < (g + 1) * mg; o++) {
				int64_t ybase = ((int64_t)b * p->m + o) * opl;
				for (int32_t t = 0; t < cg * ntap; t++)
					wv[t] = (int16_t)axrt_fx_wld(in[1], p->wbits, (int64_t)o * p->kp + t);
				if (unit) {
					fx_direct_wide(p, pad, wv, cg, pp, wp, row, ybuf);
					fx_epilogue_row(p, row, wide, bias ? bias[o] : 0, sh[o], ybuf, 0);
					for (int32_t oy = 0; oy < p->out[1]; oy++)
						memcpy((char *)out[0] + (ybase + (int64_t)oy * p->out[2]) * es,
							ybuf + (size_t)oy * wp * es, (size_t)p->out[2] * es);
					continue;
				}
				for (int32_t oy = 0; oy < p->out[1]; oy++) {
					for (int32_t ox = 0; ox < p->out[2]; ox++)
						row[ox] = 0;
					for (int32_t t = 0; t < cg * ntap; t++) {
						int32_t ci = t / ntap, r = t % ntap / p->k[2], c = t % p->k[2];
						int16_t w = wv[t];
						const int16_t *src = pad + ci * pp + (int64_t)(oy * p->stride[1] +
							r * p->dil[1]) * wp + c * p->dil[2];
						if (w == 0)
							continue;
						for (int32_t ox = 0; ox < p->out[2]; ox++)
							row[ox] += (int16_t)(w * src[ox * sx]);
					}
					fx_epilogue_row(p, row, p->out[2], bias ? bias[o] : 0, sh[o], out[0],
						ybase + (int64_t)oy * p->out[2]);
				}
			}
		}
	return AXRT_OK;
}

/* ---- unit-stride convs over the padded width, channels in pairs ---- */

#if defined(__AVX2__)
/* 16 codes of each of two channels widened and interleaved as int16 pairs
 * at d (32 int16) */
static inline AXRT_UNUSED void
fx_wide_pair16(int16_t *d, __m128i v0, __m128i v1)
{
	__m256i a0 = _mm256_cvtepi8_epi16(v0), a1 = _mm256_cvtepi8_epi16(v1);
	__m256i lo = _mm256_unpacklo_epi16(a0, a1), hi = _mm256_unpackhi_epi16(a0, a1);

	_mm256_storeu_si256((__m256i *)d, _mm256_permute2x128_si256(lo, hi, 0x20));
	_mm256_storeu_si256((__m256i *)(d + 16), _mm256_permute2x128_si256(lo, hi, 0x31));
}
#endif

/* Codes first .. first + n - 1 of 4- or 2-bit storage (ORDER FX_WPACK;
 * first and n multiples of 8) widened to int16: the tiles of
 * fx_conv_wide_i8 with sub-byte weights. */
AXRT_PRIVATE void
fx_unpack16(const void *w, int32_t wbits, int64_t first, int64_t n, int16_t *restrict d)
{
	const uint8_t *restrict b = (const uint8_t *)w + first * wbits / 8;

	FX_UNPACK(b, wbits, n, d, int16_t);
}

/* The cg planes of group input xg zero-padded (hp x wp) with channels
 * 2j and 2j+1 interleaved as int16 pairs: pair plane j at xi + j * ps * 2,
 * position f at [2f, 2f+1] (0 for the missing channel of an odd cg);
 * positions pp..ps of each plane are 0 (read, then dropped). */
AXRT_PRIVATE void
fx_wide_pack(const axrt_fxconv_params *p, const int8_t *xg, int32_t cg, int32_t hp, int32_t wp,
	int64_t ps, int16_t *xi)
{
	int64_t plane = (int64_t)p->in[1] * p->in[2], pp = (int64_t)hp * wp;
	/* no padding and whole rows: the planes as one run each */
	int flat = p->pad[1] == 0 && p->pad[2] == 0 && wp == p->in[2] && hp <= p->in[1];
	int32_t nr = flat ? 1 : hp, rw = flat ? hp * wp : wp;

	for (int32_t j = 0; j < (cg + 1) / 2; j++) {
		int16_t *d = xi + (int64_t)j * ps * 2;
		const int8_t *s0 = xg + 2 * j * plane, *s1 = 2 * j + 1 < cg ? s0 + plane : NULL;
		for (int32_t i = 0; i < nr; i++) {
			int32_t iy = flat ? 0 : i - p->pad[1], x, a = flat ? 0 : p->pad[2] < wp ? p->pad[2] : wp;
			int32_t e = flat ? rw : a + p->in[2];
			int16_t *dr = d + (int64_t)i * rw * 2;
			int64_t r0 = (int64_t)iy * p->in[2] - a;    /* plane index of column 0 */
			if (iy < 0 || iy >= p->in[1])
				a = e = 0;      /* a padding row */
			e = e < rw ? e : rw;
			/* zeros 8 pairs at a time (fixed-size stores, no calls): the
			 * excess is overwritten below or lands as the excess below */
			for (x = 0; x < a; x += 8)
				memset(dr + 2 * x, 0, 32);
			x = a;
			/* 16 positions at a time while the reads stay in the plane:
			 * the excess lands in the following row (written after this
			 * one), in this row's right padding (zeroed below) or in the
			 * slack */
			for (; x < e && r0 + x + 16 <= plane; x += 16) {
#if defined(__AVX2__)
				__m128i v1 = s1 ? _mm_loadu_si128((const __m128i *)(s1 + r0 + x)) : _mm_setzero_si128();
				fx_wide_pair16(dr + 2 * x, _mm_loadu_si128((const __m128i *)(s0 + r0 + x)), v1);
#else
				int8_t t0[16], t1[16];
				memcpy(t0, s0 + r0 + x, 16);
				if (s1)
					memcpy(t1, s1 + r0 + x, 16);
				else
					memset(t1, 0, 16);
				for (int32_t u = 0; u < 16; u++) {
					dr[2 * (x + u)] = t0[u];
					dr[2 * (x + u) + 1] = t1[u];
				}
#endif
			}
#if defined(__AVX2__)
			/* the last 1..15 positions: the 16 codes that end with the run,
			 * shifted down by a byte shuffle, zeros past e (landing where
			 * the excess above lands) */
			if (x < e && r0 + e >= 16) {
				__m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
				__m128i ctrl = _mm_blendv_epi8(_mm_set1_epi8((char)0x80),
					_mm_add_epi8(iota, _mm_set1_epi8((char)(16 - (e - x)))),
					_mm_cmpgt_epi8(_mm_set1_epi8((char)(e - x)), iota));
				__m128i v1 = s1 ? _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(s1 + r0 + e - 16)), ctrl) :
					_mm_setzero_si128();
				fx_wide_pair16(dr + 2 * x,
					_mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(s0 + r0 + e - 16)), ctrl), v1);
				x = e;
			}
#endif
			for (; x < e; x++) {
				dr[2 * x] = s0[r0 + x];
				dr[2 * x + 1] = (int16_t)(s1 ? s1[r0 + x] : 0);
			}
			for (x = e; x < rw; x += 8)
				memset(dr + 2 * x, 0, 32);
		}
		memset(d + 2 * pp, 0, 64);       /* the slack: ps - pp = 16 pairs */
	}
}

/* Sums of AXRT_FX_MR channels at nv * 8 positions from f (nv 1 to FX_WNV):
 * acc[r * as + i] = sum over pairs j and taps t of the pair product of
 * position f + i + off[t] of pair plane j with weight pair wt[(j * ntap +
 * t) * MR + r] (two int16). One vpmaddwd per pair of channels, 8 positions,
 * one output channel: no horizontal sums. */
#if defined(__AVX2__)
/* nv * 8 codes of channels r and r + 1 (sums a0, a1 and b0, b1) to ya and
 * yb (unused when !two), packed and clamped together: n codes each (n <=
 * nv * 8), exactly, so that nothing past the band is written (ORDER
 * FX_WBAND). */
static inline AXRT_UNUSED void
fx_wq_store2(const FxWq *q, int32_t r, int32_t nv, __m256i a0, __m256i a1, __m256i b0, __m256i b1,
	int8_t *ya, int8_t *yb, int32_t n, int two)
{
	__m256i t;
	char tmp[32];

	a0 = fx_wq_code(q, a0, r);
	a1 = nv == 2 ? fx_wq_code(q, a1, r) : a0;
	b0 = fx_wq_code(q, b0, r + 1);
	b1 = nv == 2 ? fx_wq_code(q, b1, r + 1) : b0;
	/* int16 a 0-3 8-11 b 0-3 8-11 | a 4-7 12-15 b 4-7 12-15 as bytes,
	 * then the dwords in order: a's 16 codes, b's 16 codes */
	t = _mm256_packs_epi16(_mm256_packs_epi32(a0, a1), _mm256_packs_epi32(b0, b1));
	t = _mm256_permutevar8x32_epi32(t, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
	t = _mm256_max_epi8(_mm256_min_epi8(t, q->hi), q->lo);
	if (n == 16) {
		_mm_storeu_si128((__m128i *)ya, _mm256_castsi256_si128(t));
		if (two)
			_mm_storeu_si128((__m128i *)yb, _mm256_extracti128_si256(t, 1));
	} else if (n == 8) {
		_mm_storel_epi64((__m128i *)ya, _mm256_castsi256_si128(t));
		if (two)
			_mm_storel_epi64((__m128i *)yb, _mm256_extracti128_si256(t, 1));
	} else {
		_mm256_storeu_si256((__m256i *)tmp, t);
		fx_copy_tail((char *)ya, tmp, n);
		if (two)
			fx_copy_tail((char *)yb, tmp + 16, n);
	}
}

/* The start and end of the tiles of fx_wide_tile and fx_wide_tile_q: 8
 * accumulators c00 .. c31 (channel r, vector v: crv), from the biases of
 * q or 0; at the end, with q, the codes of the fused epilogue to y[r] (n
 * of them, r < nrow), else the sums to acc (channel r at acc + r * as). */
#define FX_TILE_START(q) \
	__m256i c00 = (q) ? _mm256_set1_epi32((q)->b[0]) : _mm256_setzero_si256(); \
	__m256i c10 = (q) ? _mm256_set1_epi32((q)->b[1]) : _mm256_setzero_si256(); \
	__m256i c20 = (q) ? _mm256_set1_epi32((q)->b[2]) : _mm256_setzero_si256(); \
	__m256i c30 = (q) ? _mm256_set1_epi32((q)->b[3]) : _mm256_setzero_si256(); \
	__m256i c01 = c00, c11 = c10, c21 = c20, c31 = c30
#define FX_TILE_END(q, nv, nrow, n, y, acc, as) do { \
	if (q) { \
		fx_wq_store2(q, 0, nv, c00, c01, c10, c11, (y)[0], (y)[1], n, (nrow) > 1); \
		if ((nrow) > 2) \
			fx_wq_store2(q, 2, nv, c20, c21, c30, c31, (y)[2], (y)[3], n, (nrow) > 3); \
		break; \
	} \
	_mm256_storeu_si256((__m256i *)(acc), c00); \
	_mm256_storeu_si256((__m256i *)((acc) + (as)), c10); \
	_mm256_storeu_si256((__m256i *)((acc) + 2 * (as)), c20); \
	_mm256_storeu_si256((__m256i *)((acc) + 3 * (as)), c30); \
	if ((nv) == 2) { \
		_mm256_storeu_si256((__m256i *)((acc) + 8), c01); \
		_mm256_storeu_si256((__m256i *)((acc) + (as) + 8), c11); \
		_mm256_storeu_si256((__m256i *)((acc) + 2 * (as) + 8), c21); \
		_mm256_storeu_si256((__m256i *)((acc) + 3 * (as) + 8), c31); \
	} \
} while (0)

/* Under AVX2 the tiles are of 2 vectors (16 positions): 8 accumulators,
 * the two position vectors and a weight pair stay in registers (with 3,
 * gcc spills accumulators: 1.25x slower). With q, the sums start from the
 * biases and leave as the codes of the fused epilogue: n codes of channel
 * r (r < nrow) at y[r]; else they are stored to acc. */
AXRT_PRIVATE void
fx_wide_tile(const int16_t *xi, const int32_t *offs, int32_t nstep, const int16_t *wt, int32_t nv,
	int32_t *acc, int32_t as, const FxWq *q, int8_t *const *y, int32_t nrow, int32_t n)
{
	FX_TILE_START(q);
	for (int32_t u = 0; u < nstep; u++) {
		const int16_t *x = xi + offs[u], *w = wt + (int64_t)u * AXRT_FX_MR * 2;
		int32_t w0, w1, w2, w3;
		__m256i x0 = _mm256_loadu_si256((const __m256i *)x), b;
		memcpy(&w0, w, 4);
		memcpy(&w1, w + 2, 4);
		memcpy(&w2, w + 4, 4);
		memcpy(&w3, w + 6, 4);
		if (nv == 2) {
			__m256i x1 = _mm256_loadu_si256((const __m256i *)(x + 16));
			b = _mm256_set1_epi32(w0);
			c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x0, b));
			c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x1, b));
			b = _mm256_set1_epi32(w1);
			c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x0, b));
			c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x1, b));
			b = _mm256_set1_epi32(w2);
			c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x0, b));
			c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x1, b));
			b = _mm256_set1_epi32(w3);
			c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x0, b));
			c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x1, b));
		} else {
			c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x0, _mm256_set1_epi32(w0)));
			c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x0, _mm256_set1_epi32(w1)));
			c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x0, _mm256_set1_epi32(w2)));
			c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x0, _mm256_set1_epi32(w3)));
		}
	}
	FX_TILE_END(q, nv, nrow, n, y, acc, as);
}
/* ORDER FX_WQUAD: a 1x1 conv whose input codes are all >= 0 (those after
 * a Relu or a Clip at 0) takes a fourth form under AVX2: channels in
 * quads, 4 codes per position as bytes, and vpmaddubsw -- unsigned input
 * bytes by signed weights, pairs of products summed to int16 -- then
 * vpmaddwd by ones to int32. With codes in 0..127 and weights in
 * -128..127 a pair sum is at most 2 * 127 * 128 = 32512 in magnitude:
 * no saturation, the exact products of the reference, twice the
 * products per instruction of the int16 pairs. */
FX_NOINLINE static AXRT_UNUSED int
fx_nonneg8(const int8_t *x, int64_t n)
{
	__m256i m = _mm256_setzero_si256();
	int64_t i = 0;

	for (; i + 128 <= n; i += 128) {      /* a signed input stops early */
		m = _mm256_or_si256(_mm256_or_si256(_mm256_loadu_si256((const __m256i *)(x + i)),
			_mm256_loadu_si256((const __m256i *)(x + i + 32))),
			_mm256_or_si256(_mm256_loadu_si256((const __m256i *)(x + i + 64)),
			_mm256_loadu_si256((const __m256i *)(x + i + 96))));
		if (_mm256_movemask_epi8(m))
			return 0;
	}
	for (; i + 32 <= n; i += 32)
		m = _mm256_or_si256(m, _mm256_loadu_si256((const __m256i *)(x + i)));
	for (; i < n; i++)
		if (x[i] < 0)
			return 0;
	return _mm256_movemask_epi8(m) == 0;
}

/* The quads of the cg planes of xg (cg a multiple of 4): positions r0 ..
 * r0 + cnt - 1 of each plane, quad plane j at xq + j * ps * 4, position f
 * at bytes 4f .. 4f + 3 (channels 4j .. 4j + 3); 16 positions at a time
 * while the reads stay in the plane, the last ones from the 16 that end
 * the run, shuffled down; positions cnt .. cnt + 15 zero. */
FX_NOINLINE AXRT_PRIVATE void
fx_quad_pack(const int8_t *xg, int32_t cg, int64_t plane, int64_t r0, int32_t cnt, int64_t ps,
	uint8_t *xq)
{
	__m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

	for (int32_t j = 0; j < cg / 4; j++) {
		const int8_t *s0 = xg + 4 * j * plane + r0;
		uint8_t *d = xq + (int64_t)j * ps * 4;
		int32_t x = 0;
		for (;;) {
			__m128i v[4], ctl = _mm_setzero_si128(), a, b, c, e;
			const int8_t *src;
			if (x >= cnt)
				break;
			if (r0 + x + 16 <= plane)
				src = s0 + x;
			else if (r0 + cnt >= 16) {
				/* bytes x .. cnt - 1 from the 16 that end at cnt */
				src = s0 + cnt - 16;
				ctl = _mm_blendv_epi8(_mm_set1_epi8((char)0x80),
					_mm_add_epi8(iota, _mm_set1_epi8((char)(16 - (cnt - x)))),
					_mm_cmpgt_epi8(_mm_set1_epi8((char)(cnt - x)), iota));
			} else
				break;
			for (int k = 0; k < 4; k++) {
				v[k] = _mm_loadu_si128((const __m128i *)(src + k * plane));
				if (r0 + x + 16 > plane)
					v[k] = _mm_shuffle_epi8(v[k], ctl);
			}
			a = _mm_unpacklo_epi8(v[0], v[1]);
			b = _mm_unpackhi_epi8(v[0], v[1]);
			c = _mm_unpacklo_epi8(v[2], v[3]);
			e = _mm_unpackhi_epi8(v[2], v[3]);
			_mm_storeu_si128((__m128i *)(d + 4 * x), _mm_unpacklo_epi16(a, c));
			_mm_storeu_si128((__m128i *)(d + 4 * x + 16), _mm_unpackhi_epi16(a, c));
			_mm_storeu_si128((__m128i *)(d + 4 * x + 32), _mm_unpacklo_epi16(b, e));
			_mm_storeu_si128((__m128i *)(d + 4 * x + 48), _mm_unpackhi_epi16(b, e));
			x += 16;
		}
		for (; x < cnt; x++)    /* planes of fewer than 16 codes */
			for (int k = 0; k < 4; k++)
				d[4 * x + k] = (uint8_t)s0[k * plane + x];
		memset(d + 4 * (int64_t)cnt, 0, 64);
	}
}

/* fx_wide_tile of FX_WQUAD: nq quads, quad plane stride qs bytes, the
 * weights as one int32 (4 codes) per quad and channel. */
FX_NOINLINE AXRT_PRIVATE void
fx_wide_tile_q(const uint8_t *xq, int64_t qs, int32_t nq, const int32_t *wq, int32_t nv,
	int32_t *acc, int32_t as, const FxWq *q, int8_t *const *y, int32_t nrow, int32_t n)
{
	__m256i ones = _mm256_set1_epi16(1);
	FX_TILE_START(q);
#define FX_QMAC(c, x, b) c = _mm256_add_epi32(c, _mm256_madd_epi16(_mm256_maddubs_epi16(x, b), ones))
	for (int32_t u = 0; u < nq; u++, xq += qs, wq += AXRT_FX_MR) {
		__m256i x0 = _mm256_loadu_si256((const __m256i *)xq), b;
		if (nv == 2) {
			__m256i x1 = _mm256_loadu_si256((const __m256i *)(xq + 32));
#define FX_QROW2(k, c0, c1) b = _mm256_set1_epi32(wq[k]); FX_QMAC(c0, x0, b); FX_QMAC(c1, x1, b);
			FX_QROW2(0, c00, c01) FX_QROW2(1, c10, c11)
			FX_QROW2(2, c20, c21) FX_QROW2(3, c30, c31)
#undef FX_QROW2
		} else {
			FX_QMAC(c00, x0, _mm256_set1_epi32(wq[0]));
			FX_QMAC(c10, x0, _mm256_set1_epi32(wq[1]));
			FX_QMAC(c20, x0, _mm256_set1_epi32(wq[2]));
			FX_QMAC(c30, x0, _mm256_set1_epi32(wq[3]));
		}
	}
#undef FX_QMAC
	FX_TILE_END(q, nv, nrow, n, y, acc, as);
}
#define FX_WNV 2     /* position vectors per tile */
#else
AXRT_PRIVATE void
fx_wide_tile(const int16_t *xi, const int32_t *offs, int32_t nstep, const int16_t *wt, int32_t nv,
	int32_t *acc, int32_t as)
{
	int32_t n = nv * 8;

	for (int32_t r = 0; r < AXRT_FX_MR; r++)
		for (int32_t i = 0; i < n; i++)
			acc[r * as + i] = 0;
	for (int32_t u = 0; u < nstep; u++) {
		const int16_t *x = xi + offs[u], *w = wt + (int64_t)u * AXRT_FX_MR * 2;
		for (int32_t r = 0; r < AXRT_FX_MR; r++) {
			int32_t a = w[2 * r], b = w[2 * r + 1], *c = acc + r * as;
			for (int32_t i = 0; i < n; i++)
				c[i] += x[2 * i] * a + x[2 * i + 1] * b;
		}
	}
}
#define FX_WNV 3
#endif

AXRT_API axrt_status
axrt_fx_conv_wide_i8(const axrt_fxconv_params *p, const void *const *in, void *const *out,
	void *scratch)
{
	const int32_t *bias = (const int32_t *)in[2], *sh = (const int32_t *)in[3];
	int32_t cg = p->c / p->group, mg = p->m / p->group, ntap = p->k[1] * p->k[2];
	int32_t npair = (cg + 1) / 2, nvec, as, wide, *offs;
	int32_t kh = (p->k[1] - 1) * p->dil[1] + 1;
	int32_t wp = (p->out[2] - 1) + (p->k[2] - 1) * p->dil[2] + 1;
	int32_t rows = AXRT_FX_WIDE_ROWS(cg, kh, wp, ntap, p->out[1]);   /* ORDER FX_WBAND */
	int64_t ps = (int64_t)(rows + kh - 1) * wp + 16, plane = (int64_t)p->in[1] * p->in[2];
	int64_t tsz = (int64_t)npair * ntap * AXRT_FX_MR * 2;    /* codes per tile */
	int64_t opl = (int64_t)p->out[1] * p->out[2];
	int16_t *xi = (int16_t *)fx_align(scratch), *wt;
	int32_t *acc;
	char *ybuf;
	size_t es = p->yt == AXRT_DT_INT16 ? 2 : 1;
#if defined(__AVX2__)
	int quad;
#endif

	wide = (rows - 1) * wp + p->out[2];
	as = (wide + 7) / 8 * 8;
	wt = (int16_t *)fx_align(xi + (size_t)npair * ps * 2);
	acc = (int32_t *)fx_align(wt + tsz);
	ybuf = (char *)fx_align(acc + (size_t)AXRT_FX_MR * as);
	offs = (int32_t *)fx_align(ybuf + (size_t)wide * es);
	/* step u = j * ntap + t: pair plane j, tap t, in int16 elements */
	for (int32_t u = 0; u < npair * ntap; u++) {
		int32_t t = u % ntap;
		offs[u] = (int32_t)((u / ntap * ps + t / p->k[2] * p->dil[1] * wp +
			t % p->k[2] * p->dil[2]) * 2);
	}
#if defined(__AVX2__)
	/* ORDER FX_WQUAD: a 1x1 over quads of channels, where the codes allow;
	 * its quad planes and weights take less than the pairs' */
	quad = ntap == 1 && cg % 4 == 0 && p->xt == AXRT_DT_INT8 && p->wbits == 8 && AXRT_FX_CONV_1X1(p) &&
		fx_nonneg8((const int8_t *)in[0], (int64_t)p->n * p->c * plane);
#endif
	for (int32_t b = 0; b < p->n; b++)
		for (int32_t g = 0; g < p->group; g++)
		for (int32_t y0 = 0; y0 < p->out[1]; y0 += rows) {
			const int8_t *xg = (const int8_t *)in[0] + ((int64_t)b * p->c + (int64_t)g * cg) * plane;
			axrt_fxconv_params q = *p;
			int32_t nr = p->out[1] - y0 < rows ? p->out[1] - y0 : rows, bw;

			/* the band: output rows y0 .. y0 + nr - 1 read input rows
			 * y0 - pad .. y0 - pad + nr + kh - 2 (stride 1) */
			q.out[1] = nr;
			q.pad[1] = p->pad[1] - y0;
			bw = (nr - 1) * wp + p->out[2];
#if defined(__AVX2__)
			if (quad)
				fx_quad_pack(xg, cg, plane, (int64_t)y0 * wp, bw, ps, (uint8_t *)xi);
			else
#endif
			fx_wide_pack(&q, xg, cg, nr + kh - 1, wp, ps, xi);
			nvec = (bw + 7) / 8;
			for (int32_t o = 0; o < mg; o += AXRT_FX_MR) {
				int32_t nrow = mg - o < AXRT_FX_MR ? mg - o : AXRT_FX_MR, oc = g * mg + o, v;
				/* the tile's weights (ORDER FX_WTILE) widened to int16 */
				int64_t ti = (int64_t)g * ((mg + AXRT_FX_MR - 1) / AXRT_FX_MR) + o / AXRT_FX_MR;
				const int8_t *ws = (const int8_t *)in[1] + ti * tsz;
#if defined(__AVX2__)
				if (quad)     /* quad j, channel r: the codes of pairs 2j and 2j + 1 */
					for (int32_t j = 0; j < cg / 4; j++)
						for (int32_t r = 0; r < AXRT_FX_MR; r++) {
							uint8_t t[4];
							memcpy(t, ws + (2 * j * AXRT_FX_MR + r) * 2, 2);
							memcpy(t + 2, ws + ((2 * j + 1) * AXRT_FX_MR + r) * 2, 2);
							memcpy((int32_t *)wt + j * AXRT_FX_MR + r, t, 4);
						}
				else
#endif
				if (p->wbits < 8)
					fx_unpack16(in[1], p->wbits, ti * tsz, tsz, wt);
				else
					for (int64_t i = 0; i < tsz; i++)
						wt[i] = ws[i];
#if defined(__AVX2__)
				/* ORDER FX_WQ: the epilogue inside the tile where the
				 * outputs are the band's positions (no padded columns)
				 * and every channel's requantization fits its int32 form */
				if (wp == p->out[2]) {
					FxWq wq;
					int8_t *yr[AXRT_FX_MR];
					int fits = 1;
					for (int32_t r = 0; r < AXRT_FX_MR; r++) {
						int32_t rr = r < nrow ? r : 0;
						fits &= fx_wq_set(&wq, p, r, bias && r < nrow ? bias[oc + r] : 0, sh[oc + rr],
							(int64_t)cg * ntap);
						yr[r] = (int8_t *)out[0] + ((int64_t)b * p->m + oc + rr) * opl +
							(int64_t)y0 * p->out[2];
					}
					if (fits) {
						for (v = 0; v < nvec; v += v + FX_WNV <= nvec ? FX_WNV : 1) {
							int32_t nv = v + FX_WNV <= nvec ? FX_WNV : 1, cnt = bw - v * 8 < nv * 8 ? bw - v * 8 : nv * 8;
							int8_t *yv[AXRT_FX_MR];
							for (int32_t r = 0; r < AXRT_FX_MR; r++)
								yv[r] = yr[r] + v * 8;
							if (quad)
								fx_wide_tile_q((const uint8_t *)xi + (size_t)v * 32, ps * 4, cg / 4,
									(const int32_t *)wt, nv, acc + (size_t)v * 8, as, &wq, yv, nrow, cnt);
							else
								fx_wide_tile(xi + (size_t)v * 16, offs, npair * ntap, wt, nv,
									acc + (size_t)v * 8, as, &wq, yv, nrow, cnt);
						}
						continue;
					}
				}
				for (v = 0; v < nvec; v += v + FX_WNV <= nvec ? FX_WNV : 1)
					if (quad)
						fx_wide_tile_q((const uint8_t *)xi + (size_t)v * 32, ps * 4, cg / 4,
							(const int32_t *)wt, v + FX_WNV <= nvec ? FX_WNV : 1, acc + (size_t)v * 8, as,
							NULL, NULL, 0, 0);
					else
						fx_wide_tile(xi + (size_t)v * 16, offs, npair * ntap, wt,
							v + FX_WNV <= nvec ? FX_WNV : 1, acc + (size_t)v * 8, as, NULL, NULL, 0, 0);
#else
				for (v = 0; v < nvec; v += v + FX_WNV <= nvec ? FX_WNV : 1)
					fx_wide_tile(xi + (size_t)v * 16, offs, npair * ntap, wt,
						v + FX_WNV <= nvec ? FX_WNV : 1, acc + (size_t)v * 8, as);
#endif
				for (int32_t r = 0; r < nrow; r++) {
					int64_t ybase = ((int64_t)b * p->m + oc + r) * opl + (int64_t)y0 * p->out[2];
					if (wp == p->out[2]) {     /* no padded columns */
						fx_epilogue_row(p, acc + r * as, bw, bias ? bias[oc + r] : 0,
							sh[oc + r], out[0], ybase);
						continue;
					}
					fx_epilogue_row(p, acc + r * as, bw, bias ? bias[oc + r] : 0, sh[oc + r],
						ybuf, 0);
					for (int32_t oy = 0; oy < nr; oy++)
						memcpy((char *)out[0] + (ybase + (int64_t)oy * p->out[2]) * es,
							ybuf + (size_t)oy * wp * es, (size_t)p->out[2] * es);
				}
			}
		}
	return AXRT_OK;
}
