/* bnfold.c: folds an inference BatchNormalization into the Conv or Gemm that
 * produces its input, when that producer has no other reader and all weights
 * are constant: W'[o] = W[o]*f[o], b'[o] = (b[o]-mean[o])*f[o] + beta[o] with
 * f = scale/sqrt(var+eps). Other BatchNormalizations stay for ops/norm.c.
 * needs: IR_SHAPES
 * gives: -
 * breaks: -
 */
#include <math.h>
#include <string.h>

#include "passes.h"

/* Per-channel factor f and shift (beta - mean*f), computed in double. */
typedef struct BnCoef {
	int64_t m;
	double *f, *shift;
} BnCoef;

static int
f32_const(const Tensor *t, int64_t numel)
{
	return t && t->init && t->dtype == DT_F32 && t->rank >= 0 &&
	       (numel < 0 || tensor_numel(t) == numel);
}

/* Fills c for the m channels of bn. Returns 0, or -1 if a parameter is not
 * a float constant of m elements or the node is in training mode. */
static int
bn_coef(const Node *bn, int64_t m, BnCoef *c, Arena *a)
{
	if (bn->nin != 5 || attr_i(bn, "training_mode", 0) != 0)
		return -1;
	for (int j = 1; j < 5; j++)
		if (!f32_const(bn->in[j], m))
			return -1;
	const float *s = bn->in[1]->init, *b = bn->in[2]->init;
	const float *mean = bn->in[3]->init, *var = bn->in[4]->init;
	double eps = attr_f(bn, "epsilon", 1e-5f);
	c->m = m;
	c->f = arena_alloc(a, (size_t)m * sizeof *c->f);
	c->shift = arena_alloc(a, (size_t)m * sizeof *c->shift);
	for (int64_t o = 0; o < m; o++) {
		c->f[o] = (double)s[o] / sqrt((double)var[o] + eps);
		c->shift[o] = (double)b[o] - (double)mean[o] * c->f[o];
	}
	return 0;
}

/* A new float constant "<base>_bnfold_<k>" of the given shape, zero-filled,
 * in the graph arena. */
static Tensor *
new_const(Graph *g, const char *base, int rank, const int64_t *dim)
{
	Tensor *t = graph_new_tensor(g, arena_printf(g->arena, "%s_bnfold", base));
	tensor_set(t, DT_F32, rank, dim);
	t->init = arena_alloc(g->arena, tensor_bytes(t) ? tensor_bytes(t) : 1);
	return t;
}

/* Sets input k of n, growing n->in (in the graph arena) when needed. */
static void
set_input(Graph *g, Node *n, int k, Tensor *t)
{
	if (n->nin <= k) {
		Tensor **in = arena_alloc(g->arena, (size_t)(k + 1) * sizeof *in);
		memcpy(in, n->in, (size_t)n->nin * sizeof *in);
		n->in = in;
		n->nin = k + 1;
	}
	n->in[k] = t;
}

/* Conv: W is [M, C/group, k...], bias [M]. Returns 0 or -1 (not foldable). */
static int
fold_conv(Graph *g, Node *p, const Node *bn, Arena *a)
{
	Tensor *w = p->in[1], *b = p->nin > 2 ? p->in[2] : NULL;
	BnCoef c;
	if (!f32_const(w, -1) || w->rank < 1 || w->dim[0] != bn->in[0]->dim[1] ||
	    (b && !f32_const(b, w->dim[0])))
		return -1;
	if (bn_coef(bn, w->dim[0], &c, a) < 0)
		return -1;
	int64_t per = tensor_numel(w) / c.m;
	Tensor *w2 = new_const(g, w->name, w->rank, w->dim);
	Tensor *b2 = new_const(g, b ? b->name : arena_printf(g->arena, "%s_bias", p->name), 1, &c.m);
	const float *wv = w->init, *bv = b ? b->init : NULL;
	float *w2v = w2->init, *b2v = b2->init;
	for (int64_t o = 0; o < c.m; o++) {
		for (int64_t i = 0; i < per; i++)
			w2v[o * per + i] = (float)(wv[o * per + i] * c.f[o]);
		b2v[o] = (float)((bv ? bv[o] : 0.0) * c.f[o] + c.shift[o]);
	}
	p->in[1] = w2;
	set_input(g, p, 2, b2);
	return 0;
}

/* Gemm: Y = alpha*A'*B' + beta*C, output column o is B' column o. The folded
 * bias C' = beta*C*f + shift (C broadcast to M columns), so beta becomes 1. */
static int
fold_gemm_bias(Graph *g, Node *p, const BnCoef *c)
{
	Tensor *cc = p->nin > 2 ? p->in[2] : NULL;
	int64_t rows = 1, cols = 1, dim[2];
	if (cc) {
		if (!f32_const(cc, -1) || cc->rank > 2)
			return -1;
		cols = cc->rank ? cc->dim[cc->rank - 1] : 1;
		rows = cc->rank == 2 ? cc->dim[0] : 1;
		if (cols != 1 && cols != c->m)
			return -1;
	}
	dim[0] = rows;
	dim[1] = c->m;
	int rank = cc && cc->rank == 2 ? 2 : 1;
	Tensor *c2 = new_const(g, cc ? cc->name : arena_printf(g->arena, "%s_bias", p->name),
		rank, rank == 2 ? dim : dim + 1);
	const float *cv = cc ? cc->init : NULL;
	float *c2v = c2->init;
	double beta = attr_f(p, "beta", 1.0f);
	for (int64_t r = 0; r < rows; r++)
		for (int64_t o = 0; o < c->m; o++) {
			double v = cv ? beta * cv[r * cols + (cols == 1 ? 0 : o)] : 0.0;
			c2v[r * c->m + o] = (float)(v * c->f[o] + c->shift[o]);
		}
	set_input(g, p, 2, c2);
	for (int i = 0; i < p->nattr; i++)
		if (strcmp(p->attr[i].name, "beta") == 0) {
			p->attr[i].type = AT_FLOAT;
			p->attr[i].f = 1.0f;
		}
	return 0;
}

static int
fold_gemm(Graph *g, Node *p, const Node *bn, Arena *a)
{
	Tensor *w = p->in[1];
	int transb = attr_i(p, "transB", 0) != 0;
	BnCoef c;
	if (!f32_const(w, -1) || w->rank != 2)
		return -1;
	int64_t m = w->dim[transb ? 0 : 1], k = w->dim[transb ? 1 : 0];
	if (m != bn->in[0]->dim[1] || bn_coef(bn, m, &c, a) < 0 || fold_gemm_bias(g, p, &c) < 0)
		return -1;
	Tensor *w2 = new_const(g, w->name, 2, w->dim);
	const float *wv = w->init;
	float *w2v = w2->init;
	for (int64_t o = 0; o < m; o++)
		for (int64_t i = 0; i < k; i++) {
			int64_t at = transb ? o * k + i : i * m + o;
			w2v[at] = (float)(wv[at] * c.f[o]);
		}
	p->in[1] = w2;
	return 0;
}

/* The Conv/Gemm whose only reader is bn, or NULL. */
static Node *
bn_producer(const Node *bn)
{
	Tensor *x = bn->nin > 0 ? bn->in[0] : NULL;
	if (!x || !x->def || x->nuse != 1 || x->is_output || x->dtype != DT_F32 || x->rank < 2)
		return NULL;
	for (int j = 1; j < bn->nout; j++)
		if (bn->out[j] && (bn->out[j]->nuse || bn->out[j]->is_output))
			return NULL;
	Node *p = x->def;
	if (p->dead || p->act || p->nout < 1 || p->out[0] != x || p->nin < 2)
		return NULL;
	return p->op == OP_CONV || p->op == OP_GEMM ? p : NULL;
}

/* Returns 1 if bn was folded into its producer. */
static int
bnfold_node(Graph *g, Node *bn, Arena *a)
{
	Node *p = bn_producer(bn);
	if (!p || !bn->out[0])
		return 0;
	if (p->op == OP_CONV ? fold_conv(g, p, bn, a) : fold_gemm(g, p, bn, a))
		return 0;
	Tensor *x = bn->in[0], *y = bn->out[0];
	p->out[0] = y;
	y->def = p;
	x->def = NULL;
	x->nuse = 0;
	bn->dead = 1;
	return 1;
}

int
pass_bnfold(Graph *g, PassCtx *cx)
{
	Arena *a = cx && cx->scratch ? cx->scratch : g->arena;
	int folded = 0;
	graph_uses(g);
	for (int i = 0; i < g->nnode; i++) {
		Node *n = g->node[i];
		if (!n->dead && n->op == OP_BATCHNORM)
			folded += bnfold_node(g, n, a);
	}
	graph_compact(g);
	graph_uses(g);
	if (cx && cx->verbose && cx->diag)
		diag_note(cx->diag, "bnfold: folded %d BatchNormalization nodes", folded);
	return 0;
}
