/* test_control.c: If, Loop and Scan -- subgraph import with outer-scope
 * names, and compile-time inlining (passes/inline.c) checked against
 * hand-computed results of the ONNX semantics. */
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "onnxbuild.h"
#include "testutil.h"

static const int64_t d2[] = {2}, d3x2[] = {3, 2};

static Diag
cap(void)
{
	Diag d = diag_capture();
	d.path = "m.onnx";
	return d;
}

static Graph *
load(MB *b, Diag *d)
{
	size_t n;
	uint8_t *p = mb_pack(b, &n);
	return onnx_import_mem("m.onnx", p, n, NULL, d);
}

/* imports, compiles and runs b; 0 or -1 (messages in d) */
static int
run(MB *b, Diag *d, const void *const *in, void *const *out)
{
	Graph *g = load(b, d);
	if (!g)
		return -1;
	int rc = tg_run(g, d, in, out);
	graph_free(g);
	return rc;
}

static Onnx__TensorProto *
init_bool(MB *b, const char *name, int v)
{
	static const int64_t one = 1, zero = 0;
	static int32_t yes = 1, no = 0;
	Onnx__TensorProto *t = mb_init_i64(b, name, 0, &one, &zero);
	t->data_type = DT_BOOL;
	t->n_int64_data = 0;
	t->n_int32_data = 1;
	t->int32_data = v ? &yes : &no;
	return t;
}

/* y = If(cond) then x + c else x * c: both branches use the outer x */
static MB *
if_model(int const_cond, int cv)
{
	static const float c[2] = {10, 3};
	MB *b = mb_new(13);
	if (const_cond)
		init_bool(b, "cond", cv);
	else
		mb_input(b, "cond", DT_BOOL, 0, NULL);
	mb_input(b, "x", DT_F32, 1, d2);
	mb_init_f32(b, "c", 1, d2, c, -1);
	Onnx__NodeProto *n = mb_node(b, "If", "if_0", "cond", "y");
	mb_graph_attr(b, n, "then_branch");
	mb_node(b, "Add", "then_add", "x,c", "t");
	mb_output(b, "t");
	mb_end_graph(b);
	mb_graph_attr(b, n, "else_branch");
	mb_node(b, "Mul", "else_mul", "x,c", "e");
	mb_output(b, "e");
	mb_end_graph(b);
	mb_output(b, "y");
	return b;
}

START_TEST(test_if_runtime_condition)
{
	for (int k = 0; k < 2; k++) {
		MB *b = if_model(0, 0);
		Diag d = cap();
		uint8_t cond = (uint8_t)k;
		float x[2] = {1.5f, -2}, y[2] = {0, 0};
		const void *in[] = {&cond, x};
		void *out[] = {y};
		ck_assert_msg(run(b, &d, in, out) == 0, "%s", d.all);
		ck_assert_float_close(y[0], k ? 11.5 : 15.0, 1e-6);
		ck_assert_float_close(y[1], k ? 1.0 : -6.0, 1e-6);
		mb_free(b);
	}
}
END_TEST

START_TEST(test_if_constant_condition_takes_one_branch)
{
	MB *b = if_model(1, 0);
	Diag d = cap();
	Graph *g = load(b, &d);
	ck_assert_msg(g != NULL, "%s", d.all);
	float x[2] = {1.5f, -2}, y[2];
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_msg(tg_run(g, &d, in, out) == 0, "%s", d.all);
	for (int i = 0; i < g->nnode; i++) {
		ck_assert_str_ne(g->node[i]->optype, "Where");
		ck_assert_str_ne(g->node[i]->optype, "Add");
	}
	ck_assert_float_close(y[0], 15.0, 1e-6);
	ck_assert_float_close(y[1], -6.0, 1e-6);
	graph_free(g);
	mb_free(b);
}
END_TEST

/* Loop(M, "", y0): y += x each iteration, scan output the running y */
static MB *
loop_model(int64_t m, int const_m)
{
	MB *b = mb_new(13);
	static const int64_t one = 1;
	if (const_m)
		mb_init_i64(b, "M", 0, &one, &m);
	else
		mb_input(b, "M", DT_I64, 0, NULL);
	mb_input(b, "y0", DT_F32, 1, d2);
	mb_input(b, "x", DT_F32, 1, d2);
	Onnx__NodeProto *n = mb_node(b, "Loop", "loop_0", "M,,y0", "yf,ys");
	mb_graph_attr(b, n, "body");
	mb_input(b, "i", DT_I64, 0, NULL);
	mb_input(b, "c", DT_BOOL, 0, NULL);
	mb_input(b, "yin", DT_F32, 1, d2);
	mb_node(b, "Not", "body_cond", "c", "cout");   /* ignored: no cond input */
	mb_node(b, "Add", "body_add", "yin,x", "yout");
	mb_node(b, "Identity", "body_scan", "yout", "scan");
	mb_output(b, "cout");
	mb_output(b, "yout");
	mb_output(b, "scan");
	mb_end_graph(b);
	mb_output(b, "yf");
	mb_output(b, "ys");
	return b;
}

START_TEST(test_loop_constant_trip_count)
{
	MB *b = loop_model(3, 1);
	Diag d = cap();
	float y0[2] = {1, 2}, x[2] = {0.5f, -1}, yf[2], ys[6];
	const void *in[] = {y0, x};
	void *out[] = {yf, ys};
	ck_assert_msg(run(b, &d, in, out) == 0, "%s", d.all);
	for (int j = 0; j < 2; j++) {
		ck_assert_float_close(yf[j], y0[j] + 3 * x[j], 1e-6);
		for (int t = 0; t < 3; t++)
			ck_assert_float_close(ys[t * 2 + j], y0[j] + (t + 1) * x[j], 1e-6);
	}
	mb_free(b);
}
END_TEST

START_TEST(test_loop_runtime_trip_count_is_an_error)
{
	MB *b = loop_model(3, 0);
	Diag d = cap();
	int64_t m = 3;
	float y0[2] = {1, 2}, x[2] = {0.5f, -1}, yf[2], ys[6];
	const void *in[] = {&m, y0, x};
	void *out[] = {yf, ys};
	ck_assert_int_eq(run(b, &d, in, out), -1);
	ck_assert_msg(strstr(d.all, "node 'loop_0'") && strstr(d.all, "compile-time"), "%s", d.all);
	mb_free(b);
}
END_TEST

START_TEST(test_loop_unroll_cap)
{
	MB *b = loop_model(100000, 1);
	Diag d = cap();
	float y0[2] = {1, 2}, x[2] = {0.5f, -1}, yf[2];
	float *ys = calloc(200000, sizeof *ys);
	const void *in[] = {y0, x};
	void *out[] = {yf, ys};
	ck_assert_int_eq(run(b, &d, in, out), -1);
	ck_assert_msg(strstr(d.all, "node 'loop_0'") && strstr(d.all, "4096"), "%s", d.all);
	free(ys);
	mb_free(b);
}
END_TEST

/* Loop("", true, y0) with cond_out = Less(i, 2): three iterations; the body
 * holds an If on Equal(i, 1) whose then-branch uses the body's yin. */
START_TEST(test_loop_constant_condition_and_nested_if)
{
	static const int64_t one = 1, two = 2, k1 = 1;
	MB *b = mb_new(13);
	init_bool(b, "go", 1);
	mb_input(b, "y0", DT_F32, 1, d2);
	Onnx__NodeProto *n = mb_node(b, "Loop", "loop_1", ",go,y0", "yf");
	mb_graph_attr(b, n, "body");
	mb_input(b, "i", DT_I64, 0, NULL);
	mb_input(b, "c", DT_BOOL, 0, NULL);
	mb_input(b, "yin", DT_F32, 1, d2);
	mb_init_i64(b, "two", 0, &one, &two);
	mb_init_i64(b, "k1", 0, &one, &k1);
	mb_node(b, "Less", "body_less", "i,two", "cout");
	mb_node(b, "Equal", "body_eq", "i,k1", "isone");
	Onnx__NodeProto *f = mb_node(b, "If", "body_if", "isone", "yout");
	mb_graph_attr(b, f, "then_branch");
	mb_node(b, "Add", "dbl", "yin,yin", "t");
	mb_output(b, "t");
	mb_end_graph(b);
	mb_graph_attr(b, f, "else_branch");
	mb_node(b, "Neg", "neg", "yin", "e");
	mb_output(b, "e");
	mb_end_graph(b);
	mb_output(b, "cout");
	mb_output(b, "yout");
	mb_end_graph(b);
	mb_output(b, "yf");
	Diag d = cap();
	float y0[2] = {1, -3}, yf[2];
	const void *in[] = {y0};
	void *out[] = {yf};
	ck_assert_msg(run(b, &d, in, out) == 0, "%s", d.all);
	/* i=0: -y; i=1: 2y; i=2: -y  => 2y overall */
	ck_assert_float_close(yf[0], 2.0, 1e-6);
	ck_assert_float_close(yf[1], -6.0, 1e-6);
	mb_free(b);
}
END_TEST

/* Scan-9: running sum over axis 0 in reverse; scan output stacked on axis 1 */
START_TEST(test_scan_reverse_and_output_axis)
{
	MB *b = mb_new(11);
	mb_input(b, "s0", DT_F32, 1, d2);
	mb_input(b, "x", DT_F32, 2, d3x2);
	Onnx__NodeProto *n = mb_node(b, "Scan", "scan_0", "s0,x", "sf,ys");
	mb_attr_int(b, n, "num_scan_inputs", 1);
	mb_attr_ints(b, n, "scan_input_directions", 1, (int64_t[]){1});
	mb_attr_ints(b, n, "scan_output_axes", 1, (int64_t[]){1});
	mb_graph_attr(b, n, "body");
	mb_input(b, "sin", DT_F32, 1, d2);
	mb_input(b, "xi", DT_F32, 1, d2);
	mb_node(b, "Add", "acc", "sin,xi", "sout");
	mb_node(b, "Identity", "emit", "sout", "e");
	mb_output(b, "sout");
	mb_output(b, "e");
	mb_end_graph(b);
	mb_output(b, "sf");
	mb_output(b, "ys");
	Diag d = cap();
	float s0[2] = {100, 200}, x[6] = {1, 2, 3, 4, 5, 6}, sf[2], ys[6];
	const void *in[] = {s0, x};
	void *out[] = {sf, ys};
	ck_assert_msg(run(b, &d, in, out) == 0, "%s", d.all);
	ck_assert_float_close(sf[0], 109, 1e-6);
	ck_assert_float_close(sf[1], 212, 1e-6);
	/* steps read rows 2,1,0: sums (105,206) (108,210) (109,212); ys is 2x3 */
	float want[6] = {105, 108, 109, 206, 210, 212};
	for (int i = 0; i < 6; i++)
		ck_assert_float_close(ys[i], want[i], 1e-6);
	mb_free(b);
}
END_TEST

START_TEST(test_subgraph_undefined_name_is_an_error)
{
	MB *b = if_model(0, 0);
	Onnx__GraphProto *tb = b->g.node[0]->attribute[0]->g;
	tb->node[0]->input[1] = "nowhere";
	Diag d = cap();
	ck_assert_ptr_null(load(b, &d));
	ck_assert_msg(strstr(d.all, "nowhere") && strstr(d.all, "then_add"), "%s", d.all);
	mb_free(b);
}
END_TEST

START_TEST(test_if_missing_branch_is_an_error)
{
	MB *b = if_model(1, 1);
	b->g.node[0]->n_attribute = 1;
	Diag d = cap();
	Graph *g = load(b, &d);
	ck_assert_msg(g != NULL, "%s", d.all);
	float x[2] = {1, 2}, y[2];
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(tg_run(g, &d, in, out), -1);
	ck_assert_msg(strstr(d.all, "node 'if_0'") && strstr(d.all, "else_branch"), "%s", d.all);
	graph_free(g);
	mb_free(b);
}
END_TEST

/* a Scan of 2000 steps inside a 16-step Loop: more nodes than inlining allows */
START_TEST(test_nested_unrolling_cap)
{
	static const int64_t one = 1, m = 16, dx[] = {2000, 1}, d1[] = {1};
	MB *b = mb_new(13);
	mb_init_i64(b, "M", 0, &one, &m);
	mb_input(b, "y0", DT_F32, 1, d1);
	mb_input(b, "x", DT_F32, 2, dx);
	Onnx__NodeProto *n = mb_node(b, "Loop", "loop_o", "M,,y0", "yf");
	mb_graph_attr(b, n, "body");
	mb_input(b, "i", DT_I64, 0, NULL);
	mb_input(b, "c", DT_BOOL, 0, NULL);
	mb_input(b, "yin", DT_F32, 1, d1);
	Onnx__NodeProto *sc = mb_node(b, "Scan", "scan_i", "yin,x", "yout,ys");
	mb_attr_int(b, sc, "num_scan_inputs", 1);
	mb_graph_attr(b, sc, "body");
	mb_input(b, "sin", DT_F32, 1, d1);
	mb_input(b, "xi", DT_F32, 1, d1);
	mb_node(b, "Add", "acc", "sin,xi", "sout");
	mb_node(b, "Identity", "emit", "sout", "e");
	mb_output(b, "sout");
	mb_output(b, "e");
	mb_end_graph(b);
	mb_output(b, "c");
	mb_output(b, "yout");
	mb_end_graph(b);
	mb_output(b, "yf");
	Diag d = cap();
	Graph *g = load(b, &d);
	ck_assert_msg(g != NULL, "%s", d.all);
	ck_assert_int_eq(run_pipeline(g, &d, NULL), -1);
	ck_assert_msg(strstr(d.all, "loop_o/") && strstr(d.all, "scan_i") && strstr(d.all, "65536"), "%s", d.all);
	graph_free(g);
	mb_free(b);
}
END_TEST

START_TEST(test_body_node_domain_is_an_error)
{
	MB *b = if_model(1, 1);
	b->g.node[0]->attribute[0]->g->node[0]->domain = "com.example";
	Diag d = cap();
	Graph *g = load(b, &d);
	ck_assert_msg(g != NULL, "%s", d.all);
	ck_assert_int_eq(run_pipeline(g, &d, NULL), -1);
	ck_assert_msg(strstr(d.all, "node 'if_0'") && strstr(d.all, "com.example"), "%s", d.all);
	graph_free(g);
	mb_free(b);
}
END_TEST

START_TEST(test_if_condition_must_be_bool)
{
	MB *b = if_model(0, 0);
	b->g.input[0]->type->tensor_type->elem_type = DT_F32;
	Diag d = cap();
	Graph *g = load(b, &d);
	ck_assert_msg(g != NULL, "%s", d.all);
	ck_assert_int_eq(run_pipeline(g, &d, NULL), -1);
	ck_assert_msg(strstr(d.all, "node 'if_0'") && strstr(d.all, "bool"), "%s", d.all);
	graph_free(g);
	mb_free(b);
}
END_TEST

/* Scan(s0, x, w) with a bad attribute or mismatched sequence lengths */
static int
scan_error(int64_t wlen, int64_t dir, int64_t nscan, Diag *d)
{
	const int64_t dw[] = {wlen, 2};
	MB *b = mb_new(11);
	mb_input(b, "s0", DT_F32, 1, d2);
	mb_input(b, "x", DT_F32, 2, d3x2);
	mb_input(b, "w", DT_F32, 2, dw);
	Onnx__NodeProto *n = mb_node(b, "Scan", "scan_1", "s0,x,w", "sf");
	mb_attr_int(b, n, "num_scan_inputs", nscan);
	mb_attr_ints(b, n, "scan_input_directions", 2, (int64_t[]){0, dir});
	mb_graph_attr(b, n, "body");
	mb_input(b, "sin", DT_F32, 1, d2);
	mb_input(b, "xi", DT_F32, 1, d2);
	mb_input(b, "wi", DT_F32, 1, d2);
	mb_node(b, "Sum", "acc", "sin,xi,wi", "sout");
	mb_output(b, "sout");
	mb_end_graph(b);
	mb_output(b, "sf");
	Graph *g = load(b, d);
	int rc = g ? run_pipeline(g, d, NULL) : -2;
	graph_free(g);
	mb_free(b);
	return rc;
}

START_TEST(test_scan_errors)
{
	Diag d = cap();
	ck_assert_int_eq(scan_error(3, 0, 2, &d), 0);
	d = cap();
	ck_assert_int_eq(scan_error(4, 0, 2, &d), -1);
	ck_assert_msg(strstr(d.all, "node 'scan_1'") && strstr(d.all, "sequence lengths (3 and 4)"), "%s", d.all);
	d = cap();
	ck_assert_int_eq(scan_error(3, 2, 2, &d), -1);
	ck_assert_msg(strstr(d.all, "node 'scan_1'") && strstr(d.all, "scan_input_directions[1] is 2"), "%s", d.all);
	d = cap();
	ck_assert_int_eq(scan_error(3, 0, 4, &d), -1);
	ck_assert_msg(strstr(d.all, "node 'scan_1'") && strstr(d.all, "num_scan_inputs is 4"), "%s", d.all);
}
END_TEST

/* Scan-8: batch axis 0, sequence axis 1; second input scanned in reverse */
START_TEST(test_scan8_batch)
{
	static const int64_t ds[] = {2, 1}, dx[] = {2, 3, 1};
	MB *b = mb_new(8);
	mb_input(b, "s0", DT_F32, 2, ds);
	mb_input(b, "x", DT_F32, 3, dx);
	mb_input(b, "w", DT_F32, 3, dx);
	Onnx__NodeProto *n = mb_node(b, "Scan", "scan_8", ",s0,x,w", "sf,ys");
	mb_attr_int(b, n, "num_scan_inputs", 2);
	mb_attr_ints(b, n, "directions", 2, (int64_t[]){0, 1});
	mb_graph_attr(b, n, "body");
	mb_input(b, "sin", DT_F32, 1, ds + 1);
	mb_input(b, "xi", DT_F32, 1, ds + 1);
	mb_input(b, "wi", DT_F32, 1, ds + 1);
	mb_node(b, "Mul", "mul", "sin,xi", "p");
	mb_node(b, "Add", "add", "p,wi", "sout");
	mb_node(b, "Identity", "emit", "sout", "e");
	mb_output(b, "sout");
	mb_output(b, "e");
	mb_end_graph(b);
	mb_output(b, "sf");
	mb_output(b, "ys");
	Diag d = cap();
	float s0[2] = {1, 2}, x[6] = {2, 3, 4, 1, -1, 2}, w[6] = {1, 0, -1, 5, 6, 7}, sf[2], ys[6];
	const void *in[] = {s0, x, w};
	void *out[] = {sf, ys};
	ck_assert_msg(run(b, &d, in, out) == 0, "%s", d.all);
	for (int bi = 0; bi < 2; bi++) {
		float st = s0[bi];
		for (int t = 0; t < 3; t++) {
			st = st * x[bi * 3 + t] + w[bi * 3 + 2 - t];
			ck_assert_float_close(ys[bi * 3 + t], st, 1e-5);
		}
		ck_assert_float_close(sf[bi], st, 1e-5);
	}
	mb_free(b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("control");
	tcase_add_test(tc, test_if_runtime_condition);
	tcase_add_test(tc, test_if_constant_condition_takes_one_branch);
	tcase_add_test(tc, test_loop_constant_trip_count);
	tcase_add_test(tc, test_loop_runtime_trip_count_is_an_error);
	tcase_add_test(tc, test_loop_unroll_cap);
	tcase_add_test(tc, test_loop_constant_condition_and_nested_if);
	tcase_add_test(tc, test_scan_reverse_and_output_axis);
	tcase_add_test(tc, test_subgraph_undefined_name_is_an_error);
	tcase_add_test(tc, test_if_missing_branch_is_an_error);
	tcase_add_test(tc, test_nested_unrolling_cap);
	tcase_add_test(tc, test_body_node_domain_is_an_error);
	tcase_add_test(tc, test_if_condition_must_be_bool);
	tcase_add_test(tc, test_scan_errors);
	tcase_add_test(tc, test_scan8_batch);
	suite_add_tcase(s, tc);
	return tg_main(s);
}
