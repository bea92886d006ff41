/* fuse.c: fuses an elementwise activation into the Conv or Gemm producing its
 * input (Node.act, run by those kernels' epilogue) when the activation is
 * the producer's only reader. MatMul and ConvTranspose are left alone.
 * needs: IR_SHAPES
 * gives: -
 * breaks: -
 */
#include <math.h>

#include "passes.h"
#include "axrt_core.h"

/* Clip bound from input k (opset >= 11) or attribute `name`; an absent
 * bound is +-inf. Returns 0, or -1 if the bound is not a float constant. */
static int
clip_bound(const Node *n, int k, const char *name, float absent, float *v)
{
	*v = absent;
	if (n->nin > k && n->in[k]) {
		const Tensor *t = n->in[k];
		if (!t->init || t->dtype != DT_F32 || t->rank < 0 || tensor_numel(t) != 1)
			return -1;
		*v = ((const float *)t->init)[0];
		return 0;
	}
	if (n->nin == 1)
		*v = attr_f(n, name, absent);
	return 0;
}

/* The AXRT_ACT_* of activation node n with its parameters, or -1 when n is
 * not a fusable activation. */
static int
fuse_act(const Node *n, float *alpha, float *beta)
{
	*alpha = *beta = 0;
	switch (n->op) {
	case OP_RELU: return AXRT_ACT_RELU;
	case OP_SIGMOID: return AXRT_ACT_SIGMOID;
	case OP_TANH: return AXRT_ACT_TANH;
	case OP_HARDSWISH: return AXRT_ACT_HARDSWISH;
	case OP_LEAKYRELU:
		*alpha = attr_f(n, "alpha", 0.01f);
		return AXRT_ACT_LEAKYRELU;
	case OP_HARDSIGMOID:
		*alpha = attr_f(n, "alpha", 0.2f);
		*beta = attr_f(n, "beta", 0.5f);
		return AXRT_ACT_HARDSIGMOID;
	case OP_CLIP:
		if (clip_bound(n, 1, "min", -INFINITY, alpha) < 0 ||
		    clip_bound(n, 2, "max", INFINITY, beta) < 0)
			return -1;
		return AXRT_ACT_CLIP;
	default:
		return -1;
	}
}

/* The Conv/Gemm that may absorb activation n, or NULL. */
static Node *
fuse_producer(const Node *n)
{
	Tensor *x = n->nin > 0 ? n->in[0] : NULL;
	if (!x || !x->def || x->nuse != 1 || x->is_output || x->dtype != DT_F32)
		return NULL;
	if (n->nout < 1 || !n->out[0])
		return NULL;
	Node *p = x->def;
	if (p->dead || p->act != AXRT_ACT_NONE || p->nout < 1 || p->out[0] != x)
		return NULL;
	return p->op == OP_CONV || p->op == OP_GEMM ? p : NULL;
}

/* Returns 1 if n was fused into its producer. */
static int
fuse_node(Node *n)
{
	float alpha, beta;
	Node *p = fuse_producer(n);
	int act = p ? fuse_act(n, &alpha, &beta) : -1;
	if (act < 0)
		return 0;
	Tensor *x = n->in[0], *y = n->out[0];
	p->act = act;
	p->act_alpha = alpha;
	p->act_beta = beta;
	p->out[0] = y;
	y->def = p;
	x->def = NULL;
	x->nuse = 0;
	n->dead = 1;
	return 1;
}

int
pass_fuse(Graph *g, PassCtx *cx)
{
	int fused = 0;
	graph_uses(g);
	for (int i = 0; i < g->nnode; i++)
		if (!g->node[i]->dead)
			fused += fuse_node(g->node[i]);
	graph_compact(g);
	graph_uses(g);
	if (cx && cx->verbose && cx->diag)
		diag_note(cx->diag, "fuse: fused %d activations", fused);
	return 0;
}
