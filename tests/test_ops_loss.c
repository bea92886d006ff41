/* test_ops_loss.c: the loss and signal op families (compiler/ops/loss.c,
 * signal.c): shape inference, every error path, and small runs through
 * the interpreter checked against results computed here. */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "axrt_core.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define PI 3.14159265358979323846

/* One node of op with nin float inputs of the given shapes. */
static Graph *
mkn(const char *op, int nin, const int *rank, const int64_t *const *dims)
{
	return tg_single_op(op, DT_F32, nin, rank, dims);
}

/* Input i of g's node gets type dt (same shape). */
static void
retype(Graph *g, int i, DType dt)
{
	Tensor *t = g->node[0]->in[i];
	tensor_set(t, dt, t->rank, t->dim);
}

/* A loss node: x of rank r and dims xd, an int64 target of rank r - 1
 * (x's dims without dim 1), and a weight of c = xd[1] values when nin 3. */
static Graph *
mkloss(const char *op, int nin, int r, const int64_t *xd)
{
	int64_t td[IR_MAXRANK], c = xd[1];
	td[0] = xd[0];
	for (int k = 2; k < r; k++)
		td[k - 1] = xd[k];
	Graph *g = mkn(op, nin, (int[]){r, r - 1, 1}, (const int64_t *const[]){xd, td, &c});
	retype(g, 1, DT_I64);
	return g;
}

/* Gives node n nout outputs, all graph outputs (the first stays y). */
static void
add_outputs(Graph *g, Node *n, int nout)
{
	Tensor **o = arena_alloc(g->arena, nout * sizeof *o);
	Tensor **go = arena_alloc(g->arena, nout * sizeof *go);
	o[0] = go[0] = n->out[0];
	for (int i = 1; i < nout; i++) {
		o[i] = go[i] = graph_tensor(g, arena_printf(g->arena, "extra%d", i));
		o[i]->def = n;
		o[i]->is_output = 1;
	}
	n->out = o;
	n->nout = nout;
	g->output = go;
	g->noutput = nout;
}

static void
expect_shape_at(Graph *g, int out, DType dt, int rank, const int64_t *want)
{
	Node *n = g->node[0];
	Diag d = diag_capture();

	ck_assert_msg(optab[n->op].infer(n, &d) == 0, "infer failed: %s", d.last);
	ck_assert_int_eq(n->out[out]->dtype, dt);
	ck_assert_int_eq(n->out[out]->rank, rank);
	for (int i = 0; i < rank; i++)
		ck_assert_msg(n->out[out]->dim[i] == want[i], "dim %d is %lld, expected %lld",
			i, (long long)n->out[out]->dim[i], (long long)want[i]);
}

static void
expect_shape(Graph *g, DType dt, int rank, const int64_t *want)
{
	expect_shape_at(g, 0, dt, rank, want);
	graph_free(g);
}

/* One error naming node `name` containing frag, from infer. */
static void
expect_error(Graph *g, const char *name, const char *frag)
{
	Node *n = g->node[0];
	Diag d = diag_capture();
	char want[96];

	snprintf(want, sizeof want, "node '%s'", name);
	ck_assert_int_eq(optab[n->op].infer(n, &d), -1);
	ck_assert_int_ge(d.nerr, 1);
	ck_assert_msg(strstr(d.last, want) != NULL, "'%s' not in: %s", want, d.last);
	ck_assert_msg(strstr(d.last, frag) != NULL, "'%s' not in: %s", frag, d.last);
	graph_free(g);
}

static void
run_ok(Graph *g, const void *const *in, void *const *out)
{
	Diag d = diag_capture();
	ck_assert_msg(tg_run(g, &d, in, out) == 0, "run failed: %s", d.last);
}

/* ---- NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ---- */

#define NLL "negativeloglikelihoodloss_0"
#define SCE "softmaxcrossentropyloss_0"

START_TEST(test_loss_infer_shapes)
{
	Graph *g = mkloss("NegativeLogLikelihoodLoss", 2, 4, D(3, 5, 2, 4));
	tg_attr_string(g, g->node[0], "reduction", "none");
	expect_shape(g, DT_F32, 3, D(3, 2, 4));
	expect_shape(mkloss("NegativeLogLikelihoodLoss", 3, 2, D(3, 5)), DT_F32, 0, NULL);
	g = mkloss("SoftmaxCrossEntropyLoss", 2, 3, D(2, 4, 6));
	tg_attr_string(g, g->node[0], "reduction", "sum");
	add_outputs(g, g->node[0], 2);
	expect_shape_at(g, 0, DT_F32, 0, NULL);
	expect_shape_at(g, 1, DT_F32, 3, D(2, 4, 6));   /* log_prob: x's shape */
	graph_free(g);
}
END_TEST

START_TEST(test_loss_infer_errors)
{
	Graph *g = mkloss("NegativeLogLikelihoodLoss", 2, 3, D(3, 5, 2));
	tg_attr_string(g, g->node[0], "reduction", "avg");
	expect_error(g, NLL, "reduction 'avg' is not one of none, sum, mean");
	g = mkloss("SoftmaxCrossEntropyLoss", 2, 3, D(3, 5, 2));
	g->node[0]->in[1]->dim[1] = 5;
	expect_error(g, SCE, "does not match input shape 3x5x2");
	g = mkloss("NegativeLogLikelihoodLoss", 2, 3, D(3, 5, 2));
	retype(g, 1, DT_F32);
	expect_error(g, NLL, "input 'x1' has type float");
	expect_error(mkloss("NegativeLogLikelihoodLoss", 2, 2, D(3, 0)), NLL, "has no classes");
	expect_error(mkloss("NegativeLogLikelihoodLoss", 2, 3, D(2, 2, 1LL << 30)), NLL,
		"more than 2^31 - 1 elements");
	g = mkloss("SoftmaxCrossEntropyLoss", 3, 2, D(3, 5));
	g->node[0]->in[2]->dim[0] = 4;
	expect_error(g, SCE, "weight 'x2' must hold one value per class (5)");
	g = mkloss("NegativeLogLikelihoodLoss", 2, 2, D(3, 5));
	add_outputs(g, g->node[0], 2);
	expect_error(g, NLL, "has 2 outputs, expected 1");
}
END_TEST

/* NLL with int32 targets, weights and ignore_index, mean: the spec's
 * formula evaluated here. */
START_TEST(test_nllloss_run_weighted_mean_ignore)
{
	const float x[] = {-1, -2, -3, -4, -5, -6, -0.5f, -1.5f, -2.5f, -3.5f, -4.5f, -5.5f};   /* 2x3x2 */
	const int32_t t[] = {2, 1, 0, 2};
	const float w[] = {0.2f, 0.3f, 0.1f};
	float y;
	Graph *g = mkloss("NegativeLogLikelihoodLoss", 3, 3, D(2, 3, 2));

	retype(g, 1, DT_I32);
	tg_attr_int(g, g->node[0], "ignore_index", 2);
	run_ok(g, (const void *const[]){x, t, w}, (void *const[]){&y});
	/* samples (0,0) t=2 and (1,1) t=2 ignored; (0,1) t=1: 4*0.3, (1,0) t=0: 0.5*0.2 */
	ck_assert_float_close(y, (4 * 0.3 + 0.5 * 0.2) / (0.3 + 0.2), 1e-6);
	graph_free(g);
}
END_TEST

/* SCE, reduction none, with the log_prob output. */
START_TEST(test_sce_run_with_log_prob)
{
	const float x[] = {1, 2, 3, 0, 0, 0};   /* 2x3 */
	const int64_t t[] = {2, 0};
	float loss[2], lp[6];
	Graph *g = mkloss("SoftmaxCrossEntropyLoss", 2, 2, D(2, 3));
	double l0 = log(exp(1.0) + exp(2.0) + exp(3.0));

	tg_attr_string(g, g->node[0], "reduction", "none");
	add_outputs(g, g->node[0], 2);
	run_ok(g, (const void *const[]){x, t}, (void *const[]){loss, lp});
	for (int q = 0; q < 3; q++) {
		ck_assert_float_close(lp[q], x[q] - l0, 1e-6);
		ck_assert_float_close(lp[3 + q], -log(3.0), 1e-6);
	}
	ck_assert_float_close(loss[0], l0 - 3, 1e-6);
	ck_assert_float_close(loss[1], log(3.0), 1e-6);
	graph_free(g);
}
END_TEST

/* ---- Adagrad, Adam, Momentum ---- */

/* An optimizer node over k tensors of shapes dims (g groups of inputs),
 * in the preview training domain as the models have it (opset 0). */
static Graph *
mkopt(const char *op, int groups, int k, const int64_t *const *dims)
{
	int nin = 2 + groups * k, rank[16];
	const int64_t *d[16];
	rank[0] = rank[1] = 0;
	d[0] = d[1] = NULL;
	for (int j = 0; j < groups; j++)
		for (int i = 0; i < k; i++) {
			rank[2 + j * k + i] = 1;
			d[2 + j * k + i] = dims[i];
		}
	Graph *g = mkn(op, nin, rank, d);
	Node *n = g->node[0];
	retype(g, 1, DT_I64);
	n->domain = "ai.onnx.preview.training";
	n->opset = 0;
	g->opset = 0;
	add_outputs(g, n, (groups - 1) * k);
	return g;
}

/* Adagrad over two tensors, with T = 2, through the interpreter. */
START_TEST(test_adagrad_run_two_tensors)
{
	const float r = 0.1f, x1[] = {1}, x2[] = {1, 2}, g1[] = {-1}, g2[] = {-1, -3};
	const float h1[] = {2}, h2[] = {4, 1};
	const int64_t t = 2;
	float xn1[1], xn2[2], hn1[1], hn2[2];
	Graph *g = mkopt("Adagrad", 3, 2, (const int64_t *const[]){D(1), D(2)});
	Node *n = g->node[0];
	const float *xs[] = {x1, x2, x2 + 1}, *gs[] = {g1, g2, g2 + 1}, *hs[] = {h1, h2, h2 + 1};
	float *xo[] = {xn1, xn2, xn2 + 1}, *ho[] = {hn1, hn2, hn2 + 1};

	tg_attr_float(g, n, "decay_factor", 0.5f);
	tg_attr_float(g, n, "epsilon", 1e-5f);
	tg_attr_float(g, n, "norm_coefficient", 0.01f);
	run_ok(g, (const void *const[]){&r, &t, x1, x2, g1, g2, h1, h2},
		(void *const[]){xn1, xn2, hn1, hn2});
	for (int i = 0; i < 3; i++) {
		double gr = 0.01 * *xs[i] + *gs[i], hh = *hs[i] + gr * gr;
		ck_assert_float_close(*ho[i], hh, 1e-6);
		ck_assert_float_close(*xo[i], *xs[i] - 0.1 / (1 + 2 * 0.5) * gr / (sqrt(hh) + 1e-5), 1e-6);
	}
	graph_free(g);
}
END_TEST

/* Nesterov momentum at T = 0 (beta taken as 1). */
START_TEST(test_momentum_run_nesterov)
{
	const float r = 0.5f, x[] = {1, -2}, gr[] = {0.5f, 0.25f}, v[] = {1, 2};
	const int64_t t = 0;
	float xn[2], vn[2];
	Graph *g = mkopt("Momentum", 3, 1, (const int64_t *const[]){D(2)});
	Node *n = g->node[0];

	tg_attr_float(g, n, "alpha", 0.9f);
	tg_attr_float(g, n, "beta", 0.1f);
	tg_attr_float(g, n, "norm_coefficient", 0);
	tg_attr_string(g, n, "mode", "nesterov");
	run_ok(g, (const void *const[]){&r, &t, x, gr, v}, (void *const[]){xn, vn});
	for (int i = 0; i < 2; i++) {
		double vv = 0.9 * v[i] + gr[i];
		ck_assert_float_close(vn[i], vv, 1e-6);
		ck_assert_float_close(xn[i], x[i] - 0.5 * (gr[i] + 0.9 * vv), 1e-6);
	}
	graph_free(g);
}
END_TEST

static Graph *
mkmom(void)
{
	Graph *g = mkopt("Momentum", 3, 1, (const int64_t *const[]){D(2)});
	Node *n = g->node[0];
	tg_attr_float(g, n, "alpha", 0.9f);
	tg_attr_float(g, n, "beta", 0.1f);
	tg_attr_float(g, n, "norm_coefficient", 0);
	tg_attr_string(g, n, "mode", "standard");
	return g;
}

START_TEST(test_optimizer_infer_errors)
{
	Graph *g = mkopt("Adam", 4, 1, (const int64_t *const[]){D(2)});
	expect_shape_at(g, 2, DT_F32, 1, D(2));
	graph_free(g);
	g = mkopt("Adam", 4, 1, (const int64_t *const[]){D(2)});
	g->node[0]->nin = 7;
	expect_error(g, "adam_0", "has 7 inputs, expected 2 + 4 x (number of tensors)");
	g = mkopt("Adagrad", 3, 2, (const int64_t *const[]){D(1), D(2)});
	g->node[0]->nout = 3;
	expect_error(g, "adagrad_0", "has 3 outputs, expected 4 for 2 tensors");
	g = mkopt("Adagrad", 3, 1, (const int64_t *const[]){D(2)});
	tensor_set(g->node[0]->in[0], DT_F32, 1, D(2));
	expect_error(g, "adagrad_0", "learning rate 'x0' must be a scalar");
	g = mkopt("Adagrad", 3, 1, (const int64_t *const[]){D(2)});
	retype(g, 1, DT_I32);
	expect_error(g, "adagrad_0", "update count 'x1' must be an int64 scalar");
	g = mkopt("Momentum", 3, 1, (const int64_t *const[]){D(2)});
	expect_error(g, "momentum_0", "attribute 'alpha' is required");
	g = mkmom();
	g->node[0]->attr[3].s = "heavy";
	expect_error(g, "momentum_0", "mode 'heavy' is not one of standard, nesterov");
	g = mkmom();
	g->node[0]->in[3] = NULL;
	expect_error(g, "momentum_0", "input 3 is missing");   /* below the minimum count */
	g = mkopt("Adagrad", 3, 2, (const int64_t *const[]){D(1), D(2)});
	g->node[0]->in[7] = NULL;                              /* H2, past the minimum */
	expect_error(g, "adagrad_0", "input 7 is missing");
	g = mkmom();
	g->node[0]->out[0] = NULL;
	expect_error(g, "momentum_0", "output 0 is missing");
	g = mkmom();
	g->node[0]->in[4]->dim[0] = 3;
	expect_error(g, "momentum_0", "input 'x4' does not have the shape of 'x2'");
	g = mkmom();
	for (int i = 2; i < 5; i++)
		tensor_set(g->node[0]->in[i], DT_F32, 2, D(1LL << 16, 1LL << 16));
	expect_error(g, "momentum_0", "more than 2^31 - 1 elements");
	g = mkmom();
	g->node[0]->out[1] = NULL;
	expect_error(g, "momentum_0", "output 1 is missing");
}
END_TEST

START_TEST(test_families_reject_foreign_op)
{
	Graph *g = mkloss("NegativeLogLikelihoodLoss", 2, 2, D(2, 3));
	Node *n = g->node[0];
	Diag d = diag_capture();
	Lower l = {NULL, &d, NULL};

	n->op = op_lookup("Relu");
	ck_assert_int_eq(loss_infer(n, &d), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "node '" NLL "'"));
	ck_assert_int_eq(loss_lower(n, &l), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "not a loss-family op"));
	ck_assert_int_eq(signal_infer(n, &d), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "not a signal-family op"));
	ck_assert_int_eq(signal_lower(n, &l), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "node '" NLL "'"));
	graph_free(g);
}
END_TEST

/* ---- windows, MelWeightMatrix ---- */

static Graph *
mkwin(const char *op, int64_t size)
{
	Graph *g = tg_single_op(op, DT_I64, 1, (int[]){0}, (const int64_t *const[]){NULL});
	g->opset = g->node[0]->opset = 17;
	if (size >= 0)
		tg_const(g, g->node[0]->in[0], DT_I64, 0, NULL, &size);
	return g;
}

/* Constant sizes fold the windows at compile time; double output. */
START_TEST(test_windows_run_and_infer)
{
	float y[8];
	double yd[8];
	Graph *g = mkwin("HannWindow", 8);

	run_ok(g, NULL, (void *const[]){y});
	for (int j = 0; j < 8; j++)
		ck_assert_float_close(y[j], 0.5 - 0.5 * cos(2 * PI * j / 8), 1e-7);
	graph_free(g);
	g = mkwin("BlackmanWindow", 8);
	tg_attr_int(g, g->node[0], "periodic", 0);
	tg_attr_int(g, g->node[0], "output_datatype", DT_F64);
	run_ok(g, NULL, (void *const[]){yd});
	for (int j = 0; j < 8; j++)
		ck_assert_float_close(yd[j], 0.42 - 0.5 * cos(2 * PI * j / 7) + 0.08 * cos(4 * PI * j / 7), 1e-12);
	graph_free(g);
	expect_shape(mkwin("HammingWindow", 5), DT_F32, 1, D(5));
}
END_TEST

START_TEST(test_windows_infer_errors)
{
	int64_t two[] = {3, 4};
	Graph *g;

	expect_error(mkwin("HannWindow", -1), "hannwindow_0", "input 'x0' must be a constant");
	g = mkwin("HannWindow", -1);
	tg_const(g, g->node[0]->in[0], DT_I64, 1, D(2), two);
	expect_error(g, "hannwindow_0", "input 'x0' must hold one value");
	g = mkwin("HannWindow", -1);
	two[0] = -3;
	tg_const(g, g->node[0]->in[0], DT_I64, 0, NULL, two);
	expect_error(g, "hannwindow_0", "input 'x0' is -3, expected 0 to");
	g = mkwin("HammingWindow", 4);
	tg_attr_int(g, g->node[0], "output_datatype", DT_I32);
	expect_error(g, "hammingwindow_0", "output_datatype 6 is not supported");
	g = mkwin("HannWindow", 4);
	retype(g, 0, DT_F32);
	expect_error(g, "hannwindow_0", "input 'x0' has type float");
}
END_TEST

/* num_mel_bins and dft_length constant, the rest runtime inputs. */
static Graph *
mkmel(int64_t nmel, int64_t dftlen)
{
	Graph *g = mkn("MelWeightMatrix", 5, (int[]){0, 0, 0, 0, 0},
		(const int64_t *const[]){NULL, NULL, NULL, NULL, NULL});
	g->opset = g->node[0]->opset = 17;
	tg_const(g, g->node[0]->in[0], DT_I64, 0, NULL, &nmel);
	tg_const(g, g->node[0]->in[1], DT_I64, 0, NULL, &dftlen);
	retype(g, 2, DT_I32);
	return g;
}

/* 2 filters over 16-point DFTs at 1600 Hz from 0 to 800 Hz: the mel
 * points' bins computed here, then the triangles. */
START_TEST(test_melweightmatrix_run)
{
	const int32_t rate = 1600;
	const float lo = 0, hi = 800;
	float y[9 * 2];
	int bin[4];
	Graph *g = mkmel(2, 16);
	double mhi = 2595 * log10(1 + 800 / 700.0);

	run_ok(g, (const void *const[]){&rate, &lo, &hi}, (void *const[]){y});
	for (int i = 0; i < 4; i++)
		bin[i] = (int)floor(17 * 700 * (pow(10, i * mhi / 4 / 2595) - 1) / 1600);
	for (int j = 0; j < 9; j++)
		for (int i = 0; i < 2; i++) {
			double v = 0;
			if (j >= bin[i] && j <= bin[i + 1])
				v = (double)(j - bin[i]) / (bin[i + 1] - bin[i]);
			if (j >= bin[i + 1] && j < bin[i + 2])
				v = (double)(bin[i + 2] - j) / (bin[i + 2] - bin[i + 1]);
			ck_assert_float_close(y[j * 2 + i], v, 1e-7);
		}
	graph_free(g);
	expect_shape(mkmel(4, 10), DT_F32, 2, D(6, 4));
	g = mkmel(4, 10);
	retype(g, 4, DT_F64);
	expect_error(g, "melweightmatrix_0", "lower and upper edge have different types");
	g = mkmel(4, 10);
	tensor_set(g->node[0]->in[2], DT_I32, 1, D(2));
	expect_error(g, "melweightmatrix_0", "input 'x2' must hold one value");
}
END_TEST

/* ---- DFT, STFT ---- */

static Graph *
mkdft(int r, const int64_t *xd, int64_t len)
{
	Graph *g = mkn("DFT", len > 0 ? 2 : 1, (int[]){r, 0}, (const int64_t *const[]){xd, NULL});
	g->opset = g->node[0]->opset = 17;
	if (len > 0)
		tg_const(g, g->node[0]->in[1], DT_I64, 0, NULL, &len);
	return g;
}

START_TEST(test_dft_infer)
{
	Graph *g = mkdft(4, D(2, 10, 6, 1), 0);
	expect_shape(g, DT_F32, 4, D(2, 10, 6, 2));
	g = mkdft(4, D(2, 10, 6, 1), 16);
	tg_attr_int(g, g->node[0], "axis", 2);
	tg_attr_int(g, g->node[0], "onesided", 1);
	expect_shape(g, DT_F32, 4, D(2, 10, 9, 2));
	g = mkdft(4, D(2, 10, 6, 2), 4);   /* opset 20: axis input, default -2 */
	g->node[0]->opset = 20;
	expect_shape(g, DT_F32, 4, D(2, 10, 4, 2));
}
END_TEST

START_TEST(test_dft_infer_errors)
{
	Graph *g = mkdft(3, D(1, 8, 1), 0);
	tg_attr_int(g, g->node[0], "axis", 2);
	expect_error(g, "dft_0", "axis 2 is out of range for a signal of rank 3");
	expect_error(mkdft(3, D(1, 8, 3), 0), "dft_0", "the last dim of 'x0' is 3");
	expect_error(mkdft(3, D(1, 0, 1), 0), "dft_0", "the signal along axis 1 is empty");
	g = mkdft(3, D(1, 8, 2), 0);
	tg_attr_int(g, g->node[0], "onesided", 1);
	expect_error(g, "dft_0", "onesided=1 needs a real input and a forward transform");
	g = mkn("DFT", 2, (int[]){3, 0}, (const int64_t *const[]){D(1, 8, 1), NULL});
	retype(g, 1, DT_I64);
	expect_error(g, "dft_0", "input 'x1' must be a constant");
	expect_error(mkdft(2, D(8, 1), 0), "dft_0", "rank 2, expected 3 to 8");
	expect_error(mkdft(3, D(1, 1LL << 30, 2), 0), "dft_0", "more than 2^31 - 1 elements");
}
END_TEST

/* A 4-point DFT along axis 1 of the columns [1, 0, 0, 0] and
 * [0, 1, 0, 0]: all ones, and the powers of -i. */
START_TEST(test_dft_run)
{
	const float x[] = {1, 0, 0, 1, 0, 0, 0, 0};   /* 1x4x2x1: (j, col) at j * 2 + col */
	const float want[] = {1, 0, 1, 0, 1, 0, 0, -1, 1, 0, -1, 0, 1, 0, 0, 1};
	float y[16];
	Graph *g = mkdft(4, D(1, 4, 2, 1), 0);

	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	for (int k = 0; k < 16; k++)
		ck_assert_float_close(y[k], want[k], 1e-6);
	graph_free(g);
}
END_TEST

static Graph *
mkstft(int64_t siglen, int64_t comps, int64_t step, int64_t wlen, int64_t flen)
{
	Graph *g = mkn("STFT", flen > 0 ? 4 : 3, (int[]){3, 0, 1, 0},
		(const int64_t *const[]){D(2, siglen, comps), NULL, wlen > 0 ? &wlen : D(1), NULL});
	Node *n = g->node[0];
	g->opset = n->opset = 17;
	tg_const(g, n->in[1], DT_I64, 0, NULL, &step);
	if (flen > 0)
		tg_const(g, n->in[3], DT_I64, 0, NULL, &flen);
	if (wlen < 0) {   /* no window: drop x2 from the graph inputs too */
		tg_const(g, n->in[2], DT_F32, 1, D(1), (const float[]){0});
		n->in[2] = NULL;
	}
	return g;
}

START_TEST(test_stft_infer_and_errors)
{
	Graph *g;

	expect_shape(mkstft(128, 1, 8, 16, 0), DT_F32, 4, D(2, 15, 9, 2));
	expect_shape(mkstft(100, 1, 10, -1, 20), DT_F32, 4, D(2, 9, 11, 2));
	g = mkstft(64, 2, 8, 16, 0);
	tg_attr_int(g, g->node[0], "onesided", 0);
	expect_shape(g, DT_F32, 4, D(2, 7, 16, 2));
	expect_error(mkstft(64, 2, 8, 16, 0), "stft_0", "onesided=1 needs a real signal");
	expect_error(mkstft(64, 3, 8, 16, 0), "stft_0", "the last dim of 'x0' is 3");
	expect_error(mkstft(64, 1, 8, 16, 12), "stft_0", "window 'x2' has 16 values but frame_length is 12");
	expect_error(mkstft(64, 1, 8, -1, 0), "stft_0", "needs a window or a frame_length");
	expect_error(mkstft(64, 1, 8, 80, 0), "stft_0", "frame length 80 is longer than the signal (64)");
	expect_error(mkstft(64, 1, 0, 16, 0), "stft_0", "input 'x1' is 0, expected 1 to");
}
END_TEST

/* Frames of 4 with step 2 over [0 1 2 3 4 5], no window: bin 0 is the
 * frame's sum, bin 2 its alternating sum. */
START_TEST(test_stft_run)
{
	const float x[] = {0, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0};
	float y[2 * 2 * 3 * 2];
	Graph *g = mkstft(6, 1, 2, -1, 4);

	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	for (int f = 0; f < 2; f++) {
		double a = 2 * f, sum = 4 * a + 6, alt = -2;
		ck_assert_float_close(y[f * 6 + 0], sum, 1e-5);
		ck_assert_float_close(y[f * 6 + 1], 0, 1e-5);
		ck_assert_float_close(y[f * 6 + 2], -2, 1e-5);   /* bin 1: -2 + 2i */
		ck_assert_float_close(y[f * 6 + 3], 2, 1e-5);
		ck_assert_float_close(y[f * 6 + 4], alt, 1e-5);
		ck_assert_float_close(y[f * 6 + 5], 0, 1e-5);
	}
	for (int k = 12; k < 24; k++)
		ck_assert_float_close(y[k], 0, 1e-6);
	graph_free(g);
}
END_TEST

/* ---- GridSample ---- */

static Graph *
mkgrid(int r, const int64_t *xd, const int64_t *gd)
{
	Graph *g = mkn("GridSample", 2, (int[]){r, 4}, (const int64_t *const[]){xd, gd});
	g->opset = g->node[0]->opset = 16;
	return g;
}

START_TEST(test_gridsample_infer_run_errors)
{
	const float x[] = {0, 1, 2, 3}, grid[] = {-1, -1, 1, 1, 0, 0};
	float y[3];
	Graph *g = mkgrid(4, D(1, 1, 2, 2), D(1, 1, 3, 2));

	tg_attr_int(g, g->node[0], "align_corners", 1);
	run_ok(g, (const void *const[]){x, grid}, (void *const[]){y});
	ck_assert_float_close(y[0], 0, 1e-6);    /* top-left corner */
	ck_assert_float_close(y[1], 3, 1e-6);    /* bottom-right */
	ck_assert_float_close(y[2], 1.5, 1e-6);  /* centre: mean of the four */
	graph_free(g);
	expect_shape(mkgrid(4, D(2, 3, 5, 5), D(2, 7, 4, 2)), DT_F32, 4, D(2, 3, 7, 4));
	g = mkgrid(4, D(1, 1, 2, 2), D(1, 1, 3, 2));
	tg_attr_string(g, g->node[0], "mode", "area");
	expect_error(g, "gridsample_0", "mode 'area' is not supported");
	g = mkgrid(4, D(1, 1, 2, 2), D(1, 1, 3, 2));
	tg_attr_string(g, g->node[0], "padding_mode", "wrap");
	expect_error(g, "gridsample_0", "padding_mode 'wrap' is not one of zeros, border, reflection");
	expect_error(mkgrid(5, D(1, 1, 2, 2, 2), D(1, 1, 3, 2)), "gridsample_0",
		"only 2-D sampling (rank 4) is supported");
	expect_error(mkgrid(4, D(2, 1, 2, 2), D(1, 1, 3, 2)), "gridsample_0",
		"grid 'x1' of shape 1x1x3x2 does not fit input shape 2x1x2x2");
	expect_error(mkgrid(4, D(1, 1, 0, 2), D(1, 1, 3, 2)), "gridsample_0", "has an empty image");
	expect_error(mkgrid(4, D(1, 1, 2, 2), D(1, 1LL << 16, 1LL << 16, 2)), "gridsample_0",
		"more than 2^31 - 1 elements");
}
END_TEST

/* ---- TfIdfVectorizer ---- */

static Graph *
mktfidf(int r, const int64_t *xd)
{
	static const int64_t pool[] = {2, 3, 5, 4, 5, 6, 7, 8, 6, 7}, counts[] = {0, 4};
	static const int64_t idx[] = {0, 1, 2, 3, 4, 5, 6};
	Graph *g = tg_single_op("TfIdfVectorizer", DT_I32, 1, (int[]){r}, (const int64_t *const[]){xd});
	Node *n = g->node[0];
	tg_attr_int(g, n, "min_gram_length", 1);
	tg_attr_int(g, n, "max_gram_length", 2);
	tg_attr_int(g, n, "max_skip_count", 5);
	tg_attr_string(g, n, "mode", "TFIDF");
	tg_attr_ints(g, n, "pool_int64s", 10, pool);
	tg_attr_ints(g, n, "ngram_counts", 2, counts);
	tg_attr_ints(g, n, "ngram_indexes", 7, idx);
	return g;
}

/* Attribute i of node n (in the order mktfidf adds them). */
static Attr *
tf_attr(Graph *g, int i)
{
	return &g->node[0]->attr[i];
}

/* The spec's uni- and bigram example with skip 5 (counts 0 3 1 0 1 3 1),
 * weighted by output: weights are given per pool n-gram and land on the
 * n-grams' output slots (here reversed). */
START_TEST(test_tfidf_run_weights_follow_indexes)
{
	const int32_t x[] = {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8};
	const int64_t rev[] = {6, 5, 4, 3, 2, 1, 0};
	const float w[] = {1, 2, 3, 4, 5, 6, 7}, counts[] = {0, 3, 1, 0, 1, 3, 1};
	float y[7];
	Graph *g = mktfidf(1, D(12));

	tg_attr_floats(g, g->node[0], "weights", 7, w);
	tf_attr(g, 6)->ints = arena_memdup(g->arena, rev, sizeof rev);
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	for (int i = 0; i < 7; i++)   /* n-gram i counts into slot 6 - i with weight w[i] */
		ck_assert_float_close(y[6 - i], counts[i] * w[i], 1e-6);
	graph_free(g);
	expect_shape(mktfidf(2, D(3, 6)), DT_F32, 2, D(3, 7));
}
END_TEST

START_TEST(test_tfidf_infer_errors)
{
	static const int64_t badc[] = {0, 3}, badi[] = {0, -1, 2, 3, 4, 5, 6};
	Graph *g = mktfidf(1, D(12));
	Attr *a = &g->node[0]->attr[g->node[0]->nattr++];

	memset(a, 0, sizeof *a);
	a->name = "pool_strings";
	a->type = AT_STRINGS;
	expect_error(g, "tfidfvectorizer_0", "pool_strings is not supported");
	g = mktfidf(1, D(12));
	tf_attr(g, 5)->name = "ngram_count";
	expect_error(g, "tfidfvectorizer_0", "needs the attributes pool_int64s, ngram_counts and ngram_indexes");
	g = mktfidf(1, D(12));
	tf_attr(g, 5)->ints = badc;
	expect_error(g, "tfidfvectorizer_0", "ngram_counts[1] = 3 does not split the pool of 10 values into 2-grams");
	g = mktfidf(1, D(12));
	tf_attr(g, 6)->ints = badi;
	expect_error(g, "tfidfvectorizer_0", "ngram_indexes[1] = -1 is out of range");
	g = mktfidf(1, D(12));
	tf_attr(g, 6)->n = 6;
	expect_error(g, "tfidfvectorizer_0", "ngram_indexes has 6 values, but the pool holds 7 n-grams");
	g = mktfidf(1, D(12));
	tf_attr(g, 3)->s = "BM25";
	expect_error(g, "tfidfvectorizer_0", "mode 'BM25' is not one of TF, IDF, TFIDF");
	g = mktfidf(1, D(12));
	tf_attr(g, 0)->i = 3;
	expect_error(g, "tfidfvectorizer_0", "expected 1 <= min <= max and skip >= 0");
	g = mktfidf(1, D(12));
	tg_attr_floats(g, g->node[0], "weights", 2, (const float[]){1, 2});
	expect_error(g, "tfidfvectorizer_0", "weights has 2 values, expected one per n-gram (7)");
	expect_error(mktfidf(3, D(1, 2, 6)), "tfidfvectorizer_0", "rank 3, expected 1 to 2");
	g = mktfidf(1, D(12));
	g->node[0]->out[0] = NULL;
	expect_error(g, "tfidfvectorizer_0", "output 0 is missing");
	g = mkgrid(4, D(1, 1, 2, 2), D(1, 1, 3, 2));
	g->node[0]->in[0] = NULL;
	expect_error(g, "gridsample_0", "input 0 is missing");
	expect_error(mktfidf(2, D(1LL << 16, 1LL << 16)), "tfidfvectorizer_0", "more than 2^31 - 1 elements");
}
END_TEST

static Suite *
loss_suite(void)
{
	Suite *s = suite_create("ops_loss");
	TCase *tc = tcase_create("loss");

	tcase_add_test(tc, test_loss_infer_shapes);
	tcase_add_test(tc, test_loss_infer_errors);
	tcase_add_test(tc, test_nllloss_run_weighted_mean_ignore);
	tcase_add_test(tc, test_sce_run_with_log_prob);
	tcase_add_test(tc, test_adagrad_run_two_tensors);
	tcase_add_test(tc, test_momentum_run_nesterov);
	tcase_add_test(tc, test_optimizer_infer_errors);
	tcase_add_test(tc, test_families_reject_foreign_op);
	suite_add_tcase(s, tc);
	tc = tcase_create("signal");
	tcase_add_test(tc, test_windows_run_and_infer);
	tcase_add_test(tc, test_windows_infer_errors);
	tcase_add_test(tc, test_melweightmatrix_run);
	tcase_add_test(tc, test_dft_infer);
	tcase_add_test(tc, test_dft_infer_errors);
	tcase_add_test(tc, test_dft_run);
	tcase_add_test(tc, test_stft_infer_and_errors);
	tcase_add_test(tc, test_stft_run);
	tcase_add_test(tc, test_gridsample_infer_run_errors);
	tcase_add_test(tc, test_tfidf_run_weights_follow_indexes);
	tcase_add_test(tc, test_tfidf_infer_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(loss_suite());
}
