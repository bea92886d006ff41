/* test_ops_conv.c: the conv and pool op families (compiler/ops/conv.c,
 * pool.c): shape inference, every error path, and small end-to-end runs
 * through the interpreter checked against the ONNX spec examples. */
#include <string.h>

#include "driver.h"
#include "testutil.h"
#include "axrt.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})

/* One node of op `op` with inputs of the given shapes (x0, x1, x2). */
static Graph *
mk3(const char *op, int nin, int r0, const int64_t *d0, int r1, const int64_t *d1,
	int r2, const int64_t *d2)
{
	int rank[3] = {r0, r1, r2};
	const int64_t *dims[3] = {d0, d1, d2};
	return tg_single_op(op, DT_F32, nin, rank, dims);
}

static Graph *
mk1(const char *op, int r, const int64_t *d)
{
	return mk3(op, 1, r, d, 0, NULL, 0, NULL);
}

static Graph *
mk2(const char *op, int r0, const int64_t *d0, int r1, const int64_t *d1)
{
	return mk3(op, 2, r0, d0, r1, d1, 0, NULL);
}

/* Runs n's infer, expects success and the output shape want[0..rank). */
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

/* Runs n's infer, expects one error naming node `name` and containing frag. */
static void
expect_error(Graph *g, const char *name, const char *frag)
{
	Node *n = g->node[0];
	Diag d = diag_capture();
	char want[96];

	snprintf(want, sizeof want, "node '%s'", name);
	ck_assert_int_eq(optab[n->op].infer(n, &d), -1);
	ck_assert_int_eq(d.nerr, 1);
	ck_assert_msg(strstr(d.last, want) != NULL, "'%s' not in: %s", want, d.last);
	ck_assert_msg(strstr(d.last, frag) != NULL, "'%s' not in: %s", frag, d.last);
	graph_free(g);
}

/* ---- shape inference ---- */

START_TEST(test_conv_infer_strides_asymmetric_pads)
{
	Graph *g = mk2("Conv", 4, D(2, 3, 7, 5), 4, D(4, 3, 3, 3));
	tg_attr_ints(g, g->node[0], "pads", 4, D(1, 0, 1, 0));
	tg_attr_ints(g, g->node[0], "strides", 2, D(2, 2));
	expect_shape(g, 4, D(2, 4, 4, 2));
}
END_TEST

START_TEST(test_conv_infer_1d_3d_groups_dilations)
{
	Graph *g = mk2("Conv", 3, D(1, 4, 10), 3, D(6, 2, 3));   /* 1-D, group 2 */
	tg_attr_int(g, g->node[0], "group", 2);
	tg_attr_ints(g, g->node[0], "dilations", 1, D(2));
	expect_shape(g, 3, D(1, 6, 6));
	g = mk2("Conv", 5, D(1, 2, 5, 6, 7), 5, D(3, 2, 2, 3, 3));
	tg_attr_ints(g, g->node[0], "strides", 3, D(1, 2, 3));
	expect_shape(g, 5, D(1, 3, 4, 2, 2));
	g = mk3("Conv", 3, 4, D(1, 8, 9, 9), 4, D(8, 1, 3, 3), 1, D(8));   /* depthwise */
	tg_attr_int(g, g->node[0], "group", 8);
	tg_attr_ints(g, g->node[0], "pads", 4, D(1, 1, 1, 1));
	expect_shape(g, 4, D(1, 8, 9, 9));
}
END_TEST

START_TEST(test_conv_infer_auto_pad)
{
	static const char *const modes[] = {"SAME_UPPER", "SAME_LOWER", "VALID"};
	static const int64_t want[][4] = {{1, 1, 4, 3}, {1, 1, 4, 3}, {1, 1, 3, 2}};
	for (int i = 0; i < 3; i++) {
		Graph *g = mk2("Conv", 4, D(1, 1, 7, 5), 4, D(1, 1, 3, 3));
		tg_attr_string(g, g->node[0], "auto_pad", modes[i]);
		tg_attr_ints(g, g->node[0], "strides", 2, D(2, 2));
		tg_attr_ints(g, g->node[0], "pads", 4, D(5, 5, 5, 5));   /* ignored */
		expect_shape(g, 4, want[i]);
	}
}
END_TEST

START_TEST(test_convtranspose_infer_shapes)
{
	/* ONNX spec: 3x3 input, strides (3, 2); output_padding 1 -> 10x8 */
	Graph *g = mk2("ConvTranspose", 4, D(1, 1, 3, 3), 4, D(1, 2, 3, 3));
	tg_attr_ints(g, g->node[0], "strides", 2, D(3, 2));
	tg_attr_ints(g, g->node[0], "output_padding", 2, D(1, 1));
	expect_shape(g, 4, D(1, 2, 10, 8));
	g = mk2("ConvTranspose", 4, D(1, 1, 3, 3), 4, D(1, 2, 3, 3));
	tg_attr_ints(g, g->node[0], "strides", 2, D(3, 2));
	tg_attr_ints(g, g->node[0], "pads", 4, D(1, 2, 1, 2));
	expect_shape(g, 4, D(1, 2, 7, 3));
	g = mk2("ConvTranspose", 4, D(1, 4, 3, 3), 4, D(4, 3, 3, 3));   /* group 2: M = 6 */
	tg_attr_int(g, g->node[0], "group", 2);
	tg_attr_string(g, g->node[0], "auto_pad", "SAME_UPPER");
	tg_attr_ints(g, g->node[0], "strides", 2, D(2, 2));
	expect_shape(g, 4, D(1, 6, 6, 6));
	g = mk2("ConvTranspose", 3, D(1, 1, 3), 3, D(1, 1, 3));
	tg_attr_ints(g, g->node[0], "output_shape", 3, D(1, 1, 9));   /* N, C given too */
	expect_shape(g, 3, D(1, 1, 9));
}
END_TEST

START_TEST(test_pool_infer_shapes)
{
	Graph *g = mk1("MaxPool", 4, D(1, 1, 4, 4));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(3, 3));
	tg_attr_ints(g, g->node[0], "strides", 2, D(2, 2));
	tg_attr_int(g, g->node[0], "ceil_mode", 1);
	expect_shape(g, 4, D(1, 1, 2, 2));
	g = mk1("MaxPool", 4, D(1, 1, 4, 4));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(3, 3));
	tg_attr_ints(g, g->node[0], "strides", 2, D(2, 2));
	expect_shape(g, 4, D(1, 1, 1, 1));
	/* ceil_mode: the last window must start inside input or leading pad:
	 * in 5, k 2, s 2, pads 1+1: ceil gives 4 windows starting -1, 1, 3, 5 -> 3 */
	g = mk1("AveragePool", 3, D(1, 1, 5));
	tg_attr_ints(g, g->node[0], "kernel_shape", 1, D(2));
	tg_attr_ints(g, g->node[0], "strides", 1, D(2));
	tg_attr_ints(g, g->node[0], "pads", 2, D(1, 1));
	tg_attr_int(g, g->node[0], "ceil_mode", 1);
	expect_shape(g, 3, D(1, 1, 3));
	g = mk1("AveragePool", 5, D(2, 3, 8, 8, 8));
	tg_attr_ints(g, g->node[0], "kernel_shape", 3, D(3, 3, 3));
	tg_attr_string(g, g->node[0], "auto_pad", "SAME_LOWER");
	tg_attr_ints(g, g->node[0], "strides", 3, D(3, 3, 3));
	expect_shape(g, 5, D(2, 3, 3, 3, 3));
	g = mk1("MaxPool", 4, D(1, 2, 9, 9));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(2, 2));
	tg_attr_ints(g, g->node[0], "dilations", 2, D(3, 3));
	expect_shape(g, 4, D(1, 2, 6, 6));
	g = mk1("GlobalAveragePool", 5, D(2, 3, 4, 5, 6));
	expect_shape(g, 5, D(2, 3, 1, 1, 1));
	g = mk1("GlobalLpPool", 3, D(2, 3, 4));
	expect_shape(g, 3, D(2, 3, 1));
}
END_TEST

/* ---- errors: one per diag_node call site ---- */

START_TEST(test_conv_errors_attribute_lists)
{
	Graph *g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "pads", 2, D(1, 1));
	expect_error(g, "conv_0", "pads has 2 values, expected 4");
	g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "strides", 1, D(1));
	expect_error(g, "conv_0", "strides has 1 values, expected 2");
	g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "strides", 2, D(1, 0));
	expect_error(g, "conv_0", "strides[1] is 0, must be at least 1");
	g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "dilations", 2, D(-1, 1));
	expect_error(g, "conv_0", "dilations[0] is -1");
	g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "pads", 4, D(0, 0, -1, 0));
	expect_error(g, "conv_0", "pads[2] is -1, must be at least 0");
	g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "pads", 4, D(0, 0, (int64_t)1 << 40, 0));
	expect_error(g, "conv_0", "too large");
	g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));
	tg_attr_string(g, g->node[0], "auto_pad", "SAME");
	expect_error(g, "conv_0", "auto_pad 'SAME' is not");
}
END_TEST

START_TEST(test_conv_errors_kernel_shape)
{
	Graph *g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "kernel_shape", 3, D(3, 3, 3));
	expect_error(g, "conv_0", "kernel_shape has 3 values, expected 2");
	g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(3, 2));
	expect_error(g, "conv_0", "kernel_shape[1] is 2 but weight 'x1' has 3");
}
END_TEST

START_TEST(test_conv_errors_ranks_and_types)
{
	int rank[2] = {4, 4};
	const int64_t *dims[2] = {D(1, 1, 5, 5), D(1, 1, 3, 3)};
	Graph *g = tg_single_op("Conv", DT_I32, 2, rank, dims);
	expect_error(g, "conv_0", "has type int32");
	g = mk2("Conv", 2, D(1, 5), 2, D(1, 1));
	expect_error(g, "conv_0", "input 'x0' has rank 2; Conv handles 1 to 3 spatial dims");
	g = mk2("Conv", 6, D(1, 1, 2, 2, 2, 2), 6, D(1, 1, 1, 1, 1, 1));
	expect_error(g, "conv_0", "has rank 6");
	g = mk2("Conv", 4, D(1, 1, 5, 5), 3, D(1, 1, 3));
	expect_error(g, "conv_0", "weight 'x1' has rank 3, expected 4 like input 'x0'");
	g = mk2("Conv", 4, D(1, 1, 0, 5), 4, D(1, 1, 3, 3));
	expect_error(g, "conv_0", "'x0' has an empty dimension (shape 1x1x0x5)");
	g = mk3("Conv", 3, 4, D(1, 1, 5, 5), 4, D(2, 1, 3, 3), 1, D(3));
	expect_error(g, "conv_0", "bias 'x2' has shape 3, expected 2");
	g = mk3("Conv", 3, 4, D(1, 1, 5, 5), 4, D(2, 1, 3, 3), 2, D(1, 2));
	expect_error(g, "conv_0", "bias 'x2' has shape 1x2");
}
END_TEST

START_TEST(test_conv_errors_groups)
{
	Graph *g = mk2("Conv", 4, D(1, 4, 5, 5), 4, D(4, 4, 3, 3));
	tg_attr_int(g, g->node[0], "group", 0);
	expect_error(g, "conv_0", "group is 0, must be at least 1");
	g = mk2("Conv", 4, D(1, 4, 5, 5), 4, D(3, 1, 3, 3));
	tg_attr_int(g, g->node[0], "group", 3);
	expect_error(g, "conv_0", "group 3 does not divide the 4 channels of input 'x0'");
	g = mk2("Conv", 4, D(1, 4, 5, 5), 4, D(3, 2, 3, 3));
	tg_attr_int(g, g->node[0], "group", 2);
	expect_error(g, "conv_0", "group 2 does not divide the 3 output channels of weight 'x1'");
	g = mk2("Conv", 4, D(1, 4, 5, 5), 4, D(4, 1, 3, 3));
	tg_attr_int(g, g->node[0], "group", 2);
	expect_error(g, "conv_0", "weight 'x1' expects 1 channels per group x 2 groups, input 'x0' has 4");
	g = mk2("Conv", 4, D(1, 3, 5, 5), 4, D(4, 2, 3, 3));
	expect_error(g, "conv_0", "weight 'x1' expects 2 channels per group x 1 groups, input 'x0' has 3");
	g = mk2("ConvTranspose", 4, D(1, 4, 5, 5), 4, D(2, 3, 3, 3));
	expect_error(g, "convtranspose_0", "weight 'x1' has 2 input channels (dim 0), input 'x0' has 4");
}
END_TEST

START_TEST(test_conv_errors_output_size)
{
	Graph *g = mk2("Conv", 4, D(1, 1, 2, 5), 4, D(1, 1, 3, 3));
	expect_error(g, "conv_0", "output size along spatial axis 0 is 0");
	g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "dilations", 2, D(1, 3));
	expect_error(g, "conv_0", "smaller than the kernel extent 7");
	g = mk2("Conv", 4, D(1, 1, 65536, 65536), 4, D(1, 1, 1, 1));
	expect_error(g, "conv_0", "more than the kernels' limit");
	g = mk2("ConvTranspose", 4, D(1, 1, 1, 1), 4, D(1, 1, 1, 1));
	tg_attr_ints(g, g->node[0], "pads", 4, D(1, 0, 1, 0));
	expect_error(g, "convtranspose_0", "output size along spatial axis 0 is -1");
	g = mk2("ConvTranspose", 4, D(1, 1, 3, 3), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "output_shape", 1, D(5));
	expect_error(g, "convtranspose_0", "output_shape has 1 values, expected 2");
	g = mk2("ConvTranspose", 4, D(1, 1, 3, 3), 4, D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "output_padding", 2, D(1, -2));
	expect_error(g, "convtranspose_0", "output_padding[1] is -2");
}
END_TEST

START_TEST(test_pool_errors)
{
	int rank[1] = {4};
	const int64_t *dims[1] = {D(1, 1, 4, 4)};
	Graph *g = tg_single_op("AveragePool", DT_U8, 1, rank, dims);
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(2, 2));
	expect_error(g, "averagepool_0", "has type uint8");
	g = mk1("MaxPool", 2, D(1, 4));
	tg_attr_ints(g, g->node[0], "kernel_shape", 1, D(2));
	expect_error(g, "maxpool_0", "input 'x0' has rank 2, expected 3 to 5");
	g = mk1("GlobalMaxPool", 2, D(1, 4));
	expect_error(g, "globalmaxpool_0", "has rank 2, expected 3 to 8");
	g = mk1("GlobalAveragePool", 4, D(1, 0, 4, 4));
	expect_error(g, "globalaveragepool_0", "has an empty dimension (shape 1x0x4x4)");
	g = mk1("MaxPool", 4, D(1, 1, 4, 4));
	expect_error(g, "maxpool_0", "kernel_shape is required");
	g = mk1("MaxPool", 4, D(1, 1, 4, 4));
	tg_attr_ints(g, g->node[0], "kernel_shape", 1, D(2));
	expect_error(g, "maxpool_0", "kernel_shape has 1 values, expected 2");
	g = mk1("MaxPool", 4, D(1, 1, 4, 4));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(2, 2));
	tg_attr_int(g, g->node[0], "ceil_mode", 2);
	expect_error(g, "maxpool_0", "ceil_mode is 2, expected 0 or 1");
	g = mk1("MaxPool", 4, D(1, 1, 4, 4));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(2, 2));
	tg_attr_int(g, g->node[0], "storage_order", 3);
	expect_error(g, "maxpool_0", "storage_order is 3, expected 0 or 1");
	g = mk1("AveragePool", 4, D(1, 1, 4, 4));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(5, 2));
	expect_error(g, "averagepool_0", "output size along spatial axis 0 is 0");
	g = mk1("LpPool", 4, D(1, 1, 4, 4));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(2, 2));
	tg_attr_int(g, g->node[0], "p", 0);
	expect_error(g, "lppool_0", "p is 0, must be positive");
	g = mk1("GlobalLpPool", 3, D(1, 1, 4));
	tg_attr_float(g, g->node[0], "p", -1.5f);
	expect_error(g, "globallppool_0", "p is -1.5, must be positive");
}
END_TEST

/* Gives node 0 a second output (MaxPool's Indices), or a third. */
static Tensor *
add_output(Graph *g, const char *name)
{
	Node *n = g->node[0];
	Tensor **out = arena_alloc(g->arena, (size_t)(n->nout + 1) * sizeof *out);
	Tensor *t = graph_tensor(g, name);
	Tensor **gout = arena_alloc(g->arena, (size_t)(g->noutput + 1) * sizeof *gout);

	memcpy(out, n->out, (size_t)n->nout * sizeof *out);
	out[n->nout++] = t;
	n->out = out;
	t->def = n;
	t->is_output = 1;
	memcpy(gout, g->output, (size_t)g->noutput * sizeof *gout);
	gout[g->noutput++] = t;
	g->output = gout;
	return t;
}

START_TEST(test_pool_errors_outputs)
{
	Graph *g = mk1("AveragePool", 4, D(1, 1, 4, 4));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(2, 2));
	add_output(g, "z");
	expect_error(g, "averagepool_0", "has 2 outputs, expected 1");
	g = mk1("MaxPool", 4, D(1, 1, 4, 4));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(2, 2));
	add_output(g, "z");
	add_output(g, "w");
	expect_error(g, "maxpool_0", "has 3 outputs, expected 1 or 2");
}
END_TEST

/* ---- end to end through the interpreter (ONNX spec examples) ---- */

static float x25[25];

static void
fill_iota(float *v, int n, float first)
{
	for (int i = 0; i < n; i++)
		v[i] = first + (float)i;
}

static void
expect_values(const float *y, const float *want, int n, double tol)
{
	for (int i = 0; i < n; i++)
		ck_assert_msg(fabs((double)y[i] - want[i]) <= tol, "y[%d] = %.9g, expected %.9g",
			i, (double)y[i], (double)want[i]);
}

/* A Conv/ConvTranspose over x0 with constant weight w (shape wd), run. */
static int
run_conv(Graph *g, const float *w, const int64_t *wd, const float *x, float *y)
{
	Diag d = diag_capture();
	const void *in[1] = {x};
	void *out[1] = {y};
	int rc;

	tg_const(g, g->node[0]->in[1], DT_F32, 4, wd, w);
	rc = tg_run(g, &d, in, out);
	ck_assert_msg(rc == 0, "run failed: %s", d.all);
	return rc;
}

START_TEST(test_conv_run_autopad_same_lower)
{
	static const float want[9] = {12, 27, 24, 63, 108, 81, 72, 117, 84};
	float w[9], y[9];
	Graph *g = mk2("Conv", 4, D(1, 1, 5, 5), 4, D(1, 1, 3, 3));

	for (int i = 0; i < 9; i++)
		w[i] = 1;
	fill_iota(x25, 25, 0);
	tg_attr_string(g, g->node[0], "auto_pad", "SAME_LOWER");
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(3, 3));
	tg_attr_ints(g, g->node[0], "strides", 2, D(2, 2));
	run_conv(g, w, D(1, 1, 3, 3), x25, y);
	expect_values(y, want, 9, 0);
	graph_free(g);
}
END_TEST

/* An odd total pad goes at the end for SAME_UPPER, the start for SAME_LOWER:
 * x = 1 2 3 4 with a 1x2 kernel of ones. */
START_TEST(test_conv_run_same_upper_vs_lower)
{
	static const float x[4] = {1, 2, 3, 4}, w[2] = {1, 1};
	static const float upper[4] = {3, 5, 7, 4}, lower[4] = {1, 3, 5, 7};
	float y[4];

	for (int lo = 0; lo < 2; lo++) {
		Graph *g = mk2("Conv", 4, D(1, 1, 1, 4), 4, D(1, 1, 1, 2));
		tg_attr_string(g, g->node[0], "auto_pad", lo ? "SAME_LOWER" : "SAME_UPPER");
		run_conv(g, w, D(1, 1, 1, 2), x, y);
		expect_values(y, lo ? lower : upper, 4, 0);
		graph_free(g);
	}
}
END_TEST

START_TEST(test_conv_run_bias_and_fused_relu)
{
	/* 1x1 conv: y0 = x0 + x1 + 1, y1 = x0 - 2 x1 (relu) */
	static const float x[2] = {1, 2}, w[4] = {1, 1, 1, -2}, b[2] = {1, 0};
	static const float want[2] = {4, 0};
	float y[2];
	Graph *g = mk3("Conv", 3, 4, D(1, 2, 1, 1), 4, D(2, 2, 1, 1), 1, D(2));
	Diag d = diag_capture();
	const void *in[1] = {x};
	void *out[1] = {y};

	tg_const(g, g->node[0]->in[2], DT_F32, 1, D(2), b);
	tg_const(g, g->node[0]->in[1], DT_F32, 4, D(2, 2, 1, 1), w);
	g->node[0]->act = AXRT_ACT_RELU;
	ck_assert_msg(tg_run(g, &d, in, out) == 0, "run failed: %s", d.all);
	expect_values(y, want, 2, 0);
	graph_free(g);
}
END_TEST

/* ONNX spec test_convtranspose_output_shape: output_shape 10x8 exceeds
 * the full 9x7 result: the extra row and column stay zero. */
START_TEST(test_convtranspose_run_output_shape)
{
	static const float row[3][8] = {{0, 0, 1, 1, 3, 2, 2, 0}, {3, 3, 7, 4, 9, 5, 5, 0},
		{6, 6, 13, 7, 15, 8, 8, 0}};
	float x[9], w[18], y[160];
	Graph *g = mk2("ConvTranspose", 4, D(1, 1, 3, 3), 4, D(1, 2, 3, 3));

	fill_iota(x, 9, 0);
	for (int i = 0; i < 18; i++)
		w[i] = 1;
	tg_attr_ints(g, g->node[0], "strides", 2, D(3, 2));
	tg_attr_ints(g, g->node[0], "output_shape", 2, D(10, 8));
	run_conv(g, w, D(1, 2, 3, 3), x, y);
	for (int c = 0; c < 2; c++)
		for (int h = 0; h < 10; h++)
			for (int i = 0; i < 8; i++)
				ck_assert_float_eq(y[(c * 10 + h) * 8 + i], h == 9 ? 0 : row[h / 3][i]);
	graph_free(g);
}
END_TEST

/* ONNX spec test_convtranspose_autopad_same: SAME_UPPER, strides 2. */
START_TEST(test_convtranspose_run_autopad_same)
{
	static const float want[36] = {0, 0, 1, 1, 3, 2, 0, 0, 1, 1, 3, 2, 3, 3, 8, 5, 12, 7,
		3, 3, 7, 4, 9, 5, 9, 9, 20, 11, 24, 13, 6, 6, 13, 7, 15, 8};
	float x[9], w[18], y[72];
	Graph *g = mk2("ConvTranspose", 4, D(1, 1, 3, 3), 4, D(1, 2, 3, 3));

	fill_iota(x, 9, 0);
	for (int i = 0; i < 18; i++)
		w[i] = 1;
	tg_attr_string(g, g->node[0], "auto_pad", "SAME_UPPER");
	tg_attr_ints(g, g->node[0], "strides", 2, D(2, 2));
	run_conv(g, w, D(1, 2, 3, 3), x, y);
	expect_values(y, want, 36, 0);
	expect_values(y + 36, want, 36, 0);
	graph_free(g);
}
END_TEST

static int
run_pool(Graph *g, const float *x, void *y, void *z)
{
	Diag d = diag_capture();
	const void *in[1] = {x};
	void *out[2] = {y, z};
	int rc = tg_run(g, &d, in, out);

	ck_assert_msg(rc == 0, "run failed: %s", d.all);
	return rc;
}

START_TEST(test_pool_run_maxpool_ceil)
{
	static const float want[4] = {11, 12, 15, 16};
	float x[16], y[4];
	Graph *g = mk1("MaxPool", 4, D(1, 1, 4, 4));

	fill_iota(x, 16, 1);
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(3, 3));
	tg_attr_ints(g, g->node[0], "strides", 2, D(2, 2));
	tg_attr_int(g, g->node[0], "ceil_mode", 1);
	run_pool(g, x, y, NULL);
	expect_values(y, want, 4, 0);
	graph_free(g);
}
END_TEST

START_TEST(test_pool_run_maxpool_indices)
{
	/* ONNX spec test_maxpool_with_argmax_2d_precomputed_pads */
	static const float want[25] = {13, 14, 15, 15, 15, 18, 19, 20, 20, 20,
		23, 24, 25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25};
	float y[25];
	int64_t z[25];
	Graph *g = mk1("MaxPool", 4, D(1, 1, 5, 5));

	fill_iota(x25, 25, 1);
	add_output(g, "z");
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(5, 5));
	tg_attr_ints(g, g->node[0], "pads", 4, D(2, 2, 2, 2));
	run_pool(g, x25, y, z);
	expect_values(y, want, 25, 0);
	for (int i = 0; i < 25; i++)
		ck_assert_int_eq(z[i], (int64_t)want[i] - 1);
	graph_free(g);
}
END_TEST

START_TEST(test_pool_run_avgpool_same_upper)
{
	static const float want[9] = {4, 5.5f, 7, 11.5f, 13, 14.5f, 19, 20.5f, 22};
	float y[9];
	Graph *g = mk1("AveragePool", 4, D(1, 1, 5, 5));

	fill_iota(x25, 25, 1);
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(3, 3));
	tg_attr_ints(g, g->node[0], "strides", 2, D(2, 2));
	tg_attr_string(g, g->node[0], "auto_pad", "SAME_UPPER");
	run_pool(g, x25, y, NULL);
	expect_values(y, want, 9, 1e-6);
	graph_free(g);
}
END_TEST

START_TEST(test_pool_run_lppool_and_global)
{
	/* LpPool p=2, 1-D, k 2, stride 2 over 3 4 0 5 -> 5 5 */
	static const float x[4] = {3, 4, 0, -5};
	float y[2];
	Graph *g = mk1("LpPool", 3, D(1, 1, 4));

	tg_attr_ints(g, g->node[0], "kernel_shape", 1, D(2));
	tg_attr_ints(g, g->node[0], "strides", 1, D(2));
	run_pool(g, x, y, NULL);
	expect_values(y, (const float[]){5, 5}, 2, 1e-6);
	graph_free(g);
	g = mk1("GlobalAveragePool", 4, D(1, 2, 1, 2));
	run_pool(g, x, y, NULL);
	expect_values(y, (const float[]){3.5f, -2.5f}, 2, 1e-6);
	graph_free(g);
	g = mk1("GlobalMaxPool", 4, D(1, 2, 1, 2));
	run_pool(g, x, y, NULL);
	expect_values(y, (const float[]){4, 0}, 2, 0);
	graph_free(g);
}
END_TEST

/* ---- lowering: which kernel each Conv gets ---- */

/* Infers and lowers g (one node); returns its program, which has one step. */
static Program *
lower1(Graph *g)
{
	Diag d = diag_capture();
	Program *p;

	ck_assert_msg(run_pipeline(g, &d, NULL) == 0, "pipeline: %s", d.all);
	p = prog_lower(g, &d);
	ck_assert_msg(p != NULL, "lower: %s", d.all);
	ck_assert_int_eq(p->nstep, 1);
	return p;
}

/* Constant weights: conv_f32_gemm with the weights packed in panels of
 * AXRT_GEMM_MR rows and a scratch of (kc + 1) * AXRT_GEMM_NR floats (at
 * most AXRT_GEMM_MC rows, and kc or C not small); a depthwise
 * conv: conv_f32_dw with one padded plane (+ the wide loop's plane);
 * weights that are a graph input: the reference conv_f32. */
START_TEST(test_conv_lower_picks_kernels)
{
	static float w[64 * 3 * 3 * 3], wd[4 * 9];
	Graph *g = mk2("Conv", 4, D(1, 3, 10, 12), 4, D(64, 3, 3, 3));
	Program *p;
	const axrt_convgemm_params *q;
	const Step *st;

	tg_const(g, g->node[0]->in[1], DT_F32, 4, D(64, 3, 3, 3), w);
	tg_attr_ints(g, g->node[0], "pads", 4, D(1, 1, 1, 1));
	p = lower1(g);
	st = &p->step[0];
	q = st->params;
	ck_assert_int_eq(st->k, K_conv_f32_gemm);
	ck_assert_int_eq(q->kc, 27);                       /* K = 3 * 3 * 3 in one block */
	ck_assert_int_eq(q->nc, 128);                      /* 120 positions, whole strips */
	ck_assert_uint_eq(p->buf[st->scratch].size,   /* 64 rows, a small C: one strip's room */
		((size_t)(27 + 1) * AXRT_GEMM_NR + 16) * sizeof(float));
	ck_assert_uint_eq(p->buf[st->in[1]].size,          /* 64 rows padded to whole panels */
		(size_t)(64 + AXRT_GEMM_MR - 1) / AXRT_GEMM_MR * AXRT_GEMM_MR * 27 * sizeof(float));
	ck_assert_ptr_null(p->buf[st->in[1]].t);           /* a constant of its own */
	prog_free(p);
	graph_free(g);

	g = mk2("Conv", 4, D(1, 4, 9, 9), 4, D(4, 1, 3, 3));   /* depthwise, 3x3, pad 1 */
	tg_const(g, g->node[0]->in[1], DT_F32, 4, D(4, 1, 3, 3), wd);
	tg_attr_int(g, g->node[0], "group", 4);
	tg_attr_ints(g, g->node[0], "pads", 4, D(1, 1, 1, 1));
	p = lower1(g);
	ck_assert_int_eq(p->step[0].k, K_conv_f32_dw);   /* the small flat path: 9 x 9 between */
	ck_assert_uint_eq(p->buf[p->step[0].scratch].size,  /* two zero rows, a zero each end */
		(size_t)(11 * 9 + 2) * sizeof(float));
	prog_free(p);
	graph_free(g);

	g = mk2("Conv", 4, D(1, 3, 5, 5), 4, D(2, 3, 3, 3));   /* weights are an input */
	p = lower1(g);
	ck_assert_int_eq(p->step[0].k, K_conv_f32);
	ck_assert_int_eq(p->step[0].scratch, -1);
	prog_free(p);
	graph_free(g);
}
END_TEST

/* With more than AXRT_GEMM_MC output channels the packed strips of a
 * column block are kept: nc is halved until they fit in the larger of
 * the conv's input and output (here 130 x 14 x 14 floats). */
START_TEST(test_conv_lower_scratch_bounded)
{
	static float w[130 * 64 * 9];
	Graph *g = mk2("Conv", 4, D(1, 64, 16, 16), 4, D(130, 64, 3, 3));
	Program *p;
	const axrt_convgemm_params *q;

	tg_const(g, g->node[0]->in[1], DT_F32, 4, D(130, 64, 3, 3), w);
	p = lower1(g);
	q = p->step[0].params;
	ck_assert_int_eq(q->kc, 192);                      /* 576 in three blocks of <= 256 */
	ck_assert_int_eq(q->nc, 112);                      /* 208 -> 112 */
	ck_assert_uint_eq(p->buf[p->step[0].scratch].size, ((size_t)(192 + 1) * 112 + 16) * sizeof(float));
	ck_assert_uint_le((size_t)(192 + 1) * 112, (size_t)130 * 14 * 14);
	prog_free(p);
	graph_free(g);
}
END_TEST

/* A grouped conv on the blocked GEMM, end to end, against sums written
 * out by hand: group 2, 1x1 kernel, two channels per group. */
START_TEST(test_conv_run_gemm_groups)
{
	static const float x[4 * 2] = {1, 2, 3, 4, 5, 6, 7, 8};   /* 4 channels, 1 x 2 */
	static const float w[4 * 2] = {1, 1, 1, -1, 2, 0, 0, 3};  /* 4 out channels x 2 in */
	static const float b[4] = {0.5f, 0, 0, -1};
	static const float want[8] = {4.5f, 6.5f, -2, -2, 10, 12, 20, 23};
	float y[8];
	Graph *g = mk3("Conv", 3, 4, D(1, 4, 1, 2), 4, D(4, 2, 1, 1), 1, D(4));
	Diag d = diag_capture();

	tg_const(g, g->node[0]->in[1], DT_F32, 4, D(4, 2, 1, 1), w);
	tg_const(g, g->node[0]->in[2], DT_F32, 1, D(4), b);
	tg_attr_int(g, g->node[0], "group", 2);
	ck_assert_msg(tg_run(g, &d, (const void *const[]){x}, (void *const[]){y}) == 0, "%s", d.all);
	expect_values(y, want, 8, 0);
	graph_free(g);
}
END_TEST

static Suite *
ops_conv_suite(void)
{
	Suite *s = suite_create("ops_conv");
	TCase *tc = tcase_create("infer");

	tcase_add_test(tc, test_conv_infer_strides_asymmetric_pads);
	tcase_add_test(tc, test_conv_infer_1d_3d_groups_dilations);
	tcase_add_test(tc, test_conv_infer_auto_pad);
	tcase_add_test(tc, test_convtranspose_infer_shapes);
	tcase_add_test(tc, test_pool_infer_shapes);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_conv_errors_attribute_lists);
	tcase_add_test(tc, test_conv_errors_kernel_shape);
	tcase_add_test(tc, test_conv_errors_ranks_and_types);
	tcase_add_test(tc, test_conv_errors_groups);
	tcase_add_test(tc, test_conv_errors_output_size);
	tcase_add_test(tc, test_pool_errors);
	tcase_add_test(tc, test_pool_errors_outputs);
	suite_add_tcase(s, tc);
	tc = tcase_create("lower");
	tcase_add_test(tc, test_conv_lower_picks_kernels);
	tcase_add_test(tc, test_conv_lower_scratch_bounded);
	tcase_add_test(tc, test_conv_run_gemm_groups);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, test_conv_run_autopad_same_lower);
	tcase_add_test(tc, test_conv_run_same_upper_vs_lower);
	tcase_add_test(tc, test_conv_run_bias_and_fused_relu);
	tcase_add_test(tc, test_convtranspose_run_output_shape);
	tcase_add_test(tc, test_convtranspose_run_autopad_same);
	tcase_add_test(tc, test_pool_run_maxpool_ceil);
	tcase_add_test(tc, test_pool_run_maxpool_indices);
	tcase_add_test(tc, test_pool_run_avgpool_same_upper);
	tcase_add_test(tc, test_pool_run_lppool_and_global);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(ops_conv_suite());
}
