/* test_ops_quant.c: the quant op family (compiler/ops/quant.c): shape and
 * type inference, every error path (each naming its node), and small
 * end-to-end runs through the interpreter checked against the ONNX spec
 * examples and references computed here. */
#include <string.h>

#include "testutil.h"
#include "axrt_core.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})

typedef struct { DType dt; int rank; const int64_t *dims; } In;
#define I(dt, r, ...) ((In){dt, r, D(__VA_ARGS__)})
#define S(dt) ((In){dt, 0, D(1)})   /* a scalar */

/* One node of op `op` with inputs x0.. of the given types and shapes. */
static Graph *
mk(const char *op, int nin, const In *v)
{
	int rank[9];
	const int64_t *dims[9];
	Graph *g;

	for (int i = 0; i < nin; i++) {
		rank[i] = v[i].rank;
		dims[i] = v[i].dims;
	}
	g = tg_single_op(op, DT_F32, nin, rank, dims);
	for (int i = 0; i < nin; i++)
		tensor_set(g->node[0]->in[i], v[i].dt, v[i].rank, v[i].dims);
	return g;
}

#define MK(op, ...) mk(op, (int)(sizeof((In[]){__VA_ARGS__}) / sizeof(In)), (In[]){__VA_ARGS__})

/* Makes input i absent (an empty name in ONNX). */
static void
drop_in(Graph *g, int i)
{
	Tensor *t = g->node[0]->in[i];
	int k = 0;

	g->node[0]->in[i] = NULL;
	for (int j = 0; j < g->ninput; j++)
		if (g->input[j] != t)
			g->input[k++] = g->input[j];
	g->ninput = k;
}

/* Gives node 0 one more output. */
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

/* Runs n's infer, expects success, output 0 of type dt and shape want. */
static void
expect_shape(Graph *g, DType dt, int rank, const int64_t *want)
{
	Node *n = g->node[0];
	Diag d = diag_capture();

	ck_assert_msg(optab[n->op].infer(n, &d) == 0, "infer failed: %s", d.last);
	ck_assert_int_eq(n->out[0]->dtype, dt);
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

static void
set_opset(Graph *g, int v)
{
	g->opset = v;
	g->node[0]->opset = v;
}

/* ---- inference ---- */

START_TEST(test_quantize_infer_types)
{
	Graph *g = MK("QuantizeLinear", I(DT_F32, 3, 2, 3, 4), S(DT_F32), S(DT_I8));
	expect_shape(g, DT_I8, 3, D(2, 3, 4));
	g = MK("QuantizeLinear", I(DT_F32, 3, 2, 3, 4), I(DT_F32, 1, 1));
	expect_shape(g, DT_U8, 3, D(2, 3, 4));   /* no zero point: uint8 */
	g = MK("QuantizeLinear", I(DT_I32, 1, 5), S(DT_F32));
	tg_attr_int(g, g->node[0], "output_dtype", DT_I16);
	expect_shape(g, DT_I16, 1, D(5));
	g = MK("QuantizeLinear", I(DT_F32, 3, 2, 3, 4), I(DT_F32, 1, 3), I(DT_U8, 1, 3));
	expect_shape(g, DT_U8, 3, D(2, 3, 4));   /* per axis 1 (the default) */
	g = MK("QuantizeLinear", I(DT_F32, 3, 2, 3, 4), I(DT_F32, 1, 4), I(DT_U16, 1, 4));
	tg_attr_int(g, g->node[0], "axis", -1);
	expect_shape(g, DT_U16, 3, D(2, 3, 4));
	g = MK("QuantizeLinear", S(DT_F32), S(DT_F32), S(DT_I8));
	expect_shape(g, DT_I8, 0, NULL);
}
END_TEST

START_TEST(test_dequantize_infer_types)
{
	Graph *g = MK("DequantizeLinear", I(DT_I32, 1, 5), S(DT_F32));
	expect_shape(g, DT_F32, 1, D(5));
	g = MK("DequantizeLinear", I(DT_I8, 4, 1, 3, 3, 2), I(DT_F32, 1, 3), I(DT_I8, 1, 3));
	expect_shape(g, DT_F32, 4, D(1, 3, 3, 2));
	g = MK("DequantizeLinear", I(DT_U8, 2, 4, 2), I(DT_F32, 1, 1), I(DT_U8, 1, 1));
	set_opset(g, 10);   /* one value per tensor works at opset 10 */
	expect_shape(g, DT_F32, 2, D(4, 2));
}
END_TEST

START_TEST(test_dynquant_infer_outputs)
{
	Graph *g = MK("DynamicQuantizeLinear", I(DT_F32, 2, 3, 4));
	Node *n = g->node[0];
	Diag d = diag_capture();
	Tensor *s = add_output(g, "s"), *z = add_output(g, "z");

	ck_assert_msg(optab[n->op].infer(n, &d) == 0, "infer failed: %s", d.last);
	ck_assert_int_eq(n->out[0]->dtype, DT_U8);
	ck_assert_int_eq(n->out[0]->rank, 2);
	ck_assert_int_eq(n->out[0]->dim[1], 4);
	ck_assert_int_eq(s->dtype, DT_F32);
	ck_assert_int_eq(s->rank, 0);
	ck_assert_int_eq(z->dtype, DT_U8);
	ck_assert_int_eq(z->rank, 0);
	graph_free(g);
}
END_TEST

START_TEST(test_matmulinteger_infer_shapes)
{
	Graph *g = MK("MatMulInteger", I(DT_U8, 4, 2, 1, 4, 3), I(DT_I8, 3, 5, 3, 6));
	expect_shape(g, DT_I32, 4, D(2, 5, 4, 6));
	g = MK("MatMulInteger", I(DT_I8, 1, 3), I(DT_U8, 2, 3, 2), S(DT_I8), I(DT_U8, 1, 2));
	expect_shape(g, DT_I32, 1, D(2));
	g = MK("MatMulInteger", I(DT_U8, 2, 4, 3), I(DT_U8, 1, 3), I(DT_U8, 1, 4));
	expect_shape(g, DT_I32, 1, D(4));   /* per-row a zero point */
	g = MK("MatMulInteger", I(DT_U8, 3, 2, 4, 3), I(DT_U8, 2, 3, 5), I(DT_U8, 3, 1, 4, 1),
		I(DT_U8, 2, 1, 5));
	expect_shape(g, DT_I32, 3, D(2, 4, 5));
}
END_TEST

START_TEST(test_qlinearmatmul_infer_shapes)
{
	Graph *g = MK("QLinearMatMul", I(DT_U8, 3, 2, 2, 4), I(DT_F32, 1, 1), I(DT_U8, 1, 1),
		I(DT_I8, 3, 2, 4, 3), I(DT_F32, 1, 3), I(DT_I8, 1, 3), S(DT_F32), S(DT_I8));
	expect_shape(g, DT_I8, 3, D(2, 2, 3));
}
END_TEST

START_TEST(test_qconv_infer_shapes)
{
	Graph *g = MK("ConvInteger", I(DT_U8, 4, 1, 2, 7, 7), I(DT_I8, 4, 4, 2, 3, 3), S(DT_U8),
		I(DT_I8, 1, 4));
	tg_attr_ints(g, g->node[0], "pads", 4, D(1, 0, 1, 0));
	tg_attr_ints(g, g->node[0], "strides", 2, D(2, 1));
	expect_shape(g, DT_I32, 4, D(1, 4, 4, 5));
	g = MK("QLinearConv", I(DT_I8, 3, 2, 4, 9), S(DT_F32), S(DT_I8), I(DT_I8, 3, 6, 2, 3),
		I(DT_F32, 1, 6), I(DT_I8, 1, 6), S(DT_F32), S(DT_U8), I(DT_I32, 1, 6));
	tg_attr_int(g, g->node[0], "group", 2);
	tg_attr_string(g, g->node[0], "auto_pad", "SAME_UPPER");
	expect_shape(g, DT_U8, 3, D(2, 6, 9));
}
END_TEST

/* ---- errors: one per diag_node call site ---- */

START_TEST(test_quant_errors_outputs_and_missing_inputs)
{
	Graph *g = MK("QuantizeLinear", I(DT_F32, 1, 4), S(DT_F32));
	add_output(g, "z");
	expect_error(g, "quantizelinear_0", "has 2 outputs, expected 1");
	g = MK("DynamicQuantizeLinear", I(DT_F32, 1, 4));
	add_output(g, "a");
	add_output(g, "b");
	add_output(g, "c");
	expect_error(g, "dynamicquantizelinear_0", "has 4 outputs, expected 1 to 3");
	g = MK("QLinearMatMul", I(DT_U8, 2, 2, 4), S(DT_F32), S(DT_U8), I(DT_U8, 2, 4, 3), S(DT_F32),
		S(DT_U8), S(DT_F32), S(DT_U8));
	drop_in(g, 2);
	expect_error(g, "qlinearmatmul_0", "input 2 (a_zero_point) is missing");
	g = MK("QLinearConv", I(DT_U8, 4, 1, 1, 3, 3), S(DT_F32), S(DT_U8), I(DT_U8, 4, 1, 1, 1, 1),
		S(DT_F32), S(DT_U8), S(DT_F32), S(DT_U8));
	drop_in(g, 5);
	expect_error(g, "qlinearconv_0", "input 5 (w_zero_point) is missing");
}
END_TEST

START_TEST(test_quant_errors_types)
{
	Graph *g = MK("QuantizeLinear", I(DT_U8, 1, 4), S(DT_F32));
	expect_error(g, "quantizelinear_0", "input 'x0' has type uint8");
	g = MK("QuantizeLinear", I(DT_F32, 1, 4), S(DT_I32));
	expect_error(g, "quantizelinear_0", "scale 'x1' has type int32, expected float");
	g = MK("QuantizeLinear", I(DT_F32, 1, 4), S(DT_F32), S(DT_F32));
	expect_error(g, "quantizelinear_0", "input 'x2' has type float");
	g = MK("QuantizeLinear", I(DT_F32, 1, 4), S(DT_F32), S(DT_U8));
	tg_attr_int(g, g->node[0], "output_dtype", DT_I8);
	expect_error(g, "quantizelinear_0", "output_dtype 3 does not match zero point 'x2' of type uint8");
	g = MK("QuantizeLinear", I(DT_F32, 1, 4), S(DT_F32));
	tg_attr_int(g, g->node[0], "output_dtype", DT_F32);
	expect_error(g, "quantizelinear_0", "output_dtype 1 is not uint8, int8, uint16 or int16");
	g = MK("DequantizeLinear", I(DT_F32, 1, 4), S(DT_F32));
	expect_error(g, "dequantizelinear_0", "input 'x0' has type float");
	g = MK("DequantizeLinear", I(DT_U8, 1, 4), S(DT_F32), S(DT_I8));
	expect_error(g, "dequantizelinear_0", "zero point 'x2' has type int8 but 'x0' has type uint8");
	g = MK("DynamicQuantizeLinear", I(DT_I32, 1, 4));
	expect_error(g, "dynamicquantizelinear_0", "input 'x0' has type int32");
}
END_TEST

START_TEST(test_quant_errors_scale_layout)
{
	Graph *g = MK("QuantizeLinear", I(DT_F32, 2, 3, 4), I(DT_F32, 1, 3), I(DT_U8, 1, 1));
	expect_error(g, "quantizelinear_0", "zero point 'x2' has shape 1 but scale 'x1' has shape 3");
	g = MK("QuantizeLinear", I(DT_F32, 2, 3, 4), S(DT_F32));
	tg_attr_int(g, g->node[0], "block_size", 2);
	expect_error(g, "quantizelinear_0", "blocked quantization (block_size 2) is not supported");
	g = MK("DequantizeLinear", I(DT_U8, 2, 3, 4), I(DT_F32, 2, 3, 4));
	expect_error(g, "dequantizelinear_0", "scale 'x1' has shape 3x4, expected one value or a 1-D tensor");
	g = MK("DequantizeLinear", I(DT_U8, 2, 3, 4), I(DT_F32, 1, 0));
	expect_error(g, "dequantizelinear_0", "scale 'x1' has shape 0");
	g = MK("DequantizeLinear", I(DT_U8, 2, 3, 4), I(DT_F32, 1, 3));
	set_opset(g, 10);
	expect_error(g, "dequantizelinear_0", "per-axis quantization needs opset 13, the model has opset 10");
	g = MK("QuantizeLinear", I(DT_F32, 2, 3, 4), I(DT_F32, 1, 3));
	tg_attr_int(g, g->node[0], "axis", 2);
	expect_error(g, "quantizelinear_0", "axis 2 is out of range for rank 2");
	g = MK("QuantizeLinear", I(DT_F32, 2, 3, 4), I(DT_F32, 1, 3));
	tg_attr_int(g, g->node[0], "axis", -1);
	expect_error(g, "quantizelinear_0", "scale 'x1' has 3 values but axis 1 of 'x0' has 4");
	g = MK("QuantizeLinear", I(DT_F32, 2, 65536, 65536), S(DT_F32));
	expect_error(g, "quantizelinear_0", "more than the kernels' limit");
}
END_TEST

START_TEST(test_matmul_errors)
{
	Graph *g = MK("MatMulInteger", I(DT_F32, 2, 4, 3), I(DT_U8, 2, 3, 2));
	expect_error(g, "matmulinteger_0", "input 'x0' has type float");
	g = MK("MatMulInteger", S(DT_U8), I(DT_U8, 2, 3, 2));
	expect_error(g, "matmulinteger_0", "input 'x0' has rank 0, expected 1 to 8");
	g = MK("MatMulInteger", I(DT_U8, 2, 4, 3), I(DT_U8, 2, 3, 2), I(DT_I8, 1, 4));
	expect_error(g, "matmulinteger_0", "zero point 'x2' has type int8 but 'x0' has type uint8");
	g = MK("MatMulInteger", I(DT_U8, 2, 4, 3), I(DT_U8, 2, 3, 2), I(DT_U8, 1, 3));
	expect_error(g, "matmulinteger_0", "'x2' has shape 3, expected one value or one per row of 'x0' (4)");
	g = MK("MatMulInteger", I(DT_U8, 2, 4, 3), I(DT_U8, 2, 3, 2), S(DT_U8), I(DT_U8, 2, 2, 1));
	expect_error(g, "matmulinteger_0", "'x3' has shape 2x1, expected one value or one per column of 'x1' (2)");
	g = MK("MatMulInteger", I(DT_U8, 2, 4, 3), I(DT_U8, 2, 4, 2));
	expect_error(g, "matmulinteger_0", "inner dimensions of 4x3 and 4x2 differ");
	g = MK("MatMulInteger", I(DT_U8, 3, 2, 4, 3), I(DT_U8, 3, 3, 3, 2));
	expect_error(g, "matmulinteger_0", "batch dims of 2x4x3 and 3x3x2 do not broadcast");
	g = MK("QLinearMatMul", I(DT_U8, 2, 2, 4), I(DT_F32, 1, 2), S(DT_U8), I(DT_U8, 2, 4, 3),
		S(DT_F32), S(DT_U8), S(DT_F32), S(DT_U8));
	expect_error(g, "qlinearmatmul_0", "scale 'x1' and zero point 'x2' differ in shape");
	g = MK("QLinearMatMul", I(DT_U8, 2, 2, 4), S(DT_F32), S(DT_U8), I(DT_U8, 2, 4, 3),
		S(DT_F32), S(DT_U8), I(DT_F32, 1, 2), S(DT_U8));
	expect_error(g, "qlinearmatmul_0", "'x6' has shape 2, expected one value (per tensor)");
	g = MK("QLinearMatMul", I(DT_U8, 2, 2, 4), S(DT_F32), S(DT_U8), I(DT_U8, 2, 4, 3),
		S(DT_F32), S(DT_U8), S(DT_F32), S(DT_I32));
	expect_error(g, "qlinearmatmul_0", "input 'x7' has type int32");
}
END_TEST

static Graph *
mk_convint(const int64_t *xd, const int64_t *wd)
{
	return MK("ConvInteger", I(DT_U8, 4, xd[0], xd[1], xd[2], xd[3]),
		I(DT_U8, 4, wd[0], wd[1], wd[2], wd[3]));
}

START_TEST(test_conv_errors_operands)
{
	Graph *g = MK("ConvInteger", I(DT_F32, 4, 1, 1, 5, 5), I(DT_U8, 4, 1, 1, 3, 3));
	expect_error(g, "convinteger_0", "input 'x0' has type float");
	g = MK("ConvInteger", I(DT_U8, 2, 1, 5), I(DT_U8, 2, 1, 1));
	expect_error(g, "convinteger_0", "input 'x0' has rank 2; ConvInteger handles 1 to 3 spatial dims");
	g = MK("ConvInteger", I(DT_U8, 4, 1, 1, 5, 5), I(DT_U8, 3, 1, 1, 3));
	expect_error(g, "convinteger_0", "weight 'x1' has rank 3, expected 4 like input 'x0'");
	g = mk_convint(D(1, 1, 0, 5), D(1, 1, 3, 3));
	expect_error(g, "convinteger_0", "'x0' has an empty dimension (shape 1x1x0x5)");
}
END_TEST

START_TEST(test_conv_errors_groups_and_kernel)
{
	Graph *g = mk_convint(D(1, 4, 5, 5), D(4, 4, 3, 3));
	tg_attr_int(g, g->node[0], "group", 0);
	expect_error(g, "convinteger_0", "group is 0, must be at least 1");
	g = mk_convint(D(1, 4, 5, 5), D(3, 2, 3, 3));
	tg_attr_int(g, g->node[0], "group", 2);
	expect_error(g, "convinteger_0", "group 2 does not divide the 4 input and 3 output channels");
	g = mk_convint(D(1, 3, 5, 5), D(4, 2, 3, 3));
	expect_error(g, "convinteger_0", "weight 'x1' expects 2 channels per group x 1 groups, input 'x0' has 3");
	g = mk_convint(D(1, 1, 5, 5), D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "kernel_shape", 1, D(3));
	expect_error(g, "convinteger_0", "kernel_shape has 1 values, expected 2");
	g = mk_convint(D(1, 1, 5, 5), D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "kernel_shape", 2, D(3, 2));
	expect_error(g, "convinteger_0", "kernel_shape[1] is 2 but weight 'x1' has 3");
	g = mk_convint(D(1, 1, 5, 5), D(1, 1, 3, 3));
	tg_attr_ints(g, g->node[0], "pads", 2, D(1, 1));
	expect_error(g, "convinteger_0", "pads has 2 values, expected 4");
	g = mk_convint(D(1, 1, 2, 5), D(1, 1, 3, 3));
	expect_error(g, "convinteger_0", "output size along spatial axis 0 is 0");
	g = mk_convint(D(1, 1, 65536, 65536), D(1, 1, 1, 1));
	expect_error(g, "convinteger_0", "more than the kernels' limit");
}
END_TEST

START_TEST(test_conv_errors_quant_params)
{
	Graph *g = MK("ConvInteger", I(DT_U8, 4, 1, 1, 5, 5), I(DT_U8, 4, 4, 1, 3, 3), I(DT_U8, 1, 2));
	expect_error(g, "convinteger_0", "'x2' has shape 2, expected one value (per tensor)");
	g = MK("ConvInteger", I(DT_U8, 4, 1, 1, 5, 5), I(DT_U8, 4, 4, 1, 3, 3), S(DT_I8));
	expect_error(g, "convinteger_0", "zero point 'x2' has type int8 but 'x0' has type uint8");
	g = MK("ConvInteger", I(DT_U8, 4, 1, 1, 5, 5), I(DT_U8, 4, 4, 1, 3, 3), S(DT_U8), I(DT_U8, 1, 3));
	expect_error(g, "convinteger_0", "'x3' has shape 3, expected one value or one per output channel (4)");
	g = MK("QLinearConv", I(DT_U8, 4, 1, 1, 5, 5), S(DT_F32), S(DT_U8), I(DT_U8, 4, 4, 1, 3, 3),
		I(DT_F32, 1, 4), S(DT_U8), S(DT_F32), S(DT_U8));
	expect_error(g, "qlinearconv_0", "scale 'x4' and zero point 'x5' differ in shape");
	g = MK("QLinearConv", I(DT_U8, 4, 1, 1, 5, 5), S(DT_F32), S(DT_U8), I(DT_U8, 4, 4, 1, 3, 3),
		S(DT_F32), S(DT_U8), S(DT_F32), S(DT_U8), I(DT_F32, 1, 4));
	expect_error(g, "qlinearconv_0", "bias 'x8' is float of shape 4, expected int32 of shape 4");
	g = MK("QLinearConv", I(DT_U8, 4, 1, 1, 5, 5), S(DT_F32), S(DT_U8), I(DT_U8, 4, 4, 1, 3, 3),
		S(DT_F32), S(DT_U8), S(DT_F32), S(DT_U8), I(DT_I32, 1, 2));
	expect_error(g, "qlinearconv_0", "bias 'x8' is int32 of shape 2");
	g = MK("QLinearConv", I(DT_U8, 4, 1, 1, 5, 5), S(DT_I32), S(DT_U8), I(DT_U8, 4, 4, 1, 3, 3),
		S(DT_F32), S(DT_U8), S(DT_F32), S(DT_U8));
	expect_error(g, "qlinearconv_0", "scale 'x1' has type int32, expected float");
	g = MK("QLinearConv", I(DT_U8, 4, 1, 1, 5, 5), S(DT_F32), S(DT_U8), I(DT_U8, 4, 4, 1, 3, 3),
		S(DT_F32), S(DT_U8), S(DT_F32), S(DT_F32));
	expect_error(g, "qlinearconv_0", "input 'x7' has type float");
}
END_TEST

START_TEST(test_quant_errors_family_dispatch)
{
	Graph *g = MK("Relu", I(DT_F32, 1, 4));
	Diag d = diag_capture();

	ck_assert_int_eq(quant_infer(g->node[0], &d), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "node 'relu_0' (Relu)"));
	ck_assert_ptr_nonnull(strstr(d.last, "not an op of the quant family"));
	graph_free(g);
}
END_TEST

START_TEST(test_quant_lower_rejects_fused_activation)
{
	static const float x[4] = {1, 2, 3, 4}, s = 1;
	uint8_t y[4];
	Graph *g = MK("QuantizeLinear", I(DT_F32, 1, 4), S(DT_F32));
	Diag d = diag_capture();
	const void *in[1] = {x};
	void *out[1] = {y};

	tg_const(g, g->node[0]->in[1], DT_F32, 0, NULL, &s);
	g->node[0]->act = AXRT_ACT_RELU;
	ck_assert_int_eq(tg_run(g, &d, in, out), -1);
	ck_assert_msg(strstr(d.all, "node 'quantizelinear_0'") != NULL, "%s", d.all);
	ck_assert_msg(strstr(d.all, "a fused activation on QuantizeLinear is not supported") != NULL, "%s", d.all);
	graph_free(g);
}
END_TEST

/* ---- end to end through the interpreter ---- */

static void
run_ok(Graph *g, const void *const *in, void *const *out)
{
	Diag d = diag_capture();
	ck_assert_msg(tg_run(g, &d, in, out) == 0, "run failed: %s", d.all);
}

START_TEST(test_quantize_run_axis_constants)
{
	/* ONNX test_quantizelinear_axis with constant scale and zero point */
	static const float x[18] = {-162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44,
		245, -485, -960, -270, -375, -470};
	static const float s[3] = {2, 4, 5};
	static const uint8_t zp[3] = {84, 24, 196};
	static const uint8_t want[18] = {3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13,
		245, 99, 4, 142, 121, 102};
	uint8_t y[18];
	Graph *g = MK("QuantizeLinear", I(DT_F32, 4, 1, 3, 3, 2), I(DT_F32, 1, 3), I(DT_U8, 1, 3));
	const void *in[1] = {x};
	void *out[1] = {y};

	tg_const(g, g->node[0]->in[1], DT_F32, 1, D(3), s);
	tg_const(g, g->node[0]->in[2], DT_U8, 1, D(3), zp);
	run_ok(g, in, out);
	for (int i = 0; i < 18; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

START_TEST(test_quantize_run_runtime_scale_int8)
{
	/* scale and zero point as graph inputs: read when the program runs */
	static const float x[6] = {-3.5f, -2.5f, 0.5f, 1.5f, 300, -300}, s = 0.5f;
	static const int8_t zp = -10, want[6] = {-17, -15, -9, -7, 127, -128};
	int8_t y[6];
	Graph *g = MK("QuantizeLinear", I(DT_F32, 1, 6), S(DT_F32), S(DT_I8));
	const void *in[3] = {x, &s, &zp};
	void *out[1] = {y};

	run_ok(g, in, out);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

START_TEST(test_dequantize_run_spec_example)
{
	static const uint8_t x[4] = {0, 3, 128, 255}, zp = 128;
	static const float s = 2, want[4] = {-256, -250, 0, 254};
	float y[4];
	Graph *g = MK("DequantizeLinear", I(DT_U8, 1, 4), S(DT_F32), S(DT_U8));
	const void *in[3] = {x, &s, &zp};
	void *out[1] = {y};

	run_ok(g, in, out);
	for (int i = 0; i < 4; i++)
		ck_assert_float_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

START_TEST(test_dequantize_run_all_constant)
{
	/* int32 with no zero point, every input a constant (a QDQ bias) */
	static const int32_t x[3] = {-7, 0, 1000000};
	static const float s[1] = {0.25f};
	float y[3];
	Graph *g = MK("DequantizeLinear", I(DT_I32, 1, 3), I(DT_F32, 1, 1));
	void *out[1] = {y};

	tg_const(g, g->node[0]->in[0], DT_I32, 1, D(3), x);
	tg_const(g, g->node[0]->in[1], DT_F32, 1, D(1), s);
	run_ok(g, NULL, out);
	ck_assert_float_eq(y[0], -1.75f);
	ck_assert_float_eq(y[1], 0.0f);
	ck_assert_float_eq(y[2], 250000.0f);
	graph_free(g);
}
END_TEST

START_TEST(test_dynquant_run_spec_example)
{
	/* ONNX: expected scale 0.0196078438 and zero point 153 */
	static const float x[6] = {0, 2, -3, -2.5f, 1.34f, 0.5f};
	uint8_t y[6], zp;
	float s;
	Graph *g = MK("DynamicQuantizeLinear", I(DT_F32, 1, 6));
	const void *in[1] = {x};
	void *out[3] = {y, &s, &zp};

	add_output(g, "s");
	add_output(g, "z");
	run_ok(g, in, out);
	ck_assert_float_close(s, 0.0196078438f, 1e-9);
	ck_assert_int_eq(zp, 153);
	for (int i = 0; i < 6; i++)   /* round-trip within half a step */
		ck_assert_float_close(((float)y[i] - 153) * s, x[i], s / 2 + 1e-6);
	graph_free(g);
}
END_TEST

START_TEST(test_matmulinteger_run_spec_and_broadcast)
{
	static const uint8_t a[12] = {11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0}, b[6] = {1, 4, 2, 5, 3, 6};
	static const uint8_t azp = 12;
	static const int32_t want[8] = {-38, -83, -44, -98, -50, -113, -56, -128};
	int32_t y[16];
	uint8_t a2[24];
	Graph *g = MK("MatMulInteger", I(DT_U8, 2, 4, 3), I(DT_U8, 2, 3, 2), I(DT_U8, 1, 1));
	const void *in[2] = {a, b};
	void *out[1] = {y};

	tg_const(g, g->node[0]->in[2], DT_U8, 1, D(1), &azp);
	run_ok(g, in, out);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
	/* A batched as 2 x 4 x 3 against the one B: the same product twice */
	memcpy(a2, a, 12);
	memcpy(a2 + 12, a, 12);
	g = MK("MatMulInteger", I(DT_U8, 3, 2, 4, 3), I(DT_U8, 2, 3, 2), I(DT_U8, 1, 1));
	tg_const(g, g->node[0]->in[2], DT_U8, 1, D(1), &azp);
	in[0] = a2;
	run_ok(g, in, out);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(y[i], want[i % 8]);
	graph_free(g);
}
END_TEST

START_TEST(test_qlinearmatmul_run_spec_3d)
{
	static const uint8_t a[16] = {208, 236, 0, 238, 3, 214, 255, 29, 208, 236, 0, 238, 3, 214, 255, 29};
	static const uint8_t b[24] = {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247,
		152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247};
	static const uint8_t azp = 113, bzp = 114, yzp = 118;
	static const float as = 0.0066f, bs = 0.00705f, ys = 0.0107f;
	static const uint8_t want[6] = {168, 115, 255, 1, 66, 151};
	uint8_t y[12];
	Graph *g = MK("QLinearMatMul", I(DT_U8, 3, 2, 2, 4), I(DT_F32, 1, 1), I(DT_U8, 1, 1),
		I(DT_U8, 3, 2, 4, 3), I(DT_F32, 1, 1), I(DT_U8, 1, 1), I(DT_F32, 1, 1), I(DT_U8, 1, 1));
	const void *in[8] = {a, &as, &azp, b, &bs, &bzp, &ys, &yzp};
	void *out[1] = {y};

	run_ok(g, in, out);
	for (int i = 0; i < 12; i++)
		ck_assert_int_eq(y[i], want[i % 6]);
	graph_free(g);
}
END_TEST

START_TEST(test_convinteger_run_padding_without_w_zero_point)
{
	static const uint8_t x[9] = {2, 3, 4, 5, 6, 7, 8, 9, 10}, w[4] = {1, 1, 1, 1}, xzp = 1;
	static const int32_t want[16] = {1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9};
	int32_t y[16];
	Graph *g = MK("ConvInteger", I(DT_U8, 4, 1, 1, 3, 3), I(DT_U8, 4, 1, 1, 2, 2), S(DT_U8));
	const void *in[3] = {x, w, &xzp};
	void *out[1] = {y};

	tg_attr_ints(g, g->node[0], "pads", 4, D(1, 1, 1, 1));
	run_ok(g, in, out);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

START_TEST(test_qlinearconv_run_spec_example)
{
	static const uint8_t x[49] = {255, 174, 162, 25, 203, 168, 58, 15, 59, 237, 95, 129, 0, 64,
		56, 242, 153, 221, 168, 12, 166, 232, 178, 186, 195, 237, 162, 237, 188, 39, 124, 77,
		80, 102, 43, 127, 230, 21, 83, 41, 40, 134, 255, 154, 92, 141, 42, 148, 247};
	static const uint8_t want[49] = {0, 81, 93, 230, 52, 87, 197, 240, 196, 18, 160, 126, 255,
		191, 199, 13, 102, 34, 87, 243, 89, 23, 77, 69, 60, 18, 93, 18, 67, 216, 131, 178, 175,
		153, 212, 128, 25, 234, 172, 214, 215, 121, 0, 101, 163, 114, 213, 107, 8};
	static const uint8_t w = 0, xzp = 132, wzp = 255, yzp = 123;
	static const float xs = 0.00369204697f, ws = 0.00172794575f, ys = 0.00162681262f;
	uint8_t y[49];
	Graph *g = MK("QLinearConv", I(DT_U8, 4, 1, 1, 7, 7), S(DT_F32), S(DT_U8), I(DT_U8, 4, 1, 1, 1, 1),
		I(DT_F32, 1, 1), I(DT_U8, 1, 1), S(DT_F32), S(DT_U8));
	const void *in[8] = {x, &xs, &xzp, &w, &ws, &wzp, &ys, &yzp};
	void *out[1] = {y};

	run_ok(g, in, out);
	for (int i = 0; i < 49; i++)
		ck_assert_int_eq(y[i], want[i]);
	graph_free(g);
}
END_TEST

/* int8 QLinearConv with bias and per-channel weight scales, 1-D, stride 2:
 * y[m][o] = sat(round((b[m] + sum_j (x[2o + j] - xz)(w[m][j] - wz[m])) *
 * (xs * ws[m] / ys)) + yz), worked out by hand below. */
START_TEST(test_qlinearconv_run_int8_bias_per_channel)
{
	static const int8_t x[5] = {-128, -3, 0, 7, 127}, w[4] = {1, -1, 2, 3};
	static const int8_t xzp = -3, wzp[2] = {0, 1}, yzp = -5;
	static const int32_t bias[2] = {100, -50};
	static const float xs = 0.5f, ws[2] = {0.25f, 1.0f}, ys = 1.0f;
	int8_t y[4];
	Graph *g = MK("QLinearConv", I(DT_I8, 3, 1, 1, 5), S(DT_F32), S(DT_I8), I(DT_I8, 3, 2, 1, 2),
		I(DT_F32, 1, 2), I(DT_I8, 1, 2), S(DT_F32), S(DT_I8), I(DT_I32, 1, 2));
	const void *in[9] = {x, &xs, &xzp, w, ws, wzp, &ys, &yzp, bias};
	void *out[1] = {y};

	tg_attr_ints(g, g->node[0], "strides", 1, D(2));
	run_ok(g, in, out);
	/* m 0 (w 1, -1, mult 0.125): o 0: 100 + (-125) - 0 = -25 -> -3.125 -> -3 - 5 = -8;
	 *   o 1: 100 + 3 - 10 = 93 -> 11.625 -> 12 - 5 = 7.
	 * m 1 (w-wz 1, 2, mult 0.5): o 0: -50 - 125 + 0 = -175 -> -87.5 -> -88 - 5 = -93;
	 *   o 1: -50 + 3 + 20 = -27 -> -13.5 -> -14 - 5 = -19. */
	ck_assert_int_eq(y[0], -8);
	ck_assert_int_eq(y[1], 7);
	ck_assert_int_eq(y[2], -93);
	ck_assert_int_eq(y[3], -19);
	graph_free(g);
}
END_TEST

static Suite *
quant_suite(void)
{
	Suite *s = suite_create("ops_quant");
	TCase *tc = tcase_create("infer");

	tcase_add_test(tc, test_quantize_infer_types);
	tcase_add_test(tc, test_dequantize_infer_types);
	tcase_add_test(tc, test_dynquant_infer_outputs);
	tcase_add_test(tc, test_matmulinteger_infer_shapes);
	tcase_add_test(tc, test_qlinearmatmul_infer_shapes);
	tcase_add_test(tc, test_qconv_infer_shapes);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_quant_errors_outputs_and_missing_inputs);
	tcase_add_test(tc, test_quant_errors_types);
	tcase_add_test(tc, test_quant_errors_scale_layout);
	tcase_add_test(tc, test_matmul_errors);
	tcase_add_test(tc, test_conv_errors_operands);
	tcase_add_test(tc, test_conv_errors_groups_and_kernel);
	tcase_add_test(tc, test_conv_errors_quant_params);
	tcase_add_test(tc, test_quant_errors_family_dispatch);
	tcase_add_test(tc, test_quant_lower_rejects_fused_activation);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, test_quantize_run_axis_constants);
	tcase_add_test(tc, test_quantize_run_runtime_scale_int8);
	tcase_add_test(tc, test_dequantize_run_spec_example);
	tcase_add_test(tc, test_dequantize_run_all_constant);
	tcase_add_test(tc, test_dynquant_run_spec_example);
	tcase_add_test(tc, test_matmulinteger_run_spec_and_broadcast);
	tcase_add_test(tc, test_qlinearmatmul_run_spec_3d);
	tcase_add_test(tc, test_convinteger_run_padding_without_w_zero_point);
	tcase_add_test(tc, test_qlinearconv_run_spec_example);
	tcase_add_test(tc, test_qlinearconv_run_int8_bias_per_channel);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(quant_suite());
}
