/* test_rt_conv.c: the conv family's kernels (runtime/kernels/conv.c) against
 * the ONNX spec examples and a naive gather-form reference written here;
 * the fast depthwise kernel against the reference conv_f32. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

static uint32_t seed = 12345;

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

static int
vol(const int32_t *d)
{
	return d[0] * d[1] * d[2];
}

/* y[n][m][o] = b[m] + sum over c in m's group and kernel offsets j of
 * w[m][c][j] * x[n][c][o * s - pad + j * dil] (zero outside x). */
static void
ref_conv(const axrt_conv_params *p, const float *x, const float *w, const float *b, double *y)
{
	int cg = p->c / p->group, mg = p->m / p->group, o[3], j[3], i[3];

	for (int n = 0; n < p->n; n++)
	for (int m = 0; m < p->m; m++)
	for (o[0] = 0; o[0] < p->out[0]; o[0]++)
	for (o[1] = 0; o[1] < p->out[1]; o[1]++)
	for (o[2] = 0; o[2] < p->out[2]; o[2]++) {
		double acc = b ? b[m] : 0;
		for (int c = 0; c < cg; c++)
		for (j[0] = 0; j[0] < p->k[0]; j[0]++)
		for (j[1] = 0; j[1] < p->k[1]; j[1]++)
		for (j[2] = 0; j[2] < p->k[2]; j[2]++) {
			int ok = 1;
			for (int a = 0; a < 3; a++) {
				i[a] = o[a] * p->stride[a] - p->pad[a] + j[a] * p->dil[a];
				ok &= i[a] >= 0 && i[a] < p->in[a];
			}
			if (!ok)
				continue;
			int ci = m / mg * cg + c;
			acc += (double)x[((n * p->c + ci) * p->in[0] + i[0]) * p->in[1] * p->in[2] + i[1] * p->in[2] + i[2]]
				* w[((m * cg + c) * p->k[0] + j[0]) * p->k[1] * p->k[2] + j[1] * p->k[2] + j[2]];
		}
		*y++ = ref_act(p->act, p->act_alpha, p->act_beta, acc);
	}
}

/* Transposed conv in gather form: y[o] = b + sum of x[i] * w[j] over the
 * (i, j) with i * s - pad + j * dil == o. */
static void
ref_convtranspose(const axrt_conv_params *p, const float *x, const float *w, const float *b, double *y)
{
	int cg = p->c / p->group, mg = p->m / p->group, o[3], j[3], i[3];

	for (int n = 0; n < p->n; n++)
	for (int m = 0; m < p->m; m++)
	for (o[0] = 0; o[0] < p->out[0]; o[0]++)
	for (o[1] = 0; o[1] < p->out[1]; o[1]++)
	for (o[2] = 0; o[2] < p->out[2]; o[2]++) {
		double acc = b ? b[m] : 0;
		for (int c = 0; c < cg; c++)
		for (j[0] = 0; j[0] < p->k[0]; j[0]++)
		for (j[1] = 0; j[1] < p->k[1]; j[1]++)
		for (j[2] = 0; j[2] < p->k[2]; j[2]++) {
			int ok = 1;
			for (int a = 0; a < 3; a++) {
				int t = o[a] + p->pad[a] - j[a] * p->dil[a];
				i[a] = t / p->stride[a];
				ok &= t >= 0 && t % p->stride[a] == 0 && i[a] < p->in[a];
			}
			if (!ok)
				continue;
			int ci = m / mg * cg + c;
			acc += (double)x[((n * p->c + ci) * p->in[0] + i[0]) * p->in[1] * p->in[2] + i[1] * p->in[2] + i[2]]
				* w[((ci * mg + m % mg) * p->k[0] + j[0]) * p->k[1] * p->k[2] + j[1] * p->k[2] + j[2]];
		}
		*y++ = ref_act(p->act, p->act_alpha, p->act_beta, acc);
	}
}

/* A params struct for a conv over spatial dims `nsp` (1..3) with the
 * innermost nsp entries of the arrays set from the arguments. */
static axrt_conv_params
mkparams(int nsp, int n, int c, int m, int g, const int *in, const int *k,
	const int *s, const int *dl, const int *pad, const int *out)
{
	axrt_conv_params p;
	memset(&p, 0, sizeof p);
	p.n = n, p.c = c, p.m = m, p.group = g;
	for (int a = 0; a < 3; a++) {
		int q = a - (3 - nsp);
		p.in[a] = q < 0 ? 1 : in[q];
		p.k[a] = q < 0 ? 1 : k[q];
		p.stride[a] = q < 0 ? 1 : s[q];
		p.dil[a] = q < 0 ? 1 : dl[q];
		p.pad[a] = q < 0 ? 0 : pad[q];
		p.out[a] = q < 0 ? 1 : out[q];
	}
	return p;
}

static void
check_close(const float *y, const double *ref, int cnt)
{
	for (int i = 0; i < cnt; i++)
		ck_assert_msg(fabs(y[i] - ref[i]) <= 1e-5 + 1e-5 * fabs(ref[i]),
			"y[%d] = %.9g, expected %.9g", i, y[i], ref[i]);
}

static float *
randv(int cnt)
{
	float *v = malloc(sizeof *v * (size_t)(cnt ? cnt : 1));
	for (int i = 0; i < cnt; i++)
		v[i] = frand();
	return v;
}

/* Random geometry in nsp spatial dims; returns 0 if the output would be
 * empty. tr: transposed (out from the transposed size formula). */
static int
random_geom(int nsp, int tr, axrt_conv_params *p)
{
	int in[3], k[3], s[3], dl[3], pad[3], out[3];
	int g = irand(1, 3), cg = irand(1, 3), mg = irand(1, 9);

	for (int a = 0; a < nsp; a++) {
		in[a] = irand(1, nsp == 3 ? 5 : 9);
		k[a] = irand(1, 4);
		s[a] = irand(1, 3);
		dl[a] = irand(1, 2);
		pad[a] = irand(0, k[a]);
		if (tr)
			out[a] = (in[a] - 1) * s[a] + (k[a] - 1) * dl[a] + 1 - pad[a] - irand(0, pad[a]) + irand(0, 1);
		else
			out[a] = (in[a] + pad[a] + irand(0, pad[a]) - (k[a] - 1) * dl[a] - 1) / s[a] + 1;
		if (out[a] < 1)
			return 0;
	}
	*p = mkparams(nsp, irand(1, 2), g * cg, g * mg, g, in, k, s, dl, pad, out);
	return 1;
}

/* Runs `iters` random cases of conv (tr 0) or convtranspose (tr 1). */
static void
random_sweep(int nsp, int tr, int iters)
{
	for (int it = 0, done = 0; done < iters && it < iters * 20; it++) {
		axrt_conv_params p;
		if (!random_geom(nsp, tr, &p))
			continue;
		p.act = irand(0, AXRT_ACT_HARDSWISH);
		p.act_alpha = p.act == AXRT_ACT_CLIP ? -0.5f : 0.2f;
		p.act_beta = p.act == AXRT_ACT_CLIP ? 0.7f : 0.5f;
		int nx = p.n * p.c * vol(p.in), ny = p.n * p.m * vol(p.out);
		int nw = p.m * (p.c / p.group) * vol(p.k);
		float *x = randv(nx), *w = randv(nw), *b = irand(0, 1) ? randv(p.m) : NULL;
		float *y = malloc(sizeof *y * (size_t)ny);
		double *ref = malloc(sizeof *ref * (size_t)ny);
		const void *in[3] = {x, w, b};
		void *out[1] = {y};
		ck_assert_int_eq((tr ? axrt_convtranspose_f32 : axrt_conv_f32)(&p, in, out, NULL), AXRT_OK);
		(tr ? ref_convtranspose : ref_conv)(&p, x, w, b, ref);
		check_close(y, ref, ny);
		free(x), free(w), free(b), free(y), free(ref);
		done++;
	}
}

/* ONNX Conv spec example: 5x5 input 0..24, 3x3 ones, pads 1 and 0. */
START_TEST(test_conv_spec_basic_padding)
{
	float x[25], w[9], y[25];
	static const float want_pad[25] = {12, 21, 27, 33, 24, 33, 54, 63, 72, 51,
		63, 99, 108, 117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84};
	static const float want_nopad[9] = {54, 63, 72, 99, 108, 117, 144, 153, 162};
	const void *in[3] = {x, w, NULL};
	void *out[1] = {y};

	for (int i = 0; i < 25; i++)
		x[i] = (float)i;
	for (int i = 0; i < 9; i++)
		w[i] = 1;
	axrt_conv_params p = mkparams(2, 1, 1, 1, 1, (int[]){5, 5}, (int[]){3, 3},
		(int[]){1, 1}, (int[]){1, 1}, (int[]){1, 1}, (int[]){5, 5});
	ck_assert_int_eq(axrt_conv_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 25; i++)
		ck_assert_float_eq(y[i], want_pad[i]);
	p = mkparams(2, 1, 1, 1, 1, (int[]){5, 5}, (int[]){3, 3},
		(int[]){1, 1}, (int[]){1, 1}, (int[]){0, 0}, (int[]){3, 3});
	ck_assert_int_eq(axrt_conv_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 9; i++)
		ck_assert_float_eq(y[i], want_nopad[i]);
}
END_TEST

/* ONNX spec: 7x5 input, strides 2, pads [1, 0, 1, 0] -> 4x2. */
START_TEST(test_conv_spec_asymmetric_padding)
{
	float x[35], w[9], y[8];
	static const float want[8] = {21, 33, 99, 117, 189, 207, 171, 183};
	const void *in[3] = {x, w, NULL};
	void *out[1] = {y};

	for (int i = 0; i < 35; i++)
		x[i] = (float)i;
	for (int i = 0; i < 9; i++)
		w[i] = 1;
	axrt_conv_params p = mkparams(2, 1, 1, 1, 1, (int[]){7, 5}, (int[]){3, 3},
		(int[]){2, 2}, (int[]){1, 1}, (int[]){1, 0}, (int[]){4, 2});
	ck_assert_int_eq(axrt_conv_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 8; i++)
		ck_assert_float_eq(y[i], want[i]);
}
END_TEST

START_TEST(test_conv_bias_and_relu_epilogue)
{
	/* 1x1 conv, 2 channels in, 2 out: y = relu(w x + b) */
	float x[2] = {1, 2}, w[4] = {1, 1, -3, 1}, b[2] = {0.5f, 0.25f}, y[2];
	const void *in[3] = {x, w, b};
	void *out[1] = {y};
	axrt_conv_params p = mkparams(1, 1, 2, 2, 1, (int[]){1}, (int[]){1},
		(int[]){1}, (int[]){1}, (int[]){0}, (int[]){1});

	p.act = AXRT_ACT_RELU;
	ck_assert_int_eq(axrt_conv_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 3.5f);
	ck_assert_float_eq(y[1], 0.0f);
	p.act = AXRT_ACT_LEAKYRELU;
	p.act_alpha = 0.1f;
	ck_assert_int_eq(axrt_conv_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_close(y[1], -0.075f, 1e-7);
}
END_TEST

START_TEST(test_conv_depthwise_matches_reference)
{
	/* depthwise 3x3, stride 2, pad 1, 4 channels, multiplier 2 */
	int c = 4, m = 8;
	axrt_conv_params p = mkparams(2, 1, c, m, c, (int[]){9, 7}, (int[]){3, 3},
		(int[]){2, 2}, (int[]){1, 1}, (int[]){1, 1}, (int[]){5, 4});
	float *x = randv(c * 63), *w = randv(m * 9), *b = randv(m), y[8 * 20];
	double ref[8 * 20];
	const void *in[3] = {x, w, b};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_conv_f32(&p, in, out, NULL), AXRT_OK);
	ref_conv(&p, x, w, b, ref);
	check_close(y, ref, m * 20);
	free(x), free(w), free(b);
}
END_TEST

START_TEST(test_conv_random_1d) { random_sweep(1, 0, 150); }
END_TEST
START_TEST(test_conv_random_2d) { random_sweep(2, 0, 150); }
END_TEST
START_TEST(test_conv_random_3d) { random_sweep(3, 0, 60); }
END_TEST

START_TEST(test_conv_rejects_bad_params)
{
	float x[4] = {0}, w[4] = {0}, y[4];
	const void *in[3] = {x, w, NULL};
	void *out[1] = {y};
	axrt_conv_params p = mkparams(1, 1, 2, 2, 1, (int[]){2}, (int[]){1},
		(int[]){1}, (int[]){1}, (int[]){0}, (int[]){2});

	p.group = 3;   /* does not divide c */
	ck_assert_int_eq(axrt_conv_f32(&p, in, out, NULL), AXRT_EINVAL);
	p.group = 1;
	p.stride[2] = 0;
	ck_assert_int_eq(axrt_conv_f32(&p, in, out, NULL), AXRT_EINVAL);
	ck_assert_int_eq(axrt_convtranspose_f32(&p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

/* ONNX ConvTranspose spec example: 3x3 input 0..8, two 3x3 ones filters. */
START_TEST(test_convtranspose_spec_default)
{
	float x[9], w[18], y[50];
	static const float want[25] = {0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15,
		9, 20, 33, 24, 13, 6, 13, 21, 15, 8};
	const void *in[3] = {x, w, NULL};
	void *out[1] = {y};

	for (int i = 0; i < 9; i++)
		x[i] = (float)i;
	for (int i = 0; i < 18; i++)
		w[i] = 1;
	axrt_conv_params p = mkparams(2, 1, 1, 2, 1, (int[]){3, 3}, (int[]){3, 3},
		(int[]){1, 1}, (int[]){1, 1}, (int[]){0, 0}, (int[]){5, 5});
	ck_assert_int_eq(axrt_convtranspose_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 50; i++)
		ck_assert_float_eq(y[i], want[i % 25]);
}
END_TEST

/* ONNX spec: dilations 2, 2x2 kernel, 3x3 input -> 5x5. */
START_TEST(test_convtranspose_spec_dilations)
{
	float x[9] = {3, 8, 1, 9, 5, 7, 3, 2, 6}, w[4] = {7, 2, 1, 9}, y[25];
	static const float want[25] = {21, 56, 13, 16, 2, 63, 35, 67, 10, 14,
		24, 22, 76, 76, 21, 9, 5, 88, 45, 63, 3, 2, 33, 18, 54};
	const void *in[3] = {x, w, NULL};
	void *out[1] = {y};
	axrt_conv_params p = mkparams(2, 1, 1, 1, 1, (int[]){3, 3}, (int[]){2, 2},
		(int[]){1, 1}, (int[]){2, 2}, (int[]){0, 0}, (int[]){5, 5});

	ck_assert_int_eq(axrt_convtranspose_f32(&p, in, out, NULL), AXRT_OK);
	for (int i = 0; i < 25; i++)
		ck_assert_float_eq(y[i], want[i]);
}
END_TEST

START_TEST(test_convtranspose_random_1d) { random_sweep(1, 1, 150); }
END_TEST
START_TEST(test_convtranspose_random_2d) { random_sweep(2, 1, 150); }
END_TEST
START_TEST(test_convtranspose_random_3d) { random_sweep(3, 1, 60); }
END_TEST

/* Each activation at a few points, against the formulas in double. */
START_TEST(test_conv_activations)
{
	static const float v[] = {-7.5f, -3.0f, -1.0f, -0.25f, 0.0f, 0.3f, 1.0f, 2.9f, 3.0f, 8.0f};
	float y;
	const void *in[3] = {NULL, NULL, NULL};
	void *out[1] = {&y};
	axrt_conv_params p = mkparams(1, 1, 1, 1, 1, (int[]){1}, (int[]){1},
		(int[]){1}, (int[]){1}, (int[]){0}, (int[]){1});

	for (int act = AXRT_ACT_NONE; act <= AXRT_ACT_HARDSWISH; act++)
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			float one = 1;
			in[0] = &v[i], in[1] = &one;
			p.act = act;
			p.act_alpha = act == AXRT_ACT_CLIP ? -1.0f : 0.2f;
			p.act_beta = act == AXRT_ACT_CLIP ? 2.0f : 0.5f;
			ck_assert_int_eq(axrt_conv_f32(&p, in, out, NULL), AXRT_OK);
			ck_assert_float_close(y, ref_act(act, p.act_alpha, p.act_beta, v[i]), 1e-6);
		}
}
END_TEST

/* ---- conv_f32_dw against conv_f32 ---- */

/* The scratch conv_f32_dw documents in axrt_conv.h, in floats. */
static size_t
dw_scratch(const axrt_conv_params *p)
{
	size_t hp = (size_t)(p->out[1] - 1) * p->stride[1] + (size_t)(p->k[1] - 1) * p->dil[1] + 1;
	size_t wp = (size_t)(p->out[2] - 1) * p->stride[2] + (size_t)(p->k[2] - 1) * p->dil[2] + 1;
	int k3 = p->k[1] == 3 && p->k[2] == 3;

	if (k3 && p->stride[1] == 1 && p->stride[2] == 1 && p->dil[1] == 1 && p->dil[2] == 1
	 && p->pad[1] == 1 && p->pad[2] == 1 && p->out[1] == p->in[1] && p->out[2] == p->in[2]
	 && p->in[1] >= 3 && p->in[2] >= 4)
		return p->in[1] * p->in[2] <= AXRT_CONVDW_FLATC
			? (size_t)(p->in[1] + 2) * p->in[2] + 2 : (size_t)p->in[2];
	if (k3 && p->stride[1] == 1 && p->stride[2] == 1 && p->dil[1] == p->dil[2]
	 && p->out[2] < AXRT_CONVDW_WIDE)
		return hp * wp + (size_t)(p->out[1] - 1) * wp + p->out[2];
	if (k3 && p->stride[1] == p->stride[2] && p->stride[2] <= 2 && p->dil[1] == 1 && p->dil[2] == 1)
		return (size_t)p->in[2];
	if (k3 && p->stride[2] == 2 && p->dil[2] == 1)
		return (size_t)6 * (p->out[2] + 1);
	return hp * wp;
}

/* One depthwise case: conv_f32_dw and conv_f32 agree (same summation
 * order; the padding taps add w * 0), and neither the scratch of the
 * documented size nor the output is overrun. */
static void
dw_case(const axrt_conv_params *p)
{
	int nx = p->n * p->c * vol(p->in), ny = p->n * p->m * vol(p->out), nw = p->m * vol(p->k);
	size_t ns = dw_scratch(p);
	float *x = randv(nx), *w = randv(nw), *b = irand(0, 1) ? randv(p->m) : NULL;
	float *y = malloc(sizeof *y * (size_t)(ny + 16)), *ref = malloc(sizeof *ref * (size_t)ny);
	float *scr = malloc(sizeof *scr * (ns + 16));
	const void *in[3] = {x, w, b};
	void *out[1] = {y}, *rout[1] = {ref};

	for (int i = 0; i < 16; i++)
		y[ny + i] = scr[ns + i] = 777.0f;
	ck_assert_int_eq(axrt_conv_f32(p, in, rout, NULL), AXRT_OK);
	ck_assert_int_eq(axrt_conv_f32_dw(p, in, out, scr), AXRT_OK);
	for (int i = 0; i < ny; i++)
		ck_assert_msg(fabsf(y[i] - ref[i]) <= 1e-6f + 1e-6f * fabsf(ref[i]),
			"c%d in %dx%d k %dx%d s %d,%d d %d,%d p %d,%d: y[%d] = %.9g, conv_f32 %.9g",
			p->c, p->in[1], p->in[2], p->k[1], p->k[2], p->stride[1], p->stride[2],
			p->dil[1], p->dil[2], p->pad[1], p->pad[2], i, y[i], ref[i]);
	for (int i = 0; i < 16; i++) {
		ck_assert_msg(y[ny + i] == 777.0f, "output overrun");
		ck_assert_msg(scr[ns + i] == 777.0f, "scratch overrun");
	}
	free(x), free(w), free(b), free(y), free(ref), free(scr);
}

/* Random depthwise geometries in 1 or 2 dims, half of them 3x3 at stride
 * 1 or 2 (the unrolled loops), planes narrow and wide, all activations. */
START_TEST(test_conv_dw_random)
{
	for (int it = 0, done = 0; done < 300 && it < 6000; it++) {
		int nsp = irand(1, 2), k3 = irand(0, 1), in[2], k[2], st[2], dl[2], pad[2], out[2];
		for (int a = 0; a < nsp; a++) {
			in[a] = irand(0, 3) ? irand(1, 12) : irand(30, 80);
			k[a] = k3 ? 3 : irand(1, 5);
			st[a] = k3 ? irand(1, 2) : irand(1, 3);
			dl[a] = k3 && irand(0, 1) ? 1 : irand(1, 3);
			pad[a] = irand(0, k[a]);
			out[a] = (in[a] + pad[a] + irand(0, pad[a]) - (k[a] - 1) * dl[a] - 1) / st[a] + 1;
		}
		if (out[0] < 1 || (nsp == 2 && out[1] < 1))
			continue;
		int c = irand(1, 5);
		axrt_conv_params p = mkparams(nsp, irand(1, 2), c, c, c, in, k, st, dl, pad, out);
		p.act = irand(0, 1) ? irand(AXRT_ACT_RELU, AXRT_ACT_HARDSWISH) : AXRT_ACT_NONE;
		p.act_alpha = p.act == AXRT_ACT_CLIP ? -0.3f : 0.2f;
		p.act_beta = p.act == AXRT_ACT_CLIP ? 0.6f : 0.5f;
		dw_case(&p);
		done++;
	}
}
END_TEST

/* MobileNet's depthwise layers, scaled down: 3x3 pad 1 at stride 1 and 2
 * over 112- to 7-wide planes with Clip(0, 6). */
START_TEST(test_conv_dw_network_shapes)
{
	static const int geo[][3] = {{112, 1}, {112, 2}, {56, 1}, {56, 2}, {28, 1}, {14, 2}, {14, 1},
		{7, 1}, {7, 2}};
	for (size_t i = 0; i < sizeof geo / sizeof geo[0]; i++) {
		int h = geo[i][0], s = geo[i][1], o = (h + 2 - 3) / s + 1;
		int in[2] = {h, h}, k[2] = {3, 3}, st[2] = {s, s}, dl[2] = {1, 1}, pad[2] = {1, 1};
		int out[2] = {o, o};
		axrt_conv_params p = mkparams(2, 1, 3, 3, 3, in, k, st, dl, pad, out);
		p.act = AXRT_ACT_CLIP;
		p.act_alpha = 0.0f;
		p.act_beta = 6.0f;
		dw_case(&p);
	}
}
END_TEST

/* The flat paths (3x3, unit stride, pad 1, out = in): planes from 3 x 4
 * up, narrower and wider than a vector, small (through the scratch) and
 * large (in place), all activations. */
START_TEST(test_conv_dw_flat)
{
	for (int it = 0; it < 200; it++) {
		int big = it % 4 == 0, h = big ? irand(20, 60) : irand(3, 20), wd = big ? irand(20, 60) : irand(4, 20);
		int in[2] = {h, wd}, k[2] = {3, 3}, st[2] = {1, 1}, dl[2] = {1, 1}, pad[2] = {1, 1};
		int c = irand(1, 4);
		axrt_conv_params p = mkparams(2, irand(1, 2), c, c, c, in, k, st, dl, pad, in);
		p.act = irand(0, 1) ? irand(AXRT_ACT_RELU, AXRT_ACT_HARDSWISH) : AXRT_ACT_NONE;
		p.act_alpha = p.act == AXRT_ACT_CLIP ? -0.3f : 0.2f;
		p.act_beta = p.act == AXRT_ACT_CLIP ? 0.6f : 0.5f;
		dw_case(&p);
	}
}
END_TEST

START_TEST(test_conv_dw_rejects_bad_params)
{
	float v[64] = {0}, scr[64];
	int in[2] = {3, 3}, k[2] = {3, 3}, st[2] = {1, 1}, dl[2] = {1, 1}, pad[2] = {1, 1}, out[2] = {3, 3};
	axrt_conv_params p = mkparams(2, 1, 2, 2, 2, in, k, st, dl, pad, out);
	const void *inp[3] = {v, v, NULL};
	void *outp[1] = {v + 32};

	ck_assert_int_eq(axrt_conv_f32_dw(&p, inp, outp, scr), AXRT_OK);
	ck_assert_int_eq(axrt_conv_f32_dw(&p, inp, outp, NULL), AXRT_EINVAL);   /* no scratch */
	p.group = 1;                                                             /* not depthwise */
	ck_assert_int_eq(axrt_conv_f32_dw(&p, inp, outp, scr), AXRT_EINVAL);
	p = mkparams(3, 1, 2, 2, 2, (int[]){2, 2, 2}, (int[]){1, 1, 1}, (int[]){1, 1, 1},
		(int[]){1, 1, 1}, (int[]){0, 0, 0}, (int[]){2, 2, 2});          /* 3-D */
	ck_assert_int_eq(axrt_conv_f32_dw(&p, inp, outp, scr), AXRT_EINVAL);
}
END_TEST

static Suite *
conv_suite(void)
{
	Suite *s = suite_create("rt_conv");
	TCase *tc = tcase_create("conv");

	tcase_add_test(tc, test_conv_spec_basic_padding);
	tcase_add_test(tc, test_conv_spec_asymmetric_padding);
	tcase_add_test(tc, test_conv_bias_and_relu_epilogue);
	tcase_add_test(tc, test_conv_depthwise_matches_reference);
	tcase_add_test(tc, test_conv_random_1d);
	tcase_add_test(tc, test_conv_random_2d);
	tcase_add_test(tc, test_conv_random_3d);
	tcase_add_test(tc, test_conv_rejects_bad_params);
	tcase_add_test(tc, test_conv_activations);
	suite_add_tcase(s, tc);
	tc = tcase_create("convtranspose");
	tcase_add_test(tc, test_convtranspose_spec_default);
	tcase_add_test(tc, test_convtranspose_spec_dilations);
	tcase_add_test(tc, test_convtranspose_random_1d);
	tcase_add_test(tc, test_convtranspose_random_2d);
	tcase_add_test(tc, test_convtranspose_random_3d);
	suite_add_tcase(s, tc);
	tc = tcase_create("depthwise");
	tcase_add_test(tc, test_conv_dw_random);
	tcase_add_test(tc, test_conv_dw_network_shapes);
	tcase_add_test(tc, test_conv_dw_flat);
	tcase_add_test(tc, test_conv_dw_rejects_bad_params);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(conv_suite());
}
