/* test_passes.c: the canonicalization passes (simplify, bnfold, fuse, dce) on
 * small graphs built by hand with the IR API. Numerical checks compare the
 * folded weights against a straightforward conv/gemm + BN computed here. */
#include <math.h>
#include <string.h>

#include "passes.h"
#include "axrt_core.h"
#include "testutil.h"

/* ---- graph building ---- */

static Graph *
tgraph(void)
{
	Graph *g = graph_new("test.onnx");
	g->opset = 13;
	g->input = arena_alloc(g->arena, 16 * sizeof *g->input);
	g->output = arena_alloc(g->arena, 16 * sizeof *g->output);
	return g;
}

static Tensor *
tf32(Graph *g, const char *name, int rank, const int64_t *dim)
{
	Tensor *t = graph_tensor(g, name);
	tensor_set(t, DT_F32, rank, dim);
	return t;
}

static Tensor *
tinput(Graph *g, const char *name, int rank, const int64_t *dim)
{
	Tensor *t = tf32(g, name, rank, dim);
	t->is_input = 1;
	g->input[g->ninput++] = t;
	return t;
}

static void
toutput(Graph *g, const char *name)
{
	Tensor *t = graph_tensor(g, name);
	t->is_output = 1;
	g->output[g->noutput++] = t;
}

static Tensor *
tconst(Graph *g, const char *name, int rank, const int64_t *dim, const float *v)
{
	Tensor *t = tf32(g, name, rank, dim);
	t->init = arena_memdup(g->arena, v, tensor_bytes(t));
	return t;
}

/* Splits "a,,b" into names (empty: absent). Returns the count. */
static int
split_names(const char *s, char names[][32])
{
	int k = 0, c = 0;
	for (;; s++) {
		if (*s == ',' || !*s) {
			names[k++][c] = 0;
			c = 0;
			if (!*s)
				return k;
		} else {
			names[k][c++] = *s;
		}
	}
}

/* A node reading and writing the comma-separated tensors ins/outs. */
static Node *
tnode(Graph *g, const char *optype, int op, const char *name, const char *ins, const char *outs)
{
	char in[8][32], out[8][32];
	int nin = *ins ? split_names(ins, in) : 0, nout = split_names(outs, out);
	Node *n = graph_add_node(g, optype, name, nin, nout);
	n->op = op;
	for (int j = 0; j < nin; j++)
		n->in[j] = in[j][0] ? graph_tensor(g, in[j]) : NULL;
	for (int j = 0; j < nout; j++) {
		n->out[j] = out[j][0] ? graph_tensor(g, out[j]) : NULL;
		if (n->out[j])
			n->out[j]->def = n;
	}
	return n;
}

static void
tattr(Graph *g, Node *n, const char *name, AttrType ty, float f, int64_t i)
{
	Attr *a = arena_alloc(g->arena, (size_t)(n->nattr + 1) * sizeof *a);
	if (n->nattr)
		memcpy(a, n->attr, (size_t)n->nattr * sizeof *a);
	a[n->nattr].name = arena_strdup(g->arena, name);
	a[n->nattr].type = ty;
	a[n->nattr].f = f;
	a[n->nattr].i = i;
	n->attr = a;
	n->nattr++;
}

static int
run(int (*pass)(Graph *, PassCtx *), Graph *g)
{
	Diag d = diag_capture();
	PassCtx cx = {&d, arena_new(), 0};
	int rc = pass(g, &cx);
	arena_free(cx.scratch);
	ck_assert_int_eq(d.nerr, 0);
	return rc;
}

static int
has_op(const Graph *g, int op)
{
	for (int i = 0; i < g->nnode; i++)
		if (g->node[i]->op == op)
			return 1;
	return 0;
}

static const int64_t D4[] = {1, 2, 4, 4};

/* ---- simplify ---- */

START_TEST(test_simplify_identity_chain_keeps_output_name)
{
	Graph *g = tgraph();
	tinput(g, "x", 4, D4);
	tf32(g, "a", 4, D4);
	tf32(g, "b", 4, D4);
	tf32(g, "c", 4, D4);
	Node *r = tnode(g, "Relu", OP_RELU, "relu", "x", "a");
	tnode(g, "Identity", OP_IDENTITY, "id1", "a", "b");
	tnode(g, "Identity", OP_IDENTITY, "id2", "b", "c");
	toutput(g, "c");
	ck_assert_int_eq(run(pass_simplify, g), 0);
	ck_assert_int_eq(g->nnode, 1);
	ck_assert_ptr_eq(g->node[0], r);
	ck_assert_str_eq(r->out[0]->name, "c");
	ck_assert_str_eq(g->output[0]->name, "c");
	ck_assert_ptr_eq(g->output[0]->def, r);
	ck_assert_int_eq(g->output[0]->rank, 4);
	graph_free(g);
}
END_TEST

START_TEST(test_simplify_identity_rewires_all_consumers)
{
	Graph *g = tgraph();
	tinput(g, "x", 4, D4);
	Node *r = tnode(g, "Relu", OP_RELU, "relu", "x", "a");
	tnode(g, "Identity", OP_IDENTITY, "id", "a", "b");
	Node *s = tnode(g, "Sigmoid", OP_SIGMOID, "sig", "b", "o1");
	Node *t = tnode(g, "Tanh", OP_TANH, "tanh", "b", "o2");
	toutput(g, "o1");
	toutput(g, "o2");
	run(pass_simplify, g);
	ck_assert_int_eq(g->nnode, 3);
	ck_assert_ptr_eq(s->in[0], r->out[0]);
	ck_assert_ptr_eq(t->in[0], r->out[0]);
	ck_assert_str_eq(r->out[0]->name, "a");
	ck_assert_int_eq(r->out[0]->nuse, 2);
	graph_free(g);
}
END_TEST

START_TEST(test_simplify_keeps_identity_between_names_it_cannot_merge)
{
	Graph *g = tgraph();
	tinput(g, "x", 4, D4);
	tnode(g, "Identity", OP_IDENTITY, "in_to_out", "x", "y");
	tnode(g, "Relu", OP_RELU, "relu", "x", "a");
	tnode(g, "Identity", OP_IDENTITY, "out_to_out", "a", "b");
	toutput(g, "y");
	toutput(g, "a");
	toutput(g, "b");
	run(pass_simplify, g);
	ck_assert_int_eq(g->nnode, 3);   /* both identities stay */
	ck_assert_str_eq(g->output[0]->name, "y");
	ck_assert_str_eq(g->output[1]->name, "a");
	ck_assert_str_eq(g->output[2]->name, "b");
	graph_free(g);
}
END_TEST

START_TEST(test_simplify_output_in_middle_of_chain)
{
	Graph *g = tgraph();
	tinput(g, "x", 4, D4);
	Node *r = tnode(g, "Relu", OP_RELU, "relu", "x", "a");
	tnode(g, "Identity", OP_IDENTITY, "id1", "a", "b");
	Node *i2 = tnode(g, "Identity", OP_IDENTITY, "id2", "b", "c");
	toutput(g, "b");
	toutput(g, "c");
	run(pass_simplify, g);
	ck_assert_int_eq(g->nnode, 2);
	ck_assert_str_eq(r->out[0]->name, "b");
	ck_assert_ptr_eq(i2->in[0], r->out[0]);
	ck_assert_str_eq(i2->out[0]->name, "c");
	graph_free(g);
}
END_TEST

START_TEST(test_simplify_dropout_mask_becomes_true_constant)
{
	static const int64_t d2[] = {2, 3};
	Graph *g = tgraph();
	tinput(g, "x", 2, d2);
	tf32(g, "y", 2, d2);
	Tensor *m = graph_tensor(g, "mask");
	tensor_set(m, DT_BOOL, 2, d2);
	tnode(g, "Dropout", OP_DROPOUT, "drop", "x", "y,mask");
	Node *c = tnode(g, "Cast", OP_CAST, "cast", "mask", "mf");
	Node *s = tnode(g, "Sigmoid", OP_SIGMOID, "sig", "y", "o");
	toutput(g, "o");
	toutput(g, "mf");
	run(pass_simplify, g);
	ck_assert_int_eq(g->nnode, 2);
	ck_assert(!has_op(g, OP_DROPOUT));
	ck_assert_str_eq(s->in[0]->name, "x");
	ck_assert_ptr_eq(c->in[0], m);
	ck_assert_ptr_nonnull(m->init);
	ck_assert_ptr_null(m->def);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(((const unsigned char *)m->init)[i], 1);
	graph_free(g);
}
END_TEST

START_TEST(test_simplify_keeps_training_dropout_and_output_mask)
{
	static const int64_t d2[] = {2, 3};
	Graph *g = tgraph();
	tinput(g, "x", 2, d2);
	tf32(g, "r", 2, d2);
	tnode(g, "Relu", OP_RELU, "relu", "x", "r");
	Tensor *tm = graph_tensor(g, "train");
	tensor_set(tm, DT_BOOL, 0, NULL);
	tm->init = arena_alloc(g->arena, 1);
	*(unsigned char *)tm->init = 1;
	tnode(g, "Dropout", OP_DROPOUT, "train_drop", "r,,train", "y1");
	Tensor *m = graph_tensor(g, "mask");
	tensor_set(m, DT_BOOL, 2, d2);
	tnode(g, "Dropout", OP_DROPOUT, "mask_drop", "r", "y2,mask");
	tnode(g, "Dropout", OP_DROPOUT, "plain_drop", "r", "y3");
	Node *s = tnode(g, "Sigmoid", OP_SIGMOID, "sig", "y3", "o");
	toutput(g, "y1");
	toutput(g, "y2");
	toutput(g, "mask");
	toutput(g, "o");
	run(pass_simplify, g);
	ck_assert_int_eq(g->nnode, 4);
	ck_assert_str_eq(g->node[1]->name, "train_drop");
	ck_assert_str_eq(g->node[2]->name, "mask_drop");
	ck_assert_str_eq(s->in[0]->name, "r");
	ck_assert_ptr_null(m->init);
	graph_free(g);
}
END_TEST

START_TEST(test_replace_uses_renames_producer_of_graph_output)
{
	Graph *g = tgraph();
	tinput(g, "x", 4, D4);
	Node *r = tnode(g, "Relu", OP_RELU, "relu", "x", "a");
	Node *s = tnode(g, "Sigmoid", OP_SIGMOID, "sig", "a", "o");
	Tensor *y = graph_tensor(g, "y"), *a = graph_tensor(g, "a");
	toutput(g, "y");
	toutput(g, "o");
	graph_replace_uses(g, y, a);
	ck_assert_ptr_eq(r->out[0], y);
	ck_assert_ptr_eq(y->def, r);
	ck_assert_ptr_eq(s->in[0], y);
	ck_assert_ptr_null(a->def);
	ck_assert_ptr_eq(g->output[0], y);
	graph_free(g);
}
END_TEST

START_TEST(test_replace_uses_falls_back_to_output_swap)
{
	Graph *g = tgraph();
	Tensor *x = tinput(g, "x", 4, D4);
	Tensor *y = graph_tensor(g, "y");
	Node *s = tnode(g, "Sigmoid", OP_SIGMOID, "sig", "y", "o");
	toutput(g, "y");
	toutput(g, "o");
	graph_replace_uses(g, y, x);
	ck_assert_ptr_eq(s->in[0], x);
	ck_assert_ptr_eq(g->output[0], x);
	ck_assert_int_eq(x->is_output, 1);
	ck_assert_int_eq(y->is_output, 0);
	graph_free(g);
}
END_TEST

/* ---- bnfold: a reference conv and BN in double ---- */

enum { C = 2, H = 4, W = 4, M = 3, K = 2, OH = H - K + 1, OW = W - K + 1 };

static void
conv_ref(const float *x, const float *w, const float *b, double *y)
{
	for (int o = 0; o < M; o++)
		for (int i = 0; i < OH; i++)
			for (int j = 0; j < OW; j++) {
				double s = b ? b[o] : 0.0;
				for (int c = 0; c < C; c++)
					for (int u = 0; u < K; u++)
						for (int v = 0; v < K; v++)
							s += (double)x[(c * H + i + u) * W + j + v] *
							     w[((o * C + c) * K + u) * K + v];
				y[(o * OH + i) * OW + j] = s;
			}
}

static const float bn_s[M] = {1.5f, -0.5f, 2.0f}, bn_b[M] = {0.1f, 0.2f, -0.3f};
static const float bn_mean[M] = {0.3f, -1.0f, 0.25f}, bn_var[M] = {0.5f, 2.0f, 0.01f};
static const double bn_eps = 1e-3;

static double
bn_ref(double v, int o)
{
	return (v - bn_mean[o]) / sqrt((double)bn_var[o] + (double)(float)bn_eps) * bn_s[o] + bn_b[o];
}

static void
fill(float *v, int n, float scale)
{
	for (int i = 0; i < n; i++)
		v[i] = scale * (float)((i * 7 + 3) % 11 - 5) / 5.0f;
}

static void
bn_consts(Graph *g)
{
	static const int64_t dm[] = {M};
	tconst(g, "s", 1, dm, bn_s);
	tconst(g, "beta", 1, dm, bn_b);
	tconst(g, "mean", 1, dm, bn_mean);
	tconst(g, "var", 1, dm, bn_var);
}

static Node *
bn_node(Graph *g, const char *x, const char *y)
{
	char ins[64];
	snprintf(ins, sizeof ins, "%s,s,beta,mean,var", x);
	Node *n = tnode(g, "BatchNormalization", OP_BATCHNORM, "bn", ins, y);
	tattr(g, n, "epsilon", AT_FLOAT, (float)bn_eps, 0);
	return n;
}

/* x -> Conv(w[, b]) -> c -> BN -> y (graph output). */
static Graph *
conv_bn_graph(float *x, float *w, float *b, int with_bias)
{
	static const int64_t dx[] = {1, C, H, W}, dw[] = {M, C, K, K}, db[] = {M};
	static const int64_t dy[] = {1, M, OH, OW};
	Graph *g = tgraph();
	fill(x, C * H * W, 1.0f);
	fill(w, M * C * K * K, 0.7f);
	fill(b, M, 0.3f);
	tinput(g, "x", 4, dx);
	tconst(g, "w", 4, dw, w);
	if (with_bias)
		tconst(g, "b", 1, db, b);
	bn_consts(g);
	tf32(g, "c", 4, dy);
	tf32(g, "y", 4, dy);
	tnode(g, "Conv", OP_CONV, "conv", with_bias ? "x,w,b" : "x,w", "c");
	bn_node(g, "c", "y");
	toutput(g, "y");
	return g;
}

static void
check_conv_folded(const Graph *g, const float *x, const float *w, const float *b)
{
	double ref[M * OH * OW], got[M * OH * OW];
	Node *cv = g->node[0];
	conv_ref(x, w, b, ref);
	for (int i = 0; i < M * OH * OW; i++)
		ref[i] = bn_ref(ref[i], i / (OH * OW));
	ck_assert_int_eq(cv->nin, 3);
	ck_assert_ptr_nonnull(cv->in[2]);
	ck_assert_ptr_nonnull(cv->in[2]->init);
	ck_assert_int_eq(cv->in[2]->rank, 1);
	ck_assert_int_eq(cv->in[2]->dim[0], M);
	conv_ref(x, cv->in[1]->init, cv->in[2]->init, got);
	for (int i = 0; i < M * OH * OW; i++)
		ck_assert_float_close(got[i], ref[i], 1e-5 * (1 + fabs(ref[i])));
}

START_TEST(test_bnfold_conv_matches_conv_then_bn)
{
	float x[C * H * W], w[M * C * K * K], b[M];
	Graph *g = conv_bn_graph(x, w, b, 1);
	Tensor *wt = graph_find(g, "w");
	run(pass_bnfold, g);
	ck_assert_int_eq(g->nnode, 1);
	ck_assert_int_eq(g->node[0]->op, OP_CONV);
	ck_assert_str_eq(g->node[0]->out[0]->name, "y");
	ck_assert_ptr_eq(g->output[0]->def, g->node[0]);
	ck_assert_ptr_ne(g->node[0]->in[1], wt);
	ck_assert_int_eq(memcmp(wt->init, w, sizeof w), 0);   /* original untouched */
	check_conv_folded(g, x, w, b);
	graph_free(g);
}
END_TEST

START_TEST(test_bnfold_conv_without_bias_gains_one)
{
	float x[C * H * W], w[M * C * K * K], b[M];
	Graph *g = conv_bn_graph(x, w, b, 0);
	ck_assert_int_eq(g->node[0]->nin, 2);
	run(pass_bnfold, g);
	ck_assert_int_eq(g->nnode, 1);
	check_conv_folded(g, x, w, NULL);
	graph_free(g);
}
END_TEST

START_TEST(test_bnfold_shared_weights_stay_unchanged)
{
	static const int64_t dy[] = {1, M, OH, OW};
	float x[C * H * W], w[M * C * K * K], b[M];
	Graph *g = conv_bn_graph(x, w, b, 1);
	Node *other = tnode(g, "Conv", OP_CONV, "conv2", "x,w,b", "c2");
	tf32(g, "c2", 4, dy);
	toutput(g, "c2");
	run(pass_bnfold, g);
	ck_assert_int_eq(g->nnode, 2);
	ck_assert_str_eq(other->in[1]->name, "w");
	ck_assert_str_eq(other->in[2]->name, "b");
	ck_assert_int_eq(memcmp(other->in[1]->init, w, sizeof w), 0);
	ck_assert_int_eq(memcmp(other->in[2]->init, b, sizeof b), 0);
	check_conv_folded(g, x, w, b);
	graph_free(g);
}
END_TEST

START_TEST(test_bnfold_skips_conv_with_second_reader)
{
	float x[C * H * W], w[M * C * K * K], b[M];
	Graph *g = conv_bn_graph(x, w, b, 1);
	tnode(g, "Relu", OP_RELU, "relu", "c", "r");
	toutput(g, "r");
	run(pass_bnfold, g);
	ck_assert_int_eq(g->nnode, 3);
	ck_assert(has_op(g, OP_BATCHNORM));
	ck_assert_str_eq(g->node[0]->in[1]->name, "w");
	graph_free(g);
}
END_TEST

START_TEST(test_bnfold_skips_non_constant_statistics)
{
	static const int64_t dm[] = {M};
	float x[C * H * W], w[M * C * K * K], b[M];
	Graph *g = conv_bn_graph(x, w, b, 1);
	Tensor *mean = graph_find(g, "mean");
	mean->init = NULL;
	tinput(g, "mean", 1, dm);
	run(pass_bnfold, g);
	ck_assert_int_eq(g->nnode, 2);
	ck_assert_str_eq(g->node[0]->out[0]->name, "c");
	graph_free(g);
}
END_TEST

START_TEST(test_bnfold_leaves_lone_batchnorm)
{
	static const int64_t dx[] = {1, M, 2, 2};
	Graph *g = tgraph();
	tinput(g, "x", 4, dx);
	tf32(g, "y", 4, dx);
	bn_consts(g);
	bn_node(g, "x", "y");
	toutput(g, "y");
	run(pass_bnfold, g);
	ck_assert_int_eq(g->nnode, 1);
	ck_assert_int_eq(g->node[0]->op, OP_BATCHNORM);
	graph_free(g);
}
END_TEST

/* Gemm: Y = alpha*A*B' + beta*C then BN over the M columns. */
enum { GN = 2, GK = 5 };

static void
gemm_ref(const float *a, const float *bw, const float *cv, int transb, double alpha,
	double beta, double *y)
{
	for (int n = 0; n < GN; n++)
		for (int o = 0; o < M; o++) {
			double s = 0;
			for (int k = 0; k < GK; k++)
				s += (double)a[n * GK + k] * bw[transb ? o * GK + k : k * M + o];
			y[n * M + o] = alpha * s + beta * cv[o];
		}
}

static void
check_gemm_fold(int transb)
{
	static const int64_t da[] = {GN, GK}, dbt[] = {M, GK}, db[] = {GK, M};
	static const int64_t dc[] = {M}, dy[] = {GN, M};
	float a[GN * GK], bw[M * GK], cv[M];
	double ref[GN * M], got[GN * M];
	Graph *g = tgraph();
	fill(a, GN * GK, 1.0f);
	fill(bw, M * GK, 0.6f);
	fill(cv, M, 0.9f);
	tinput(g, "a", 2, da);
	tconst(g, "w", 2, transb ? dbt : db, bw);
	tconst(g, "cc", 1, dc, cv);
	bn_consts(g);
	tf32(g, "g", 2, dy);
	tf32(g, "y", 2, dy);
	Node *gm = tnode(g, "Gemm", OP_GEMM, "gemm", "a,w,cc", "g");
	tattr(g, gm, "alpha", AT_FLOAT, 2.0f, 0);
	tattr(g, gm, "beta", AT_FLOAT, 0.5f, 0);
	tattr(g, gm, "transB", AT_INT, 0, transb);
	bn_node(g, "g", "y");
	toutput(g, "y");
	gemm_ref(a, bw, cv, transb, 2.0, 0.5, ref);
	for (int i = 0; i < GN * M; i++)
		ref[i] = bn_ref(ref[i], i % M);
	run(pass_bnfold, g);
	ck_assert_int_eq(g->nnode, 1);
	ck_assert_str_eq(gm->out[0]->name, "y");
	ck_assert_int_eq(memcmp(graph_find(g, "w")->init, bw, sizeof bw), 0);
	ck_assert_int_eq(tensor_numel(gm->in[2]), M);
	gemm_ref(a, gm->in[1]->init, gm->in[2]->init, transb, attr_f(gm, "alpha", 1),
		attr_f(gm, "beta", 1), got);
	for (int i = 0; i < GN * M; i++)
		ck_assert_float_close(got[i], ref[i], 1e-5 * (1 + fabs(ref[i])));
	graph_free(g);
}

START_TEST(test_bnfold_gemm_transb0)
{
	check_gemm_fold(0);
}
END_TEST

START_TEST(test_bnfold_gemm_transb1)
{
	check_gemm_fold(1);
}
END_TEST

/* ---- fuse ---- */

/* x -> Conv -> c -> <act> -> y (graph output). */
static Graph *
conv_act_graph(const char *optype, int op, const char *ins)
{
	static const int64_t dx[] = {1, C, H, W}, dw[] = {M, C, K, K};
	static const int64_t dy[] = {1, M, OH, OW};
	float w[M * C * K * K];
	Graph *g = tgraph();
	fill(w, M * C * K * K, 1.0f);
	tinput(g, "x", 4, dx);
	tconst(g, "w", 4, dw, w);
	tf32(g, "c", 4, dy);
	tf32(g, "y", 4, dy);
	tnode(g, "Conv", OP_CONV, "conv", "x,w", "c");
	tnode(g, optype, op, "act", ins, "y");
	toutput(g, "y");
	return g;
}

START_TEST(test_fuse_relu_into_conv)
{
	Graph *g = conv_act_graph("Relu", OP_RELU, "c");
	Node *cv = g->node[0];
	run(pass_fuse, g);
	ck_assert_int_eq(g->nnode, 1);
	ck_assert_ptr_eq(g->node[0], cv);
	ck_assert_int_eq(cv->act, AXRT_ACT_RELU);
	ck_assert_str_eq(cv->out[0]->name, "y");
	ck_assert_ptr_eq(g->output[0]->def, cv);
	graph_free(g);
}
END_TEST

START_TEST(test_fuse_skips_conv_output_with_two_readers)
{
	Graph *g = conv_act_graph("Relu", OP_RELU, "c");
	tnode(g, "Sigmoid", OP_SIGMOID, "sig", "c", "s");
	toutput(g, "s");
	run(pass_fuse, g);
	ck_assert_int_eq(g->nnode, 3);
	ck_assert_int_eq(g->node[0]->act, AXRT_ACT_NONE);
	ck_assert_str_eq(g->node[0]->out[0]->name, "c");
	graph_free(g);
}
END_TEST

START_TEST(test_fuse_skips_conv_output_that_is_graph_output)
{
	Graph *g = conv_act_graph("Relu", OP_RELU, "c");
	toutput(g, "c");
	run(pass_fuse, g);
	ck_assert_int_eq(g->nnode, 2);
	ck_assert_int_eq(g->node[0]->act, AXRT_ACT_NONE);
	graph_free(g);
}
END_TEST

START_TEST(test_fuse_leaky_relu_alpha)
{
	Graph *g = conv_act_graph("LeakyRelu", OP_LEAKYRELU, "c");
	tattr(g, g->node[1], "alpha", AT_FLOAT, 0.25f, 0);
	run(pass_fuse, g);
	ck_assert_int_eq(g->nnode, 1);
	ck_assert_int_eq(g->node[0]->act, AXRT_ACT_LEAKYRELU);
	ck_assert_float_close(g->node[0]->act_alpha, 0.25, 0);
	graph_free(g);

	g = conv_act_graph("LeakyRelu", OP_LEAKYRELU, "c");
	run(pass_fuse, g);
	ck_assert_float_close(g->node[0]->act_alpha, 0.01f, 0);
	graph_free(g);
}
END_TEST

START_TEST(test_fuse_hardsigmoid_defaults)
{
	Graph *g = conv_act_graph("HardSigmoid", OP_HARDSIGMOID, "c");
	run(pass_fuse, g);
	ck_assert_int_eq(g->node[0]->act, AXRT_ACT_HARDSIGMOID);
	ck_assert_float_close(g->node[0]->act_alpha, 0.2f, 0);
	ck_assert_float_close(g->node[0]->act_beta, 0.5f, 0);
	graph_free(g);
}
END_TEST

START_TEST(test_fuse_clip_input_form)
{
	static const float lo = 0.0f, hi = 6.0f;
	Graph *g = conv_act_graph("Clip", OP_CLIP, "c,lo,hi");
	tconst(g, "lo", 0, NULL, &lo);
	tconst(g, "hi", 0, NULL, &hi);
	run(pass_fuse, g);
	ck_assert_int_eq(g->nnode, 1);
	ck_assert_int_eq(g->node[0]->act, AXRT_ACT_CLIP);
	ck_assert_float_close(g->node[0]->act_alpha, 0, 0);
	ck_assert_float_close(g->node[0]->act_beta, 6, 0);
	graph_free(g);

	g = conv_act_graph("Clip", OP_CLIP, "c,,hi");      /* min absent */
	tconst(g, "hi", 0, NULL, &hi);
	run(pass_fuse, g);
	ck_assert_int_eq(g->node[0]->act, AXRT_ACT_CLIP);
	ck_assert(isinf(g->node[0]->act_alpha) && g->node[0]->act_alpha < 0);
	ck_assert_float_close(g->node[0]->act_beta, 6, 0);
	graph_free(g);
}
END_TEST

START_TEST(test_fuse_clip_attribute_form)
{
	Graph *g = conv_act_graph("Clip", OP_CLIP, "c");
	g->node[1]->opset = 6;
	tattr(g, g->node[1], "min", AT_FLOAT, -1.0f, 0);
	run(pass_fuse, g);
	ck_assert_int_eq(g->node[0]->act, AXRT_ACT_CLIP);
	ck_assert_float_close(g->node[0]->act_alpha, -1, 0);
	ck_assert(isinf(g->node[0]->act_beta) && g->node[0]->act_beta > 0);
	graph_free(g);
}
END_TEST

START_TEST(test_fuse_skips_clip_with_runtime_bound)
{
	static const int64_t d0[] = {1};
	Graph *g = conv_act_graph("Clip", OP_CLIP, "c,lo");
	tinput(g, "lo", 0, d0);
	run(pass_fuse, g);
	ck_assert_int_eq(g->nnode, 2);
	ck_assert_int_eq(g->node[0]->act, AXRT_ACT_NONE);
	graph_free(g);
}
END_TEST

START_TEST(test_fuse_gemm_but_not_matmul)
{
	static const int64_t da[] = {2, 3}, dw[] = {3, 4}, dy[] = {2, 4};
	float w[12];
	Graph *g = tgraph();
	fill(w, 12, 1.0f);
	tinput(g, "a", 2, da);
	tconst(g, "w", 2, dw, w);
	tf32(g, "g", 2, dy);
	tf32(g, "m", 2, dy);
	tf32(g, "y1", 2, dy);
	tf32(g, "y2", 2, dy);
	Node *gm = tnode(g, "Gemm", OP_GEMM, "gemm", "a,w", "g");
	Node *mm = tnode(g, "MatMul", OP_MATMUL, "matmul", "a,w", "m");
	tnode(g, "Tanh", OP_TANH, "t1", "g", "y1");
	tnode(g, "Tanh", OP_TANH, "t2", "m", "y2");
	toutput(g, "y1");
	toutput(g, "y2");
	run(pass_fuse, g);
	ck_assert_int_eq(g->nnode, 3);
	ck_assert_int_eq(gm->act, AXRT_ACT_TANH);
	ck_assert_str_eq(gm->out[0]->name, "y1");
	ck_assert_int_eq(mm->act, AXRT_ACT_NONE);
	ck_assert_str_eq(mm->out[0]->name, "m");
	graph_free(g);
}
END_TEST

START_TEST(test_fuse_only_one_activation_per_producer)
{
	Graph *g = conv_act_graph("Relu", OP_RELU, "c");
	tf32(g, "z", 4, g->output[0]->dim);
	g->output[0]->is_output = 0;
	g->noutput = 0;
	tnode(g, "Sigmoid", OP_SIGMOID, "sig", "y", "z");
	toutput(g, "z");
	run(pass_fuse, g);
	ck_assert_int_eq(g->nnode, 2);
	ck_assert_int_eq(g->node[0]->act, AXRT_ACT_RELU);
	ck_assert_str_eq(g->node[1]->name, "sig");
	graph_free(g);
}
END_TEST

/* ---- dce ---- */

START_TEST(test_dce_removes_unused_branch)
{
	Graph *g = tgraph();
	tinput(g, "x", 4, D4);
	tnode(g, "Relu", OP_RELU, "keep", "x", "a");
	tnode(g, "Sigmoid", OP_SIGMOID, "drop1", "x", "b");
	tnode(g, "Tanh", OP_TANH, "drop2", "b", "c");
	tnode(g, "Relu", OP_RELU, "keep2", "a", "y");
	toutput(g, "y");
	ck_assert_int_eq(run(pass_dce, g), 0);
	ck_assert_int_eq(g->nnode, 2);
	ck_assert_str_eq(g->node[0]->name, "keep");
	ck_assert_str_eq(g->node[1]->name, "keep2");
	ck_assert_int_eq(graph_find(g, "b")->nuse, 0);
	graph_free(g);
}
END_TEST

START_TEST(test_dce_keeps_multi_output_node_with_one_used_output)
{
	Graph *g = tgraph();
	tinput(g, "x", 4, D4);
	tnode(g, "Split", OP_SPLIT, "split", "x", "s0,s1");
	tnode(g, "Relu", OP_RELU, "unused", "s0", "u");
	tnode(g, "Relu", OP_RELU, "used", "s1", "y");
	toutput(g, "y");
	run(pass_dce, g);
	ck_assert_int_eq(g->nnode, 2);
	ck_assert_str_eq(g->node[0]->name, "split");
	ck_assert_str_eq(g->node[1]->name, "used");
	graph_free(g);
}
END_TEST

START_TEST(test_dce_keeps_producer_of_graph_output)
{
	Graph *g = tgraph();
	tinput(g, "x", 4, D4);
	tnode(g, "Relu", OP_RELU, "r", "x", "a");
	tnode(g, "Sigmoid", OP_SIGMOID, "s", "a", "t");
	tnode(g, "Tanh", OP_TANH, "t", "t", "u");
	toutput(g, "a");
	run(pass_dce, g);
	ck_assert_int_eq(g->nnode, 1);
	ck_assert_str_eq(g->node[0]->name, "r");
	ck_assert_int_eq(graph_find(g, "a")->nuse, 1);
	graph_free(g);
}
END_TEST

/* ---- suite ---- */

static Suite *
passes_suite(void)
{
	Suite *s = suite_create("passes");
	TCase *tc = tcase_create("simplify");
	tcase_add_test(tc, test_simplify_identity_chain_keeps_output_name);
	tcase_add_test(tc, test_simplify_identity_rewires_all_consumers);
	tcase_add_test(tc, test_simplify_keeps_identity_between_names_it_cannot_merge);
	tcase_add_test(tc, test_simplify_output_in_middle_of_chain);
	tcase_add_test(tc, test_simplify_dropout_mask_becomes_true_constant);
	tcase_add_test(tc, test_simplify_keeps_training_dropout_and_output_mask);
	tcase_add_test(tc, test_replace_uses_renames_producer_of_graph_output);
	tcase_add_test(tc, test_replace_uses_falls_back_to_output_swap);
	suite_add_tcase(s, tc);
	tc = tcase_create("bnfold");
	tcase_add_test(tc, test_bnfold_conv_matches_conv_then_bn);
	tcase_add_test(tc, test_bnfold_conv_without_bias_gains_one);
	tcase_add_test(tc, test_bnfold_shared_weights_stay_unchanged);
	tcase_add_test(tc, test_bnfold_skips_conv_with_second_reader);
	tcase_add_test(tc, test_bnfold_skips_non_constant_statistics);
	tcase_add_test(tc, test_bnfold_leaves_lone_batchnorm);
	tcase_add_test(tc, test_bnfold_gemm_transb0);
	tcase_add_test(tc, test_bnfold_gemm_transb1);
	suite_add_tcase(s, tc);
	tc = tcase_create("fuse");
	tcase_add_test(tc, test_fuse_relu_into_conv);
	tcase_add_test(tc, test_fuse_skips_conv_output_with_two_readers);
	tcase_add_test(tc, test_fuse_skips_conv_output_that_is_graph_output);
	tcase_add_test(tc, test_fuse_leaky_relu_alpha);
	tcase_add_test(tc, test_fuse_hardsigmoid_defaults);
	tcase_add_test(tc, test_fuse_clip_input_form);
	tcase_add_test(tc, test_fuse_clip_attribute_form);
	tcase_add_test(tc, test_fuse_skips_clip_with_runtime_bound);
	tcase_add_test(tc, test_fuse_gemm_but_not_matmul);
	tcase_add_test(tc, test_fuse_only_one_activation_per_producer);
	suite_add_tcase(s, tc);
	tc = tcase_create("dce");
	tcase_add_test(tc, test_dce_removes_unused_branch);
	tcase_add_test(tc, test_dce_keeps_multi_output_node_with_one_used_output);
	tcase_add_test(tc, test_dce_keeps_producer_of_graph_output);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(passes_suite());
	srunner_run_all(sr, CK_NORMAL);
	int nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail ? 1 : 0;
}
