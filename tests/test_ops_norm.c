/* test_ops_norm.c: the norm and reduce op families (compiler/ops/norm.c,
 * reduce.c): shape inference, every error path, and small runs through
 * the interpreter checked against hand-computed results. */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "axrt_core.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})

static Graph *
mkn(const char *op, DType dt, int nin, const int *rank, const int64_t *const *dims)
{
	return tg_single_op(op, dt, nin, rank, dims);
}

static Graph *
mk1(const char *op, int r0, const int64_t *d0)
{
	return mkn(op, DT_F32, 1, (int[]){r0}, (const int64_t *const[]){d0});
}

/* BatchNormalization (5 inputs) or InstanceNormalization (3) of x with
 * per-channel inputs of c values. */
static Graph *
mkchan(const char *op, int nin, int r, const int64_t *d, int64_t c)
{
	int rank[5] = {r, 1, 1, 1, 1};
	const int64_t *dims[5] = {d, &c, &c, &c, &c};
	return mkn(op, DT_F32, nin, rank, dims);
}

static void
expect_shape(Graph *g, int rank, const int64_t *want)
{
	Node *n = g->node[0];
	Diag d = diag_capture();

	ck_assert_msg(optab[n->op].infer(n, &d) == 0, "infer failed: %s", d.last);
	ck_assert_int_eq(n->out[0]->rank, rank);
	for (int i = 0; i < rank; i++)
		ck_assert_msg(n->out[0]->dim[i] == want[i], "dim %d is %lld, expected %lld",
			i, (long long)n->out[0]->dim[i], (long long)want[i]);
	graph_free(g);
}

/* One error naming node `name` containing frag, from infer (run 0) or from
 * the whole pipeline through lowering (run 1). */
static void
expect_error_at(Graph *g, const char *name, const char *frag, int run)
{
	Node *n = g->node[0];
	Diag d = diag_capture();
	char want[96];

	snprintf(want, sizeof want, "node '%s'", name);
	if (run)
		ck_assert_int_eq(tg_run(g, &d, NULL, NULL), -1);
	else
		ck_assert_int_eq(optab[n->op].infer(n, &d), -1);
	ck_assert_int_ge(d.nerr, 1);
	ck_assert_msg(strstr(d.last, want) != NULL, "'%s' not in: %s", want, d.last);
	ck_assert_msg(strstr(d.last, frag) != NULL, "'%s' not in: %s", frag, d.last);
	graph_free(g);
}

static void
expect_error(Graph *g, const char *name, const char *frag)
{
	expect_error_at(g, name, frag, 0);
}

static void
run_ok(Graph *g, const void *const *in, void *const *out)
{
	Diag d = diag_capture();
	ck_assert_msg(tg_run(g, &d, in, out) == 0, "run failed: %s", d.last);
}

/* Gives node n nout outputs (the first stays y). */
static void
add_outputs(Graph *g, Node *n, int nout)
{
	Tensor **o = arena_alloc(g->arena, nout * sizeof *o);
	o[0] = n->out[0];
	for (int i = 1; i < nout; i++) {
		o[i] = graph_tensor(g, arena_printf(g->arena, "extra%d", i));
		o[i]->def = n;
	}
	n->out = o;
	n->nout = nout;
}

/* ---- BatchNormalization, InstanceNormalization, LRN ---- */

START_TEST(test_batchnorm_infer_and_errors)
{
	Graph *g = mkchan("BatchNormalization", 5, 4, D(2, 3, 4, 5), 3);
	expect_shape(g, 4, D(2, 3, 4, 5));
	g = mkchan("BatchNormalization", 5, 4, D(2, 3, 4, 5), 3);
	tg_attr_int(g, g->node[0], "training_mode", 1);
	expect_error(g, "batchnormalization_0", "training_mode=1 is not supported");
	g = mkchan("BatchNormalization", 5, 4, D(2, 3, 4, 5), 3);
	add_outputs(g, g->node[0], 3);
	expect_error(g, "batchnormalization_0", "output 1 (a training statistic)");
	g = mkchan("BatchNormalization", 5, 4, D(2, 3, 4, 5), 3);
	g->node[0]->opset = 7;
	tg_attr_int(g, g->node[0], "spatial", 0);
	expect_error(g, "batchnormalization_0", "spatial=0 is not supported");
	expect_error(mkchan("BatchNormalization", 5, 4, D(2, 3, 4, 5), 4), "batchnormalization_0",
		"has 4 values, expected one per channel (3)");
	g = mkchan("BatchNormalization", 5, 4, D(2, 3, 4, 5), 3);
	g->node[0]->in[3] = NULL;
	expect_error(g, "batchnormalization_0", "input 3 is missing");
}
END_TEST

/* Inference-mode BatchNormalization on 1x2x2: y = (x - m) / sqrt(v + eps) * s + b. */
START_TEST(test_batchnorm_run)
{
	const float x[] = {1, 2, 3, 4}, s[] = {2, 1}, b[] = {0, 10}, m[] = {1, 3}, v[] = {4, 0.25f - 1e-5f};
	float y[4];
	Graph *g = mkchan("BatchNormalization", 5, 3, D(1, 2, 2), 2);
	Node *n = g->node[0];

	tg_const(g, n->in[1], DT_F32, 1, D(2), s);
	tg_const(g, n->in[2], DT_F32, 1, D(2), b);
	tg_const(g, n->in[3], DT_F32, 1, D(2), m);
	tg_const(g, n->in[4], DT_F32, 1, D(2), v);
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	ck_assert_float_close(y[0], 0.0, 1e-5);            /* (1-1)/2*2 */
	ck_assert_float_close(y[1], 1.0, 1e-5);            /* (2-1)/2*2 */
	ck_assert_float_close(y[2], 10.0, 1e-4);           /* (3-3)/0.5 + 10 */
	ck_assert_float_close(y[3], 12.0, 1e-4);           /* (4-3)/0.5 + 10 */
	graph_free(g);
}
END_TEST

START_TEST(test_instnorm_lrn_infer_run_errors)
{
	const float x[] = {1, 3, 10, 20}, s[] = {1, 2}, b[] = {0, 1};
	float y[4];
	Graph *g = mkchan("InstanceNormalization", 3, 3, D(1, 2, 2), 2);

	run_ok(g, (const void *const[]){x, s, b}, (void *const[]){y});
	ck_assert_float_close(y[0], -1.0, 1e-4);   /* mean 2, var 1 */
	ck_assert_float_close(y[1], 1.0, 1e-4);
	ck_assert_float_close(y[2], -1.0, 1e-4);   /* mean 15, var 25: -1 * 2 + 1 */
	ck_assert_float_close(y[3], 3.0, 1e-4);
	graph_free(g);
	expect_error(mkchan("InstanceNormalization", 3, 2, D(2, 3), 3), "instancenormalization_0", "rank 2");
	g = mk1("LRN", 4, D(1, 3, 2, 2));
	tg_attr_int(g, g->node[0], "size", 3);
	expect_shape(g, 4, D(1, 3, 2, 2));
	expect_error(mk1("LRN", 4, D(1, 3, 2, 2)), "lrn_0", "size 0 must be positive");
}
END_TEST

/* ---- Softmax, LogSoftmax, Hardmax, LpNormalization ---- */

/* opset 13 normalizes along one axis; opset 11 coerces to 2-D at axis. */
START_TEST(test_softmax_opset_semantics)
{
	const float x[] = {0, 1, 2, 3, 4, 5};   /* 2 x 3 */
	float y[6];
	Graph *g = mk1("Softmax", 2, D(2, 3));
	double s = 0;

	tg_attr_int(g, g->node[0], "axis", 0);
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	ck_assert_float_close(y[0], 1 / (1 + exp(3.0)), 1e-6);   /* per column: {0, 3} */
	ck_assert_float_close(y[5], 1 / (1 + exp(-3.0)), 1e-6);
	graph_free(g);
	g = mk1("Softmax", 2, D(2, 3));
	g->node[0]->opset = 11;
	tg_attr_int(g, g->node[0], "axis", 0);   /* coerced 1 x 6: all six together */
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	for (int i = 0; i < 6; i++)
		s += exp(i);
	for (int i = 0; i < 6; i++)
		ck_assert_float_close(y[i], exp(i) / s, 1e-6);
	graph_free(g);
	g = mk1("LogSoftmax", 2, D(2, 3));       /* opset 13 default axis -1 */
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	ck_assert_float_close(y[3], 3 - (5 + log(exp(-2.0) + exp(-1.0) + 1)), 1e-5);
	graph_free(g);
	g = mk1("Hardmax", 3, D(1, 2, 3));
	g->node[0]->opset = 11;                  /* default axis 1, coerced: 1 x 6 */
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	for (int i = 0; i < 6; i++)
		ck_assert_float_eq(y[i], i == 5 ? 1.0f : 0.0f);
	graph_free(g);
}
END_TEST

START_TEST(test_axis_ops_errors_and_lpnorm)
{
	const float x[] = {3, 4, 0, 0};
	float y[4];
	Graph *g = mk1("Softmax", 2, D(2, 3));

	tg_attr_int(g, g->node[0], "axis", 2);
	expect_error(g, "softmax_0", "axis 2 is out of range");
	g = mk1("LpNormalization", 2, D(2, 2));
	tg_attr_int(g, g->node[0], "p", 3);
	expect_error(g, "lpnormalization_0", "p=3 is not supported");
	g = mk1("LpNormalization", 2, D(2, 2));
	tg_attr_int(g, g->node[0], "axis", 1);
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	ck_assert_float_close(y[0], 0.6, 1e-6);
	ck_assert_float_close(y[1], 0.8, 1e-6);
	ck_assert_float_eq(y[2], 0.0f);          /* a zero row stays zero */
	graph_free(g);
	g = mkn("Softmax", DT_I32, 1, (int[]){1}, (const int64_t *const[]){D(3)});
	expect_error(g, "softmax_0", "type int32");
	g = mk1("Hardmax", 0, D(0));
	tg_attr_int(g, g->node[0], "axis", 0);
	expect_error(g, "hardmax_0", "rank 0");
}
END_TEST

/* ---- LayerNormalization, MeanVarianceNormalization ---- */

static Graph *
mkln(int rx, const int64_t *dx, int rs, const int64_t *ds, int nin)
{
	return mkn("LayerNormalization", DT_F32, nin, (int[]){rx, rs, rs},
		(const int64_t *const[]){dx, ds, ds});
}

START_TEST(test_layernorm_infer_stats_and_errors)
{
	Graph *g = mkln(3, D(2, 3, 4), 2, D(3, 4), 3);
	Node *n = g->node[0];
	Diag d = diag_capture();

	tg_attr_int(g, n, "axis", 1);
	add_outputs(g, n, 3);
	ck_assert_msg(optab[n->op].infer(n, &d) == 0, "%s", d.last);
	ck_assert_int_eq(n->out[1]->rank, 3);
	ck_assert_int_eq(n->out[1]->dim[0], 2);
	ck_assert_int_eq(n->out[1]->dim[1], 1);
	ck_assert_int_eq(n->out[2]->dim[2], 1);
	graph_free(g);
	expect_error(mkln(3, D(2, 3, 4), 1, D(3), 2), "layernormalization_0",
		"input 'x1' of shape 3 does not broadcast to the normalized shape");
	g = mkln(2, D(2, 4), 2, D(1, 4), 2);    /* runtime scale [1, 4]: numel matches */
	expect_shape(g, 2, D(2, 4));
	g = mkln(3, D(2, 2, 2), 2, D(2, 1), 2);    /* runtime scale of a partial shape */
	tg_attr_int(g, g->node[0], "axis", 1);
	expect_error_at(g, "layernormalization_0", "must be constant or of the normalized shape", 1);
}
END_TEST

/* Normalized over the last two axes of 1 x 2 x 2 with a constant scale of
 * shape [2, 1] (expanded at lowering) and no bias. */
START_TEST(test_layernorm_run_const_broadcast_scale)
{
	const float x[] = {1, 2, 3, 4}, s[] = {1, 10};
	float y[4];
	Graph *g = mkln(3, D(1, 2, 2), 2, D(2, 1), 2);
	double inv = 1 / sqrt(1.25 + 1e-5);      /* mean 2.5, var 1.25 */

	tg_attr_int(g, g->node[0], "axis", 1);
	tg_const(g, g->node[0]->in[1], DT_F32, 2, D(2, 1), s);
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	ck_assert_float_close(y[0], -1.5 * inv, 1e-5);
	ck_assert_float_close(y[1], -0.5 * inv, 1e-5);
	ck_assert_float_close(y[2], 5 * inv, 1e-4);
	ck_assert_float_close(y[3], 15 * inv, 1e-4);
	graph_free(g);
}
END_TEST

START_TEST(test_mvn_default_axes)
{
	const float x[] = {1, 3, 5, 7, /* channel 1 */ 2, 2, 2, 2};   /* 2 x 2 x 1 x 2 ... as N=2, C=2 */
	float y[8];
	Graph *g = mk1("MeanVarianceNormalization", 4, D(2, 2, 1, 2));

	/* channel 0: x[n=0] = {1, 3}, x[n=1] = {2, 2}; channel 1: {5, 7}, {2, 2} */
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	ck_assert_float_close(y[0], (1 - 2.0) / sqrt(0.5), 1e-5);    /* {1,3,2,2}: mean 2, var 0.5 */
	ck_assert_float_close(y[4], 0.0, 1e-5);
	ck_assert_float_close(y[2], (5 - 4.0) / sqrt(4.5), 1e-5);    /* {5,7,2,2}: mean 4, var 4.5 */
	graph_free(g);
	g = mk1("MeanVarianceNormalization", 3, D(2, 2, 2));
	expect_error(g, "meanvariancenormalization_0", "axis 3 is out of range");
}
END_TEST

START_TEST(test_norm_family_rejects_foreign_op)
{
	Graph *g = mk1("Softmax", 1, D(2));
	Node *n = g->node[0];
	Diag d = diag_capture();
	Lower l = {NULL, &d, NULL};

	n->op = op_lookup("Relu");
	ck_assert_int_eq(norm_infer(n, &d), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "node 'softmax_0'"));
	ck_assert_int_eq(norm_lower(n, &l), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "not a norm-family op"));
	graph_free(g);
}
END_TEST

/* ---- Reduce*, ArgMax/ArgMin ---- */

static Graph *
mkred(const char *op, DType dt, int r, const int64_t *d, int naxes)
{
	int64_t na = naxes;
	Graph *g = mkn(op, dt, naxes >= 0 ? 2 : 1, (int[]){r, 1}, (const int64_t *const[]){d, &na});
	if (naxes >= 0)
		g->node[0]->in[1]->dtype = DT_I64;
	return g;
}

START_TEST(test_reduce_infer_axes_keepdims)
{
	Graph *g = mkred("ReduceMean", DT_F32, 3, D(2, 3, 4), -1);
	tg_attr_ints(g, g->node[0], "axes", 2, D(0, -1));
	expect_shape(g, 3, D(1, 3, 1));
	g = mkred("ReduceMax", DT_F32, 3, D(2, 3, 4), -1);
	tg_attr_ints(g, g->node[0], "axes", 1, D(1));
	tg_attr_int(g, g->node[0], "keepdims", 0);
	expect_shape(g, 2, D(2, 4));
	g = mkred("ReduceL2", DT_F32, 3, D(2, 3, 4), -1);   /* no axes: all */
	tg_attr_int(g, g->node[0], "keepdims", 0);
	expect_shape(g, 0, D(0));
	g = mkred("ReduceSum", DT_I64, 3, D(2, 3, 4), 1);   /* constant axes input */
	tg_const(g, g->node[0]->in[1], DT_I64, 1, D(1), D(-2));
	expect_shape(g, 3, D(2, 1, 4));
	g = mkred("ReduceSum", DT_F32, 2, D(2, 3), 0);      /* empty axes input + noop */
	tg_attr_int(g, g->node[0], "noop_with_empty_axes", 1);
	expect_shape(g, 2, D(2, 3));
	g = mk1("ArgMax", 3, D(2, 3, 4));
	tg_attr_int(g, g->node[0], "axis", -1);
	tg_attr_int(g, g->node[0], "keepdims", 0);
	expect_shape(g, 2, D(2, 3));
}
END_TEST

START_TEST(test_reduce_infer_errors)
{
	Graph *g = mkred("ReduceSum", DT_F32, 2, D(2, 3), 1);
	expect_error(g, "reducesum_0", "axes input 'x1' must be a constant integer tensor");
	g = mkred("ReduceL2", DT_I32, 2, D(2, 3), -1);
	expect_error(g, "reducel2_0", "input 'x0' has type int32");
	g = mkred("ReduceMin", DT_F32, 2, D(2, 3), -1);
	tg_attr_ints(g, g->node[0], "axes", 1, D(2));
	expect_error(g, "reducemin_0", "axis 2 is out of range");
	g = mk1("ArgMin", 2, D(2, 0));
	tg_attr_int(g, g->node[0], "axis", 1);
	expect_error(g, "argmin_0", "axis 1 of input 'x0' is empty");
	g = mkn("ArgMax", DT_BOOL, 1, (int[]){1}, (const int64_t *const[]){D(3)});
	expect_error(g, "argmax_0", "type bool");
	expect_error(mk1("ArgMax", 0, D(0)), "argmax_0", "rank 0");
}
END_TEST

START_TEST(test_reduce_run_ops)
{
	const float x[] = {1, -2, 3, -4, 5, -6};   /* 2 x 3 */
	const int64_t xi[] = {4, 9, 9, 9, 1, 7};
	float y[6];
	int64_t yi[3];
	Graph *g = mkred("ReduceSumSquare", DT_F32, 2, D(2, 3), -1);

	tg_attr_ints(g, g->node[0], "axes", 1, D(1));
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	ck_assert_float_eq(y[0], 14.0f);
	ck_assert_float_eq(y[1], 77.0f);
	graph_free(g);
	g = mkred("ReduceLogSumExp", DT_F32, 2, D(2, 3), -1);   /* all */
	run_ok(g, (const void *const[]){x}, (void *const[]){y});
	ck_assert_float_close(y[0], log(exp(1) + exp(-2) + exp(3) + exp(-4) + exp(5) + exp(-6)), 1e-5);
	graph_free(g);
	g = mkred("ReduceSum", DT_F32, 2, D(2, 3), 0);          /* noop: a copy */
	tg_attr_int(g, g->node[0], "noop_with_empty_axes", 1);
	run_ok(g, (const void *const[]){x, NULL}, (void *const[]){y});
	for (int i = 0; i < 6; i++)
		ck_assert_float_eq(y[i], x[i]);
	graph_free(g);
	g = mk1("ArgMax", 2, D(2, 3));                          /* along axis 0 */
	g->node[0]->in[0]->dtype = DT_I64;
	run_ok(g, (const void *const[]){xi}, (void *const[]){yi});
	ck_assert_int_eq(yi[0], 1);                              /* column {4, 9} */
	ck_assert_int_eq(yi[1], 0);                              /* {9, 9}: first */
	ck_assert_int_eq(yi[2], 0);                              /* {9, 7} */
	graph_free(g);
	g = mk1("ArgMax", 2, D(2, 3));
	g->node[0]->in[0]->dtype = DT_I64;
	tg_attr_int(g, g->node[0], "axis", 1);
	tg_attr_int(g, g->node[0], "select_last_index", 1);
	run_ok(g, (const void *const[]){xi}, (void *const[]){yi});
	ck_assert_int_eq(g->node[0]->out[0]->dim[1], 1);
	ck_assert_int_eq(yi[0], 2);                              /* row {4, 9, 9}: last */
	ck_assert_int_eq(yi[1], 0);                              /* row {9, 1, 7} */
	graph_free(g);
}
END_TEST

static Suite *
norm_suite(void)
{
	Suite *s = suite_create("ops_norm");
	TCase *tc = tcase_create("norm");

	tcase_add_test(tc, test_batchnorm_infer_and_errors);
	tcase_add_test(tc, test_batchnorm_run);
	tcase_add_test(tc, test_instnorm_lrn_infer_run_errors);
	tcase_add_test(tc, test_softmax_opset_semantics);
	tcase_add_test(tc, test_axis_ops_errors_and_lpnorm);
	tcase_add_test(tc, test_layernorm_infer_stats_and_errors);
	tcase_add_test(tc, test_layernorm_run_const_broadcast_scale);
	tcase_add_test(tc, test_mvn_default_axes);
	tcase_add_test(tc, test_norm_family_rejects_foreign_op);
	suite_add_tcase(s, tc);
	tc = tcase_create("reduce");
	tcase_add_test(tc, test_reduce_infer_axes_keepdims);
	tcase_add_test(tc, test_reduce_infer_errors);
	tcase_add_test(tc, test_reduce_run_ops);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(norm_suite());
}
