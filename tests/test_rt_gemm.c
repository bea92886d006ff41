/* test_rt_gemm.c: the gemm family's kernels (runtime/kernels/gemm.c) --
 * Gemm, MatMul, Einsum, Det -- against naive references in double written
 * here and hand-computed examples; the blocked GEMM kernels (conv_f32_gemm,
 * gemm_f32_packed) against the reference kernels on random shapes. */
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

/* ---- the blocked GEMM: conv_f32_gemm and gemm_f32_packed against the
 * reference kernels conv_f32 and gemm_f32 ---- */

/* ng row-major rows x cols matrices packed as axrt_gemm.h documents for
 * k blocks of kc columns: block after block, inside a block panels of
 * AXRT_GEMM_MR rows, inside a panel the MR values of each column in
 * turn, missing rows zero. */
static float *
pack_panels(const float *w, int ng, int rows, int cols, int kc)
{
	int mr = AXRT_GEMM_MR, rp = (rows + mr - 1) / mr * mr;
	float *v = calloc((size_t)ng * rp * cols + 1, sizeof *v);

	for (int g = 0; g < ng; g++)
		for (int k = 0; k < cols; k++) {
			int k0 = k / kc * kc, kb = cols - k0 < kc ? cols - k0 : kc;
			for (int i = 0; i < rows; i++)
				v[(size_t)g * rp * cols + (size_t)k0 * rp + (size_t)(i / mr) * mr * kb
					+ (size_t)(k - k0) * mr + i % mr] = w[((size_t)g * rows + i) * cols + k];
		}
	return v;
}

/* The scratch axrt_gemm.h documents, in floats, for a GEMM of `rows`
 * rows of A (ORDER GEMM_SCRATCH). */
static size_t
scratch_floats(int rows, int npos, int kc, int nc)
{
	int few = kc <= AXRT_GEMM_KSMALL && (long)rows * npos >= AXRT_GEMM_CBIG;

	return (size_t)(kc + 1) * (rows > AXRT_GEMM_MC || few ? nc : AXRT_GEMM_NR) + 16;
}

/* The n x k matrix wt packed for one row of A (axrt_gemm.h): strips of
 * AXRT_GEMV_NR rows of wt, except that a rest of n % NR rows rounded up to
 * AXRT_GEMV_TAIL, when that is less than NR, joins the full strip before
 * it (when there is one), column after column, missing rows zero. */
static float *
pack_strips(const float *wt, int n, int k)
{
	int nr = AXRT_GEMV_NR, tail = AXRT_GEMV_TAIL;
	int np = n / nr * nr + (n % nr + tail - 1) / tail * tail;
	int rest = n % nr, last = n <= nr ? 0 : rest && rest <= nr - tail ? (n / nr - 1) * nr
		: (n - 1) / nr * nr;   /* where the last strip starts */
	float *v = calloc((size_t)np * k + 1, sizeof *v);

	for (int j = 0; j < n; j++) {
		int s0 = j < last ? j / nr * nr : last, ws = j < last ? nr : np - last;
		for (int i = 0; i < k; i++)
			v[(size_t)s0 * k + (size_t)i * ws + j - s0] = wt[(size_t)j * k + i];
	}
	return v;
}

/* n floats followed by GUARD floats of a pattern the kernel must not touch. */
#define GUARD 32
static float *
guarded(size_t n)
{
	float *v = malloc((n + GUARD) * sizeof *v);
	for (size_t i = 0; i < n + GUARD; i++)
		v[i] = i < n ? frand() : 1234.5f;
	return v;
}

static void
check_guard(const float *v, size_t n, const char *what)
{
	for (size_t i = n; i < n + GUARD; i++)
		ck_assert_msg(v[i] == 1234.5f, "%s overrun at %zu", what, i - n);
}

/* y == want within tol (absolute and relative): float rounding */
static void
check_near(const float *y, const float *want, size_t cnt, float tol, const char *what)
{
	for (size_t i = 0; i < cnt; i++)
		ck_assert_msg(fabsf(y[i] - want[i]) <= tol + tol * fabsf(want[i]),
			"%s: y[%zu] = %.9g, reference %.9g", what, i, y[i], want[i]);
}

static int
cvol(const int32_t *d)
{
	return d[0] * d[1] * d[2];
}

/* A random conv geometry over nsp spatial dims: groups, strides, pads,
 * dilations, odd sizes; often 1x1 at stride 1 without pads (the path
 * that reads x directly), sometimes big enough for several column, k
 * and row blocks. Returns 0 when the output would be empty. */
static int
conv_geom(int nsp, axrt_convgemm_params *q)
{
	int g = irand(1, 3), big = irand(0, 9) == 0, one = irand(0, 2) == 0;

	memset(q, 0, sizeof *q);
	q->n = irand(1, 2);
	q->group = g;
	q->c = g * irand(1, big ? 12 : 4);
	q->m = g * (big ? irand(100, 140) : irand(1, 15));
	for (int a = 0; a < 3; a++) {
		int sp = a >= 3 - nsp, in = sp ? irand(1, nsp == 3 ? 6 : big ? 24 : 11) : 1;
		q->in[a] = in;
		q->k[a] = sp && !one ? irand(1, 4) : 1;
		q->stride[a] = sp && !one ? irand(1, 3) : 1;
		q->dil[a] = sp && !one ? irand(1, 2) : 1;
		q->pad[a] = sp && !one ? irand(0, q->k[a]) : 0;
		q->out[a] = (in + q->pad[a] + (sp && !one ? irand(0, q->pad[a]) : 0)
			- (q->k[a] - 1) * q->dil[a] - 1) / q->stride[a] + 1;
		if (q->out[a] < 1)
			return 0;
	}
	q->act = irand(0, 2) ? irand(AXRT_ACT_NONE, AXRT_ACT_HARDSWISH) : AXRT_ACT_NONE;
	q->act_alpha = q->act == AXRT_ACT_CLIP ? -0.2f : 0.3f;
	q->act_beta = q->act == AXRT_ACT_CLIP ? 0.4f : 0.5f;
	return 1;
}

static void
conv_gemm_case(const axrt_convgemm_params *q)
{
	axrt_conv_params p;
	int cg = q->c / q->group, mg = q->m / q->group, kk = cg * cvol(q->k);
	size_t nx = (size_t)q->n * q->c * cvol(q->in), ny = (size_t)q->n * q->m * cvol(q->out);
	size_t nw = (size_t)q->m * kk, nscr = scratch_floats(mg, cvol(q->out), q->kc, q->nc);
	float *x = frandv(nx), *w = frandv(nw), *b = irand(0, 1) ? frandv((size_t)q->m) : NULL;
	float *wp = pack_panels(w, q->group, mg, kk, q->kc), *y = guarded(ny), *ref = malloc(ny * sizeof *ref);
	float *scr = guarded(nscr + 1);   /* used from scr + 1: 4 bytes past an alignment */
	const void *in[3] = {x, wp, b}, *rin[3] = {x, w, b};
	void *out[1] = {y}, *rout[1] = {ref};
	char what[160];

	memset(&p, 0, sizeof p);
	p.n = q->n, p.c = q->c, p.m = q->m, p.group = q->group;
	memcpy(p.in, q->in, sizeof p.in);
	memcpy(p.out, q->out, sizeof p.out);
	memcpy(p.k, q->k, sizeof p.k);
	memcpy(p.stride, q->stride, sizeof p.stride);
	memcpy(p.dil, q->dil, sizeof p.dil);
	memcpy(p.pad, q->pad, sizeof p.pad);
	p.act = q->act, p.act_alpha = q->act_alpha, p.act_beta = q->act_beta;
	snprintf(what, sizeof what, "n%d c%d m%d g%d in %dx%dx%d k %dx%dx%d s %d,%d p %d,%d kc %d nc %d act %d",
		q->n, q->c, q->m, q->group, q->in[0], q->in[1], q->in[2], q->k[0], q->k[1], q->k[2],
		q->stride[1], q->stride[2], q->pad[1], q->pad[2], q->kc, q->nc, q->act);
	ck_assert_int_eq(axrt_conv_f32(&p, rin, rout, NULL), AXRT_OK);
	ck_assert_msg(axrt_conv_f32_gemm(q, in, out, scr + 1) == AXRT_OK, "%s", what);
	check_near(y, ref, ny, 2e-6f, what);   /* the same order of sums as conv_f32 */
	check_guard(y, ny, "output");
	check_guard(scr + 1, nscr, "scratch");
	free(x), free(w), free(b), free(wp), free(y), free(ref), free(scr);
}

/* Fast against reference over random geometries and blockings: kc from
 * 1 to K (k blocks), nc from 16 to 64 (column blocks). */
static void
conv_gemm_sweep(int nsp, int iters)
{
	for (int it = 0, done = 0; done < iters && it < iters * 20; it++) {
		axrt_convgemm_params q;
		if (!conv_geom(nsp, &q))
			continue;
		int kk = q.c / q.group * cvol(q.k);
		q.kc = irand(0, 2) ? kk : irand(1, kk);
		q.nc = AXRT_GEMM_NR * irand(1, 4);
		conv_gemm_case(&q);
		done++;
	}
}

START_TEST(test_conv_gemm_random_1d) { conv_gemm_sweep(1, 150); }
END_TEST
START_TEST(test_conv_gemm_random_2d) { conv_gemm_sweep(2, 200); }
END_TEST
START_TEST(test_conv_gemm_random_3d) { conv_gemm_sweep(3, 60); }
END_TEST

/* The shapes of the benchmark networks' layers, scaled down: 3x3 pad 1,
 * 7x7 stride 2, 1x1 stride 2, 1x1 over 7x7 (a 49-column GEMM), each with
 * the blocking the compiler picks (kc <= 256, nc 256); the last two have
 * K = 27 and a C of at least AXRT_GEMM_CBIG floats (all strips of a block
 * packed first). */
START_TEST(test_conv_gemm_network_shapes)
{
	static const int geo[][7] = {   /* c m h k s pad act */
		{16, 24, 28, 3, 1, 1, AXRT_ACT_RELU}, {3, 16, 33, 7, 2, 3, AXRT_ACT_RELU},
		{32, 64, 14, 1, 2, 0, AXRT_ACT_NONE}, {40, 60, 7, 1, 1, 0, AXRT_ACT_CLIP},
		{64, 48, 13, 3, 1, 1, AXRT_ACT_RELU}, {300, 20, 5, 3, 1, 1, AXRT_ACT_NONE},
		{3, 64, 113, 3, 2, 0, AXRT_ACT_RELU}, {3, 22, 60, 3, 1, 1, AXRT_ACT_CLIP},
	};
	for (size_t i = 0; i < sizeof geo / sizeof geo[0]; i++) {
		const int *g = geo[i];
		axrt_convgemm_params q;
		memset(&q, 0, sizeof q);
		q.n = 1, q.c = g[0], q.m = g[1], q.group = 1;
		q.in[0] = q.out[0] = q.k[0] = q.stride[0] = q.dil[0] = 1;
		q.in[1] = q.in[2] = g[2];
		q.k[1] = q.k[2] = g[3];
		q.stride[1] = q.stride[2] = g[4];
		q.pad[1] = q.pad[2] = g[5];
		q.dil[1] = q.dil[2] = 1;
		q.out[1] = q.out[2] = (g[2] + 2 * g[5] - g[3]) / g[4] + 1;
		q.act = g[6], q.act_alpha = 0.0f, q.act_beta = 6.0f;
		int kk = g[0] * g[3] * g[3], nkb = (kk + 255) / 256, npos = q.out[1] * q.out[2];
		q.kc = (kk + nkb - 1) / nkb;
		q.nc = npos < 256 ? (npos + 15) / 16 * 16 : 256;
		conv_gemm_case(&q);
	}
}
END_TEST

START_TEST(test_conv_gemm_rejects_bad_params)
{
	axrt_convgemm_params q;
	float v[64] = {0}, scr[2 * AXRT_GEMM_NR + 16];
	const void *in[3] = {v, v, NULL};
	void *out[1] = {v};

	memset(&q, 0, sizeof q);
	q.n = q.c = q.m = q.group = 1;
	for (int a = 0; a < 3; a++)
		q.in[a] = q.out[a] = q.k[a] = q.stride[a] = q.dil[a] = 1;
	q.kc = 1;
	q.nc = AXRT_GEMM_NR;
	ck_assert_int_eq(axrt_conv_f32_gemm(&q, in, out, scr), AXRT_OK);
	ck_assert_int_eq(axrt_conv_f32_gemm(&q, in, out, NULL), AXRT_EINVAL);   /* no scratch */
	q.nc = AXRT_GEMM_NR + 1;                                              /* not whole strips */
	ck_assert_int_eq(axrt_conv_f32_gemm(&q, in, out, scr), AXRT_EINVAL);
	q.nc = AXRT_GEMM_NR;
	q.kc = 0;
	ck_assert_int_eq(axrt_conv_f32_gemm(&q, in, out, scr), AXRT_EINVAL);
	q.kc = 1;
	q.group = 2;                                                          /* does not divide c */
	ck_assert_int_eq(axrt_conv_f32_gemm(&q, in, out, scr), AXRT_EINVAL);
}
END_TEST

/* gemm_f32_packed against gemm_f32 (alpha 1, beta 1, C a row bias or
 * none) over random sizes, transposes, activations and blockings. */
static void
gemm_packed_case(int m, int n, int k, int ta, int bias, int act, int kc, int nc)
{
	float *a = frandv((size_t)m * k), *w = frandv((size_t)k * n), *c = frandv((size_t)n);
	float *wt = malloc((size_t)k * n * sizeof *wt + 1), *ref = malloc((size_t)m * n * sizeof *ref);
	float *y = guarded((size_t)m * n), *scr = guarded(scratch_floats(n, m, kc, nc)), *wp;
	axrt_gemm_params rp = {m, n, k, ta, 0, 1.0f, 1.0f, 0, 1, act, 0.1f, 0.6f};
	axrt_gemmpk_params q = {m, n, k, ta, kc, nc, act, 0.1f, 0.6f};
	const void *in[3] = {a, NULL, bias ? c : NULL}, *rin[3] = {a, w, bias ? c : NULL};
	void *out[1] = {y}, *rout[1] = {ref};
	char what[96];

	if (act == AXRT_ACT_CLIP)
		rp.act_alpha = q.act_alpha = -0.3f;
	for (int i = 0; i < k; i++)   /* W^T: n x k */
		for (int j = 0; j < n; j++)
			wt[(size_t)j * k + i] = w[(size_t)i * n + j];
	wp = m > 1 ? pack_panels(wt, 1, n, k, kc) : pack_strips(wt, n, k);
	in[1] = wp;
	snprintf(what, sizeof what, "m%d n%d k%d ta%d bias%d act%d kc%d nc%d", m, n, k, ta, bias, act, kc, nc);
	ck_assert_int_eq(axrt_gemm_f32(&rp, rin, rout, NULL), AXRT_OK);
	ck_assert_msg(axrt_gemm_f32_packed(&q, in, out, m > 1 ? scr : NULL) == AXRT_OK, "%s", what);
	check_near(y, ref, (size_t)m * n, 1e-6f * (k + 4), what);   /* bias first vs last */
	check_guard(y, (size_t)m * n, "output");
	check_guard(scr, scratch_floats(n, m, kc, nc), "scratch");
	free(a), free(w), free(c), free(wt), free(ref), free(y), free(scr), free(wp);
}

START_TEST(test_gemm_packed_random)
{
	for (int t = 0; t < 200; t++) {
		int m = irand(1, 40), n = irand(1, 30), k = irand(1, 70);
		gemm_packed_case(m, n, k, irand(0, 1), irand(0, 1),
			irand(0, 1) ? AXRT_ACT_NONE : irand(AXRT_ACT_RELU, AXRT_ACT_HARDSWISH),
			irand(1, k), AXRT_GEMM_NR * irand(1, 3));
	}
	gemm_packed_case(130, 140, 300, 0, 1, AXRT_ACT_RELU, 150, 64);   /* several blocks of each */
	gemm_packed_case(1, 150, 70, 0, 1, AXRT_ACT_CLIP, 70, 16);        /* three strips, the last short */
	/* one row: every width of the last strip (16, 32, 48, a full 64, or a
	 * full one and 16, 32 or 48 more) */
	for (int n = 1; n <= 3 * AXRT_GEMV_NR + 1; n += 7)
		gemm_packed_case(1, n, irand(1, 40), 0, irand(0, 1), AXRT_ACT_NONE, 8, 16);
	gemm_packed_case(600, 121, 40, 1, 1, AXRT_ACT_RELU, 40, 64);      /* kc small, C big */
}
END_TEST

START_TEST(test_gemm_packed_rejects_bad_params)
{
	float v[64] = {0}, scr[2 * AXRT_GEMM_NR + 16];
	axrt_gemmpk_params q = {1, 1, 1, 0, 1, AXRT_GEMM_NR, 0, 0, 0};
	const void *in[3] = {v, v, NULL};
	void *out[1] = {v};

	ck_assert_int_eq(axrt_gemm_f32_packed(&q, in, out, scr), AXRT_OK);
	ck_assert_int_eq(axrt_gemm_f32_packed(&q, in, out, NULL), AXRT_OK);      /* one row: none */
	q.m = 2;
	ck_assert_int_eq(axrt_gemm_f32_packed(&q, in, out, NULL), AXRT_EINVAL);
	q.m = 1;
	q.nc = 8;
	ck_assert_int_eq(axrt_gemm_f32_packed(&q, in, out, scr), AXRT_EINVAL);
	q.nc = AXRT_GEMM_NR;
	q.kc = 0;
	ck_assert_int_eq(axrt_gemm_f32_packed(&q, in, out, scr), AXRT_EINVAL);
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
	tc = tcase_create("blocked");
	tcase_add_test(tc, test_conv_gemm_random_1d);
	tcase_add_test(tc, test_conv_gemm_random_2d);
	tcase_add_test(tc, test_conv_gemm_random_3d);
	tcase_add_test(tc, test_conv_gemm_network_shapes);
	tcase_add_test(tc, test_conv_gemm_rejects_bad_params);
	tcase_add_test(tc, test_gemm_packed_random);
	tcase_add_test(tc, test_gemm_packed_rejects_bad_params);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(gemm_suite());
}
