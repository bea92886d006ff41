/* test_fixed.c: fixed-point formats (passes/fixed.c, fixplan.c, calib.c,
 * compile --quantize) -- plan files round trip; fixed_apply's boundary
 * nodes on small models; a quantized CNN against an independent integer
 * reference written here from APPROX.md §3 and docs/FIXED_POINT.md (codes,
 * int64 sums, round half to even, saturation) for uniform and mixed
 * formats; io "raw"; float islands; weights-only plans; the calibration
 * methods against independent computations (max |logits| of ONNX Runtime,
 * percentiles of a known distribution, brute-force MSE, KL on constructed
 * histograms); the optimizer's one-layer moves; and, end to end, the
 * generated C bit-exact with the interpreter (axcc verify --plan) and
 * `compile --plan` reproducing `compile --quantize` byte for byte. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "axrt.h"
#include "calib.h"
#include "data.h"
#include "driver.h"
#include "onnxbuild.h"
#include "testutil.h"

#define FMNIST AXCC_SOURCE_DIR "/examples/fmnist/fmnist_cnn.onnx"
#define IMAGES AXCC_SOURCE_DIR "/examples/fmnist/data/images.npy"
#define LOGITS AXCC_SOURCE_DIR "/examples/fmnist/data/logits.npy"
#define AXCC AXCC_BINARY_DIR "/axcc"

/* deterministic values in [-1, 1) */
static float
lcg(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* ---- the small CNN: x[1,1,6,6] -> Conv(3, 3x3, pad 1) + Relu -> MaxPool 2x2
 * -> Flatten -> Gemm(27 -> 4, transB) -> y ---- */
static float W1[27], B1[3], W2[4 * 27], B2[4];

static char *
cnn_model(void)
{
	unsigned s = 7;
	for (int i = 0; i < 27; i++)
		W1[i] = 0.8f * lcg(&s);
	for (int i = 0; i < 3; i++)
		B1[i] = 0.3f * lcg(&s);
	for (int i = 0; i < 108; i++)
		W2[i] = 0.5f * lcg(&s);
	for (int i = 0; i < 4; i++)
		B2[i] = 0.2f * lcg(&s);
	char *dir = tg_tmpdir("fx"), *path = malloc(strlen(dir) + 16);
	sprintf(path, "%s/cnn.onnx", dir);
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 4, (int64_t[]){1, 1, 6, 6});
	mb_init_f32(b, "W1", 4, (int64_t[]){3, 1, 3, 3}, W1, -1);
	mb_init_f32(b, "B1", 1, (int64_t[]){3}, B1, -1);
	mb_init_f32(b, "W2", 2, (int64_t[]){4, 27}, W2, -1);
	mb_init_f32(b, "B2", 1, (int64_t[]){4}, B2, -1);
	Onnx__NodeProto *c = mb_node(b, "Conv", "conv", "x,W1,B1", "c");
	mb_attr_ints(b, c, "pads", 4, (int64_t[]){1, 1, 1, 1});
	mb_attr_ints(b, c, "kernel_shape", 2, (int64_t[]){3, 3});
	mb_node(b, "Relu", "relu", "c", "r");
	Onnx__NodeProto *m = mb_node(b, "MaxPool", "pool", "r", "p");
	mb_attr_ints(b, m, "kernel_shape", 2, (int64_t[]){2, 2});
	mb_attr_ints(b, m, "strides", 2, (int64_t[]){2, 2});
	mb_node(b, "Flatten", "flat", "p", "f");
	Onnx__NodeProto *gm = mb_node(b, "Gemm", "fc", "f,W2,B2", "y");
	mb_attr_int(b, gm, "transB", 1);
	mb_output(b, "y");
	ck_assert_int_eq(mb_write(b, path), 0);
	mb_free(b);
	free(dir);
	return path;
}

static Graph *
load(const char *path)
{
	Options o = {0};
	o.model = path;
	o.quiet = 1;
	Diag d = diag_capture();
	Graph *g = load_model(&o, &d);
	ck_assert_msg(g != NULL, "%s", d.all);
	return g;
}

/* Runs graph g (one input, one output) in the interpreter. */
static void
run_graph(Graph *g, const void *x, void *y)
{
	Diag d = diag_capture();
	Program *p = prog_lower(g, &d);
	ck_assert_msg(p != NULL, "%s", d.all);
	prog_plan(p);
	void *arena = aligned_alloc(64, (p->arena_bytes + 63) / 64 * 64 + 64);
	const void *in[1] = {x};
	void *out[1] = {y};
	ck_assert_int_eq(prog_run(p, in, out, arena), 0);
	free(arena);
	prog_free(p);
}

static int
count_op(const Graph *g, int op)
{
	int k = 0;
	for (int i = 0; i < g->nnode; i++)
		k += !g->node[i]->dead && g->node[i]->op == op;
	return k;
}

static Node *
node_named(const Graph *g, const char *name)
{
	for (int i = 0; i < g->nnode; i++)
		if (!g->node[i]->dead && !strcmp(g->node[i]->name, name))
			return g->node[i];
	return NULL;
}

/* ---- the independent integer reference (APPROX.md §3) ---- */

static double
rne(double r)
{
	double f = floor(r), d = r - f;
	if (d > 0.5 || (d == 0.5 && fmod(f, 2.0) != 0))
		f += 1;
	return f;
}

/* v * 2^-s rounded (half even or floor), exact in double for |v| < 2^52 */
static int64_t
rshift(int64_t v, int s, int trunc)
{
	double r = ldexp((double)v, -s);
	return (int64_t)(trunc ? floor(r) : rne(r));
}

static int64_t
sat(int64_t v, int bits)
{
	int64_t hi = ((int64_t)1 << (bits - 1)) - 1;
	return v > hi ? hi : v < -hi - 1 ? -hi - 1 : v;
}

static int64_t
quant(double x, int bits, int f, int trunc)
{
	double r = ldexp(x, f);
	return sat((int64_t)(trunc ? floor(r) : rne(r)), bits);
}

typedef struct Fmts {
	int bx, fx;            /* input */
	int bw1, fw1;          /* conv weights */
	int b1, f1;            /* conv + relu output */
	int bp, fp;            /* MaxPool output */
	int bf, ff;            /* Flatten output */
	int bw2, fw2;          /* Gemm weights */
	int by, fy;            /* Gemm output */
	int trunc;
} Fmts;

/* The CNN on codes, as APPROX §3 and the kernels' contract define it. */
static void
cnn_ref(const Fmts *F, const float *x, float *y)
{
	int64_t xq[36], r[3 * 36], p[27], fl[27];
	for (int i = 0; i < 36; i++)
		xq[i] = quant(x[i], F->bx, F->fx, F->trunc);
	for (int o = 0; o < 3; o++)
		for (int i = 0; i < 6; i++)
			for (int j = 0; j < 6; j++) {
				int64_t acc = (int64_t)rne(ldexp(B1[o], F->fx + F->fw1));
				for (int u = 0; u < 3; u++)
					for (int v = 0; v < 3; v++) {
						int ii = i + u - 1, jj = j + v - 1;
						if (ii < 0 || ii >= 6 || jj < 0 || jj >= 6)
							continue;
						acc += xq[ii * 6 + jj] * quant(W1[o * 9 + u * 3 + v], F->bw1, F->fw1, F->trunc);
					}
				int64_t c = sat(rshift(acc, F->fx + F->fw1 - F->f1, F->trunc), F->b1);
				r[o * 36 + i * 6 + j] = c < 0 ? 0 : c;     /* fused Relu */
			}
	for (int o = 0; o < 3; o++)
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++) {
				int64_t m = INT64_MIN;
				for (int u = 0; u < 2; u++)
					for (int v = 0; v < 2; v++) {
						int64_t c = r[o * 36 + (2 * i + u) * 6 + 2 * j + v];
						m = c > m ? c : m;
					}
				p[o * 9 + i * 3 + j] = sat(rshift(m, F->f1 - F->fp, F->trunc), F->bp);
			}
	for (int k = 0; k < 27; k++)
		fl[k] = sat(rshift(p[k], F->fp - F->ff, F->trunc), F->bf);
	for (int n = 0; n < 4; n++) {
		int64_t acc = (int64_t)rne(ldexp(B2[n], F->ff + F->fw2));
		for (int k = 0; k < 27; k++)
			acc += fl[k] * quant(W2[n * 27 + k], F->bw2, F->fw2, F->trunc);
		y[n] = (float)ldexp((double)sat(rshift(acc, F->ff + F->fw2 - F->fy, F->trunc), F->by), -F->fy);
	}
}

/* The plan of formats F for the CNN (hand-made: no calibration). */
static Plan *
cnn_plan(const Fmts *F)
{
	Plan *pl = plan_new();
	pl->rounding = F->trunc ? AXRT_FIXED_TRUNC : AXRT_FIXED_NEAREST;
	PlanLayer *L = plan_layer_add(pl, "conv", "Conv");
	L->nch = 3;
	L->wbits = F->bw1;
	L->nwfrac = 1;
	L->wfrac = arena_alloc(pl->a, sizeof(int));
	L->wfrac[0] = F->fw1;
	L = plan_layer_add(pl, "fc", "Gemm");
	L->nch = 4;
	L->wbits = F->bw2;
	L->nwfrac = 1;
	L->wfrac = arena_alloc(pl->a, sizeof(int));
	L->wfrac[0] = F->fw2;
	static const char *const name[] = {"x", "r", "p", "f", "y"};
	int bits[] = {F->bx, F->b1, F->bp, F->bf, F->by}, frac[] = {F->fx, F->f1, F->fp, F->ff, F->fy};
	for (int i = 0; i < 5; i++) {
		PlanTensor *t = plan_tensor_add(pl, name[i]);
		t->f.bits = bits[i];
		t->f.frac = frac[i];
	}
	return pl;
}

/* Applies F to the CNN and compares 20 random inputs with cnn_ref bit for
 * bit; returns the graph for further checks (caller frees). */
static Graph *
check_cnn(const char *path, const Fmts *F)
{
	Graph *g = load(path);
	Plan *pl = cnn_plan(F);
	Diag d = diag_capture();
	ck_assert_msg(plan_apply(g, pl, &d) == 0, "%s", d.all);
	ck_assert_msg(graph_verify(g, &d) == 0, "%s", d.all);
	plan_free(pl);
	unsigned s = 99;
	for (int k = 0; k < 20; k++) {
		float x[36], y[4], ref[4];
		for (int i = 0; i < 36; i++)
			x[i] = 1.5f * lcg(&s);
		run_graph(g, x, y);
		cnn_ref(F, x, ref);
		for (int n = 0; n < 4; n++)
			ck_assert_msg(y[n] == ref[n], "sample %d y[%d] = %.9g, reference %.9g", k, n, y[n], ref[n]);
	}
	return g;
}

START_TEST(test_fixed_cnn_uniform_bit_exact)
{
	char *path = cnn_model();
	Fmts F = {8, 6, 8, 7, 8, 4, 8, 4, 8, 4, 8, 7, 8, 3, 0};
	Graph *g = check_cnn(path, &F);
	/* one quantize at the input, one dequantize at the output, nothing else:
	 * MaxPool and Flatten keep the format */
	ck_assert_int_eq(count_op(g, OP_FXQUANTIZE), 1);
	ck_assert_int_eq(count_op(g, OP_FXDEQUANTIZE), 1);
	ck_assert_int_eq(count_op(g, OP_FXREQUANT), 0);
	ck_assert_int_eq(g->input[0]->dtype, DT_F32);
	ck_assert_int_eq(g->output[0]->dtype, DT_F32);
	ck_assert_str_eq(g->output[0]->name, "y");
	Node *c = node_named(g, "conv");
	ck_assert_int_eq(c->in[0]->dtype, DT_I8);
	ck_assert_int_eq(c->out[0]->dtype, DT_I8);
	ck_assert_int_eq(c->in[1]->qbits, 8);
	graph_free(g);
	free(path);
}
END_TEST

START_TEST(test_fixed_cnn_mixed_bit_exact)
{
	char *path = cnn_model();
	/* every tensor its own width and fraction: 4-bit (packed) conv weights,
	 * a 12-bit conv output requantized by MaxPool to 6 bits, Flatten to 7,
	 * 3-bit Gemm weights, a 16-bit output */
	Fmts F = {10, 8, 4, 3, 12, 8, 6, 2, 7, 3, 3, 2, 16, 10, 0};
	Graph *g = check_cnn(path, &F);
	ck_assert_int_eq(node_named(g, "conv")->out[0]->dtype, DT_I16);
	ck_assert_int_eq(node_named(g, "pool")->out[0]->dtype, DT_I8);
	graph_free(g);
	/* negative fractions and truncation */
	Fmts T = {8, 5, 5, 3, 8, -1, 8, 0, 9, 1, 6, 4, 8, 2, 1};
	graph_free(check_cnn(path, &T));
	Fmts N = {2, 1, 2, 1, 3, 1, 2, 0, 2, 0, 2, 1, 4, 0, 0};
	graph_free(check_cnn(path, &N));
	free(path);
}
END_TEST

/* Float graph output y0 and the quantized output y: SNR in dB. */
static double
snr(const float *y0, const float *y, int n)
{
	double s = 0, e = 0;
	for (int i = 0; i < n; i++) {
		s += (double)y0[i] * y0[i];
		e += ((double)y[i] - y0[i]) * ((double)y[i] - y0[i]);
	}
	return e == 0 ? 1e9 : 10 * log10(s / e);
}

/* x[1,4,2,2] -> Conv 1x1 -> Transpose(0,1,3,2) -> Sin -> Flatten -> Gemm:
 * Transpose moves codes (FxRequant when its formats differ), Sin has no
 * integer kernel (a float island between FxDequantize and FxQuantize). */
static char *
island_model(void)
{
	static float w[16], b[4], w2[3 * 16];
	unsigned s = 3;
	for (int i = 0; i < 16; i++)
		w[i] = lcg(&s);
	for (int i = 0; i < 4; i++)
		b[i] = 0.1f * lcg(&s);
	for (int i = 0; i < 48; i++)
		w2[i] = lcg(&s);
	char *dir = tg_tmpdir("fx"), *path = malloc(strlen(dir) + 16);
	sprintf(path, "%s/isl.onnx", dir);
	MB *m = mb_new(13);
	mb_input(m, "x", 1, 4, (int64_t[]){1, 4, 2, 2});
	mb_init_f32(m, "w", 4, (int64_t[]){4, 4, 1, 1}, w, -1);
	mb_init_f32(m, "b", 1, (int64_t[]){4}, b, -1);
	mb_init_f32(m, "w2", 2, (int64_t[]){16, 3}, w2, -1);
	mb_node(m, "Conv", "conv", "x,w,b", "c");
	Onnx__NodeProto *t = mb_node(m, "Transpose", "tr", "c", "t");
	mb_attr_ints(m, t, "perm", 4, (int64_t[]){0, 1, 3, 2});
	mb_node(m, "Sin", "sin", "t", "s");
	mb_node(m, "Flatten", "flat", "s", "f");
	mb_node(m, "Gemm", "fc", "f,w2", "y");
	mb_output(m, "y");
	ck_assert_int_eq(mb_write(m, path), 0);
	mb_free(m);
	free(dir);
	return path;
}

static void
add_t(Plan *pl, const char *name, int bits, int frac)
{
	PlanTensor *t = plan_tensor_add(pl, name);
	t->f.bits = bits;
	t->f.frac = frac;
}

static void
add_w(Plan *pl, const char *name, const char *op, int nch, int bits, int frac)
{
	PlanLayer *L = plan_layer_add(pl, name, op);
	L->nch = nch;
	L->wbits = bits;
	L->nwfrac = 1;
	L->wfrac = arena_alloc(pl->a, sizeof(int));
	L->wfrac[0] = frac;
}

START_TEST(test_fixed_requant_and_float_island)
{
	char *path = island_model();
	Graph *g0 = load(path);
	float x[16], y0[3], y[3];
	unsigned s = 5;
	for (int i = 0; i < 16; i++)
		x[i] = lcg(&s);
	run_graph(g0, x, y0);
	graph_free(g0);

	Graph *g = load(path);
	Plan *pl = plan_new();
	add_w(pl, "conv", "Conv", 4, 12, 11);
	add_w(pl, "fc", "Gemm", 3, 12, 11);
	add_t(pl, "x", 12, 11);
	add_t(pl, "c", 12, 9);
	add_t(pl, "t", 12, 10);    /* differs from c: FxRequant before the Transpose */
	add_t(pl, "s", 12, 11);
	add_t(pl, "f", 12, 11);
	add_t(pl, "y", 12, 8);
	Diag d = diag_capture();
	ck_assert_msg(plan_apply(g, pl, &d) == 0, "%s", d.all);
	ck_assert_msg(graph_verify(g, &d) == 0, "%s", d.all);
	ck_assert_int_eq(count_op(g, OP_FXREQUANT), 1);
	Node *tr = node_named(g, "tr"), *sn = node_named(g, "sin");
	ck_assert_int_eq(tr->in[0]->def->op, OP_FXREQUANT);
	ck_assert_int_eq(tr->in[0]->qfrac, 10);
	/* Sin reads floats, its output is quantized for Flatten */
	ck_assert_int_eq(sn->in[0]->dtype, DT_F32);
	ck_assert_int_eq(sn->in[0]->def->op, OP_FXDEQUANTIZE);
	ck_assert_int_eq(sn->out[0]->dtype, DT_F32);
	ck_assert_int_eq(node_named(g, "flat")->in[0]->def->op, OP_FXQUANTIZE);
	/* x, s quantized; t dequantized for Sin, y at the output */
	ck_assert_int_eq(count_op(g, OP_FXQUANTIZE), 2);
	ck_assert_int_eq(count_op(g, OP_FXDEQUANTIZE), 2);
	run_graph(g, x, y);
	ck_assert_msg(snr(y0, y, 3) > 40, "SNR %.1f dB", snr(y0, y, 3));
	graph_free(g);
	plan_free(pl);
	free(path);
}
END_TEST

START_TEST(test_fixed_io_raw)
{
	char *path = cnn_model();
	Fmts F = {8, 6, 8, 7, 8, 4, 8, 4, 8, 4, 8, 7, 8, 3, 0};
	Graph *g = load(path);
	Plan *pl = cnn_plan(&F);
	pl->io_raw = 1;
	Diag d = diag_capture();
	ck_assert_msg(plan_apply(g, pl, &d) == 0, "%s", d.all);
	ck_assert_int_eq(g->input[0]->dtype, DT_I8);
	ck_assert_int_eq(g->input[0]->qfrac, 6);
	ck_assert_int_eq(g->output[0]->dtype, DT_I8);
	ck_assert_int_eq(g->output[0]->qfrac, 3);
	ck_assert_int_eq(count_op(g, OP_FXQUANTIZE) + count_op(g, OP_FXDEQUANTIZE), 0);
	/* codes in, codes out: the reference's outputs as codes */
	unsigned s = 1;
	for (int k = 0; k < 10; k++) {
		float x[36], ref[4];
		int8_t xq[36], yq[4];
		for (int i = 0; i < 36; i++) {
			x[i] = lcg(&s);
			xq[i] = (int8_t)quant(x[i], 8, 6, 0);
			x[i] = (float)ldexp(xq[i], -6);
		}
		run_graph(g, xq, yq);
		cnn_ref(&F, x, ref);
		for (int n = 0; n < 4; n++)
			ck_assert_int_eq(yq[n], (int)ldexp(ref[n], 3));
	}
	/* the header gives the formats */
	char *dir = tg_tmpdir("fx");
	Program *p = prog_lower(g, &d);
	ck_assert_ptr_nonnull(p);
	prog_plan(p);
	CodegenOpts co = {"cnn", "cnn.onnx", 0};
	ck_assert_int_eq(codegen_write(p, &co, dir, &d), 0);
	char hp[512];
	snprintf(hp, sizeof hp, "%s/cnn.h", dir);
	char *h = tg_slurp(hp, NULL);
	ck_assert_ptr_nonnull(strstr(h, "#define CNN_INPUT_FRAC 6"));
	ck_assert_ptr_nonnull(strstr(h, "#define CNN_INPUT_BITS 8"));
	ck_assert_ptr_nonnull(strstr(h, "#define CNN_OUTPUT_FRAC 3"));
	ck_assert_ptr_nonnull(strstr(h, "int8_t"));
	free(h);
	prog_free(p);
	tg_sh("rm -rf %s", dir);
	free(dir);
	plan_free(pl);
	graph_free(g);
	free(path);
}
END_TEST

START_TEST(test_fixed_weights_only)
{
	char *path = cnn_model();
	Graph *g = load(path);
	Plan *pl = plan_new();
	add_w(pl, "conv", "Conv", 3, 3, 2);
	Diag d = diag_capture();
	ck_assert_msg(plan_apply(g, pl, &d) == 0, "%s", d.all);
	/* no activation formats: the conv stays float with 3-bit weights */
	Node *c = node_named(g, "conv");
	ck_assert_int_eq(c->in[0]->dtype, DT_F32);
	const float *w = c->in[1]->init;
	for (int i = 0; i < 27; i++) {
		double want = ldexp((double)quant(W1[i], 3, 2, 0), -2);
		ck_assert_msg(w[i] == (float)want, "w[%d] = %g (from %g), expected %g", i, w[i], W1[i], want);
	}
	ck_assert_int_eq(count_op(g, OP_FXQUANTIZE) + count_op(g, OP_FXDEQUANTIZE), 0);
	graph_free(g);
	plan_free(pl);
	free(path);
}
END_TEST

/* Per-channel weight formats are indexed by the original channels; a
 * pruned channel's entry is skipped. */
START_TEST(test_fixed_per_channel_after_pruning)
{
	char *path = cnn_model();
	Graph *g = load(path);
	Plan *pl = plan_new();
	PlanLayer *L = plan_layer_add(pl, "conv", "Conv");
	L->nch = 3;
	L->wbits = 6;
	L->nwfrac = 3;
	L->wfrac = arena_alloc(pl->a, 3 * sizeof(int));
	L->wfrac[0] = 4;
	L->wfrac[1] = 9;
	L->wfrac[2] = 6;
	L->nremoved = 1;
	L->removed = arena_alloc(pl->a, sizeof(int));
	L->removed[0] = 1;
	Diag d = diag_capture();
	ck_assert_msg(plan_apply(g, pl, &d) == 0, "%s", d.all);
	Node *c = node_named(g, "conv");
	ck_assert_int_eq(c->out[0]->dim[1], 2);
	/* no activation formats: float conv, weights quantized per channel */
	const float *w = c->in[1]->init;
	for (int o = 0; o < 2; o++) {
		int src = o == 0 ? 0 : 2, f = o == 0 ? 4 : 6;
		for (int k = 0; k < 9; k++)
			ck_assert_float_close(w[o * 9 + k], ldexp((double)quant(W1[src * 9 + k], 6, f, 0), -f), 0);
	}
	graph_free(g);
	plan_free(pl);
	free(path);
}
END_TEST

START_TEST(test_fixed_errors_name_the_node)
{
	char *path = cnn_model();
	Graph *g = load(path);
	Plan *pl = plan_new();
	add_w(pl, "pool", "MaxPool", 3, 8, 4);
	Diag d = diag_capture();
	ck_assert_int_eq(plan_apply(g, pl, &d), -1);
	ck_assert_ptr_nonnull(strstr(d.all, "'pool'"));
	graph_free(g);
	plan_free(pl);
	g = load(path);
	pl = plan_new();
	add_t(pl, "W1", 8, 4);       /* a constant, not an activation */
	d = diag_capture();
	ck_assert_int_eq(plan_apply(g, pl, &d), -1);
	ck_assert_ptr_nonnull(strstr(d.all, "'W1'"));
	graph_free(g);
	plan_free(pl);
	free(path);
}
END_TEST

START_TEST(test_fixed_plan_roundtrip)
{
	Plan *pl = plan_new();
	pl->model = "m.onnx";
	pl->rounding = AXRT_FIXED_TRUNC;
	pl->io_raw = 1;
	add_w(pl, "a", "Conv", 3, 4, -2);
	PlanLayer *L = plan_layer_add(pl, "b", "Gemm");
	L->nch = 3;
	L->wbits = 6;
	L->nwfrac = 3;
	L->wfrac = arena_alloc(pl->a, 3 * sizeof(int));
	L->wfrac[0] = 5;
	L->wfrac[1] = -1;
	L->wfrac[2] = 17;
	add_t(pl, "t0", 16, 20);
	add_t(pl, "t1", 2, -3);
	char *dir = tg_tmpdir("fx"), path[512];
	snprintf(path, sizeof path, "%s/p.json", dir);
	Diag d = diag_capture();
	ck_assert_int_eq(plan_write(pl, path, &d), 0);
	Plan *q = plan_read(path, &d);
	ck_assert_msg(q != NULL, "%s", d.all);
	ck_assert_int_eq(q->rounding, AXRT_FIXED_TRUNC);
	ck_assert_int_eq(q->io_raw, 1);
	ck_assert_int_eq(plan_layer(q, "a")->wfrac[0], -2);
	ck_assert_int_eq(plan_layer(q, "b")->nwfrac, 3);
	ck_assert_int_eq(plan_layer(q, "b")->wfrac[2], 17);
	ck_assert_int_eq(plan_tensor(q, "t1")->f.frac, -3);
	ck_assert_int_eq(plan_tensor(q, "t0")->f.bits, 16);
	char *a = plan_json(pl), *b = plan_json(q);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	plan_free(q);
	plan_free(pl);
	tg_sh("rm -rf %s", dir);
	free(dir);
}
END_TEST

/* ---- calibration ---- */

typedef struct Set { float *x; int n; } Set;

static Set
images(int n)
{
	Set s = {0};
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	ck_assert_int_eq(data_read(IMAGES, a, &t, &d), 0);
	s.n = n;
	s.x = malloc((size_t)n * 784 * sizeof *s.x);
	memcpy(s.x, t.init, (size_t)n * 784 * sizeof *s.x);
	arena_free(a);
	return s;
}

START_TEST(test_calib_max_matches_onnxruntime)
{
	Graph *g = load(FMNIST);
	Set s = images(200);
	CalibOpts o = {CALIB_MAX, 0, 0, 0, 2};
	Diag d = diag_capture();
	Calib *c = calib_run(g, s.x, 784, s.n, &o, &d);
	ck_assert_msg(c != NULL, "%s", d.all);
	/* max |logits| over the same 200 images from ONNX Runtime's outputs */
	Arena *a = arena_new();
	Tensor t;
	ck_assert_int_eq(data_read(LOGITS, a, &t, &d), 0);
	double m = 0, mx = 0;
	for (int i = 0; i < 200 * 10; i++)
		m = fmax(m, fabs(((const float *)t.init)[i]));
	for (int i = 0; i < 200 * 784; i++)
		mx = fmax(mx, fabs(s.x[i]));
	ck_assert_float_close(calib_amax(c, "logits"), m, 1e-4 * m);
	ck_assert_float_close(calib_amax(c, "input"), mx, 0);
	ck_assert_float_close(calib_clip(c, "logits", 8), calib_amax(c, "logits"), 0);
	ck_assert(calib_amax(c, "no such tensor") < 0);
	arena_free(a);
	calib_free(c);
	free(s.x);
	graph_free(g);
}
END_TEST

/* x[1,1000] -> Relu -> y with |x| uniform on a grid: the percentile of |x|
 * is known in closed form. */
START_TEST(test_calib_percentile_known)
{
	char *dir = tg_tmpdir("fx"), path[512];
	snprintf(path, sizeof path, "%s/relu.onnx", dir);
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, (int64_t[]){1, 1000});
	mb_node(b, "Relu", "relu", "x", "y");
	mb_output(b, "y");
	ck_assert_int_eq(mb_write(b, path), 0);
	mb_free(b);
	Graph *g = load(path);
	int n = 100;
	float *x = malloc((size_t)n * 1000 * sizeof *x);
	/* 100000 values k/100000, k = 1..100000, sign alternating */
	for (int k = 0; k < n * 1000; k++)
		x[k] = (float)((k + 1) / 100000.0) * (k % 2 ? -1.0f : 1.0f);
	Diag d = diag_capture();
	for (int th = 1; th <= 2; th++) {
		CalibOpts o = {CALIB_PERCENTILE, 99.0, 0, 0, th};
		Calib *c = calib_run(g, x, 1000, n, &o, &d);
		ck_assert_msg(c != NULL, "%s", d.all);
		/* input: 99% of |x| lie below 0.99 */
		ck_assert_float_close(calib_clip(c, "x", 8), 0.99, 1.0 / 2048);
		/* after Relu half the values are 0: the 99th percentile is 0.98 */
		ck_assert_float_close(calib_clip(c, "y", 8), 0.98, 1.0 / 2048);
		calib_free(c);
	}
	CalibOpts o = {CALIB_PERCENTILE, 0, 0, 0, 2};     /* default 99.99 */
	Calib *c = calib_run(g, x, 1000, n, &o, &d);
	ck_assert_float_close(calib_clip(c, "x", 8), 0.9999, 1.0 / 2048);
	calib_free(c);
	free(x);
	graph_free(g);
	tg_sh("rm -rf %s", dir);
	free(dir);
}
END_TEST

/* Laplace-distributed samples (inverse CDF on a grid): the MSE method's
 * format equals the one a brute force over the samples finds. */
START_TEST(test_calib_mse_brute_force)
{
	int n = 200000;
	double *v = malloc((size_t)n * sizeof *v), amax = 0;
	for (int i = 0; i < n; i++) {
		double u = (i + 0.5) / n;
		v[i] = -log(1 - u);           /* |x| of a Laplace(0, 1) */
		amax = fmax(amax, v[i]);
	}
	uint64_t h[CALIB_NBIN] = {0};
	for (int i = 0; i < n; i++) {
		int b = (int)(v[i] / amax * CALIB_NBIN);
		h[b >= CALIB_NBIN ? CALIB_NBIN - 1 : b]++;
	}
	for (int bits = 3; bits <= 8; bits++) {
		int best = 0;
		double be = -1;
		for (int f = -4; f < 20; f++) {
			double e = 0;
			for (int i = 0; i < n; i++) {
				double q = ldexp((double)axrt_fixed_quant((float)v[i], bits, f, 0), -f);
				e += (v[i] - q) * (v[i] - q);
			}
			if (be < 0 || e < be) {
				be = e;
				best = f;
			}
		}
		double clip = calib_hist_mse(h, CALIB_NBIN, amax, bits);
		ck_assert_int_eq(axrt_fixed_fracbits((float)clip, bits), best);
	}
	free(v);
}
END_TEST

START_TEST(test_calib_kl_constructed)
{
	uint64_t h[CALIB_NBIN];
	/* uniform over the whole range: nothing to gain by clipping */
	for (int i = 0; i < CALIB_NBIN; i++)
		h[i] = 1000;
	ck_assert_float_close(calib_hist_kl(h, CALIB_NBIN, 8.0, 8), 8.0, 1e-12);
	/* a piecewise-constant histogram at the level granularity (16 bins per
	 * level at full range) is represented exactly: KL 0, no clipping,
	 * whatever the outlier */
	memset(h, 0, sizeof h);
	for (int i = 0; i < CALIB_NBIN / 8; i++)
		h[i] = 1000;
	h[CALIB_NBIN - 1] = 1;
	ck_assert_float_close(calib_hist_kl(h, CALIB_NBIN, 8.0, 8), 8.0, 1e-12);
	/* a shape that 16-bin levels smear (a steep exponential in the first
	 * eighth) and one far outlier: the threshold cuts the empty range off */
	memset(h, 0, sizeof h);
	for (int i = 0; i < CALIB_NBIN / 8; i++)
		h[i] = (uint64_t)(1e6 * exp(-i / 20.0)) + 1;
	h[CALIB_NBIN - 1] = 1;
	double t = calib_hist_kl(h, CALIB_NBIN, 8.0, 8);
	ck_assert_msg(t <= 1.0 + 1e-9, "threshold %g", t);
	/* a quadratic decay with two outliers: thresholds (in bins) from an
	 * independent NumPy port of MXNet's _get_optimal_threshold (one-sided,
	 * no smoothing) on the same histogram */
	memset(h, 0, sizeof h);
	for (int i = 0; i < 1100; i++)
		h[i] = (uint64_t)((1100 - i) * (1100 - i) / 100);
	h[1700] = 50;
	h[2047] = 2;
	ck_assert_float_close(calib_hist_kl(h, CALIB_NBIN, 16.0, 8), 1084 * 16.0 / 2048, 1e-12);
	ck_assert_float_close(calib_hist_kl(h, CALIB_NBIN, 16.0, 5), 1059 * 16.0 / 2048, 1e-12);
	ck_assert_float_close(calib_hist_kl(h, CALIB_NBIN, 16.0, 3), 981 * 16.0 / 2048, 1e-12);
	/* nothing but zeros and empty bins */
	memset(h, 0, sizeof h);
	ck_assert_float_close(calib_hist_kl(h, CALIB_NBIN, 0, 8), 0, 0);
	ck_assert_float_close(calib_hist_percentile(h, CALIB_NBIN, 1.0, 99), 0, 0);
}
END_TEST

START_TEST(test_calib_threads_agree)
{
	Graph *g = load(FMNIST);
	Set s = images(60);
	Diag d = diag_capture();
	for (int m = CALIB_MAX; m <= CALIB_KL; m++) {
		CalibOpts o1 = {(CalibMethod)m, 0, 0, 0, 1}, o2 = {(CalibMethod)m, 0, 0, 0, 2};
		Calib *a = calib_run(g, s.x, 784, s.n, &o1, &d), *b = calib_run(g, s.x, 784, s.n, &o2, &d);
		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		for (int i = 0; i < g->ntensor; i++) {
			const char *nm = g->tensor[i]->name;
			ck_assert(calib_clip(a, nm, 8) == calib_clip(b, nm, 8));
		}
		calib_free(a);
		calib_free(b);
	}
	free(s.x);
	graph_free(g);
}
END_TEST

/* ---- the optimizer's moves ---- */

START_TEST(test_fixed_moves)
{
	char *path = cnn_model();
	Graph *g = load(path);
	unsigned s = 11;
	int n = 50;
	float *x = malloc((size_t)n * 36 * sizeof *x);
	for (int i = 0; i < n * 36; i++)
		x[i] = lcg(&s);
	CalibOpts o = {CALIB_MAX, 0, 0, 0, 2};
	Diag d = diag_capture();
	Calib *c = calib_run(g, x, 36, n, &o, &d);
	ck_assert_msg(c != NULL, "%s", d.all);
	Plan *pl = plan_new();
	ck_assert_int_eq(fixed_plan_uniform(g, c, 8, 8, pl, &d), 0);
	ck_assert_int_eq(fixed_weight_bits(pl, "conv"), 8);
	ck_assert_int_eq(fixed_act_bits(g, pl, "conv"), 8);
	/* the conv weights' format from their own max */
	float am = 0;
	for (int i = 0; i < 27; i++)
		am = fmaxf(am, fabsf(W1[i]));
	ck_assert_int_eq(plan_layer(pl, "conv")->wfrac[0], 7 - (int)ceil(log2(am)));
	ck_assert_int_eq(fixed_weight_bytes(g, pl, "conv"), 27);
	ck_assert_int_eq(fixed_set_weight_bits(g, pl, "conv", 4), 0);
	ck_assert_int_eq(fixed_weight_bytes(g, pl, "conv"), 14);
	ck_assert_int_eq(fixed_set_weight_bits(g, pl, "conv", 2), 0);
	ck_assert_int_eq(fixed_weight_bytes(g, pl, "conv"), 7);
	ck_assert_int_eq(plan_layer(pl, "conv")->wfrac[0], 1 - (int)ceil(log2(am)));
	ck_assert_int_eq(fixed_set_weight_bits(g, pl, "pool", 4), -1);
	/* conv output tied to MaxPool and Flatten: one format for the three,
	 * from the largest max |x| among them (the conv output's) */
	ck_assert_int_eq(fixed_set_act_bits(g, c, pl, "conv", 5), 0);
	double ma = calib_amax(c, "r");
	int want = 4 - (int)ceil(log2(ma));
	const char *tied[] = {"r", "p", "f"};
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(plan_tensor(pl, tied[i])->f.bits, 5);
		ck_assert_int_eq(plan_tensor(pl, tied[i])->f.frac, want);
	}
	ck_assert_int_eq(plan_tensor(pl, "y")->f.bits, 8);
	ck_assert_int_eq(fixed_act_bits(g, pl, "conv"), 5);
	ck_assert_int_eq(fixed_act_bits(g, pl, "pool"), 5);
	/* 0: float again */
	ck_assert_int_eq(fixed_set_act_bits(g, c, pl, "pool", 0), 0);
	ck_assert_ptr_null(plan_tensor(pl, "r"));
	ck_assert_int_eq(fixed_set_weight_bits(g, pl, "fc", 0), 0);
	ck_assert_int_eq(fixed_weight_bytes(g, pl, "fc"), 4 * 108);
	/* the changed plan still applies to a fresh import and runs */
	Graph *h = load(path);
	ck_assert_msg(plan_apply(h, pl, &d) == 0, "%s", d.all);
	float y[4];
	run_graph(h, x, y);
	graph_free(h);
	plan_free(pl);
	calib_free(c);
	free(x);
	graph_free(g);
	free(path);
}
END_TEST

/* ---- end to end: compile --quantize, verify --plan ---- */

/* The generated C and the interpreter agree bit for bit (axcc verify
 * fails otherwise, whatever the tolerance), and --plan reproduces the
 * --quantize build byte for byte. */
static void
e2e(const char *model, const char *images, const char *logits, const char *q)
{
	char *dir = tg_tmpdir("fx");
	ck_assert_int_eq(tg_sh("%s compile -q %s --quantize %s --data %s -o %s/a --name m", AXCC, model, q,
		images, dir), 0);
	ck_assert_int_eq(tg_sh("%s compile -q %s --plan %s/a/m.plan.json -o %s/b --name m", AXCC, model,
		dir, dir), 0);
	ck_assert_int_eq(tg_sh("%s compile -q %s --quantize %s --data %s -o %s/c --name m", AXCC, model, q,
		images, dir), 0);
	const char *ext[] = {"c", "h", "plan.json"};
	for (int i = 0; i < 3; i++) {
		ck_assert_msg(tg_sh("cmp -s %s/a/m.%s %s/b/m.%s", dir, ext[i], dir, ext[i]) == 0,
			"--plan rebuild of --quantize %s differs in m.%s", q, ext[i]);
		ck_assert_msg(tg_sh("cmp -s %s/a/m.%s %s/c/m.%s", dir, ext[i], dir, ext[i]) == 0,
			"two runs of --quantize %s differ in m.%s", q, ext[i]);
	}
	ck_assert_msg(tg_sh("%s verify -q %s --plan %s/a/m.plan.json --input %s --reference %s "
		"--atol 1e9 --rtol 1e9 > %s/v.txt 2>&1", AXCC, model, dir, images, logits, dir) == 0,
		"verify --quantize %s failed", q);
	char vp[512];
	snprintf(vp, sizeof vp, "%s/v.txt", dir);
	char *v = tg_slurp(vp, NULL);
	ck_assert_msg(strstr(v, "bit-identical") != NULL, "%s", v);
	free(v);
	tg_sh("rm -rf %s", dir);
	free(dir);
}

/* io "raw": int8 codes in and out. The interpreter's codes times 2^-frac
 * are the float-I/O build's outputs exactly, and the generated C (built
 * here with a small driver, -Werror) gives the interpreter's codes. */
static const char raw_main[] =
	"#include <stdio.h>\n#include <stdlib.h>\n#include \"m.h\"\n"
	"int main(int argc, char **argv) {\n"
	"\tstatic int8_t x[1 << 20], y[1 << 16];\n"
	"\tFILE *f = fopen(argv[1], \"rb\"), *o = fopen(argv[2], \"wb\");\n"
	"\tint n = atoi(argv[3]), i;\n"
	"\tsize_t nx = (size_t)m_inputs[0].numel, ny = (size_t)m_outputs[0].numel;\n"
	"\tif (argc != 4 || !f || !o) return 1;\n"
	"\tfor (i = 0; i < n; i++) {\n"
	"\t\tconst void *in[1]; void *out[1];\n"
	"\t\tin[0] = x; out[0] = y;\n"
	"\t\tif (fread(x, 1, nx, f) != nx || m_run_ptrs(in, out) != 0) return 2;\n"
	"\t\tfwrite(y, 1, ny, o);\n\t}\n"
	"\tfclose(o);\n\tfclose(f);\n\treturn 0;\n}\n";

static void
e2e_raw(const char *model, const char *images, int nsample)
{
	char *dir = tg_tmpdir("fx"), p[512];
	ck_assert_int_eq(tg_sh("%s compile -q %s --quantize 8 --io raw --data %s -o %s/a --name m", AXCC,
		model, images, dir), 0);
	ck_assert_int_eq(tg_sh("%s compile -q %s --quantize 8 --data %s -o %s/f --name m", AXCC,
		model, images, dir), 0);
	snprintf(p, sizeof p, "%s/a/m.h", dir);
	char *h = tg_slurp(p, NULL), *in = strstr(h, "#define M_INPUT_FRAC "),
		*out = strstr(h, "#define M_OUTPUT_FRAC ");
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	int fin = atoi(in + strlen("#define M_INPUT_FRAC ")), fout = atoi(out + strlen("#define M_OUTPUT_FRAC "));
	free(h);
	Arena *a = arena_new();
	Tensor t, yr, yf;
	Diag d = diag_capture();
	ck_assert_int_eq(data_read(images, a, &t, &d), 0);
	int64_t n = tensor_numel(&t), per = n / t.dim[0];
	int8_t *q = arena_alloc(a, (size_t)n);
	for (int64_t i = 0; i < n; i++)
		q[i] = (int8_t)quant(((const float *)t.init)[i], 8, fin, 0);
	t.init = q;
	t.dtype = DT_I8;
	snprintf(p, sizeof p, "%s/x8.npy", dir);
	ck_assert_int_eq(npy_write(p, &t, &d), 0);
	snprintf(p, sizeof p, "%s/x8.bin", dir);
	ck_assert_int_eq(write_bytes(p, q, (size_t)(nsample * per)), 0);
	ck_assert_int_eq(tg_sh("%s run -q %s --plan %s/a/m.plan.json --input %s/x8.npy --output %s/y8.npy",
		AXCC, model, dir, dir, dir), 0);
	ck_assert_int_eq(tg_sh("%s run -q %s --plan %s/f/m.plan.json --input %s --output %s/yf.npy",
		AXCC, model, dir, images, dir), 0);
	snprintf(p, sizeof p, "%s/y8.npy", dir);
	ck_assert_int_eq(data_read(p, a, &yr, &d), 0);
	snprintf(p, sizeof p, "%s/yf.npy", dir);
	ck_assert_int_eq(data_read(p, a, &yf, &d), 0);
	ck_assert_int_eq(yr.dtype, DT_I8);
	ck_assert_int_eq(tensor_numel(&yr), tensor_numel(&yf));
	int64_t ny = tensor_numel(&yr);
	for (int64_t i = 0; i < ny; i++)
		ck_assert_msg(ldexp(((const int8_t *)yr.init)[i], -fout) == ((const float *)yf.init)[i],
			"output %lld: code %d, float build %g", (long long)i, ((const int8_t *)yr.init)[i],
			((const float *)yf.init)[i]);
	snprintf(p, sizeof p, "%s/a/main.c", dir);
	ck_assert_int_eq(write_bytes(p, raw_main, strlen(raw_main)), 0);
	ck_assert_int_eq(tg_sh("cd %s/a && ${CC:-cc} -std=c99 -Wall -Wextra -Wpedantic -Werror -O1 m.c main.c "
		"-lm -o prog && ./prog ../x8.bin ../yc.bin %d", dir, nsample), 0);
	snprintf(p, sizeof p, "%s/yc.bin", dir);
	size_t len = 0;
	char *yc = tg_slurp(p, &len);
	int64_t nyc = ny / yr.dim[0] * nsample;
	ck_assert_int_eq((int64_t)len, nyc);
	ck_assert_msg(memcmp(yc, yr.init, (size_t)nyc) == 0, "C codes differ from the interpreter's");
	free(yc);
	arena_free(a);
	tg_sh("rm -rf %s", dir);
	free(dir);
}

START_TEST(test_fixed_e2e_fmnist_bit_exact)
{
	e2e(FMNIST, IMAGES, LOGITS, "8");
	e2e(FMNIST, IMAGES, LOGITS, "4,8");
	e2e(FMNIST, IMAGES, LOGITS, "2,6 --per-channel --rounding trunc");
	e2e(FMNIST, IMAGES, LOGITS, "12,16 --calib mse");
	e2e(FMNIST, IMAGES, LOGITS, "8 --calib kl");
	e2e_raw(FMNIST, IMAGES, 200);
}
END_TEST

START_TEST(test_fixed_e2e_trained_bit_exact)
{
	const char *names[] = {"fmnist_vgg", "fmnist_mobilenet"};
	for (int i = 0; i < 2; i++) {
		char m[512], x[512], y[512];
		snprintf(m, sizeof m, "%s/tests/models/%s/model.onnx", AXCC_SOURCE_DIR, names[i]);
		snprintf(x, sizeof x, "%s/tests/models/%s/input_0.npy", AXCC_SOURCE_DIR, names[i]);
		snprintf(y, sizeof y, "%s/tests/models/%s/output_0.npy", AXCC_SOURCE_DIR, names[i]);
		if (access(m, R_OK) != 0 || access(x, R_OK) != 0 || access(y, R_OK) != 0)
			continue;     /* made by tools/make_fmnist_models.py */
		e2e(m, x, y, "8");
		e2e(m, x, y, "4,8 --per-channel");
	}
}
END_TEST

/* x[1,4,5,5] -> Conv 3x3 -> GlobalMaxPool -> Flatten -> Gemm: the one
 * op of the integer kernels no model case has. */
static char *
gmp_model(char *dir)
{
	static float w[6 * 4 * 9], b[6], w2[6 * 3];
	unsigned s = 9;
	for (int i = 0; i < 216; i++)
		w[i] = 0.3f * lcg(&s);
	for (int i = 0; i < 6; i++)
		b[i] = 0.1f * lcg(&s);
	for (int i = 0; i < 18; i++)
		w2[i] = lcg(&s);
	char *path = malloc(strlen(dir) + 16);
	sprintf(path, "%s/gmp.onnx", dir);
	MB *m = mb_new(13);
	mb_input(m, "input", 1, 4, (int64_t[]){-1, 4, 5, 5});
	mb_init_f32(m, "w", 4, (int64_t[]){6, 4, 3, 3}, w, -1);
	mb_init_f32(m, "b", 1, (int64_t[]){6}, b, -1);
	mb_init_f32(m, "w2", 2, (int64_t[]){6, 3}, w2, -1);
	mb_node(m, "Conv", "conv", "input,w,b", "c");
	mb_node(m, "GlobalMaxPool", "gmp", "c", "g");
	mb_node(m, "Flatten", "flat", "g", "f");
	mb_node(m, "Gemm", "fc", "f,w2", "y");
	mb_output(m, "y");
	ck_assert_int_eq(mb_write(m, path), 0);
	mb_free(m);
	/* 8 samples */
	Arena *a = arena_new();
	Tensor t = {0};
	int64_t dims[] = {8, 4, 5, 5};
	tensor_set(&t, DT_F32, 4, dims);
	float *x = arena_alloc(a, 800 * sizeof *x);
	for (int i = 0; i < 800; i++)
		x[i] = lcg(&s);
	t.init = x;
	char xp[512];
	snprintf(xp, sizeof xp, "%s/input_0.npy", dir);
	Diag d = diag_capture();
	ck_assert_int_eq(npy_write(xp, &t, &d), 0);
	arena_free(a);
	return path;
}

/* Quantizes model on its input_0.npy, checks the generated C against the
 * interpreter (axcc verify, the interpreter's outputs as the reference) and
 * marks the fx kernels the C calls in used[]. */
static void
e2e_kernels(const char *model, const char *q, char *used)
{
	char *dir = tg_tmpdir("fx"), in[600], p[600];
	snprintf(in, sizeof in, "%s", model);
	*strrchr(in, '/') = 0;
	strcat(in, "/input_0.npy");
	ck_assert_int_eq(tg_sh("%s compile -q %s --quantize %s --data %s -o %s --name m", AXCC, model, q,
		in, dir), 0);
	/* as many outputs as the case has reference files (at least one) */
	char outs[2048] = "", refs[2048] = "";
	for (int k = 0; k < 8; k++) {
		snprintf(p, sizeof p, "%s", in);
		snprintf(strrchr(p, '/'), sizeof p - (size_t)(strrchr(p, '/') - p), "/output_%d.npy", k);
		if (k > 0 && access(p, R_OK) != 0)
			break;
		snprintf(outs + strlen(outs), sizeof outs - strlen(outs), " --output %s/r%d.npy", dir, k);
		snprintf(refs + strlen(refs), sizeof refs - strlen(refs), " --reference %s/r%d.npy", dir, k);
	}
	ck_assert_int_eq(tg_sh("%s run -q %s --plan %s/m.plan.json --input %s%s", AXCC, model, dir, in,
		outs), 0);
	ck_assert_msg(tg_sh("%s verify -q %s --plan %s/m.plan.json --input %s%s > %s/v.txt 2>&1", AXCC,
		model, dir, in, refs, dir) == 0, "verify of %s --quantize %s failed", model, q);
	snprintf(p, sizeof p, "%s/v.txt", dir);
	char *v = tg_slurp(p, NULL);
	ck_assert_msg(strstr(v, "bit-identical") != NULL, "%s: %s", model, v);
	free(v);
	snprintf(p, sizeof p, "%s/m.c", dir);
	char *c = tg_slurp(p, NULL);
	for (int k = 0; k < NKERNEL; k++) {
		char call[128];
		snprintf(call, sizeof call, "= axrt_%s(&", ktab[k].name);
		if (!strcmp(ktab[k].family, "fx") && strstr(c, call))
			used[k] = 1;
	}
	free(c);
	tg_sh("rm -rf %s", dir);
	free(dir);
}

/* Every integer kernel, in the generated C, bit-exact with the
 * interpreter: model cases chosen so that each fx kernel runs at least
 * once (8-bit fast paths, 16-bit reference kernels, tables, pooling,
 * residual Add, Mul, Softmax, LeakyRelu, format changes). */
START_TEST(test_fixed_e2e_every_kernel)
{
	static const char *const cases[][2] = {
		{"activations", "8"}, {"pooling", "8"}, {"mobilenet", "8"}, {"softmax_head", "8"},
		{"tiny_vit", "8"}, {"conv_transpose", "8"}, {"resnet_tiny", "4,8 --per-channel"},
		{"densenet_tiny", "12,16"}, {"efficientnet_tiny", "8,12"}, {"fmnist_mlp", "16"},
		{"transformer_block", "8 --calib mse"},
	};
	char used[NKERNEL] = {0};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char m[512];
		snprintf(m, sizeof m, "%s/tests/models/%s/model.onnx", AXCC_SOURCE_DIR, cases[i][0]);
		e2e_kernels(m, cases[i][1], used);
	}
	char *dir = tg_tmpdir("fx"), *gm = gmp_model(dir);
	e2e_kernels(gm, "8", used);
	e2e_kernels(gm, "16,16", used);
	tg_sh("rm -rf %s", dir);
	free(gm);
	free(dir);
	for (int k = 0; k < NKERNEL; k++)
		if (!strcmp(ktab[k].family, "fx"))
			ck_assert_msg(used[k], "kernel %s was not exercised", ktab[k].name);
}
END_TEST

/* Random plans, as the optimizer's moves and hand edits make them: from
 * the uniform 8-bit plan, each layer's weights and output to a random
 * width (0: float), then some activation entries dropped or given a
 * format of their own (breaking tie groups). Every plan must apply, lower
 * and run; a few also go through axcc verify (C = interpreter). */
static void
random_plans(const char *cs, int nplan, int nverify, unsigned seed)
{
	char m[512], xp[512];
	snprintf(m, sizeof m, "%s/tests/models/%s/model.onnx", AXCC_SOURCE_DIR, cs);
	snprintf(xp, sizeof xp, "%s/tests/models/%s/input_0.npy", AXCC_SOURCE_DIR, cs);
	Graph *g = load(m);
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	ck_assert_int_eq(data_read(xp, a, &t, &d), 0);
	int64_t insz = tensor_numel(g->input[0]);
	int n = (int)(tensor_numel(&t) / insz);
	CalibOpts o = {CALIB_PERCENTILE, 0, 1, 0, 2};
	Calib *c = calib_run(g, t.init, insz, n, &o, &d);
	ck_assert_msg(c != NULL, "%s", d.all);
	static const int wb[] = {0, 2, 3, 4, 5, 8, 8, 8, 12, 16}, ab[] = {0, 3, 6, 8, 8, 8, 10, 16};
	char *dir = tg_tmpdir("fx");
	for (int k = 0; k < nplan; k++) {
		Plan *pl = plan_new();
		ck_assert_int_eq(fixed_plan_uniform(g, c, 8, 8, pl, &d), 0);
		for (int i = 0; i < g->nnode; i++) {
			const char *L = g->node[i]->name;
			seed = seed * 1103515245u + 12345u;
			fixed_set_weight_bits(g, pl, L, wb[(seed >> 16) % 10]);
			if ((seed >> 8) % 3 == 0)
				fixed_set_act_bits(g, c, pl, L, ab[(seed >> 20) % 8]);
		}
		for (int i = 0; i < pl->ntensor; i++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 8 == 0) {
				pl->tensor[i].f.bits = 2 + (int)((seed >> 4) % 15);
				pl->tensor[i].f.frac += (int)((seed >> 8) % 5) - 2;
			} else if ((seed >> 16) % 8 == 1) {
				pl->tensor[i] = pl->tensor[--pl->ntensor];
				i--;
			}
		}
		pl->rounding = k % 3 == 2;
		Graph *h = load(m);
		ck_assert_msg(plan_apply(h, pl, &d) == 0, "%s plan %d: %s", cs, k, d.all);
		ck_assert_msg(graph_verify(h, &d) == 0, "%s plan %d: %s", cs, k, d.all);
		Program *p = prog_lower(h, &d);
		ck_assert_msg(p != NULL, "%s plan %d: %s", cs, k, d.all);
		prog_free(p);
		graph_free(h);
		if (k < nverify) {
			char pp[600];
			snprintf(pp, sizeof pp, "%s/p%d.json", dir, k);
			ck_assert_int_eq(plan_write(pl, pp, &d), 0);
			ck_assert_msg(tg_sh("%s run -q %s --plan %s --input %s --output %s/r.npy && "
				"%s verify -q %s --plan %s --input %s --reference %s/r.npy > %s/v.txt 2>&1 && "
				"grep -q bit-identical %s/v.txt", AXCC, m, pp, xp, dir, AXCC, m, pp, xp, dir, dir,
				dir) == 0, "%s: verify of random plan %d (%s) failed", cs, k, pp);
		}
		plan_free(pl);
	}
	tg_sh("rm -rf %s", dir);
	free(dir);
	calib_free(c);
	arena_free(a);
	graph_free(g);
}

START_TEST(test_fixed_random_plans)
{
	random_plans("resnet_tiny", 12, 2, 1);
	random_plans("shufflenet_tiny", 12, 2, 2);
	random_plans("mobilenet", 12, 2, 3);
	random_plans("tiny_vit", 8, 1, 4);
	random_plans("transformer_block", 8, 1, 5);
	random_plans("densenet_tiny", 8, 1, 6);
}
END_TEST

START_TEST(test_fixed_cli_usage)
{
	ck_assert_int_eq(tg_sh("%s compile -q %s --quantize 8 -o /tmp/axcc_fx_none 2>/dev/null", AXCC, FMNIST), 2);
	ck_assert_int_eq(tg_sh("%s compile -q %s --quantize 1 --data %s -o /tmp/axcc_fx_none 2>/dev/null",
		AXCC, FMNIST, IMAGES), 2);
	ck_assert_int_eq(tg_sh("%s compile -q %s --quantize 8,17 --data %s -o /tmp/axcc_fx_none 2>/dev/null",
		AXCC, FMNIST, IMAGES), 2);
	ck_assert_int_eq(tg_sh("%s compile -q %s --quantize 8 --data %s --calib foo -o /tmp/axcc_fx_none "
		"2>/dev/null", AXCC, FMNIST, IMAGES), 2);
	ck_assert_int_eq(tg_sh("%s compile -q %s --io raw -o /tmp/axcc_fx_none 2>/dev/null", AXCC, FMNIST), 2);
	/* data that does not fit the model: a user error naming the file */
	ck_assert_int_eq(tg_sh("%s compile -q %s --quantize 8 --data %s -o /tmp/axcc_fx_none 2>/dev/null",
		AXCC, FMNIST, LOGITS), 1);
	tg_sh("rm -rf /tmp/axcc_fx_none");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fixed");
	TCase *tc = tcase_create("apply");
	tcase_add_test(tc, test_fixed_plan_roundtrip);
	tcase_add_test(tc, test_fixed_cnn_uniform_bit_exact);
	tcase_add_test(tc, test_fixed_cnn_mixed_bit_exact);
	tcase_add_test(tc, test_fixed_requant_and_float_island);
	tcase_add_test(tc, test_fixed_io_raw);
	tcase_add_test(tc, test_fixed_weights_only);
	tcase_add_test(tc, test_fixed_per_channel_after_pruning);
	tcase_add_test(tc, test_fixed_errors_name_the_node);
	tcase_add_test(tc, test_fixed_moves);
	suite_add_tcase(s, tc);
	tc = tcase_create("calib");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_calib_max_matches_onnxruntime);
	tcase_add_test(tc, test_calib_percentile_known);
	tcase_add_test(tc, test_calib_mse_brute_force);
	tcase_add_test(tc, test_calib_kl_constructed);
	tcase_add_test(tc, test_calib_threads_agree);
	suite_add_tcase(s, tc);
	tc = tcase_create("e2e");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_fixed_cli_usage);
	tcase_add_test(tc, test_fixed_e2e_fmnist_bit_exact);
	tcase_add_test(tc, test_fixed_e2e_trained_bit_exact);
	tcase_add_test(tc, test_fixed_e2e_every_kernel);
	tcase_add_test(tc, test_fixed_random_plans);
	suite_add_tcase(s, tc);
	return tg_main(s);
}
