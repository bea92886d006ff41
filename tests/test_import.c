/* test_import.c: ONNX import and the bad-input contract -- every broken
 * model gives one clear error naming the file (and node), never a crash. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver.h"
#include "onnxbuild.h"
#include "testutil.h"

static const int64_t d1x4[] = {1, 4};

static Diag
cap(void)
{
	Diag d = diag_capture();
	d.path = "m.onnx";
	return d;
}

/* y = Relu(x + b): a well-formed model to break in different ways */
static MB *
good_model(void)
{
	static const float bias[4] = {1, -2, 3, -4};
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, d1x4);
	mb_init_f32(b, "b", 2, d1x4, bias, -1);
	mb_node(b, "Add", "add_0", "x,b", "s");
	mb_node(b, "Relu", "relu_0", "s", "y");
	mb_output(b, "y");
	return b;
}

/* imports and canonicalizes; returns the graph or NULL with d filled */
static Graph *
load(MB *b, Diag *d)
{
	size_t n;
	uint8_t *p = mb_pack(b, &n);
	Graph *g = onnx_import_mem("m.onnx", p, n, NULL, d);
	if (g && run_pipeline(g, d, NULL) < 0) {
		graph_free(g);
		g = NULL;
	}
	return g;
}

START_TEST(test_import_good_model_runs)
{
	MB *b = good_model();
	Diag d = cap();
	Graph *g = load(b, &d);
	ck_assert_msg(g != NULL, "%s", d.all);
	ck_assert_int_eq(g->ninput, 1);
	ck_assert_int_eq(g->noutput, 1);
	float x[4] = {0.5f, 0.5f, -5, 5}, y[4];
	const void *in[] = {x};
	void *out[] = {y};
	Program *p = prog_lower(g, &d);
	ck_assert_ptr_nonnull(p);
	prog_plan(p);
	void *arena = malloc(p->arena_bytes + 16);
	ck_assert_int_eq(prog_run(p, in, out, arena), 0);
	ck_assert_float_eq(y[0], 1.5f);
	ck_assert_float_eq(y[1], 0.0f);
	ck_assert_float_eq(y[2], 0.0f);
	ck_assert_float_eq(y[3], 1.0f);
	free(arena);
	prog_free(p);
	graph_free(g);
	mb_free(b);
}
END_TEST

START_TEST(test_import_empty_file)
{
	Diag d = cap();
	ck_assert_ptr_null(onnx_import_mem("m.onnx", (const uint8_t *)"", 0, NULL, &d));
	ck_assert_int_eq(d.nerr, 1);
	ck_assert_ptr_nonnull(strstr(d.last, "m.onnx: the file is empty"));
}
END_TEST

START_TEST(test_import_random_bytes)
{
	uint8_t junk[4096];
	uint32_t s = 12345;
	for (size_t i = 0; i < sizeof junk; i++) {
		s = s * 1664525u + 1013904223u;
		junk[i] = (uint8_t)(s >> 24);
	}
	Diag d = cap();
	ck_assert_ptr_null(onnx_import_mem("m.onnx", junk, sizeof junk, NULL, &d));
	ck_assert_int_ge(d.nerr, 1);
	ck_assert_ptr_nonnull(strstr(d.last, "axcc: error: m.onnx:"));
}
END_TEST

START_TEST(test_import_truncated_model)
{
	MB *b = good_model();
	size_t n;
	uint8_t *p = mb_pack(b, &n);
	for (size_t cut = 1; cut < n; cut += 7) {
		Diag d = cap();
		Graph *g = onnx_import_mem("m.onnx", p, cut, NULL, &d);
		if (g && run_pipeline(g, &d, NULL) == 0) {
			/* a prefix can still be a valid (smaller) model: fine if it loads */
			graph_free(g);
			continue;
		}
		graph_free(g);
		ck_assert_int_ge(d.nerr, 1);
		ck_assert_ptr_nonnull(strstr(d.all, "m.onnx"));
	}
	mb_free(b);
}
END_TEST

START_TEST(test_import_wrong_sized_initializer)
{
	static const float w[3] = {1, 2, 3};
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, d1x4);
	mb_init_f32(b, "b", 2, d1x4, w, 12);   /* 3 floats where 4 are needed */
	mb_node(b, "Add", "add_0", "x,b", "y");
	mb_output(b, "y");
	Diag d = cap();
	ck_assert_ptr_null(load(b, &d));
	ck_assert_int_eq(d.nerr, 1);
	ck_assert_ptr_nonnull(strstr(d.last, "initializer 'b'"));
	ck_assert_ptr_nonnull(strstr(d.last, "12 bytes"));
	mb_free(b);
}
END_TEST

START_TEST(test_import_negative_dimension)
{
	static const int64_t neg[] = {1, -4};
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, d1x4);
	Onnx__TensorProto *t = mb_init_f32(b, "b", 2, d1x4, NULL, -1);
	t->dims[1] = neg[1];
	mb_node(b, "Add", "add_0", "x,b", "y");
	mb_output(b, "y");
	Diag d = cap();
	ck_assert_ptr_null(load(b, &d));
	ck_assert_int_eq(d.nerr, 1);
	ck_assert_ptr_nonnull(strstr(d.last, "initializer 'b': dimension 1 is negative"));
	mb_free(b);
}
END_TEST

START_TEST(test_import_huge_dimension)
{
	static const int64_t huge[] = {1 << 20, 1 << 20};
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, huge);
	mb_node(b, "Relu", "relu_0", "x", "y");
	mb_output(b, "y");
	Diag d = cap();
	ck_assert_ptr_null(load(b, &d));
	ck_assert_int_eq(d.nerr, 1);
	ck_assert_ptr_nonnull(strstr(d.last, "input 'x' has more than"));
	mb_free(b);
}
END_TEST

START_TEST(test_import_dangling_tensor)
{
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, d1x4);
	mb_node(b, "Add", "add_0", "x,nowhere", "y");
	mb_output(b, "y");
	Diag d = cap();
	ck_assert_ptr_null(load(b, &d));
	ck_assert_int_eq(d.nerr, 1);
	ck_assert_ptr_nonnull(strstr(d.last, "node 'add_0' (Add): input 'nowhere' is not produced"));
	mb_free(b);
}
END_TEST

START_TEST(test_import_unsupported_ops_listed_at_once)
{
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, d1x4);
	mb_node(b, "FancyOp", "fancy_1", "x", "a");
	mb_node(b, "OtherOp", "other_1", "a", "c");
	mb_node(b, "FancyOp", "fancy_2", "c", "y");
	mb_output(b, "y");
	Diag d = cap();
	ck_assert_ptr_null(load(b, &d));
	ck_assert_int_eq(d.nerr, 2);   /* one per distinct op, in one run */
	ck_assert_ptr_nonnull(strstr(d.all, "node 'fancy_1' (FancyOp): unsupported op (also used by 1 more node)"));
	ck_assert_ptr_nonnull(strstr(d.all, "node 'other_1' (OtherOp): unsupported op"));
	mb_free(b);
}
END_TEST

START_TEST(test_import_other_domain_named)
{
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, d1x4);
	Onnx__NodeProto *n = mb_node(b, "Relu", "ms_relu", "x", "y");
	n->domain = "com.microsoft";
	mb_output(b, "y");
	Diag d = cap();
	ck_assert_ptr_null(load(b, &d));
	ck_assert_ptr_nonnull(strstr(d.last, "node 'ms_relu' (Relu): domain 'com.microsoft' is not supported"));
	mb_free(b);
}
END_TEST

START_TEST(test_import_external_data_escape_refused)
{
	MB *b = good_model();
	Onnx__TensorProto *t = b->g.initializer[0];
	static Onnx__StringStringEntryProto loc = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
	static Onnx__StringStringEntryProto *ev[1] = {&loc};
	loc.key = "location";
	loc.value = "../../etc/passwd";
	t->has_raw_data = 0;
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	t->n_external_data = 1;
	t->external_data = ev;
	Diag d = cap();
	ck_assert_ptr_null(load(b, &d));
	ck_assert_ptr_nonnull(strstr(d.last, "escapes the model's folder"));
	mb_free(b);
}
END_TEST

START_TEST(test_import_external_data_read)
{
	char dir[] = "/tmp/axcc_extXXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	static const float w[4] = {10, 20, 30, 40};
	char path[256];
	snprintf(path, sizeof path, "%s/weights.bin", dir);
	float blob[6] = {0, 0, 10, 20, 30, 40};   /* offset 8 */
	ck_assert_int_eq(write_bytes(path, blob, sizeof blob), 0);
	MB *b = good_model();
	Onnx__TensorProto *t = b->g.initializer[0];
	static Onnx__StringStringEntryProto e0 = ONNX__STRING_STRING_ENTRY_PROTO__INIT,
		e1 = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
	static Onnx__StringStringEntryProto *ev[2] = {&e0, &e1};
	e0.key = "location"; e0.value = "weights.bin";
	e1.key = "offset"; e1.value = "8";
	t->has_raw_data = 0;
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	t->n_external_data = 2;
	t->external_data = ev;
	snprintf(path, sizeof path, "%s/m.onnx", dir);
	ck_assert_int_eq(mb_write(b, path), 0);
	Diag d = cap();
	Graph *g = onnx_import(path, NULL, &d);
	ck_assert_msg(g != NULL, "%s", d.all);
	Tensor *bt = graph_find(g, "b");
	ck_assert_ptr_nonnull(bt->init);
	ck_assert_int_eq(memcmp(bt->init, w, sizeof w), 0);
	graph_free(g);
	mb_free(b);
}
END_TEST

START_TEST(test_import_symbolic_dim_bound)
{
	static const int64_t dyn[] = {-1, 4};
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, dyn);
	mb_node(b, "Relu", "relu_0", "x", "y");
	mb_output(b, "y");
	size_t n;
	uint8_t *p = mb_pack(b, &n);
	DimBind db = {"N", 7};
	ImportOpts io = {&db, 1, 0};
	Diag d = cap();
	Graph *g = onnx_import_mem("m.onnx", p, n, &io, &d);
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(g->input[0]->dim[0], 7);
	graph_free(g);
	d = cap();
	g = onnx_import_mem("m.onnx", p, n, NULL, &d);
	ck_assert_int_eq(g->input[0]->dim[0], 1);
	ck_assert_ptr_nonnull(strstr(d.last, "note: m.onnx: input 'x': symbolic dimension 'N' set to 1"));
	graph_free(g);
	mb_free(b);
}
END_TEST

START_TEST(test_import_constant_node)
{
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, d1x4);
	Onnx__NodeProto *c = mb_node(b, "Constant", "k", "", "kv");
	c->n_input = 0;
	mb_attr_float(b, c, "value_float", 2.5f);
	mb_node(b, "Mul", "mul_0", "x,kv", "y");
	mb_output(b, "y");
	Diag d = cap();
	Graph *g = load(b, &d);
	ck_assert_msg(g != NULL, "%s", d.all);
	Tensor *kv = graph_find(g, "kv");
	ck_assert_ptr_nonnull(kv->init);
	ck_assert_float_eq(*(float *)kv->init, 2.5f);
	graph_free(g);
	mb_free(b);
}
END_TEST

/* The CLI contract: the same broken files give exit 1 and one message. */
static int
run_axcc(const char *model, char *err, size_t errn)
{
	char cmd[1024], errf[] = "/tmp/axcc_errXXXXXX";
	int fd = mkstemp(errf);
	close(fd);
	snprintf(cmd, sizeof cmd, "'%s/axcc' info '%s' >/dev/null 2>'%s'", AXCC_BINARY_DIR, model, errf);
	int st = system(cmd);
	FILE *f = fopen(errf, "r");
	size_t k = f ? fread(err, 1, errn - 1, f) : 0;
	err[k] = 0;
	if (f)
		fclose(f);
	unlink(errf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

START_TEST(test_cli_bad_inputs_exit_1)
{
	char dir[] = "/tmp/axcc_badXXXXXX", path[256], err[4096];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/empty.onnx", dir);
	ck_assert_int_eq(write_bytes(path, "", 0), 0);
	ck_assert_int_eq(run_axcc(path, err, sizeof err), 1);
	ck_assert_ptr_nonnull(strstr(err, "empty.onnx: the file is empty"));

	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, d1x4);
	mb_node(b, "NoSuchOp", "weird_0", "x", "y");
	mb_output(b, "y");
	snprintf(path, sizeof path, "%s/unsup.onnx", dir);
	ck_assert_int_eq(mb_write(b, path), 0);
	ck_assert_int_eq(run_axcc(path, err, sizeof err), 1);
	ck_assert_ptr_nonnull(strstr(err, "unsup.onnx: node 'weird_0' (NoSuchOp): unsupported op"));
	mb_free(b);

	snprintf(path, sizeof path, "%s/missing.onnx", dir);
	ck_assert_int_eq(run_axcc(path, err, sizeof err), 1);
	ck_assert_ptr_nonnull(strstr(err, "missing.onnx: cannot open"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("import");
	tcase_add_test(tc, test_import_good_model_runs);
	tcase_add_test(tc, test_import_constant_node);
	tcase_add_test(tc, test_import_symbolic_dim_bound);
	tcase_add_test(tc, test_import_external_data_read);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_import_empty_file);
	tcase_add_test(tc, test_import_random_bytes);
	tcase_add_test(tc, test_import_truncated_model);
	tcase_add_test(tc, test_import_wrong_sized_initializer);
	tcase_add_test(tc, test_import_negative_dimension);
	tcase_add_test(tc, test_import_huge_dimension);
	tcase_add_test(tc, test_import_dangling_tensor);
	tcase_add_test(tc, test_import_unsupported_ops_listed_at_once);
	tcase_add_test(tc, test_import_other_domain_named);
	tcase_add_test(tc, test_import_external_data_escape_refused);
	tcase_add_test(tc, test_cli_bad_inputs_exit_1);
	suite_add_tcase(s, tc);
	return tg_main(s);
}
