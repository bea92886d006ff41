/* test_ops_gemm.c: the gemm op family (compiler/ops/gemm.c) -- Gemm,
 * MatMul, Einsum, Det: shape inference, every error path, and small runs
 * through the interpreter checked against hand-computed results. */
#include <string.h>

#include "driver.h"
#include "testutil.h"
#include "axrt.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})

static Graph *
mk3(const char *op, DType dt, int nin, int r0, const int64_t *d0, int r1, const int64_t *d1,
	int r2, const int64_t *d2)
{
	int rank[3] = {r0, r1, r2};
	const int64_t *dims[3] = {d0, d1, d2};
	return tg_single_op(op, dt, nin, rank, dims);
}

static Graph *
mk2(const char *op, int r0, const int64_t *d0, int r1, const int64_t *d1)
{
	return mk3(op, DT_F32, 2, r0, d0, r1, d1, 0, NULL);
}

static Graph *
mk1(const char *op, int r0, const int64_t *d0)
{
	return mk3(op, DT_F32, 1, r0, d0, 0, NULL, 0, NULL);
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

/* One error naming node `name` and containing frag, from infer (or, with
 * run set, from the whole pipeline: infer, passes, lowering). */
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

/* ---- Gemm ---- */

START_TEST(test_gemm_infer_transposes_and_bias)
{
	Graph *g = mk3("Gemm", DT_F32, 3, 2, D(3, 6), 2, D(6, 4), 1, D(4));
	expect_shape(g, 2, D(3, 4));
	g = mk3("Gemm", DT_F32, 3, 2, D(6, 3), 2, D(4, 6), 2, D(3, 1));
	tg_attr_int(g, g->node[0], "transA", 1);
	tg_attr_int(g, g->node[0], "transB", 1);
	expect_shape(g, 2, D(3, 4));
	g = mk3("Gemm", DT_F32, 3, 2, D(2, 5), 2, D(5, 7), 0, NULL);   /* scalar C */
	expect_shape(g, 2, D(2, 7));
}
END_TEST

START_TEST(test_gemm_infer_errors)
{
	expect_error(mk2("Gemm", 2, D(3, 6), 2, D(5, 4)), "gemm_0", "A has 6 columns but B has 5 rows");
	expect_error(mk3("Gemm", DT_F32, 3, 2, D(3, 6), 2, D(6, 4), 1, D(3)), "gemm_0",
		"does not broadcast to 3x4");
	expect_error(mk2("Gemm", 3, D(1, 3, 6), 2, D(6, 4)), "gemm_0", "rank 3, expected 2");
	expect_error(mk3("Gemm", DT_I32, 2, 2, D(2, 2), 2, D(2, 2), 0, NULL), "gemm_0", "type int32");
}
END_TEST

/* Y = alpha * A' B' + beta * C with a constant, transposed B (lowered to
 * a pre-transposed copy) and a fused Relu; worked by hand. */
START_TEST(test_gemm_run_const_transposed_b_relu)
{
	const float a[] = {1, 2, 3, 4}, b[] = {5, 7, 6, 8}, c[] = {1, -100};   /* B^T = [[5,6],[7,8]] */
	float y[4];
	Graph *g = mk3("Gemm", DT_F32, 3, 2, D(2, 2), 2, D(2, 2), 1, D(2));
	Node *n = g->node[0];
	Diag d = diag_capture();

	tg_const(g, n->in[1], DT_F32, 2, D(2, 2), b);
	tg_attr_int(g, n, "transB", 1);
	tg_attr_float(g, n, "alpha", 2.0f);
	tg_attr_float(g, n, "beta", 0.5f);
	n->act = AXRT_ACT_RELU;
	ck_assert_msg(tg_run(g, &d, (const void *const[]){a, c}, (void *const[]){y}) == 0, "%s", d.last);
	ck_assert_float_eq(y[0], 2 * 19 + 0.5f);   /* 1*5 + 2*7 = 19 */
	ck_assert_float_eq(y[1], 0.0f);            /* 2*22 - 50 < 0 */
	ck_assert_float_eq(y[2], 2 * 43 + 0.5f);   /* 3*5 + 4*7 = 43 */
	ck_assert_float_eq(y[3], 2 * 50 - 50.0f);  /* 3*6 + 4*8 = 50 */
	graph_free(g);
}
END_TEST

/* transA and a runtime (non-constant) transposed B: the kernel's scratch
 * path; C absent. */
START_TEST(test_gemm_run_runtime_transposes)
{
	const float a[] = {1, 3, 2, 4}, b[] = {5, 7, 6, 8};   /* A^T = [[1,2],[3,4]], B^T = [[5,6],[7,8]] */
	float y[4];
	Graph *g = mk2("Gemm", 2, D(2, 2), 2, D(2, 2));
	Diag d = diag_capture();

	tg_attr_int(g, g->node[0], "transA", 1);
	tg_attr_int(g, g->node[0], "transB", 1);
	ck_assert_msg(tg_run(g, &d, (const void *const[]){a, b}, (void *const[]){y}) == 0, "%s", d.last);
	ck_assert_float_eq(y[0], 19.0f);
	ck_assert_float_eq(y[1], 22.0f);
	ck_assert_float_eq(y[2], 43.0f);
	ck_assert_float_eq(y[3], 50.0f);
	graph_free(g);
}
END_TEST

/* ---- MatMul ---- */

START_TEST(test_matmul_infer_numpy_rules)
{
	expect_shape(mk2("MatMul", 2, D(3, 4), 2, D(4, 5)), 2, D(3, 5));
	expect_shape(mk2("MatMul", 1, D(4), 2, D(4, 5)), 1, D(5));
	expect_shape(mk2("MatMul", 3, D(2, 3, 4), 1, D(4)), 2, D(2, 3));
	expect_shape(mk2("MatMul", 1, D(4), 1, D(4)), 0, D(0));
	expect_shape(mk2("MatMul", 4, D(2, 1, 3, 4), 3, D(5, 4, 6)), 4, D(2, 5, 3, 6));
}
END_TEST

START_TEST(test_matmul_infer_errors)
{
	Graph *g;
	expect_error(mk2("MatMul", 2, D(3, 4), 2, D(5, 6)), "matmul_0", "inner dimensions of 3x4 and 5x6");
	expect_error(mk2("MatMul", 3, D(2, 3, 4), 3, D(3, 4, 5)), "matmul_0", "do not broadcast");
	g = mk2("MatMul", 2, D(3, 4), 2, D(4, 5));
	g->node[0]->in[1]->dtype = DT_I64;
	expect_error(g, "matmul_0", "different types");
	g = mk3("MatMul", DT_BOOL, 2, 2, D(2, 2), 2, D(2, 2), 0, NULL);
	expect_error(g, "matmul_0", "type bool");
	g = mk2("MatMul", 2, D(2, 2), 2, D(2, 2));
	g->node[0]->act = AXRT_ACT_RELU;   /* fuse.c never does this */
	expect_error_at(g, "matmul_0", "fused activation on MatMul", 1);
}
END_TEST

/* [2,1,2,2] x [3,2,1]: batch dims broadcast to [2,3], B's matrices are
 * 2x1 column vectors. */
START_TEST(test_matmul_run_broadcast_int64)
{
	const int64_t a[] = {1, 2, 3, 4, /* batch 1 */ -1, 0, 0, -1};
	const int64_t b[] = {1, 0, /* */ 0, 1, /* */ 1, 1};
	int64_t y[2 * 3 * 2];
	Graph *g = mk3("MatMul", DT_I64, 2, 4, D(2, 1, 2, 2), 3, D(3, 2, 1), 0, NULL);
	Diag d = diag_capture();

	ck_assert_msg(tg_run(g, &d, (const void *const[]){a, b}, (void *const[]){y}) == 0, "%s", d.last);
	ck_assert_int_eq(g->node[0]->out[0]->rank, 4);
	static const int64_t want[] = {1, 3, 2, 4, 3, 7, -1, 0, 0, -1, -1, -1};
	for (int i = 0; i < 12; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

/* ---- Einsum ---- */

static Graph *
einsum(const char *eq, int nin, int r0, const int64_t *d0, int r1, const int64_t *d1)
{
	Graph *g = mk3("Einsum", DT_F32, nin, r0, d0, r1, d1, 0, NULL);
	tg_attr_string(g, g->node[0], "equation", eq);
	return g;
}

START_TEST(test_einsum_infer_patterns)
{
	expect_shape(einsum("bij, bjk -> bik", 2, 3, D(5, 2, 3), 3, D(5, 3, 4)), 3, D(5, 2, 4));
	expect_shape(einsum("i,i", 2, 1, D(5), 1, D(5)), 0, D(0));
	expect_shape(einsum("ij", 1, 2, D(3, 4), 0, NULL), 2, D(3, 4));
	expect_shape(einsum("ji", 1, 2, D(3, 4), 0, NULL), 2, D(4, 3));   /* implicit: sorted */
	expect_shape(einsum("...ii ->...i", 1, 3, D(3, 5, 5), 0, NULL), 2, D(3, 5));
	expect_shape(einsum("...ij,...jk", 2, 4, D(2, 1, 3, 4), 3, D(6, 4, 5)), 4, D(2, 6, 3, 5));
	expect_shape(einsum("ij->", 1, 2, D(3, 4), 0, NULL), 0, D(0));
	expect_shape(einsum("Ab,bA->A", 2, 2, D(3, 4), 2, D(4, 3)), 1, D(3));
}
END_TEST

START_TEST(test_einsum_infer_errors)
{
	char longeq[300];
	memset(longeq, 'a', sizeof longeq - 1);
	longeq[sizeof longeq - 1] = 0;
	expect_error(einsum("ij,jk", 2, 2, D(2, 3), 2, D(4, 5)), "einsum_0", "label 'j' has sizes 3 and 4");
	expect_error(einsum("ijk", 1, 2, D(2, 3), 0, NULL), "einsum_0", "has 3 labels but input 'x0' has rank 2");
	expect_error(einsum("i$", 1, 2, D(2, 3), 0, NULL), "einsum_0", "malformed equation term 'i$'");
	expect_error(einsum("ij->i,j", 1, 2, D(2, 3), 0, NULL), "einsum_0", "malformed output term");
	expect_error(einsum("ij->ik", 1, 2, D(2, 3), 0, NULL), "einsum_0", "output label 'k' is missing");
	expect_error(einsum("ij->ii", 1, 2, D(2, 2), 0, NULL), "einsum_0", "output label 'i'");
	expect_error(einsum("ij,jk", 1, 2, D(2, 3), 0, NULL), "einsum_0", "2 input terms for 1 inputs");
	expect_error(einsum(longeq, 1, 2, D(2, 3), 0, NULL), "einsum_0", "equation is too long");
	expect_error(einsum("abcde,fghij->abcdefghij", 2, 5, D(1, 1, 1, 1, 1), 5, D(1, 1, 1, 1, 1)),
		"einsum_0", "output rank 10 exceeds 8");
	expect_error(mk1("Einsum", 2, D(2, 2)), "einsum_0", "missing attribute 'equation'");
	Graph *g = einsum("i,i", 2, 1, D(2), 1, D(2));
	g->node[0]->in[1]->dtype = DT_F64;
	expect_error(g, "einsum_0", "different types");
}
END_TEST

/* "...ij,...jk" with a broadcast batch and a diagonal "ii->i", run. */
START_TEST(test_einsum_run_batch_matmul_and_diagonal)
{
	const float a[] = {1, 2, /* batch 1 */ 3, 4}, b[] = {1, 0, 2, 0, 1, 2};   /* a: 2x1x2, b: 2x3 */
	const float m[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	float y[6];
	Graph *g = einsum("...ij,jk", 2, 3, D(2, 1, 2), 2, D(2, 3));
	Diag d = diag_capture();

	ck_assert_msg(tg_run(g, &d, (const void *const[]){a, b}, (void *const[]){y}) == 0, "%s", d.last);
	static const float want[] = {1, 2, 6, 3, 4, 14};
	for (int i = 0; i < 6; i++)
		ck_assert_float_eq(y[i], want[i]);
	graph_free(g);
	g = einsum("ii->i", 1, 2, D(3, 3), 0, NULL);
	ck_assert_msg(tg_run(g, &d, (const void *const[]){m}, (void *const[]){y}) == 0, "%s", d.last);
	ck_assert_float_eq(y[0], 1.0f);
	ck_assert_float_eq(y[1], 5.0f);
	ck_assert_float_eq(y[2], 9.0f);
	graph_free(g);
}
END_TEST

/* ---- Det ---- */

START_TEST(test_det_infer_and_run)
{
	const float x[] = {2, 0, 0, 3, /* */ 0, 1, 1, 0};
	float y[2];
	Graph *g = mk1("Det", 3, D(2, 2, 2));
	Diag d = diag_capture();

	expect_shape(mk1("Det", 2, D(4, 4)), 0, D(0));
	expect_error(mk1("Det", 3, D(2, 3, 4)), "det_0", "not a batch of square matrices");
	expect_error(mk1("Det", 1, D(4)), "det_0", "rank 1");
	ck_assert_msg(tg_run(g, &d, (const void *const[]){x}, (void *const[]){y}) == 0, "%s", d.last);
	ck_assert_float_eq(y[0], 6.0f);
	ck_assert_float_eq(y[1], -1.0f);
	graph_free(g);
}
END_TEST

START_TEST(test_gemm_family_rejects_foreign_op)
{
	Graph *g = mk1("Det", 2, D(2, 2));
	Node *n = g->node[0];
	Diag d = diag_capture();
	Lower l = {NULL, &d, NULL};

	n->op = op_lookup("Relu");
	ck_assert_int_eq(gemm_infer(n, &d), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "node 'det_0'"));
	ck_assert_int_eq(gemm_lower(n, &l), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "not a gemm-family op"));
	graph_free(g);
}
END_TEST

/* ---- lowering onto the blocked GEMM ---- */

/* Infers and lowers g (one node); returns the kernel of its one step. */
static KernelId
lowered_kernel(Graph *g)
{
	Diag d = diag_capture();
	Program *p;
	KernelId k;

	ck_assert_msg(run_pipeline(g, &d, NULL) == 0, "pipeline: %s", d.all);
	p = prog_lower(g, &d);
	ck_assert_msg(p != NULL, "lower: %s", d.all);
	ck_assert_int_eq(p->nstep, 1);
	k = p->step[0].k;
	prog_free(p);
	return k;
}

/* A constant B goes to gemm_f32_packed (one row of A too: no scratch);
 * alpha != 1, a C that varies along m, or a runtime B stay on the
 * reference gemm_f32; MatMul by a constant 2-D B goes packed too. */
START_TEST(test_gemm_lower_picks_kernels)
{
	static float b[6 * 5], c[4 * 5];
	static const struct { int64_t m; float alpha; int crank; int cdim0; KernelId want; } cases[] = {
		{4, 1.0f, 1, 5, K_gemm_f32_packed}, {4, 1.0f, 0, 0, K_gemm_f32_packed},
		{4, 1.0f, 2, 1, K_gemm_f32_packed}, {1, 1.0f, 1, 5, K_gemm_f32_packed},
		{4, 2.0f, 1, 5, K_gemm_f32}, {4, 1.0f, 2, 4, K_gemm_f32},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int crank = cases[i].crank;
		Graph *g = crank ? mk3("Gemm", DT_F32, 3, 2, D(cases[i].m, 6), 2, D(6, 5), crank,
				crank == 1 ? D(5) : D(cases[i].cdim0, 5))
			: mk2("Gemm", 2, D(cases[i].m, 6), 2, D(6, 5));
		tg_const(g, g->node[0]->in[1], DT_F32, 2, D(6, 5), b);
		if (crank)
			tg_const(g, g->node[0]->in[2], DT_F32, crank, crank == 1 ? D(5) : D(cases[i].cdim0, 5), c);
		tg_attr_float(g, g->node[0], "alpha", cases[i].alpha);
		ck_assert_msg(lowered_kernel(g) == cases[i].want, "case %zu", i);
		graph_free(g);
	}
	Graph *g = mk2("MatMul", 3, D(2, 3, 6), 2, D(6, 5));
	tg_const(g, g->node[0]->in[1], DT_F32, 2, D(6, 5), b);
	ck_assert_int_eq(lowered_kernel(g), K_gemm_f32_packed);
	graph_free(g);
	g = mk2("Gemm", 2, D(4, 6), 2, D(6, 5));   /* B at run time */
	ck_assert_int_eq(lowered_kernel(g), K_gemm_f32);
	graph_free(g);
}
END_TEST

/* The packed path end to end, worked by hand: transB, beta 0.5 on a
 * scalar C (folded into a bias at compile time), a fused Relu, 4 rows. */
START_TEST(test_gemm_run_packed_beta_scalar_c)
{
	const float a[] = {1, 2, 3, 4, -1, -2, 0, 1}, bt[] = {5, 7, 6, 8}, c[] = {-4};
	float y[8];
	Graph *g = mk3("Gemm", DT_F32, 3, 2, D(4, 2), 2, D(2, 2), 0, D(0));
	Node *n = g->node[0];
	Diag d = diag_capture();

	tg_const(g, n->in[1], DT_F32, 2, D(2, 2), bt);   /* B^T = [[5,6],[7,8]] */
	tg_const(g, n->in[2], DT_F32, 0, D(0), c);
	tg_attr_int(g, n, "transB", 1);
	tg_attr_float(g, n, "beta", 0.5f);
	n->act = AXRT_ACT_RELU;
	ck_assert_msg(tg_run(g, &d, (const void *const[]){a}, (void *const[]){y}) == 0, "%s", d.last);
	ck_assert_float_eq(y[0], 17.0f);   /* 1*5 + 2*7 - 2 */
	ck_assert_float_eq(y[1], 20.0f);   /* 1*6 + 2*8 - 2 */
	ck_assert_float_eq(y[2], 41.0f);   /* 3*5 + 4*7 - 2 */
	ck_assert_float_eq(y[3], 48.0f);
	ck_assert_float_eq(y[4], 0.0f);    /* -5 - 14 - 2 < 0 */
	ck_assert_float_eq(y[5], 0.0f);
	ck_assert_float_eq(y[6], 5.0f);    /* 0*5 + 1*7 - 2 */
	ck_assert_float_eq(y[7], 6.0f);
	graph_free(g);
}
END_TEST

static Suite *
gemm_suite(void)
{
	Suite *s = suite_create("ops_gemm");
	TCase *tc = tcase_create("infer");

	tcase_add_test(tc, test_gemm_infer_transposes_and_bias);
	tcase_add_test(tc, test_matmul_infer_numpy_rules);
	tcase_add_test(tc, test_einsum_infer_patterns);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_gemm_infer_errors);
	tcase_add_test(tc, test_matmul_infer_errors);
	tcase_add_test(tc, test_einsum_infer_errors);
	tcase_add_test(tc, test_gemm_family_rejects_foreign_op);
	suite_add_tcase(s, tc);
	tc = tcase_create("lower");
	tcase_add_test(tc, test_gemm_lower_picks_kernels);
	tcase_add_test(tc, test_gemm_run_packed_beta_scalar_c);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, test_gemm_run_const_transposed_b_relu);
	tcase_add_test(tc, test_gemm_run_runtime_transposes);
	tcase_add_test(tc, test_matmul_run_broadcast_int64);
	tcase_add_test(tc, test_einsum_run_batch_matmul_and_diagonal);
	tcase_add_test(tc, test_det_infer_and_run);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(gemm_suite());
}
