/* test_rt_reduce.c: the reduce family's kernels (runtime/kernels/reduce.c)
 * against a reference written here that maps each input element to its
 * output element by index arithmetic and reduces in double. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

static uint32_t seed = 99;

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

typedef axrt_status (*ReduceFn)(const axrt_reduce_params *, const void *const *, void *const *, void *);

enum { SUM, MEAN, MAX, MIN, PROD, L1, L2, SUMSQ, LOGSUM, LSE, NOPS };
static const ReduceFn fk32[NOPS] = {axrt_reduce_sum_f32, axrt_reduce_mean_f32, axrt_reduce_max_f32,
	axrt_reduce_min_f32, axrt_reduce_prod_f32, axrt_reduce_l1_f32, axrt_reduce_l2_f32,
	axrt_reduce_sumsquare_f32, axrt_reduce_logsum_f32, axrt_reduce_logsumexp_f32};
static const ReduceFn fk64[NOPS] = {axrt_reduce_sum_f64, axrt_reduce_mean_f64, axrt_reduce_max_f64,
	axrt_reduce_min_f64, axrt_reduce_prod_f64, axrt_reduce_l1_f64, axrt_reduce_l2_f64,
	axrt_reduce_sumsquare_f64, axrt_reduce_logsum_f64, axrt_reduce_logsumexp_f64};

/* Index of the output element of input element e. */
static size_t
out_index(const axrt_reduce_params *p, size_t e)
{
	size_t o = 0, st = 1;
	for (int i = p->rank - 1; i >= 0; i--) {
		size_t ix = e % (size_t)p->dims[i];
		e /= (size_t)p->dims[i];
		if (!p->red[i]) {
			o += ix * st;
			st *= (size_t)p->dims[i];
		}
	}
	return o;
}

/* The op over groups, in double: acc holds sums / extremes, cnt counts. */
static void
ref_reduce(int op, const axrt_reduce_params *p, const double *x, size_t n, double *y, size_t nout)
{
	double *mx = calloc(nout, sizeof *mx);
	size_t *cnt = calloc(nout, sizeof *cnt);
	for (size_t q = 0; q < nout; q++)
		y[q] = op == PROD ? 1 : op == MAX ? -INFINITY : op == MIN ? INFINITY : 0, mx[q] = -INFINITY;
	for (size_t e = 0; e < n; e++)
		if (x[e] > mx[out_index(p, e)])
			mx[out_index(p, e)] = x[e];
	for (size_t e = 0; e < n; e++) {
		size_t q = out_index(p, e);
		double v = x[e];
		cnt[q]++;
		switch (op) {
		case SUM: case MEAN: case LOGSUM: y[q] += v; break;
		case MAX: y[q] = fmax(y[q], v); break;
		case MIN: y[q] = fmin(y[q], v); break;
		case PROD: y[q] *= v; break;
		case L1: y[q] += fabs(v); break;
		case L2: case SUMSQ: y[q] += v * v; break;
		case LSE: y[q] += exp(v - mx[q]); break;
		}
	}
	for (size_t q = 0; q < nout; q++)
		y[q] = op == MEAN ? y[q] / cnt[q] : op == L2 ? sqrt(y[q]) : op == LOGSUM ? log(y[q]) :
			op == LSE ? mx[q] + log(y[q]) : y[q];
	free(mx), free(cnt);
}

static void
random_params(axrt_reduce_params *p, size_t *n, size_t *nout)
{
	memset(p, 0, sizeof *p);
	p->rank = irand(1, 4);
	*n = *nout = 1;
	for (int i = 0; i < p->rank; i++) {
		p->dims[i] = irand(1, 4);
		p->red[i] = irand(0, 1);
		*n *= p->dims[i];
		*nout *= p->red[i] ? 1 : p->dims[i];
	}
}

/* shift moves the values away from 0 (LogSum needs positive sums). */
static void
float_case(int op, int f64, double shift)
{
	axrt_reduce_params p;
	size_t n, nout;
	random_params(&p, &n, &nout);
	double *xd = malloc(n * sizeof *xd), *ref = malloc(nout * sizeof *ref);
	float *x32 = malloc(n * sizeof *x32), *y32 = malloc(nout * sizeof *y32), *scr = malloc(nout * 8);
	double *x64 = malloc(n * sizeof *x64), *y64 = malloc(nout * sizeof *y64);
	for (size_t e = 0; e < n; e++)
		x64[e] = x32[e] = (float)(frand() * 2 + shift), xd[e] = x32[e];
	ref_reduce(op, &p, xd, n, ref, nout);
	const void *in[1] = {f64 ? (const void *)x64 : x32};
	void *out[1] = {f64 ? (void *)y64 : y32};
	ck_assert_int_eq((f64 ? fk64 : fk32)[op](&p, in, out, scr), AXRT_OK);
	for (size_t q = 0; q < nout; q++) {
		double got = f64 ? y64[q] : y32[q];
		ck_assert_msg(fabs(got - ref[q]) <= 1e-5 * (1 + fabs(ref[q])) * (f64 ? 1e-6 : 1),
			"op %d f64 %d: y[%zu] = %.9g, expected %.9g", op, f64, q, got, ref[q]);
	}
	free(xd), free(ref), free(x32), free(y32), free(scr), free(x64), free(y64);
}

START_TEST(test_reduce_float_ops_random)
{
	for (int op = 0; op < NOPS; op++)
		for (int t = 0; t < 60; t++) {
			float_case(op, 0, op == LOGSUM ? 3.0 : 0.0);
			float_case(op, 1, op == LOGSUM ? 3.0 : 0.0);
		}
}
END_TEST

START_TEST(test_reduce_logsumexp_large_values)
{
	const float x[] = {1000, 1001, -1000, -INFINITY};
	float y[2], m[2];
	axrt_reduce_params p = {2, {2, 2}, {0, 1}};
	const void *in[1] = {x};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_reduce_logsumexp_f32(&p, in, out, m), AXRT_OK);
	ck_assert_float_close(y[0], 1001 + log1p(exp(-1.0)), 1e-3);
	ck_assert_float_close(y[1], -1000.0, 1e-3);
	ck_assert_int_eq(axrt_reduce_logsumexp_f32(&p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

START_TEST(test_reduce_max_propagates_nan)
{
	const float x[] = {1, NAN, 3, 4};
	float y[1];
	axrt_reduce_params p = {1, {4}, {1}};
	const void *in[1] = {x};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_reduce_max_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert(isnan(y[0]));
	ck_assert_int_eq(axrt_reduce_min_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert(isnan(y[0]));
}
END_TEST

/* 2 x 3 integers, reduced along axis 1 and along axis 0. */
START_TEST(test_reduce_integers_exact)
{
	const int64_t x64[] = {INT64_MAX, 1, -7, 2, -3, 5};
	const int32_t x32[] = {7, -2, 4, 1, 1, -9};
	int64_t y64[3];
	int32_t y32[3];
	axrt_reduce_params rows = {2, {2, 3}, {0, 1}}, cols = {2, {2, 3}, {1, 0}};
	const void *in[1] = {x32};
	void *out[1] = {y32};

	ck_assert_int_eq(axrt_reduce_sum_i32(&rows, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y32[0], 9);
	ck_assert_int_eq(y32[1], -7);
	ck_assert_int_eq(axrt_reduce_mean_i32(&rows, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y32[0], 3);
	ck_assert_int_eq(y32[1], -2);      /* -7/3 truncates toward zero */
	ck_assert_int_eq(axrt_reduce_prod_i32(&cols, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y32[0], 7);
	ck_assert_int_eq(y32[1], -2);
	ck_assert_int_eq(y32[2], -36);
	ck_assert_int_eq(axrt_reduce_min_i32(&cols, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y32[2], -9);
	in[0] = x64, out[0] = y64;
	ck_assert_int_eq(axrt_reduce_max_i64(&rows, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y64[0], INT64_MAX);
	ck_assert_int_eq(y64[1], 5);
	ck_assert_int_eq(axrt_reduce_sum_i64(&rows, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y64[0], INT64_MAX - 6);   /* MAX + 1 wraps, then -7 wraps back */
	ck_assert_int_eq(y64[1], 4);
	rows.rank = 0;
	ck_assert_int_eq(axrt_reduce_sum_i64(&rows, in, out, NULL), AXRT_EINVAL);
}
END_TEST

typedef axrt_status (*ArgFn)(const axrt_argmax_params *, const void *const *, void *const *, void *);

START_TEST(test_argmax_argmin_ties_and_last)
{
	/* 2 x 4, along axis 1: rows {1, 5, 5, 0} and {-2, -2, 3, -2} */
	const float xf[] = {1, 5, 5, 0, -2, -2, 3, -2};
	const int64_t xl[] = {1, 5, 5, 0, -2, -2, 3, -2};
	int64_t y[4];
	axrt_argmax_params p = {2, 4, 1, 0};
	const void *in[1] = {xf};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_argmax_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 1);
	ck_assert_int_eq(y[1], 2);
	ck_assert_int_eq(axrt_argmin_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 3);
	ck_assert_int_eq(y[1], 0);
	p.select_last = 1;
	ck_assert_int_eq(axrt_argmax_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 2);
	in[0] = xl;
	ck_assert_int_eq(axrt_argmin_i64(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y[1], 3);
	p = (axrt_argmax_params){1, 2, 4, 0};   /* along axis 0: columns */
	ck_assert_int_eq(axrt_argmax_i64(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 0);
	ck_assert_int_eq(y[2], 0);
	ck_assert_int_eq(axrt_argmin_i64(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 1);
	ck_assert_int_eq(y[1], 1);
	ck_assert_int_eq(y[2], 1);        /* column {5, 3} */
	ck_assert_int_eq(y[3], 1);
	p.len = 0;
	ck_assert_int_eq(axrt_argmax_i64(&p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

static Suite *
reduce_suite(void)
{
	Suite *s = suite_create("rt_reduce");
	TCase *tc = tcase_create("reduce");

	tcase_add_test(tc, test_reduce_float_ops_random);
	tcase_add_test(tc, test_reduce_logsumexp_large_values);
	tcase_add_test(tc, test_reduce_max_propagates_nan);
	tcase_add_test(tc, test_reduce_integers_exact);
	suite_add_tcase(s, tc);
	tc = tcase_create("arg");
	tcase_add_test(tc, test_argmax_argmin_ties_and_last);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(reduce_suite());
}
