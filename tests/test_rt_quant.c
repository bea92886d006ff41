/* test_rt_quant.c: the quant family's kernels (runtime/kernels/quant.c)
 * against the ONNX spec examples and straightforward references written
 * here: rint() for ties-to-even rounding, int64 sums wrapped to int32,
 * gather-form convolution. Integers must match exactly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

static uint32_t seed = 4242;

static uint32_t
rnd(void)
{
	seed = seed * 1664525u + 1013904223u;
	return seed >> 8;
}

static int
irand(int lo, int hi)   /* uniform in [lo, hi] */
{
	return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

static float
frand(float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnd() & 0xffff) / 65536.0f;
}

typedef struct { int32_t type, lo, hi, size; } QType;
static const QType qtypes[4] = {
	{AXRT_DT_UINT8, 0, 255, 1}, {AXRT_DT_INT8, -128, 127, 1},
	{AXRT_DT_UINT16, 0, 65535, 2}, {AXRT_DT_INT16, -32768, 32767, 2},
};

static int32_t
tget(const void *p, int32_t type, int i)
{
	switch (type) {
	case AXRT_DT_UINT8: return ((const uint8_t *)p)[i];
	case AXRT_DT_INT8: return ((const int8_t *)p)[i];
	case AXRT_DT_UINT16: return ((const uint16_t *)p)[i];
	case AXRT_DT_INT16: return ((const int16_t *)p)[i];
	default: return ((const int32_t *)p)[i];
	}
}

static void
tput(void *p, int32_t type, int i, int32_t v)
{
	switch (type) {
	case AXRT_DT_UINT8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case AXRT_DT_INT8: ((int8_t *)p)[i] = (int8_t)v; break;
	case AXRT_DT_UINT16: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case AXRT_DT_INT16: ((int16_t *)p)[i] = (int16_t)v; break;
	default: ((int32_t *)p)[i] = v; break;
	}
}

/* ONNX: saturate(round(q) + zp), rint() rounding ties to even in the
 * default mode; NaN to the lowest value as ONNX Runtime does. */
static int32_t
ref_sat(double q, int32_t zp, int32_t lo, int32_t hi)
{
	double r;

	if (isnan(q))
		return lo;
	r = rint(q) + zp;
	return r < lo ? lo : r > hi ? hi : (int32_t)r;
}

/* int64 sum wrapped to int32 (two's complement) */
static int32_t
wrap32(int64_t v)
{
	uint32_t u = (uint32_t)(uint64_t)v;
	return u > 0x7fffffffu ? (int32_t)((int64_t)u - 4294967296LL) : (int32_t)u;
}

/* 8-bit element i of a uint8 or int8 (sgn) buffer */
static int
val8(const uint8_t *p, int sgn, int i)
{
	return sgn ? (int)(int8_t)p[i] : (int)p[i];
}

static void
fill8(uint8_t *p, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* ---- QuantizeLinear ---- */

START_TEST(test_quantize_spec_example)
{
	/* ONNX test_quantizelinear: 3 / 2 = 1.5 rounds to 2 */
	static const float x[6] = {0, 2, 3, 1000, -254, -1000}, s = 2;
	static const uint8_t zp = 128, want[6] = {128, 129, 130, 255, 1, 0};
	axrt_qlinear_params p = {1, 1, 6, 0, AXRT_DT_UINT8};
	const void *in[3] = {x, &s, &zp};
	uint8_t y[6];
	void *out[1] = {y};

	ck_assert_int_eq(axrt_quantize_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(y[i], want[i]);
}
END_TEST

START_TEST(test_quantize_spec_axis)
{
	/* ONNX test_quantizelinear_axis: per channel of axis 1, all exact */
	static const float x[18] = {-162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44,
		245, -485, -960, -270, -375, -470};
	static const float s[3] = {2, 4, 5};
	static const uint8_t zp[3] = {84, 24, 196};
	static const uint8_t want[18] = {3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13,
		245, 99, 4, 142, 121, 102};
	axrt_qlinear_params p = {1, 3, 6, 1, AXRT_DT_UINT8};
	const void *in[3] = {x, s, zp};
	uint8_t y[18];
	void *out[1] = {y};

	ck_assert_int_eq(axrt_quantize_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 18; i++)
		ck_assert_int_eq(y[i], want[i]);
}
END_TEST

START_TEST(test_quantize_ties_to_even_and_saturation)
{
	static const float x[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.5f, 2.4999998f,
		-2.5000002f, 126.5f, 127.5f, -128.5f, 1e10f, -1e10f, INFINITY, -INFINITY, NAN};
	static const int8_t want[] = {0, 2, 2, 0, -2, -2, 4, 2, -3, 126, 127, -128, 127, -128,
		127, -128, -128};
	enum { N = sizeof x / sizeof x[0] };
	float s = 1;
	int8_t y[N];
	axrt_qlinear_params p = {1, 1, N, 0, AXRT_DT_INT8};
	const void *in[3] = {x, &s, NULL};   /* no zero point: 0 */
	void *out[1] = {y};

	ck_assert_int_eq(axrt_quantize_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < N; i++)
		ck_assert_msg(y[i] == want[i], "x = %g: y = %d, expected %d", (double)x[i], y[i], want[i]);
}
END_TEST

/* Random per-tensor and per-axis quantization into every output type,
 * with exact ties (x = (j + 0.5) * s for power-of-two s) mixed in. */
START_TEST(test_quantize_random_all_types)
{
	float x[600], s[8];
	int32_t zpv[8];
	uint16_t zp[8], y[600];

	for (int trial = 0; trial < 200; trial++) {
		const QType *q = &qtypes[trial % 4];
		axrt_qlinear_params p = {irand(1, 3), irand(1, 8), irand(1, 20), irand(0, 1), q->type};
		int nz = p.per_axis ? p.chan : 1, tot = p.outer * p.chan * p.inner, i = 0;
		const void *in[3] = {x, s, trial % 5 ? zp : NULL};
		void *out[1] = {y};
		for (int c = 0; c < nz; c++) {
			s[c] = irand(0, 1) ? ldexpf(1.0f, irand(-3, 3)) : frand(0.01f, 3.0f);
			zpv[c] = in[2] ? irand(q->lo, q->hi) : 0;
			tput(zp, q->type, c, zpv[c]);
		}
		for (int o = 0; o < p.outer; o++)
			for (int c = 0; c < p.chan; c++)
				for (int j = 0; j < p.inner; j++, i++) {
					float sc = s[p.per_axis ? c : 0];
					x[i] = irand(0, 2) ? frand(-400, 400) * sc : ((float)irand(-300, 300) + 0.5f) * sc;
				}
		ck_assert_int_eq(axrt_quantize_f32(&p, in, out, NULL), AXRT_OK);
		i = 0;
		for (int o = 0; o < p.outer; o++)
			for (int c = 0; c < p.chan; c++)
				for (int j = 0; j < p.inner; j++, i++) {
					int cc = p.per_axis ? c : 0;
					float qv = x[i] / s[cc];
					int32_t want = ref_sat(qv, zpv[cc], q->lo, q->hi);
					ck_assert_msg(tget(y, q->type, i) == want, "trial %d type %d: x %.9g / %.9g + %d: got %d, want %d",
						trial, q->type, (double)x[i], (double)s[cc], zpv[cc], tget(y, q->type, i), want);
				}
		ck_assert_int_lt(tot, 600);
	}
}
END_TEST

/* int32 input divides in double: 16777729 / 1024 = 16384.50098 rounds up,
 * while the float nearest 16777729 would give a tie rounding to 16384. */
START_TEST(test_quantize_i32_divides_in_double)
{
	static const int32_t x[] = {16777729, 5, 7, -5, INT32_MAX, INT32_MIN, 0};
	static const float s[] = {1024, 2, 2, 2, 1, 1, 3};
	static const int16_t want[] = {16385, 2, 4, -2, 32767, -32768, 0};
	int16_t y[1];

	for (int i = 0; i < 7; i++) {
		axrt_qlinear_params p = {1, 1, 1, 0, AXRT_DT_INT16};
		const void *in[3] = {&x[i], &s[i], NULL};
		void *out[1] = {y};
		ck_assert_int_eq(axrt_quantize_i32(&p, in, out, NULL), AXRT_OK);
		ck_assert_int_eq(y[0], want[i]);
	}
}
END_TEST

/* ---- DequantizeLinear ---- */

START_TEST(test_dequantize_spec_examples)
{
	static const uint8_t x[4] = {0, 3, 128, 255}, zp = 128;
	static const float s = 2, want[4] = {-256, -250, 0, 254};
	static const uint8_t xa[6] = {3, 89, 34, 200, 74, 59};   /* axis: channel 0 of 3 */
	static const float sa[3] = {2, 4, 5};
	static const uint8_t za[3] = {84, 24, 196};
	axrt_qlinear_params p = {1, 1, 4, 0, AXRT_DT_UINT8}, pa = {1, 3, 2, 1, AXRT_DT_UINT8};
	float y[6];
	const void *in[3] = {x, &s, &zp}, *ina[3] = {xa, sa, za};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_dequantize_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 4; i++)
		ck_assert_float_eq(y[i], want[i]);
	ck_assert_int_eq(axrt_dequantize_f32(&pa, ina, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], (3 - 84) * 2.0f);
	ck_assert_float_eq(y[3], (200 - 24) * 4.0f);
	ck_assert_float_eq(y[5], (59 - 196) * 5.0f);
}
END_TEST

START_TEST(test_dequantize_random_all_types)
{
	static const int32_t types[5] = {AXRT_DT_UINT8, AXRT_DT_INT8, AXRT_DT_UINT16, AXRT_DT_INT16,
		AXRT_DT_INT32};
	int32_t x[400], zp[8];
	float s[8], y[400];

	for (int trial = 0; trial < 150; trial++) {
		int32_t t = types[trial % 5];
		axrt_qlinear_params p = {irand(1, 3), irand(1, 8), irand(1, 16), irand(0, 1), t};
		int nz = p.per_axis ? p.chan : 1, tot = p.outer * p.chan * p.inner, i = 0;
		const void *in[3] = {x, s, trial % 3 ? zp : NULL};
		void *out[1] = {y};
		for (int c = 0; c < nz; c++) {
			int32_t v = (int32_t)(rnd() ^ (rnd() << 24));
			tput(zp, t, c, v);   /* truncated to the type */
			s[c] = frand(0.001f, 10.0f);
		}
		for (int j = 0; j < tot; j++)
			tput(x, t, j, (int32_t)(rnd() ^ (rnd() << 24)));
		ck_assert_int_eq(axrt_dequantize_f32(&p, in, out, NULL), AXRT_OK);
		for (int o = 0; o < p.outer; o++)
			for (int c = 0; c < p.chan; c++)
				for (int j = 0; j < p.inner; j++, i++) {
					int cc = p.per_axis ? c : 0;
					double z = in[2] ? tget(zp, t, cc) : 0;
					float want = (float)((double)tget(x, t, i) - z) * s[cc];
					ck_assert_msg(y[i] == want, "trial %d: %.9g != %.9g", trial, (double)y[i], (double)want);
				}
	}
}
END_TEST

/* ---- DynamicQuantizeLinear ---- */

static void
check_dynquant(const float *x, int n, float want_scale, int want_zp)
{
	uint8_t y[16], zp;
	float scale, lo = 0, hi = 0;
	axrt_dynquant_params p = {n};
	const void *in[1] = {x};
	void *out[3] = {y, &scale, &zp};

	ck_assert_int_eq(axrt_dynquant_u8(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_close(scale, want_scale, 1e-9);
	ck_assert_int_eq(zp, want_zp);
	for (int i = 0; i < n; i++) {
		lo = fminf(lo, x[i]);
		hi = fmaxf(hi, x[i]);
	}
	/* the spec's numpy: scale = (max - min) / 255 in float32, round(x / scale) + zp */
	ck_assert_float_eq(scale, hi == lo ? 1.0f : (hi - lo) / 255.0f);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(y[i], ref_sat(x[i] / scale, zp, 0, 255));
}

START_TEST(test_dynquant_spec_examples)
{
	static const float a[6] = {0, 2, -3, -2.5f, 1.34f, 0.5f};
	static const float b[6] = {-1.0f, -2.1f, -1.3f, -2.5f, -3.34f, -4.0f};
	static const float c[12] = {1, 2.1f, 1.3f, 2.5f, 3.34f, 4.0f, 1.5f, 2.6f, 3.9f, 4.0f, 3.0f, 2.345f};
	static const float z[3] = {0, 0, 0};

	check_dynquant(a, 6, 0.0196078438f, 153);
	check_dynquant(b, 6, 0.0156862754f, 255);
	check_dynquant(c, 12, 0.0156862754f, 0);
	check_dynquant(z, 3, 1.0f, 0);   /* all zero: ONNX Runtime's scale 1 */
}
END_TEST

START_TEST(test_dynquant_optional_outputs)
{
	static const float x[3] = {-1, 0, 1};
	uint8_t y[3];
	axrt_dynquant_params p = {3};
	const void *in[1] = {x};
	void *out[3] = {y, NULL, NULL};

	ck_assert_int_eq(axrt_dynquant_u8(&p, in, out, NULL), AXRT_OK);
	/* scale = float(2/255), and 1 / scale is 127.49999 in float: zp 127 */
	ck_assert_int_eq(y[0], 0);
	ck_assert_int_eq(y[1], 127);
	ck_assert_int_eq(y[2], 254);
}
END_TEST

/* ---- MatMulInteger, QLinearMatMul ---- */

START_TEST(test_matmulinteger_spec_example)
{
	static const uint8_t a[12] = {11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0}, b[6] = {1, 4, 2, 5, 3, 6};
	static const uint8_t azp = 12, bzp = 0;
	static const int32_t want[8] = {-38, -83, -44, -98, -50, -113, -56, -128};
	axrt_qmatmul_params p;
	int32_t y[8];
	uint32_t acc[2];
	const void *in[4] = {a, b, &azp, &bzp};
	void *out[1] = {y};

	memset(&p, 0, sizeof p);
	p.m = 4;
	p.k = 3;
	p.n = 2;
	ck_assert_int_eq(axrt_matmulinteger_i32(&p, in, out, acc), AXRT_OK);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(y[i], want[i]);
}
END_TEST

START_TEST(test_matmulinteger_accumulator_wraps)
{
	enum { K = 70000 };
	static uint8_t a[K], b[K];
	const uint8_t azp = 255;
	axrt_qmatmul_params p;
	int32_t y;
	uint32_t acc[1];
	const void *in[4] = {a, b, &azp, NULL};
	void *out[1] = {&y};

	memset(a, 0, sizeof a);
	memset(b, 255, sizeof b);
	memset(&p, 0, sizeof p);
	p.m = p.n = 1;
	p.k = K;
	ck_assert_int_eq(axrt_matmulinteger_i32(&p, in, out, acc), AXRT_OK);
	/* 70000 * (0 - 255) * 255 = -4551750000 == -256782704 mod 2^32 */
	ck_assert_int_eq(y, wrap32((int64_t)K * -255 * 255));
	ck_assert_int_eq(y, -256782704);
}
END_TEST

/* A batched matmul case: operand batch dims ab/bb (1 broadcasts). */
typedef struct {
	axrt_qmatmul_params p;
	int ab[2], bb[2];
	uint8_t a[2000], b[2000], azp[16], bzp[16], yzp;
	float as[16], bs[16], ys;
	int has_azp, has_bzp;
} MM;

static void
mm_random(MM *t)
{
	axrt_qmatmul_params *p = &t->p;

	memset(t, 0, sizeof *t);
	p->m = irand(1, 6);
	p->k = irand(1, 9);
	p->n = irand(1, 7);
	p->brank = 2;
	for (int i = 0; i < 2; i++) {
		p->bdim[i] = irand(1, 3);
		t->ab[i] = irand(0, 1) ? p->bdim[i] : 1;
		t->bb[i] = irand(0, 1) ? p->bdim[i] : 1;
	}
	p->a_bs[1] = t->ab[1] == 1 ? 0 : p->m * p->k;
	p->a_bs[0] = t->ab[0] == 1 ? 0 : t->ab[1] * p->m * p->k;
	p->b_bs[1] = t->bb[1] == 1 ? 0 : p->k * p->n;
	p->b_bs[0] = t->bb[0] == 1 ? 0 : t->bb[1] * p->k * p->n;
	p->a_signed = irand(0, 1);
	p->b_signed = irand(0, 1);
	p->y_signed = irand(0, 1);
	p->a_per_row = irand(0, 1);
	p->b_per_col = irand(0, 1);
	t->has_azp = irand(0, 3) != 0;
	t->has_bzp = irand(0, 3) != 0;
	fill8(t->a, 2000);
	fill8(t->b, 2000);
	fill8(t->azp, 16);
	fill8(t->bzp, 16);
	t->yzp = (uint8_t)rnd();
	for (int i = 0; i < 16; i++) {
		t->as[i] = frand(0.001f, 0.05f);
		t->bs[i] = frand(0.001f, 0.05f);
	}
	t->ys = frand(0.01f, 0.5f);
}

/* sum over kk of (A - azp) (B - bzp) for batch (i0, i1), row i, column j */
static int64_t
mm_ref(const MM *t, int i0, int i1, int i, int j)
{
	const axrt_qmatmul_params *p = &t->p;
	int ao = ((t->ab[0] == 1 ? 0 : i0) * t->ab[1] + (t->ab[1] == 1 ? 0 : i1)) * p->m * p->k;
	int bo = ((t->bb[0] == 1 ? 0 : i0) * t->bb[1] + (t->bb[1] == 1 ? 0 : i1)) * p->k * p->n;
	int az = t->has_azp ? val8(t->azp, p->a_signed, p->a_per_row ? i : 0) : 0;
	int bz = t->has_bzp ? val8(t->bzp, p->b_signed, p->b_per_col ? j : 0) : 0;
	int64_t s = 0;

	for (int kk = 0; kk < p->k; kk++)
		s += (int64_t)(val8(t->a, p->a_signed, ao + i * p->k + kk) - az)
			* (val8(t->b, p->b_signed, bo + kk * p->n + j) - bz);
	return s;
}

START_TEST(test_matmulinteger_random)
{
	static MM t;
	int32_t y[1000];
	uint32_t acc[16];

	for (int trial = 0; trial < 300; trial++) {
		const void *in[4];
		void *out[1] = {y};
		int yo = 0;
		mm_random(&t);
		in[0] = t.a;
		in[1] = t.b;
		in[2] = t.has_azp ? t.azp : NULL;
		in[3] = t.has_bzp ? t.bzp : NULL;
		ck_assert_int_eq(axrt_matmulinteger_i32(&t.p, in, out, acc), AXRT_OK);
		for (int i0 = 0; i0 < t.p.bdim[0]; i0++)
			for (int i1 = 0; i1 < t.p.bdim[1]; i1++)
				for (int i = 0; i < t.p.m; i++)
					for (int j = 0; j < t.p.n; j++, yo++)
						ck_assert_msg(y[yo] == wrap32(mm_ref(&t, i0, i1, i, j)), "trial %d: y[%d] = %d, want %lld",
							trial, yo, y[yo], (long long)mm_ref(&t, i0, i1, i, j));
	}
}
END_TEST

/* ONNX Runtime's requantization: (float)acc * ((s_a * s_b) / s_y), rounded
 * to even, plus the zero point, saturated. */
static int32_t
ref_requant(int64_t acc, float sa, float sb, float sy, int32_t zp, int sgn)
{
	float mult = sa * sb;

	mult = mult / sy;
	return ref_sat((float)wrap32(acc) * mult, zp, sgn ? -128 : 0, sgn ? 127 : 255);
}

START_TEST(test_qlinearmatmul_spec_examples)
{
	/* ONNX test_qlinearmatmul_2D, and 3D with the batch of b broadcast */
	static const uint8_t a[8] = {208, 236, 0, 238, 3, 214, 255, 29};
	static const uint8_t b[12] = {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247};
	static const uint8_t azp = 113, bzp = 114, yzp = 118;
	static const float as = 0.0066f, bs = 0.00705f, ys = 0.0107f;
	static const uint8_t want[6] = {168, 115, 255, 1, 66, 151};
	uint8_t a2[16], y[12];
	uint32_t acc[3];
	axrt_qmatmul_params p;
	const void *in[8] = {a, &as, &azp, b, &bs, &bzp, &ys, &yzp};
	void *out[1] = {y};

	memset(&p, 0, sizeof p);
	p.m = 2;
	p.k = 4;
	p.n = 3;
	ck_assert_int_eq(axrt_qlinearmatmul_q8(&p, in, out, acc), AXRT_OK);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(y[i], want[i]);
	memcpy(a2, a, 8);
	memcpy(a2 + 8, a, 8);
	in[0] = a2;
	p.brank = 1;
	p.bdim[0] = 2;
	p.a_bs[0] = 8;
	p.b_bs[0] = 0;
	ck_assert_int_eq(axrt_qlinearmatmul_q8(&p, in, out, acc), AXRT_OK);
	for (int i = 0; i < 12; i++)
		ck_assert_int_eq(y[i], want[i % 6]);
}
END_TEST

START_TEST(test_qlinearmatmul_random)
{
	static MM t;
	uint8_t y[1000];
	uint32_t acc[16];

	for (int trial = 0; trial < 300; trial++) {
		const void *in[8];
		void *out[1] = {y};
		int yo = 0;
		mm_random(&t);
		t.has_azp = t.has_bzp = 1;
		in[0] = t.a;
		in[1] = t.as;
		in[2] = t.azp;
		in[3] = t.b;
		in[4] = t.bs;
		in[5] = t.bzp;
		in[6] = &t.ys;
		in[7] = &t.yzp;
		ck_assert_int_eq(axrt_qlinearmatmul_q8(&t.p, in, out, acc), AXRT_OK);
		for (int i0 = 0; i0 < t.p.bdim[0]; i0++)
			for (int i1 = 0; i1 < t.p.bdim[1]; i1++)
				for (int i = 0; i < t.p.m; i++)
					for (int j = 0; j < t.p.n; j++, yo++) {
						int32_t want = ref_requant(mm_ref(&t, i0, i1, i, j), t.as[t.p.a_per_row ? i : 0],
							t.bs[t.p.b_per_col ? j : 0], t.ys, val8(&t.yzp, t.p.y_signed, 0), t.p.y_signed);
						ck_assert_msg(val8(y, t.p.y_signed, yo) == want, "trial %d: y[%d] = %d, want %d",
							trial, yo, val8(y, t.p.y_signed, yo), want);
					}
	}
}
END_TEST

/* The product (float)acc * mult is rounded to float before rounding to an
 * integer, as in ONNX Runtime: 2000 * 0.00325f is 6.50000013 exactly but
 * 6.5 in float, so it rounds to 6; 2001 * 0.0017491254f is 3.49999998,
 * 3.5 in float: 4. */
START_TEST(test_qlinearmatmul_requant_in_float)
{
	static const uint8_t a[2] = {80, 87}, b[2] = {25, 23}, zp = 0;
	static const float as[2] = {0.00325f, 0.0017491254f}, one = 1;
	static const uint8_t want[2] = {6, 4};
	axrt_qmatmul_params p;
	uint8_t y;
	uint32_t acc[1];

	memset(&p, 0, sizeof p);
	p.m = p.n = p.k = 1;
	for (int i = 0; i < 2; i++) {
		const void *in[8] = {&a[i], &as[i], &zp, &b[i], &one, &zp, &one, &zp};
		void *out[1] = {&y};
		ck_assert_int_eq(axrt_qlinearmatmul_q8(&p, in, out, acc), AXRT_OK);
		ck_assert_int_eq(y, want[i]);
	}
}
END_TEST

START_TEST(test_qmatmul_rejects_bad_params)
{
	static const uint8_t a[4], b[4];
	axrt_qmatmul_params p;
	int32_t y[4];
	uint32_t acc[2];
	const void *in[4] = {a, b, NULL, NULL};
	void *out[1] = {y};

	memset(&p, 0, sizeof p);
	p.m = p.n = p.k = 2;
	ck_assert_int_eq(axrt_matmulinteger_i32(&p, in, out, NULL), AXRT_EINVAL);   /* no scratch */
	p.m = -1;
	ck_assert_int_eq(axrt_matmulinteger_i32(&p, in, out, acc), AXRT_EINVAL);
	p.m = 2;
	p.brank = AXRT_MAXRANK + 1;
	ck_assert_int_eq(axrt_matmulinteger_i32(&p, in, out, acc), AXRT_EINVAL);
	p.brank = 1;
	p.bdim[0] = -2;
	ck_assert_int_eq(axrt_matmulinteger_i32(&p, in, out, acc), AXRT_EINVAL);
}
END_TEST

/* ---- ConvInteger, QLinearConv ---- */

static axrt_qconv_params
conv_params2d(int c, int h, int w, int m, int kh, int kw, int pad)
{
	axrt_qconv_params p;

	memset(&p, 0, sizeof p);
	p.n = 1;
	p.c = c;
	p.m = m;
	p.group = 1;
	p.in[0] = p.out[0] = p.k[0] = 1;
	p.in[1] = h;
	p.in[2] = w;
	p.k[1] = kh;
	p.k[2] = kw;
	for (int i = 0; i < 3; i++)
		p.stride[i] = p.dil[i] = 1;
	p.pad[1] = p.pad[2] = pad;
	p.out[1] = h + 2 * pad - kh + 1;
	p.out[2] = w + 2 * pad - kw + 1;
	return p;
}

START_TEST(test_convinteger_spec_examples)
{
	static const uint8_t x[9] = {2, 3, 4, 5, 6, 7, 8, 9, 10}, w[4] = {1, 1, 1, 1}, xzp = 1;
	static const int32_t want[4] = {12, 16, 24, 28};
	static const int32_t wantp[16] = {1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9};
	axrt_qconv_params p = conv_params2d(1, 3, 3, 1, 2, 2, 0);
	int32_t y[16];
	uint32_t acc[4];
	const void *in[4] = {x, w, &xzp, NULL};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_convinteger_i32(&p, in, out, acc), AXRT_OK);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(y[i], want[i]);
	p = conv_params2d(1, 3, 3, 1, 2, 2, 1);
	ck_assert_int_eq(axrt_convinteger_i32(&p, in, out, acc), AXRT_OK);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(y[i], wantp[i]);
}
END_TEST

START_TEST(test_qlinearconv_spec_example)
{
	static const uint8_t x[49] = {255, 174, 162, 25, 203, 168, 58, 15, 59, 237, 95, 129, 0, 64,
		56, 242, 153, 221, 168, 12, 166, 232, 178, 186, 195, 237, 162, 237, 188, 39, 124, 77,
		80, 102, 43, 127, 230, 21, 83, 41, 40, 134, 255, 154, 92, 141, 42, 148, 247};
	static const uint8_t want[49] = {0, 81, 93, 230, 52, 87, 197, 240, 196, 18, 160, 126, 255,
		191, 199, 13, 102, 34, 87, 243, 89, 23, 77, 69, 60, 18, 93, 18, 67, 216, 131, 178, 175,
		153, 212, 128, 25, 234, 172, 214, 215, 121, 0, 101, 163, 114, 213, 107, 8};
	static const uint8_t w = 0, xzp = 132, wzp = 255, yzp = 123;
	static const float xs = 0.00369204697f, ws = 0.00172794575f, ys = 0.00162681262f;
	axrt_qconv_params p = conv_params2d(1, 7, 7, 1, 1, 1, 0);
	uint8_t y[49];
	uint32_t acc[7];
	const void *in[9] = {x, &xs, &xzp, &w, &ws, &wzp, &ys, &yzp, NULL};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_qlinearconv_q8(&p, in, out, acc), AXRT_OK);
	for (int i = 0; i < 49; i++)
		ck_assert_int_eq(y[i], want[i]);
}
END_TEST

/* A random conv case with its operands. */
typedef struct {
	axrt_qconv_params p;
	uint8_t x[8192], w[1024], xzp, wzp[16], yzp;
	int32_t bias[16];
	float xs, ws[16], ys;
	int has_xzp, has_wzp, has_bias;
} CV;

static void
cv_random(CV *t, int nsp)
{
	axrt_qconv_params *p = &t->p;

	memset(t, 0, sizeof *t);
	p->group = irand(1, 2);
	p->n = irand(1, 2);
	p->c = p->group * irand(1, 2);
	p->m = p->group * irand(1, 3);
	for (int a = 0; a < 3; a++) {
		p->in[a] = p->k[a] = p->out[a] = p->stride[a] = p->dil[a] = 1;
		if (a < 3 - nsp)
			continue;
		p->k[a] = irand(1, 3);
		p->stride[a] = irand(1, 2);
		p->dil[a] = irand(1, 2);
		p->pad[a] = irand(0, 2);
		p->in[a] = irand(1, 7 - nsp) + (p->k[a] - 1) * p->dil[a];
		p->out[a] = (p->in[a] + 2 * p->pad[a] - (p->k[a] - 1) * p->dil[a] - 1) / p->stride[a] + 1;
	}
	p->x_signed = irand(0, 1);
	p->w_signed = irand(0, 1);
	p->y_signed = irand(0, 1);
	p->w_per_chan = irand(0, 1);
	t->has_xzp = irand(0, 3) != 0;
	t->has_wzp = irand(0, 3) != 0;
	t->has_bias = irand(0, 1);
	fill8(t->x, 8192);
	fill8(t->w, 1024);
	fill8(t->wzp, 16);
	t->xzp = (uint8_t)rnd();
	t->yzp = (uint8_t)rnd();
	for (int i = 0; i < 16; i++) {
		t->bias[i] = irand(-20000, 20000);
		t->ws[i] = frand(0.001f, 0.02f);
	}
	t->xs = frand(0.001f, 0.05f);
	t->ys = frand(0.02f, 0.5f);
}

/* Gather form: bias + sum over the group's channels and kernel offsets of
 * (x - xzp) (w - wzp), padding excluded, for output (img, m, o[3]). */
static int64_t
cv_ref(const CV *t, int img, int m, const int *o)
{
	const axrt_qconv_params *p = &t->p;
	int cg = p->c / p->group, mg = p->m / p->group, j[3], i[3];
	int xz = t->has_xzp ? val8(&t->xzp, p->x_signed, 0) : 0;
	int wz = t->has_wzp ? val8(t->wzp, p->w_signed, p->w_per_chan ? m : 0) : 0;
	int64_t acc = t->has_bias ? t->bias[m] : 0;

	for (int c = 0; c < cg; c++)
	for (j[0] = 0; j[0] < p->k[0]; j[0]++)
	for (j[1] = 0; j[1] < p->k[1]; j[1]++)
	for (j[2] = 0; j[2] < p->k[2]; j[2]++) {
		int ok = 1, ci = m / mg * cg + c;
		for (int a = 0; a < 3; a++) {
			i[a] = o[a] * p->stride[a] - p->pad[a] + j[a] * p->dil[a];
			ok &= i[a] >= 0 && i[a] < p->in[a];
		}
		if (!ok)
			continue;
		acc += (int64_t)(val8(t->x, p->x_signed,
			(((img * p->c + ci) * p->in[0] + i[0]) * p->in[1] + i[1]) * p->in[2] + i[2]) - xz)
			* (val8(t->w, p->w_signed, (((m * cg + c) * p->k[0] + j[0]) * p->k[1] + j[1]) * p->k[2] + j[2]) - wz);
	}
	return acc;
}

static void
cv_sweep(int nsp, int qlinear, int trials)
{
	static CV t;
	static uint8_t y8[40000];
	static int32_t y32[40000];
	uint32_t acc[64];

	for (int trial = 0; trial < trials; trial++) {
		const void *in[9];
		void *out[1];
		int o[3], yo = 0;
		cv_random(&t, nsp);
		if (qlinear) {
			t.has_xzp = t.has_wzp = 1;
			const void *v[9] = {t.x, &t.xs, &t.xzp, t.w, t.ws, t.wzp, &t.ys, &t.yzp,
				t.has_bias ? t.bias : NULL};
			memcpy(in, v, sizeof v);
			out[0] = y8;
			ck_assert_int_eq(axrt_qlinearconv_q8(&t.p, in, out, acc), AXRT_OK);
		} else {
			t.has_bias = 0;
			const void *v[4] = {t.x, t.w, t.has_xzp ? &t.xzp : NULL, t.has_wzp ? t.wzp : NULL};
			memcpy(in, v, sizeof v);
			out[0] = y32;
			ck_assert_int_eq(axrt_convinteger_i32(&t.p, in, out, acc), AXRT_OK);
		}
		for (int img = 0; img < t.p.n; img++)
		for (int m = 0; m < t.p.m; m++)
		for (o[0] = 0; o[0] < t.p.out[0]; o[0]++)
		for (o[1] = 0; o[1] < t.p.out[1]; o[1]++)
		for (o[2] = 0; o[2] < t.p.out[2]; o[2]++, yo++) {
			int64_t r = cv_ref(&t, img, m, o);
			if (qlinear) {
				int32_t want = ref_requant(r, t.xs, t.ws[t.p.w_per_chan ? m : 0], t.ys,
					val8(&t.yzp, t.p.y_signed, 0), t.p.y_signed);
				ck_assert_msg(val8(y8, t.p.y_signed, yo) == want, "trial %d: y[%d] = %d, want %d",
					trial, yo, val8(y8, t.p.y_signed, yo), want);
			} else
				ck_assert_msg(y32[yo] == wrap32(r), "trial %d: y[%d] = %d, want %lld",
					trial, yo, y32[yo], (long long)r);
		}
	}
}

START_TEST(test_convinteger_random_1d) { cv_sweep(1, 0, 150); }
END_TEST
START_TEST(test_convinteger_random_2d) { cv_sweep(2, 0, 150); }
END_TEST
START_TEST(test_convinteger_random_3d) { cv_sweep(3, 0, 60); }
END_TEST
START_TEST(test_qlinearconv_random_1d) { cv_sweep(1, 1, 150); }
END_TEST
START_TEST(test_qlinearconv_random_2d) { cv_sweep(2, 1, 150); }
END_TEST
START_TEST(test_qlinearconv_random_3d) { cv_sweep(3, 1, 60); }
END_TEST

START_TEST(test_qconv_rejects_bad_params)
{
	static const uint8_t x[9], w[4];
	axrt_qconv_params p = conv_params2d(1, 3, 3, 1, 2, 2, 0);
	int32_t y[4];
	uint32_t acc[2];
	const void *in[4] = {x, w, NULL, NULL};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_convinteger_i32(&p, in, out, NULL), AXRT_EINVAL);   /* no scratch */
	p.group = 2;
	ck_assert_int_eq(axrt_convinteger_i32(&p, in, out, acc), AXRT_EINVAL);
	p.group = 1;
	p.stride[1] = 0;
	ck_assert_int_eq(axrt_convinteger_i32(&p, in, out, acc), AXRT_EINVAL);
}
END_TEST

START_TEST(test_qlinear_rejects_bad_params)
{
	static const float x[2], s[1] = {1};
	uint8_t y[2];
	float yf[2];
	axrt_qlinear_params p = {1, 0, 2, 0, AXRT_DT_UINT8};
	const void *in[3] = {x, s, NULL};
	void *out[1] = {y}, *outf[1] = {yf};

	ck_assert_int_eq(axrt_quantize_f32(&p, in, out, NULL), AXRT_EINVAL);   /* chan 0 */
	p.chan = 1;
	p.qtype = AXRT_DT_FLOAT;
	ck_assert_int_eq(axrt_quantize_f32(&p, in, out, NULL), AXRT_EINVAL);
	ck_assert_int_eq(axrt_quantize_i32(&p, in, out, NULL), AXRT_EINVAL);
	p.qtype = AXRT_DT_BOOL;
	ck_assert_int_eq(axrt_dequantize_f32(&p, in, outf, NULL), AXRT_EINVAL);
	p.qtype = AXRT_DT_UINT8;
	p.inner = -1;
	ck_assert_int_eq(axrt_dequantize_f32(&p, in, outf, NULL), AXRT_EINVAL);
	ck_assert_int_eq(axrt_dynquant_u8(&(axrt_dynquant_params){-1}, in, out, NULL), AXRT_EINVAL);
}
END_TEST

static Suite *
quant_suite(void)
{
	Suite *s = suite_create("rt_quant");
	TCase *tc = tcase_create("qlinear");

	tcase_add_test(tc, test_quantize_spec_example);
	tcase_add_test(tc, test_quantize_spec_axis);
	tcase_add_test(tc, test_quantize_ties_to_even_and_saturation);
	tcase_add_test(tc, test_quantize_random_all_types);
	tcase_add_test(tc, test_quantize_i32_divides_in_double);
	tcase_add_test(tc, test_dequantize_spec_examples);
	tcase_add_test(tc, test_dequantize_random_all_types);
	tcase_add_test(tc, test_dynquant_spec_examples);
	tcase_add_test(tc, test_dynquant_optional_outputs);
	tcase_add_test(tc, test_qlinear_rejects_bad_params);
	suite_add_tcase(s, tc);
	tc = tcase_create("matmul");
	tcase_add_test(tc, test_matmulinteger_spec_example);
	tcase_add_test(tc, test_matmulinteger_accumulator_wraps);
	tcase_add_test(tc, test_matmulinteger_random);
	tcase_add_test(tc, test_qlinearmatmul_spec_examples);
	tcase_add_test(tc, test_qlinearmatmul_random);
	tcase_add_test(tc, test_qlinearmatmul_requant_in_float);
	tcase_add_test(tc, test_qmatmul_rejects_bad_params);
	suite_add_tcase(s, tc);
	tc = tcase_create("conv");
	tcase_add_test(tc, test_convinteger_spec_examples);
	tcase_add_test(tc, test_qlinearconv_spec_example);
	tcase_add_test(tc, test_convinteger_random_1d);
	tcase_add_test(tc, test_convinteger_random_2d);
	tcase_add_test(tc, test_convinteger_random_3d);
	tcase_add_test(tc, test_qlinearconv_random_1d);
	tcase_add_test(tc, test_qlinearconv_random_2d);
	tcase_add_test(tc, test_qlinearconv_random_3d);
	tcase_add_test(tc, test_qconv_rejects_bad_params);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(quant_suite());
}
