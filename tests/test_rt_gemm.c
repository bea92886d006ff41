/* test_rt_gemm.c: the gemm family's kernels (runtime/kernels/gemm.c) --
 * Gemm, MatMul, Einsum, Det -- against naive references in double written
 * here and hand-computed examples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

static uint32_t seed = 4242;

static float
frand(void)   /* uniform in [-1, 1), deterministic */
{
	seed = seed * 1664525u + 1013904223u;
	return (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static int
irand(int lo, int hi)   /* uniform in [lo, hi] */
{
	seed = seed * 1664525u + 1013904223u;
	return lo + (int)((seed >> 8) % (uint32_t)(hi - lo + 1));
}

static float *
frandv(size_t n)
{
	float *v = malloc((n ? n : 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = frand();
	return v;
}

static double
ref_act(int act, double a, double b, double v)
{
	switch (act) {
	case AXRT_ACT_RELU: return v > 0 ? v : 0;
	case AXRT_ACT_LEAKYRELU: return v >= 0 ? v : a * v;
	case AXRT_ACT_CLIP: return fmin(fmax(v, a), b);
	case AXRT_ACT_SIGMOID: return 1 / (1 + exp(-v));
	case AXRT_ACT_TANH: return tanh(v);
	case AXRT_ACT_HARDSIGMOID: return fmax(0, fmin(1, a * v + b));
	case AXRT_ACT_HARDSWISH: return v * fmax(0, fmin(1, v / 6 + 0.5));
	}
	return v;
}

/* ---- Gemm ---- */

/* C shapes: 0 none, 1 scalar, 2 row (1 x n), 3 column (m x 1), 4 full. */
static void
gemm_case(int m, int n, int k, int ta, int tb, int cmode, int act)
{
	float *a = frandv((size_t)m * k), *b = frandv((size_t)k * n), *c = frandv((size_t)m * n);
	float *y = malloc((size_t)m * n * sizeof *y + 1), *scr = malloc((size_t)k * n * sizeof *scr + 1);
	axrt_gemm_params p = {m, n, k, ta, tb, 0.75f, -1.25f, 0, 0, act, 0.1f, 0.6f};
	const void *in[3] = {a, b, cmode ? c : NULL};
	void *out[1] = {y};

	if (act == AXRT_ACT_CLIP)
		p.act_alpha = -0.3f;
	p.c_rs = cmode == 3 ? 1 : cmode == 4 ? n : 0;
	p.c_cs = cmode == 2 || cmode == 4 ? 1 : 0;
	ck_assert_int_eq(axrt_gemm_f32(&p, in, out, scr), AXRT_OK);
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double acc = 0;
			for (int q = 0; q < k; q++)
				acc += (double)(ta ? a[q * m + i] : a[i * k + q]) * (tb ? b[j * k + q] : b[q * n + j]);
			acc *= p.alpha;
			if (cmode)
				acc += p.beta * c[i * p.c_rs + j * p.c_cs];
			ck_assert_float_close(y[i * n + j], ref_act(act, p.act_alpha, p.act_beta, acc), 1e-5 * (k + 4));
		}
	free(a), free(b), free(c), free(y), free(scr);
}

START_TEST(test_gemm_random_all_attributes)
{
	for (int t = 0; t < 200; t++)
		gemm_case(irand(1, 9), irand(1, 17), irand(1, 33), irand(0, 1), irand(0, 1), irand(0, 4),
			irand(0, 1) ? AXRT_ACT_NONE : irand(AXRT_ACT_RELU, AXRT_ACT_HARDSWISH));
}
END_TEST

/* Worked by hand: [[1,2],[3,4]] x [[5,6],[7,8]] + row bias [1,-1]. */
START_TEST(test_gemm_hand_example)
{
	const float a[] = {1, 2, 3, 4}, b[] = {5, 6, 7, 8}, c[] = {1, -1};
	float y[4];
	axrt_gemm_params p = {2, 2, 2, 0, 0, 1.0f, 1.0f, 0, 1, AXRT_ACT_NONE, 0, 0};
	const void *in[3] = {a, b, c};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_gemm_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 20.0f);   /* 1*5 + 2*7 + 1 */
	ck_assert_float_eq(y[1], 21.0f);   /* 1*6 + 2*8 - 1 */
	ck_assert_float_eq(y[2], 44.0f);   /* 3*5 + 4*7 + 1 */
	ck_assert_float_eq(y[3], 49.0f);   /* 3*6 + 4*8 - 1 */
	p.act = AXRT_ACT_CLIP;             /* fused Clip(0, 30) */
	p.act_alpha = 0.0f;
	p.act_beta = 30.0f;
	ck_assert_int_eq(axrt_gemm_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 20.0f);
	ck_assert_float_eq(y[3], 30.0f);
}
END_TEST

START_TEST(test_gemm_rejects_bad_params)
{
	float a[4] = {0}, y[4];
	axrt_gemm_params p = {2, 2, 2, 0, 1, 1.0f, 1.0f, 0, 0, 0, 0, 0};
	const void *in[3] = {a, a, NULL};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_gemm_f32(&p, in, out, NULL), AXRT_EINVAL);   /* trans_b needs scratch */
	p.trans_b = 0;
	p.m = -1;
	ck_assert_int_eq(axrt_gemm_f32(&p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

/* ---- MatMul ---- */

/* Batched matmul with broadcast batch dims: shapes drawn at random, both
 * operands' batch dims right-aligned, 1s broadcast. */
static void
matmul_case(void)
{
	int r = irand(0, 3), m = irand(1, 6), n = irand(1, 7), k = irand(1, 9);
	int32_t da[3], db[3];
	axrt_matmul_params p = {m, n, k, r, {0}, {0}, {0}};
	int64_t nb = 1, na = 1, nbb = 1;

	for (int i = 0; i < r; i++) {
		int d = irand(1, 3);
		da[i] = irand(0, 2) ? d : 1;
		db[i] = da[i] == 1 || irand(0, 2) ? d : 1;
		p.bdim[i] = da[i] > db[i] ? da[i] : db[i];
		nb *= p.bdim[i], na *= da[i], nbb *= db[i];
	}
	for (int i = r - 1, sa = m * k, sb = k * n; i >= 0; i--) {
		p.a_bs[i] = da[i] == 1 ? 0 : sa;
		p.b_bs[i] = db[i] == 1 ? 0 : sb;
		sa *= da[i], sb *= db[i];
	}
	float *a = frandv((size_t)na * m * k), *b = frandv((size_t)nbb * k * n);
	float *y = malloc((size_t)nb * m * n * sizeof *y);
	const void *in[2] = {a, b};
	void *out[1] = {y};
	ck_assert_int_eq(axrt_matmul_f32(&p, in, out, NULL), AXRT_OK);
	for (int64_t bi = 0; bi < nb; bi++) {
		int64_t rem = bi, oa = 0, ob = 0;   /* batch offsets, recomputed by division */
		for (int i = r - 1; i >= 0; i--) {
			int64_t ix = rem % p.bdim[i];
			rem /= p.bdim[i];
			oa += (da[i] == 1 ? 0 : ix) * p.a_bs[i];
			ob += (db[i] == 1 ? 0 : ix) * p.b_bs[i];
		}
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++) {
				double acc = 0;
				for (int q = 0; q < k; q++)
					acc += (double)a[oa + i * k + q] * b[ob + q * n + j];
				ck_assert_float_close(y[(bi * m + i) * n + j], acc, 1e-5 * (k + 4));
			}
	}
	free(a), free(b), free(y);
}

START_TEST(test_matmul_random_broadcast)
{
	for (int t = 0; t < 300; t++)
		matmul_case();
}
END_TEST

/* numpy's 1-D rules as the compiler passes them: [3] x [3,2] is m = 1,
 * [2,3] x [3] is n = 1, [3] x [3] a dot product. */
START_TEST(test_matmul_vectors)
{
	const float v[] = {1, 2, 3}, mat[] = {1, 2, 3, 4, 5, 6};   /* 3x2 or 2x3 */
	float y[2];
	axrt_matmul_params p = {1, 2, 3, 0, {0}, {0}, {0}};
	const void *in[2] = {v, mat};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_matmul_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 22.0f);   /* 1*1 + 2*3 + 3*5 */
	ck_assert_float_eq(y[1], 28.0f);   /* 1*2 + 2*4 + 3*6 */
	p.m = 2, p.n = 1;
	in[0] = mat, in[1] = v;
	ck_assert_int_eq(axrt_matmul_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 14.0f);   /* 1 + 4 + 9 */
	ck_assert_float_eq(y[1], 32.0f);   /* 4 + 10 + 18 */
	p.m = 1;
	in[0] = v;
	ck_assert_int_eq(axrt_matmul_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 14.0f);
}
END_TEST

START_TEST(test_matmul_integers_exact)
{
	const int32_t a32[] = {1, -2, 3, 4, 5, -6}, b32[] = {7, 8, -9, 10, 11, 12};
	const int64_t a64[] = {3000000000LL, 1, 2, 3}, b64[] = {2, 0, 0, 5};
	int32_t y32[4];
	int64_t y64[4];
	axrt_matmul_params p = {2, 2, 3, 0, {0}, {0}, {0}};
	const void *in[2] = {a32, b32};
	void *out[1] = {y32};

	ck_assert_int_eq(axrt_matmul_i32(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y32[0], 1 * 7 - 2 * -9 + 3 * 11);
	ck_assert_int_eq(y32[1], 1 * 8 - 2 * 10 + 3 * 12);
	ck_assert_int_eq(y32[2], 4 * 7 + 5 * -9 - 6 * 11);
	ck_assert_int_eq(y32[3], 4 * 8 + 5 * 10 - 6 * 12);
	{   /* 2^16 * 2^16 + 5 wraps modulo 2^32 to 5 */
		const int32_t big[] = {65536, 1}, bigb[] = {65536, 5};
		axrt_matmul_params q = {1, 1, 2, 0, {0}, {0}, {0}};
		in[0] = big, in[1] = bigb;
		ck_assert_int_eq(axrt_matmul_i32(&q, in, out, NULL), AXRT_OK);
		ck_assert_int_eq(y32[0], 5);
	}
	p.k = 2;
	in[0] = a64, in[1] = b64, out[0] = y64;
	ck_assert_int_eq(axrt_matmul_i64(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y64[0], 6000000000LL);
	ck_assert_int_eq(y64[1], 5);
	ck_assert_int_eq(y64[2], 4);
	ck_assert_int_eq(y64[3], 15);
}
END_TEST

/* ---- Einsum ---- */

START_TEST(test_einsum_matmul_pattern)
{
	/* "ij,jk->ik" with i=2, j=3, k=2: letters i, k (output), j (summed) */
	const float a[] = {1, 2, 3, 4, 5, 6}, b[] = {1, 2, 3, 4, 5, 6};
	float y[4];
	axrt_einsum_params p = {2, 2, 1, {2, 2, 3}, {3, 0, 1}, {0, 1, 2}};
	const void *in[2] = {a, b};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_einsum_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 22.0f);
	ck_assert_float_eq(y[1], 28.0f);
	ck_assert_float_eq(y[2], 49.0f);
	ck_assert_float_eq(y[3], 64.0f);
}
END_TEST

START_TEST(test_einsum_unary_patterns)
{
	const float x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};   /* 3x3 */
	float y[9];
	const void *in[2] = {x, NULL};
	void *out[1] = {y};
	axrt_einsum_params tr = {1, 2, 0, {3, 3}, {1, 3}, {0}};    /* ij->ji */
	axrt_einsum_params diag = {1, 1, 0, {3}, {4}, {0}};        /* ii->i */
	axrt_einsum_params trace = {1, 0, 1, {3}, {4}, {0}};       /* ii-> */
	axrt_einsum_params rows = {1, 1, 1, {3, 3}, {3, 1}, {0}};  /* ij->i */

	ck_assert_int_eq(axrt_einsum_f32(&tr, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[1], 4.0f);
	ck_assert_float_eq(y[5], 8.0f);
	ck_assert_int_eq(axrt_einsum_f32(&diag, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 1.0f);
	ck_assert_float_eq(y[1], 5.0f);
	ck_assert_float_eq(y[2], 9.0f);
	ck_assert_int_eq(axrt_einsum_f32(&trace, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 15.0f);
	ck_assert_int_eq(axrt_einsum_f32(&rows, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 6.0f);
	ck_assert_float_eq(y[2], 24.0f);
}
END_TEST

START_TEST(test_einsum_double_and_errors)
{
	const double a[] = {1, 2, 3}, b[] = {4, 5, 6};
	double y;
	axrt_einsum_params p = {2, 0, 1, {3}, {1}, {1}};   /* i,i-> */
	const void *in[2] = {a, b};
	void *out[1] = {&y};

	ck_assert_int_eq(axrt_einsum_f64(&p, in, out, NULL), AXRT_OK);
	ck_assert_double_eq(y, 32.0);
	p.nin = 3;
	ck_assert_int_eq(axrt_einsum_f64(&p, in, out, NULL), AXRT_EINVAL);
	p.nin = 2;
	p.nsum_l = AXRT_EINSUM_MAXL + 1;
	ck_assert_int_eq(axrt_einsum_f64(&p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

/* ---- Det ---- */

/* Laplace expansion in double: the reference for small matrices. */
static double
ref_det(const float *a, int n, int stride)
{
	if (n == 1)
		return a[0];
	double s = 0, sign = 1;
	float *minor = malloc((size_t)(n - 1) * (n - 1) * sizeof *minor);
	for (int c = 0; c < n; c++, sign = -sign) {
		for (int i = 1; i < n; i++)
			for (int j = 0, q = 0; j < n; j++)
				if (j != c)
					minor[(i - 1) * (n - 1) + q++] = a[i * stride + j];
		s += sign * a[c] * ref_det(minor, n - 1, n - 1);
	}
	free(minor);
	return s;
}

START_TEST(test_det_examples_and_random)
{
	const float x[] = {1, 2, 3, 4, /* 2nd: needs a row swap */ 0, 1, 1, 0};
	const float sing[] = {1, 2, 3, 2, 4, 6, 1, 1, 1};
	float y[8], scr[36];
	axrt_det_params p = {2, 2};
	const void *in[1] = {x};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_det_f32(&p, in, out, scr), AXRT_OK);
	ck_assert_float_close(y[0], -2.0, 1e-6);
	ck_assert_float_close(y[1], -1.0, 1e-6);
	p = (axrt_det_params){1, 3};
	in[0] = sing;
	ck_assert_int_eq(axrt_det_f32(&p, in, out, scr), AXRT_OK);
	ck_assert_float_close(y[0], 0.0, 1e-6);
	for (int t = 0; t < 50; t++) {
		int n = irand(1, 6);
		float *a = frandv((size_t)n * n);
		p = (axrt_det_params){1, n};
		in[0] = a;
		ck_assert_int_eq(axrt_det_f32(&p, in, out, scr), AXRT_OK);
		ck_assert_float_close(y[0], ref_det(a, n, n), 1e-5);
		free(a);
	}
	p.n = 0;   /* the empty matrix */
	ck_assert_int_eq(axrt_det_f32(&p, in, out, scr), AXRT_OK);
	ck_assert_float_eq(y[0], 1.0f);
}
END_TEST

static Suite *
gemm_suite(void)
{
	Suite *s = suite_create("rt_gemm");
	TCase *tc = tcase_create("gemm");

	tcase_add_test(tc, test_gemm_random_all_attributes);
	tcase_add_test(tc, test_gemm_hand_example);
	tcase_add_test(tc, test_gemm_rejects_bad_params);
	suite_add_tcase(s, tc);
	tc = tcase_create("matmul");
	tcase_add_test(tc, test_matmul_random_broadcast);
	tcase_add_test(tc, test_matmul_vectors);
	tcase_add_test(tc, test_matmul_integers_exact);
	suite_add_tcase(s, tc);
	tc = tcase_create("einsum_det");
	tcase_add_test(tc, test_einsum_matmul_pattern);
	tcase_add_test(tc, test_einsum_unary_patterns);
	tcase_add_test(tc, test_einsum_double_and_errors);
	tcase_add_test(tc, test_det_examples_and_random);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(gemm_suite());
}
