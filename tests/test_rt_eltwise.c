/* test_rt_eltwise.c: the eltwise family's kernels (runtime/kernels/eltwise.c)
 * against the ONNX spec examples and double-precision references written
 * here (formulas from the ONNX operator docs, index arithmetic by hand). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

#define RUN(k, p, ins, outs) axrt_##k(&(p), (const void *const *)(ins), (void *const *)(outs), NULL)

static const float xs[] = {-6.5f, -3.0f, -1.25f, -0.5f, -0.01f, 0.0f, 0.01f, 0.4f, 0.5f, 1.0f, 2.5f, 7.0f};
enum { NX = sizeof xs / sizeof xs[0] };

/* |got - want| <= atol + rtol |want| */
static void
check_close(const float *got, const double *want, int n, double rtol, double atol)
{
	for (int i = 0; i < n; i++)
		ck_assert_msg(fabs((double)got[i] - want[i]) <= atol + rtol * fabs(want[i]),
			"element %d: %.9g, expected %.9g", i, (double)got[i], want[i]);
}

static axrt_unary_params
unary(int64_t n, float alpha, float beta)
{
	axrt_unary_params p;
	memset(&p, 0, sizeof p);
	p.n = n;
	p.alpha = alpha;
	p.beta = beta;
	return p;
}

/* ---- float32 activations and math ---- */

/* Runs f32 kernel k over xs and compares with ref(x, alpha, beta). */
typedef axrt_status (*UnaryFn)(const axrt_unary_params *, const void *const *, void *const *, void *);
static void
unary_vs_ref(UnaryFn k, double (*ref)(double, double, double), float alpha, float beta)
{
	float y[NX];
	double want[NX];
	axrt_unary_params p = unary(NX, alpha, beta);
	const void *in[] = {xs};
	void *out[] = {y};
	ck_assert_int_eq(k(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < NX; i++)
		want[i] = ref(xs[i], alpha, beta);
	check_close(y, want, NX, 1e-6, 1e-7);
}

static double r_relu(double x, double a, double b) { (void)a; (void)b; return x > 0 ? x : 0; }
static double r_leaky(double x, double a, double b) { (void)b; return x < 0 ? a * x : x; }
static double r_elu(double x, double a, double b) { (void)b; return x < 0 ? a * (exp(x) - 1) : x; }
static double r_selu(double x, double a, double g) { return x > 0 ? g * x : g * a * (exp(x) - 1); }
static double r_celu(double x, double a, double b) { (void)b; return fmax(0, x) + fmin(0, a * (exp(x / a) - 1)); }
static double r_thr(double x, double a, double b) { (void)b; return x > a ? x : 0; }
static double r_sigmoid(double x, double a, double b) { (void)a; (void)b; return 1 / (1 + exp(-x)); }
static double r_hsig(double x, double a, double b) { return fmax(0, fmin(1, a * x + b)); }
static double r_hswish(double x, double a, double b) { (void)a; (void)b; return x * fmax(0, fmin(1, x / 6 + 0.5)); }
static double r_tanh(double x, double a, double b) { (void)a; (void)b; return tanh(x); }
static double r_softplus(double x, double a, double b) { (void)a; (void)b; return log(exp(x) + 1); }
static double r_softsign(double x, double a, double b) { (void)a; (void)b; return x / (1 + fabs(x)); }
static double r_mish(double x, double a, double b) { (void)a; (void)b; return x * tanh(log(1 + exp(x))); }
static double r_shrink(double x, double l, double b) { return x < -l ? x + b : x > l ? x - b : 0; }
static double r_exp(double x, double a, double b) { (void)a; (void)b; return exp(x); }
static double r_erf(double x, double a, double b) { (void)a; (void)b; return erf(x); }
static double r_recip(double x, double a, double b) { (void)a; (void)b; return 1 / x; }
static double r_sin(double x, double a, double b) { (void)a; (void)b; return sin(x); }
static double r_atan(double x, double a, double b) { (void)a; (void)b; return atan(x); }
static double r_cosh(double x, double a, double b) { (void)a; (void)b; return cosh(x); }
static double r_asinh(double x, double a, double b) { (void)a; (void)b; return asinh(x); }
static double r_ceil(double x, double a, double b) { (void)a; (void)b; return ceil(x); }
static double r_floor(double x, double a, double b) { (void)a; (void)b; return floor(x); }

START_TEST(test_activations_match_formulas)
{
	unary_vs_ref(axrt_relu_f32, r_relu, 0, 0);
	unary_vs_ref(axrt_leakyrelu_f32, r_leaky, 0.1f, 0);
	unary_vs_ref(axrt_elu_f32, r_elu, 2.0f, 0);
	unary_vs_ref(axrt_selu_f32, r_selu, 1.67326319217681884765625f, 1.05070102214813232421875f);
	unary_vs_ref(axrt_celu_f32, r_celu, 2.0f, 0);
	unary_vs_ref(axrt_thresholdedrelu_f32, r_thr, 0.4f, 0);
	unary_vs_ref(axrt_sigmoid_f32, r_sigmoid, 0, 0);
	unary_vs_ref(axrt_hardsigmoid_f32, r_hsig, 0.2f, 0.5f);
	unary_vs_ref(axrt_hardswish_f32, r_hswish, 0, 0);
	unary_vs_ref(axrt_tanh_f32, r_tanh, 0, 0);
	unary_vs_ref(axrt_softplus_f32, r_softplus, 0, 0);
	unary_vs_ref(axrt_softsign_f32, r_softsign, 0, 0);
	unary_vs_ref(axrt_mish_f32, r_mish, 0, 0);
	unary_vs_ref(axrt_shrink_f32, r_shrink, 0.5f, 1.5f);
}
END_TEST

START_TEST(test_math_matches_libm_double)
{
	unary_vs_ref(axrt_exp_f32, r_exp, 0, 0);
	unary_vs_ref(axrt_erf_f32, r_erf, 0, 0);
	unary_vs_ref(axrt_sin_f32, r_sin, 0, 0);
	unary_vs_ref(axrt_atan_f32, r_atan, 0, 0);
	unary_vs_ref(axrt_cosh_f32, r_cosh, 0, 0);
	unary_vs_ref(axrt_asinh_f32, r_asinh, 0, 0);
	unary_vs_ref(axrt_ceil_f32, r_ceil, 0, 0);
	unary_vs_ref(axrt_floor_f32, r_floor, 0, 0);
	/* xs contains 0: 1/0 = inf is compared exactly below */
	float x[3] = {4.0f, -0.5f, 0.0f}, y[3];
	axrt_unary_params p = unary(3, 0, 0);
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(reciprocal_f32, p, in, out), AXRT_OK);
	ck_assert(y[0] == 0.25f && y[1] == -2.0f && isinf(y[2]) && y[2] > 0);
	(void)r_recip;
}
END_TEST

/* Softplus must not overflow where exp(x) does. */
START_TEST(test_softplus_large_inputs)
{
	float x[2] = {100.0f, -100.0f}, y[2];
	axrt_unary_params p = unary(2, 0, 0);
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(softplus_f32, p, in, out), AXRT_OK);
	ck_assert_float_close(y[0], 100.0, 1e-5);
	ck_assert_float_close(y[1], 3.720076e-44, 1e-45);
}
END_TEST

/* ONNX Round spec example: half to even. */
START_TEST(test_round_half_to_even)
{
	float x[15] = {0.1f, 0.5f, 0.9f, 1.2f, 1.5f, 1.8f, 2.3f, 2.5f, 2.7f, -1.1f, -1.5f, -1.9f, -2.2f, -2.5f, -2.8f};
	float want[15] = {0, 0, 1, 1, 2, 2, 2, 2, 3, -1, -2, -2, -2, -2, -3}, y[15];
	axrt_unary_params p = unary(15, 0, 0);
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(round_f32, p, in, out), AXRT_OK);
	for (int i = 0; i < 15; i++)
		ck_assert_msg(y[i] == want[i], "round(%g) = %g, expected %g", (double)x[i], (double)y[i], (double)want[i]);
}
END_TEST

START_TEST(test_isnan_isinf_modes)
{
	float x[6] = {-1.2f, NAN, INFINITY, 2.8f, -INFINITY, INFINITY};
	uint8_t y[6];
	const uint8_t nan_want[6] = {0, 1, 0, 0, 0, 0}, inf_want[6] = {0, 0, 1, 0, 1, 1};
	const uint8_t pos_want[6] = {0, 0, 1, 0, 0, 1}, neg_want[6] = {0, 0, 0, 0, 1, 0};
	axrt_unary_params p = unary(6, 0, 0);
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(isnan_f32, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, nan_want, 6);
	p.mode = 3;
	ck_assert_int_eq(RUN(isinf_f32, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, inf_want, 6);
	p.mode = 1;
	ck_assert_int_eq(RUN(isinf_f32, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, pos_want, 6);
	p.mode = 2;
	ck_assert_int_eq(RUN(isinf_f32, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, neg_want, 6);
}
END_TEST

/* The fused-activation helper is the same math as the standalone ops. */
START_TEST(test_act_f32_matches_formulas)
{
	for (int i = 0; i < NX; i++) {
		double x = xs[i];
		ck_assert_float_close(axrt_act_f32(AXRT_ACT_NONE, xs[i], 0, 0), x, 0);
		ck_assert_float_close(axrt_act_f32(AXRT_ACT_RELU, xs[i], 0, 0), r_relu(x, 0, 0), 0);
		ck_assert_float_close(axrt_act_f32(AXRT_ACT_LEAKYRELU, xs[i], 0.2f, 0), r_leaky(x, 0.2f, 0), 1e-7);
		ck_assert_float_close(axrt_act_f32(AXRT_ACT_CLIP, xs[i], -1, 2), fmin(2, fmax(-1, x)), 0);
		ck_assert_float_close(axrt_act_f32(AXRT_ACT_SIGMOID, xs[i], 0, 0), r_sigmoid(x, 0, 0), 1e-7);
		ck_assert_float_close(axrt_act_f32(AXRT_ACT_TANH, xs[i], 0, 0), tanh(x), 1e-7);
		ck_assert_float_close(axrt_act_f32(AXRT_ACT_HARDSIGMOID, xs[i], 0.2f, 0.5f), r_hsig(x, 0.2f, 0.5f), 1e-7);
		ck_assert_float_close(axrt_act_f32(AXRT_ACT_HARDSWISH, xs[i], 0, 0), r_hswish(x, 0, 0), 1e-6);
	}
	/* crossed Clip bounds: min(max(x, lo), hi) = hi */
	ck_assert_float_close(axrt_act_f32(AXRT_ACT_CLIP, 0.0f, 3, 1), 1.0, 0);
}
END_TEST

START_TEST(test_unary_rejects_negative_count)
{
	float x[1] = {0}, y[1];
	axrt_unary_params p = unary(-1, 0, 0);
	const void *in[] = {x, NULL, NULL};   /* clip looks at its optional min/max */
	void *out[] = {y};
	ck_assert_int_eq(RUN(sigmoid_f32, p, in, out), AXRT_EINVAL);
	ck_assert_int_eq(RUN(abs_i64, p, in, out), AXRT_EINVAL);
	ck_assert_int_eq(RUN(clip_f32, p, in, out), AXRT_EINVAL);
}
END_TEST

/* ---- typed unary: relu, abs, neg, sign, clip, not ---- */

START_TEST(test_int_abs_neg_sign_wrap)
{
	int32_t x[5] = {INT32_MIN, -7, 0, 3, INT32_MAX}, y[5];
	const int32_t abs_want[5] = {INT32_MIN, 7, 0, 3, INT32_MAX};
	const int32_t neg_want[5] = {INT32_MIN, 7, 0, -3, -INT32_MAX};
	const int32_t sign_want[5] = {-1, -1, 0, 1, 1}, relu_want[5] = {0, 0, 0, 3, INT32_MAX};
	axrt_unary_params p = unary(5, 0, 0);
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(abs_i32, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, abs_want, sizeof y);
	ck_assert_int_eq(RUN(neg_i32, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, neg_want, sizeof y);
	ck_assert_int_eq(RUN(sign_i32, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, sign_want, sizeof y);
	ck_assert_int_eq(RUN(relu_i32, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, relu_want, sizeof y);
}
END_TEST

START_TEST(test_int64_and_uint_unary)
{
	int64_t x[3] = {-5, 0, INT64_MAX}, y[3];
	const int64_t abs_want[3] = {5, 0, INT64_MAX};
	uint8_t u[3] = {0, 1, 255}, uy[3];
	const uint8_t usign[3] = {0, 1, 1}, uneg[3] = {0, 255, 1};
	axrt_unary_params p = unary(3, 0, 0);
	const void *in[] = {x}, *uin[] = {u};
	void *out[] = {y}, *uout[] = {uy};
	ck_assert_int_eq(RUN(abs_i64, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, abs_want, sizeof y);
	ck_assert_int_eq(RUN(sign_u8, p, uin, uout), AXRT_OK);
	ck_assert_mem_eq(uy, usign, 3);
	ck_assert_int_eq(RUN(neg_u8, p, uin, uout), AXRT_OK);
	ck_assert_mem_eq(uy, uneg, 3);
	ck_assert_int_eq(RUN(abs_u8, p, uin, uout), AXRT_OK);
	ck_assert_mem_eq(uy, u, 3);
}
END_TEST

START_TEST(test_float_sign_abs_neg)
{
	float x[5] = {-2.5f, -0.0f, 0.0f, 3.0f, NAN}, y[5];
	axrt_unary_params p = unary(5, 0, 0);
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(sign_f32, p, in, out), AXRT_OK);
	ck_assert(y[0] == -1 && y[1] == 0 && y[2] == 0 && y[3] == 1 && isnan(y[4]));
	ck_assert_int_eq(RUN(abs_f32, p, in, out), AXRT_OK);
	ck_assert(y[0] == 2.5f && y[1] == 0 && !signbit(y[1]) && y[3] == 3 && isnan(y[4]));
	ck_assert_int_eq(RUN(neg_f32, p, in, out), AXRT_OK);
	ck_assert(y[0] == 2.5f && y[3] == -3);
}
END_TEST

/* Clip with both, one or no bounds (ONNX test_clip_* cases). */
START_TEST(test_clip_optional_bounds)
{
	float x[5] = {-3, -1, 0, 1, 3}, y[5], lo = -1.5f, hi = 0.5f;
	const float both[5] = {-1.5f, -1, 0, 0.5f, 0.5f}, onlymin[5] = {-1.5f, -1, 0, 1, 3};
	axrt_unary_params p = unary(5, 0, 0);
	const void *in2[] = {x, &lo, &hi}, *in1[] = {x, &lo, NULL}, *in0[] = {x, NULL, NULL};
	void *out[] = {y};
	ck_assert_int_eq(RUN(clip_f32, p, in2, out), AXRT_OK);
	ck_assert_mem_eq(y, both, sizeof y);
	ck_assert_int_eq(RUN(clip_f32, p, in1, out), AXRT_OK);
	ck_assert_mem_eq(y, onlymin, sizeof y);
	ck_assert_int_eq(RUN(clip_f32, p, in0, out), AXRT_OK);
	ck_assert_mem_eq(y, x, sizeof y);

	int8_t xi[4] = {-128, -1, 1, 127}, yi[4], zero = 0;
	const int8_t want[4] = {-128, -1, 0, 0};
	const void *ini[] = {xi, NULL, &zero};
	void *outi[] = {yi};
	p.n = 4;
	ck_assert_int_eq(RUN(clip_i8, p, ini, outi), AXRT_OK);
	ck_assert_mem_eq(yi, want, 4);
}
END_TEST

START_TEST(test_not_bool)
{
	uint8_t x[2] = {0, 1}, y[2];
	const uint8_t want[2] = {1, 0};
	axrt_unary_params p = unary(2, 0, 0);
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(not_bool, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, want, 2);
}
END_TEST

/* ---- cast ---- */

static axrt_cast_params
cast(int64_t n, int from, int to)
{
	axrt_cast_params p = {n, from, to};
	return p;
}

START_TEST(test_cast_float_to_int_truncates)
{
	float x[6] = {-2.7f, -0.5f, 0.5f, 2.7f, 1e10f, NAN};
	int32_t y[6];
	const int32_t want[5] = {-2, 0, 0, 2};
	axrt_cast_params p = cast(4, AXRT_DT_FLOAT, AXRT_DT_INT32);
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(cast, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, want, 4 * sizeof *y);

	int64_t y64[6];
	void *out64[] = {y64};
	p = cast(6, AXRT_DT_FLOAT, AXRT_DT_INT64);
	ck_assert_int_eq(RUN(cast, p, in, out64), AXRT_OK);
	ck_assert(y64[0] == -2 && y64[3] == 2 && y64[4] == 10000000000LL && y64[5] == 0);
}
END_TEST

START_TEST(test_cast_ints_and_bool)
{
	int64_t x[5] = {-1, 0, 2, 300, (int64_t)1 << 40}, yi[5];
	float yf[5];
	uint8_t yb[5], yu[5];
	const uint8_t bwant[5] = {1, 0, 1, 1, 1}, uwant[5] = {255, 0, 2, 44, 0};
	const void *in[] = {x};
	void *of[] = {yf}, *ob[] = {yb}, *ou[] = {yu}, *oi[] = {yi};
	axrt_cast_params p = cast(5, AXRT_DT_INT64, AXRT_DT_FLOAT);
	ck_assert_int_eq(RUN(cast, p, in, of), AXRT_OK);
	ck_assert(yf[0] == -1 && yf[3] == 300 && yf[4] == 1099511627776.0f);
	p.to = AXRT_DT_BOOL;
	ck_assert_int_eq(RUN(cast, p, in, ob), AXRT_OK);
	ck_assert_mem_eq(yb, bwant, 5);
	p.to = AXRT_DT_UINT8;   /* wraps modulo 256 like numpy astype */
	ck_assert_int_eq(RUN(cast, p, in, ou), AXRT_OK);
	ck_assert_mem_eq(yu, uwant, 5);
	p = cast(5, AXRT_DT_BOOL, AXRT_DT_INT64);
	const void *bin[] = {bwant};
	ck_assert_int_eq(RUN(cast, p, bin, oi), AXRT_OK);
	ck_assert(yi[0] == 1 && yi[1] == 0 && yi[2] == 1);
	/* uint64 above INT64_MAX converts by value */
	uint64_t big = UINT64_MAX;
	double d;
	const void *uin[] = {&big};
	void *od[] = {&d};
	p = cast(1, AXRT_DT_UINT64, AXRT_DT_DOUBLE);
	ck_assert_int_eq(RUN(cast, p, uin, od), AXRT_OK);
	ck_assert(d == 18446744073709551615.0);
}
END_TEST

/* IEEE half bit patterns: 1, -2, 65504 (max), 65520 (rounds to inf),
 * 2^-24 (min subnormal), 0.1 (0x2e66), ties to even at 1 + 2^-11. */
START_TEST(test_cast_float16_bits)
{
	float x[8] = {1.0f, -2.0f, 65504.0f, 65520.0f, 5.9604644775390625e-8f, 0.1f, 1.00048828125f, 1.00146484375f};
	const uint16_t want[8] = {0x3c00, 0xc000, 0x7bff, 0x7c00, 0x0001, 0x2e66, 0x3c00, 0x3c02};
	uint16_t y[8];
	axrt_cast_params p = cast(8, AXRT_DT_FLOAT, AXRT_DT_FLOAT16);
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(cast, p, in, out), AXRT_OK);
	for (int i = 0; i < 8; i++)
		ck_assert_msg(y[i] == want[i], "half(%g) = %#x, expected %#x", (double)x[i], y[i], want[i]);
}
END_TEST

/* Every finite half converts to float and back to itself; the float value
 * is checked against sign * mantissa * 2^exp computed here. */
START_TEST(test_cast_float16_round_trip_all)
{
	static uint16_t h[65536], back[65536];
	static float f[65536];
	for (int i = 0; i < 65536; i++)
		h[i] = (uint16_t)i;
	axrt_cast_params p = cast(65536, AXRT_DT_FLOAT16, AXRT_DT_FLOAT);
	const void *in[] = {h}, *fin[] = {f};
	void *out[] = {f}, *bout[] = {back};
	ck_assert_int_eq(RUN(cast, p, in, out), AXRT_OK);
	p = cast(65536, AXRT_DT_FLOAT, AXRT_DT_FLOAT16);
	ck_assert_int_eq(RUN(cast, p, fin, bout), AXRT_OK);
	for (int i = 0; i < 65536; i++) {
		int e = (i >> 10) & 31, m = i & 1023;
		double v = e == 0 ? ldexp(m, -24) : ldexp(1024 + m, e - 25);
		if (e == 31)
			continue;
		if (i & 0x8000)
			v = -v;
		ck_assert_msg(f[i] == v, "half %#x -> %g, expected %g", i, (double)f[i], v);
		ck_assert_msg(back[i] == i, "half %#x -> float -> %#x", i, back[i]);
	}
	ck_assert(isinf(f[0x7c00]) && isnan(f[0x7e00]) && isnan(f[0xfe00]));
}
END_TEST

START_TEST(test_cast_bfloat16_truncates)
{
	float x[3] = {0.47892547f, -1.0f, INFINITY}, y[3];
	uint16_t b[3];
	const void *in[] = {x}, *bin[] = {b};
	void *out[] = {b}, *fout[] = {y};
	axrt_cast_params p = cast(3, AXRT_DT_FLOAT, AXRT_DT_BFLOAT16);
	ck_assert_int_eq(RUN(cast, p, in, out), AXRT_OK);
	for (int i = 0; i < 3; i++) {
		uint32_t u;
		memcpy(&u, &x[i], 4);
		ck_assert_uint_eq(b[i], u >> 16);
	}
	p = cast(3, AXRT_DT_BFLOAT16, AXRT_DT_FLOAT);
	ck_assert_int_eq(RUN(cast, p, bin, fout), AXRT_OK);
	ck_assert(y[1] == -1.0f && isinf(y[2]) && fabs(y[0] - 0.47892547) < 4e-3);
}
END_TEST

START_TEST(test_cast_rejects_unknown_types)
{
	float x[1] = {0}, y[1];
	const void *in[] = {x};
	void *out[] = {y};
	axrt_cast_params p = cast(1, AXRT_DT_STRING, AXRT_DT_FLOAT);
	ck_assert_int_eq(RUN(cast, p, in, out), AXRT_EUNSUPPORTED);
	p = cast(1, AXRT_DT_FLOAT, 99);
	ck_assert_int_eq(RUN(cast, p, in, out), AXRT_EUNSUPPORTED);
	p = cast(-1, AXRT_DT_FLOAT, AXRT_DT_FLOAT);
	ck_assert_int_eq(RUN(cast, p, in, out), AXRT_EINVAL);
}
END_TEST

/* ---- binary ---- */

/* Broadcast params for out dims od (rank r) over a and b of dims ad/bd
 * (ranks ra, rb), by numpy's rule: align right, stride 0 where dim is 1. */
static axrt_binary_params
bcast(int r, const int32_t *od, int ra, const int32_t *ad, int rb, const int32_t *bd)
{
	axrt_binary_params p;
	memset(&p, 0, sizeof p);
	p.rank = r;
	for (int k = 0; k < r; k++)
		p.dims[k] = od[k];
	int32_t sa = 1, sb = 1;
	for (int k = r - 1; k >= 0; k--) {
		int ka = k - (r - ra), kb = k - (r - rb);
		p.sa[k] = ka < 0 || ad[ka] == 1 ? 0 : sa;
		p.sb[k] = kb < 0 || bd[kb] == 1 ? 0 : sb;
		if (ka >= 0)
			sa *= ad[ka];
		if (kb >= 0)
			sb *= bd[kb];
	}
	return p;
}

/* a [2,3,4] - b [3,1] and b [3,1] - a: every element against explicit
 * index arithmetic (covers the general strided inner loop and stride 0). */
START_TEST(test_binary_broadcast_general)
{
	float a[24], b[3], y[24];
	for (int i = 0; i < 24; i++)
		a[i] = (float)(i * i % 17) - 8;
	for (int i = 0; i < 3; i++)
		b[i] = (float)(i + 1) * 0.5f;
	int32_t od[3] = {2, 3, 4}, ad[3] = {2, 3, 4}, bd[2] = {3, 1};
	axrt_binary_params p = bcast(3, od, 3, ad, 2, bd);
	const void *in[] = {a, b}, *rin[] = {b, a};
	void *out[] = {y};
	ck_assert_int_eq(RUN(sub_f32, p, in, out), AXRT_OK);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 4; k++)
				ck_assert_float_close(y[(i * 3 + j) * 4 + k], a[(i * 3 + j) * 4 + k] - b[j], 0);
	p = bcast(3, od, 2, bd, 3, ad);
	ck_assert_int_eq(RUN(sub_f32, p, rin, out), AXRT_OK);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 4; k++)
				ck_assert_float_close(y[(i * 3 + j) * 4 + k], b[j] - a[(i * 3 + j) * 4 + k], 0);
}
END_TEST

/* a [3,1] * b [1,4] -> [3,4]: both sides broadcast (outer product). */
START_TEST(test_binary_outer_product)
{
	int64_t a[3] = {1, 2, 3}, b[4] = {10, 20, 30, 40}, y[12];
	int32_t od[2] = {3, 4}, ad[2] = {3, 1}, bd[2] = {1, 4};
	axrt_binary_params p = bcast(2, od, 2, ad, 2, bd);
	const void *in[] = {a, b};
	void *out[] = {y};
	ck_assert_int_eq(RUN(mul_i64, p, in, out), AXRT_OK);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++)
			ck_assert_int_eq(y[i * 4 + j], a[i] * b[j]);
}
END_TEST

/* Fast paths: equal shapes (rank 1), scalar on either side, in place. */
START_TEST(test_binary_fast_paths_and_in_place)
{
	float a[5] = {1, 2, 3, 4, 5}, b[5] = {5, 4, 3, 2, 1}, s = 10, y[5];
	int32_t d5[1] = {5}, d1[1] = {1};
	axrt_binary_params p = bcast(1, d5, 1, d5, 1, d5);
	const void *in[] = {a, b};
	void *out[] = {y};
	ck_assert_int_eq(RUN(add_f32, p, in, out), AXRT_OK);
	for (int i = 0; i < 5; i++)
		ck_assert_float_close(y[i], 6, 0);
	p = bcast(1, d5, 1, d5, 1, d1);
	const void *ins[] = {a, &s};
	ck_assert_int_eq(RUN(div_f32, p, ins, out), AXRT_OK);
	for (int i = 0; i < 5; i++)
		ck_assert_float_close(y[i], a[i] / 10, 0);
	p = bcast(1, d5, 1, d1, 1, d5);
	const void *ins2[] = {&s, a};
	ck_assert_int_eq(RUN(sub_f32, p, ins2, out), AXRT_OK);
	for (int i = 0; i < 5; i++)
		ck_assert_float_close(y[i], 10 - a[i], 0);
	/* y aliases a (same shape): a = a * b */
	p = bcast(1, d5, 1, d5, 1, d5);
	void *outa[] = {a};
	ck_assert_int_eq(RUN(mul_f32, p, in, outa), AXRT_OK);
	ck_assert(a[0] == 5 && a[1] == 8 && a[2] == 9 && a[3] == 8 && a[4] == 5);
}
END_TEST

START_TEST(test_binary_rank8_and_empty)
{
	int32_t od[8] = {2, 1, 2, 1, 2, 1, 2, 2}, bd[1] = {2};
	float a[32], b[2] = {1, -1}, y[32];
	for (int i = 0; i < 32; i++)
		a[i] = (float)i;
	axrt_binary_params p = bcast(8, od, 8, od, 1, bd);
	const void *in[] = {a, b};
	void *out[] = {y};
	ck_assert_int_eq(RUN(mul_f32, p, in, out), AXRT_OK);
	for (int i = 0; i < 32; i++)
		ck_assert_float_close(y[i], a[i] * b[i % 2], 0);
	od[3] = 0;   /* empty output: nothing is written */
	y[0] = 123;
	p = bcast(8, od, 8, od, 1, bd);
	ck_assert_int_eq(RUN(mul_f32, p, in, out), AXRT_OK);
	ck_assert_float_close(y[0], 123, 0);
	p.rank = 0;
	ck_assert_int_eq(RUN(mul_f32, p, in, out), AXRT_EINVAL);
	p.rank = 9;
	ck_assert_int_eq(RUN(mul_f32, p, in, out), AXRT_EINVAL);
	p.rank = 1;
	p.dims[0] = -1;
	ck_assert_int_eq(RUN(mul_f32, p, in, out), AXRT_EINVAL);
}
END_TEST

static axrt_binary_params
flat(int32_t n)
{
	int32_t d[1] = {n};
	return bcast(1, d, 1, d, 1, d);
}

/* Integer division truncates toward zero like C (ONNX Runtime); / 0 and
 * INT_MIN / -1 give 0 and INT_MIN instead of trapping; + wraps. */
START_TEST(test_int_div_truncates_and_wraps)
{
	int32_t a[6] = {-7, 7, -7, 5, INT32_MIN, INT32_MAX}, b[6] = {2, -2, -2, 0, -1, 1}, y[6];
	const int32_t div_want[6] = {-3, -3, 3, 0, INT32_MIN, INT32_MAX};
	const int32_t add_want[6] = {-5, 5, -9, 5, INT32_MAX, INT32_MIN};
	axrt_binary_params p = flat(6);
	const void *in[] = {a, b};
	void *out[] = {y};
	ck_assert_int_eq(RUN(div_i32, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, div_want, sizeof y);
	ck_assert_int_eq(RUN(add_i32, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, add_want, sizeof y);
	uint8_t ua[3] = {200, 7, 9}, ub[3] = {100, 2, 0}, uy[3];
	const uint8_t umul[3] = {32, 14, 0}, udiv[3] = {2, 3, 0};
	const void *uin[] = {ua, ub};
	void *uout[] = {uy};
	p = flat(3);
	ck_assert_int_eq(RUN(mul_u8, p, uin, uout), AXRT_OK);
	ck_assert_mem_eq(uy, umul, 3);
	ck_assert_int_eq(RUN(div_u8, p, uin, uout), AXRT_OK);
	ck_assert_mem_eq(uy, udiv, 3);
	int16_t sa[1] = {-32768}, sb[1] = {-32768}, sy[1];
	const void *sin_[] = {sa, sb};
	void *sout[] = {sy};
	p = flat(1);
	ck_assert_int_eq(RUN(mul_i16, p, sin_, sout), AXRT_OK);   /* 2^30 wraps to 0 */
	ck_assert_int_eq(sy[0], 0);
}
END_TEST

/* ONNX Mod spec examples: Python remainder for integers, fmod=1 C fmod. */
START_TEST(test_mod_spec_examples)
{
	int64_t a[6] = {-4, 7, 5, 4, -7, 8}, b[6] = {2, -3, 8, -2, 3, 5}, y[6];
	const int64_t want[6] = {0, -2, 5, 0, 2, 3};
	axrt_binary_params p = flat(6);
	const void *in[] = {a, b};
	void *out[] = {y};
	ck_assert_int_eq(RUN(mod_i64, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, want, sizeof y);
	p.fmod = 1;
	const int64_t cwant[6] = {0, 1, 5, 0, -1, 3};
	ck_assert_int_eq(RUN(mod_i64, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, cwant, sizeof y);
	float fa[6] = {-4.3f, 7.2f, 5.0f, 4.3f, -7.2f, 8.0f}, fb[6] = {2.1f, -3.4f, 8.0f, -2.1f, 3.4f, 5.0f}, fy[6];
	const void *fin[] = {fa, fb};
	void *fout[] = {fy};
	ck_assert_int_eq(RUN(mod_f32, p, fin, fout), AXRT_OK);
	for (int i = 0; i < 6; i++)
		ck_assert_float_close(fy[i], fmod((double)fa[i], (double)fb[i]), 0);
	uint32_t ua[3] = {4, 7, 5}, ub[3] = {2, 3, 0}, uy[3];
	const uint32_t uwant[3] = {0, 1, 0};
	const void *uin[] = {ua, ub};
	void *uout[] = {uy};
	p = flat(3);
	ck_assert_int_eq(RUN(mod_u32, p, uin, uout), AXRT_OK);
	ck_assert_mem_eq(uy, uwant, sizeof uy);
}
END_TEST

START_TEST(test_pow_mixed_types)
{
	float x[3] = {1, 2, 3}, y[3];
	int64_t e[3] = {4, 5, 6};
	axrt_binary_params p = flat(3);
	p.btype = AXRT_DT_INT64;
	const void *in[] = {x, e};
	void *out[] = {y};
	ck_assert_int_eq(RUN(pow_f32, p, in, out), AXRT_OK);
	ck_assert(y[0] == 1 && y[1] == 32 && y[2] == 729);
	float fe[3] = {0.5f, -1.0f, 2.0f};
	const void *fin[] = {x, fe};
	p.btype = AXRT_DT_FLOAT;
	ck_assert_int_eq(RUN(pow_f32, p, fin, out), AXRT_OK);
	ck_assert_float_close(y[0], 1, 0);
	ck_assert_float_close(y[1], 0.5, 0);
	ck_assert_float_close(y[2], 9, 0);
	int32_t xi[4] = {2, -3, 2, 7}, ei[4] = {10, 3, -1, 0}, yi[4];
	const int32_t iwant[4] = {1024, -27, 0, 1};
	const void *iin[] = {xi, ei};
	void *iout[] = {yi};
	p = flat(4);
	p.btype = AXRT_DT_INT32;
	ck_assert_int_eq(RUN(pow_i32, p, iin, iout), AXRT_OK);
	ck_assert_mem_eq(yi, iwant, sizeof yi);
	float fe2[4] = {10, 3, 0.5f, 2};
	const void *ifin[] = {xi, fe2};
	p.btype = AXRT_DT_FLOAT;
	ck_assert_int_eq(RUN(pow_i32, p, ifin, iout), AXRT_OK);
	ck_assert(yi[0] == 1024 && yi[1] == -27 && yi[2] == 1 && yi[3] == 49);
	p.btype = AXRT_DT_STRING;
	ck_assert_int_eq(RUN(pow_i32, p, ifin, iout), AXRT_EUNSUPPORTED);
}
END_TEST

START_TEST(test_max_min_propagate_nan)
{
	float a[3] = {1, NAN, 3}, b[3] = {2, 0, NAN}, y[3];
	axrt_binary_params p = flat(3);
	const void *in[] = {a, b};
	void *out[] = {y};
	ck_assert_int_eq(RUN(max_f32, p, in, out), AXRT_OK);
	ck_assert(y[0] == 2 && isnan(y[1]) && isnan(y[2]));
	ck_assert_int_eq(RUN(min_f32, p, in, out), AXRT_OK);
	ck_assert(y[0] == 1 && isnan(y[1]) && isnan(y[2]));
	uint64_t ua[2] = {UINT64_MAX, 0}, ub[2] = {1, 5}, uy[2];
	const void *uin[] = {ua, ub};
	void *uout[] = {uy};
	p = flat(2);
	ck_assert_int_eq(RUN(max_u64, p, uin, uout), AXRT_OK);
	ck_assert(uy[0] == UINT64_MAX && uy[1] == 5);
}
END_TEST

START_TEST(test_compare_and_logic_to_bool)
{
	int64_t a[4] = {1, 2, 3, -4}, b[1] = {2};
	uint8_t y[4];
	int32_t d4[1] = {4}, d1[1] = {1};
	axrt_binary_params p = bcast(1, d4, 1, d4, 1, d1);
	const void *in[] = {a, b};
	void *out[] = {y};
	const uint8_t eq[4] = {0, 1, 0, 0}, gt[4] = {0, 0, 1, 0}, lt[4] = {1, 0, 0, 1};
	const uint8_t ge[4] = {0, 1, 1, 0}, le[4] = {1, 1, 0, 1};
	ck_assert_int_eq(RUN(equal_i64, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, eq, 4);
	ck_assert_int_eq(RUN(greater_i64, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, gt, 4);
	ck_assert_int_eq(RUN(less_i64, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, lt, 4);
	ck_assert_int_eq(RUN(greaterequal_i64, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, ge, 4);
	ck_assert_int_eq(RUN(lessequal_i64, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, le, 4);
	uint8_t x1[4] = {0, 0, 1, 1}, x2[4] = {0, 1, 0, 1};
	const uint8_t band[4] = {0, 0, 0, 1}, bor[4] = {0, 1, 1, 1}, bxor[4] = {0, 1, 1, 0}, beq[4] = {1, 0, 0, 1};
	const void *bin[] = {x1, x2};
	p = flat(4);
	ck_assert_int_eq(RUN(and_bool, p, bin, out), AXRT_OK);
	ck_assert_mem_eq(y, band, 4);
	ck_assert_int_eq(RUN(or_bool, p, bin, out), AXRT_OK);
	ck_assert_mem_eq(y, bor, 4);
	ck_assert_int_eq(RUN(xor_bool, p, bin, out), AXRT_OK);
	ck_assert_mem_eq(y, bxor, 4);
	ck_assert_int_eq(RUN(equal_bool, p, bin, out), AXRT_OK);
	ck_assert_mem_eq(y, beq, 4);
}
END_TEST

/* ONNX BitShift examples; shifts of the full width or more give 0. */
START_TEST(test_bitshift)
{
	uint8_t x[4] = {16, 4, 1, 255}, s[4] = {1, 2, 3, 8}, y[4];
	const uint8_t r[4] = {8, 1, 0, 0}, l[4] = {32, 16, 8, 0};
	axrt_binary_params p = flat(4);
	const void *in[] = {x, s};
	void *out[] = {y};
	ck_assert_int_eq(RUN(shr_u8, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, r, 4);
	ck_assert_int_eq(RUN(shl_u8, p, in, out), AXRT_OK);
	ck_assert_mem_eq(y, l, 4);
	uint64_t x64[2] = {1, 1}, s64[2] = {63, 64}, y64[2];
	const void *in64[] = {x64, s64};
	void *out64[] = {y64};
	p = flat(2);
	ck_assert_int_eq(RUN(shl_u64, p, in64, out64), AXRT_OK);
	ck_assert(y64[0] == (uint64_t)1 << 63 && y64[1] == 0);
}
END_TEST

START_TEST(test_prelu_broadcast_slope)
{
	float x[6] = {-1, 2, -3, 4, -5, 6}, s[3] = {0.5f, 0.25f, 2}, y[6];
	int32_t od[2] = {2, 3}, sd[1] = {3};
	axrt_binary_params p = bcast(2, od, 2, od, 1, sd);
	const void *in[] = {x, s};
	void *out[] = {y};
	ck_assert_int_eq(RUN(prelu_f32, p, in, out), AXRT_OK);
	for (int i = 0; i < 6; i++)
		ck_assert_float_close(y[i], x[i] < 0 ? x[i] * s[i % 3] : x[i], 0);
}
END_TEST

/* Half bit patterns: 1.5 + 0.25 = 1.75, 3 * 0.5 = 1.5, 65504 + 65504 = inf,
 * max(1, -2) = 1, max(NaN, 1) = NaN, fmod(7, 2) = 1, fmod(-7, 2) = -1. */
START_TEST(test_float16_arithmetic)
{
	uint16_t a[2] = {0x3e00, 0x7bff}, b[2] = {0x3400, 0x7bff}, y[2];
	axrt_binary_params p = flat(2);
	const void *in[] = {a, b};
	void *out[] = {y};
	ck_assert_int_eq(RUN(add_f16, p, in, out), AXRT_OK);
	ck_assert(y[0] == 0x3f00 && y[1] == 0x7c00);
	uint16_t m1[2] = {0x4200, 0x3c00}, m2[2] = {0x3800, 0xc000};
	const void *min_[] = {m1, m2};
	ck_assert_int_eq(RUN(mul_f16, p, min_, out), AXRT_OK);
	ck_assert_uint_eq(y[0], 0x3e00);
	ck_assert_int_eq(RUN(max_f16, p, min_, out), AXRT_OK);
	ck_assert_uint_eq(y[1], 0x3c00);
	uint16_t n1[2] = {0x7e00, 0x3c00}, ones[2] = {0x3c00, 0x3c00};
	const void *nin[] = {n1, ones};
	ck_assert_int_eq(RUN(max_f16, p, nin, out), AXRT_OK);
	ck_assert((y[0] & 0x7c00) == 0x7c00 && (y[0] & 0x3ff) != 0);
	uint16_t d1[2] = {0x4700, 0xc700}, d2[2] = {0x4000, 0x4000};
	const void *din[] = {d1, d2};
	p.fmod = 1;
	ck_assert_int_eq(RUN(mod_f16, p, din, out), AXRT_OK);
	ck_assert(y[0] == 0x3c00 && y[1] == 0xbc00);
}
END_TEST

/* ---- where ---- */

/* ONNX Where example plus a three-way broadcast: c [2,1], a [1,3], b scalar. */
START_TEST(test_where_broadcast)
{
	uint8_t c[2] = {1, 0};
	int64_t a[3] = {1, 2, 3}, b = -9, y[6];
	axrt_where_params p;
	memset(&p, 0, sizeof p);
	p.rank = 2;
	p.dims[0] = 2; p.dims[1] = 3;
	p.sc[0] = 1; p.sc[1] = 0;
	p.sa[0] = 0; p.sa[1] = 1;
	p.sb[0] = 0; p.sb[1] = 0;
	const void *in[] = {c, a, &b};
	void *out[] = {y};
	ck_assert_int_eq(RUN(where_64, p, in, out), AXRT_OK);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			ck_assert_int_eq(y[i * 3 + j], c[i] ? a[j] : b);
	uint8_t c2[4] = {1, 0, 1, 1};
	float x1[4] = {1, 2, 3, 4}, x2[4] = {9, 8, 7, 6}, fy[4];
	const float want[4] = {1, 8, 3, 4};
	memset(&p, 0, sizeof p);
	p.rank = 1;
	p.dims[0] = 4;
	p.sc[0] = p.sa[0] = p.sb[0] = 1;
	const void *fin[] = {c2, x1, x2};
	void *fout[] = {fy};
	ck_assert_int_eq(RUN(where_32, p, fin, fout), AXRT_OK);
	ck_assert_mem_eq(fy, want, sizeof fy);
	p.rank = 0;
	ck_assert_int_eq(RUN(where_32, p, fin, fout), AXRT_EINVAL);
}
END_TEST

static Suite *
rt_eltwise_suite(void)
{
	Suite *s = suite_create("rt_eltwise");
	TCase *u = tcase_create("unary");
	tcase_add_test(u, test_activations_match_formulas);
	tcase_add_test(u, test_math_matches_libm_double);
	tcase_add_test(u, test_softplus_large_inputs);
	tcase_add_test(u, test_round_half_to_even);
	tcase_add_test(u, test_isnan_isinf_modes);
	tcase_add_test(u, test_act_f32_matches_formulas);
	tcase_add_test(u, test_unary_rejects_negative_count);
	tcase_add_test(u, test_int_abs_neg_sign_wrap);
	tcase_add_test(u, test_int64_and_uint_unary);
	tcase_add_test(u, test_float_sign_abs_neg);
	tcase_add_test(u, test_clip_optional_bounds);
	tcase_add_test(u, test_not_bool);
	suite_add_tcase(s, u);
	TCase *c = tcase_create("cast");
	tcase_add_test(c, test_cast_float_to_int_truncates);
	tcase_add_test(c, test_cast_ints_and_bool);
	tcase_add_test(c, test_cast_float16_bits);
	tcase_add_test(c, test_cast_float16_round_trip_all);
	tcase_add_test(c, test_cast_bfloat16_truncates);
	tcase_add_test(c, test_cast_rejects_unknown_types);
	suite_add_tcase(s, c);
	TCase *b = tcase_create("binary");
	tcase_add_test(b, test_binary_broadcast_general);
	tcase_add_test(b, test_binary_outer_product);
	tcase_add_test(b, test_binary_fast_paths_and_in_place);
	tcase_add_test(b, test_binary_rank8_and_empty);
	tcase_add_test(b, test_int_div_truncates_and_wraps);
	tcase_add_test(b, test_mod_spec_examples);
	tcase_add_test(b, test_pow_mixed_types);
	tcase_add_test(b, test_max_min_propagate_nan);
	tcase_add_test(b, test_compare_and_logic_to_bool);
	tcase_add_test(b, test_bitshift);
	tcase_add_test(b, test_prelu_broadcast_slope);
	tcase_add_test(b, test_float16_arithmetic);
	tcase_add_test(b, test_where_broadcast);
	suite_add_tcase(s, b);
	return s;
}

int
main(void)
{
	return tg_main(rt_eltwise_suite());
}
