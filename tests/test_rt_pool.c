/* test_rt_pool.c: the pool family's kernels (runtime/kernels/pool.c) against
 * the ONNX spec examples and a naive reference written here. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

static uint32_t seed = 777;

static int
irand(int lo, int hi)   /* uniform in [lo, hi] */
{
	seed = seed * 1664525u + 1013904223u;
	return lo + (int)((seed >> 8) % (uint32_t)(hi - lo + 1));
}

static float
frand(void)   /* multiples of 1/64 in [-4, 4): ties happen */
{
	return (float)irand(-256, 255) / 64.0f;
}

static int
vol(const int32_t *d)
{
	return d[0] * d[1] * d[2];
}

enum { MAXP, AVGP, LPP };

/* Naive pooling of every window position, straight from the definition:
 * max over the window elements inside x (ties: first in row-major order),
 * avg = sum / (elements inside x, or inside the padded x when
 * count_include_pad), lp = (sum |v|^p)^(1/p). idx gets the flat index of
 * the max (row-major numbering, or column-major if storage_order). */
static void
ref_pool(int kind, const axrt_pool_params *p, const float *x, double *y, int64_t *idx)
{
	int o[3], j[3], i[3];

	for (int pl = 0; pl < p->planes; pl++)
	for (o[0] = 0; o[0] < p->out[0]; o[0]++)
	for (o[1] = 0; o[1] < p->out[1]; o[1]++)
	for (o[2] = 0; o[2] < p->out[2]; o[2]++) {
		double acc = kind == MAXP ? -INFINITY : 0;
		int64_t best = -1;
		int inside = 0, padded = 0;
		for (j[0] = 0; j[0] < p->k[0]; j[0]++)
		for (j[1] = 0; j[1] < p->k[1]; j[1]++)
		for (j[2] = 0; j[2] < p->k[2]; j[2]++) {
			int in_x = 1, in_pad = 1;
			for (int a = 0; a < 3; a++) {
				i[a] = o[a] * p->stride[a] - p->pad[a] + j[a] * p->dil[a];
				in_x &= i[a] >= 0 && i[a] < p->in[a];
				in_pad &= i[a] >= -p->pad[a] && i[a] < p->in[a] + p->pad_end[a];
			}
			padded += in_pad;
			if (!in_x)
				continue;
			inside++;
			int64_t at = (((int64_t)pl * p->in[0] + i[0]) * p->in[1] + i[1]) * p->in[2] + i[2];
			double v = x[at];
			if (kind == MAXP && v > acc)   /* storage_order 1: column-major */
				acc = v, best = !p->storage_order ? at : (int64_t)pl * vol(p->in)
					+ i[0] + (int64_t)i[1] * p->in[0] + (int64_t)i[2] * p->in[0] * p->in[1];
			else if (kind == AVGP)
				acc += v;
			else if (kind == LPP)
				acc += pow(fabs(v), p->p);
		}
		if (kind == AVGP) {
			int cnt = p->count_include_pad ? padded : inside;
			acc = cnt ? acc / cnt : 0;
		} else if (kind == LPP)
			acc = pow(acc, 1.0 / p->p);
		else if (best < 0)
			acc = -FLT_MAX;
		*y++ = acc;
		if (idx)
			*idx++ = best;
	}
}

/* Params with the innermost nsp entries set from the arguments. */
static axrt_pool_params
mkparams(int nsp, int planes, const int *in, const int *k, const int *s,
	const int *dl, const int *pad, const int *pad_end, const int *out)
{
	axrt_pool_params p;
	memset(&p, 0, sizeof p);
	p.planes = planes;
	p.p = 2;
	for (int a = 0; a < 3; a++) {
		int q = a - (3 - nsp);
		p.in[a] = q < 0 ? 1 : in[q];
		p.k[a] = q < 0 ? 1 : k[q];
		p.stride[a] = q < 0 ? 1 : s[q];
		p.dil[a] = q < 0 ? 1 : dl[q];
		p.pad[a] = q < 0 ? 0 : pad[q];
		p.pad_end[a] = q < 0 ? 0 : pad_end[q];
		p.out[a] = q < 0 ? 1 : out[q];
	}
	return p;
}

/* Random geometry; out follows the ceil-mode formula half of the time,
 * so windows may hang past the trailing padding. */
static int
random_geom(int nsp, axrt_pool_params *p)
{
	int in[3], k[3], s[3], dl[3], pad[3], pe[3], out[3], ceil = irand(0, 1);

	for (int a = 0; a < nsp; a++) {
		in[a] = irand(1, nsp == 3 ? 6 : 10);
		k[a] = irand(1, 4);
		s[a] = irand(1, 3);
		dl[a] = irand(1, 2);
		pad[a] = irand(0, k[a] - 1);
		pe[a] = irand(0, k[a] - 1);
		int span = in[a] + pad[a] + pe[a] - (k[a] - 1) * dl[a] - 1;
		if (span < 0)
			return 0;
		out[a] = (span + (ceil ? s[a] - 1 : 0)) / s[a] + 1;
	}
	*p = mkparams(nsp, irand(1, 4), in, k, s, dl, pad, pe, out);
	return 1;
}

static void
check_close(const float *y, const double *ref, int cnt)
{
	for (int i = 0; i < cnt; i++)
		ck_assert_msg(fabs(y[i] - ref[i]) <= 1e-5 + 1e-5 * fabs(ref[i]),
			"y[%d] = %.9g, expected %.9g", i, y[i], ref[i]);
}

static void
random_sweep(int kind, int nsp, int iters)
{
	for (int it = 0, done = 0; done < iters && it < iters * 20; it++) {
		axrt_pool_params p;
		if (!random_geom(nsp, &p))
			continue;
		p.count_include_pad = irand(0, 1);
		p.storage_order = irand(0, 1);
		p.p = (float)irand(1, 3);
		int nx = p.planes * vol(p.in), ny = p.planes * vol(p.out);
		float *x = malloc(sizeof *x * (size_t)nx), *y = malloc(sizeof *y * (size_t)ny);
		double *ref = malloc(sizeof *ref * (size_t)ny);
		int64_t *ix = malloc(sizeof *ix * (size_t)ny), *rix = malloc(sizeof *rix * (size_t)ny);
		const void *in[1] = {x};
		void *out[2] = {y, kind == MAXP ? ix : NULL};
		for (int i = 0; i < nx; i++)
			x[i] = frand();
		axrt_status st = kind == MAXP ? axrt_maxpool_f32(&p, in, out, NULL)
			: kind == AVGP ? axrt_avgpool_f32(&p, in, out, NULL)
			: axrt_lppool_f32(&p, in, out, NULL);
		ck_assert_int_eq(st, AXRT_OK);
		ref_pool(kind, &p, x, ref, rix);
		check_close(y, ref, ny);
		for (int i = 0; kind == MAXP && i < ny; i++)
			ck_assert_int_eq(ix[i], rix[i]);
		free(x), free(y), free(ref), free(ix), free(rix);
		done++;
	}
}

static const float x25[25] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25};

/* ONNX spec: maxpool_2d_precomputed_pads, 5x5 kernel, pads 2. */
START_TEST(test_maxpool_spec_precomputed_pads)
{
	static const float want[25] = {13, 14, 15, 15, 15, 18, 19, 20, 20, 20,
		23, 24, 25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25};
	float y[25];
	const void *in[1] = {x25};
	void *out[2] = {y, NULL};
	axrt_pool_params p = mkparams(2, 1, (int[]){5, 5}, (int[]){5, 5}, (int[]){1, 1},
		(int[]){1, 1}, (int[]){2, 2}, (int[]){2, 2}, (int[]){5, 5});

	ck_assert_int_eq(axrt_maxpool_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 25; i++)
		ck_assert_float_eq(y[i], want[i]);
}
END_TEST

/* ONNX spec: maxpool_with_argmax_2d_precomputed_strides, storage_order 1. */
START_TEST(test_maxpool_spec_indices_column_major)
{
	static const float want[4] = {7, 9, 17, 19};
	static const int64_t want_ix[4] = {6, 16, 8, 18};
	float y[4];
	int64_t ix[4];
	const void *in[1] = {x25};
	void *out[2] = {y, ix};
	axrt_pool_params p = mkparams(2, 1, (int[]){5, 5}, (int[]){2, 2}, (int[]){2, 2},
		(int[]){1, 1}, (int[]){0, 0}, (int[]){0, 0}, (int[]){2, 2});

	p.storage_order = 1;
	ck_assert_int_eq(axrt_maxpool_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 4; i++) {
		ck_assert_float_eq(y[i], want[i]);
		ck_assert_int_eq(ix[i], want_ix[i]);
	}
	p.storage_order = 0;   /* row-major: 7 is at 6, 9 at 8, 17 at 16, 19 at 18 */
	ck_assert_int_eq(axrt_maxpool_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(ix[1], 8);
	ck_assert_int_eq(ix[2], 16);
}
END_TEST

/* ONNX spec: averagepool_2d_precomputed_pads_count_include_pad. */
START_TEST(test_avgpool_spec_count_include_pad)
{
	static const float want[25] = {2.52f, 3.6f, 4.8f, 4.08f, 3.24f, 4.56f, 6.4f, 8.4f,
		7.04f, 5.52f, 7.2f, 10, 13, 10.8f, 8.4f, 6.96f, 9.6f, 12.4f, 10.24f, 7.92f,
		6.12f, 8.4f, 10.8f, 8.88f, 6.84f};
	float y[25];
	const void *in[1] = {x25};
	void *out[1] = {y};
	axrt_pool_params p = mkparams(2, 1, (int[]){5, 5}, (int[]){5, 5}, (int[]){1, 1},
		(int[]){1, 1}, (int[]){2, 2}, (int[]){2, 2}, (int[]){5, 5});

	p.count_include_pad = 1;
	ck_assert_int_eq(axrt_avgpool_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 25; i++)
		ck_assert_float_close(y[i], want[i], 1e-5);
	p.count_include_pad = 0;   /* corner: mean of the 3x3 block 1,2,3,6,7,8,11,12,13 */
	ck_assert_int_eq(axrt_avgpool_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_close(y[0], 7.0, 1e-6);
}
END_TEST

START_TEST(test_maxpool_random_1d) { random_sweep(MAXP, 1, 200); }
END_TEST
START_TEST(test_maxpool_random_2d) { random_sweep(MAXP, 2, 200); }
END_TEST
START_TEST(test_maxpool_random_3d) { random_sweep(MAXP, 3, 80); }

/* Max pooling without indices (the row-chunk path of 2-D planes): wide
 * planes, a third of them 3x3 at stride 2 (SqueezeNet's and ResNet's
 * pools) and a third 2x2 at stride 2 (the example's), the one-pass
 * windows, pads and ceil mode, against the reference. */
START_TEST(test_maxpool_rows_2d)
{
	for (int it = 0; it < 200; it++) {
		int in[2], k[2], s[2], dl[2] = {1, 1}, pad[2], pe[2], out[2], w3 = irand(0, 2);
		int ceil = irand(0, 1), ok = 1;
		for (int a = 0; a < 2; a++) {
			in[a] = irand(3, 40);
			k[a] = w3 == 1 ? 3 : w3 == 2 ? 2 : irand(1, 4);
			s[a] = w3 ? 2 : irand(1, 3);
			pad[a] = irand(0, k[a] - 1);
			pe[a] = irand(0, k[a] - 1);
			int span = in[a] + pad[a] + pe[a] - k[a];
			if (span < 0)
				ok = 0;
			out[a] = (span + (ceil ? s[a] - 1 : 0)) / s[a] + 1;
		}
		if (!ok)
			continue;
		axrt_pool_params p = mkparams(2, irand(1, 3), in, k, s, dl, pad, pe, out);
		int nx = p.planes * vol(p.in), ny = p.planes * vol(p.out);
		float *x = malloc(sizeof *x * (size_t)nx), *y = malloc(sizeof *y * (size_t)ny);
		double *ref = malloc(sizeof *ref * (size_t)ny);
		int64_t *rix = malloc(sizeof *rix * (size_t)ny);
		const void *inp[1] = {x};
		void *outp[2] = {y, NULL};
		for (int i = 0; i < nx; i++)
			x[i] = frand();
		ck_assert_int_eq(axrt_maxpool_f32(&p, inp, outp, NULL), AXRT_OK);
		ref_pool(MAXP, &p, x, ref, rix);
		check_close(y, ref, ny);
		free(x), free(y), free(ref), free(rix);
	}
}
END_TEST
END_TEST
START_TEST(test_avgpool_random_1d) { random_sweep(AVGP, 1, 200); }
END_TEST
START_TEST(test_avgpool_random_2d) { random_sweep(AVGP, 2, 200); }
END_TEST
START_TEST(test_avgpool_random_3d) { random_sweep(AVGP, 3, 80); }
END_TEST
START_TEST(test_lppool_random_2d) { random_sweep(LPP, 2, 200); }
END_TEST
START_TEST(test_lppool_random_3d) { random_sweep(LPP, 3, 60); }
END_TEST

START_TEST(test_maxpool_u8_i8)
{
	uint8_t xu[6] = {3, 250, 7, 7, 0, 1}, yu[3];
	int8_t xs[6] = {-3, -128, 7, 7, -100, -101}, ys[3];
	int64_t ix[3];
	const void *in[1] = {xu};
	void *out[2] = {yu, ix};
	/* 1-D, k 2, stride 2 */
	axrt_pool_params p = mkparams(1, 1, (int[]){6}, (int[]){2}, (int[]){2},
		(int[]){1}, (int[]){0}, (int[]){0}, (int[]){3});

	ck_assert_int_eq(axrt_maxpool_u8(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(yu[0], 250);
	ck_assert_int_eq(yu[1], 7);
	ck_assert_int_eq(ix[1], 2);   /* first of the tie */
	ck_assert_int_eq(yu[2], 1);
	in[0] = xs, out[0] = ys;
	ck_assert_int_eq(axrt_maxpool_i8(&p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(ys[0], -3);
	ck_assert_int_eq(ys[1], 7);
	ck_assert_int_eq(ys[2], -100);
}
END_TEST

START_TEST(test_globalpool)
{
	float x[12] = {1, -2, 3, 4, 0.5f, -8, 2, 2, -1, -1, -1, -5}, y[3];
	const void *in[1] = {x};
	void *out[1] = {y};
	axrt_gpool_params p = {3, 4, 2};

	ck_assert_int_eq(axrt_globalavgpool_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_close(y[0], 1.5, 1e-6);
	ck_assert_float_close(y[1], -3.5 / 4, 1e-6);
	ck_assert_float_close(y[2], -2.0, 1e-6);
	ck_assert_int_eq(axrt_globalmaxpool_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 4);
	ck_assert_float_eq(y[1], 2);
	ck_assert_float_eq(y[2], -1);
	ck_assert_int_eq(axrt_globallppool_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_close(y[0], sqrt(30.0), 1e-5);
	p.p = 3;
	ck_assert_int_eq(axrt_globallppool_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_close(y[2], cbrt(128.0), 1e-5);
	p.size = 0;
	ck_assert_int_eq(axrt_globalavgpool_f32(&p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

START_TEST(test_pool_rejects_bad_params)
{
	float x[4] = {0}, y[4];
	const void *in[1] = {x};
	void *out[2] = {y, NULL};
	axrt_pool_params p = mkparams(1, 1, (int[]){4}, (int[]){2}, (int[]){0},
		(int[]){1}, (int[]){0}, (int[]){0}, (int[]){2});

	ck_assert_int_eq(axrt_maxpool_f32(&p, in, out, NULL), AXRT_EINVAL);
	ck_assert_int_eq(axrt_avgpool_f32(&p, in, out, NULL), AXRT_EINVAL);
	p.stride[2] = 1;
	p.p = 0;
	ck_assert_int_eq(axrt_lppool_f32(&p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

static Suite *
pool_suite(void)
{
	Suite *s = suite_create("rt_pool");
	TCase *tc = tcase_create("window");

	tcase_add_test(tc, test_maxpool_spec_precomputed_pads);
	tcase_add_test(tc, test_maxpool_spec_indices_column_major);
	tcase_add_test(tc, test_avgpool_spec_count_include_pad);
	tcase_add_test(tc, test_maxpool_random_1d);
	tcase_add_test(tc, test_maxpool_random_2d);
	tcase_add_test(tc, test_maxpool_random_3d);
	tcase_add_test(tc, test_maxpool_rows_2d);
	tcase_add_test(tc, test_avgpool_random_1d);
	tcase_add_test(tc, test_avgpool_random_2d);
	tcase_add_test(tc, test_avgpool_random_3d);
	tcase_add_test(tc, test_lppool_random_2d);
	tcase_add_test(tc, test_lppool_random_3d);
	tcase_add_test(tc, test_maxpool_u8_i8);
	tcase_add_test(tc, test_pool_rejects_bad_params);
	suite_add_tcase(s, tc);
	tc = tcase_create("global");
	tcase_add_test(tc, test_globalpool);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(pool_suite());
}
