/* test_ops_select.c: the select op family (compiler/ops/select.c): shape
 * inference per opset, the data-dependent shapes computed from constants,
 * every error path, and runs through the interpreter (and folding) checked
 * against the ONNX spec examples and values worked out here. */
#include <string.h>

#include "testutil.h"
#include "axrt_core.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})

typedef struct { int rank; const int64_t *dim; } Sh;
#define SH(r, ...) {r, (const int64_t[]){__VA_ARGS__}}
#define SCALAR {0, NULL}

/* One node `op` (named "<op in lower case>_0") with nin inputs x0.. of type
 * dt and the shapes sh, and nout outputs y, y1, y2... (all graph outputs). */
static Graph *
mkn(const char *op, DType dt, int nout, int nin, const Sh *sh)
{
	int rank[8];
	const int64_t *dims[8];
	for (int i = 0; i < nin; i++) {
		rank[i] = sh[i].rank;
		dims[i] = sh[i].dim;
	}
	Graph *g = tg_single_op(op, dt, nin, rank, dims);
	Node *n = g->node[0];
	n->out = arena_alloc(g->arena, (size_t)nout * sizeof *n->out);
	g->output = arena_alloc(g->arena, (size_t)nout * sizeof *g->output);
	g->noutput = 0;
	n->nout = nout;
	for (int i = 0; i < nout; i++) {
		Tensor *t = i ? graph_tensor(g, arena_printf(g->arena, "y%d", i)) : graph_find(g, "y");
		t->def = n;
		t->is_output = 1;
		n->out[i] = t;
		g->output[g->noutput++] = t;
	}
	return g;
}
#define MK(op, dt, nout, nin, ...) mkn(op, dt, nout, nin, (const Sh[]){__VA_ARGS__})

static Node *
node0(Graph *g)
{
	return g->node[0];
}

/* Input i of the node becomes a constant. */
static void
cst(Graph *g, int i, DType dt, int rank, const int64_t *dims, const void *data)
{
	tg_const(g, node0(g)->in[i], dt, rank, dims, data);
}

/* Runs infer, expects success and output o of shape want[0..rank). */
static void
check_shape(Graph *g, int o, int rank, const int64_t *want)
{
	Node *n = node0(g);
	Diag d = diag_capture();
	ck_assert_msg(optab[n->op].infer(n, &d) == 0, "infer failed: %s", d.last);
	ck_assert_int_eq(n->out[o]->rank, rank);
	for (int i = 0; i < rank; i++)
		ck_assert_msg(n->out[o]->dim[i] == want[i], "output %d dim %d is %lld, expected %lld",
			o, i, (long long)n->out[o]->dim[i], (long long)want[i]);
}

/* Runs infer, expects a failure whose message names the node and has frag. */
static void
expect_error(Graph *g, const char *frag)
{
	Node *n = node0(g);
	Diag d = diag_capture();
	char want[96];
	snprintf(want, sizeof want, "node '%s'", n->name);
	ck_assert_int_eq(optab[n->op].infer(n, &d), -1);
	ck_assert_int_eq(d.nerr, 1);
	ck_assert_msg(strstr(d.last, want) != NULL, "'%s' not in: %s", want, d.last);
	ck_assert_msg(strstr(d.last, frag) != NULL, "'%s' not in: %s", frag, d.last);
	graph_free(g);
}

static void
run(Graph *g, const void *const *in, void *const *out)
{
	Diag d = diag_capture();
	ck_assert_msg(tg_run(g, &d, in, out) == 0, "run failed: %s", d.all);
}

static void
check_i64(const int64_t *got, const int64_t *want, int n)
{
	for (int i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "element %d: %lld, expected %lld", i,
			(long long)got[i], (long long)want[i]);
}

/* ---- inference ---- */

START_TEST(test_topk_infer_by_opset)
{
	Graph *g = MK("TopK", DT_F32, 2, 2, SH(3, 2, 5, 4), SH(1, 1));
	cst(g, 1, DT_I64, 1, D(1), D(3));
	tg_attr_int(g, node0(g), "axis", -2);
	check_shape(g, 0, 3, D(2, 3, 4));
	check_shape(g, 1, 3, D(2, 3, 4));
	ck_assert_int_eq(node0(g)->out[0]->dtype, DT_F32);
	ck_assert_int_eq(node0(g)->out[1]->dtype, DT_I64);
	graph_free(g);
	g = MK("TopK", DT_I32, 2, 1, SH(2, 2, 5));        /* opset 1: attribute k */
	node0(g)->opset = 1;
	tg_attr_int(g, node0(g), "k", 5);
	check_shape(g, 0, 2, D(2, 5));
	ck_assert_int_eq(node0(g)->out[0]->dtype, DT_I32);
	graph_free(g);
}
END_TEST

START_TEST(test_data_dependent_shapes_from_constants)
{
	Graph *g = MK("Unique", DT_F32, 4, 1, SH(1, 6));
	cst(g, 0, DT_F32, 1, D(6), (const float[]){2, 1, 1, 3, 4, 3});
	check_shape(g, 0, 1, D(4));
	check_shape(g, 1, 1, D(4));
	check_shape(g, 2, 1, D(6));
	check_shape(g, 3, 1, D(4));
	graph_free(g);
	g = MK("Unique", DT_I64, 1, 1, SH(2, 3, 3));      /* axis: slices */
	cst(g, 0, DT_I64, 2, D(3, 3), D(1, 0, 0, 1, 0, 0, 2, 3, 4));
	tg_attr_int(g, node0(g), "axis", -2);
	check_shape(g, 0, 2, D(2, 3));
	graph_free(g);
	g = MK("NonZero", DT_BOOL, 1, 1, SH(3, 2, 1, 3));
	cst(g, 0, DT_BOOL, 3, D(2, 1, 3), (const uint8_t[]){1, 0, 1, 0, 0, 1});
	check_shape(g, 0, 2, D(3, 3));
	graph_free(g);
	g = MK("NonZero", DT_F32, 1, 1, SCALAR);
	cst(g, 0, DT_F32, 0, NULL, (const float[]){2});
	check_shape(g, 0, 2, D(0, 1));
	graph_free(g);
	g = MK("Compress", DT_F32, 1, 2, SH(2, 3, 2), SH(1, 5));   /* flattened */
	cst(g, 1, DT_BOOL, 1, D(5), (const uint8_t[]){0, 1, 1, 0, 1});
	check_shape(g, 0, 1, D(3));
	graph_free(g);
	g = MK("Compress", DT_I8, 1, 2, SH(2, 3, 2), SH(1, 1));    /* short condition */
	cst(g, 1, DT_BOOL, 1, D(1), (const uint8_t[]){1});
	tg_attr_int(g, node0(g), "axis", 1);
	check_shape(g, 0, 2, D(3, 1));
	graph_free(g);
}
END_TEST

START_TEST(test_nms_and_region_ops_infer)
{
	static const float boxes[8] = {0, 0, 1, 1, 0, 0.1f, 1, 1.1f}, scores[2] = {0.9f, 0.8f};
	Graph *g = MK("NonMaxSuppression", DT_F32, 1, 4, SH(3, 1, 2, 4), SH(3, 1, 1, 2), SH(1, 1), SH(1, 1));
	cst(g, 0, DT_F32, 3, D(1, 2, 4), boxes);
	cst(g, 1, DT_F32, 3, D(1, 1, 2), scores);
	cst(g, 2, DT_I64, 1, D(1), D(5));
	cst(g, 3, DT_F32, 1, D(1), (const float[]){0.5f});
	check_shape(g, 0, 2, D(1, 3));                 /* IoU 0.82: one box kept */
	graph_free(g);
	g = MK("NonMaxSuppression", DT_F32, 1, 2, SH(3, 1, 2, 4), SH(3, 1, 1, 2));
	cst(g, 0, DT_F32, 3, D(1, 2, 4), boxes);
	cst(g, 1, DT_F32, 3, D(1, 1, 2), scores);
	check_shape(g, 0, 2, D(0, 3));                 /* max_output_boxes_per_class 0 */
	graph_free(g);
	g = MK("MaxUnpool", DT_F32, 1, 2, SH(4, 1, 2, 2, 3), SH(4, 1, 2, 2, 3));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_ints(g, node0(g), "kernel_shape", 2, D(2, 3));
	tg_attr_ints(g, node0(g), "strides", 2, D(2, 2));
	tg_attr_ints(g, node0(g), "pads", 4, D(0, 1, 1, 0));
	check_shape(g, 0, 4, D(1, 2, 3, 6));           /* (2-1)*2+2-1, (3-1)*2+3-1 */
	graph_free(g);
	g = MK("MaxRoiPool", DT_F32, 1, 2, SH(4, 2, 3, 8, 8), SH(2, 5, 5));
	tg_attr_ints(g, node0(g), "pooled_shape", 2, D(2, 4));
	check_shape(g, 0, 4, D(5, 3, 2, 4));
	graph_free(g);
	g = MK("RoiAlign", DT_F32, 1, 3, SH(4, 2, 3, 8, 8), SH(2, 5, 4), SH(1, 5));
	node0(g)->in[2]->dtype = DT_I64;
	tg_attr_int(g, node0(g), "output_height", 7);
	check_shape(g, 0, 4, D(5, 3, 7, 1));
	graph_free(g);
}
END_TEST

/* ---- errors: every diag_node of select.c ---- */

START_TEST(test_errors_data_dependent_inputs_not_constant)
{
	Graph *g = MK("Unique", DT_F32, 1, 1, SH(1, 6));
	expect_error(g, "input 'x0' must be a constant: the output shape depends on its values");
	g = MK("NonZero", DT_F32, 1, 1, SH(1, 6));
	expect_error(g, "input 'x0' must be a constant: the output shape depends on its values");
	g = MK("Compress", DT_F32, 1, 2, SH(1, 6), SH(1, 6));
	node0(g)->in[1]->dtype = DT_BOOL;
	expect_error(g, "input 'x1' must be a constant");
	g = MK("NonMaxSuppression", DT_F32, 1, 2, SH(3, 1, 2, 4), SH(3, 1, 1, 2));
	expect_error(g, "input 'x0' must be a constant");
	g = MK("NonMaxSuppression", DT_F32, 1, 3, SH(3, 1, 2, 4), SH(3, 1, 1, 2), SH(1, 1));
	cst(g, 0, DT_F32, 3, D(1, 2, 4), (const float[8]){0});
	cst(g, 1, DT_F32, 3, D(1, 1, 2), (const float[2]){0});
	node0(g)->in[2]->dtype = DT_I64;
	expect_error(g, "input 'x2' must be a constant");
	g = MK("TopK", DT_F32, 2, 2, SH(1, 6), SH(1, 1));
	node0(g)->in[1]->dtype = DT_I64;
	expect_error(g, "input 'x1' must be a constant");
	g = MK("MaxUnpool", DT_F32, 1, 3, SH(3, 1, 1, 2), SH(3, 1, 1, 2), SH(1, 3));
	node0(g)->in[1]->dtype = node0(g)->in[2]->dtype = DT_I64;
	tg_attr_ints(g, node0(g), "kernel_shape", 1, D(2));
	expect_error(g, "input 'x2' must be a constant");
}
END_TEST

START_TEST(test_errors_topk_unique_nonzero_compress)
{
	Graph *g = MK("TopK", DT_F32, 2, 1, SH(1, 6));
	node0(g)->opset = 1;
	expect_error(g, "needs the attribute k");
	g = MK("TopK", DT_F32, 2, 2, SH(1, 6), SH(1, 2));
	cst(g, 1, DT_I64, 1, D(2), D(1, 2));
	expect_error(g, "K 'x1' has 2 values, expected 1");
	g = MK("TopK", DT_F32, 2, 2, SH(2, 2, 6), SH(1, 1));
	cst(g, 1, DT_I64, 1, D(1), D(7));
	expect_error(g, "k = 7 is out of range for axis 1 of size 6");
	g = MK("TopK", DT_BOOL, 2, 2, SH(1, 6), SH(1, 1));
	cst(g, 1, DT_I64, 1, D(1), D(1));
	expect_error(g, "has type bool");
	g = MK("Unique", DT_F32, 1, 1, SH(2, 65536, 32769));
	expect_error(g, "2147549184 values to compare");
	g = MK("Unique", DT_F32, 1, 1, SH(2, 2, 3));
	tg_attr_int(g, node0(g), "axis", 2);
	expect_error(g, "axis 2 is out of range");
	g = MK("NonZero", DT_U8, 1, 1, SH(2, 65536, 32769));
	expect_error(g, "has 2147549184 elements, at most");
	g = MK("Compress", DT_F32, 1, 2, SH(2, 2, 3), SH(1, 4));
	cst(g, 1, DT_BOOL, 1, D(4), (const uint8_t[]){0, 1, 0, 1});
	tg_attr_int(g, node0(g), "axis", 1);
	expect_error(g, "condition 'x1' selects index 3, past the axis length 3");
	g = MK("Compress", DT_F32, 1, 2, SH(2, 2, 3), SH(1, 3));
	cst(g, 1, DT_I64, 1, D(3), D(1, 0, 1));
	expect_error(g, "has type int64");
}
END_TEST

START_TEST(test_errors_nms)
{
	Graph *g = MK("NonMaxSuppression", DT_F32, 1, 2, SH(3, 1, 2, 4), SH(3, 1, 1, 3));
	cst(g, 0, DT_F32, 3, D(1, 2, 4), (const float[8]){0});
	cst(g, 1, DT_F32, 3, D(1, 1, 3), (const float[3]){0});
	expect_error(g, "boxes 'x0' must be [batch, boxes, 4] and scores 'x1' [batch, classes, boxes]");
	g = MK("NonMaxSuppression", DT_F32, 1, 2, SH(3, 1, 2, 4), SH(3, 1, 1, 2));
	cst(g, 0, DT_F32, 3, D(1, 2, 4), (const float[8]){0});
	cst(g, 1, DT_F32, 3, D(1, 1, 2), (const float[2]){0});
	tg_attr_int(g, node0(g), "center_point_box", 2);
	expect_error(g, "center_point_box is 2, expected 0 or 1");
}
END_TEST

START_TEST(test_errors_maxunpool)
{
	Graph *g = MK("MaxUnpool", DT_F32, 1, 2, SH(4, 1, 1, 2, 2), SH(4, 1, 1, 2, 2));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_ints(g, node0(g), "kernel_shape", 1, D(2));
	expect_error(g, "kernel_shape, strides and pads need 2, 2 and 4 values");
	g = MK("MaxUnpool", DT_F32, 1, 2, SH(4, 1, 1, 2, 2), SH(4, 1, 1, 2, 2));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_ints(g, node0(g), "kernel_shape", 2, D(2, 0));
	expect_error(g, "kernel_shape and strides must be positive");
	g = MK("MaxUnpool", DT_F32, 1, 3, SH(4, 1, 1, 2, 2), SH(4, 1, 1, 2, 2), SH(1, 3));
	node0(g)->in[1]->dtype = DT_I64;
	cst(g, 2, DT_I64, 1, D(3), D(1, 1, 4));
	tg_attr_ints(g, node0(g), "kernel_shape", 2, D(2, 2));
	expect_error(g, "output_shape 'x2' has 3 values, expected 4");
	g = MK("MaxUnpool", DT_F32, 1, 3, SH(4, 1, 1, 2, 2), SH(4, 1, 1, 2, 2), SH(1, 4));
	node0(g)->in[1]->dtype = DT_I64;
	cst(g, 2, DT_I64, 1, D(4), D(1, 1, 2, 3));
	tg_attr_ints(g, node0(g), "kernel_shape", 2, D(2, 2));
	expect_error(g, "smaller than the unpooled shape on axis 2 (2 < 3)");
	g = MK("MaxUnpool", DT_F32, 1, 2, SH(4, 1, 1, 2, 2), SH(4, 1, 1, 2, 3));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_ints(g, node0(g), "kernel_shape", 2, D(2, 2));
	expect_error(g, "indices 'x1' must have the shape of 'x0'");
}
END_TEST

START_TEST(test_errors_roi_ops_and_family)
{
	Graph *g = MK("MaxRoiPool", DT_F32, 1, 2, SH(4, 1, 1, 4, 4), SH(2, 2, 4));
	tg_attr_ints(g, node0(g), "pooled_shape", 2, D(2, 2));
	expect_error(g, "rois 'x1' must be [regions, 5]");
	g = MK("MaxRoiPool", DT_F32, 1, 2, SH(4, 1, 1, 4, 4), SH(2, 2, 5));
	tg_attr_ints(g, node0(g), "pooled_shape", 2, D(2, 0));
	expect_error(g, "pooled_shape must be two positive values");
	g = MK("RoiAlign", DT_F32, 1, 3, SH(4, 1, 1, 4, 4), SH(2, 2, 4), SH(1, 3));
	node0(g)->in[2]->dtype = DT_I64;
	expect_error(g, "batch_indices 'x2' must have one value per region");
	g = MK("RoiAlign", DT_F32, 1, 3, SH(4, 1, 1, 4, 4), SH(2, 2, 4), SH(1, 2));
	node0(g)->in[2]->dtype = DT_I64;
	tg_attr_string(g, node0(g), "mode", "min");
	expect_error(g, "mode 'min' is not avg or max");
	g = MK("RoiAlign", DT_F32, 1, 3, SH(4, 1, 1, 4, 4), SH(2, 2, 4), SH(1, 2));
	node0(g)->in[2]->dtype = DT_I64;
	tg_attr_string(g, node0(g), "coordinate_transformation_mode", "asymmetric");
	expect_error(g, "coordinate_transformation_mode 'asymmetric' is not");
	g = MK("RoiAlign", DT_F32, 1, 3, SH(4, 1, 1, 4, 4), SH(2, 2, 4), SH(1, 2));
	node0(g)->in[2]->dtype = DT_I64;
	tg_attr_int(g, node0(g), "sampling_ratio", -1);
	expect_error(g, "sampling_ratio not negative");
	g = MK("RoiAlign", DT_F64, 1, 3, SH(4, 1, 1, 4, 4), SH(2, 2, 4), SH(1, 2));
	node0(g)->in[2]->dtype = DT_I64;
	expect_error(g, "has type double");
	g = MK("Relu", DT_F32, 1, 1, SH(1, 2));
	Diag d = diag_capture();
	ck_assert_int_eq(select_infer(node0(g), &d), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "node 'relu_0' (Relu)"));
	ck_assert_ptr_nonnull(strstr(d.last, "not in the select family"));
	Lower l = {NULL, &d, NULL};
	ck_assert_int_eq(select_lower(node0(g), &l), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "node 'relu_0' (Relu)"));
	graph_free(g);
}
END_TEST

/* ---- runs through the interpreter ---- */

START_TEST(test_run_topk_runtime_input_constant_k)
{
	Graph *g = MK("TopK", DT_F32, 2, 2, SH(2, 3, 4), SH(1, 1));
	cst(g, 1, DT_I64, 1, D(1), D(2));
	tg_attr_int(g, node0(g), "axis", 0);
	tg_attr_int(g, node0(g), "largest", 0);
	float x[12] = {5, 1, 2, 9, 3, 1, 7, 9, 4, 0, 7, 8}, v[8];
	int64_t idx[8];
	run(g, (const void *[]){x}, (void *[]){v, idx});
	/* per column: the two smallest of (5, 3, 4), (1, 1, 0), (2, 7, 7), (9, 9, 8) */
	check_i64(idx, D(1, 2, 0, 2, 2, 0, 1, 0), 8);
	float want[8] = {3, 0, 2, 8, 4, 1, 7, 9};
	for (int i = 0; i < 8; i++)
		ck_assert_float_eq(v[i], want[i]);
	graph_free(g);
}
END_TEST

START_TEST(test_run_unique_nonzero_compress)
{
	Graph *g = MK("Unique", DT_F32, 4, 1, SH(1, 6));
	cst(g, 0, DT_F32, 1, D(6), (const float[]){2, 1, 1, 3, 4, 3});
	tg_attr_int(g, node0(g), "sorted", 0);
	float y[4];
	int64_t idx[4], inv[6], cnt[4];
	run(g, NULL, (void *[]){y, idx, inv, cnt});
	ck_assert(y[0] == 2 && y[1] == 1 && y[2] == 3 && y[3] == 4);   /* ONNX example 1 */
	check_i64(idx, D(0, 1, 3, 4), 4);
	check_i64(inv, D(0, 1, 1, 2, 3, 2), 6);
	check_i64(cnt, D(1, 2, 2, 1), 4);
	graph_free(g);

	g = MK("NonZero", DT_I32, 1, 1, SH(2, 2, 3));
	cst(g, 0, DT_I32, 2, D(2, 3), (const int32_t[]){0, 4, 0, -1, 0, 2});
	int64_t nz[6];
	run(g, NULL, (void *[]){nz});
	check_i64(nz, D(0, 1, 1, 1, 0, 2), 6);
	graph_free(g);

	g = MK("Compress", DT_I64, 1, 2, SH(2, 3, 2), SH(1, 3));
	cst(g, 1, DT_BOOL, 1, D(3), (const uint8_t[]){1, 0, 1});
	tg_attr_int(g, node0(g), "axis", 0);
	int64_t a[6] = {1, 2, 3, 4, 5, 6}, c[4];
	run(g, (const void *[]){a}, (void *[]){c});
	check_i64(c, D(1, 2, 5, 6), 4);
	graph_free(g);
}
END_TEST

START_TEST(test_run_nms_maxunpool_roi)
{
	static const float boxes[12] = {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 10, 1, 11};
	Graph *g = MK("NonMaxSuppression", DT_F32, 1, 5, SH(3, 1, 3, 4), SH(3, 1, 1, 3), SH(1, 1), SH(1, 1), SH(1, 1));
	cst(g, 0, DT_F32, 3, D(1, 3, 4), boxes);
	cst(g, 1, DT_F32, 3, D(1, 1, 3), (const float[]){0.5f, 0.9f, 0.7f});
	cst(g, 2, DT_I64, 1, D(1), D(3));
	cst(g, 3, DT_F32, 1, D(1), (const float[]){0.5f});
	cst(g, 4, DT_F32, 1, D(1), (const float[]){0.0f});
	int64_t sel[6];
	run(g, NULL, (void *[]){sel});
	check_i64(sel, D(0, 0, 1, 0, 0, 2), 6);        /* box 0 overlaps box 1 */
	graph_free(g);

	g = MK("MaxUnpool", DT_F32, 1, 3, SH(4, 1, 1, 2, 2), SH(4, 1, 1, 2, 2), SH(1, 4));
	cst(g, 1, DT_I64, 4, D(1, 1, 2, 2), D(5, 7, 13, 15));
	cst(g, 2, DT_I64, 1, D(4), D(1, 1, 5, 5));
	tg_attr_ints(g, node0(g), "kernel_shape", 2, D(2, 2));
	tg_attr_ints(g, node0(g), "strides", 2, D(2, 2));
	float x[4] = {5, 6, 7, 8}, y[25];
	run(g, (const void *[]){x}, (void *[]){y});
	for (int i = 0; i < 25; i++)   /* the backend test's expected output */
		ck_assert_float_eq(y[i], i == 6 ? 5 : i == 8 ? 6 : i == 16 ? 7 : i == 18 ? 8 : 0);
	graph_free(g);
}
END_TEST

/* RoiAlign's default coordinates: output_half_pixel before opset 16,
 * half_pixel from 16; both equal the explicit attribute. On x = col the
 * single bin of region [0, 4] averages to its center: 2 or 1.5. */
START_TEST(test_run_roialign_default_mode_by_opset)
{
	float x[16], y;
	for (int i = 0; i < 16; i++)
		x[i] = (float)(i % 4);
	const int opset[3] = {10, 16, 16};
	const char *mode[3] = {NULL, NULL, "output_half_pixel"};
	const float want[3] = {2.0f, 1.5f, 2.0f};
	for (int k = 0; k < 3; k++) {
		Graph *g = MK("RoiAlign", DT_F32, 1, 3, SH(4, 1, 1, 4, 4), SH(2, 1, 4), SH(1, 1));
		node0(g)->opset = opset[k];
		cst(g, 1, DT_F32, 2, D(1, 4), (const float[]){0, 0, 4, 4});
		cst(g, 2, DT_I64, 1, D(1), D(0));
		tg_attr_int(g, node0(g), "sampling_ratio", 2);
		if (mode[k])
			tg_attr_string(g, node0(g), "coordinate_transformation_mode", mode[k]);
		run(g, (const void *[]){x}, (void *[]){&y});
		ck_assert_float_close(y, want[k], 1e-6);
		graph_free(g);
	}
}
END_TEST

/* NonZero of a constant inside a graph folds to a constant (by running
 * the kernel), and the Transpose after it sees its values. */
START_TEST(test_run_nonzero_of_constant_folds)
{
	Graph *g = graph_new("test.onnx");
	g->opset = 13;
	g->output = arena_alloc(g->arena, sizeof *g->output);
	Tensor *c = graph_tensor(g, "c"), *t = graph_tensor(g, "t"), *y = graph_tensor(g, "y");
	tg_const(g, c, DT_BOOL, 2, D(2, 2), (const uint8_t[]){1, 0, 1, 1});
	y->is_output = 1;
	g->output[g->noutput++] = y;
	Tensor *io[2][2] = {{c, t}, {t, y}};
	const char *ops[2] = {"NonZero", "Transpose"};
	for (int k = 0; k < 2; k++) {
		Node *n = graph_add_node(g, ops[k], NULL, 1, 1);
		n->in[0] = io[k][0];
		n->out[0] = io[k][1];
		io[k][1]->def = n;
		n->op = op_lookup(ops[k]);
		n->attr = arena_alloc(g->arena, 4 * sizeof *n->attr);
	}
	int64_t yv[6];
	run(g, NULL, (void *[]){yv});
	ck_assert_ptr_nonnull(t->init);
	check_i64(yv, D(0, 0, 1, 0, 1, 1), 6);        /* ONNX example, transposed */
	graph_free(g);
}
END_TEST

static Suite *
select_suite(void)
{
	Suite *s = suite_create("ops_select");
	TCase *tc = tcase_create("infer");
	tcase_add_test(tc, test_topk_infer_by_opset);
	tcase_add_test(tc, test_data_dependent_shapes_from_constants);
	tcase_add_test(tc, test_nms_and_region_ops_infer);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_errors_data_dependent_inputs_not_constant);
	tcase_add_test(tc, test_errors_topk_unique_nonzero_compress);
	tcase_add_test(tc, test_errors_nms);
	tcase_add_test(tc, test_errors_maxunpool);
	tcase_add_test(tc, test_errors_roi_ops_and_family);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, test_run_topk_runtime_input_constant_k);
	tcase_add_test(tc, test_run_unique_nonzero_compress);
	tcase_add_test(tc, test_run_nms_maxunpool_roi);
	tcase_add_test(tc, test_run_roialign_default_mode_by_opset);
	tcase_add_test(tc, test_run_nonzero_of_constant_folds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(select_suite());
}
