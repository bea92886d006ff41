/* simplify.c: removes Identity and inference-mode Dropout by rewiring their
 * consumers to the input; graph outputs keep their ONNX names.
 * needs: IR_SHAPES
 * gives: -
 * breaks: -
 */
#include "passes.h"

/* Whether the producer of `to` may be made to write `from` instead: `to`
 * must come from a live node and be neither a graph input, a constant nor
 * a graph output of its own (that one keeps its name too). */
static int
can_rename(const Tensor *from, const Tensor *to)
{
	return from != to && to->def && !to->def->dead && !to->is_input &&
	       !to->init && !to->is_output;
}

static void
rewire_inputs(Graph *g, Tensor *from, Tensor *to)
{
	for (int i = 0; i < g->nnode; i++) {
		Node *n = g->node[i];
		if (n->dead)
			continue;
		for (int j = 0; j < n->nin; j++)
			if (n->in[j] == from)
				n->in[j] = to;
	}
}

/* The producer of `to` now writes `from`; every reader of `to` reads
 * `from`, and `to` is left orphaned (no producer, no readers). */
static void
rename_producer(Graph *g, Tensor *from, Tensor *to)
{
	Node *p = to->def;
	for (int j = 0; j < p->nout; j++)
		if (p->out[j] == to)
			p->out[j] = from;
	from->def = p;
	to->def = NULL;
	if (from->rank < 0) {
		tensor_set(from, to->dtype, to->rank, to->dim);
	}
	rewire_inputs(g, to, from);
}

/* Dead nodes are skipped, so a caller removing the node that produces `from`
 * marks it dead first. If `from` is a graph output and renaming is not
 * possible, the graph output becomes `to` and its ONNX name changes:
 * pass_simplify keeps such nodes instead. */
void
graph_replace_uses(Graph *g, Tensor *from, Tensor *to)
{
	if (from == to)
		return;
	if (from->is_output && can_rename(from, to)) {
		rename_producer(g, from, to);
		return;
	}
	rewire_inputs(g, from, to);
	if (!from->is_output)
		return;
	for (int i = 0; i < g->noutput; i++)
		if (g->output[i] == from)
			g->output[i] = to;
	from->is_output = 0;
	to->is_output = 1;
}

/* Dropout is the identity unless training_mode is set or not constant. */
static int
dropout_is_identity(const Node *n)
{
	if (n->nin < 3 || !n->in[2])
		return 1;
	if (!n->in[2]->init || tensor_numel(n->in[2]) != 1)
		return 0;
	return const_scalar(n->in[2]) == 0;
}

/* A used Dropout mask becomes a constant of ones (every element kept).
 * Returns 0, or -1 when the node must stay (mask is a graph output or its
 * shape is unknown). */
static int
dropout_mask_const(Graph *g, Node *n)
{
	Tensor *m = n->nout > 1 ? n->out[1] : NULL;
	if (!m || (m->nuse == 0 && !m->is_output))
		return 0;
	if (m->is_output || m->rank < 0 || !dtype_size(m->dtype))
		return -1;
	size_t k = (size_t)tensor_numel(m), sz = dtype_size(m->dtype);
	unsigned char *p = arena_alloc(g->arena, k > 0 ? k * sz : 1);
	for (size_t i = 0; i < k; i++) {
		switch (m->dtype) {
		case DT_F32: ((float *)p)[i] = 1.0f; break;
		case DT_F64: ((double *)p)[i] = 1.0; break;
		case DT_BOOL: case DT_U8: case DT_I8: p[i] = 1; break;
		default: return -1;
		}
	}
	m->init = p;
	m->def = NULL;
	return 0;
}

/* Removes node n (output = input 0) if the graph stays valid. */
static int
simplify_node(Graph *g, Node *n)
{
	Tensor *x = n->in[0], *y = n->out[0];
	if (!x || !y)
		return 0;
	if (y->is_output && !can_rename(y, x))
		return 0;
	if (n->op == OP_DROPOUT && (!dropout_is_identity(n) || dropout_mask_const(g, n) < 0))
		return 0;
	n->dead = 1;
	graph_replace_uses(g, y, x);
	return 1;
}

int
pass_simplify(Graph *g, PassCtx *cx)
{
	int removed = 0;
	graph_uses(g);
	for (int i = 0; i < g->nnode; i++) {
		Node *n = g->node[i];
		if (!n->dead && (n->op == OP_IDENTITY || n->op == OP_DROPOUT))
			removed += simplify_node(g, n);
	}
	graph_compact(g);
	graph_uses(g);
	if (cx && cx->verbose && cx->diag)
		diag_note(cx->diag, "simplify: removed %d Identity/Dropout nodes", removed);
	return 0;
}
