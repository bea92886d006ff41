/* test_ops_rnn.c: the rnn op family (compiler/ops/rnn.c): shape inference
 * of RNN, GRU and LSTM, every error path, and small end-to-end runs through
 * the interpreter checked against values computed by hand here. */
#include <string.h>

#include "testutil.h"
#include "axrt.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})

/* Input i of a test node: rank -1 marks an absent optional input. */
typedef struct { int rank; const int64_t *dim; DType dt; } In;

/* A graph with one node of op `op` named "<op lower case>_0", inputs x0..
 * (absent where rank < 0), outputs y0.. of which bit i of `outs` says
 * present. All present inputs are graph inputs, float unless dt says. */
static Graph *
mk(const char *op, const char *name, int nin, const In *in, int nout, unsigned outs)
{
	Graph *g = graph_new("test.onnx");
	Node *n = graph_add_node(g, op, name, nin, nout);

	g->opset = 14;
	g->input = arena_alloc(g->arena, (nin + 1) * sizeof *g->input);
	g->output = arena_alloc(g->arena, (nout + 1) * sizeof *g->output);
	n->attr = arena_alloc(g->arena, 16 * sizeof *n->attr);
	for (int i = 0; i < nin; i++) {
		Tensor *t;
		if (in[i].rank < 0)
			continue;
		t = graph_tensor(g, arena_printf(g->arena, "x%d", i));
		tensor_set(t, in[i].dt ? in[i].dt : DT_F32, in[i].rank, in[i].dim);
		t->is_input = 1;
		g->input[g->ninput++] = t;
		n->in[i] = t;
	}
	for (int i = 0; i < nout; i++) {
		Tensor *y;
		if (!(outs >> i & 1))
			continue;
		y = graph_tensor(g, arena_printf(g->arena, "y%d", i));
		y->def = n;
		y->is_output = 1;
		n->out[i] = y;
		g->output[g->noutput++] = y;
	}
	n->op = op_lookup(op);
	return g;
}

/* LSTM over X T x N x I (layout 0) with hidden size h, all 3 outputs. */
static Graph *
mk_lstm(int64_t t, int64_t nb, int64_t i, int64_t h, int ndir)
{
	In in[3] = {{3, D(t, nb, i), 0}, {3, D(ndir, 4 * h, i), 0}, {3, D(ndir, 4 * h, h), 0}};
	return mk("LSTM", "lstm_0", 3, in, 3, 7);
}

static void
attr_strings(Graph *g, Node *n, const char *name, int cnt, const char *const *v)
{
	Attr *a = &n->attr[n->nattr++];
	memset(a, 0, sizeof *a);
	a->name = arena_strdup(g->arena, name);
	a->type = AT_STRINGS;
	a->n = cnt;
	a->strings = arena_alloc(g->arena, (cnt + 1) * sizeof *a->strings);
	for (int i = 0; i < cnt; i++)
		a->strings[i] = arena_strdup(g->arena, v[i]);
}

static void
expect_dims(const Tensor *t, int rank, const int64_t *want)
{
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->dtype, DT_F32);
	ck_assert_int_eq(t->rank, rank);
	for (int i = 0; i < rank; i++)
		ck_assert_msg(t->dim[i] == want[i], "%s: dim %d is %lld, expected %lld", t->name, i,
			(long long)t->dim[i], (long long)want[i]);
}

static void
infer_ok(Graph *g)
{
	Node *n = g->node[0];
	Diag d = diag_capture();
	ck_assert_msg(optab[n->op].infer(n, &d) == 0, "infer failed: %s", d.last);
}

/* Runs n's infer, expects one error naming the node and containing frag. */
static void
expect_error(Graph *g, const char *frag)
{
	Node *n = g->node[0];
	Diag d = diag_capture();
	char want[96];

	snprintf(want, sizeof want, "node '%s'", n->name);
	ck_assert_int_eq(optab[n->op].infer(n, &d), -1);
	ck_assert_int_eq(d.nerr, 1);
	ck_assert_msg(strstr(d.last, want) != NULL, "'%s' not in: %s", want, d.last);
	ck_assert_msg(strstr(d.last, frag) != NULL, "'%s' not in: %s", frag, d.last);
	graph_free(g);
}

/* ---- shape inference ---- */

START_TEST(test_lstm_infer_bidirectional_layouts)
{
	Graph *g = mk_lstm(5, 2, 3, 4, 2);
	tg_attr_string(g, g->node[0], "direction", "bidirectional");
	infer_ok(g);
	expect_dims(g->node[0]->out[0], 4, D(5, 2, 2, 4));
	expect_dims(g->node[0]->out[1], 3, D(2, 2, 4));
	expect_dims(g->node[0]->out[2], 3, D(2, 2, 4));
	graph_free(g);
	g = mk_lstm(2, 5, 3, 4, 1);   /* layout 1: X is N x T x I = 2 x 5 x 3 */
	tg_attr_int(g, g->node[0], "layout", 1);
	tg_attr_int(g, g->node[0], "hidden_size", 4);
	infer_ok(g);
	expect_dims(g->node[0]->out[0], 4, D(2, 5, 1, 4));
	expect_dims(g->node[0]->out[1], 3, D(2, 1, 4));
	expect_dims(g->node[0]->out[2], 3, D(2, 1, 4));
	graph_free(g);
}
END_TEST

START_TEST(test_gru_rnn_infer_optional_inputs_outputs)
{
	In gin[6] = {{3, D(4, 3, 2), 0}, {3, D(1, 9, 2), 0}, {3, D(1, 9, 3), 0}, {2, D(1, 18), 0},
		{1, D(3), DT_I32}, {3, D(1, 3, 3), 0}};
	In rin[6] = {{3, D(4, 3, 2), 0}, {3, D(2, 5, 2), 0}, {3, D(2, 5, 5), 0}, {-1, NULL, 0},
		{-1, NULL, 0}, {3, D(2, 3, 5), 0}};
	Graph *g = mk("GRU", "gru_0", 6, gin, 2, 2);   /* Y absent */

	infer_ok(g);
	ck_assert_ptr_null(g->node[0]->out[0]);
	expect_dims(g->node[0]->out[1], 3, D(1, 3, 3));
	graph_free(g);
	g = mk("RNN", "rnn_0", 6, rin, 1, 1);   /* only Y; hidden size from R */
	tg_attr_string(g, g->node[0], "direction", "bidirectional");
	infer_ok(g);
	expect_dims(g->node[0]->out[0], 4, D(4, 2, 3, 5));
	graph_free(g);
}
END_TEST

/* ---- errors: one test per diag_node call site in rnn.c ---- */

START_TEST(test_rnn_error_activations_not_strings)
{
	Graph *g = mk_lstm(2, 1, 2, 3, 1);
	tg_attr_string(g, g->node[0], "activations", "Tanh");
	expect_error(g, "activations must be a list of strings");
}
END_TEST

START_TEST(test_rnn_error_activation_count)
{
	static const char *const acts[] = {"Sigmoid", "Tanh"};
	Graph *g = mk_lstm(2, 1, 2, 3, 1);
	attr_strings(g, g->node[0], "activations", 2, acts);
	expect_error(g, "activations has 2 names, expected 3");
}
END_TEST

START_TEST(test_rnn_error_activation_unknown)
{
	static const char *const acts[] = {"Sigmoid", "Gelu", "Tanh"};
	Graph *g = mk_lstm(2, 1, 2, 3, 1);
	attr_strings(g, g->node[0], "activations", 3, acts);
	expect_error(g, "activation 'Gelu' is not one of");
}
END_TEST

START_TEST(test_rnn_error_direction)
{
	Graph *g = mk_lstm(2, 1, 2, 3, 1);
	tg_attr_string(g, g->node[0], "direction", "sideways");
	expect_error(g, "direction 'sideways'");
}
END_TEST

START_TEST(test_rnn_error_layout)
{
	Graph *g = mk_lstm(2, 1, 2, 3, 1);
	tg_attr_int(g, g->node[0], "layout", 2);
	expect_error(g, "layout is 2");
}
END_TEST

START_TEST(test_rnn_error_clip)
{
	Graph *g = mk_lstm(2, 1, 2, 3, 1);
	tg_attr_float(g, g->node[0], "clip", -1.0f);
	expect_error(g, "clip is -1, must be positive");
}
END_TEST

START_TEST(test_rnn_error_input_forget)
{
	Graph *g = mk_lstm(2, 1, 2, 3, 1);
	tg_attr_int(g, g->node[0], "input_forget", 3);
	expect_error(g, "input_forget is 3");
}
END_TEST

START_TEST(test_rnn_error_weight_shapes)
{
	In in[3] = {{3, D(2, 1, 2), 0}, {3, D(1, 12, 3), 0}, {3, D(1, 12, 3), 0}};
	Graph *g = mk("LSTM", "lstm_0", 3, in, 3, 7);   /* W has 3 inputs, X 2 */
	expect_error(g, "weight 'x1' has shape 1x12x3, expected 1x12x2");
	in[1].dim = D(1, 12, 2);
	in[2].dim = D(1, 9, 3);
	g = mk("LSTM", "lstm_0", 3, in, 3, 7);
	expect_error(g, "recurrence weight 'x2' has shape 1x9x3, expected 1x12x3");
	in[2].dim = D(1, 12, 3);
	g = mk("LSTM", "lstm_0", 3, in, 3, 7);   /* bidirectional needs 2 directions */
	tg_attr_string(g, g->node[0], "direction", "bidirectional");
	expect_error(g, "expected 2x12x2");
}
END_TEST

START_TEST(test_rnn_error_optional_shapes)
{
	In in[8] = {{3, D(2, 1, 2), 0}, {3, D(1, 12, 2), 0}, {3, D(1, 12, 3), 0}, {2, D(1, 12), 0}};
	Graph *g = mk("LSTM", "lstm_0", 4, in, 3, 7);
	expect_error(g, "bias 'x3' has shape 1x12, expected 1x24");
	in[3] = (In){-1, NULL, 0};
	in[4] = (In){1, D(2), DT_I32};
	g = mk("LSTM", "lstm_0", 5, in, 3, 7);
	expect_error(g, "sequence_lens 'x4' has shape 2, expected 1");
	in[4] = (In){-1, NULL, 0};
	in[5] = (In){3, D(1, 1, 3), 0};
	in[6] = (In){3, D(1, 3, 1), 0};
	g = mk("LSTM", "lstm_0", 7, in, 3, 7);
	expect_error(g, "initial_c 'x6' has shape 1x3x1, expected 1x1x3");
	in[6] = (In){3, D(1, 1, 3), 0};
	in[7] = (In){2, D(1, 12), 0};
	g = mk("LSTM", "lstm_0", 8, in, 3, 7);
	expect_error(g, "peephole weight 'x7' has shape 1x12, expected 1x9");
}
END_TEST

START_TEST(test_rnn_error_types)
{
	In in[5] = {{3, D(2, 1, 2), 0}, {3, D(1, 3, 2), 0}, {3, D(1, 3, 3), 0}, {-1, NULL, 0},
		{1, D(1), DT_I64}};
	Graph *g = mk("GRU", "gru_0", 5, in, 2, 3);   /* a non-constant int64 sequence_lens */
	expect_error(g, "sequence_lens 'x4' has type int64, expected int32");
	in[4] = (In){-1, NULL, 0};
	in[0].dt = DT_F64;
	g = mk("GRU", "gru_0", 3, in, 2, 3);
	expect_error(g, "input 'x0' has type");
}
END_TEST

START_TEST(test_rnn_error_hidden_size)
{
	Graph *g = mk_lstm(2, 1, 2, 3, 1);
	tg_attr_int(g, g->node[0], "hidden_size", 4);
	expect_error(g, "hidden_size is 4 but recurrence weight 'x2' has 3 columns");
}
END_TEST

START_TEST(test_rnn_error_empty_and_huge)
{
	In in[3] = {{3, D(0, 1, 2), 0}, {3, D(1, 3, 2), 0}, {3, D(1, 3, 3), 0}};
	Graph *g = mk("RNN", "rnn_0", 3, in, 2, 3);
	expect_error(g, "has an empty dimension");
	in[0].dim = D(65536, 65536, 2);
	g = mk("RNN", "rnn_0", 3, in, 2, 3);
	expect_error(g, "more than 2^31-1 elements");
}
END_TEST

START_TEST(test_rnn_error_constant_sequence_lens)
{
	In in[5] = {{3, D(3, 2, 2), 0}, {3, D(1, 3, 2), 0}, {3, D(1, 3, 3), 0}, {-1, NULL, 0},
		{1, D(2), DT_I32}};
	Graph *g = mk("RNN", "rnn_0", 5, in, 2, 3);
	tg_const(g, g->node[0]->in[4], DT_I32, 1, D(2), (const int32_t[]){3, 4});
	expect_error(g, "sequence_lens[1] is 4, must be in [0, 3]");
	in[0].dim = D(1, 5000, 2);
	in[4].dim = D(5000);
	g = mk("RNN", "rnn_0", 5, in, 2, 3);
	{
		static int32_t lens[5000];
		tg_const(g, g->node[0]->in[4], DT_I32, 1, D(5000), lens);
	}
	expect_error(g, "more than 4096 entries");
}
END_TEST

START_TEST(test_rnn_error_too_many_outputs)
{
	In in[3] = {{3, D(2, 1, 2), 0}, {3, D(1, 3, 2), 0}, {3, D(1, 3, 3), 0}};
	Graph *g = mk("GRU", "gru_0", 3, in, 3, 7);
	expect_error(g, "has 3 outputs, expected at most 2");
}
END_TEST

/* ---- end to end through the interpreter ---- */

static double
sig(double x)
{
	return 1 / (1 + exp(-x));
}

/* RNN, one unit, one input, T = 3, reverse, constant W, R, B:
 * h after x[t] = tanh(w x[t] + r h + wb + rb), starting from h0 at t = 2. */
START_TEST(test_rnn_run_reverse_hand_computed)
{
	In in[6] = {{3, D(3, 1, 1), 0}, {3, D(1, 1, 1), 0}, {3, D(1, 1, 1), 0}, {2, D(1, 2), 0},
		{-1, NULL, 0}, {3, D(1, 1, 1), 0}};
	Graph *g = mk("RNN", "rnn_0", 6, in, 2, 3);
	Node *n = g->node[0];
	float x[3] = {0.5f, -1.0f, 2.0f}, h0 = 0.25f, y[3], yh;
	double h = h0, want[3];
	Diag d = diag_capture();

	tg_attr_string(g, n, "direction", "reverse");
	tg_const(g, n->in[1], DT_F32, 3, D(1, 1, 1), (const float[]){0.8f});
	tg_const(g, n->in[2], DT_F32, 3, D(1, 1, 1), (const float[]){-0.6f});
	tg_const(g, n->in[3], DT_F32, 2, D(1, 2), (const float[]){0.1f, 0.2f});
	for (int t = 2; t >= 0; t--)
		want[t] = h = tanh(0.8 * x[t] - 0.6 * h + 0.1 + 0.2);
	ck_assert_msg(tg_run(g, &d, (const void *[]){x, &h0}, (void *[]){y, &yh}) == 0, "%s", d.last);
	for (int t = 0; t < 3; t++)
		ck_assert_float_close(y[t], want[t], 1e-6);
	ck_assert_float_close(yh, want[0], 1e-6);
	graph_free(g);
}
END_TEST

/* GRU, one unit, layout 1, two batch entries with constant int64
 * sequence_lens {2, 1}: z = s(x w_z + h r_z), r = s(x w_r + h r_r),
 * h~ = tanh(x w_h + r h r_h), h = (1 - z) h~ + z h; Y is 0 past the length. */
START_TEST(test_gru_run_layout1_int64_lens)
{
	In in[5] = {{3, D(2, 2, 1), 0}, {3, D(1, 3, 1), 0}, {3, D(1, 3, 1), 0}, {-1, NULL, 0},
		{1, D(2), DT_I64}};
	Graph *g = mk("GRU", "gru_0", 5, in, 2, 3);
	Node *n = g->node[0];
	static const float w[3] = {0.5f, -0.4f, 0.9f}, r[3] = {0.3f, 0.7f, -0.2f};
	float x[4] = {1.0f, -0.5f, 0.3f, 2.0f}, y[4], yh[2];   /* x[n][t] */
	int lens[2] = {2, 1};
	Diag d = diag_capture();

	tg_attr_int(g, n, "layout", 1);
	tg_const(g, n->in[1], DT_F32, 3, D(1, 3, 1), w);
	tg_const(g, n->in[2], DT_F32, 3, D(1, 3, 1), r);
	tg_const(g, n->in[4], DT_I64, 1, D(2), (const int64_t[]){2, 1});
	ck_assert_msg(tg_run(g, &d, (const void *[]){x}, (void *[]){y, yh}) == 0, "%s", d.last);
	for (int b = 0; b < 2; b++) {
		double h = 0;
		for (int t = 0; t < 2; t++) {
			double xv = x[b * 2 + t], z, rr, hh;
			if (t >= lens[b]) {
				ck_assert_float_eq(y[b * 2 + t], 0);
				continue;
			}
			z = sig(xv * w[0] + h * r[0]);
			rr = sig(xv * w[1] + h * r[1]);
			hh = tanh(xv * w[2] + rr * h * r[2]);
			h = (1 - z) * hh + z * h;
			ck_assert_float_close(y[b * 2 + t], h, 1e-6);
		}
		ck_assert_float_close(yh[b], h, 1e-6);
	}
	graph_free(g);
}
END_TEST

/* LSTM with the cell state as the only output, activations spelled in
 * other cases and a LeakyRelu g whose alpha is the only one given. */
START_TEST(test_lstm_run_yc_only_custom_acts)
{
	static const char *const acts[] = {"sigmoid", "LEAKYRELU", "Tanh"};
	In in[3] = {{3, D(1, 1, 1), 0}, {3, D(1, 4, 1), 0}, {3, D(1, 4, 1), 0}};
	Graph *g = mk("LSTM", "lstm_0", 3, in, 3, 4);
	Node *n = g->node[0];
	static const float w[4] = {0.5f, 0.1f, -0.3f, -2.0f};   /* i o f c */
	float x = 1.5f, yc;
	double c = sig(0.75) * (0.2 * (-3.0));   /* f * 0 + i * leaky(-3) */
	Diag d = diag_capture();

	attr_strings(g, n, "activations", 3, acts);
	tg_attr_floats(g, n, "activation_alpha", 1, (const float[]){0.2f});
	tg_const(g, n->in[1], DT_F32, 3, D(1, 4, 1), w);
	tg_const(g, n->in[2], DT_F32, 3, D(1, 4, 1), (const float[]){0, 0, 0, 0});
	ck_assert_msg(tg_run(g, &d, (const void *[]){&x}, (void *[]){&yc}) == 0, "%s", d.last);
	ck_assert_float_close(yc, c, 1e-6);
	graph_free(g);
}
END_TEST

static Suite *
rnn_suite(void)
{
	Suite *s = suite_create("ops_rnn");
	TCase *tc = tcase_create("infer");

	tcase_add_test(tc, test_lstm_infer_bidirectional_layouts);
	tcase_add_test(tc, test_gru_rnn_infer_optional_inputs_outputs);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_rnn_error_activations_not_strings);
	tcase_add_test(tc, test_rnn_error_activation_count);
	tcase_add_test(tc, test_rnn_error_activation_unknown);
	tcase_add_test(tc, test_rnn_error_direction);
	tcase_add_test(tc, test_rnn_error_layout);
	tcase_add_test(tc, test_rnn_error_clip);
	tcase_add_test(tc, test_rnn_error_input_forget);
	tcase_add_test(tc, test_rnn_error_weight_shapes);
	tcase_add_test(tc, test_rnn_error_optional_shapes);
	tcase_add_test(tc, test_rnn_error_types);
	tcase_add_test(tc, test_rnn_error_hidden_size);
	tcase_add_test(tc, test_rnn_error_empty_and_huge);
	tcase_add_test(tc, test_rnn_error_constant_sequence_lens);
	tcase_add_test(tc, test_rnn_error_too_many_outputs);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, test_rnn_run_reverse_hand_computed);
	tcase_add_test(tc, test_gru_run_layout1_int64_lens);
	tcase_add_test(tc, test_lstm_run_yc_only_custom_acts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(rnn_suite());
}
