/* test_ops_eltwise.c: the unary and binary op families (compiler/ops/
 * unary.c, binary.c): shape/type inference, every diagnostic, and whole
 * single-op graphs run through the pipeline and the interpreter, checked
 * against references computed here. */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "driver.h"
#include "passes.h"

static Graph *
op1(const char *op, DType dt, int r, const int64_t *dim)
{
	int rank[1] = {r};
	const int64_t *dims[1] = {dim};
	return tg_single_op(op, dt, 1, rank, dims);
}

static Graph *
op2(const char *op, DType dt, int ra, const int64_t *da, int rb, const int64_t *db)
{
	int rank[2] = {ra, rb};
	const int64_t *dims[2] = {da, db};
	return tg_single_op(op, dt, 2, rank, dims);
}

static Graph *
op3(const char *op, DType dt, const int *rank, const int64_t *const *dims)
{
	return tg_single_op(op, dt, 3, rank, dims);
}

/* Runs the node's inference alone and expects one error naming the node. */
static void
expect_infer_error(Graph *g, const char *who, const char *what)
{
	Diag d = diag_capture();
	Node *n = g->node[0];
	ck_assert_int_eq(optab[n->op].infer(n, &d), -1);
	ck_assert_int_eq(d.nerr, 1);
	ck_assert_msg(strstr(d.last, who) != NULL, "'%s' not in: %s", who, d.last);
	ck_assert_msg(strstr(d.last, what) != NULL, "'%s' not in: %s", what, d.last);
	graph_free(g);
}

static void
run_ok(Graph *g, const void *const *in, void *const *out)
{
	Diag d = diag_capture();
	int rc = tg_run(g, &d, in, out);
	ck_assert_msg(rc == 0, "tg_run failed: %s", d.all);
}

/* ---- binary: inference and runs ---- */

START_TEST(test_add_broadcast_shape_and_values)
{
	Graph *g = op2("Add", DT_F32, 3, (int64_t[]){2, 3, 4}, 1, (int64_t[]){4});
	float a[24], b[4] = {1, 10, 100, 1000}, y[24];
	for (int i = 0; i < 24; i++)
		a[i] = (float)i;
	const void *in[] = {a, b};
	void *out[] = {y};
	run_ok(g, in, out);
	Tensor *t = g->output[0];
	ck_assert_int_eq(t->rank, 3);
	ck_assert(t->dim[0] == 2 && t->dim[1] == 3 && t->dim[2] == 4 && t->dtype == DT_F32);
	for (int i = 0; i < 24; i++)
		ck_assert_float_close(y[i], a[i] + b[i % 4], 0);
	graph_free(g);
}
END_TEST

/* Sum of [3,1], [1,4] and [4]: the first pair broadcasts into the output,
 * the third input is added in place. */
START_TEST(test_sum_three_inputs_broadcast)
{
	int rank[3] = {2, 2, 1};
	const int64_t *dims[3] = {(int64_t[]){3, 1}, (int64_t[]){1, 4}, (int64_t[]){4}};
	Graph *g = op3("Sum", DT_F32, rank, dims);
	float a[3] = {1, 2, 3}, b[4] = {10, 20, 30, 40}, c[4] = {100, 200, 300, 400}, y[12];
	const void *in[] = {a, b, c};
	void *out[] = {y};
	run_ok(g, in, out);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++)
			ck_assert_float_close(y[i * 4 + j], a[i] + b[j] + c[j], 0);
	graph_free(g);
}
END_TEST

START_TEST(test_mean_and_max_variadic)
{
	int rank[3] = {1, 1, 1};
	const int64_t *dims[3] = {(int64_t[]){3}, (int64_t[]){3}, (int64_t[]){1}};
	float a[3] = {1, 5, -2}, b[3] = {4, 2, 0}, c[1] = {3}, y[3];
	const void *in[] = {a, b, c};
	void *out[] = {y};
	Graph *g = op3("Mean", DT_F32, rank, dims);
	run_ok(g, in, out);
	for (int i = 0; i < 3; i++)
		ck_assert_float_close(y[i], (a[i] + b[i] + c[0]) / 3, 1e-6);
	graph_free(g);
	g = op3("Max", DT_F32, rank, dims);
	run_ok(g, in, out);
	ck_assert(y[0] == 4 && y[1] == 5 && y[2] == 3);
	graph_free(g);
}
END_TEST

START_TEST(test_min_single_input_copies)
{
	Graph *g = op1("Min", DT_I64, 1, (int64_t[]){3});
	int64_t a[3] = {7, -1, 2}, y[3] = {0};
	const void *in[] = {a};
	void *out[] = {y};
	run_ok(g, in, out);
	ck_assert_mem_eq(y, a, sizeof y);
	graph_free(g);
}
END_TEST

START_TEST(test_int64_div_and_compare)
{
	Graph *g = op2("Div", DT_I64, 1, (int64_t[]){4}, 0, NULL);
	int64_t a[4] = {-7, 7, 9, 0}, b = 2, y[4];
	const int64_t want[4] = {-3, 3, 4, 0};
	const void *in[] = {a, &b};
	void *out[] = {y};
	run_ok(g, in, out);
	ck_assert_mem_eq(y, want, sizeof y);
	graph_free(g);
	g = op2("GreaterOrEqual", DT_I64, 1, (int64_t[]){4}, 0, NULL);
	uint8_t yb[4];
	const uint8_t bwant[4] = {0, 1, 1, 0};
	void *bout[] = {yb};
	run_ok(g, in, bout);
	ck_assert_int_eq(g->output[0]->dtype, DT_BOOL);
	ck_assert_mem_eq(yb, bwant, 4);
	graph_free(g);
}
END_TEST

/* Pow with an int64 exponent keeps the base's type (ONNX test_pow_types). */
START_TEST(test_pow_float_base_int_exponent)
{
	Graph *g = op2("Pow", DT_F32, 1, (int64_t[]){3}, 1, (int64_t[]){3});
	g->input[1]->dtype = DT_I64;
	float x[3] = {1, 2, 3}, y[3];
	int64_t e[3] = {4, 5, 6};
	const void *in[] = {x, e};
	void *out[] = {y};
	run_ok(g, in, out);
	ck_assert_int_eq(g->output[0]->dtype, DT_F32);
	ck_assert(y[0] == 1 && y[1] == 32 && y[2] == 729);
	graph_free(g);
}
END_TEST

START_TEST(test_where_and_mod)
{
	int rank[3] = {1, 1, 0};
	const int64_t *dims[3] = {(int64_t[]){4}, (int64_t[]){4}, NULL};
	Graph *g = op3("Where", DT_F32, rank, dims);
	g->input[0]->dtype = DT_BOOL;
	uint8_t c[4] = {1, 0, 0, 1};
	float a[4] = {1, 2, 3, 4}, b = -1, y[4];
	const float want[4] = {1, -1, -1, 4};
	const void *in[] = {c, a, &b};
	void *out[] = {y};
	run_ok(g, in, out);
	ck_assert_mem_eq(y, want, sizeof y);
	graph_free(g);

	g = op2("Mod", DT_I32, 1, (int64_t[]){3}, 1, (int64_t[]){3});
	int32_t ma[3] = {-4, 7, -7}, mb[3] = {3, -3, 3}, my[3];
	const int32_t mwant[3] = {2, -2, 2};
	const void *min_[] = {ma, mb};
	void *mout[] = {my};
	run_ok(g, min_, mout);
	ck_assert_mem_eq(my, mwant, sizeof my);
	graph_free(g);
}
END_TEST

/* Opset 6: PRelu's 1-D slope runs along axis 1 (pytorch-converted tests). */
START_TEST(test_prelu_opset6_channel_slope)
{
	Graph *g = op2("PRelu", DT_F32, 3, (int64_t[]){2, 3, 2}, 1, (int64_t[]){3});
	g->node[0]->opset = 6;
	float x[12], s[3] = {0.5f, 2, -1}, y[12];
	for (int i = 0; i < 12; i++)
		x[i] = (float)(i - 6);
	const void *in[] = {x, s};
	void *out[] = {y};
	run_ok(g, in, out);
	for (int i = 0; i < 12; i++) {
		int ch = (i / 2) % 3;
		ck_assert_float_close(y[i], x[i] < 0 ? x[i] * s[ch] : x[i], 0);
	}
	graph_free(g);
}
END_TEST

/* Opset 6: broadcast=1 with axis aligns B at that axis of A. */
START_TEST(test_add_legacy_broadcast_axis)
{
	Graph *g = op2("Add", DT_F32, 3, (int64_t[]){2, 3, 2}, 1, (int64_t[]){3});
	Node *n = g->node[0];
	n->opset = 6;
	tg_attr_int(g, n, "broadcast", 1);
	tg_attr_int(g, n, "axis", 1);
	float x[12], b[3] = {100, 200, 300}, y[12];
	for (int i = 0; i < 12; i++)
		x[i] = (float)i;
	const void *in[] = {x, b};
	void *out[] = {y};
	run_ok(g, in, out);
	for (int i = 0; i < 12; i++)
		ck_assert_float_close(y[i], x[i] + b[(i / 2) % 3], 0);
	graph_free(g);
}
END_TEST

/* Constant folding runs the int64 kernels (shape arithmetic). */
START_TEST(test_fold_int64_mul)
{
	Graph *g = op2("Mul", DT_I64, 1, (int64_t[]){2}, 0, NULL);
	Node *n = g->node[0];
	Diag d = diag_capture();
	tg_const(g, n->in[0], DT_I64, 1, (int64_t[]){2}, (int64_t[]){3, -4});
	tg_const(g, n->in[1], DT_I64, 0, NULL, (int64_t[]){5});
	ck_assert_int_eq(optab[n->op].infer(n, &d), 0);
	ck_assert_int_eq(fold_node(g, n, &d), 0);
	const int64_t *v = n->out[0]->init;
	ck_assert_ptr_nonnull(v);
	ck_assert(v[0] == 15 && v[1] == -20);
	graph_free(g);
}
END_TEST

/* ---- unary: inference and runs ---- */

START_TEST(test_unary_runs_with_attributes)
{
	Graph *g = op1("LeakyRelu", DT_F32, 2, (int64_t[]){2, 2});
	tg_attr_float(g, g->node[0], "alpha", 0.25f);
	float x[4] = {-4, -1, 0, 3}, y[4];
	const float want[4] = {-1, -0.25f, 0, 3};
	const void *in[] = {x};
	void *out[] = {y};
	run_ok(g, in, out);
	ck_assert_mem_eq(y, want, sizeof y);
	graph_free(g);

	g = op1("IsInf", DT_F32, 1, (int64_t[]){4});
	tg_attr_int(g, g->node[0], "detect_negative", 0);
	float xi[4] = {INFINITY, -INFINITY, NAN, 1};
	uint8_t yb[4];
	const uint8_t bwant[4] = {1, 0, 0, 0};
	const void *iin[] = {xi};
	void *bout[] = {yb};
	run_ok(g, iin, bout);
	ck_assert_int_eq(g->output[0]->dtype, DT_BOOL);
	ck_assert_mem_eq(yb, bwant, 4);
	graph_free(g);
}
END_TEST

/* Before opset 11, Clip's bounds are attributes. */
START_TEST(test_clip_opset10_attributes)
{
	Graph *g = op1("Clip", DT_F32, 1, (int64_t[]){4});
	Node *n = g->node[0];
	n->opset = 10;
	tg_attr_float(g, n, "min", -1);
	tg_attr_float(g, n, "max", 2);
	float x[4] = {-5, 0.5f, 2.5f, -1}, y[4];
	const float want[4] = {-1, 0.5f, 2, -1};
	const void *in[] = {x};
	void *out[] = {y};
	run_ok(g, in, out);
	ck_assert_mem_eq(y, want, sizeof y);
	graph_free(g);
}
END_TEST

/* From opset 11 the bounds are inputs, here computed at run time. */
START_TEST(test_clip_runtime_min_input)
{
	Graph *g = op2("Clip", DT_I8, 1, (int64_t[]){4}, 0, NULL);
	int8_t x[4] = {-100, -1, 0, 100}, lo = -2, y[4];
	const int8_t want[4] = {-2, -1, 0, 100};
	const void *in[] = {x, &lo};
	void *out[] = {y};
	run_ok(g, in, out);
	ck_assert_mem_eq(y, want, sizeof y);
	graph_free(g);
}
END_TEST

START_TEST(test_cast_and_castlike)
{
	Graph *g = op1("Cast", DT_F32, 1, (int64_t[]){3});
	tg_attr_int(g, g->node[0], "to", DT_I64);
	float x[3] = {-1.9f, 0.5f, 7.9f};
	int64_t y[3];
	const int64_t want[3] = {-1, 0, 7};
	const void *in[] = {x};
	void *out[] = {y};
	run_ok(g, in, out);
	ck_assert_int_eq(g->output[0]->dtype, DT_I64);
	ck_assert_mem_eq(y, want, sizeof y);
	graph_free(g);

	g = op2("CastLike", DT_F32, 1, (int64_t[]){3}, 0, NULL);
	g->input[1]->dtype = DT_F64;
	double like = 0, yd[3];
	const void *lin[] = {x, &like};
	void *dout[] = {yd};
	run_ok(g, lin, dout);
	ck_assert_int_eq(g->output[0]->dtype, DT_F64);
	for (int i = 0; i < 3; i++)
		ck_assert(yd[i] == (double)x[i]);
	graph_free(g);
}
END_TEST

/* Dropout in inference is the identity; its mask output is all true. */
START_TEST(test_dropout_output_and_mask)
{
	Graph *g = op1("Dropout", DT_F32, 1, (int64_t[]){3});
	Node *n = g->node[0];
	Tensor **outs = arena_alloc(g->arena, 2 * sizeof *outs);
	outs[0] = n->out[0];
	outs[1] = graph_tensor(g, "mask");
	outs[1]->def = n;
	outs[1]->is_output = 1;
	n->out = outs;
	n->nout = 2;
	g->output[g->noutput++] = outs[1];
	tg_attr_float(g, n, "ratio", 0.5f);
	float x[3] = {1, -2, 3}, y[3];
	uint8_t m[3] = {0};
	const uint8_t ones[3] = {1, 1, 1};
	const void *in[] = {x};
	void *out[] = {y, m};
	run_ok(g, in, out);
	ck_assert_mem_eq(y, x, sizeof y);
	ck_assert_mem_eq(m, ones, 3);
	graph_free(g);
}
END_TEST

/* ---- errors: every diagnostic names the node ---- */

START_TEST(test_binary_errors)
{
	Graph *g = op2("Add", DT_F32, 1, (int64_t[]){3}, 1, (int64_t[]){3});
	g->input[1]->dtype = DT_I64;
	expect_infer_error(g, "node 'add_0' (Add)", "expected float like input 'x0'");

	g = op2("Sub", DT_BOOL, 1, (int64_t[]){3}, 1, (int64_t[]){3});
	expect_infer_error(g, "node 'sub_0' (Sub)", "has type bool, which this op does not support");

	g = op3("Where", DT_F32, (int[]){1, 1, 1}, (const int64_t *const[]){(int64_t[]){2}, (int64_t[]){2}, (int64_t[]){2}});
	expect_infer_error(g, "node 'where_0' (Where)", "condition 'x0' has type float, expected bool");

	g = op2("Pow", DT_F32, 1, (int64_t[]){3}, 1, (int64_t[]){3});
	g->input[1]->dtype = DT_BOOL;
	expect_infer_error(g, "node 'pow_0' (Pow)", "exponent 'x1' has type bool");

	g = op2("Mod", DT_I32, 1, (int64_t[]){3}, 1, (int64_t[]){3});
	tg_attr_int(g, g->node[0], "fmod", 2);
	expect_infer_error(g, "node 'mod_0' (Mod)", "fmod is 2");

	g = op2("Mod", DT_F32, 1, (int64_t[]){3}, 1, (int64_t[]){3});
	expect_infer_error(g, "node 'mod_0' (Mod)", "fmod must be 1");

	g = op2("BitShift", DT_U8, 1, (int64_t[]){3}, 1, (int64_t[]){3});
	expect_infer_error(g, "node 'bitshift_0' (BitShift)", "direction is '(missing)'");

	g = op2("PRelu", DT_F32, 1, (int64_t[]){3}, 2, (int64_t[]){2, 3});
	expect_infer_error(g, "node 'prelu_0' (PRelu)", "does not broadcast to input 'x0'");

	g = op2("Mul", DT_F32, 2, (int64_t[]){2, 3}, 1, (int64_t[]){3});
	g->node[0]->opset = 6;
	tg_attr_int(g, g->node[0], "broadcast", 1);
	tg_attr_int(g, g->node[0], "axis", 5);
	expect_infer_error(g, "node 'mul_0' (Mul)", "axis 5 does not fit");

	g = op2("Add", DT_F32, 1, (int64_t[]){3}, 1, (int64_t[]){4});
	expect_infer_error(g, "node 'add_0' (Add)", "do not broadcast");
}
END_TEST

/* Dims past int32 are refused by lowering (the kernels' params are int32). */
START_TEST(test_lower_rejects_huge_dims)
{
	const int64_t big[1] = {(int64_t)1 << 31};
	Graph *g = op2("Equal", DT_BOOL, 1, big, 1, big);
	Diag d = diag_capture();
	ck_assert_int_eq(run_pipeline(g, &d, NULL), 0);
	ck_assert_ptr_null(prog_lower(g, &d));
	ck_assert_ptr_nonnull(strstr(d.last, "node 'equal_0' (Equal)"));
	ck_assert_ptr_nonnull(strstr(d.last, "too large"));
	graph_free(g);

	g = op3("Where", DT_BOOL, (int[]){1, 1, 1}, (const int64_t *const[]){big, big, big});
	d = diag_capture();
	ck_assert_int_eq(run_pipeline(g, &d, NULL), 0);
	ck_assert_ptr_null(prog_lower(g, &d));
	ck_assert_ptr_nonnull(strstr(d.last, "node 'where_0' (Where)"));
	ck_assert_ptr_nonnull(strstr(d.last, "too large"));
	graph_free(g);
}
END_TEST

START_TEST(test_unary_errors)
{
	Graph *g = op1("Sigmoid", DT_I32, 1, (int64_t[]){3});
	expect_infer_error(g, "node 'sigmoid_0' (Sigmoid)", "input 'x0' has type int32");

	g = op1("Cast", DT_F32, 1, (int64_t[]){3});
	expect_infer_error(g, "node 'cast_0' (Cast)", "attribute 'to' is missing");

	/* strings convert to and from float only (runtime/kernels/string.c) */
	g = op1("Cast", DT_I32, 1, (int64_t[]){3});
	tg_attr_int(g, g->node[0], "to", DT_STRING);
	expect_infer_error(g, "node 'cast_0' (Cast)", "casts between strings and int32");

	g = op1("Cast", DT_STRING, 1, (int64_t[]){3});
	tg_attr_int(g, g->node[0], "to", DT_I64);
	expect_infer_error(g, "node 'cast_0' (Cast)", "casts between strings and int64");

	g = op1("Dropout", DT_STRING, 1, (int64_t[]){3});
	expect_infer_error(g, "node 'dropout_0' (Dropout)", "input 'x0' has type string");

	g = op3("Dropout", DT_F32, (int[]){1, 0, 0}, (const int64_t *const[]){(int64_t[]){3}, NULL, NULL});
	g->input[2]->dtype = DT_BOOL;
	expect_infer_error(g, "node 'dropout_0' (Dropout)", "training_mode input 'x2' must be a constant");

	g = op3("Dropout", DT_F32, (int[]){1, 0, 0}, (const int64_t *const[]){(int64_t[]){3}, NULL, NULL});
	tg_const(g, g->node[0]->in[1], DT_F32, 0, NULL, (float[]){0.5f});
	tg_const(g, g->node[0]->in[2], DT_BOOL, 0, NULL, (uint8_t[]){1});
	expect_infer_error(g, "node 'dropout_0' (Dropout)", "training mode with a ratio above 0 needs a random");

	g = op1("Clip", DT_I32, 1, (int64_t[]){3});
	g->node[0]->opset = 10;
	expect_infer_error(g, "node 'clip_0' (Clip)", "input 'x0' has type int32");

	g = op2("Clip", DT_F32, 1, (int64_t[]){3}, 0, NULL);
	g->input[1]->dtype = DT_F64;
	expect_infer_error(g, "node 'clip_0' (Clip)", "bound 'x1' has type double, expected float");

	g = op2("Clip", DT_F32, 1, (int64_t[]){3}, 1, (int64_t[]){2});
	expect_infer_error(g, "node 'clip_0' (Clip)", "bound 'x1' has 2 elements");

	g = op1("Celu", DT_F32, 1, (int64_t[]){3});
	tg_attr_float(g, g->node[0], "alpha", 0);
	expect_infer_error(g, "node 'celu_0' (Celu)", "alpha must not be 0");
}
END_TEST

/* A training_mode of true is accepted when the ratio is a constant 0. */
START_TEST(test_dropout_training_with_zero_ratio)
{
	Graph *g = op3("Dropout", DT_F32, (int[]){1, 0, 0}, (const int64_t *const[]){(int64_t[]){3}, NULL, NULL});
	Node *n = g->node[0];
	Diag d = diag_capture();
	tg_const(g, n->in[1], DT_F32, 0, NULL, (float[]){0.0f});
	tg_const(g, n->in[2], DT_BOOL, 0, NULL, (uint8_t[]){1});
	ck_assert_int_eq(optab[n->op].infer(n, &d), 0);
	ck_assert_int_eq(n->out[0]->rank, 1);
	graph_free(g);
}
END_TEST

static Suite *
ops_eltwise_suite(void)
{
	Suite *s = suite_create("ops_eltwise");
	TCase *b = tcase_create("binary");
	tcase_add_test(b, test_add_broadcast_shape_and_values);
	tcase_add_test(b, test_sum_three_inputs_broadcast);
	tcase_add_test(b, test_mean_and_max_variadic);
	tcase_add_test(b, test_min_single_input_copies);
	tcase_add_test(b, test_int64_div_and_compare);
	tcase_add_test(b, test_pow_float_base_int_exponent);
	tcase_add_test(b, test_where_and_mod);
	tcase_add_test(b, test_prelu_opset6_channel_slope);
	tcase_add_test(b, test_add_legacy_broadcast_axis);
	tcase_add_test(b, test_fold_int64_mul);
	suite_add_tcase(s, b);
	TCase *u = tcase_create("unary");
	tcase_add_test(u, test_unary_runs_with_attributes);
	tcase_add_test(u, test_clip_opset10_attributes);
	tcase_add_test(u, test_clip_runtime_min_input);
	tcase_add_test(u, test_cast_and_castlike);
	tcase_add_test(u, test_dropout_output_and_mask);
	tcase_add_test(u, test_dropout_training_with_zero_ratio);
	suite_add_tcase(s, u);
	TCase *e = tcase_create("errors");
	tcase_add_test(e, test_binary_errors);
	tcase_add_test(e, test_unary_errors);
	tcase_add_test(e, test_lower_rejects_huge_dims);
	suite_add_tcase(s, e);
	return s;
}

int
main(void)
{
	return tg_main(ops_eltwise_suite());
}
