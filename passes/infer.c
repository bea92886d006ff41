/* infer.c: resolves op types, then infers every node's output types and
 * shapes in topological order, folding nodes whose inputs are all constant
 * by running their kernels in the interpreter (one arithmetic).
 * needs: -   gives: IR_SHAPES IR_FOLDED   breaks: - */
#include <stdlib.h>
#include <string.h>

#include "passes.h"

#define FOLD_MAX_BYTES ((size_t)256 << 20)
#define MAX_NUMEL ((int64_t)1 << 31)

/* Every unsupported op is reported in one run: one error per distinct
 * op type (naming its first node), with how many nodes use it. */
static int
resolve_ops(Graph *g, Diag *d)
{
	int nerr = d->nerr;
	for (int i = 0; i < g->nnode; i++) {
		Node *n = g->node[i];
		int training = !strcmp(n->domain, "ai.onnx.preview.training") &&
			(!strcmp(n->optype, "Adagrad") || !strcmp(n->optype, "Adam") ||
			 !strcmp(n->optype, "Momentum") || !strcmp(n->optype, "Gradient"));
		if (!*n->domain || !strcmp(n->domain, "ai.onnx")) {
			if (g->opset == 0) {
				diag_node(d, n, "the model imports no version of the default ONNX domain");
				continue;
			}
		} else if (!training) {
			diag_node(d, n, "domain '%s' is not supported (only the default ONNX domain is)", n->domain);
			continue;
		}
		n->op = op_lookup(n->optype);
		if (n->op != OP_UNKNOWN)
			continue;
		int first = 1, more = 0;
		for (int j = 0; j < g->nnode; j++) {
			if (strcmp(g->node[j]->optype, n->optype) != 0)
				continue;
			if (j < i)
				first = 0;
			else if (j > i)
				more++;
		}
		if (!first)
			continue;
		if (more)
			diag_node(d, n, "unsupported op (also used by %d more node%s)", more, more > 1 ? "s" : "");
		else
			diag_node(d, n, "unsupported op");
	}
	return d->nerr > nerr ? -1 : 0;
}

int
fold_node(Graph *g, Node *n, Diag *d)
{
	Program *p = prog_lower_node(g, n, d);
	if (!p)
		return -1;
	prog_plan(p);
	void *arena = xmalloc(p->arena_bytes + 16);
	void *outs[NODE_MAXIO];
	for (int i = 0, k = 0; i < n->nout; i++)
		if (n->out[i])
			outs[k++] = n->out[i]->init = arena_alloc(g->arena, tensor_bytes(n->out[i]));
	int rc = prog_run(p, NULL, outs, arena);
	free(arena);
	prog_free(p);
	if (rc != 0) {
		for (int i = 0; i < n->nout; i++)
			if (n->out[i])
				n->out[i]->init = NULL;
		return diag_node(d, n, "evaluating the constant node failed (kernel status %d)", rc);
	}
	for (int i = 0; i < n->nout; i++)
		if (n->out[i])
			n->out[i]->def = NULL;
	n->dead = 1;
	return 0;
}

/* Shape and Size depend only on the (static) input shape: their outputs
 * are constants as soon as the input shape is known. */
static int
fold_shape_of(Graph *g, Node *n)
{
	Tensor *x = n->in[0], *y = n->out[0];
	if (!y || y->init || y->is_output)
		return 0;
	if (!strcmp(n->optype, "Size")) {
		int64_t v = tensor_numel(x);
		y->init = arena_memdup(g->arena, &v, sizeof v);
	} else {
		int64_t v[IR_MAXRANK], r = x->rank;
		int64_t st = attr_i(n, "start", 0), en = attr_i(n, "end", r);
		st = st < 0 ? st + r : st;
		en = en < 0 ? en + r : en;
		st = st < 0 ? 0 : st > r ? r : st;
		en = en < 0 ? 0 : en > r ? r : en;
		int k = 0;
		for (int64_t i = st; i < en; i++)
			v[k++] = x->dim[i];
		if (y->dtype != DT_I64 || y->rank != 1 || y->dim[0] != k)
			die("Shape inference disagrees with its folding");
		y->init = arena_memdup(g->arena, v, (k ? k : 1) * sizeof *v);
	}
	y->def = NULL;
	n->dead = 1;
	return 1;
}

static int
foldable(const Node *n)
{
	int nconst = 0;
	size_t bytes = 0;
	if (n->op == OP_DEQUANTIZELINEAR)
		return 0;   /* passes/qdq.c reads the codes, then folds the rest */
	for (int i = 0; i < n->nin; i++) {
		if (!n->in[i])
			continue;
		if (!n->in[i]->init)
			return 0;
		nconst++;
	}
	for (int i = 0; i < n->nout; i++) {
		if (n->out[i] && n->out[i]->is_output)
			return 0;   /* keep graph outputs computed by the program */
		if (n->out[i])
			bytes += tensor_bytes(n->out[i]);
	}
	return nconst > 0 && bytes <= FOLD_MAX_BYTES;
}


int
infer_node(Graph *g, Node *n, Diag *d)
{
	if (n->op <= OP_UNKNOWN || n->op >= NOP)
		n->op = op_lookup(n->optype);
	if (n->op == OP_UNKNOWN)
		return diag_node(d, n, "unsupported op");
	const OpDef *od = &optab[n->op];
	int nin = n->nin;
	while (nin > 0 && !n->in[nin - 1])
		nin--;   /* trailing absent optional inputs */
	if (nin < od->min_in || (od->max_in >= 0 && nin > od->max_in)) {
		if (od->max_in < 0)
			return diag_node(d, n, "has %d inputs, expected at least %d", nin, od->min_in);
		return diag_node(d, n, "has %d inputs, expected %d to %d", nin, od->min_in, od->max_in);
	}
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && (n->in[i]->rank < 0 || n->in[i]->dtype == DT_UNDEF))
			return -1;   /* its producer failed and was reported */
	if (inline_wants(n))
		return inline_node(g, n, d);   /* splices the body (or the rewrite) after n */
	if (od->infer(n, d) < 0)
		return -1;
	for (int i = 0; i < n->nout; i++) {
		Tensor *t = n->out[i];
		if (!t)
			continue;
		if (t->rank < 0 || t->dtype == DT_UNDEF)
			die("%s (%s): inference left output %d unset", n->name, n->optype, i);
		int64_t e = 1;
		for (int k = 0; k < t->rank; k++) {
			if (t->dim[k] < 0 || mul_overflows(e, t->dim[k], MAX_NUMEL))
				return diag_node(d, n, "output '%s' would have a negative or too large dimension", t->name);
			e *= t->dim[k];
		}
	}
	if (!strcmp(n->optype, "Shape") || !strcmp(n->optype, "Size"))
		if (fold_shape_of(g, n))
			return 0;
	if (foldable(n))
		return fold_node(g, n, d);
	return 0;
}

int
pass_infer(Graph *g, PassCtx *cx)
{
	Diag *d = cx->diag;
	if (resolve_ops(g, d) < 0)
		return -1;
	int nerr = d->nerr;
	for (int i = 0; i < g->nnode; i++)
		if (!g->node[i]->dead)
			infer_node(g, g->node[i], d);
	if (d->nerr == nerr && inline_flatten_outputs(g, d) == 0)
		for (int i = 0; i < g->nnode; i++)
			if (!g->node[i]->dead && g->node[i]->out[0] && g->node[i]->out[0]->rank < 0)
				infer_node(g, g->node[i], d);   /* the flattening's copies */
	graph_compact(g);
	return d->nerr > nerr ? -1 : 0;
}
