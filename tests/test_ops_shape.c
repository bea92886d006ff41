/* test_ops_shape.c: the shape and misc op families (compiler/ops/shape.c,
 * misc.c): shape inference per opset, every error path, and small runs
 * through the interpreter checked against the ONNX spec examples and
 * index arithmetic written out here. */
#include <string.h>

#include "testutil.h"
#include "axrt_core.h"
#include "shape.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})

typedef struct { int rank; const int64_t *dim; } Sh;
#define SH(r, ...) {r, (const int64_t[]){__VA_ARGS__}}
#define SCALAR {0, NULL}

/* One node `op` (named "<op in lower case>_0") with nin inputs x0.. of type
 * dt and the shapes sh, and nout outputs y, y1, y2... */
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
	if (nout > 1) {
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
	}
	return g;
}
#define MK(op, dt, nin, ...) mkn(op, dt, 1, nin, (const Sh[]){__VA_ARGS__})

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

static void
ci64(Graph *g, int i, int cnt, const int64_t *v)
{
	cst(g, i, DT_I64, 1, D(cnt), v);
}

static void
cf32(Graph *g, int i, int cnt, const float *v)
{
	cst(g, i, DT_F32, 1, D(cnt), v);
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

static void
expect_shape(Graph *g, int rank, const int64_t *want)
{
	check_shape(g, 0, rank, want);
	graph_free(g);
}

/* Runs infer (lower: the whole pipeline and lowering), expects a failure
 * whose message names the node and contains frag. */
static void
expect_fail(Graph *g, int lower, const char *frag)
{
	Node *n = node0(g);
	Diag d = diag_capture();
	char want[96];
	snprintf(want, sizeof want, "node '%s'", n->name);
	if (lower) {
		float buf[64];
		void *out[4] = {buf, buf, buf, buf};
		const void *in[4] = {buf, buf, buf, buf};
		ck_assert_int_eq(tg_run(g, &d, in, out), -1);
	} else {
		ck_assert_int_eq(optab[n->op].infer(n, &d), -1);
		ck_assert_int_eq(d.nerr, 1);
	}
	ck_assert_msg(strstr(d.last, want) != NULL, "'%s' not in: %s", want, d.last);
	ck_assert_msg(strstr(d.last, frag) != NULL, "'%s' not in: %s", frag, d.last);
	graph_free(g);
}
#define expect_error(g, frag) expect_fail(g, 0, frag)

/* Runs the graph in the interpreter; fails the test with the message. */
static void
run(Graph *g, const void *const *in, void *const *out)
{
	Diag d = diag_capture();
	ck_assert_msg(tg_run(g, &d, in, out) == 0, "run failed: %s", d.all);
}

/* ---- inference: views ---- */

START_TEST(test_flatten_infer_axes)
{
	Graph *g = MK("Flatten", DT_F32, 1, SH(4, 2, 3, 4, 5));
	expect_shape(g, 2, D(2, 60));
	g = MK("Flatten", DT_F32, 1, SH(4, 2, 3, 4, 5));
	tg_attr_int(g, node0(g), "axis", 0);
	expect_shape(g, 2, D(1, 120));
	g = MK("Flatten", DT_F32, 1, SH(4, 2, 3, 4, 5));
	tg_attr_int(g, node0(g), "axis", -1);
	expect_shape(g, 2, D(24, 5));
	g = MK("Flatten", DT_F32, 1, SH(4, 2, 3, 4, 5));
	tg_attr_int(g, node0(g), "axis", 4);
	expect_shape(g, 2, D(120, 1));
}
END_TEST

START_TEST(test_reshape_infer_zero_minus_one_allowzero)
{
	Graph *g = MK("Reshape", DT_F32, 2, SH(3, 2, 3, 4), SH(1, 3));
	ci64(g, 1, 3, D(0, -1, 2));
	expect_shape(g, 3, D(2, 6, 2));
	g = MK("Reshape", DT_F32, 2, SH(3, 0, 3, 4), SH(1, 3));
	ci64(g, 1, 3, D(3, 4, 0));        /* allowzero: 0 is a real zero */
	tg_attr_int(g, node0(g), "allowzero", 1);
	expect_shape(g, 3, D(3, 4, 0));
	g = MK("Reshape", DT_F32, 1, SH(2, 4, 6));
	node0(g)->opset = 4;               /* shape attribute before opset 5 */
	tg_attr_ints(g, node0(g), "shape", 3, D(2, -1, 3));
	expect_shape(g, 3, D(2, 4, 3));
	g = MK("Reshape", DT_F32, 2, SH(2, 4, 6), SH(1, 0));
	ci64(g, 1, 0, D(0));               /* to a scalar: needs one element */
	expect_error(g, "cannot reshape");
}
END_TEST

START_TEST(test_squeeze_unsqueeze_infer_by_opset)
{
	Graph *g = MK("Squeeze", DT_F32, 2, SH(4, 1, 3, 1, 5), SH(1, 1));
	ci64(g, 1, 1, D(-2));
	expect_shape(g, 3, D(1, 3, 5));
	g = MK("Squeeze", DT_F32, 1, SH(4, 1, 3, 1, 5));   /* no axes: all ones */
	expect_shape(g, 2, D(3, 5));
	g = MK("Squeeze", DT_F32, 1, SH(4, 1, 3, 1, 5));
	node0(g)->opset = 11;
	tg_attr_ints(g, node0(g), "axes", 1, D(0));
	expect_shape(g, 3, D(3, 1, 5));
	g = MK("Unsqueeze", DT_F32, 2, SH(2, 3, 4), SH(1, 3));
	ci64(g, 1, 3, D(4, 0, -4));        /* unsorted, negative; output rank 5 */
	expect_shape(g, 5, D(1, 1, 3, 4, 1));
	g = MK("Unsqueeze", DT_F32, 1, SH(2, 3, 4));
	node0(g)->opset = 11;
	tg_attr_ints(g, node0(g), "axes", 1, D(2));
	expect_shape(g, 3, D(3, 4, 1));
	g = MK("Unsqueeze", DT_I64, 1, SCALAR);
	node0(g)->opset = 11;
	tg_attr_ints(g, node0(g), "axes", 1, D(0));
	expect_shape(g, 1, D(1));
}
END_TEST

START_TEST(test_shape_and_size_infer)
{
	Graph *g = MK("Shape", DT_F32, 1, SH(4, 2, 3, 4, 5));
	expect_shape(g, 1, D(4));
	g = MK("Shape", DT_F32, 1, SH(4, 2, 3, 4, 5));
	tg_attr_int(g, node0(g), "start", -3);
	tg_attr_int(g, node0(g), "end", -1);
	expect_shape(g, 1, D(2));
	g = MK("Shape", DT_F32, 1, SH(4, 2, 3, 4, 5));
	tg_attr_int(g, node0(g), "start", 10);
	expect_shape(g, 1, D(0));
	g = MK("Size", DT_F32, 1, SH(2, 2, 3));
	expect_shape(g, 0, NULL);
}
END_TEST

/* ---- inference: copies ---- */

START_TEST(test_transpose_concat_split_infer)
{
	Graph *g = MK("Transpose", DT_F32, 1, SH(3, 2, 3, 4));
	expect_shape(g, 3, D(4, 3, 2));
	g = MK("Transpose", DT_F32, 1, SH(3, 2, 3, 4));
	tg_attr_ints(g, node0(g), "perm", 3, D(1, 2, 0));
	expect_shape(g, 3, D(3, 4, 2));
	g = MK("Concat", DT_F32, 3, SH(2, 2, 3), SH(2, 2, 1), SH(2, 2, 0));
	tg_attr_int(g, node0(g), "axis", -1);
	expect_shape(g, 2, D(2, 4));
	g = mkn("Split", DT_F32, 3, 1, (const Sh[]){SH(2, 6, 2)});   /* equal parts */
	check_shape(g, 2, 2, D(2, 2));
	graph_free(g);
	g = mkn("Split", DT_F32, 2, 2, (const Sh[]){SH(2, 2, 6), SH(1, 2)});
	tg_attr_int(g, node0(g), "axis", 1);
	ci64(g, 1, 2, D(2, 4));
	check_shape(g, 0, 2, D(2, 2));
	check_shape(g, 1, 2, D(2, 4));
	graph_free(g);
	g = mkn("Split", DT_F32, 2, 1, (const Sh[]){SH(1, 5)});
	node0(g)->opset = 11;
	tg_attr_ints(g, node0(g), "split", 2, D(0, 5));
	check_shape(g, 0, 1, D(0));
	graph_free(g);
	g = mkn("Split", DT_F32, 3, 1, (const Sh[]){SH(1, 7)});
	node0(g)->opset = 18;              /* num_outputs: 3, 3, 1 */
	tg_attr_int(g, node0(g), "num_outputs", 3);
	check_shape(g, 1, 1, D(3));
	check_shape(g, 2, 1, D(1));
	graph_free(g);
}
END_TEST

START_TEST(test_slice_infer_inputs_attrs_clamping)
{
	Graph *g = MK("Slice", DT_F32, 5, SH(2, 20, 10), SH(1, 2), SH(1, 2), SH(1, 2), SH(1, 2));
	ci64(g, 1, 2, D(0, 0));
	ci64(g, 2, 2, D(3, 10));
	ci64(g, 3, 2, D(0, 1));
	ci64(g, 4, 2, D(1, 3));
	expect_shape(g, 2, D(3, 4));       /* spec example test_slice */
	g = MK("Slice", DT_F32, 5, SH(2, 20, 10), SH(1, 1), SH(1, 1), SH(1, 1), SH(1, 1));
	ci64(g, 1, 1, D(20));
	ci64(g, 2, 1, D(0));
	ci64(g, 3, 1, D(0));
	ci64(g, 4, 1, D(-3));              /* 19, 16, 13, 10, 7, 4, 1 */
	expect_shape(g, 2, D(7, 10));
	g = MK("Slice", DT_F32, 3, SH(2, 20, 10), SH(1, 1), SH(1, 1));
	ci64(g, 1, 1, D(1000));            /* start past the end: empty */
	ci64(g, 2, 1, D(INT64_MAX));
	expect_shape(g, 2, D(0, 10));
	g = MK("Slice", DT_F32, 1, SH(2, 20, 10));
	node0(g)->opset = 9;
	tg_attr_ints(g, node0(g), "starts", 1, D(-3));
	tg_attr_ints(g, node0(g), "ends", 1, D(-1));
	tg_attr_ints(g, node0(g), "axes", 1, D(1));
	expect_shape(g, 2, D(20, 2));
}
END_TEST

START_TEST(test_pad_expand_tile_d2s_infer)
{
	Graph *g = MK("Pad", DT_F32, 2, SH(2, 3, 2), SH(1, 4));
	ci64(g, 1, 4, D(0, 2, 1, -1));
	expect_shape(g, 2, D(4, 3));
	g = MK("Pad", DT_F32, 1, SH(2, 3, 2));
	node0(g)->opset = 2;
	tg_attr_ints(g, node0(g), "pads", 4, D(1, 1, 1, 1));
	expect_shape(g, 2, D(5, 4));
	g = MK("Pad", DT_F32, 4, SH(3, 1, 3, 2), SH(1, 2), SH(1, 1), SH(1, 1));
	node0(g)->opset = 18;              /* axes input */
	ci64(g, 1, 2, D(2, 3));
	ci64(g, 3, 1, D(-1));
	expect_shape(g, 3, D(1, 3, 7));
	g = MK("Expand", DT_F32, 2, SH(2, 3, 1), SH(1, 3));
	ci64(g, 1, 3, D(2, 1, 6));
	expect_shape(g, 3, D(2, 3, 6));
	g = MK("Tile", DT_F32, 2, SH(2, 2, 3), SH(1, 2));
	ci64(g, 1, 2, D(3, 0));
	expect_shape(g, 2, D(6, 0));
	g = MK("DepthToSpace", DT_F32, 1, SH(4, 1, 8, 2, 3));
	tg_attr_int(g, node0(g), "blocksize", 2);
	expect_shape(g, 4, D(1, 2, 4, 6));
	g = MK("SpaceToDepth", DT_F32, 1, SH(4, 1, 2, 4, 6));
	tg_attr_int(g, node0(g), "blocksize", 2);
	expect_shape(g, 4, D(1, 8, 2, 3));
}
END_TEST

/* ---- inference: misc family ---- */

START_TEST(test_gather_family_infer)
{
	Graph *g = MK("Gather", DT_F32, 2, SH(3, 5, 4, 3), SH(2, 2, 6));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_int(g, node0(g), "axis", 1);
	expect_shape(g, 4, D(5, 2, 6, 3));
	g = MK("Gather", DT_I64, 2, SH(1, 3), SCALAR);
	ci64(g, 1, 1, D(-1));
	cst(g, 1, DT_I64, 0, NULL, D(-1));
	expect_shape(g, 0, NULL);
	g = MK("GatherElements", DT_F32, 2, SH(2, 3, 3), SH(2, 2, 3));
	node0(g)->in[1]->dtype = DT_I32;
	expect_shape(g, 2, D(2, 3));
	g = MK("GatherND", DT_F32, 2, SH(3, 2, 3, 4), SH(3, 2, 5, 1));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_int(g, node0(g), "batch_dims", 1);
	expect_shape(g, 3, D(2, 5, 4));
	g = MK("ScatterND", DT_F32, 3, SH(3, 4, 4, 4), SH(2, 2, 1), SH(3, 2, 4, 4));
	node0(g)->in[1]->dtype = DT_I64;
	expect_shape(g, 3, D(4, 4, 4));
	g = MK("ScatterElements", DT_F32, 3, SH(2, 3, 3), SH(2, 2, 3), SH(2, 2, 3));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_string(g, node0(g), "reduction", "max");
	expect_shape(g, 2, D(3, 3));
	g = MK("OneHot", DT_I64, 3, SH(2, 2, 3), SCALAR, SH(1, 2));
	cst(g, 1, DT_F32, 0, NULL, (const float[]){4.0f});
	node0(g)->in[2]->dtype = DT_F32;
	tg_attr_int(g, node0(g), "axis", 1);
	expect_shape(g, 3, D(2, 4, 3));
	g = MK("ReverseSequence", DT_F32, 2, SH(3, 4, 2, 5), SH(1, 2));
	node0(g)->in[1]->dtype = DT_I64;
	expect_shape(g, 3, D(4, 2, 5));
}
END_TEST

START_TEST(test_generators_infer)
{
	Graph *g = MK("Range", DT_I32, 3, SCALAR, SCALAR, SCALAR);
	cst(g, 0, DT_I32, 0, NULL, (const int32_t[]){10});
	cst(g, 1, DT_I32, 0, NULL, (const int32_t[]){4});
	cst(g, 2, DT_I32, 0, NULL, (const int32_t[]){-3});
	expect_shape(g, 1, D(2));
	g = MK("Range", DT_F32, 3, SCALAR, SCALAR, SCALAR);
	cst(g, 0, DT_F32, 0, NULL, (const float[]){1});
	cst(g, 1, DT_F32, 0, NULL, (const float[]){5.5f});
	cst(g, 2, DT_F32, 0, NULL, (const float[]){1.5f});
	expect_shape(g, 1, D(3));
	g = MK("ConstantOfShape", DT_I64, 1, SH(1, 3));
	ci64(g, 0, 3, D(2, 0, 4));
	expect_shape(g, 3, D(2, 0, 4));
	g = MK("EyeLike", DT_I32, 1, SH(2, 3, 5));
	tg_attr_int(g, node0(g), "dtype", DT_F64);
	check_shape(g, 0, 2, D(3, 5));
	ck_assert_int_eq(node0(g)->out[0]->dtype, DT_F64);
	graph_free(g);
	g = MK("Trilu", DT_F32, 2, SH(3, 2, 3, 4), SCALAR);
	node0(g)->in[1]->dtype = DT_I64;
	expect_shape(g, 3, D(2, 3, 4));
	g = MK("CumSum", DT_F64, 2, SH(2, 2, 3), SCALAR);
	cst(g, 1, DT_I32, 0, NULL, (const int32_t[]){-1});
	expect_shape(g, 2, D(2, 3));
}
END_TEST

START_TEST(test_resize_upsample_infer)
{
	Graph *g = MK("Resize", DT_F32, 3, SH(4, 1, 1, 4, 4), SH(1, 0), SH(1, 4));
	cf32(g, 1, 0, NULL);
	cf32(g, 2, 4, (const float[]){1, 1, 0.6f, 0.6f});
	expect_shape(g, 4, D(1, 1, 2, 2));
	g = MK("Resize", DT_F32, 4, SH(4, 1, 1, 4, 4), SH(1, 0), SH(1, 0), SH(1, 4));
	ci64(g, 3, 4, D(1, 1, 3, 9));        /* empty roi and scales: absent */
	expect_shape(g, 4, D(1, 1, 3, 9));
	g = MK("Resize", DT_F32, 2, SH(4, 1, 1, 2, 2), SH(1, 4));
	node0(g)->opset = 10;              /* scales are input 1 */
	cf32(g, 1, 4, (const float[]){1, 1, 2, 3});
	expect_shape(g, 4, D(1, 1, 4, 6));
	g = MK("Upsample", DT_F32, 1, SH(4, 1, 1, 2, 2));
	node0(g)->opset = 7;
	tg_attr_floats(g, node0(g), "scales", 4, (const float[]){1, 1, 2, 2});
	expect_shape(g, 4, D(1, 1, 4, 4));
}
END_TEST

START_TEST(test_value_bits_per_type)
{
	ck_assert_int_eq(shape_value_bits(DT_F16, 1), 0x3c00);
	ck_assert_int_eq(shape_value_bits(DT_F16, -2.5), 0xc100);
	ck_assert_int_eq(shape_value_bits(DT_F16, 65520), 0x7c00);        /* rounds to inf */
	ck_assert_int_eq(shape_value_bits(DT_F16, 5.960464477539063e-08), 0x0001);
	ck_assert_int_eq(shape_value_bits(DT_F16, 1.0009765625), 0x3c01);
	ck_assert_int_eq(shape_value_bits(DT_F16, 1.00048828125), 0x3c00); /* tie to even */
	ck_assert_int_eq(shape_value_bits(DT_BF16, 1), 0x3f80);
	ck_assert_int_eq(shape_value_bits(DT_BF16, -3), 0xc040);
	ck_assert_int_eq(shape_value_bits(DT_I8, -1), 0xff);
	ck_assert_int_eq(shape_value_bits(DT_BOOL, 5), 1);
	ck_assert_int_eq(shape_value_bits(DT_F32, 1), 0x3f800000);
	ck_assert(shape_value_bits(DT_I64, -1) == -1);
}
END_TEST

START_TEST(test_static_inputs_listed)
{
	static const struct { const char *op; int nin; const char *mask; } t[] = {
		{"Reshape", 2, "01"}, {"Slice", 5, "01111"}, {"Pad", 4, "0101"},
		{"Resize", 4, "0111"}, {"Range", 3, "111"}, {"Gather", 2, "00"},
		{"Trilu", 2, "00"}, {"OneHot", 3, "010"}, {"Transpose", 1, "0"},
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		Sh sh[5] = {SH(1, 2), SH(1, 2), SH(1, 2), SH(1, 2), SH(1, 2)};
		Graph *g = mkn(t[k].op, DT_F32, 1, t[k].nin, sh);
		for (int i = 0; i < t[k].nin; i++)
			ck_assert_msg(shape_static_input(node0(g), i) == (t[k].mask[i] == '1'),
				"%s input %d", t[k].op, i);
		graph_free(g);
	}
}
END_TEST

/* ---- errors: every diag_node of shape.c and misc.c ---- */

START_TEST(test_errors_constant_inputs)
{
	Graph *g = MK("Reshape", DT_F32, 2, SH(2, 2, 3), SH(1, 2));
	expect_error(g, "shape input 'x1' must be a constant; its value depends on the model's input data");
	g = MK("Slice", DT_F32, 1, SH(2, 2, 3));
	expect_error(g, "input 1 is required");
	g = MK("Reshape", DT_F32, 2, SH(2, 2, 3), SH(1, 2));
	cf32(g, 1, 2, (const float[]){3, 2});
	expect_error(g, "expected an integer type");
	g = MK("Reshape", DT_F32, 2, SH(2, 2, 3), SH(1, 10));
	ci64(g, 1, 10, D(1, 1, 1, 1, 1, 1, 1, 1, 1, 6));
	expect_error(g, "at most 9 are supported");
	g = MK("Resize", DT_F32, 3, SH(1, 4), SH(1, 0), SH(1, 9));
	cf32(g, 2, 9, (const float[]){1, 1, 1, 1, 1, 1, 1, 1, 1});
	expect_error(g, "at most 8 are supported");
	g = MK("OneHot", DT_I64, 3, SH(1, 2), SCALAR, SH(1, 2));
	cst(g, 1, DT_F16, 0, NULL, (const uint16_t[]){0x4400});
	expect_error(g, "expected a number");
}
END_TEST

START_TEST(test_errors_output_shapes)
{
	Graph *g = MK("Gather", DT_F32, 2, SH(8, 1, 1, 1, 1, 1, 1, 1, 2), SH(2, 1, 1));
	node0(g)->in[1]->dtype = DT_I64;
	expect_error(g, "output has rank 9");
	g = MK("Pad", DT_F32, 2, SH(1, 3), SH(1, 2));
	ci64(g, 1, 2, D(-2, -2));
	expect_error(g, "would be negative");
	g = MK("Expand", DT_F32, 2, SH(1, 1), SH(1, 1));
	ci64(g, 1, 1, D(3000000000));
	expect_error(g, "is too large");
	g = MK("Transpose", DT_STRING, 1, SH(1, 3));
	expect_error(g, "has type string");
	g = MK("Relu", DT_F32, 1, SH(1, 3));
	Diag d = diag_capture();
	ck_assert_int_eq(shape_infer(node0(g), &d), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "node 'relu_0'"));
	ck_assert_int_eq(misc_infer(node0(g), &d), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "not in the misc family"));
	graph_free(g);
}
END_TEST

START_TEST(test_errors_views)
{
	Graph *g = MK("Flatten", DT_F32, 1, SH(2, 2, 3));
	tg_attr_int(g, node0(g), "axis", 3);
	expect_error(g, "axis 3 is out of range");
	g = MK("Reshape", DT_F32, 1, SH(2, 2, 3));
	node0(g)->opset = 4;
	expect_error(g, "target shape is missing");
	g = MK("Reshape", DT_F32, 1, SH(2, 2, 3));
	node0(g)->opset = 4;
	tg_attr_ints(g, node0(g), "shape", 9, D(1, 1, 1, 1, 1, 1, 1, 2, 3));
	expect_error(g, "target shape has 9 dims");
	g = MK("Reshape", DT_F32, 2, SH(2, 2, 3), SH(1, 9));
	ci64(g, 1, 9, D(1, 1, 1, 1, 1, 1, 1, 2, 3));
	expect_error(g, "target shape has 9 dims");
	g = MK("Reshape", DT_F32, 2, SH(1, 6), SH(1, 2));
	ci64(g, 1, 2, D(6, 0));
	expect_error(g, "is 0 (copy) but the input has rank 1");
	g = MK("Reshape", DT_F32, 2, SH(1, 6), SH(1, 2));
	ci64(g, 1, 2, D(-1, -1));
	expect_error(g, "more than one -1");
	g = MK("Reshape", DT_F32, 2, SH(1, 6), SH(1, 2));
	ci64(g, 1, 2, D(-2, 3));
	expect_error(g, "shape[0] is -2");
	g = MK("Reshape", DT_F32, 2, SH(1, 6), SH(1, 2));
	ci64(g, 1, 2, D(4, -1));
	expect_error(g, "cannot infer the -1");
	g = MK("Squeeze", DT_F32, 1, SH(2, 1, 3));
	node0(g)->opset = 11;
	tg_attr_ints(g, node0(g), "axes", 9, D(0, 0, 0, 0, 0, 0, 0, 0, 0));
	expect_error(g, "axes has 9 values");
	g = MK("Squeeze", DT_F32, 2, SH(2, 1, 3), SH(1, 2));
	ci64(g, 1, 2, D(0, -2));
	expect_error(g, "axis -2 is repeated");
	g = MK("Squeeze", DT_F32, 2, SH(2, 1, 3), SH(1, 1));
	ci64(g, 1, 1, D(1));
	expect_error(g, "cannot squeeze axis 1 of size 3");
	g = MK("Unsqueeze", DT_F32, 1, SH(2, 1, 3));
	expect_error(g, "axes are missing");
	g = MK("Unsqueeze", DT_F32, 2, SH(7, 1, 1, 1, 1, 1, 1, 1), SH(1, 2));
	ci64(g, 1, 2, D(0, 1));
	expect_error(g, "output would have rank 9");
}
END_TEST

START_TEST(test_errors_transpose_concat_split)
{
	Graph *g = MK("Transpose", DT_F32, 1, SH(2, 2, 3));
	tg_attr_ints(g, node0(g), "perm", 1, D(0));
	expect_error(g, "perm has 1 values, expected 2");
	g = MK("Transpose", DT_F32, 1, SH(2, 2, 3));
	tg_attr_ints(g, node0(g), "perm", 2, D(1, 1));
	expect_error(g, "not a permutation");
	g = MK("Concat", DT_F32, 2, SH(1, 2), SH(1, 2));
	expect_error(g, "attribute 'axis' is required");
	g = MK("Concat", DT_F32, 2, SCALAR, SCALAR);
	tg_attr_int(g, node0(g), "axis", 0);
	expect_error(g, "is a scalar");
	g = MK("Concat", DT_F32, 2, SH(1, 2), SH(1, 2));
	tg_attr_int(g, node0(g), "axis", 0);
	node0(g)->in[1] = NULL;
	expect_error(g, "input 1 is missing");
	g = MK("Concat", DT_F32, 2, SH(1, 2), SH(2, 2, 1));
	tg_attr_int(g, node0(g), "axis", 0);
	expect_error(g, "does not match");
	g = MK("Concat", DT_F32, 2, SH(2, 2, 3), SH(2, 2, 4));
	tg_attr_int(g, node0(g), "axis", 0);
	expect_error(g, "has size 4 on axis 1, expected 3");
	g = mkn("Split", DT_F32, 2, 1, (const Sh[]){SH(1, 6)});
	node0(g)->opset = 18;
	tg_attr_int(g, node0(g), "num_outputs", 3);
	expect_error(g, "num_outputs is 3 but the node has 2 outputs");
	g = mkn("Split", DT_F32, 4, 1, (const Sh[]){SH(1, 6)});
	expect_error(g, "does not split into 4 equal parts");
	g = mkn("Split", DT_F32, 2, 2, (const Sh[]){SH(1, 6), SH(1, 3)});
	ci64(g, 1, 3, D(2, 2, 2));
	expect_error(g, "split has 3 values but the node has 2 outputs");
	g = mkn("Split", DT_F32, 2, 2, (const Sh[]){SH(1, 6), SH(1, 2)});
	ci64(g, 1, 2, D(-1, 7));
	expect_error(g, "split[0] is negative");
	g = mkn("Split", DT_F32, 2, 1, (const Sh[]){SH(1, 6)});
	node0(g)->opset = 11;
	tg_attr_ints(g, node0(g), "split", 2, D(2, 2));
	expect_error(g, "add up to 4, but axis 0 has size 6");
}
END_TEST

START_TEST(test_errors_slice_pad)
{
	Graph *g = MK("Slice", DT_F32, 1, SH(1, 6));
	node0(g)->opset = 9;
	tg_attr_ints(g, node0(g), "starts", 9, D(0, 0, 0, 0, 0, 0, 0, 0, 0));
	tg_attr_ints(g, node0(g), "ends", 1, D(1));
	expect_error(g, "starts has 9 values, at most 8");
	g = MK("Slice", DT_F32, 1, SH(1, 6));
	node0(g)->opset = 9;
	tg_attr_ints(g, node0(g), "starts", 1, D(0));
	expect_error(g, "attribute 'ends' is required");
	g = MK("Slice", DT_F32, 3, SH(1, 6), SH(1, 1), SH(1, 2));
	ci64(g, 1, 1, D(0));
	ci64(g, 2, 2, D(1, 1));
	expect_error(g, "ends has 2 values but starts has 1");
	g = MK("Slice", DT_F32, 3, SH(1, 6), SH(1, 2), SH(1, 2));
	ci64(g, 1, 2, D(0, 0));
	ci64(g, 2, 2, D(1, 1));
	expect_error(g, "starts has 2 values for rank 1");
	g = MK("Slice", DT_F32, 4, SH(2, 6, 6), SH(1, 2), SH(1, 2), SH(1, 2));
	ci64(g, 1, 2, D(0, 0));
	ci64(g, 2, 2, D(1, 1));
	ci64(g, 3, 2, D(1, -1));
	expect_error(g, "axis 1 is sliced twice");
	g = MK("Slice", DT_F32, 5, SH(1, 6), SH(1, 1), SH(1, 1), SH(1, 1), SH(1, 1));
	ci64(g, 1, 1, D(0));
	ci64(g, 2, 1, D(1));
	ci64(g, 3, 1, D(0));
	ci64(g, 4, 1, D(0));
	expect_error(g, "step 0 is 0");
	g = MK("Pad", DT_F32, 1, SH(1, 6));
	node0(g)->opset = 2;
	tg_attr_ints(g, node0(g), "pads", 17, D(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
	expect_error(g, "pads has 17 values, expected 2");
	g = MK("Pad", DT_F32, 2, SH(1, 6), SH(1, 4));
	ci64(g, 1, 4, D(0, 0, 0, 0));
	expect_error(g, "pads has 4 values, expected 2");
	g = MK("Pad", DT_F32, 1, SH(1, 6));
	node0(g)->opset = 2;
	expect_error(g, "attribute 'pads' is required");
	g = MK("Pad", DT_F32, 2, SH(1, 6), SH(1, 2));
	ci64(g, 1, 2, D(1, 1));
	tg_attr_string(g, node0(g), "mode", "mirror");
	expect_error(g, "mode 'mirror' is not one of");
	g = MK("Pad", DT_F32, 3, SH(1, 6), SH(1, 2), SH(1, 2));
	ci64(g, 1, 2, D(1, 1));
	expect_error(g, "constant_value 'x2' must be one float");
	g = MK("Pad", DT_F32, 2, SH(1, 0), SH(1, 2));
	ci64(g, 1, 2, D(1, 1));
	tg_attr_string(g, node0(g), "mode", "edge");
	expect_error(g, "cannot pad the empty axis 0");
	g = MK("Pad", DT_F32, 2, SH(1, 1), SH(1, 2));   /* fits infer, not the kernel */
	ci64(g, 1, 2, D(3000000000, -3000000000));
	expect_fail(g, 1, "pad 3000000000 is too large");
}
END_TEST

START_TEST(test_errors_expand_tile_d2s)
{
	Graph *g = MK("Expand", DT_F32, 2, SH(2, 2, 3), SH(1, 1));
	ci64(g, 1, 1, D(4));
	expect_error(g, "input dimension 3 does not broadcast to 4");
	g = MK("Tile", DT_F32, 2, SH(2, 2, 3), SH(1, 1));
	ci64(g, 1, 1, D(4));
	expect_error(g, "repeats has 1 values, expected 2");
	g = MK("Tile", DT_F32, 2, SH(1, 3), SH(1, 1));
	ci64(g, 1, 1, D(-1));
	expect_error(g, "repeats[0] is negative");
	g = MK("Tile", DT_F32, 2, SH(1, 3), SH(1, 1));
	ci64(g, 1, 1, D(1000000000));
	expect_error(g, "output dimension 0 is too large");
	g = MK("DepthToSpace", DT_F32, 1, SH(4, 1, 8, 2, 2));
	expect_error(g, "blocksize must be a positive integer");
	g = MK("DepthToSpace", DT_F32, 1, SH(4, 1, 8, 2, 2));
	tg_attr_int(g, node0(g), "blocksize", 2);
	tg_attr_string(g, node0(g), "mode", "RCD");
	expect_error(g, "mode 'RCD' is not DCR or CRD");
	g = MK("DepthToSpace", DT_F32, 1, SH(4, 1, 6, 2, 2));
	tg_attr_int(g, node0(g), "blocksize", 2);
	expect_error(g, "6 channels do not divide by blocksize^2 = 4");
	g = MK("SpaceToDepth", DT_F32, 1, SH(4, 1, 2, 3, 4));
	tg_attr_int(g, node0(g), "blocksize", 2);
	expect_error(g, "spatial size 3x4 does not divide by blocksize 2");
}
END_TEST

START_TEST(test_errors_gather_scatter)
{
	Graph *g = MK("Gather", DT_F32, 2, SH(1, 3), SH(1, 2));
	ci64(g, 1, 2, D(0, -4));
	expect_error(g, "index -4 in 'x1' is out of range for axis of size 3");
	g = MK("ScatterElements", DT_F32, 3, SH(1, 3), SH(1, 1), SH(1, 1));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_string(g, node0(g), "reduction", "avg");
	expect_error(g, "reduction 'avg' is not one of");
	g = MK("ScatterElements", DT_I8, 3, SH(1, 3), SH(1, 1), SH(1, 1));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_string(g, node0(g), "reduction", "add");
	expect_error(g, "input 'x0' has type int8");
	g = MK("GatherElements", DT_F32, 2, SH(2, 3, 3), SH(1, 3));
	node0(g)->in[1]->dtype = DT_I64;
	expect_error(g, "indices 'x1' have rank 1, expected 2");
	g = MK("GatherElements", DT_F32, 2, SH(2, 3, 3), SH(2, 4, 4));
	node0(g)->in[1]->dtype = DT_I64;
	expect_error(g, "larger than the data on axis 1");
	g = MK("ScatterElements", DT_F32, 3, SH(1, 3), SH(1, 2), SH(1, 1));
	node0(g)->in[1]->dtype = DT_I64;
	expect_error(g, "updates 'x2' must have the type of the data");
	g = MK("GatherND", DT_F32, 2, SH(2, 2, 2), SH(2, 2, 1));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_int(g, node0(g), "batch_dims", 2);
	expect_error(g, "batch_dims 2 is out of range");
	g = MK("GatherND", DT_F32, 2, SH(2, 2, 2), SH(1, 3));
	node0(g)->in[1]->dtype = DT_I64;
	expect_error(g, "index tuples of 3 values do not fit data of rank 2");
	g = MK("GatherND", DT_F32, 2, SH(2, 2, 2), SH(2, 3, 1));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_int(g, node0(g), "batch_dims", 1);
	expect_error(g, "batch dimension 0 differs");
	g = MK("ScatterND", DT_F32, 3, SH(1, 4), SH(2, 1, 2), SH(1, 1));
	node0(g)->in[1]->dtype = DT_I64;
	expect_error(g, "index tuples of 2 values do not fit data of rank 1");
	g = MK("ScatterND", DT_F32, 3, SH(1, 4), SH(2, 2, 1), SH(1, 3));
	node0(g)->in[1]->dtype = DT_I64;
	expect_error(g, "updates 'x2' must have the data's type and shape");
}
END_TEST

START_TEST(test_errors_resize)
{
	Graph *g = MK("Resize", DT_F32, 3, SH(1, 4), SH(1, 0), SH(1, 1));
	cf32(g, 2, 1, (const float[]){2});
	tg_attr_string(g, node0(g), "mode", "area");
	expect_error(g, "mode 'area' is not supported");
	g = MK("Upsample", DT_F32, 2, SH(1, 4), SH(1, 1));
	node0(g)->opset = 9;
	cf32(g, 1, 1, (const float[]){2});
	tg_attr_string(g, node0(g), "mode", "cubic");
	expect_error(g, "needs Resize from opset 11");
	g = MK("Resize", DT_F32, 3, SH(1, 4), SH(1, 0), SH(1, 1));
	cf32(g, 2, 1, (const float[]){2});
	tg_attr_int(g, node0(g), "antialias", 1);
	expect_error(g, "antialias is not supported");
	g = MK("Resize", DT_F32, 3, SH(1, 4), SH(1, 0), SH(1, 1));
	cf32(g, 2, 1, (const float[]){2});
	tg_attr_ints(g, node0(g), "axes", 9, D(0, 0, 0, 0, 0, 0, 0, 0, 0));
	expect_error(g, "axes has 9 values");
	g = MK("Upsample", DT_F32, 1, SH(1, 4));
	node0(g)->opset = 7;
	expect_error(g, "attribute 'scales' is required");
	g = MK("Resize", DT_F32, 1, SH(1, 4));
	expect_error(g, "neither scales nor sizes are given");
	g = MK("Resize", DT_F32, 3, SH(2, 1, 4), SH(1, 0), SH(1, 1));
	cf32(g, 2, 1, (const float[]){2});
	expect_error(g, "scales has 1 values, expected 2");
	g = MK("Resize", DT_F32, 3, SH(1, 4), SH(1, 0), SH(1, 1));
	cf32(g, 2, 1, (const float[]){0});
	expect_error(g, "axis or factor 0 (0) is out of range");
	g = MK("Resize", DT_F32, 3, SH(1, 4), SH(1, 1), SH(1, 1));
	cf32(g, 1, 1, (const float[]){0});
	cf32(g, 2, 1, (const float[]){2});
	tg_attr_string(g, node0(g), "coordinate_transformation_mode", "tf_crop_and_resize");
	expect_error(g, "roi has 1 values, expected 2");
	g = MK("Resize", DT_F32, 3, SH(1, 4), SH(1, 0), SH(1, 1));
	cf32(g, 2, 1, (const float[]){1e10f});
	expect_error(g, "output dimension 0 (40000000000) is out of range");
}
END_TEST

START_TEST(test_errors_onehot_revseq_generators)
{
	Graph *g = MK("OneHot", DT_I64, 3, SH(1, 2), SCALAR, SH(1, 3));
	cst(g, 1, DT_I64, 0, NULL, D(3));
	expect_error(g, "values 'x2' must hold 2 elements");
	g = MK("OneHot", DT_I64, 3, SH(1, 2), SCALAR, SH(1, 2));
	cst(g, 1, DT_I64, 0, NULL, D(0));
	expect_error(g, "depth 0 is out of range");
	g = MK("OneHot", DT_I64, 3, SH(8, 1, 1, 1, 1, 1, 1, 1, 1), SCALAR, SH(1, 2));
	cst(g, 1, DT_I64, 0, NULL, D(3));
	expect_error(g, "output rank 9 is too large");
	g = MK("ReverseSequence", DT_F32, 2, SH(2, 2, 3), SH(1, 3));
	node0(g)->in[1]->dtype = DT_I64;
	tg_attr_int(g, node0(g), "batch_axis", 2);
	expect_error(g, "batch_axis and time_axis must be 0 and 1");
	g = MK("ReverseSequence", DT_F32, 2, SH(2, 2, 3), SH(1, 2));
	node0(g)->in[1]->dtype = DT_I64;
	expect_error(g, "sequence_lens 'x1' must hold 3 lengths");
	g = MK("Trilu", DT_F32, 2, SH(2, 2, 3), SH(1, 2));
	node0(g)->in[1]->dtype = DT_I64;
	expect_error(g, "k 'x1' must hold one value");
	g = MK("CumSum", DT_F32, 2, SH(2, 2, 3), SH(1, 2));
	ci64(g, 1, 2, D(0, 1));
	expect_error(g, "axis 'x1' must hold one value");
	g = MK("EyeLike", DT_F32, 1, SH(2, 2, 3));
	tg_attr_int(g, node0(g), "dtype", DT_STRING);
	expect_error(g, "dtype 8 is not supported");
	g = MK("ConstantOfShape", DT_I64, 1, SH(1, 1));
	ci64(g, 0, 1, D(3));
	tg_attr_int(g, node0(g), "value", 1);
	expect_error(g, "attribute 'value' must be a tensor of one element");
	g = MK("Range", DT_F32, 3, SCALAR, SCALAR, SH(1, 2));
	expect_error(g, "input 'x2' must be one float");
	g = MK("Range", DT_F32, 3, SCALAR, SCALAR, SCALAR);
	for (int i = 0; i < 3; i++)
		cst(g, i, DT_F32, 0, NULL, (const float[]){0});
	expect_error(g, "delta is 0");
	g = MK("Range", DT_F32, 3, SCALAR, SCALAR, SCALAR);
	cst(g, 0, DT_F32, 0, NULL, (const float[]){0});
	cst(g, 1, DT_F32, 0, NULL, (const float[]){1e30f});
	cst(g, 2, DT_F32, 0, NULL, (const float[]){1});
	expect_error(g, "range is too long");
}
END_TEST

/* A ConstantOfShape value attribute of a type without fixed size. */
START_TEST(test_errors_constantofshape_value_type)
{
	Graph *g = MK("ConstantOfShape", DT_I64, 1, SH(1, 1));
	ci64(g, 0, 1, D(3));
	Node *n = node0(g);
	Attr *a = &n->attr[n->nattr++];
	memset(a, 0, sizeof *a);
	a->name = "value";
	a->type = AT_TENSOR;
	a->t = arena_alloc(g->arena, sizeof *a->t);
	tensor_set(a->t, DT_STRING, 1, D(1));
	a->t->init = arena_alloc(g->arena, 8);
	expect_error(g, "value has type string");
}
END_TEST

/* ---- runs ---- */

START_TEST(test_run_transpose_matches_index_arithmetic)
{
	Graph *g = MK("Transpose", DT_I16, 1, SH(4, 2, 3, 4, 5));
	tg_attr_ints(g, node0(g), "perm", 4, D(2, 0, 3, 1));
	int16_t x[120], y[120];
	for (int i = 0; i < 120; i++)
		x[i] = (int16_t)(i * 3 - 50);
	run(g, (const void *[]){x}, (void *[]){y});
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 3; b++)
			for (int c = 0; c < 4; c++)
				for (int e = 0; e < 5; e++)
					ck_assert_int_eq(y[((c * 2 + a) * 5 + e) * 3 + b], x[((a * 3 + b) * 4 + c) * 5 + e]);
	graph_free(g);
}
END_TEST

START_TEST(test_run_concat_split_slice)
{
	Graph *g = MK("Concat", DT_I64, 3, SH(2, 2, 1), SH(2, 2, 2), SH(2, 2, 0));
	tg_attr_int(g, node0(g), "axis", 1);
	int64_t a[2] = {1, 2}, b[4] = {3, 4, 5, 6}, y[6];
	run(g, (const void *[]){a, b, NULL}, (void *[]){y});
	const int64_t want[6] = {1, 3, 4, 2, 5, 6};
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);

	g = mkn("Split", DT_F32, 2, 2, (const Sh[]){SH(2, 2, 3), SH(1, 2)});
	tg_attr_int(g, node0(g), "axis", 1);
	ci64(g, 1, 2, D(1, 2));
	float x[6] = {1, 2, 3, 4, 5, 6}, p[2], q[4];
	run(g, (const void *[]){x}, (void *[]){p, q});
	ck_assert_float_eq(p[0], 1); ck_assert_float_eq(p[1], 4);
	ck_assert_float_eq(q[0], 2); ck_assert_float_eq(q[1], 3);
	ck_assert_float_eq(q[2], 5); ck_assert_float_eq(q[3], 6);
	graph_free(g);

	/* x[::-1, 3:0:-2] of a 2x5: rows reversed, columns 3, 1 */
	g = MK("Slice", DT_F32, 5, SH(2, 2, 5), SH(1, 2), SH(1, 2), SH(1, 2), SH(1, 2));
	ci64(g, 1, 2, D(-1, 3));
	ci64(g, 2, 2, D(INT64_MIN, 0));
	ci64(g, 3, 2, D(0, 1));
	ci64(g, 4, 2, D(-1, -2));
	float s[10] = {0, 1, 2, 3, 4, 10, 11, 12, 13, 14}, t[4];
	run(g, (const void *[]){s}, (void *[]){t});
	ck_assert_float_eq(t[0], 13); ck_assert_float_eq(t[1], 11);
	ck_assert_float_eq(t[2], 3); ck_assert_float_eq(t[3], 1);
	graph_free(g);
}
END_TEST

START_TEST(test_run_pad_reflect_and_runtime_value)
{
	Graph *g = MK("Pad", DT_I32, 2, SH(2, 3, 2), SH(1, 4));
	ci64(g, 1, 4, D(0, 2, 0, 0));
	tg_attr_string(g, node0(g), "mode", "reflect");
	int32_t x[6] = {10, 12, 23, 34, 45, 57}, y[12];
	run(g, (const void *[]){x}, (void *[]){y});
	const int32_t want[12] = {10, 12, 10, 12, 23, 34, 23, 34, 45, 57, 45, 57};
	for (int i = 0; i < 12; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);

	g = MK("Pad", DT_F32, 3, SH(1, 2), SH(1, 2), SCALAR);   /* value is a runtime input */
	ci64(g, 1, 2, D(1, 2));
	float a[2] = {1, 2}, v = -7, b[5];
	run(g, (const void *[]){a, &v}, (void *[]){b});
	const float wb[5] = {-7, 1, 2, -7, -7};
	for (int i = 0; i < 5; i++)
		ck_assert_float_eq(b[i], wb[i]);
	graph_free(g);
}
END_TEST

START_TEST(test_run_expand_tile_depth_space)
{
	Graph *g = MK("Expand", DT_U8, 2, SH(2, 3, 1), SH(1, 3));
	ci64(g, 1, 3, D(2, 1, 2));
	uint8_t x[3] = {7, 8, 9}, y[12];
	run(g, (const void *[]){x}, (void *[]){y});
	for (int i = 0; i < 12; i++)
		ck_assert_int_eq(y[i], x[(i / 2) % 3]);
	graph_free(g);

	g = MK("Tile", DT_F32, 2, SH(2, 2, 2), SH(1, 2));
	ci64(g, 1, 2, D(2, 3));
	float t[4] = {1, 2, 3, 4}, ty[24];
	run(g, (const void *[]){t}, (void *[]){ty});
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 6; j++)
			ck_assert_float_eq(ty[i * 6 + j], t[(i % 2) * 2 + j % 2]);
	graph_free(g);

	/* DepthToSpace CRD then SpaceToDepth undo each other only in DCR; check
	 * the spec's index formulas directly for both modes. */
	for (int crd = 0; crd < 2; crd++) {
		g = MK("DepthToSpace", DT_F32, 1, SH(4, 1, 8, 2, 3));
		tg_attr_int(g, node0(g), "blocksize", 2);
		tg_attr_string(g, node0(g), "mode", crd ? "CRD" : "DCR");
		float dx[48], dy[48];
		for (int i = 0; i < 48; i++)
			dx[i] = (float)i;
		run(g, (const void *[]){dx}, (void *[]){dy});
		for (int c = 0; c < 2; c++)
			for (int h = 0; h < 4; h++)
				for (int w = 0; w < 6; w++) {
					int bi = h % 2, bj = w % 2;
					int ic = crd ? c * 4 + bi * 2 + bj : (bi * 2 + bj) * 2 + c;
					ck_assert_float_eq(dy[(c * 4 + h) * 6 + w], dx[(ic * 2 + h / 2) * 3 + w / 2]);
				}
		graph_free(g);
	}
	g = MK("SpaceToDepth", DT_F32, 1, SH(4, 1, 2, 4, 6));
	tg_attr_int(g, node0(g), "blocksize", 2);
	float sx[48], sy[48];
	for (int i = 0; i < 48; i++)
		sx[i] = (float)i;
	run(g, (const void *[]){sx}, (void *[]){sy});
	for (int oc = 0; oc < 8; oc++)
		for (int h = 0; h < 2; h++)
			for (int w = 0; w < 3; w++) {
				int bi = oc / 4, bj = (oc / 2) % 2, c = oc % 2;
				ck_assert_float_eq(sy[(oc * 2 + h) * 3 + w], sx[(c * 4 + h * 2 + bi) * 6 + w * 2 + bj]);
			}
	graph_free(g);
}
END_TEST

START_TEST(test_run_gather_resize_cumsum)
{
	Graph *g = MK("Gather", DT_F32, 2, SH(2, 3, 3), SH(1, 2));
	tg_attr_int(g, node0(g), "axis", 1);
	node0(g)->in[1]->dtype = DT_I32;
	float x[9] = {1.0f, 1.2f, 1.9f, 2.3f, 3.4f, 3.9f, 4.5f, 5.7f, 5.9f}, y[6];
	int32_t idx[2] = {0, -1};
	run(g, (const void *[]){x, idx}, (void *[]){y});
	const float want[6] = {1.0f, 1.9f, 2.3f, 3.9f, 4.5f, 5.9f};
	for (int i = 0; i < 6; i++)
		ck_assert_float_eq(y[i], want[i]);
	graph_free(g);

	/* spec resize_upsample_scales_linear (half_pixel) */
	g = MK("Resize", DT_F32, 3, SH(4, 1, 1, 2, 2), SH(1, 0), SH(1, 4));
	cf32(g, 1, 0, NULL);
	cf32(g, 2, 4, (const float[]){1, 1, 2, 2});
	tg_attr_string(g, node0(g), "mode", "linear");
	float r[4] = {1, 2, 3, 4}, ry[16];
	run(g, (const void *[]){r}, (void *[]){ry});
	const float rw[16] = {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f,
		2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4};
	for (int i = 0; i < 16; i++)
		ck_assert_float_close(ry[i], rw[i], 1e-6);
	graph_free(g);

	g = MK("CumSum", DT_I64, 2, SH(2, 2, 3), SCALAR);
	cst(g, 1, DT_I32, 0, NULL, (const int32_t[]){1});
	tg_attr_int(g, node0(g), "reverse", 1);
	int64_t c[6] = {1, 2, 3, 4, 5, 6}, cy[6];
	run(g, (const void *[]){c}, (void *[]){cy});
	const int64_t cw[6] = {6, 5, 3, 15, 11, 6};
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(cy[i], cw[i]);
	graph_free(g);
}
END_TEST

START_TEST(test_run_generators)
{
	Graph *g = MK("Range", DT_I32, 3, SCALAR, SCALAR, SCALAR);
	cst(g, 0, DT_I32, 0, NULL, (const int32_t[]){10});
	cst(g, 1, DT_I32, 0, NULL, (const int32_t[]){4});
	cst(g, 2, DT_I32, 0, NULL, (const int32_t[]){-3});
	int32_t y[2];
	run(g, NULL, (void *[]){y});
	ck_assert_int_eq(y[0], 10);
	ck_assert_int_eq(y[1], 7);
	graph_free(g);

	g = MK("EyeLike", DT_F32, 1, SH(2, 3, 3));
	tg_attr_int(g, node0(g), "k", -1);
	float x[9], e[9];
	run(g, (const void *[]){x}, (void *[]){e});
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			ck_assert_float_eq(e[i * 3 + j], j == i - 1 ? 1.0f : 0.0f);
	graph_free(g);

	g = MK("OneHot", DT_I64, 3, SH(1, 3), SCALAR, SH(1, 2));
	cst(g, 1, DT_F32, 0, NULL, (const float[]){3});
	node0(g)->in[2]->dtype = DT_I32;
	tg_attr_int(g, node0(g), "axis", 0);
	int64_t idx[3] = {2, -3, 7};
	int32_t vals[2] = {5, 9}, oh[9];
	run(g, (const void *[]){idx, vals}, (void *[]){oh});
	for (int d = 0; d < 3; d++)
		for (int i = 0; i < 3; i++) {
			int v = (int)idx[i] < 0 ? (int)idx[i] + 3 : (int)idx[i];
			ck_assert_int_eq(oh[d * 3 + i], v == d ? 9 : 5);
		}
	graph_free(g);
}
END_TEST

/* Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as PyTorch exports a
 * flatten: the shape arithmetic folds at compile time (int64 kernels). */
START_TEST(test_run_shape_subgraph_folds)
{
	Graph *g = graph_new("test.onnx");
	g->opset = 13;
	g->input = arena_alloc(g->arena, sizeof *g->input);
	g->output = arena_alloc(g->arena, sizeof *g->output);
	Tensor *x = graph_tensor(g, "x"), *s = graph_tensor(g, "s"), *i0 = graph_tensor(g, "i0");
	Tensor *d0 = graph_tensor(g, "d0"), *ax = graph_tensor(g, "ax"), *u = graph_tensor(g, "u");
	Tensor *m1 = graph_tensor(g, "m1"), *c = graph_tensor(g, "c"), *y = graph_tensor(g, "y");
	tensor_set(x, DT_F32, 3, D(2, 3, 4));
	x->is_input = 1;
	g->input[g->ninput++] = x;
	tg_const(g, i0, DT_I64, 0, NULL, D(0));
	tg_const(g, ax, DT_I64, 1, D(1), D(0));
	tg_const(g, m1, DT_I64, 1, D(1), D(-1));
	y->is_output = 1;
	g->output[g->noutput++] = y;
	Tensor *io[5][3] = {{x, NULL, s}, {s, i0, d0}, {d0, ax, u}, {u, m1, c}, {x, c, y}};
	const char *ops[5] = {"Shape", "Gather", "Unsqueeze", "Concat", "Reshape"};
	for (int k = 0; k < 5; k++) {
		int nin = io[k][1] ? 2 : 1;
		Node *n = graph_add_node(g, ops[k], NULL, nin, 1);
		n->in[0] = io[k][0];
		if (nin > 1)
			n->in[1] = io[k][1];
		n->out[0] = io[k][2];
		io[k][2]->def = n;
		n->op = op_lookup(ops[k]);
		n->attr = arena_alloc(g->arena, 4 * sizeof *n->attr);
		if (k == 3)
			tg_attr_int(g, n, "axis", 0);
	}
	float xv[24], yv[24];
	for (int i = 0; i < 24; i++)
		xv[i] = (float)i / 4;
	run(g, (const void *[]){xv}, (void *[]){yv});
	ck_assert_int_eq(y->rank, 2);
	ck_assert_int_eq(y->dim[0], 2);
	ck_assert_int_eq(y->dim[1], 12);
	ck_assert_ptr_nonnull(c->init);         /* folded */
	for (int i = 0; i < 24; i++)
		ck_assert_float_eq(yv[i], xv[i]);
	graph_free(g);
}
END_TEST

static Suite *
shape_suite(void)
{
	Suite *s = suite_create("ops_shape");
	TCase *tc = tcase_create("infer");

	tcase_add_test(tc, test_flatten_infer_axes);
	tcase_add_test(tc, test_reshape_infer_zero_minus_one_allowzero);
	tcase_add_test(tc, test_squeeze_unsqueeze_infer_by_opset);
	tcase_add_test(tc, test_shape_and_size_infer);
	tcase_add_test(tc, test_transpose_concat_split_infer);
	tcase_add_test(tc, test_slice_infer_inputs_attrs_clamping);
	tcase_add_test(tc, test_pad_expand_tile_d2s_infer);
	tcase_add_test(tc, test_gather_family_infer);
	tcase_add_test(tc, test_generators_infer);
	tcase_add_test(tc, test_resize_upsample_infer);
	tcase_add_test(tc, test_static_inputs_listed);
	tcase_add_test(tc, test_value_bits_per_type);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_errors_constant_inputs);
	tcase_add_test(tc, test_errors_output_shapes);
	tcase_add_test(tc, test_errors_views);
	tcase_add_test(tc, test_errors_transpose_concat_split);
	tcase_add_test(tc, test_errors_slice_pad);
	tcase_add_test(tc, test_errors_expand_tile_d2s);
	tcase_add_test(tc, test_errors_gather_scatter);
	tcase_add_test(tc, test_errors_resize);
	tcase_add_test(tc, test_errors_onehot_revseq_generators);
	tcase_add_test(tc, test_errors_constantofshape_value_type);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, test_run_transpose_matches_index_arithmetic);
	tcase_add_test(tc, test_run_concat_split_slice);
	tcase_add_test(tc, test_run_pad_reflect_and_runtime_value);
	tcase_add_test(tc, test_run_expand_tile_depth_space);
	tcase_add_test(tc, test_run_gather_resize_cumsum);
	tcase_add_test(tc, test_run_generators);
	tcase_add_test(tc, test_run_shape_subgraph_folds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(shape_suite());
}
