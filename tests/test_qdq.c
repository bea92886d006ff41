/* test_qdq.c: integer kernels for quantized models (passes/qdq.c,
 * compiler/ops/qdq.c, runtime/kernels/qdq.c): the fixed-point multiplier
 * and its rounding, fast kernels against the reference kernels and
 * against the real-number formula (long double), which patterns become
 * integer and which stay float, and end-to-end runs checked against hand
 * computations and the ONNX spec example. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"
#include "driver.h"
#include "passes.h"
#include "qdq.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})

/* ---- graph building ---- */

static Graph *
gnew(void)
{
	Graph *g = graph_new("test.onnx");

	g->opset = 13;
	g->input = arena_alloc(g->arena, 8 * sizeof *g->input);
	g->output = arena_alloc(g->arena, 8 * sizeof *g->output);
	return g;
}

static Tensor *
gin(Graph *g, const char *name, DType dt, int rank, const int64_t *dims)
{
	Tensor *t = graph_tensor(g, name);

	tensor_set(t, dt, rank, dims);
	t->is_input = 1;
	g->input[g->ninput++] = t;
	return t;
}

static Tensor *
gconst(Graph *g, const char *name, DType dt, int rank, const int64_t *dims, const void *data)
{
	Tensor *t = graph_tensor(g, name);

	tg_const(g, t, dt, rank, dims, data);
	return t;
}

static Tensor *
gscalar_f(Graph *g, const char *name, float v)
{
	return gconst(g, name, DT_F32, 0, NULL, &v);
}

static Tensor *
gscalar_q(Graph *g, const char *name, DType dt, int v)
{
	uint8_t u = (uint8_t)v;
	int8_t s = (int8_t)v;

	return gconst(g, name, dt, 0, NULL, dt == DT_U8 ? (const void *)&u : (const void *)&s);
}

/* Node `op` named `name` reading the nin tensors named in ins (NULL:
 * absent) and writing the tensor named out. */
static Node *
gnode(Graph *g, const char *op, const char *name, int nin, const char *const *ins, const char *out)
{
	Node *n = graph_add_node(g, op, name, nin, 1);

	n->attr = arena_alloc(g->arena, 8 * sizeof *n->attr);
	for (int i = 0; i < nin; i++)
		n->in[i] = ins[i] ? graph_tensor(g, ins[i]) : NULL;
	n->out[0] = graph_tensor(g, out);
	n->out[0]->def = n;
	return n;
}
#define N(g, op, name, out, ...) \
	gnode(g, op, name, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)), \
		(const char *[]){__VA_ARGS__}, out)

static void
gout(Graph *g, const char *name)
{
	Tensor *t = graph_tensor(g, name);

	t->is_output = 1;
	g->output[g->noutput++] = t;
}

/* The pipeline, lowering, one run; kernels used are counted in used[]. */
static void
run_ok(Graph *g, const void *const *in, void *const *out, int *used)
{
	Diag d = diag_capture();
	Program *p;
	void *arena;

	ck_assert_msg(run_pipeline(g, &d, NULL) == 0, "pipeline: %s", d.all);
	p = prog_lower(g, &d);
	ck_assert_msg(p != NULL, "lower: %s", d.all);
	prog_plan(p);
	for (int s = 0; used && s < p->nstep; s++)
		used[p->step[s].k]++;
	arena = aligned_alloc(64, (p->arena_bytes + 63) / 64 * 64 + 64);
	ck_assert_int_eq(prog_run(p, in, out, arena), 0);
	free(arena);
	prog_free(p);
}

static int
count_op(const Graph *g, int op)
{
	int c = 0;

	for (int i = 0; i < g->nnode; i++)
		c += !g->node[i]->dead && g->node[i]->op == op;
	return c;
}

/* ---- arithmetic ---- */

START_TEST(test_qdq_mult_exact)
{
	static const double ms[] = {1e-9, 0.0037, 0.125, 1.0 / 3, 0.5, 1.0, 1.5, 3e5, 2147483520.0};
	int32_t m0, sh;

	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		ck_assert_int_eq(qdq_mult(ms[i], &m0, &sh), 0);
		ck_assert_int_ge(m0, 1 << 30);
		ck_assert_int_ge(sh, 0);
		ck_assert_int_le(sh, 62);
		/* a float32 has 24 significant bits: M0 * 2^-shift is it exactly */
		ck_assert_msg(ldexp(m0, -sh) == (double)(float)ms[i], "m %g: %d * 2^-%d", ms[i], m0, sh);
	}
	ck_assert_int_eq(qdq_mult(1e-12, &m0, &sh), 0);   /* below 2^-31: shift capped */
	ck_assert_int_eq(sh, 62);
	ck_assert(fabs(ldexp(m0, -62) - (double)1e-12f) <= ldexp(1, -62));
	ck_assert_int_eq(qdq_mult(2147483648.0, &m0, &sh), -1);
	ck_assert_int_eq(qdq_mult(0, &m0, &sh), -1);
}
END_TEST

START_TEST(test_qdq_rshift_half_even)
{
	/* v / 2^s: 2.5 -> 2, 3.5 -> 4, -2.5 -> -2, -3.5 -> -4, 1.5 -> 2,
	 * 2.75 -> 3, -2.75 -> -3, -0.5 -> 0, 0.25 -> 0 */
	static const int64_t v[] = {5, 7, -5, -7, 6, 11, -11, -1, 1};
	static const int32_t s[] = {1, 1, 1, 1, 2, 2, 2, 1, 2};
	static const int64_t want[] = {2, 4, -2, -4, 2, 3, -3, 0, 0};

	for (int i = 0; i < 9; i++)
		ck_assert_int_eq(axrt_qdq_rshift(v[i], s[i]), want[i]);
	ck_assert_int_eq(axrt_qdq_rshift((int64_t)3 << 61, 62), 2);   /* 1.5 */
	ck_assert_int_eq(axrt_qdq_out(1000, 1, 3, 0, 255), 255);   /* 503 saturates */
	ck_assert_int_eq(axrt_qdq_out(-1000, 2, 3, 0, 255), 0);
}
END_TEST

/* ---- kernels ---- */

static uint32_t rng = 12345;

static int32_t
rnd(int32_t lo, int32_t hi)
{
	rng = rng * 1103515245u + 12345u;
	return lo + (int32_t)((rng >> 8) % (uint32_t)(hi - lo + 1));
}

/* The real-number result of one output: clamp(z + rne(acc * M)) with M
 * = m0 * 2^-sh, in long double (exact: acc < 2^31, m0 < 2^31). */
static int32_t
real_out(int64_t acc, int32_t m0, int32_t sh, int32_t z, int32_t lo, int32_t hi)
{
	long double r = nearbyintl((long double)acc * m0 / ldexpl(1, sh)) + z;

	return r < lo ? lo : r > hi ? hi : (int32_t)r;
}

START_TEST(test_qdq_conv_fast_matches_reference_and_real)
{
	for (int iter = 0; iter < 60; iter++) {
		axrt_qdqconv_params p;
		memset(&p, 0, sizeof p);
		p.n = rnd(1, 2);
		p.group = rnd(1, 2);
		p.c = p.group * rnd(1, 3);
		p.m = p.group * rnd(1, 3);
		p.in[0] = p.k[0] = p.out[0] = p.stride[0] = p.dil[0] = 1;
		for (int i = 1; i < 3; i++) {
			p.in[i] = rnd(3, 9);
			p.k[i] = rnd(1, 3);
			p.stride[i] = rnd(1, 2);
			p.dil[i] = rnd(1, 2);
			p.pad[i] = rnd(0, 2);
			int span = (p.k[i] - 1) * p.dil[i] + 1;
			if (span > p.in[i] + 2 * p.pad[i])
				p.k[i] = 1, span = 1;
			p.out[i] = (p.in[i] + 2 * p.pad[i] - span) / p.stride[i] + 1;
		}
		p.xt = rnd(0, 1) ? AXRT_DT_UINT8 : AXRT_DT_INT8;
		p.xz = p.xt == AXRT_DT_UINT8 ? rnd(0, 255) : rnd(-128, 127);
		p.wt = rnd(0, 1) ? AXRT_DT_INT8 : AXRT_DT_INT16;
		p.yt = rnd(0, 1) ? AXRT_DT_UINT8 : AXRT_DT_INT8;
		p.yz = p.yt == AXRT_DT_UINT8 ? rnd(0, 255) : rnd(-128, 127);
		p.lo = p.yt == AXRT_DT_UINT8 ? rnd(0, 10) : -128;
		p.hi = p.yt == AXRT_DT_UINT8 ? 255 : rnd(100, 127);
		int cg = p.c / p.group, kk = cg * p.k[1] * p.k[2];
		int nx = p.n * p.c * p.in[1] * p.in[2], ny = p.n * p.m * p.out[1] * p.out[2];
		uint8_t *x = malloc((size_t)nx), *y1 = malloc((size_t)ny), *y2 = malloc((size_t)ny);
		int16_t *w16 = malloc((size_t)p.m * kk * 2);
		int8_t *w8 = malloc((size_t)p.m * kk);
		int32_t bias[9], mul[9], sh[9];
		for (int i = 0; i < nx; i++)
			x[i] = (uint8_t)rnd(0, 255);
		for (int i = 0; i < p.m * kk; i++) {
			w16[i] = (int16_t)(p.wt == AXRT_DT_INT16 ? rnd(-255, 255) : rnd(-128, 127));
			w8[i] = (int8_t)w16[i];
		}
		for (int o = 0; o < p.m; o++) {
			bias[o] = rnd(-5000, 5000);
			ck_assert_int_eq(qdq_mult(rnd(1, 1000) * 1e-5, &mul[o], &sh[o]), 0);
		}
		const void *wp = p.wt == AXRT_DT_INT16 ? (const void *)w16 : (const void *)w8;
		const void *in[5] = {x, wp, bias, mul, sh};
		void *o1[1] = {y1}, *o2[1] = {y2};
		int hp = (p.out[1] - 1) * p.stride[1] + (p.k[1] - 1) * p.dil[1] + 1;
		int wpd = (p.out[2] - 1) * p.stride[2] + (p.k[2] - 1) * p.dil[2] + 1;
		void *scr = malloc(AXRT_QDQ_CONV_SCRATCH(cg, hp, wpd, p.out[1] * p.out[2]));
		ck_assert_int_eq(axrt_qdq_conv(&p, in, o1, NULL), AXRT_OK);
		ck_assert_int_eq(axrt_qdq_conv_fast(&p, in, o2, scr), AXRT_OK);
		ck_assert_msg(memcmp(y1, y2, (size_t)ny) == 0, "iteration %d: fast path differs", iter);
		/* the reference against the formula, output by output */
		for (int b = 0, i = 0; b < p.n; b++)
			for (int o = 0; o < p.m; o++)
				for (int oy = 0; oy < p.out[1]; oy++)
					for (int ox = 0; ox < p.out[2]; ox++, i++) {
						int64_t acc = bias[o];
						int g = o / (p.m / p.group);
						for (int ci = 0; ci < cg; ci++)
							for (int r = 0; r < p.k[1]; r++)
								for (int s = 0; s < p.k[2]; s++) {
									int iy = oy * p.stride[1] - p.pad[1] + r * p.dil[1];
									int ix = ox * p.stride[2] - p.pad[2] + s * p.dil[2];
									if (iy < 0 || iy >= p.in[1] || ix < 0 || ix >= p.in[2])
										continue;
									int c = g * cg + ci;
									int xv = x[((b * p.c + c) * p.in[1] + iy) * p.in[2] + ix];
									if (p.xt == AXRT_DT_INT8)
										xv = (int8_t)xv;
									acc += (int64_t)(xv - p.xz) *
										w16[(o * cg + ci) * p.k[1] * p.k[2] + r * p.k[2] + s];
								}
						int want = real_out(acc, mul[o], sh[o], p.yz, p.lo, p.hi);
						int got = p.yt == AXRT_DT_UINT8 ? y1[i] : (int8_t)y1[i];
						ck_assert_msg(got == want, "iteration %d output %d: %d, want %d", iter, i, got, want);
					}
		free(x), free(y1), free(y2), free(w16), free(w8), free(scr);
	}
}
END_TEST

START_TEST(test_qdq_gemm_fast_matches_reference_and_real)
{
	for (int iter = 0; iter < 40; iter++) {
		axrt_qdqgemm_params p;
		memset(&p, 0, sizeof p);
		p.m = rnd(1, 5);
		p.n = rnd(1, 7);
		p.k = rnd(1, 40);
		p.xt = rnd(0, 1) ? AXRT_DT_UINT8 : AXRT_DT_INT8;
		p.xz = p.xt == AXRT_DT_UINT8 ? rnd(0, 255) : rnd(-128, 127);
		p.wt = rnd(0, 1) ? AXRT_DT_INT8 : AXRT_DT_INT16;
		p.yt = AXRT_DT_INT8;
		p.yz = rnd(-20, 20);
		p.lo = -128;
		p.hi = 127;
		uint8_t x[5 * 40];
		int16_t w16[7 * 40];
		int8_t w8[7 * 40], y1[35], y2[35], yt[35];
		int32_t mul[7], sh[7];
		for (int i = 0; i < p.m * p.k; i++)
			x[i] = (uint8_t)rnd(0, 255);
		for (int i = 0; i < p.n * p.k; i++) {
			w16[i] = (int16_t)(p.wt == AXRT_DT_INT16 ? rnd(-255, 255) : rnd(-128, 127));
			w8[i] = (int8_t)w16[i];
		}
		for (int o = 0; o < p.n; o++)
			ck_assert_int_eq(qdq_mult(rnd(1, 1000) * 1e-5, &mul[o], &sh[o]), 0);
		const void *in[5] = {x, p.wt == AXRT_DT_INT16 ? (const void *)w16 : (const void *)w8, NULL, mul, sh};
		void *o1[1] = {y1}, *o2[1] = {y2}, *o3[1] = {yt};
		int16_t scr[64];
		ck_assert_int_eq(axrt_qdq_gemm(&p, in, o1, NULL), AXRT_OK);
		ck_assert_int_eq(axrt_qdq_gemm_fast(&p, in, o2, scr), AXRT_OK);
		ck_assert(memcmp(y1, y2, (size_t)(p.m * p.n)) == 0);
		for (int i = 0; i < p.m; i++)
			for (int o = 0; o < p.n; o++) {
				int64_t acc = 0;
				for (int k = 0; k < p.k; k++) {
					int xv = p.xt == AXRT_DT_INT8 ? (int8_t)x[i * p.k + k] : x[i * p.k + k];
					acc += (int64_t)(xv - p.xz) * w16[o * p.k + k];
				}
				ck_assert_int_eq(y1[i * p.n + o], real_out(acc, mul[o], sh[o], p.yz, -128, 127));
			}
		/* A transposed (k x m) gives the same rows */
		uint8_t xt[5 * 40];
		for (int i = 0; i < p.m; i++)
			for (int k = 0; k < p.k; k++)
				xt[k * p.m + i] = x[i * p.k + k];
		in[0] = xt;
		p.trans_a = 1;
		ck_assert_int_eq(axrt_qdq_gemm(&p, in, o3, NULL), AXRT_OK);
		ck_assert(memcmp(y1, yt, (size_t)(p.m * p.n)) == 0);
		ck_assert_int_eq(axrt_qdq_gemm_fast(&p, in, o3, scr), AXRT_EUNSUPPORTED);
	}
}
END_TEST

/* ---- patterns ---- */

/* x (uint8 [1,1,4]) -> DQ -> Conv (per-channel int8 weights, int32 bias)
 * -> Relu -> Q uint8: one QLinearConv with a fused Relu on the fast
 * kernel. By hand: x - zx = {-10, 0, 10, 20}; channel 0, w {1, 2}, bias 4,
 * M = 0.5*0.25/0.75 = 1/6: acc {-6, 24, 54} -> {-1, 4, 9} -> Relu (lo = zy)
 * -> {3, 7, 12}; channel 1, w {-1, 3}, bias -2, M = 1/3: acc {8, 28, 48}
 * -> {2.67, 9.33, 16} -> {6, 12, 19}. */
START_TEST(test_qdq_conv_relu_becomes_qlinearconv)
{
	static const uint8_t x[4] = {10, 20, 30, 40}, want[6] = {3, 7, 12, 6, 12, 19};
	static const int8_t w[4] = {1, 2, -1, 3}, wz[2] = {0, 0};
	static const float ws[2] = {0.25f, 0.5f}, bs[2] = {0.125f, 0.25f};
	static const int32_t b[2] = {4, -2}, bz[2] = {0, 0};
	uint8_t y[6];
	int used[NKERNEL] = {0};
	Graph *g = gnew();
	Node *n;

	gin(g, "x", DT_U8, 3, D(1, 1, 4));
	gscalar_f(g, "xs", 0.5f);
	gscalar_q(g, "xz", DT_U8, 20);
	gconst(g, "wq", DT_I8, 3, D(2, 1, 2), w);
	gconst(g, "ws", DT_F32, 1, D(2), ws);
	gconst(g, "wz", DT_I8, 1, D(2), wz);
	gconst(g, "bq", DT_I32, 1, D(2), b);
	gconst(g, "bs", DT_F32, 1, D(2), bs);
	gconst(g, "bz", DT_I32, 1, D(2), bz);
	gscalar_f(g, "ys", 0.75f);
	gscalar_q(g, "yz", DT_U8, 3);
	N(g, "DequantizeLinear", "dqx", "xf", "x", "xs", "xz");
	n = N(g, "DequantizeLinear", "dqw", "wf", "wq", "ws", "wz");
	tg_attr_int(g, n, "axis", 0);
	n = N(g, "DequantizeLinear", "dqb", "bf", "bq", "bs", "bz");
	tg_attr_int(g, n, "axis", 0);
	N(g, "Conv", "conv0", "c", "xf", "wf", "bf");
	N(g, "Relu", "relu0", "r", "c");
	N(g, "QuantizeLinear", "q0", "y", "r", "ys", "yz");
	gout(g, "y");
	run_ok(g, (const void *[]){x}, (void *[]){y}, used);
	ck_assert_int_eq(count_op(g, OP_QLINEARCONV), 1);
	ck_assert_int_eq(count_op(g, OP_CONV) + count_op(g, OP_RELU) + count_op(g, OP_QUANTIZELINEAR), 0);
	ck_assert_int_eq(count_op(g, OP_DEQUANTIZELINEAR), 0);
	ck_assert_int_eq(used[K_qdq_conv_fast], 1);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

/* MatMul with a constant B: exact ties round to even. a = {2, 0} (zero
 * point 0), B row 0 {1, 3, -1, -3}: acc {2, 6, -2, -6}, M = 0.5*0.5/1 =
 * 0.25: {0.5, 1.5, -0.5, -1.5} -> {0, 2, 0, -2}, + zy 1. */
START_TEST(test_qdq_matmul_ties_to_even)
{
	static const int8_t a[2] = {2, 0}, bq[8] = {1, 3, -1, -3, 5, 5, 5, 5}, want[4] = {1, 3, 1, -1};
	int8_t y[4];
	int used[NKERNEL] = {0};
	Graph *g = gnew();

	gin(g, "a", DT_I8, 2, D(1, 2));
	gscalar_f(g, "as", 0.5f);
	gscalar_q(g, "az", DT_I8, 0);
	gconst(g, "bq", DT_I8, 2, D(2, 4), bq);
	gscalar_f(g, "bs", 0.5f);
	gscalar_f(g, "ys", 1.0f);
	gscalar_q(g, "yz", DT_I8, 1);
	N(g, "DequantizeLinear", "dqa", "af", "a", "as", "az");
	N(g, "DequantizeLinear", "dqb", "bf", "bq", "bs", NULL);
	N(g, "MatMul", "mm0", "m", "af", "bf");
	N(g, "QuantizeLinear", "q0", "y", "m", "ys", "yz");
	gout(g, "y");
	run_ok(g, (const void *[]){a}, (void *[]){y}, used);
	ck_assert_int_eq(count_op(g, OP_QDQGEMM), 1);
	ck_assert_int_eq(used[K_qdq_gemm_fast], 1);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

/* Add of two uint8 tensors with a Relu: a {-2, 0, 2}, b {0, 0, 6} (real),
 * sum {-2, 0, 8} -> Relu {0, 0, 8} -> / 0.05 + 10 = {10, 10, 170}. */
START_TEST(test_qdq_add_relu)
{
	static const uint8_t a[3] = {0, 100, 200}, b[3] = {50, 50, 250}, want[3] = {10, 10, 170};
	uint8_t y[3];
	int used[NKERNEL] = {0};
	Graph *g = gnew();

	gin(g, "a", DT_U8, 1, D(3));
	gin(g, "b", DT_U8, 1, D(3));
	gscalar_f(g, "as", 0.02f);
	gscalar_q(g, "az", DT_U8, 100);
	gscalar_f(g, "bs", 0.03f);
	gscalar_q(g, "bz", DT_U8, 50);
	gscalar_f(g, "ys", 0.05f);
	gscalar_q(g, "yz", DT_U8, 10);
	N(g, "DequantizeLinear", "dqa", "af", "a", "as", "az");
	N(g, "DequantizeLinear", "dqb", "bf", "b", "bs", "bz");
	N(g, "Add", "add0", "s", "af", "bf");
	N(g, "Relu", "relu0", "r", "s");
	N(g, "QuantizeLinear", "q0", "y", "r", "ys", "yz");
	gout(g, "y");
	run_ok(g, (const void *[]){a, b}, (void *[]){y}, used);
	ck_assert_int_eq(count_op(g, OP_QDQADD), 1);
	ck_assert_int_eq(used[K_qdq_add], 1);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

/* GlobalAveragePool on int8: means 2.5 -> 2 (half to even) and 3. */
START_TEST(test_qdq_global_avgpool_half_even)
{
	static const int8_t x[8] = {1, 2, 3, 4, 1, 2, 3, 6}, want[2] = {2, 3};
	int8_t y[2];
	int used[NKERNEL] = {0};
	Graph *g = gnew();

	gin(g, "x", DT_I8, 4, D(1, 2, 2, 2));
	gscalar_f(g, "s", 0.1f);
	gscalar_q(g, "z", DT_I8, 0);
	N(g, "DequantizeLinear", "dq", "xf", "x", "s", "z");
	N(g, "GlobalAveragePool", "gap0", "p", "xf");
	N(g, "QuantizeLinear", "q0", "y", "p", "s", "z");
	gout(g, "y");
	run_ok(g, (const void *[]){x}, (void *[]){y}, used);
	ck_assert_int_eq(used[K_qdq_avgpool], 1);
	ck_assert_int_eq(y[0], want[0]);
	ck_assert_int_eq(y[1], want[1]);
	graph_free(g);
}
END_TEST

/* MaxPool with equal parameters runs on the codes (no requantization);
 * Concat requantizes the part whose scale differs: b codes {3, 5, -3}
 * at 0.5 are 1.5, 2.5, -1.5 -> {2, 2, -2} at scale 1. */
START_TEST(test_qdq_maxpool_and_concat_move_codes)
{
	static const int8_t a[4] = {-7, 9, 4, 1}, b[3] = {3, 5, -3}, want[4] = {9, 2, 2, -2};
	int8_t y[4];
	int used[NKERNEL] = {0};
	Graph *g = gnew();
	Node *n;

	gin(g, "a", DT_I8, 3, D(1, 1, 4));
	gin(g, "b", DT_I8, 3, D(1, 1, 3));
	gscalar_f(g, "s1", 1.0f);
	gscalar_f(g, "s2", 0.5f);
	gscalar_q(g, "z", DT_I8, 0);
	N(g, "DequantizeLinear", "dqa", "af", "a", "s1", "z");
	n = N(g, "MaxPool", "mp0", "m", "af");
	tg_attr_ints(g, n, "kernel_shape", 1, D(4));
	N(g, "QuantizeLinear", "qm", "mq", "m", "s1", "z");
	N(g, "DequantizeLinear", "dqm", "mf", "mq", "s1", "z");
	N(g, "DequantizeLinear", "dqb", "bf", "b", "s2", "z");
	n = N(g, "Concat", "cat0", "c", "mf", "bf");
	tg_attr_int(g, n, "axis", 2);
	N(g, "QuantizeLinear", "q0", "y", "c", "s1", "z");
	gout(g, "y");
	run_ok(g, (const void *[]){a, b}, (void *[]){y}, used);
	ck_assert_int_eq(count_op(g, OP_MAXPOOL), 1);
	ck_assert_int_eq(count_op(g, OP_QDQREQUANT), 1);
	ck_assert_int_eq(count_op(g, OP_QUANTIZELINEAR) + count_op(g, OP_DEQUANTIZELINEAR), 0);
	ck_assert_int_eq(used[K_maxpool_i8], 1);
	ck_assert_int_eq(used[K_qdq_requant], 1);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

/* Patterns that do not match stay float: a Conv whose output is not
 * quantized, and its constant weight DequantizeLinear is folded. */
START_TEST(test_qdq_unmatched_stays_float)
{
	static const int8_t x[3] = {2, 4, 6}, w[2] = {1, -1};
	float y[2];
	int used[NKERNEL] = {0};
	Graph *g = gnew();

	gin(g, "x", DT_I8, 3, D(1, 1, 3));
	gscalar_f(g, "s", 0.5f);
	gconst(g, "wq", DT_I8, 3, D(1, 1, 2), w);
	N(g, "DequantizeLinear", "dqx", "xf", "x", "s", NULL);
	N(g, "DequantizeLinear", "dqw", "wf", "wq", "s", NULL);
	N(g, "Conv", "conv0", "y", "xf", "wf");
	gout(g, "y");
	run_ok(g, (const void *[]){x}, (void *[]){y}, used);
	ck_assert_int_eq(count_op(g, OP_CONV), 1);
	ck_assert_int_eq(count_op(g, OP_DEQUANTIZELINEAR), 1);   /* x's; w's was folded */
	ck_assert(graph_find(g, "wf")->init != NULL);
	/* x {1, 2, 3}, w {0.5, -0.5}: 0.5 * 1 - 0.5 * 2 = -0.5, likewise */
	ck_assert_float_close(y[0], -0.5, 0);
	ck_assert_float_close(y[1], -0.5, 0);
	graph_free(g);
}
END_TEST

/* The ONNX spec's QLinearConv example with constant parameters: uint8
 * weights with zero point 255 (stored as int16 w - z_w), fast kernel. */
START_TEST(test_qdq_qlinearconv_spec_constants)
{
	static const uint8_t x[49] = {255, 174, 162, 25, 203, 168, 58, 15, 59, 237, 95, 129, 0, 64,
		56, 242, 153, 221, 168, 12, 166, 232, 178, 186, 195, 237, 162, 237, 188, 39, 124, 77,
		80, 102, 43, 127, 230, 21, 83, 41, 40, 134, 255, 154, 92, 141, 42, 148, 247};
	static const uint8_t want[49] = {0, 81, 93, 230, 52, 87, 197, 240, 196, 18, 160, 126, 255,
		191, 199, 13, 102, 34, 87, 243, 89, 23, 77, 69, 60, 18, 93, 18, 67, 216, 131, 178, 175,
		153, 212, 128, 25, 234, 172, 214, 215, 121, 0, 101, 163, 114, 213, 107, 8};
	static const uint8_t w = 0, wzp = 255;
	static const float ws = 0.00172794575f;
	uint8_t y[49];
	int used[NKERNEL] = {0};
	Graph *g = gnew();

	gin(g, "x", DT_U8, 4, D(1, 1, 7, 7));
	gscalar_f(g, "xs", 0.00369204697f);
	gscalar_q(g, "xz", DT_U8, 132);
	gconst(g, "w", DT_U8, 4, D(1, 1, 1, 1), &w);
	gconst(g, "ws", DT_F32, 1, D(1), &ws);
	gconst(g, "wz", DT_U8, 1, D(1), &wzp);
	gscalar_f(g, "ys", 0.00162681262f);
	gscalar_q(g, "yz", DT_U8, 123);
	N(g, "QLinearConv", "qc0", "y", "x", "xs", "xz", "w", "ws", "wz", "ys", "yz");
	gout(g, "y");
	run_ok(g, (const void *[]){x}, (void *[]){y}, used);
	ck_assert_int_eq(used[K_qdq_conv_fast], 1);
	for (int i = 0; i < 49; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

/* ---- errors ---- */

/* A QdqRequant (made only by passes/qdq.c, which checks its scales) with
 * a scale ratio of 2^31 or more is refused by the lowering, naming it. */
START_TEST(test_qdq_lower_errors_name_node)
{
	static const char *const ops[] = {"QdqRequant", "QdqAvgPool", "QdqAdd"};

	for (int k = 0; k < 3; k++) {
		Graph *g = gnew();
		Diag d = diag_capture();
		Node *n;
		gin(g, "x", DT_I8, 4, D(1, 1, 2, 2));
		gscalar_f(g, "big", 1e10f);
		gscalar_f(g, "one", 1.0f);
		gscalar_q(g, "z", DT_I8, 0);
		if (k == 2)
			n = N(g, ops[k], "bad0", "y", "x", "big", "z", "x", "one", "z", "one", "z");
		else
			n = N(g, ops[k], "bad0", "y", "x", "big", "z", "one", "z");
		n->op = op_lookup(ops[k]);
		n->domain = "axcc";
		if (k == 1)
			tg_attr_ints(g, n, "kernel_shape", 2, D(2, 2));
		gout(g, "y");
		ck_assert_int_eq(optab[n->op].infer(n, &d), 0);
		g->valid = IR_SHAPES | IR_CANON;
		ck_assert_ptr_null(prog_lower(g, &d));
		ck_assert_msg(strstr(d.all, "node 'bad0'") != NULL, "%s", d.all);
		graph_free(g);
	}
}
END_TEST

static Suite *
qdq_suite(void)
{
	Suite *s = suite_create("qdq");
	TCase *tc = tcase_create("arith");

	tcase_add_test(tc, test_qdq_mult_exact);
	tcase_add_test(tc, test_qdq_rshift_half_even);
	suite_add_tcase(s, tc);
	tc = tcase_create("kernels");
	tcase_add_test(tc, test_qdq_conv_fast_matches_reference_and_real);
	tcase_add_test(tc, test_qdq_gemm_fast_matches_reference_and_real);
	suite_add_tcase(s, tc);
	tc = tcase_create("patterns");
	tcase_add_test(tc, test_qdq_conv_relu_becomes_qlinearconv);
	tcase_add_test(tc, test_qdq_matmul_ties_to_even);
	tcase_add_test(tc, test_qdq_add_relu);
	tcase_add_test(tc, test_qdq_global_avgpool_half_even);
	tcase_add_test(tc, test_qdq_maxpool_and_concat_move_codes);
	tcase_add_test(tc, test_qdq_unmatched_stays_float);
	tcase_add_test(tc, test_qdq_qlinearconv_spec_constants);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_qdq_lower_errors_name_node);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(qdq_suite());
}
