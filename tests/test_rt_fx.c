/* test_rt_fx.c: the fx runtime family (integer fixed-point kernels) and its
 * lowering (compiler/ops/fx.c, fx_nn.c). Reference kernels are checked
 * against an independent double-precision computation of the fixed-point
 * definitions (APPROX.md §3, docs/FIXED_POINT.md) written here; the int8
 * fast paths against the reference kernels, bit for bit; small models with
 * hand-set formats through the lowering and the interpreter against a
 * double simulation of the same model. */
#include <fenv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "axrt.h"
#include "codegen.h"
#include "driver.h"
#include "onnxbuild.h"
#include "testutil.h"

/* ---- the independent arithmetic ---- */

static uint32_t rng_state = 12345;

static int32_t
rnd(int32_t lo, int32_t hi)        /* uniform in [lo, hi] */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return lo + (int32_t)(rng_state % (uint32_t)(hi - lo + 1));
}

static void
rnd_milli(float *v, int n, int32_t lo, int32_t hi)   /* rnd(lo, hi) / 1000 each */
{
	for (int i = 0; i < n; i++)
		v[i] = (float)rnd(lo, hi) / 1000.0f;
}

/* v * 2^-s rounded as the format says: nearbyint in the default
 * (to nearest, ties to even) mode, or floor. Exact for |v| < 2^53. */
static double
ref_shift(double v, int s, int round)
{
	double r = ldexp(v, -s);
	return round == AXRT_FIXED_TRUNC ? floor(r) : nearbyint(r);
}

static double
ref_sat(double v, int bits)
{
	double hi = ldexp(1.0, bits - 1) - 1;
	return v > hi ? hi : v < -hi - 1 ? -hi - 1 : v;
}

/* the conv/gemm epilogue (axrt_fx.h) in double */
static int32_t
ref_epi(double v, int s, int round, int bits, int act, int lo, int hi, int alpha16)
{
	double y;
	if (act == AXRT_ACT_LEAKYRELU && v < 0)
		y = ref_sat(ref_shift(v * alpha16, s + 16, round), bits);
	else
		y = ref_sat(ref_shift(v, s, round), bits);
	y = y < lo ? lo : y > hi ? hi : y;
	return (int32_t)y;
}

static int
store_bytes(int t)
{
	return t == AXRT_DT_INT16 ? 2 : 1;
}

static void
st(void *p, int t, int64_t i, int32_t v)
{
	if (t == AXRT_DT_INT16)
		((int16_t *)p)[i] = (int16_t)v;
	else
		((int8_t *)p)[i] = (int8_t)v;
}

static int32_t
ld(const void *p, int t, int64_t i)
{
	return t == AXRT_DT_INT16 ? ((const int16_t *)p)[i] : ((const int8_t *)p)[i];
}

/* Packs rows x k codes with row stride kp for storage wbits, written from
 * the layout in axrt_fx.h. */
static void *
pack_rows(const int32_t *w, int rows, int k, int kp, int wbits)
{
	size_t bytes = (size_t)rows * kp * (wbits == 16 ? 2 : 1) / (wbits < 8 ? 8 / wbits : 1);
	uint8_t *b = calloc(bytes + 1, 1);
	for (int r = 0; r < rows; r++)
		for (int j = 0; j < k; j++) {
			int64_t e = (int64_t)r * kp + j;
			int32_t q = w[r * k + j];
			if (wbits == 16)
				((int16_t *)b)[e] = (int16_t)q;
			else if (wbits == 8)
				((int8_t *)b)[e] = (int8_t)q;
			else if (wbits == 4)
				b[e / 2] |= (uint8_t)((q & 15) << (4 * (e % 2)));
			else
				b[e / 4] |= (uint8_t)((q & 3) << (2 * (e % 4)));
		}
	return b;
}

static int
storage_of(int qbits)
{
	return qbits <= 2 ? 2 : qbits <= 4 ? 4 : qbits <= 8 ? 8 : 16;
}

/* ---- axrt_fx_shift ---- */

START_TEST(test_fx_shift_matches_double)
{
	for (int round = 0; round < 2; round++)
		for (int s = -4; s <= 14; s++)
			for (int64_t v = -3000; v <= 3000; v++) {
				int64_t got = axrt_fx_shift(v, s, round);
				ck_assert_msg((double)got == ref_shift((double)v, s, round),
					"shift(%lld, %d, %d) = %lld", (long long)v, s, round, (long long)got);
			}
	/* ties: 2.5 -> 2, 3.5 -> 4, -2.5 -> -2, -3.5 -> -4; floor: -2.5 -> -3 */
	ck_assert_int_eq(axrt_fx_shift(5, 1, AXRT_FIXED_NEAREST), 2);
	ck_assert_int_eq(axrt_fx_shift(7, 1, AXRT_FIXED_NEAREST), 4);
	ck_assert_int_eq(axrt_fx_shift(-5, 1, AXRT_FIXED_NEAREST), -2);
	ck_assert_int_eq(axrt_fx_shift(-7, 1, AXRT_FIXED_NEAREST), -4);
	ck_assert_int_eq(axrt_fx_shift(-5, 1, AXRT_FIXED_TRUNC), -3);
	ck_assert_int_eq(axrt_fx_sat(200, 8), 127);
	ck_assert_int_eq(axrt_fx_sat(-200, 8), -128);
	ck_assert_int_eq(axrt_fx_sat(9, 4), 7);
}
END_TEST

/* ---- conv ---- */

typedef struct ConvCase {
	int n, c, m, group, in[3], k[3], stride[3], dil[3], pad[3];
	int xbits, wbits, ybits, act, round;
} ConvCase;

static const ConvCase conv_cases[] = {
	/* n c  m  g   in         k        stride   dil      pad     xb wb yb act round */
	{1, 3, 5, 1, {1, 7, 6}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_RELU, 0},
	{2, 4, 6, 2, {1, 9, 8}, {1, 3, 3}, {1, 2, 2}, {1, 1, 1}, {0, 1, 1}, 8, 4, 8, AXRT_ACT_NONE, 1},
	{1, 16, 8, 1, {1, 5, 5}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 2, 12, AXRT_ACT_CLIP, 0},
	{1, 8, 8, 8, {1, 6, 7}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_LEAKYRELU, 0},
	{1, 8, 8, 8, {1, 9, 10}, {1, 3, 3}, {1, 2, 2}, {1, 1, 1}, {0, 1, 1}, 7, 3, 6, AXRT_ACT_RELU, 0},
	{1, 2, 3, 1, {4, 4, 4}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, {1, 0, 1}, 12, 10, 16, AXRT_ACT_NONE, 0},
	{2, 3, 4, 1, {1, 1, 17}, {1, 1, 5}, {1, 1, 1}, {1, 1, 2}, {0, 0, 3}, 8, 8, 8, AXRT_ACT_NONE, 0},
	{1, 16, 20, 1, {1, 12, 12}, {1, 5, 5}, {1, 1, 1}, {1, 1, 1}, {0, 2, 2}, 8, 8, 8, AXRT_ACT_RELU, 0},
	{1, 6, 6, 6, {1, 11, 11}, {1, 5, 5}, {1, 1, 1}, {1, 2, 2}, {0, 4, 4}, 8, 6, 8, AXRT_ACT_NONE, 1},
	{1, 32, 40, 1, {1, 10, 10}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 8, AXRT_ACT_RELU, 0},
	{1, 24, 16, 4, {1, 8, 8}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 6, 5, 8, AXRT_ACT_CLIP, 0},
	{1, 5, 130, 1, {1, 3, 70}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_NONE, 0},
	{1, 3, 4, 1, {3, 5, 6}, {2, 3, 3}, {1, 1, 2}, {1, 1, 1}, {1, 1, 0}, 8, 8, 8, AXRT_ACT_RELU, 0},
	{1, 4, 6, 2, {1, 7, 9}, {1, 3, 2}, {1, 2, 1}, {1, 2, 3}, {0, 2, 1}, 8, 4, 8, AXRT_ACT_NONE, 0},
	{1, 3, 5, 1, {1, 20, 19}, {1, 7, 7}, {1, 2, 2}, {1, 1, 1}, {0, 3, 3}, 8, 8, 8, AXRT_ACT_RELU, 0},
	{1, 20, 9, 1, {1, 6, 5}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 8, AXRT_ACT_NONE, 1},
	/* fx_conv_wide_i8: odd channel counts (a half-empty pair), channel
	 * counts not a multiple of AXRT_FX_MR, a wide plane (several tiles of
	 * 24 positions and a single-vector tail), asymmetric padding */
	{1, 7, 6, 1, {1, 9, 11}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_RELU, 0},
	{1, 5, 9, 1, {1, 30, 29}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 7, 8, AXRT_ACT_NONE, 1},
	{1, 6, 10, 2, {1, 8, 13}, {1, 3, 2}, {1, 1, 1}, {1, 1, 1}, {0, 2, 1}, 8, 6, 8, AXRT_ACT_CLIP, 0},
	/* and its weights of 4 and 2 bits (packed tiles) */
	{1, 7, 6, 1, {1, 9, 11}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 4, 8, AXRT_ACT_RELU, 0},
	{1, 5, 9, 1, {1, 12, 13}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 2, 8, AXRT_ACT_NONE, 1},
	{1, 12, 10, 1, {1, 6, 9}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 3, 8, AXRT_ACT_CLIP, 0},
	/* depthwise without padded planes (ORDER FX_DWM): stride 1 and 2,
	 * odd and even sizes, no padding, a channel multiplier of 2, 5x5 */
	{1, 5, 5, 5, {1, 14, 14}, {1, 3, 3}, {1, 2, 2}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_CLIP, 0},
	{2, 4, 4, 4, {1, 7, 9}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 8, AXRT_ACT_NONE, 1},
	{1, 3, 6, 3, {1, 11, 10}, {1, 5, 5}, {1, 1, 1}, {1, 1, 1}, {0, 2, 1}, 8, 8, 8, AXRT_ACT_RELU, 0},
	{1, 2, 2, 2, {1, 15, 13}, {1, 3, 3}, {1, 2, 2}, {1, 1, 1}, {0, 0, 1}, 8, 8, 8, AXRT_ACT_NONE, 0},
	{1, 1, 16, 1, {1, 28, 28}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_RELU, 0},
	/* depthwise 3x3 of ORDER FX_DWP (AVX2 builds): int16 codes out (the
	 * epilogue outside the registers), rows of 7 and of 20 codes,
	 * truncation; a 1x1 with truncation (ORDER FX_WQ) */
	{1, 4, 4, 4, {1, 9, 8}, {1, 3, 3}, {1, 2, 2}, {1, 1, 1}, {0, 1, 1}, 8, 8, 12, AXRT_ACT_NONE, 1},
	{1, 3, 3, 3, {1, 7, 7}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_RELU, 1},
	{1, 2, 2, 2, {1, 5, 20}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 5, 8, AXRT_ACT_CLIP, 0},
	{1, 12, 10, 1, {1, 6, 9}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 8, AXRT_ACT_CLIP, 1},
	/* FX_DWP's row packing: rows of up to 8 codes (wp >= 8) and of 9 to 16
	 * (wp >= 16) in one piece, the last rows read backward; rows too short
	 * for the piece; two images and a channel multiplier of 2 (the next
	 * plane packed ahead of the sums) */
	{2, 3, 3, 3, {1, 6, 6}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_RELU, 0},
	{1, 2, 2, 2, {1, 9, 15}, {1, 3, 3}, {1, 2, 2}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_NONE, 0},
	{1, 2, 2, 2, {1, 11, 12}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_CLIP, 1},
	{1, 2, 2, 2, {1, 2, 3}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_NONE, 0},
	{1, 2, 4, 2, {1, 8, 8}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_RELU, 0},
	/* 1x1 and 3x3 over planes taller than one block's rows (ORDER FX_BAND) */
	{1, 40, 8, 1, {1, 13, 12}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 8, AXRT_ACT_RELU, 0},
	{1, 32, 6, 1, {1, 14, 9}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, 8, 8, 8, AXRT_ACT_NONE, 0},
};

/* The test's data for one case: codes, packed weights, params. */
typedef struct ConvData {
	axrt_fxconv_params p;
	int64_t nx, ny, kk;
	void *x, *wpk;
	int32_t *w, *bias, *shift;
} ConvData;

static void
conv_setup(const ConvCase *cc, int kp_align, ConvData *d)
{
	axrt_fxconv_params *p = &d->p;
	int per;
	memset(d, 0, sizeof *d);
	p->n = cc->n; p->c = cc->c; p->m = cc->m; p->group = cc->group;
	for (int i = 0; i < 3; i++) {
		p->in[i] = cc->in[i]; p->k[i] = cc->k[i]; p->stride[i] = cc->stride[i];
		p->dil[i] = cc->dil[i]; p->pad[i] = cc->pad[i];
		p->out[i] = (cc->in[i] + 2 * cc->pad[i] - cc->dil[i] * (cc->k[i] - 1) - 1) / cc->stride[i] + 1;
	}
	p->xt = cc->xbits <= 8 ? AXRT_DT_INT8 : AXRT_DT_INT16;
	p->yt = cc->ybits <= 8 ? AXRT_DT_INT8 : AXRT_DT_INT16;
	p->wbits = storage_of(cc->wbits);
	p->ybits = cc->ybits;
	p->round = cc->round;
	p->act = cc->act;
	p->lo = -(1 << (cc->ybits - 1));
	p->hi = (1 << (cc->ybits - 1)) - 1;
	if (cc->act == AXRT_ACT_RELU)
		p->lo = 0;
	if (cc->act == AXRT_ACT_CLIP) {
		p->lo = -(1 << (cc->ybits - 3));
		p->hi = 1 << (cc->ybits - 2);
	}
	p->alpha16 = 6554;     /* 0.1 */
	d->kk = (int64_t)cc->c / cc->group * cc->k[0] * cc->k[1] * cc->k[2];
	per = p->wbits < 8 ? 8 / p->wbits : 1;
	if (kp_align < per)
		kp_align = per;
	p->kp = (int32_t)((d->kk + kp_align - 1) / kp_align * kp_align);
	d->nx = (int64_t)cc->n * cc->c * cc->in[0] * cc->in[1] * cc->in[2];
	d->ny = (int64_t)cc->n * cc->m * p->out[0] * p->out[1] * p->out[2];
	d->x = malloc((size_t)d->nx * 2);
	for (int64_t i = 0; i < d->nx; i++)
		st(d->x, p->xt, i, rnd(-(1 << (cc->xbits - 1)), (1 << (cc->xbits - 1)) - 1));
	d->w = malloc((size_t)(cc->m * d->kk) * sizeof *d->w);
	for (int64_t i = 0; i < cc->m * d->kk; i++)
		d->w[i] = rnd(-(1 << (cc->wbits - 1)), (1 << (cc->wbits - 1)) - 1);
	d->wpk = pack_rows(d->w, cc->m, (int)d->kk, p->kp, p->wbits);
	d->bias = malloc((size_t)cc->m * 4);
	d->shift = malloc((size_t)cc->m * 4);
	for (int o = 0; o < cc->m; o++) {
		d->bias[o] = rnd(-3000, 3000);
		/* about log2(sqrt(K) * xmax * wmax / ymax): outputs use the range
		 * and some saturate; one channel shifts left */
		d->shift[o] = o == 1 ? -1 : rnd(1, cc->xbits + cc->wbits - cc->ybits + 3);
	}
}

static void
conv_free(ConvData *d)
{
	free(d->x); free(d->w); free(d->wpk); free(d->bias); free(d->shift);
}

static int32_t
conv_expect(const ConvCase *cc, const ConvData *d, int b, int o, int z, int y, int x)
{
	const axrt_fxconv_params *p = &d->p;
	int cg = cc->c / cc->group, g = o / (cc->m / cc->group);
	double acc = d->bias[o];
	int64_t e = 0;
	for (int ci = 0; ci < cg; ci++)
		for (int a = 0; a < cc->k[0]; a++)
			for (int r = 0; r < cc->k[1]; r++)
				for (int s = 0; s < cc->k[2]; s++, e++) {
					int iz = z * cc->stride[0] - cc->pad[0] + a * cc->dil[0];
					int iy = y * cc->stride[1] - cc->pad[1] + r * cc->dil[1];
					int ix = x * cc->stride[2] - cc->pad[2] + s * cc->dil[2];
					if (iz < 0 || iz >= cc->in[0] || iy < 0 || iy >= cc->in[1] || ix < 0 || ix >= cc->in[2])
						continue;
					int64_t xi = ((((int64_t)b * cc->c + g * cg + ci) * cc->in[0] + iz) * cc->in[1] + iy) *
						cc->in[2] + ix;
					acc += (double)ld(d->x, p->xt, xi) * d->w[o * d->kk + e];
				}
	return ref_epi(acc, d->shift[o], p->round, p->ybits, p->act, p->lo, p->hi, p->alpha16);
}

static void *
run_conv(KernelId k, const ConvData *d)
{
	static uint8_t scratch[1 << 20];
	void *y = calloc((size_t)d->ny, 2);
	const void *in[4] = {d->x, d->wpk, d->bias, d->shift};
	void *out[1] = {y};
	ck_assert_int_eq(kernel_call(k, &d->p, in, out, scratch), 0);
	return y;
}

START_TEST(test_fx_conv_reference_matches_double)
{
	for (size_t ci = 0; ci < sizeof conv_cases / sizeof *conv_cases; ci++) {
		const ConvCase *cc = &conv_cases[ci];
		ConvData d;
		conv_setup(cc, 1, &d);
		int32_t *y = run_conv(K_fx_conv, &d), nsat = 0;
		int64_t i = 0;
		for (int b = 0; b < cc->n; b++)
			for (int o = 0; o < cc->m; o++)
				for (int z = 0; z < d.p.out[0]; z++)
					for (int yy = 0; yy < d.p.out[1]; yy++)
						for (int x = 0; x < d.p.out[2]; x++, i++) {
							int32_t want = conv_expect(cc, &d, b, o, z, yy, x);
							int32_t got = ld(y, d.p.yt, i);
							ck_assert_msg(got == want, "case %zu output %lld: %d, expected %d",
								ci, (long long)i, got, want);
							nsat += want == d.p.hi;
						}
		ck_assert_msg(nsat < d.ny, "case %zu: everything saturates, a weak test", ci);
		free(y);
		conv_free(&d);
	}
}
END_TEST

START_TEST(test_fx_conv_fast_matches_reference)
{
	int nfast = 0, ndw = 0;
	for (size_t ci = 0; ci < sizeof conv_cases / sizeof *conv_cases; ci++) {
		const ConvCase *cc = &conv_cases[ci];
		if (cc->xbits > 8 || cc->wbits > 8)
			continue;
		/* both fast kernels where they apply: im2col + dot products, and
		 * direct (1-D and 2-D) */
		for (int direct = 0; direct < 2; direct++) {
			ConvData d;
			if (direct && cc->in[0] != 1)
				continue;
			conv_setup(cc, direct ? 1 : AXRT_FX_KB, &d);
			void *want = run_conv(K_fx_conv, &d);
			void *got = run_conv(direct ? K_fx_conv_direct_i8 : K_fx_conv_i8, &d);
			ck_assert_msg(memcmp(want, got, (size_t)d.ny * store_bytes(d.p.yt)) == 0,
				"case %zu: fast path %s differs from the reference", ci, direct ? "direct" : "im2col");
			nfast += !direct;
			ndw += direct;
			free(want);
			free(got);
			conv_free(&d);
		}
	}
	ck_assert_int_ge(nfast, 5);
	ck_assert_int_ge(ndw, 3);
}
END_TEST

/* The weights of fx_conv_wide_i8 (ORDER FX_WTILE, axrt_fx.h), written from
 * the layout's definition: per group and tile of AXRT_FX_MR output
 * channels, per pair of input channels and tap, the MR channels' codes of
 * the pair's two channels; 0 for missing channels; stored for wbits as
 * one row of codes. */
static void *
pack_wide(const ConvCase *cc, const int32_t *w, int64_t kk, int wbits)
{
	int cg = cc->c / cc->group, mg = cc->m / cc->group, ntap = cc->k[1] * cc->k[2];
	int ntile = (mg + AXRT_FX_MR - 1) / AXRT_FX_MR, npair = (cg + 1) / 2;
	int n = cc->group * ntile * npair * ntap * AXRT_FX_MR * 2;
	int32_t *t = calloc((size_t)n, sizeof *t);
	size_t i = 0;
	for (int g = 0; g < cc->group; g++)
		for (int tile = 0; tile < ntile; tile++)
			for (int j = 0; j < npair; j++)
				for (int u = 0; u < ntap; u++)
					for (int r = 0; r < AXRT_FX_MR; r++)
						for (int h = 0; h < 2; h++, i++) {
							int o = tile * AXRT_FX_MR + r, ci = 2 * j + h;
							if (o < mg && ci < cg)
								t[i] = w[(g * mg + o) * kk + ci * ntap + u];
						}
	void *b = pack_rows(t, 1, n, n, wbits);
	free(t);
	return b;
}

/* fx_conv on d (its weights in rows), then fx_conv_wide_i8 on the same
 * weights in tiles: the same bits (what: a prefix for the message). */
static void
expect_wide_same(const ConvCase *cc, ConvData *d, const char *what, size_t ci)
{
	void *want = run_conv(K_fx_conv, d);
	void *tiles = pack_wide(cc, d->w, d->kk, d->p.wbits);
	free(d->wpk);
	d->wpk = tiles;
	void *got = run_conv(K_fx_conv_wide_i8, d);
	ck_assert_msg(memcmp(want, got, (size_t)d->ny * store_bytes(d->p.yt)) == 0,
		"%scase %zu: fx_conv_wide_i8 differs from the reference", what, ci);
	free(want);
	free(got);
}

/* fx_conv_wide_i8 (unit strides, 1 or 2 spatial dims, weights of 8, 4 or
 * 2 bits in tiles) gives fx_conv's bits. */
START_TEST(test_fx_conv_wide_matches_reference)
{
	int nwide = 0;
	for (size_t ci = 0; ci < sizeof conv_cases / sizeof *conv_cases; ci++) {
		const ConvCase *cc = &conv_cases[ci];
		if (cc->xbits > 8 || cc->wbits > 8 || cc->in[0] != 1 ||
		    cc->stride[1] != 1 || cc->stride[2] != 1)
			continue;
		ConvData d;
		conv_setup(cc, 1, &d);
		expect_wide_same(cc, &d, "", ci);
		nwide++;
		conv_free(&d);
	}
	ck_assert_int_ge(nwide, 8);
}
END_TEST

/* 1x1 convs whose input codes are all >= 0 (after a Relu or Clip), which
 * fx_conv_wide_i8 sums over channel quads under AVX2 (ORDER FX_WQUAD):
 * several bands (the last one's codes read backward), a partial tile of
 * channels; int16 codes out (sums stored, the epilogue outside); a plane
 * of fewer than 16 positions; 2 groups and 2 images; and a channel count
 * not a multiple of 4 (the pairs) */
static const ConvCase quad_cases[] = {
	{1, 96, 6, 1, {1, 14, 14}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 8, AXRT_ACT_NONE, 0},
	{1, 32, 8, 1, {1, 6, 7}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 8, AXRT_ACT_CLIP, 1},
	{1, 8, 5, 1, {1, 5, 5}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 12, AXRT_ACT_NONE, 0},
	{1, 4, 4, 1, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 8, AXRT_ACT_RELU, 0},
	{2, 8, 4, 2, {1, 5, 6}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 8, AXRT_ACT_NONE, 0},
	{1, 6, 7, 1, {1, 4, 9}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 8, 8, AXRT_ACT_NONE, 1},
	{1, 32, 8, 1, {1, 6, 7}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 4, 8, AXRT_ACT_CLIP, 0},
	{1, 16, 6, 1, {1, 5, 5}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 8, 2, 8, AXRT_ACT_NONE, 1},
};

START_TEST(test_fx_conv_wide_quad_matches_reference)
{
	for (size_t ci = 0; ci < sizeof quad_cases / sizeof *quad_cases; ci++) {
		const ConvCase *cc = &quad_cases[ci];
		ConvData d;
		conv_setup(cc, 1, &d);
		for (int64_t i = 0; i < d.nx; i++)      /* codes 0..127, the largest products too */
			((int8_t *)d.x)[i] = (int8_t)(i % 7 == 0 ? 127 : rnd(0, 127));
		for (int64_t i = 0; i < cc->m * d.kk; i += 5)
			d.w[i] = -(1 << (cc->wbits - 1));
		free(d.wpk);
		d.wpk = pack_rows(d.w, cc->m, (int)d.kk, d.p.kp, d.p.wbits);
		expect_wide_same(cc, &d, "quad ", ci);
		conv_free(&d);
	}
}
END_TEST

/* ---- gemm ---- */

typedef struct GemmCase {
	int m, n, k, trans_a, xbits, wbits, ybits, act;
} GemmCase;

static const GemmCase gemm_cases[] = {
	{1, 10, 100, 0, 8, 8, 8, AXRT_ACT_NONE},
	{3, 7, 33, 0, 8, 4, 8, AXRT_ACT_RELU},
	{2, 5, 9, 1, 12, 8, 16, AXRT_ACT_NONE},
	{5, 17, 70, 0, 8, 2, 10, AXRT_ACT_LEAKYRELU},
	{4, 9, 64, 0, 6, 7, 8, AXRT_ACT_CLIP},
	{1, 130, 300, 0, 8, 8, 8, AXRT_ACT_RELU},
};

START_TEST(test_fx_gemm_reference_and_fast)
{
	static uint8_t scratch[1 << 20];
	for (size_t ci = 0; ci < sizeof gemm_cases / sizeof *gemm_cases; ci++) {
		const GemmCase *gc = &gemm_cases[ci];
		axrt_fxgemm_params p;
		memset(&p, 0, sizeof p);
		p.m = gc->m; p.n = gc->n; p.k = gc->k; p.trans_a = gc->trans_a;
		p.xt = gc->xbits <= 8 ? AXRT_DT_INT8 : AXRT_DT_INT16;
		p.yt = gc->ybits <= 8 ? AXRT_DT_INT8 : AXRT_DT_INT16;
		p.wbits = storage_of(gc->wbits);
		p.ybits = gc->ybits;
		p.act = gc->act;
		p.lo = gc->act == AXRT_ACT_RELU ? 0 : -(1 << (gc->ybits - 1));
		p.hi = gc->act == AXRT_ACT_CLIP ? 20 : (1 << (gc->ybits - 1)) - 1;
		p.alpha16 = 13107;
		p.kp = (gc->k + AXRT_FX_KB - 1) / AXRT_FX_KB * AXRT_FX_KB;
		void *a = malloc((size_t)gc->m * gc->k * 2);
		int32_t *w = malloc((size_t)gc->n * gc->k * 4), *bias = malloc((size_t)gc->n * 4);
		int32_t *sh = malloc((size_t)gc->n * 4);
		for (int i = 0; i < gc->m * gc->k; i++)
			st(a, p.xt, i, rnd(-(1 << (gc->xbits - 1)), (1 << (gc->xbits - 1)) - 1));
		for (int i = 0; i < gc->n * gc->k; i++)
			w[i] = rnd(-(1 << (gc->wbits - 1)), (1 << (gc->wbits - 1)) - 1);
		for (int o = 0; o < gc->n; o++) {
			bias[o] = rnd(-5000, 5000);
			sh[o] = rnd(2, gc->xbits + gc->wbits - gc->ybits + 3);
		}
		void *wpk = pack_rows(w, gc->n, gc->k, p.kp, p.wbits);
		void *y = calloc((size_t)gc->m * gc->n, 2), *y2 = calloc((size_t)gc->m * gc->n, 2);
		const void *in[4] = {a, wpk, bias, sh};
		void *out[1] = {y}, *out2[1] = {y2};
		ck_assert_int_eq(kernel_call(K_fx_gemm, &p, in, out, NULL), 0);
		for (int i = 0; i < gc->m; i++)
			for (int o = 0; o < gc->n; o++) {
				double acc = bias[o];
				for (int j = 0; j < gc->k; j++)
					acc += (double)ld(a, p.xt, gc->trans_a ? j * gc->m + i : i * gc->k + j) *
						w[o * gc->k + j];
				int32_t want = ref_epi(acc, sh[o], 0, p.ybits, p.act, p.lo, p.hi, p.alpha16);
				ck_assert_msg(ld(y, p.yt, i * gc->n + o) == want, "case %zu (%d,%d): %d, expected %d",
					ci, i, o, ld(y, p.yt, i * gc->n + o), want);
			}
		if (p.xt == AXRT_DT_INT8 && !gc->trans_a && gc->wbits <= 8) {
			ck_assert_int_eq(kernel_call(K_fx_gemm_i8, &p, in, out2, scratch), 0);
			ck_assert_msg(memcmp(y, y2, (size_t)gc->m * gc->n * store_bytes(p.yt)) == 0,
				"case %zu: fx_gemm_i8 differs from fx_gemm", ci);
		}
		free(a); free(w); free(bias); free(sh); free(wpk); free(y); free(y2);
	}
}
END_TEST

/* ---- pooling, Add, Mul ---- */

START_TEST(test_fx_pool_matches_double)
{
	/* 2 planes of 5x6 codes, 3x3 windows, stride 2, pads 1: avg with and
	 * without count_include_pad (both roundings), max with a requant */
	axrt_fxpool_params p;
	int8_t x[60], y[18];
	memset(&p, 0, sizeof p);
	p.planes = 2;
	p.in[0] = 1; p.in[1] = 5; p.in[2] = 6;
	p.k[0] = 1; p.k[1] = 3; p.k[2] = 3;
	p.stride[0] = 1; p.stride[1] = 2; p.stride[2] = 2;
	p.dil[0] = p.dil[1] = p.dil[2] = 1;
	p.pad[1] = p.pad[2] = 1;
	p.pad_end[1] = 1; p.pad_end[2] = 1;
	p.out[0] = 1; p.out[1] = 3; p.out[2] = 3;
	p.xt = p.yt = AXRT_DT_INT8;
	p.ybits = 8;
	p.lo = -128;
	p.hi = 127;
	for (int i = 0; i < 60; i++)
		x[i] = (int8_t)rnd(-128, 127);
	for (int kind = 0; kind < 5; kind++) {
		p.count_include_pad = kind == 1;
		p.round = kind == 2 ? AXRT_FIXED_TRUNC : AXRT_FIXED_NEAREST;
		p.shift = kind == 3 ? -1 : kind == 4 ? 1 : 0;
		const void *in[1] = {x};
		void *out[1] = {y};
		ck_assert_int_eq(kernel_call(kind >= 3 ? K_fx_maxpool : K_fx_avgpool, &p, in, out, NULL), 0);
		for (int pl = 0, i = 0; pl < 2; pl++)
			for (int a = 0; a < 3; a++)
				for (int b = 0; b < 3; b++, i++) {
					double s = 0, m = -1e9, cnt = 0, cpad = 0;
					for (int r = 0; r < 3; r++)
						for (int c = 0; c < 3; c++) {
							int iy = a * 2 - 1 + r, ix = b * 2 - 1 + c;
							cpad += iy < 6 && ix < 7;  /* inside the padded 7x8 */
							if (iy < 0 || iy >= 5 || ix < 0 || ix >= 6)
								continue;
							s += x[pl * 30 + iy * 6 + ix];
							m = x[pl * 30 + iy * 6 + ix] > m ? x[pl * 30 + iy * 6 + ix] : m;
							cnt++;
						}
					double want = kind >= 3 ? ref_sat(ref_shift(m, p.shift, 0), 8)
						: ref_sat(p.round ? floor(s / (kind == 1 ? cpad : cnt))
							: nearbyint(s / (kind == 1 ? cpad : cnt)), 8);
					ck_assert_msg(y[i] == want, "kind %d output %d: %d, expected %g", kind, i, y[i], want);
				}
	}
}
END_TEST

START_TEST(test_fx_add_mul_broadcast_matches_double)
{
	/* a: 2x3x4 int8 Q.5, b: 3x1 int16 Q.9 broadcast, y int8 Q.4 / Q.10 */
	axrt_fxbin_params p;
	int8_t a[24], y[24];
	int16_t b[3];
	memset(&p, 0, sizeof p);
	p.rank = 3;
	p.dims[0] = 2; p.dims[1] = 3; p.dims[2] = 4;
	p.a_str[0] = 12; p.a_str[1] = 4; p.a_str[2] = 1;
	p.b_str[0] = 0; p.b_str[1] = 1; p.b_str[2] = 0;
	p.at = AXRT_DT_INT8; p.bt = AXRT_DT_INT16; p.yt = AXRT_DT_INT8;
	p.ybits = 8;
	p.lo = -128;
	p.hi = 127;
	for (int i = 0; i < 24; i++)
		a[i] = (int8_t)rnd(-128, 127);
	for (int i = 0; i < 3; i++)
		b[i] = (int16_t)rnd(-2000, 2000);
	for (int mul = 0; mul < 2; mul++) {
		p.sa = mul ? 0 : 4;           /* to the common fraction 9 */
		p.sb = 0;
		p.shift = mul ? 5 + 9 - 10 : 9 - 4;
		const void *in[2] = {a, b};
		void *out[1] = {y};
		ck_assert_int_eq(kernel_call(mul ? K_fx_mul : K_fx_add, &p, in, out, NULL), 0);
		for (int i = 0; i < 24; i++) {
			double va = ldexp(a[i], -5), vb = ldexp(b[(i / 4) % 3], -9);
			double want = ref_sat(nearbyint(ldexp(mul ? va * vb : va + vb, mul ? 10 : 4)), 8);
			ck_assert_msg(y[i] == want, "%s %d: %d, expected %g", mul ? "mul" : "add", i, y[i], want);
		}
	}
}
END_TEST

/* fx_add of 120 int8 codes, same shapes: y = a << sa + b << sb, shifted by
 * shift, clamped to [lo, hi] */
static void
flat_add(const int8_t *a, const int8_t *b, int8_t *y, int lo, int hi, int sa, int sb, int shift)
{
	axrt_fxbin_params p;
	memset(&p, 0, sizeof p);
	p.rank = 1;
	p.dims[0] = 120;
	p.a_str[0] = p.b_str[0] = 1;
	p.at = p.bt = p.yt = AXRT_DT_INT8;
	p.ybits = 8;
	p.lo = lo;
	p.hi = hi;
	p.sa = sa;
	p.sb = sb;
	p.shift = shift;
	const void *in[2] = {a, b};
	void *out[1] = {y};
	ck_assert_int_eq(kernel_call(K_fx_add, &p, in, out, NULL), 0);
}

/* The int8 fast path of fx_add/fx_mul: same shapes, and b constant per
 * channel over the trailing dims (a squeeze-excite Mul), several shifts
 * and both roundings, against double */
START_TEST(test_fx_add_mul_int8_fast_matches_double)
{
	int8_t a[2 * 3 * 20], b[2 * 3 * 20], y[2 * 3 * 20];
	for (int i = 0; i < 120; i++) {
		a[i] = (int8_t)rnd(-128, 127);
		b[i] = (int8_t)rnd(-128, 127);
	}
	for (int kind = 0; kind < 8; kind++) {
		int mul = kind & 1, bcast = (kind >> 1) & 1, trunc = kind >> 2;
		axrt_fxbin_params p;
		memset(&p, 0, sizeof p);
		p.rank = 3;
		p.dims[0] = 2; p.dims[1] = 3; p.dims[2] = 20;
		p.a_str[0] = 60; p.a_str[1] = 20; p.a_str[2] = 1;
		p.b_str[0] = bcast ? 3 : 60; p.b_str[1] = bcast ? 1 : 20; p.b_str[2] = bcast ? 0 : 1;
		p.at = p.bt = p.yt = AXRT_DT_INT8;
		p.ybits = 8;
		p.lo = -128;
		p.hi = 127;
		p.round = trunc ? AXRT_FIXED_TRUNC : AXRT_FIXED_NEAREST;
		p.sa = mul ? 0 : 2;          /* a Q.3 and b Q.5 aligned at 5 */
		p.sb = 0;
		p.shift = mul ? 3 + 5 - 6 : kind == 2 ? -1 : 5 - 3;
		const void *in[2] = {a, b};
		void *out[1] = {y};
		ck_assert_int_eq(kernel_call(mul ? K_fx_mul : K_fx_add, &p, in, out, NULL), 0);
		for (int i = 0; i < 120; i++) {
			double va = a[i], vb = b[bcast ? i / 20 : i];
			double v = mul ? va * vb : va * 4 + vb;
			double want = ref_sat(ref_shift(v, p.shift, p.round), 8);
			ck_assert_msg(y[i] == want, "kind %d y[%d] = %d, expected %g", kind, i, y[i], want);
		}
	}
	/* same shapes, no shift, a fused Relu clamp below the int8 top */
	{
		flat_add(a, b, y, 0, 100, 1, 0, 0);
		for (int i = 0; i < 120; i++) {
			double v = ref_sat(2.0 * a[i] + b[i], 8);
			double want = v < 0 ? 0 : v > 100 ? 100 : v;
			ck_assert_msg(y[i] == want, "shift 0: y[%d] = %d, expected %g", i, y[i], want);
		}
	}
	/* same shapes, same fractions, no shift: the saturating sum (sums
	 * past both int8 ends), then a clamp inside the int8 range */
	{
		flat_add(a, b, y, -100, 90, 0, 0, 0);
		for (int i = 0; i < 120; i++) {
			double v = (double)a[i] + b[i];
			double want = v < -100 ? -100 : v > 90 ? 90 : v;
			ck_assert_msg(y[i] == want, "plain sum: y[%d] = %d, expected %g", i, y[i], want);
		}
	}
	/* an output format 15 bits finer than the aligned inputs: |v| << 15
	 * would leave int32, so this must saturate as in exact arithmetic */
	{
		flat_add(a, b, y, -128, 127, 15, 15, -15);
		for (int i = 0; i < 120; i++) {
			double want = ref_sat(((double)a[i] + b[i]) * 32768.0 * 32768.0, 8);
			ck_assert_msg(y[i] == want, "shift -15: y[%d] = %d, expected %g", i, y[i], want);
		}
	}
}
END_TEST

/* fx_globalavgpool on int8 planes of 5 (no AVX2 piece), 16, 49 and 200
 * codes (AVX2 pieces of 16 and a shorter last one), random and at both
 * ends of the range, both roundings and shifts -1, 0, 2, against double */
START_TEST(test_fx_globalavgpool_int8_matches_double)
{
	static const int sizes[4] = {5, 16, 49, 200};
	int8_t x[3 * 200], y[3];
	for (int si = 0; si < 4; si++)
		for (int kind = 0; kind < 6; kind++) {
			int size = sizes[si];
			axrt_fxgpool_params p;
			memset(&p, 0, sizeof p);
			p.planes = 3;
			p.size = size;
			p.xt = p.yt = AXRT_DT_INT8;
			p.ybits = 8;
			p.shift = kind % 3 == 0 ? -1 : kind % 3 == 1 ? 0 : 2;
			p.round = kind < 3 ? AXRT_FIXED_NEAREST : AXRT_FIXED_TRUNC;
			for (int i = 0; i < 3 * size; i++)     /* plane 1 all -128, plane 2 all 127 */
				x[i] = (int8_t)(i < size ? rnd(-128, 127) : i < 2 * size ? -128 : 127);
			const void *in[1] = {x};
			void *out[1] = {y};
			ck_assert_int_eq(kernel_call(K_fx_globalavgpool, &p, in, out, NULL), 0);
			for (int pl = 0; pl < 3; pl++) {
				double sum = 0;
				for (int i = 0; i < size; i++)
					sum += x[pl * size + i];
				double want = ref_sat(p.round ? floor(ldexp(sum, -p.shift) / size) :
					nearbyint(ldexp(sum, -p.shift) / size), 8);
				ck_assert_msg(y[pl] == want, "size %d kind %d plane %d: %d, expected %g", size, kind,
					pl, y[pl], want);
			}
		}
}
END_TEST

/* fx_maxpool's int8 paths (3x3 windows at strides 1 and 2, 2x2 at stride
 * 2, a generic 2x3) without padding, against the plain maximum */
START_TEST(test_fx_maxpool_int8_paths)
{
	int8_t x[3 * 11 * 12], y[3 * 11 * 12];
	const int ks[4][3] = {{3, 3, 2}, {3, 3, 1}, {2, 2, 2}, {2, 3, 1}};   /* kh, kw, stride */
	for (int i = 0; i < 396; i++)
		x[i] = (int8_t)rnd(-128, 127);
	for (int c = 0; c < 4; c++) {
		axrt_fxpool_params p;
		memset(&p, 0, sizeof p);
		p.planes = 3;
		p.in[0] = 1; p.in[1] = 11; p.in[2] = 12;
		p.k[0] = 1; p.k[1] = ks[c][0]; p.k[2] = ks[c][1];
		p.stride[0] = 1; p.stride[1] = p.stride[2] = ks[c][2];
		p.dil[0] = p.dil[1] = p.dil[2] = 1;
		p.out[0] = 1;
		p.out[1] = (11 - ks[c][0]) / ks[c][2] + 1;
		p.out[2] = (12 - ks[c][1]) / ks[c][2] + 1;
		p.xt = p.yt = AXRT_DT_INT8;
		p.ybits = 8;
		p.lo = -128;
		p.hi = 127;
		const void *in[1] = {x};
		void *out[1] = {y};
		ck_assert_int_eq(kernel_call(K_fx_maxpool, &p, in, out, NULL), 0);
		for (int pl = 0, i = 0; pl < 3; pl++)
			for (int oy = 0; oy < p.out[1]; oy++)
				for (int ox = 0; ox < p.out[2]; ox++, i++) {
					int m = -999;
					for (int r = 0; r < ks[c][0]; r++)
						for (int q2 = 0; q2 < ks[c][1]; q2++) {
							int v = x[pl * 132 + (oy * ks[c][2] + r) * 12 + ox * ks[c][2] + q2];
							m = v > m ? v : m;
						}
					ck_assert_msg(y[i] == m, "case %d output %d: %d, expected %d", c, i, y[i], m);
				}
	}
}
END_TEST

/* ---- lowering: a model with hand-set formats ---- */

#define D(...) ((const int64_t[]){__VA_ARGS__})

static Graph *
load(MB *b, Diag *d)
{
	size_t n;
	uint8_t *p = mb_pack(b, &n);
	Graph *g = onnx_import_mem("m.onnx", p, n, NULL, d);
	ck_assert_msg(g != NULL, "import: %s", d->last);
	ck_assert_msg(run_pipeline(g, d, NULL) == 0, "pipeline: %s", d->last);
	return g;
}

static Node *
find_op(Graph *g, int op)
{
	for (int i = 0; i < g->nnode; i++)
		if (!g->node[i]->dead && g->node[i]->op == op)
			return g->node[i];
	ck_abort_msg("no node of op %d", op);
	return NULL;
}

static void
set_fmt(Tensor *t, int bits, int frac)
{
	t->qbits = bits;
	t->qfrac = frac;
	t->qround = AXRT_FIXED_NEAREST;
	if (!t->init)
		t->dtype = bits <= 8 ? DT_I8 : DT_I16;
}

/* Puts FxQuantize(x -> x_q) first and FxDequantize(y_q -> y) last, where x
 * is graph input 0 and y graph output 0; returns x_q (y_q via *yq). */
static Tensor *
fx_boundaries(Graph *g, Tensor **yq)
{
	Tensor *x = g->input[0], *y = g->output[0], *xq = graph_new_tensor(g, "x_q");
	Node *q = graph_add_node(g, "FxQuantize", "quant_in", 1, 1), *dq;
	tensor_set(xq, DT_F32, x->rank, x->dim);
	for (int i = 0; i < g->nnode - 1; i++)
		for (int j = 0; j < g->node[i]->nin; j++)
			if (g->node[i]->in[j] == x)
				g->node[i]->in[j] = xq;
	memmove(g->node + 1, g->node, (size_t)(g->nnode - 1) * sizeof *g->node);
	g->node[0] = q;
	q->op = OP_FXQUANTIZE;
	q->domain = "axcc";
	q->in[0] = x;
	q->out[0] = xq;
	xq->def = q;
	*yq = graph_new_tensor(g, "y_q");
	tensor_set(*yq, y->dtype, y->rank, y->dim);
	y->def->out[0] = *yq;
	(*yq)->def = y->def;
	dq = graph_add_node(g, "FxDequantize", "dequant_out", 1, 1);
	dq->op = OP_FXDEQUANTIZE;
	dq->domain = "axcc";
	dq->in[0] = *yq;
	dq->out[0] = y;
	y->def = dq;
	return xq;
}

static int
run_graph(Graph *g, Diag *d, const void *const *in, void *const *out)
{
	Program *p = prog_lower(g, d);
	if (!p)
		return -1;
	prog_plan(p);
	void *arena = aligned_alloc(64, (p->arena_bytes + 63) / 64 * 64 + 64);
	int rc = prog_run(p, in, out, arena);
	free(arena);
	prog_free(p);
	return rc;
}

#define STRICT "-std=c99 -Wall -Wextra -Wpedantic -Werror"

/* Emits g (formats set) as C, builds it with gcc (and clang-14, and
 * arm-none-eabi-gcc for Cortex-M4, when installed) at the strict flags,
 * runs it on x (one float input, one float output of ny values) and
 * checks that it prints exactly the interpreter's y. */
static void
codegen_matches_interp(Graph *g, const char *name, const float *x, int64_t nx, const float *y,
	int64_t ny)
{
	char dir[] = "/tmp/axcc_fxXXXXXX", path[600];
	Diag d = diag_capture();
	CodegenOpts o = {name, "m.onnx", 0};
	Program *p = prog_lower(g, &d);
	FILE *f;

	ck_assert_msg(p != NULL, "lower: %s", d.all);
	prog_plan(p);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_msg(codegen_write(p, &o, dir, &d) == 0, "codegen: %s", d.all);
	prog_free(p);
	snprintf(path, sizeof path, "%s/main.c", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#include <stdio.h>\n#include \"%s.h\"\nstatic const float x[%lld] = {", name,
		(long long)nx);
	for (int64_t i = 0; i < nx; i++)
		fprintf(f, "%s%a", i ? ", " : "", (double)x[i]);
	fprintf(f, "};\nstatic float y[%lld];\nint main(void) {\n"
		"\tconst void *in[1] = {x};\n\tvoid *out[1] = {y};\n"
		"\tif (%s_run_ptrs(in, out) != 0) return 1;\n"
		"\tfor (int i = 0; i < %lld; i++) printf(\"%%a\\n\", (double)y[i]);\n\treturn 0;\n}\n",
		(long long)ny, name, (long long)ny);
	fclose(f);
	ck_assert_int_eq(tg_sh("cd %s && gcc " STRICT " -O3 -march=native %s.c main.c -o prog -lm", dir, name), 0);
	if (tg_sh("command -v clang-14 >/dev/null 2>&1") == 0)
		ck_assert_int_eq(tg_sh("cd %s && clang-14 " STRICT " -O2 -c %s.c -o c.o", dir, name), 0);
	if (tg_sh("command -v arm-none-eabi-gcc >/dev/null 2>&1") == 0)
		ck_assert_int_eq(tg_sh("cd %s && arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard "
			"-mfpu=fpv4-sp-d16 " STRICT " -O2 -c %s.c -o arm.o", dir, name), 0);
	ck_assert_int_eq(tg_sh("cd %s && ./prog > y.txt", dir), 0);
	snprintf(path, sizeof path, "%s/y.txt", dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	for (int64_t i = 0; i < ny; i++) {
		double v;
		ck_assert_int_eq(fscanf(f, "%la", &v), 1);
		ck_assert_msg(v == (double)y[i], "generated C: y[%lld] = %a, interpreter %a",
			(long long)i, v, (double)y[i]);
	}
	fclose(f);
	if (!getenv("AXCC_KEEP"))
		tg_sh("rm -rf %s", dir);
}

static double
q(double v, int bits, int frac)      /* APPROX.md §3 quantizer, as a code */
{
	return ref_sat(nearbyint(ldexp(v, frac)), bits);
}

/* x[1,2,6,6] -> Conv(3x3, pad 1, 3 filters, bias) -> Relu -> MaxPool 2x2
 * -> Flatten -> Gemm(27 -> 4, bias) -> y, then formats: x Q8.5, W 8 bits
 * per channel (6, 7, 5), conv Q8.4, pool Q8.3, G 4 bits frac 3, y Q16.8. */
START_TEST(test_fx_lower_cnn_matches_simulation)
{
	float x[72], w[54], bc[3], gw[108], gc[4], y[4];
	const int wf[3] = {6, 7, 5};
	rnd_milli(x, 72, -4000, 4000);
	rnd_milli(w, 54, -600, 600);
	rnd_milli(bc, 3, -500, 500);
	rnd_milli(gw, 108, -900, 900);
	rnd_milli(gc, 4, -1000, 1000);
	MB *b = mb_new(13);
	mb_input(b, "x", DT_F32, 4, D(1, 2, 6, 6));
	mb_init_f32(b, "W", 4, D(3, 2, 3, 3), w, -1);
	mb_init_f32(b, "B", 1, D(3), bc, -1);
	mb_init_f32(b, "G", 2, D(27, 4), gw, -1);
	mb_init_f32(b, "C", 1, D(4), gc, -1);
	Onnx__NodeProto *cv = mb_node(b, "Conv", "conv", "x,W,B", "c");
	mb_attr_ints(b, cv, "pads", 4, D(1, 1, 1, 1));
	mb_node(b, "Relu", "relu", "c", "r");
	Onnx__NodeProto *mp = mb_node(b, "MaxPool", "pool", "r", "p");
	mb_attr_ints(b, mp, "kernel_shape", 2, D(2, 2));
	mb_attr_ints(b, mp, "strides", 2, D(2, 2));
	mb_node(b, "Flatten", "flat", "p", "f");
	mb_node(b, "Gemm", "fc", "f,G,C", "y");
	mb_output(b, "y");
	Diag d = diag_capture();
	Graph *g = load(b, &d);
	Tensor *yq, *xq = fx_boundaries(g, &yq);
	Node *conv = find_op(g, OP_CONV), *pool = find_op(g, OP_MAXPOOL);
	Node *flat = find_op(g, OP_FLATTEN), *fc = find_op(g, OP_GEMM);
	ck_assert_int_eq(conv->act, AXRT_ACT_RELU);   /* fused by the pipeline */
	set_fmt(xq, 8, 5);
	set_fmt(conv->in[1], 8, 0);
	conv->in[1]->qchfrac = wf;
	conv->in[1]->qnch = 3;
	set_fmt(conv->out[0], 8, 4);
	set_fmt(pool->out[0], 8, 3);
	set_fmt(flat->out[0], 8, 3);
	set_fmt(fc->in[1], 4, 3);
	set_fmt(yq, 16, 8);
	const void *in[1] = {x};
	void *out[1] = {y};
	ck_assert_msg(run_graph(g, &d, in, out) == 0, "run: %s", d.all);

	/* the same model in double, from the definitions */
	double xc[72], cc[108], pc[27];
	for (int i = 0; i < 72; i++)
		xc[i] = q(x[i], 8, 5);
	for (int o = 0; o < 3; o++)
		for (int r = 0; r < 6; r++)
			for (int c = 0; c < 6; c++) {
				double acc = nearbyint(ldexp(bc[o], 5 + wf[o]));
				for (int ci = 0; ci < 2; ci++)
					for (int kr = 0; kr < 3; kr++)
						for (int kc = 0; kc < 3; kc++) {
							int iy = r - 1 + kr, ix = c - 1 + kc;
							if (iy < 0 || iy >= 6 || ix < 0 || ix >= 6)
								continue;
							acc += xc[ci * 36 + iy * 6 + ix] *
								q(w[((o * 2 + ci) * 3 + kr) * 3 + kc], 8, wf[o]);
						}
				double v = ref_sat(nearbyint(ldexp(acc, 4 - (5 + wf[o]))), 8);
				cc[o * 36 + r * 6 + c] = v < 0 ? 0 : v;
			}
	for (int o = 0; o < 3; o++)
		for (int r = 0; r < 3; r++)
			for (int c = 0; c < 3; c++) {
				double m = -1e9;
				for (int a = 0; a < 2; a++)
					for (int e = 0; e < 2; e++)
						m = fmax(m, cc[o * 36 + (2 * r + a) * 6 + 2 * c + e]);
				pc[o * 9 + r * 3 + c] = ref_sat(nearbyint(m / 2), 8);
			}
	for (int o = 0; o < 4; o++) {
		double acc = nearbyint(ldexp(gc[o], 3 + 3));
		for (int k = 0; k < 27; k++)
			acc += pc[k] * q(gw[k * 4 + o], 4, 3);
		double want = ldexp(ref_sat(ldexp(acc, 8 - 6), 16), -8);
		ck_assert_msg(y[o] == want, "y[%d] = %g, expected %g", o, y[o], want);
	}
	codegen_matches_interp(g, "fxcnn", x, 72, y, 4);
	graph_free(g);
	mb_free(b);
}
END_TEST

/* Node i of op `op` in graph order (0 the first). */
static Node *
find_nth(Graph *g, int op, int i)
{
	for (int j = 0; j < g->nnode; j++)
		if (!g->node[j]->dead && g->node[j]->op == op && i-- == 0)
			return g->node[j];
	ck_abort_msg("no node %d of op %d", i, op);
	return NULL;
}

/* A small MobileNet-like model in 8 bits -- a 3x3 conv (fx_conv_wide_i8),
 * a 2x2 MaxPool, depthwise convs at stride 2 and 1 (ORDER FX_DWM), a 1x1
 * conv (the flat wide case), GlobalAveragePool and a Gemm (the int8
 * gemv) -- generated as C built with -O3 -march=native (the AVX2 paths on
 * x86) gives the interpreter's outputs (the portable paths, checked
 * against the reference kernels above) bit for bit. */
START_TEST(test_fx_lower_mobile_codegen_matches_interp)
{
	float x[1024], wa[216], wb[54], wc[54], wd[30], gw[15], y[3];
	rnd_milli(x, 1024, 0, 3000);
	rnd_milli(wa, 216, -500, 500);
	rnd_milli(wb, 54, -900, 900);
	rnd_milli(wc, 54, -900, 900);
	rnd_milli(wd, 30, -900, 900);
	rnd_milli(gw, 15, -900, 900);
	MB *b = mb_new(13);
	mb_input(b, "x", DT_F32, 4, D(1, 4, 16, 16));
	mb_init_f32(b, "WA", 4, D(6, 4, 3, 3), wa, -1);
	mb_init_f32(b, "WB", 4, D(6, 1, 3, 3), wb, -1);
	mb_init_f32(b, "WC", 4, D(6, 1, 3, 3), wc, -1);
	mb_init_f32(b, "WD", 4, D(5, 6, 1, 1), wd, -1);
	mb_init_f32(b, "G", 2, D(5, 3), gw, -1);
	Onnx__NodeProto *n = mb_node(b, "Conv", "ca", "x,WA", "a");
	mb_attr_ints(b, n, "pads", 4, D(1, 1, 1, 1));
	mb_node(b, "Relu", "ra", "a", "ar");
	n = mb_node(b, "MaxPool", "mp", "ar", "am");
	mb_attr_ints(b, n, "kernel_shape", 2, D(2, 2));
	mb_attr_ints(b, n, "strides", 2, D(2, 2));
	n = mb_node(b, "Conv", "cb", "am,WB", "bb");
	mb_attr_ints(b, n, "pads", 4, D(1, 1, 1, 1));
	mb_attr_ints(b, n, "strides", 2, D(2, 2));
	mb_attr_int(b, n, "group", 6);
	n = mb_node(b, "Conv", "cc", "bb,WC", "c");
	mb_attr_ints(b, n, "pads", 4, D(1, 1, 1, 1));
	mb_attr_int(b, n, "group", 6);
	mb_node(b, "Conv", "cd", "c,WD", "d");
	mb_node(b, "GlobalAveragePool", "gap", "d", "p");
	mb_node(b, "Flatten", "flat", "p", "f");
	mb_node(b, "Gemm", "fc", "f,G", "y");
	mb_output(b, "y");
	Diag d = diag_capture();
	Graph *g = load(b, &d);
	Tensor *yq, *xq = fx_boundaries(g, &yq);
	set_fmt(xq, 8, 5);
	for (int i = 0; i < 4; i++) {
		Node *cv = find_nth(g, OP_CONV, i);
		set_fmt(cv->in[1], 8, 7);
		set_fmt(cv->out[0], 8, 3 + i % 2);
	}
	set_fmt(find_op(g, OP_MAXPOOL)->out[0], 8, 3);
	set_fmt(find_op(g, OP_GLOBALAVERAGEPOOL)->out[0], 8, 5);
	set_fmt(find_op(g, OP_FLATTEN)->out[0], 8, 5);
	set_fmt(find_op(g, OP_GEMM)->in[1], 8, 7);
	set_fmt(yq, 16, 8);
	const void *in[1] = {x};
	void *out[1] = {y};
	ck_assert_msg(run_graph(g, &d, in, out) == 0, "run: %s", d.all);
	ck_assert_msg(y[0] != y[1] || y[1] != y[2], "constant outputs: a weak test");
	codegen_matches_interp(g, "fxmobile", x, 1024, y, 3);
	graph_free(g);
	mb_free(b);
}
END_TEST

/* Every graph input i gets FxQuantize with format (bits[i], frac[i]) and
 * output 0 FxDequantize from (obits, ofrac): a model of one op on codes. */
static void
fx_io(Graph *g, const int *bits, const int *frac, int obits, int ofrac)
{
	int nin = g->ninput;
	for (int k = 0; k < nin; k++) {
		Tensor *x = g->input[k], *xq = graph_new_tensor(g, "xq");
		Node *q = graph_add_node(g, "FxQuantize", NULL, 1, 1);
		tensor_set(xq, DT_F32, x->rank, x->dim);
		for (int i = 0; i < g->nnode - 1; i++)
			for (int j = 0; j < g->node[i]->nin; j++)
				if (g->node[i]->in[j] == x)
					g->node[i]->in[j] = xq;
		memmove(g->node + 1, g->node, (size_t)(g->nnode - 1) * sizeof *g->node);
		g->node[0] = q;
		q->op = OP_FXQUANTIZE;
		q->in[0] = x;
		q->out[0] = xq;
		xq->def = q;
		set_fmt(xq, bits[k], frac[k]);
	}
	Tensor *y = g->output[0], *yq = graph_new_tensor(g, "yq");
	tensor_set(yq, y->dtype, y->rank, y->dim);
	y->def->out[0] = yq;
	yq->def = y->def;
	Node *dq = graph_add_node(g, "FxDequantize", NULL, 1, 1);
	dq->op = OP_FXDEQUANTIZE;
	dq->in[0] = yq;
	dq->out[0] = y;
	y->def = dq;
	set_fmt(yq, obits, ofrac);
}

static void
rnd_floats(float *v, int n, double amax)
{
	for (int i = 0; i < n; i++)
		v[i] = (float)(amax * rnd(-100000, 100000) / 100000.0);
}

/* code of v in (bits, frac), then back: the fixed-point value */
static double
qv(double v, int bits, int frac)
{
	return ldexp(q(v, bits, frac), -frac);
}

/* Add with broadcasting and a format change, Mul, Add with a float
 * constant (quantized to 16 bits at compile time), Sum of three */
START_TEST(test_fx_lower_add_mul_sum)
{
	float a[24], b[3], c[4], e[24], y[24];
	rnd_floats(a, 24, 3.9);
	rnd_floats(b, 3, 60.0);
	rnd_floats(c, 4, 0.7);
	rnd_floats(e, 24, 1.9);
	for (int op = 0; op < 4; op++) {
		MB *mb = mb_new(13);
		mb_input(mb, "a", DT_F32, 3, D(2, 3, 4));
		if (op == 2)
			mb_init_f32(mb, "c", 1, D(4), c, -1);
		else if (op == 3) {
			mb_input(mb, "b", DT_F32, 3, D(2, 3, 4));
			mb_input(mb, "e", DT_F32, 3, D(2, 3, 4));
		} else
			mb_input(mb, "b", DT_F32, 2, D(3, 1));
		mb_node(mb, op == 1 ? "Mul" : op == 3 ? "Sum" : "Add", "op", op == 2 ? "a,c" : op == 3 ?
			"a,b,e" : "a,b", "y");
		mb_output(mb, "y");
		Diag d = diag_capture();
		Graph *g = load(mb, &d);
		const int bits[3] = {8, 16, 8}, frac[3] = {5, op == 3 ? 9 : 8, 6};
		int ofrac = op == 1 ? 2 : op == 3 ? 4 : 3;
		fx_io(g, bits, frac, 8, ofrac);
		const void *in[3] = {a, op == 3 ? (const void *)a : b, e};
		float bb[24];
		if (op == 3) {      /* the second input of Sum: 24 values of b's range */
			rnd_floats(bb, 24, 60.0);
			in[1] = bb;
		}
		void *out[1] = {y};
		ck_assert_msg(run_graph(g, &d, in, out) == 0, "op %d: %s", op, d.all);
		/* the 16-bit format of constant c: 2^e >= 0.7 at e = 0, frac 15 */
		double cmax = 0;
		for (int i = 0; i < 4; i++)
			cmax = fmax(cmax, fabs(c[i]));
		int cf = 15 - (int)ceil(log2(cmax));
		for (int i = 0; i < 24; i++) {
			double va = qv(a[i], 8, 5), want;
			if (op == 3) {
				/* two fx_add steps, the partial sum rounded to y's format */
				double s1 = ldexp(ref_sat(nearbyint(ldexp(va + qv(bb[i], 16, 9), 4)), 8), -4);
				want = ref_sat(nearbyint(ldexp(s1 + qv(e[i], 8, 6), 4)), 8);
			} else if (op == 2)
				want = ref_sat(nearbyint(ldexp(va + qv(c[i % 4], 16, cf), 3)), 8);
			else {
				double vb = qv(b[(i / 4) % 3], 16, 8);
				want = ref_sat(nearbyint(ldexp(op ? va * vb : va + vb, ofrac)), 8);
			}
			ck_assert_msg(y[i] == ldexp(want, -ofrac), "op %d y[%d] = %g, expected %g", op, i,
				y[i], ldexp(want, -ofrac));
		}
		graph_free(g);
		mb_free(mb);
	}
}
END_TEST

/* Concat of inputs with the output's format (a copy) and with other
 * formats (requantized into their slices); Relu, Clip and LeakyRelu with
 * a format change; Transpose and Pad moving codes; Reshape changing format */
START_TEST(test_fx_lower_concat_act_moves)
{
	float a[12], b[18], y[36];
	rnd_floats(a, 12, 3.0);
	rnd_floats(b, 18, 7.0);
	for (int kind = 0; kind < 8; kind++) {
		MB *mb = mb_new(13);
		Onnx__NodeProto *n;
		mb_input(mb, "a", DT_F32, 3, D(1, 2, 6));
		if (kind < 2)
			mb_input(mb, "b", DT_F32, 3, D(1, 3, 6));
		switch (kind) {
		case 0: case 1:
			n = mb_node(mb, "Concat", "cat", "a,b", "y");
			mb_attr_int(mb, n, "axis", 1);
			break;
		case 2: mb_node(mb, "Relu", "relu", "a", "y"); break;
		case 3:
			mb_init_f32(mb, "lo", 0, D(1), (const float[]){-1.5f}, -1);
			mb_init_f32(mb, "hi", 0, D(1), (const float[]){2.25f}, -1);
			mb_node(mb, "Clip", "clip", "a,lo,hi", "y");
			break;
		case 4:
			n = mb_node(mb, "LeakyRelu", "lrelu", "a", "y");
			mb_attr_float(mb, n, "alpha", 0.2f);
			break;
		case 5:
			n = mb_node(mb, "Transpose", "tr", "a", "y");
			mb_attr_ints(mb, n, "perm", 3, D(0, 2, 1));
			break;
		case 6:
			mb_init_i64(mb, "pads", 1, D(6), (const int64_t[]){0, 0, 1, 0, 0, 2});
			mb_node(mb, "Pad", "pad", "a,pads", "y");
			break;
		default:
			mb_init_i64(mb, "shape", 1, D(2), (const int64_t[]){3, 4});
			mb_node(mb, "Reshape", "rs", "a,shape", "y");
			break;
		}
		mb_output(mb, "y");
		Diag d = diag_capture();
		Graph *g = load(mb, &d);
		/* concat 0: all Q8.4 (a copy); 1: a Q8.5, b Q8.4 -> y Q8.4 */
		const int bits[2] = {8, 8}, frac[2] = {kind == 0 ? 4 : 5, 4};
		int ofrac = kind <= 1 ? 4 : kind >= 5 && kind <= 6 ? 5 : kind == 7 ? 3 : 6;
		fx_io(g, bits, frac, 8, ofrac);
		const void *in[2] = {a, b};
		void *out[1] = {y};
		ck_assert_msg(run_graph(g, &d, in, out) == 0, "kind %d: %s", kind, d.all);
		int ny = kind <= 1 ? 30 : kind == 6 ? 18 : 12;
		for (int i = 0; i < ny; i++) {
			double v, want;
			if (kind <= 1)
				v = i < 12 ? qv(a[i], 8, frac[0]) : qv(b[i - 12], 8, 4);
			else if (kind == 5)
				v = qv(a[(i % 2) * 6 + i / 2], 8, 5);
			else if (kind == 6) {
				int r = i / 9, col = i % 9 - 1;
				v = col < 0 || col >= 6 ? 0 : qv(a[r * 6 + col], 8, 5);
			} else
				v = qv(a[i], 8, 5);
			if (kind == 2)
				v = fmax(v, 0);
			if (kind == 3)
				v = fmin(fmax(v, -1.5), 2.25);
			if (kind == 4 && v < 0)    /* the code times round(0.2 * 2^16), exact */
				v = v * nearbyint(0.2 * 65536) / 65536;
			want = ldexp(ref_sat(nearbyint(ldexp(v, ofrac)), 8), -ofrac);
			ck_assert_msg(y[i] == want, "kind %d y[%d] = %g, expected %g", kind, i, y[i], want);
		}
		if (kind == 4 || kind == 6)
			codegen_matches_interp(g, "fxmove", a, 12, y, ny);
		graph_free(g);
		mb_free(mb);
	}
}
END_TEST

/* AveragePool 3x3 stride 2 pad 1 (with and without count_include_pad),
 * GlobalAveragePool, GlobalMaxPool through the lowering */
START_TEST(test_fx_lower_pools)
{
	float x[2 * 5 * 5], y[50];
	rnd_floats(x, 50, 5.0);
	for (int kind = 0; kind < 4; kind++) {
		MB *mb = mb_new(13);
		mb_input(mb, "x", DT_F32, 4, D(1, 2, 5, 5));
		if (kind < 2) {
			Onnx__NodeProto *n = mb_node(mb, "AveragePool", "ap", "x", "y");
			mb_attr_ints(mb, n, "kernel_shape", 2, D(3, 3));
			mb_attr_ints(mb, n, "strides", 2, D(2, 2));
			mb_attr_ints(mb, n, "pads", 4, D(1, 1, 1, 1));
			mb_attr_int(mb, n, "count_include_pad", kind);
		} else
			mb_node(mb, kind == 2 ? "GlobalAveragePool" : "GlobalMaxPool", "gp", "x", "y");
		mb_output(mb, "y");
		Diag d = diag_capture();
		Graph *g = load(mb, &d);
		const int bits[1] = {8}, frac[1] = {4};
		fx_io(g, bits, frac, 8, 5);
		const void *in[1] = {x};
		void *out[1] = {y};
		ck_assert_msg(run_graph(g, &d, in, out) == 0, "kind %d: %s", kind, d.all);
		for (int c = 0; c < 2; c++) {
			int no = kind < 2 ? 9 : 1;
			for (int o = 0; o < no; o++) {
				double s = 0, m = -1e9, cnt = 0;
				for (int r = 0; r < 5; r++)
					for (int col = 0; col < 5; col++) {
						if (kind < 2 && (abs(r - (o / 3) * 2) > 1 || abs(col - (o % 3) * 2) > 1))
							continue;
						s += q(x[c * 25 + r * 5 + col], 8, 4);
						m = fmax(m, q(x[c * 25 + r * 5 + col], 8, 4));
						cnt++;
					}
				if (kind == 1)
					cnt = 9;
				/* the exact mean of the codes, moved from frac 4 to 5 */
				double want = kind == 3 ? ref_sat(2 * m, 8) : ref_sat(nearbyint(2 * s / cnt), 8);
				ck_assert_msg(y[c * no + o] == ldexp(want, -5), "kind %d y[%d] = %g, expected %g",
					kind, c * no + o, y[c * no + o], ldexp(want, -5));
			}
		}
		if (kind == 0 || kind == 2)
			codegen_matches_interp(g, "fxpool", x, 50, y, kind < 2 ? 18 : 2);
		graph_free(g);
		mb_free(mb);
	}
}
END_TEST

/* Gemm with transB and int16 activations (the reference kernel) and
 * MatMul of a 3-D input by a 2-D constant (8 bits: the fast kernel) */
START_TEST(test_fx_lower_gemm_matmul)
{
	float a[2 * 3 * 5], w[5 * 4], bias[4], y[24];
	rnd_floats(a, 30, 1.9);
	rnd_floats(w, 20, 0.9);
	rnd_floats(bias, 4, 0.5);
	for (int kind = 0; kind < 2; kind++) {
		MB *mb = mb_new(13);
		if (kind == 0) {
			mb_input(mb, "a", DT_F32, 2, D(6, 5));
			mb_init_f32(mb, "w", 2, D(4, 5), w, -1);
			mb_init_f32(mb, "bias", 1, D(4), bias, -1);
			Onnx__NodeProto *n = mb_node(mb, "Gemm", "fc", "a,w,bias", "y");
			mb_attr_int(mb, n, "transB", 1);
		} else {
			mb_input(mb, "a", DT_F32, 3, D(2, 3, 5));
			mb_init_f32(mb, "w", 2, D(5, 4), w, -1);
			mb_node(mb, "MatMul", "mm", "a,w", "y");
		}
		mb_output(mb, "y");
		Diag d = diag_capture();
		Graph *g = load(mb, &d);
		const int bits[1] = {kind ? 8 : 12}, frac[1] = {kind ? 6 : 10};
		Node *n = find_op(g, kind ? OP_MATMUL : OP_GEMM);
		set_fmt(n->in[1], 6, 6);
		fx_io(g, bits, frac, kind ? 8 : 16, kind ? 5 : 12);
		const void *in[1] = {a};
		void *out[1] = {y};
		ck_assert_msg(run_graph(g, &d, in, out) == 0, "kind %d: %s", kind, d.all);
		for (int i = 0; i < 6; i++)
			for (int o = 0; o < 4; o++) {
				double acc = kind ? 0 : nearbyint(ldexp(bias[o], 10 + 6));
				for (int k = 0; k < 5; k++)
					acc += q(a[i * 5 + k], bits[0], frac[0]) * q(kind ? w[k * 4 + o] : w[o * 5 + k], 6, 6);
				int yf = kind ? 5 : 12;
				double want = ldexp(ref_sat(nearbyint(ldexp(acc, yf - frac[0] - 6)), kind ? 8 : 16), -yf);
				ck_assert_msg(y[i * 4 + o] == want, "kind %d y[%d][%d] = %g, expected %g", kind, i, o,
					y[i * 4 + o], want);
			}
		codegen_matches_interp(g, "fxgemm", a, 30, y, 24);
		graph_free(g);
		mb_free(mb);
	}
}
END_TEST

/* Sigmoid and Tanh tables: with 8-bit inputs every code's output is the
 * quantized function value (what the table holds), with 16-bit inputs the
 * interpolated table stays within 1 LSB of it; Softmax within a few LSB
 * of the float softmax of the codes. The measured errors are printed for
 * docs/FIXED_POINT.md. */
START_TEST(test_fx_lower_tables_error)
{
	static float x[65536], y[65536];
	for (int kind = 0; kind < 5; kind++) {
		/* 0, 1: Sigmoid, Tanh on every Q8.5 code -> Q8.7; 2, 3: on every
		 * Q16.12 code -> Q16.15 / Q16.14; 4: Softmax of rows of 10 */
		int xb = kind < 2 || kind == 4 ? 8 : 16, xf = xb == 8 ? 5 : 12;
		int yb = xb, yf = kind == 2 ? 15 : kind == 4 ? 7 : xb == 8 ? 7 : 14;
		int n = kind == 4 ? 1000 : 1 << xb;
		const char *op = kind == 4 ? "Softmax" : kind % 2 ? "Tanh" : "Sigmoid";
		MB *mb = mb_new(13);
		mb_input(mb, "x", DT_F32, 2, D(n / (kind == 4 ? 10 : 1), kind == 4 ? 10 : 1));
		mb_node(mb, op, "f", "x", "y");
		mb_output(mb, "y");
		Diag d = diag_capture();
		Graph *g = load(mb, &d);
		fx_io(g, &xb, &xf, yb, yf);
		for (int i = 0; i < n; i++)
			x[i] = kind == 4 ? (float)(rnd(-128, 127) / 32.0) : (float)ldexp(i - (1 << (xb - 1)), -xf);
		const void *in[1] = {x};
		void *out[1] = {y};
		ck_assert_msg(run_graph(g, &d, in, out) == 0, "%s: %s", op, d.all);
		double maxerr = 0, maxq = 0;
		for (int i = 0; i < n; i++) {
			double v = ldexp(q(x[i], xb, xf), -xf), f;
			if (kind == 4) {
				double mx = -1e9, s = 0;
				int r = i / 10 * 10;
				for (int j = 0; j < 10; j++)
					mx = fmax(mx, ldexp(q(x[r + j], 8, 5), -5));
				for (int j = 0; j < 10; j++)
					s += exp(ldexp(q(x[r + j], 8, 5), -5) - mx);
				f = exp(v - mx) / s;
			} else
				f = kind % 2 ? tanh(v) : 1 / (1 + exp(-v));
			double err = fabs(y[i] - f) * ldexp(1, yf);      /* in output LSBs */
			double errq = fabs(y[i] - ldexp(q(f, yb, yf), -yf)) * ldexp(1, yf);
			maxerr = fmax(maxerr, err);
			maxq = fmax(maxq, errq);
		}
		fprintf(stderr, "fx table %s Q%d.%d -> Q%d.%d: max error %.3f LSB vs exact, "
			"%.3f LSB vs the quantized exact value\n", op, xb, xf, yb, yf, maxerr, maxq);
		if (xb == 8 && kind != 4)
			ck_assert_msg(maxq == 0, "%s: a table entry differs from q(f(x))", op);
		else
			ck_assert_msg(maxq <= (kind == 4 ? 2 : 1), "%s: %.3f LSB off q(f(x))", op, maxq);
		if (kind == 3 || kind == 4)
			codegen_matches_interp(g, "fxtab", x, n, y, n);
		graph_free(g);
		mb_free(mb);
	}
}
END_TEST

/* fx_quantize (vectorizable, no ldexpf/fmodf) gives axrt_fixed_quant's
 * codes: random values, exact ties, huge values, several formats */
START_TEST(test_fx_quantize_matches_axrt_fixed_quant)
{
	static float x[4096];
	static int16_t y[4096];
	const int fmts[][3] = {{8, 5, 0}, {8, 5, 1}, {4, -2, 0}, {16, 12, 0}, {12, 20, 1}, {2, 0, 0}};
	for (size_t f = 0; f < sizeof fmts / sizeof *fmts; f++) {
		axrt_fxcvt_params p;
		memset(&p, 0, sizeof p);
		p.n = 4096;
		p.yt = AXRT_DT_INT16;
		p.bits = fmts[f][0];
		p.shift = fmts[f][1];
		p.round = fmts[f][2];
		p.lo = -(1 << (p.bits - 1));
		p.hi = (1 << (p.bits - 1)) - 1;
		for (int i = 0; i < 4096; i++) {
			double span = ldexp(1.5, p.bits - 1 - p.shift);
			x[i] = i % 4 == 0 ? (float)ldexp(rnd(-300, 300) / 2.0, -p.shift)   /* ties */
				: i % 97 == 1 ? (float)(rnd(-1, 1) * 3e30) : (float)(span * rnd(-100000, 100000) / 1e5);
		}
		const void *in[1] = {x};
		void *out[1] = {y};
		ck_assert_int_eq(kernel_call(K_fx_quantize, &p, in, out, NULL), 0);
		for (int i = 0; i < 4096; i++)
			ck_assert_msg(y[i] == axrt_fixed_quant(x[i], p.bits, p.shift, p.round),
				"format %zu: x = %a gives %d, axrt_fixed_quant %d", f, (double)x[i], y[i],
				axrt_fixed_quant(x[i], p.bits, p.shift, p.round));
	}
}
END_TEST

START_TEST(test_fx_lower_rejects_unsupported_op)
{
	static const float one[1] = {1};
	(void)one;
	MB *b = mb_new(13);
	mb_input(b, "x", DT_F32, 2, D(2, 3));
	mb_node(b, "Exp", "exp_1", "x", "y");
	mb_output(b, "y");
	Diag d = diag_capture();
	Graph *g = load(b, &d);
	Tensor *yq, *xq = fx_boundaries(g, &yq);
	set_fmt(xq, 8, 5);
	set_fmt(yq, 8, 5);
	float x[6] = {0}, y[6];
	const void *in[1] = {x};
	void *out[1] = {y};
	ck_assert_int_eq(run_graph(g, &d, in, out), -1);
	ck_assert_ptr_nonnull(strstr(d.all, "node 'exp_1' (Exp)"));
	ck_assert_ptr_nonnull(strstr(d.all, "no integer kernel"));
	graph_free(g);
	mb_free(b);
}
END_TEST

/* Errors of the fixed-point lowering name their node: a weight without a
 * format, a fused activation without an integer epilogue, a Pad with a
 * nonzero value, a view that changes formats where it cannot, a float input
 * beside fixed-point ones, Softmax into a format with negative fraction */
START_TEST(test_fx_lower_errors_name_the_node)
{
	static const float w[4] = {1, -1, 0.5f, 0.25f};
	for (int kind = 0; kind < 6; kind++) {
		MB *mb = mb_new(13);
		Onnx__NodeProto *n;
		const char *name = NULL, *what = NULL;
		mb_input(mb, "a", DT_F32, 4, D(1, 1, 2, 2));
		switch (kind) {
		case 0: case 1:
			mb_init_f32(mb, "w", 4, D(1, 1, 2, 2), w, -1);
			mb_node(mb, "Conv", "conv_e", "a,w", kind ? "c" : "y");
			if (kind)
				mb_node(mb, "Sigmoid", "sig", "c", "y");
			name = "node 'conv_e' (Conv)";
			what = kind ? "fused activation" : "weight 'w' has no fixed-point format";
			break;
		case 2:
			mb_init_i64(mb, "pads", 1, D(8), (const int64_t[]){0, 0, 1, 1, 0, 0, 1, 1});
			mb_init_f32(mb, "v", 0, D(1), (const float[]){0.5f}, -1);
			mb_node(mb, "Pad", "pad_e", "a,pads,v", "y");
			name = "node 'pad_e' (Pad)";
			what = "nonzero constant";
			break;
		case 3:
			n = mb_node(mb, "Transpose", "tr_e", "a", "y");
			mb_attr_ints(mb, n, "perm", 4, D(0, 1, 3, 2));
			name = "node 'tr_e' (Transpose)";
			what = "cannot change formats";
			break;
		case 4:
			mb_input(mb, "b", DT_F32, 4, D(1, 1, 2, 2));
			mb_node(mb, "Add", "add_e", "b,a", "y");
			name = "node 'add_e' (Add)";
			what = "tensor 'a' has no fixed-point format";   /* a stays float */
			break;
		default:
			n = mb_node(mb, "Softmax", "sm_e", "a", "y");
			name = "node 'sm_e' (Softmax)";
			what = "0 to 40 fractional bits";
			break;
		}
		mb_output(mb, "y");
		Diag d = diag_capture();
		Graph *g = load(mb, &d);
		int bits[2] = {8, 8}, frac[2] = {5, 5};
		if (kind == 4) {
			/* only b is quantized; a stays float */
			Tensor *b = g->input[0];
			g->input[0] = g->input[1];
			g->ninput = 1;
			fx_io(g, bits, frac, 8, 5);
			g->input[1] = b;
			g->ninput = 2;
		} else
			fx_io(g, bits, frac, 8, kind == 5 ? -1 : kind == 3 ? 4 : 5);
		float x[4] = {0}, y[4];
		const void *in[2] = {x, x};
		void *out[1] = {y};
		ck_assert_int_eq(run_graph(g, &d, in, out), -1);
		ck_assert_msg(strstr(d.all, name) != NULL, "kind %d: %s", kind, d.all);
		ck_assert_msg(strstr(d.all, what) != NULL, "kind %d: %s", kind, d.all);
		graph_free(g);
		mb_free(mb);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rt_fx");
	TCase *k = tcase_create("kernels");
	TCase *lw = tcase_create("lower");

	fesetround(FE_TONEAREST);
	tcase_set_timeout(lw, 300);
	tcase_add_test(k, test_fx_shift_matches_double);
	tcase_add_test(k, test_fx_conv_reference_matches_double);
	tcase_add_test(k, test_fx_conv_fast_matches_reference);
	tcase_add_test(k, test_fx_conv_wide_matches_reference);
	tcase_add_test(k, test_fx_conv_wide_quad_matches_reference);
	tcase_add_test(k, test_fx_globalavgpool_int8_matches_double);
	tcase_add_test(k, test_fx_gemm_reference_and_fast);
	tcase_add_test(k, test_fx_pool_matches_double);
	tcase_add_test(k, test_fx_add_mul_broadcast_matches_double);
	tcase_add_test(lw, test_fx_lower_cnn_matches_simulation);
	tcase_add_test(lw, test_fx_lower_mobile_codegen_matches_interp);
	tcase_add_test(lw, test_fx_lower_rejects_unsupported_op);
	tcase_add_test(lw, test_fx_lower_errors_name_the_node);
	tcase_add_test(lw, test_fx_lower_add_mul_sum);
	tcase_add_test(lw, test_fx_lower_concat_act_moves);
	tcase_add_test(lw, test_fx_lower_pools);
	tcase_add_test(lw, test_fx_lower_gemm_matmul);
	tcase_add_test(lw, test_fx_lower_tables_error);
	tcase_add_test(k, test_fx_quantize_matches_axrt_fixed_quant);
	tcase_add_test(k, test_fx_add_mul_int8_fast_matches_double);
	tcase_add_test(k, test_fx_maxpool_int8_paths);
	suite_add_tcase(s, k);
	suite_add_tcase(s, lw);
	return tg_main(s);
}
