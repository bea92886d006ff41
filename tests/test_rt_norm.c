/* test_rt_norm.c: the norm family's kernels (runtime/kernels/norm.c)
 * against the ONNX formulas evaluated in double here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

static uint32_t seed = 777;

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
frandv(size_t n, float scale, float shift)
{
	float *v = malloc((n ? n : 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = frand() * scale + shift;
	return v;
}

START_TEST(test_batchnorm_matches_formula)
{
	int n = 2, c = 3, inner = 5, sz = n * c * inner;
	float *x = frandv(sz, 3, 0), *sc = frandv(c, 1, 0), *bi = frandv(c, 1, 0);
	float *mean = frandv(c, 1, 0), *var = frandv(c, 0.5f, 1), y[30];
	axrt_batchnorm_params p = {n, c, inner, 1e-2f};
	const void *in[5] = {x, sc, bi, mean, var};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_batchnorm_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < sz; i++) {
		int ch = i / inner % c;
		double ref = (x[i] - mean[ch]) / sqrt((double)var[ch] + 1e-2) * sc[ch] + bi[ch];
		ck_assert_float_close(y[i], ref, 1e-5);
	}
	free(x), free(sc), free(bi), free(mean), free(var);
}
END_TEST

START_TEST(test_instnorm_matches_formula)
{
	int n = 2, c = 3, inner = 7, sz = n * c * inner;
	float *x = frandv(sz, 2, 5), *sc = frandv(c, 1, 0), *bi = frandv(c, 1, 0), y[42];
	axrt_batchnorm_params p = {n, c, inner, 1e-5f};
	const void *in[3] = {x, sc, bi};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_instnorm_f32(&p, in, out, NULL), AXRT_OK);
	for (int pl = 0; pl < n * c; pl++) {
		double m = 0, v = 0;
		for (int i = 0; i < inner; i++)
			m += x[pl * inner + i];
		m /= inner;
		for (int i = 0; i < inner; i++)
			v += (x[pl * inner + i] - m) * (x[pl * inner + i] - m);
		v /= inner;
		for (int i = 0; i < inner; i++) {
			double ref = (x[pl * inner + i] - m) / sqrt(v + 1e-5) * sc[pl % c] + bi[pl % c];
			ck_assert_float_close(y[pl * inner + i], ref, 1e-4);
		}
	}
	free(x), free(sc), free(bi);
}
END_TEST

START_TEST(test_lrn_matches_formula)
{
	for (int size = 1; size <= 6; size++) {
		int n = 2, c = 5, inner = 3, sz = n * c * inner;
		float *x = frandv(sz, 2, 0), y[30];
		axrt_lrn_params p = {n, c, inner, size, 1e-1f, 0.75f, 2.0f};
		const void *in[1] = {x};
		void *out[1] = {y};
		ck_assert_int_eq(axrt_lrn_f32(&p, in, out, NULL), AXRT_OK);
		for (int b = 0; b < n; b++)
			for (int ch = 0; ch < c; ch++)
				for (int i = 0; i < inner; i++) {
					int lo = ch - (int)floor((size - 1) / 2.0), hi = ch + (int)ceil((size - 1) / 2.0);
					double ss = 0;
					for (int q = lo < 0 ? 0 : lo; q <= (hi > c - 1 ? c - 1 : hi); q++) {
						double v = x[(b * c + q) * inner + i];
						ss += v * v;
					}
					int k = (b * c + ch) * inner + i;
					ck_assert_float_close(y[k], x[k] / pow(2.0 + 0.1 / size * ss, 0.75), 1e-5);
				}
		free(x);
	}
}
END_TEST

/* softmax (mode 0), logsoftmax (1), hardmax (2) of a random tensor. */
static void
axis_case(int mode, float shift)
{
	int outer = irand(1, 4), len = irand(1, 9), inner = irand(1, 5), sz = outer * len * inner;
	float *x = frandv(sz, 4, shift), *y = malloc(sz * sizeof *y);
	axrt_softmax_params p = {outer, len, inner};
	const void *in[1] = {x};
	void *out[1] = {y};
	axrt_status (*k[])(const axrt_softmax_params *, const void *const *, void *const *, void *) =
		{axrt_softmax_f32, axrt_logsoftmax_f32, axrt_hardmax_f32};

	ck_assert_int_eq(k[mode](&p, in, out, NULL), AXRT_OK);
	for (int o = 0; o < outer; o++)
		for (int i = 0; i < inner; i++) {
			const float *xv = x + o * len * inner + i;
			double mx = xv[0], s = 0;
			int arg = 0;
			for (int l = 1; l < len; l++)
				if (xv[l * inner] > mx)
					mx = xv[l * inner], arg = l;
			for (int l = 0; l < len; l++)
				s += exp(xv[l * inner] - mx);
			for (int l = 0; l < len; l++) {
				double v = xv[l * inner], ref = mode == 0 ? exp(v - mx) / s :
					mode == 1 ? v - mx - log(s) : l == arg;
				ck_assert_float_close(y[o * len * inner + i + l * inner], ref, 1e-5);
			}
		}
	free(x), free(y);
}

START_TEST(test_softmax_family_random)
{
	for (int t = 0; t < 100; t++) {
		axis_case(t % 3, 0.0f);
		axis_case(t % 3, 1000.0f);   /* large numbers: exp would overflow unshifted */
	}
}
END_TEST

START_TEST(test_hardmax_ties_pick_first)
{
	const float x[] = {3, 1, 3, 0};
	float y[4];
	axrt_softmax_params p = {1, 4, 1};
	const void *in[1] = {x};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_hardmax_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 1.0f);
	ck_assert_float_eq(y[1], 0.0f);
	ck_assert_float_eq(y[2], 0.0f);
	ck_assert_float_eq(y[3], 0.0f);
	p.len = -1;
	ck_assert_int_eq(axrt_hardmax_f32(&p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

START_TEST(test_lpnorm_p1_p2_and_zero)
{
	const float x[] = {3, 0, -4, 0, 0, 0};   /* 2 x 3, normalized along axis 0: outer 1, len 2, inner 3 */
	float y[6];
	axrt_lpnorm_params p = {1, 2, 3, 2};
	const void *in[1] = {x};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_lpnorm_f32(&p, in, out, NULL), AXRT_OK);
	/* columns (3,0) (0,0) (-4,0): norms 3, 0, 4 */
	ck_assert_float_eq(y[0], 1.0f);
	ck_assert_float_eq(y[1], 0.0f);
	ck_assert_float_eq(y[2], -1.0f);
	p = (axrt_lpnorm_params){1, 6, 1, 1};   /* L1 over all six: 7 */
	ck_assert_int_eq(axrt_lpnorm_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_close(y[0], 3.0 / 7, 1e-7);
	ck_assert_float_close(y[2], -4.0 / 7, 1e-7);
	p.p = 3;
	ck_assert_int_eq(axrt_lpnorm_f32(&p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

START_TEST(test_layernorm_with_stats)
{
	int outer = 3, size = 8;
	float *x = frandv(outer * size, 3, 1), *sc = frandv(size, 1, 0), *bi = frandv(size, 1, 0);
	float y[24], mean[3], inv[3], one = 2.0f;
	axrt_layernorm_params p = {outer, size, 1e-5f, 0, 0};
	const void *in[3] = {x, sc, bi};
	void *out[3] = {y, mean, inv};

	ck_assert_int_eq(axrt_layernorm_f32(&p, in, out, NULL), AXRT_OK);
	for (int o = 0; o < outer; o++) {
		double m = 0, v = 0;
		for (int i = 0; i < size; i++)
			m += x[o * size + i];
		m /= size;
		for (int i = 0; i < size; i++)
			v += (x[o * size + i] - m) * (x[o * size + i] - m);
		double is = 1 / sqrt(v / size + 1e-5);
		ck_assert_float_close(mean[o], m, 1e-5);
		ck_assert_float_close(inv[o], is, 1e-4);
		for (int i = 0; i < size; i++)
			ck_assert_float_close(y[o * size + i], (x[o * size + i] - m) * is * sc[i] + bi[i], 1e-4);
	}
	in[1] = &one, in[2] = NULL;            /* broadcast scale, no bias, no stats */
	out[1] = out[2] = NULL;
	p.s_bcast = 1;
	ck_assert_int_eq(axrt_layernorm_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_close(y[0], (x[0] - mean[0]) * inv[0] * 2, 1e-4);
	free(x), free(sc), free(bi);
}
END_TEST

/* MVN over axes {0, 2} of a 3 x 2 x 4 tensor (kept: axis 1). */
START_TEST(test_mvn_axes_0_2)
{
	float *x = frandv(24, 2, 1), y[24], scr[4];
	axrt_mvn_params p = {3, {3, 2, 4}, {1, 0, 1}};
	const void *in[1] = {x};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_mvn_f32(&p, in, out, scr), AXRT_OK);
	for (int c = 0; c < 2; c++) {
		double m = 0, v = 0;
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 4; b++)
				m += x[(a * 2 + c) * 4 + b];
		m /= 12;
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 4; b++)
				v += pow(x[(a * 2 + c) * 4 + b] - m, 2);
		v /= 12;
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 4; b++) {
				int k = (a * 2 + c) * 4 + b;
				ck_assert_float_close(y[k], (x[k] - m) / (sqrt(v) + 1e-9), 1e-5);
			}
	}
	ck_assert_int_eq(axrt_mvn_f32(&p, in, out, NULL), AXRT_EINVAL);   /* needs scratch */
	free(x);
}
END_TEST

static Suite *
norm_suite(void)
{
	Suite *s = suite_create("rt_norm");
	TCase *tc = tcase_create("channel");

	tcase_add_test(tc, test_batchnorm_matches_formula);
	tcase_add_test(tc, test_instnorm_matches_formula);
	tcase_add_test(tc, test_lrn_matches_formula);
	suite_add_tcase(s, tc);
	tc = tcase_create("axis");
	tcase_add_test(tc, test_softmax_family_random);
	tcase_add_test(tc, test_hardmax_ties_pick_first);
	tcase_add_test(tc, test_lpnorm_p1_p2_and_zero);
	suite_add_tcase(s, tc);
	tc = tcase_create("stats");
	tcase_add_test(tc, test_layernorm_with_stats);
	tcase_add_test(tc, test_mvn_axes_0_2);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(norm_suite());
}
