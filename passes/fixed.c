/* fixed.c: a plan's fixed-point formats applied to the canonical graph
 * (issue 6, APPROX.md §3). Every activation the plan names gets its format
 * (dtype int8/int16), every layer its weight format; a node computes on
 * codes when the integer kernels take it with the formats it was given
 * (compiler/ops/fx.c lowers it), else it stays float. Boundary nodes make
 * each side see what it needs: FxQuantize (float -> codes), FxDequantize
 * (codes -> float, also before graph outputs, which stay float unless the
 * plan says io "raw"), FxRequant (codes -> codes of another format, where an
 * op moves codes and so needs equal formats). Any combination of formats
 * is accepted: the optimizer changes one tensor at a time.
 * needs: IR_CANON (BN folded, activations fused)  gives: -  breaks: - */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axrt.h"
#include "calib.h"
#include "ops.h"

/* What docs/FIXED_POINT.md says the integer lowering takes. */
int
fixed_op_kind(const Node *n)
{
	int act = n->act;
	switch (n->op) {
	case OP_CONV:
		if (n->in[0]->rank < 3 || n->in[0]->rank > 5)
			return FXK_NONE;
		/* fall through */
	case OP_MATMUL:
		if (!fixed_weight_layer(n))
			return FXK_NONE;
		return act == AXRT_ACT_NONE || act == AXRT_ACT_RELU || act == AXRT_ACT_CLIP ||
			act == AXRT_ACT_LEAKYRELU ? FXK_ANY : FXK_NONE;
	case OP_GEMM:
		if (!fixed_weight_layer(n) || attr_f(n, "alpha", 1.0f) != 1.0f)
			return FXK_NONE;
		return act == AXRT_ACT_NONE || act == AXRT_ACT_RELU || act == AXRT_ACT_CLIP ||
			act == AXRT_ACT_LEAKYRELU ? FXK_ANY : FXK_NONE;
	case OP_MAXPOOL:
		return n->nout > 1 && n->out[1] ? FXK_NONE : FXK_ANY;
	case OP_ADD: case OP_MUL: case OP_SUM:
		return act == AXRT_ACT_NONE || act == AXRT_ACT_RELU || act == AXRT_ACT_CLIP ?
			FXK_ANY : FXK_NONE;
	case OP_AVERAGEPOOL: case OP_GLOBALAVERAGEPOOL: case OP_GLOBALMAXPOOL:
	case OP_SIGMOID: case OP_TANH: case OP_SOFTMAX:
	case OP_RELU: case OP_CLIP: case OP_LEAKYRELU:
	case OP_RESHAPE: case OP_FLATTEN: case OP_SQUEEZE: case OP_UNSQUEEZE:
	case OP_IDENTITY: case OP_DROPOUT:
		return FXK_ANY;
	case OP_PAD:
		/* pads with code 0 only */
		if (strcmp(attr_s(n, "mode", "constant"), "constant") != 0 ||
		    attr_f(n, "value", 0.0f) != 0.0f ||
		    (n->nin > 2 && n->in[2] && (!n->in[2]->init || const_scalar(n->in[2]) != 0.0)))
			return FXK_NONE;
		return FXK_SAME;
	case OP_CONCAT: case OP_TRANSPOSE: case OP_SLICE: case OP_SPLIT:
		return FXK_SAME;
	default:
		return FXK_NONE;
	}
}

int
fixed_tie(const Node *n)
{
	switch (n->op) {
	case OP_RESHAPE: case OP_FLATTEN: case OP_SQUEEZE: case OP_UNSQUEEZE:
	case OP_IDENTITY: case OP_DROPOUT:
	case OP_CONCAT: case OP_TRANSPOSE: case OP_SLICE: case OP_SPLIT: case OP_PAD:
	case OP_MAXPOOL: case OP_GLOBALMAXPOOL:
		return 1;
	default:
		return 0;
	}
}

/* Conv, Gemm, MatMul with float constant weights (MatMul: a 2-D B). */
int
fixed_weight_layer(const Node *n)
{
	if (n->op != OP_CONV && n->op != OP_GEMM && n->op != OP_MATMUL)
		return 0;
	if (n->nin < 2 || !n->in[0] || !n->in[1] || !n->in[1]->init || n->in[1]->dtype != DT_F32)
		return 0;
	if (n->op == OP_MATMUL && (n->in[1]->rank != 2 || n->in[0]->rank < 2))
		return 0;
	if (n->op == OP_GEMM && n->in[1]->rank != 2)
		return 0;
	return 1;
}

/* The weights' output-channel axis: Conv W[M, C/g, ...] dim 0, Gemm B[K, N]
 * dim 1 (dim 0 with transB), MatMul B[K, N] dim 1. */
int
fixed_weight_axis(const Node *n)
{
	if (n->op == OP_CONV)
		return 0;
	if (n->op == OP_GEMM)
		return attr_i(n, "transB", 0) ? 0 : 1;
	return 1;
}

/* Per-channel max |w| of layer n's weights into amax[0..channels). */
int64_t
fixed_weight_amax(const Node *n, float *amax)
{
	const Tensor *w = n->in[1];
	const float *v = w->init;
	int ax = fixed_weight_axis(n);
	int64_t m = w->dim[ax], inner = 1, all = tensor_numel(w);
	for (int k = ax + 1; k < w->rank; k++)
		inner *= w->dim[k];
	for (int64_t c = 0; c < m; c++)
		amax[c] = 0;
	for (int64_t i = 0; i < all; i++) {
		float a = fabsf(v[i]);
		int64_t c = (i / inner) % m;
		if (a > amax[c])
			amax[c] = a;
	}
	return m;
}

/* ---- applying ---- */

typedef struct Fx {
	Graph *g;
	const Plan *pl;
	Diag *d;
	int n0, t0;            /* nodes and tensors before the pass */
	char *isint;           /* per original node index: computes on codes */
} Fx;

static void
fmt_copy(Tensor *to, const Tensor *from)
{
	to->qbits = from->qbits;
	to->qfrac = from->qfrac;
	to->qround = from->qround;
}

static int
fmt_eq(const Tensor *a, const Tensor *b)
{
	return a->qbits == b->qbits && a->qfrac == b->qfrac;
}

static Tensor *
new_like(Fx *x, const Tensor *t, const char *suffix)
{
	Tensor *n = graph_new_tensor(x->g, arena_printf(x->g->arena, "%s_%s", t->name, suffix));
	tensor_set(n, t->dtype, t->rank, t->dim);
	return n;
}

/* A boundary node op(in) -> out. */
static Node *
boundary(Fx *x, int op, const char *optype, Tensor *in, Tensor *out)
{
	Node *n = graph_add_node(x->g, optype,
		arena_printf(x->g->arena, "%s_%s", out->name, optype), 1, 1);
	n->op = op;
	n->domain = "axcc";
	n->in[0] = in;
	n->out[0] = out;
	out->def = n;
	return n;
}

/* The plan layer whose removals reached layer n without a plan entry of
 * its own that removes any (a depthwise conv loses the channels of the
 * layer before it, prune_apply): the nearest plan layer up the first
 * inputs, if it removes channels out of nch. NULL: none. */
static const PlanLayer *
removal_from(const Plan *pl, const Node *n, int nch)
{
	for (const Tensor *t = n->nin ? n->in[0] : NULL; t && t->def; ) {
		const PlanLayer *L = plan_layer(pl, t->def->name);
		if (L)
			return L->nremoved > 0 && L->nch == nch ? L : NULL;
		t = t->def->nin ? t->def->in[0] : NULL;
	}
	return NULL;
}

/* Formats from the plan: activations by name, weights by layer. */
static int
set_formats(Fx *x)
{
	const Plan *pl = x->pl;
	int nerr = x->d->nerr;
	for (int i = 0; i < pl->ntensor; i++) {
		Tensor *t = graph_find(x->g, pl->tensor[i].name);
		if (!t)
			continue;              /* plan_apply reported it */
		if (t->init || t->dtype != DT_F32 || !graph_owns(x->g, t)) {
			diag_error(x->d, "plan: tensor '%s' is not a float activation", t->name);
			continue;
		}
		if (pl->tensor[i].f.frac < -FX_FRAC_MAX || pl->tensor[i].f.frac > FX_FRAC_MAX) {
			diag_error(x->d, "plan: tensor '%s' has %d fractional bits, expected %d to %d",
				t->name, pl->tensor[i].f.frac, -FX_FRAC_MAX, FX_FRAC_MAX);
			continue;
		}
		t->qbits = pl->tensor[i].f.bits;
		t->qfrac = pl->tensor[i].f.frac;
		t->qround = pl->rounding;
	}
	for (int i = 0; i < pl->nlayer; i++) {
		const PlanLayer *L = &pl->layer[i];
		Node *n = L->wbits ? graph_live_node(x->g, L->name) : NULL;
		if (!n)
			continue;
		if (!fixed_weight_layer(n)) {
			diag_node(x->d, n, "plan: weights of this layer cannot be fixed point "
				"(Conv, Gemm or MatMul with constant float weights only)");
			continue;
		}
		Tensor *w = n->in[1];
		w->qbits = L->wbits;
		w->qround = pl->rounding;
		w->qfrac = L->wfrac[0];
		w->qchfrac = NULL;
		w->qnch = 0;
		if (L->nwfrac <= 1)
			continue;
		/* per channel: the plan indexes original channels; pruning left
		 * the ones not in removed[] (of the layer, or of the one whose
		 * removals it takes) */
		int64_t m = w->dim[fixed_weight_axis(n)], k = 0;
		int *cf = arena_alloc(x->g->arena, (size_t)(m ? m : 1) * sizeof *cf);
		const PlanLayer *R = L;
		if (!L->nremoved && L->nwfrac != m && !(R = removal_from(pl, n, L->nwfrac)))
			R = L;
		for (int c = 0, r = 0; c < L->nwfrac; c++) {
			if (r < R->nremoved && R->removed[r] == c) {
				r++;
				continue;
			}
			if (k < m)
				cf[k] = L->wfrac[c];
			k++;
		}
		if (k != m) {
			diag_node(x->d, n, "plan: %d per-channel weight formats for %lld channels",
				L->nwfrac, (long long)m);
			continue;
		}
		w->qchfrac = cf;
		w->qnch = (int)m;
	}
	return x->d->nerr > nerr ? -1 : 0;
}

/* Whether node n can compute on codes with the formats it has now. */
static int
can_int(const Node *n)
{
	int k = fixed_op_kind(n);
	if (k == FXK_NONE)
		return 0;
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && !n->in[i]->init && n->in[i]->qbits <= 0)
			return 0;
	for (int i = 0; i < n->nout; i++)
		if (n->out[i] && n->out[i]->qbits <= 0)
			return 0;
	if (fixed_weight_layer(n) && n->in[1]->qbits <= 0)
		return 0;
	if (n->op == OP_SOFTMAX && (n->out[0]->qfrac < 0 || n->out[0]->qfrac > 40))
		return 0;
	/* ops that move codes need one format; Concat's inputs are requantized
	 * to the output's, a single-input mover's input too, but Split's
	 * outputs must agree among themselves */
	if (k == FXK_SAME && n->op == OP_SPLIT)
		for (int i = 1; i < n->nout; i++)
			if (n->out[i] && !fmt_eq(n->out[i], n->out[0]))
				return 0;
	/* Concat copies codes: a constant part would need codes of its own */
	if (n->op == OP_CONCAT)
		for (int i = 0; i < n->nin; i++)
			if (n->in[i] && n->in[i]->init)
				return 0;
	/* constants other than weights, bias and shape operands are quantized
	 * at lowering; only float ones */
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && n->in[i]->init && n->in[i]->dtype != DT_F32 &&
		    (n->op == OP_ADD || n->op == OP_MUL || n->op == OP_SUM))
			return 0;
	return 1;
}

/* A float node keeps float weights: a weight format on it becomes
 * quantize-dequantize of the weights (the node gets its own copy, as the
 * tensor may be shared). */
static void
fake_quant_weights(Fx *x, Node *n)
{
	Tensor *w = n->in[1];
	if (!fixed_weight_layer(n) || w->qbits <= 0)
		return;
	Tensor *c = new_like(x, w, "fq");
	float *v = arena_alloc(x->g->arena, tensor_bytes(w));
	const float *s = w->init;
	int ax = fixed_weight_axis(n);
	int64_t m = w->dim[ax], inner = 1, all = tensor_numel(w);
	for (int k = ax + 1; k < w->rank; k++)
		inner *= w->dim[k];
	for (int64_t i = 0; i < all; i++) {
		int64_t ch = (i / inner) % m;
		int f = w->qchfrac && ch < w->qnch ? w->qchfrac[ch] : w->qfrac;
		v[i] = axrt_fixed_dequant(axrt_fixed_quant(s[i], w->qbits, f, w->qround), f);
	}
	c->init = v;
	n->in[1] = c;
}

/* Tensor t (an original activation with a format) keeps its name and
 * holds codes -- it is stored in its format even between two float nodes,
 * as the plan says -- except a graph input or output without io "raw",
 * which holds floats. Boundary nodes connect its producer and each consumer
 * to the side it computes on. */
static void
rewire(Fx *x, Tensor *t)
{
	const Plan *pl = x->pl;
	Node *def = t->def;
	int prod_codes = def ? x->isint[def->id] : t->is_input && pl->io_raw;
	int hold_codes = t->is_input || t->is_output ? pl->io_raw : 1;
	Tensor *code = NULL, *flt = NULL, fmt = *t;
	if (!def && !t->is_input) {        /* nothing makes it (a dead branch) */
		t->qbits = t->qfrac = t->qround = 0;
		return;
	}
	if (hold_codes) {
		code = t;
		if (!prod_codes) {         /* a float producer */
			flt = new_like(x, t, "f");
			for (int k = 0; k < def->nout; k++)
				if (def->out[k] == t)
					def->out[k] = flt;
			flt->def = def;
			boundary(x, OP_FXQUANTIZE, "FxQuantize", flt, t);
		}
	} else {
		flt = t;
		t->qbits = t->qfrac = t->qround = 0;
		if (prod_codes) {          /* an integer producer */
			code = new_like(x, t, "q");
			fmt_copy(code, &fmt);
			for (int k = 0; k < def->nout; k++)
				if (def->out[k] == t)
					def->out[k] = code;
			code->def = def;
			boundary(x, OP_FXDEQUANTIZE, "FxDequantize", code, t);
		}
	}
	for (int i = 0; i < x->n0; i++) {
		Node *c = x->g->node[i];
		if (c->dead || c == def)
			continue;
		for (int j = 0; j < c->nin; j++) {
			if (c->in[j] != t)
				continue;
			if (x->isint[c->id] || c->op == OP_SHAPE || c->op == OP_SIZE) {
				if (!code) {       /* a float graph input */
					code = new_like(x, t, "q");
					fmt_copy(code, &fmt);
					boundary(x, OP_FXQUANTIZE, "FxQuantize", t, code);
				}
				c->in[j] = code;
			} else {
				if (!flt) {
					flt = new_like(x, t, "f");
					boundary(x, OP_FXDEQUANTIZE, "FxDequantize", t, flt);
				}
				c->in[j] = flt;
			}
		}
	}
}

/* Ops that move codes get their output's format on the input(s). */
static void
requant_inputs(Fx *x, Node *n)
{
	int nin = n->op == OP_CONCAT ? n->nin : 1;
	const Tensor *y = n->out[0];
	for (int i = 0; i < nin; i++) {
		Tensor *t = n->in[i];
		if (!t || t->init || fmt_eq(t, y))
			continue;
		Tensor *r = new_like(x, t, arena_printf(x->g->arena, "rq%d_%d", y->qbits, y->qfrac));
		fmt_copy(r, y);
		boundary(x, OP_FXREQUANT, "FxRequant", t, r);
		n->in[i] = r;
	}
}

int
fixed_apply(Graph *g, const Plan *pl, Diag *d)
{
	int any = pl->ntensor > 0;
	for (int i = 0; i < pl->nlayer; i++)
		any |= pl->layer[i].wbits > 0;
	if (!any)
		return 0;
	Fx x = {g, pl, d, g->nnode, g->ntensor, NULL};
	if (graph_toposort(g, d) < 0 || set_formats(&x) < 0)
		return -1;
	x.isint = calloc((size_t)g->nnode + 1, 1);
	if (!x.isint)
		die("out of memory");
	for (int i = 0; i < x.n0; i++)
		if (!g->node[i]->dead)
			x.isint[g->node[i]->id] = (char)can_int(g->node[i]);
	for (int i = 0; i < x.n0; i++)
		if (!g->node[i]->dead && !x.isint[g->node[i]->id])
			fake_quant_weights(&x, g->node[i]);
	for (int i = 0; i < x.t0; i++) {
		Tensor *t = g->tensor[i];
		if (t->qbits > 0 && !t->init)
			rewire(&x, t);
	}
	for (int i = 0; i < x.n0; i++)
		if (!g->node[i]->dead && x.isint[g->node[i]->id] && fixed_op_kind(g->node[i]) == FXK_SAME)
			requant_inputs(&x, g->node[i]);
	free(x.isint);
	/* codes are int8/int16; then the boundary nodes check their formats */
	for (int i = 0; i < g->ntensor; i++) {
		Tensor *t = g->tensor[i];
		if (!t->init && t->qbits > 0)
			t->dtype = t->qbits <= 8 ? DT_I8 : DT_I16;
	}
	int nerr = d->nerr;
	for (int i = x.n0; i < g->nnode; i++)
		optab[g->node[i]->op].infer(g->node[i], d);
	if (d->nerr > nerr || graph_toposort(g, d) < 0)
		return -1;
	graph_uses(g);
	return 0;
}
