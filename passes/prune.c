/* prune.c: the channel map of filter pruning (APPROX.md §2): union-find over
 * single channels of every activation, the units the optimizer prunes, and
 * the calibration means used for compensation. prune_apply.c rewrites the
 * graph from it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axrt.h"
#include "ops.h"
#include "prune.h"
#include "window.h"

/* ---- the channel map ---- */

static int
is_space(const Tensor *t)
{
	return t && !t->init && t->dtype == DT_F32 && t->rank >= 2 && t->dim[1] > 0;
}

int64_t
prune_hw(const Tensor *t)
{
	int64_t hw = 1;
	for (int k = 2; k < t->rank; k++)
		hw *= t->dim[k];
	return hw;
}

int
prune_find(PruneMap *m, int e)
{
	while (m->par[e] != e) {
		m->par[e] = m->par[m->par[e]];
		e = m->par[e];
	}
	return e;
}

static void
unite(PruneMap *m, int a, int b)
{
	if (NEVER(a < 0 || b < 0))
		return;
	a = prune_find(m, a);
	b = prune_find(m, b);
	if (a == b)
		return;
	if (a > b) {
		int t = a; a = b; b = t;
	}
	m->par[b] = a;   /* the lower element stays root: deterministic */
	if (!m->note[a])
		m->note[a] = m->note[b];
}

static int
el(const PruneMap *m, const Tensor *t, int64_t c)
{
	return m->base[t->id] < 0 ? -1 : m->base[t->id] + (int)c;
}

static void
taint(PruneMap *m, const Tensor *t, const char *note)
{
	if (!t || m->base[t->id] < 0)
		return;
	for (int c = 0; c < m->nch[t->id]; c++) {
		int r = prune_find(m, el(m, t, c));
		if (!m->note[r])
			m->note[r] = note;
	}
}

static void
taint_node(PruneMap *m, const Node *n, const char *why)
{
	const char *note = arena_printf(m->g->arena, "node '%s' (%s) %s", n->name, n->optype, why);
	for (int i = 0; i < n->nin; i++)
		taint(m, n->in[i], note);
	for (int i = 0; i < n->nout; i++)
		taint(m, n->out[i], note);
}

/* Channel c of a joins channel c of b, for every c (same count). */
static int
unite_all(PruneMap *m, const Tensor *a, const Tensor *b)
{
	if (m->base[a->id] < 0 || m->base[b->id] < 0 || m->nch[a->id] != m->nch[b->id])
		return -1;
	for (int c = 0; c < m->nch[a->id]; c++)
		unite(m, el(m, a, c), el(m, b, c));
	return 0;
}

int
prune_is_producer(const Node *n)
{
	const Tensor *w = n->nin > 1 ? n->in[1] : NULL, *x = n->nin > 0 ? n->in[0] : NULL;
	if (!w || !w->init || w->dtype != DT_F32 || !x || !n->out[0] || n->out[0]->dtype != DT_F32)
		return 0;
	switch (n->op) {
	case OP_CONV:
		return attr_i(n, "group", 1) == 1 && w->rank >= 3 && x->rank == w->rank;
	case OP_GEMM:
		return attr_i(n, "transA", 0) == 0 && w->rank == 2 && x->rank == 2 &&
			(n->nin < 3 || !n->in[2] || (n->in[2]->init && n->in[2]->rank <= 2));
	case OP_MATMUL:
		return w->rank == 2 && x->rank == 2;
	default:
		return 0;
	}
}

int
prune_is_grouped(const Node *n)
{
	const Tensor *w = n->nin > 1 ? n->in[1] : NULL;
	return n->op == OP_CONV && attr_i(n, "group", 1) > 1 && w && w->init &&
		w->dtype == DT_F32 && (n->nin < 3 || !n->in[2] || n->in[2]->init);
}

/* Ops that keep every channel where it is and read one activation. */
int
prune_passthrough(const Node *n)
{
	switch (n->op) {
	case OP_RELU: case OP_LEAKYRELU: case OP_ELU: case OP_SELU: case OP_SIGMOID:
	case OP_HARDSIGMOID: case OP_HARDSWISH: case OP_TANH: case OP_SOFTPLUS:
	case OP_CLIP: case OP_EXP: case OP_LOG: case OP_SQRT: case OP_ABS: case OP_NEG:
	case OP_RECIPROCAL: case OP_ERF: case OP_IDENTITY: case OP_DROPOUT: case OP_CELU:
	case OP_THRESHOLDEDRELU: case OP_SHRINK: case OP_SOFTSIGN: case OP_MISH:
	case OP_SIGN: case OP_CEIL: case OP_FLOOR: case OP_ROUND:
	case OP_MAXPOOL: case OP_AVERAGEPOOL: case OP_GLOBALAVERAGEPOOL:
	case OP_GLOBALMAXPOOL: case OP_LPPOOL: case OP_GLOBALLPPOOL:
	case OP_PAD: case OP_RESIZE: case OP_UPSAMPLE:
	case OP_REDUCEMEAN: case OP_REDUCEMAX: case OP_REDUCEMIN: case OP_REDUCESUM:
	case OP_SQUEEZE: case OP_UNSQUEEZE:
	case OP_BATCHNORM: case OP_INSTANCENORM:
		return 1;
	default:
		return 0;
	}
}

/* The axes an op reduces/squeezes (attribute or input 1), normalized to
 * rank r; returns the count, -1 when unknown, 0 with none given. */
static int
op_axes(const Node *n, int r, int64_t *ax)
{
	const int64_t *v;
	int k = attr_ints(n, "axes", &v);
	if (k >= 0) {
		if (k > IR_MAXRANK)
			return -1;
		memcpy(ax, v, (size_t)k * sizeof *ax);
	} else if (n->nin > 1 && n->in[1]) {
		k = const_ints(n->in[1], ax, IR_MAXRANK);
	} else {
		k = 0;
	}
	for (int i = 0; i < k; i++)
		if (ax[i] < 0)
			ax[i] += r;
	return k;
}

/* Whether pass-through op n really keeps axes 0 and 1 in place. */
int
prune_keeps_channels(const Node *n)
{
	const Tensor *x = n->in[0], *y = n->out[0];
	int64_t ax[IR_MAXRANK];
	if (!is_space(y) || x->dim[0] != y->dim[0] || x->dim[1] != y->dim[1])
		return 0;
	switch (n->op) {
	case OP_REDUCEMEAN: case OP_REDUCEMAX: case OP_REDUCEMIN: case OP_REDUCESUM:
	case OP_SQUEEZE: case OP_UNSQUEEZE: {
		int k = op_axes(n, n->op == OP_UNSQUEEZE ? y->rank : x->rank, ax);
		if (k <= 0)
			return 0;   /* all axes (reduce) or unknown */
		for (int i = 0; i < k; i++)
			if (ax[i] == 0 || ax[i] == 1)
				return 0;
		return 1;
	}
	case OP_PAD: {
		int64_t p[2 * IR_MAXRANK];
		int k = n->nin > 1 && n->in[1] ? const_ints(n->in[1], p, 2 * IR_MAXRANK) : -1;
		if (k < 0) {
			const int64_t *v;
			k = attr_ints(n, "pads", &v);
			if (k < 0 || k > 2 * IR_MAXRANK)
				return 0;
			memcpy(p, v, (size_t)k * sizeof *p);
		}
		return k == 2 * x->rank && p[1] == 0 && p[x->rank + 1] == 0;
	}
	default:
		return 1;
	}
}

/* Flatten (axis 1) or a Reshape to [N, rest]: feature f of y is channel
 * f / hw of x. */
int
prune_is_flatten(const Node *n)
{
	const Tensor *x = n->in[0], *y = n->out[0];
	if (!is_space(y) || y->rank != 2 || x->dim[0] != y->dim[0])
		return 0;
	if (n->op == OP_FLATTEN)
		return attr_i(n, "axis", 1) == 1 || attr_i(n, "axis", 1) == 1 - x->rank;
	if (n->op == OP_RESHAPE)
		return tensor_numel(x) == tensor_numel(y) && x->rank >= 2;
	return 0;
}

/* The offset of channel 0 of output k of a Split on axis 1. */
int64_t
prune_split_off(const Node *n, int k)
{
	int64_t off = 0;
	for (int i = 0; i < k; i++)
		off += n->out[i] ? n->out[i]->dim[1] : 0;
	return off;
}

int
prune_slice_param(const Node *n, int i, const char *name, int64_t *v)
{
	if (n->nin > i && n->in[i])
		return const_ints(n->in[i], v, IR_MAXRANK);
	const int64_t *a;
	int k = attr_ints(n, name, &a);
	if (k < 0 || k > IR_MAXRANK)
		return -1;
	memcpy(v, a, (size_t)k * sizeof *v);
	return k;
}

int
prune_slice_axis1(const Node *n, int64_t *start, int *idx)
{
	int64_t st[IR_MAXRANK], ax[IR_MAXRANK], sp[IR_MAXRANK];
	const Tensor *x = n->in[0];
	int k = prune_slice_param(n, 1, "starts", st);
	int ka = prune_slice_param(n, 3, "axes", ax);
	int ks = n->nin > 4 && n->in[4] ? const_ints(n->in[4], sp, IR_MAXRANK) : 0;
	if (k < 0 || ka == -1 || ks < 0)
		return -1;
	for (int i = 0; i < k; i++) {
		int64_t a = ka > 0 ? ax[i] : i;
		if (a < 0)
			a += x->rank;
		if (a == 0)
			return -1;
		if (a != 1)
			continue;
		if (ks > 0 && sp[i] != 1)
			return -1;
		int64_t s = st[i] < 0 ? st[i] + x->dim[1] : st[i];
		*start = s < 0 ? 0 : s > x->dim[1] ? x->dim[1] : s;
		*idx = i;
		return 1;
	}
	return 0;
}

/* Binary elementwise: activations of the output's rank and channel count
 * join it; broadcast ones (1 channel) and constants do not. */
static void
map_join(PruneMap *m, const Node *n)
{
	const Tensor *y = n->out[0];
	for (int i = 0; i < n->nin; i++) {
		const Tensor *x = n->in[i];
		if (!x || x->init)
			continue;
		if (x->rank == y->rank && x->dim[1] == y->dim[1] && x->dim[0] == y->dim[0]) {
			if (unite_all(m, x, y) < 0)
				taint_node(m, n, "joins tensors whose channels are not mapped");
		} else if (x->rank == y->rank ? x->dim[1] != 1 : x->rank > 1 && tensor_numel(x) > 1) {
			taint_node(m, n, "broadcasts an activation across channels");
		}
	}
}

static void
map_node(PruneMap *m, Node *n)
{
	Tensor *x = n->nin > 0 ? n->in[0] : NULL, *y = n->nout > 0 ? n->out[0] : NULL;
	if (!y || !is_space(y)) {
		for (int i = 0; i < n->nin; i++)
			if (n->in[i] && m->base[n->in[i]->id] >= 0 && !prune_is_producer(n))
				taint_node(m, n, "reads channels it does not keep");
		return;
	}
	if (prune_is_producer(n))
		return;   /* fresh output channels; the input's are read, not kept */
	if (prune_is_grouped(n) && m->base[x->id] >= 0) {
		int64_t gr = attr_i(n, "group", 1), cg = x->dim[1] / gr, og = y->dim[1] / gr;
		for (int64_t j = 0; j < gr; j++) {
			for (int64_t c = 0; c < cg; c++)
				unite(m, el(m, x, j * cg + c), el(m, y, j * og));
			for (int64_t o = 1; o < og; o++)
				unite(m, el(m, y, j * og + o), el(m, y, j * og));
		}
		return;
	}
	switch (n->op) {
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_SUM: case OP_MAX:
	case OP_MIN: case OP_MEAN: case OP_PRELU: case OP_POW:
		map_join(m, n);
		return;
	case OP_CONCAT: {
		int64_t axis = attr_i(n, "axis", 0), off = 0;
		if (axis < 0)
			axis += y->rank;
		for (int i = 0; i < n->nin; i++) {
			if (!n->in[i] || m->base[n->in[i]->id] < 0) {
				taint_node(m, n, "joins a tensor whose channels are not mapped");
				return;
			}
			if (axis != 1 && unite_all(m, n->in[i], y) < 0)
				taint_node(m, n, "joins tensors whose channels are not mapped");
			for (int64_t c = 0; axis == 1 && c < n->in[i]->dim[1]; c++)
				unite(m, el(m, n->in[i], c), el(m, y, off + c));
			off += n->in[i]->dim[1];
		}
		return;
	}
	case OP_SPLIT: {
		int64_t axis = attr_i(n, "axis", 0);
		if (axis < 0)
			axis += x->rank;
		for (int k = 0; k < n->nout; k++) {
			Tensor *o = n->out[k];
			if (!o || m->base[o->id] < 0)
				continue;
			if (axis != 1 && unite_all(m, x, o) < 0)
				taint_node(m, n, "does not map channels");
			for (int64_t c = 0; axis == 1 && c < o->dim[1]; c++)
				unite(m, el(m, x, prune_split_off(n, k) + c), el(m, o, c));
		}
		return;
	}
	case OP_SLICE: {
		int64_t s = 0;
		int idx, r = x->dim[0] == y->dim[0] ? prune_slice_axis1(n, &s, &idx) : -1;
		if (r < 0)
			taint_node(m, n, "slices channels with a step or on an unknown axis");
		else if (r == 0)
			unite_all(m, x, y);
		for (int64_t c = 0; r == 1 && c < y->dim[1]; c++)
			unite(m, el(m, x, s + c), el(m, y, c));
		return;
	}
	case OP_FLATTEN: case OP_RESHAPE:
		if (x->rank == 2 && tensor_same_shape(x, y)) {
			unite_all(m, x, y);
		} else if (prune_is_flatten(n)) {
			int64_t hw = prune_hw(x);
			for (int64_t f = 0; f < y->dim[1]; f++)
				unite(m, el(m, x, f / hw), el(m, y, f));
		} else {
			taint_node(m, n, "reshapes channels (not mapped)");
		}
		return;
	default:
		if (prune_passthrough(n) && x && is_space(x) && prune_keeps_channels(n)) {
			unite_all(m, x, y);
			return;
		}
		taint_node(m, n, "does not map channels");
	}
}

void
prune_map(Graph *g, Arena *a, PruneMap *m)
{
	memset(m, 0, sizeof *m);
	m->g = g;
	int nt = g->ntensor ? g->ntensor : 1;
	m->base = arena_alloc(a, nt * sizeof *m->base);
	m->nch = arena_alloc(a, nt * sizeof *m->nch);
	m->use = arena_alloc(a, nt * sizeof *m->use);
	m->nuse = arena_alloc(a, nt * sizeof *m->nuse);
	for (int i = 0; i < g->ntensor; i++) {
		Tensor *t = g->tensor[i];
		m->base[i] = -1;
		if (is_space(t)) {
			m->base[i] = m->nel;
			m->nch[i] = (int)t->dim[1];
			m->nel += m->nch[i];
		}
	}
	m->par = arena_alloc(a, (m->nel ? m->nel : 1) * sizeof *m->par);
	m->note = arena_alloc(a, (m->nel ? m->nel : 1) * sizeof *m->note);
	for (int e = 0; e < m->nel; e++)
		m->par[e] = e;
	for (int i = 0; i < g->nnode; i++) {
		Node *n = g->node[i];
		for (int j = 0; j < n->nin && !n->dead; j++)
			if (n->in[j])
				m->nuse[n->in[j]->id]++;
	}
	for (int i = 0; i < g->ntensor; i++)
		m->use[i] = arena_alloc(a, (m->nuse[i] ? m->nuse[i] : 1) * sizeof **m->use), m->nuse[i] = 0;
	for (int i = 0; i < g->nnode; i++) {
		Node *n = g->node[i];
		for (int j = 0; j < n->nin && !n->dead; j++) {
			Tensor *t = n->in[j];
			if (t && (!m->nuse[t->id] || m->use[t->id][m->nuse[t->id] - 1] != n))
				m->use[t->id][m->nuse[t->id]++] = n;
		}
	}
	for (int i = 0; i < g->nnode; i++)
		if (!g->node[i]->dead)
			map_node(m, g->node[i]);
	for (int i = 0; i < g->ninput; i++)
		taint(m, g->input[i], arena_printf(g->arena, "its channels come from graph input '%s'",
			g->input[i]->name));
	for (int i = 0; i < g->noutput; i++)
		taint(m, g->output[i], arena_printf(g->arena, "its channels reach graph output '%s'",
			g->output[i]->name));
}

Tensor *
prune_mean_at(const PruneMap *m, Tensor *t)
{
	for (;;) {
		if (t->is_output || m->nuse[t->id] != 1)
			return t;
		Node *n = m->use[t->id][0];
		int single = 1;
		for (int j = 1; j < n->nin; j++)
			if (n->in[j] && !n->in[j]->init)
				single = 0;
		int bin = n->op == OP_ADD || n->op == OP_SUB || n->op == OP_MUL || n->op == OP_DIV ||
			n->op == OP_PRELU || n->op == OP_MAX || n->op == OP_MIN;
		if (!single || n->in[0] != t || !(prune_passthrough(n) || bin) || !n->out[0] ||
		    !is_space(n->out[0]) || !prune_keeps_channels(n) || n->op == OP_BATCHNORM ||
		    n->op == OP_INSTANCENORM || (bin && !tensor_same_shape(t, n->out[0])))
			return t;
		t = n->out[0];
	}
}

/* ---- units ---- */

static int
pfind(int *p, int i)
{
	while (p[i] != i)
		i = p[i] = p[p[i]];
	return i;
}

/* MACs and parameters one element of channel space costs in node n:
 * added to cost[root] for every channel n produces or reads with weights. */
static void
add_costs(PruneMap *m, const Node *n, int64_t *macs, int64_t *params)
{
	const Tensor *x = n->in[0], *w = n->in[1], *y = n->out[0];
	int hasb = n->nin > 2 && n->in[2];
	if (prune_is_producer(n) && y->dim[1] > 0 && x->dim[1] > 0) {
		int64_t o = y->dim[1], cin = x->dim[1];
		int64_t wo = tensor_numel(w) / o, ny = tensor_numel(y);
		for (int64_t c = 0; c < o && m->base[y->id] >= 0; c++) {
			int r = prune_find(m, el(m, y, c));
			macs[r] += ny / o * wo;
			params[r] += wo + hasb;
		}
		for (int64_t c = 0; c < cin && m->base[x->id] >= 0; c++) {
			int r = prune_find(m, el(m, x, c));
			macs[r] += ny * (tensor_numel(w) / (o * cin));
			params[r] += tensor_numel(w) / cin;
		}
	} else if (prune_is_grouped(n) && m->base[y->id] >= 0 && attr_i(n, "group", 1) <= y->dim[1]) {
		int64_t gr = attr_i(n, "group", 1), o = y->dim[1], og = o / gr;
		int64_t per = tensor_numel(w) / o;
		for (int64_t j = 0; j < gr; j++) {
			int r = prune_find(m, el(m, y, j * og));
			macs[r] += tensor_numel(y) / o * og * per;
			params[r] += og * (per + hasb);
		}
	}
}

static PruneUnit *
units_build(PruneMap *m, Arena *a, int *nu)
{
	Graph *g = m->g;
	int np = 0;
	Node **prod = arena_alloc(a, (g->nnode ? g->nnode : 1) * sizeof *prod);
	for (int i = 0; i < g->nnode; i++)
		if (!g->node[i]->dead && prune_is_producer(g->node[i]) && m->base[g->node[i]->out[0]->id] >= 0)
			prod[np++] = g->node[i];
	int *pp = arena_alloc(a, (np ? np : 1) * sizeof *pp);
	int *owner = arena_alloc(a, (m->nel ? m->nel : 1) * sizeof *owner);
	for (int e = 0; e < m->nel; e++)
		owner[e] = -1;
	for (int i = 0; i < np; i++) {
		pp[i] = i;
		const Tensor *y = prod[i]->out[0];
		for (int c = 0; c < m->nch[y->id]; c++) {
			int r = prune_find(m, el(m, y, c));
			if (owner[r] < 0)
				owner[r] = i;
			else
				pp[pfind(pp, i)] = pfind(pp, owner[r]);
		}
	}
	int64_t *macs = arena_alloc(a, (m->nel ? m->nel : 1) * sizeof *macs);
	int64_t *params = arena_alloc(a, (m->nel ? m->nel : 1) * sizeof *params);
	for (int i = 0; i < g->nnode; i++)
		if (!g->node[i]->dead)
			add_costs(m, g->node[i], macs, params);
	PruneUnit *u = arena_alloc(a, (np ? np : 1) * sizeof *u);
	int *uid = arena_alloc(a, (np ? np : 1) * sizeof *uid);
	int *chof = arena_alloc(a, (m->nel ? m->nel : 1) * sizeof *chof);
	int n = 0, *ur = arena_alloc(a, (np ? np : 1) * sizeof *ur);
	for (int i = 0; i < np; i++)
		ur[i] = -1;
	for (int i = 0; i < np; i++) {   /* units numbered by their first producer */
		int root = pfind(pp, i);
		if (ur[root] < 0)
			ur[root] = n++;
		uid[i] = ur[root];
		u[uid[i]].nlayer++;
	}
	for (int k = 0; k < n; k++) {
		u[k].layer = arena_alloc(a, u[k].nlayer * sizeof *u[k].layer);
		u[k].lnch = arena_alloc(a, u[k].nlayer * sizeof *u[k].lnch);
		u[k].lcls = arena_alloc(a, u[k].nlayer * sizeof *u[k].lcls);
		u[k].nlayer = 0;
		u[k].prunable = 1;
	}
	int64_t *tm = arena_alloc(a, (n ? n : 1) * sizeof *tm), *tp = arena_alloc(a, (n ? n : 1) * sizeof *tp);
	for (int i = 0; i < np; i++) {
		PruneUnit *U = &u[uid[i]];
		const Tensor *y = prod[i]->out[0];
		int l = U->nlayer++, nc = m->nch[y->id];
		U->layer[l] = prod[i]->name;
		U->lnch[l] = nc;
		U->lcls[l] = arena_alloc(a, nc * sizeof(int));
		for (int c = 0; c < nc; c++) {
			int r = prune_find(m, el(m, y, c));
			if (owner[r] == i && !(chof[r] & 1)) {   /* a unit channel seen first here */
				chof[r] = 2 * U->nch + 1;
				U->nch++;
				tm[uid[i]] += macs[r];
				tp[uid[i]] += params[r];
				if (m->note[r] && U->prunable) {
					U->prunable = 0;
					U->note = m->note[r];
				}
			}
			U->lcls[l][c] = chof[r] >> 1;
		}
	}
	for (int k = 0; k < n; k++) {
		u[k].macs_per_ch = u[k].nch ? tm[k] / u[k].nch : 0;
		u[k].params_per_ch = u[k].nch ? tp[k] / u[k].nch : 0;
	}
	*nu = n;
	return u;
}

int
prune_units(Graph *g, Arena *a, PruneUnit **out, Diag *d)
{
	PruneMap m;
	if (!(g->valid & IR_SHAPES))
		return diag_error(d, "prune: the graph has no shapes");
	prune_map(g, a, &m);
	int n;
	*out = units_build(&m, a, &n);
	return n;
}

void
prune_set(Plan *pl, const Graph *g, const PruneUnit *u, const int *rm, int n)
{
	for (int l = 0; l < u->nlayer; l++) {
		const Node *nd = graph_live_node(g, u->layer[l]);
		PlanLayer *L = plan_layer_add(pl, u->layer[l], nd ? nd->optype : "");
		L->nch = u->lnch[l];
		L->nremoved = 0;
		L->removed = arena_alloc(pl->a, (u->lnch[l] ? u->lnch[l] : 1) * sizeof *L->removed);
		L->mean = NULL;
		L->coef = NULL;
		L->rname = NULL;
		L->rw = L->rb = NULL;
		L->nrw = L->nrb = 0;
		L->ninner = 0;
		for (int o = 0; o < u->lnch[l]; o++) {
			int lo = 0, hi = n;   /* rm is ascending: binary search */
			while (lo < hi) {
				int mid = (lo + hi) / 2;
				if (rm[mid] < u->lcls[l][o])
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < n && rm[lo] == u->lcls[l][o])
				L->removed[L->nremoved++] = o;
		}
	}
}

/* Rows of a layer with m outputs as its kernel computes them: a Conv
 * (group 1) or a Gemm/MatMul of several rows runs on the blocked GEMM
 * (runtime/kernels/gemm.c), outputs in panels of AXRT_GEMM_MR rows, a
 * last panel of at most 2 rows on the 2-row micro-kernel, of 3-4 on the
 * 4-row one, of 5 as a full one; one of a single row (batch 1) as a matrix times a vector in strips
 * of AXRT_GEMV_NR outputs, the last of a multiple of AXRT_GEMV_TAIL. The
 * weights are packed padded the same way.
 * With fx (integer formats), the fixed-point kernels compute and pack the
 * weights in tiles of AXRT_FX_MR output channels (runtime/kernels/fx.c). */
static int64_t
kernel_rows(const Node *n, int64_t m, int fx)
{
	const Tensor *y = n->out[0];
	if (fx)
		return (m + AXRT_FX_MR - 1) / AXRT_FX_MR * AXRT_FX_MR;
	if (n->op != OP_CONV && y->rank == 2 && y->dim[0] == 1)
		return AXRT_GEMV_ROWS(m);
	int64_t r = m % AXRT_GEMM_MR;
	return m - r + (r == 0 ? 0 : r <= 2 ? 2 : r <= 4 ? 4 : AXRT_GEMM_MR);
}

/* Whether keeping `kept` of unit u's channels saves in the kernels' rows
 * (kernel_rows) at least 0.9 of the MACs it saves on paper: the
 * producers' outputs count as their kernels compute them, the readers'
 * inputs as they are. A count off these steps saves MACs but neither time
 * nor flash: on fmnist_mobilenet a residual unit pruned 24 -> 21 (rows
 * 24 -> 22) took a third of the MACs saved and little of the time, 128 -> 95
 * neurons of fmnist_vgg's classifier (one strip of 64 -> two) nothing. */
int
prune_kept_ok(const Graph *g, const PruneUnit *u, int kept, int fx)
{
	if (kept >= u->nch)
		return 1;
	double own = 0, real = 0, paper = 0;   /* MACs per channel saved */
	for (int l = 0; l < u->nlayer; l++) {
		const Node *n = graph_live_node(g, u->layer[l]);
		if (!n || !prune_is_producer(n) || !n->out[0]->dim[1])
			continue;
		int64_t m = u->lnch[l], k = m * kept / u->nch;   /* the layer's outputs kept */
		const Tensor *y = n->out[0];
		double row = (double)(tensor_numel(y) / y->dim[1]) *
			(double)(tensor_numel(n->in[1]) / y->dim[1]);   /* as add_costs */
		own += row * (double)m;
		paper += row * (double)(m - k);
		real += row * (double)(kernel_rows(n, m, fx) - kernel_rows(n, k, fx));
	}
	double reader = ((double)u->macs_per_ch * u->nch - own) / u->nch;
	if (reader < 0)
		reader = 0;
	paper += reader * (u->nch - kept);
	real += reader * (u->nch - kept);
	return real >= 0.9 * paper;
}

/* ---- calibration means ---- */

/* Measurement passes. A second pass (removed channels replaced by their
 * first-pass means while measuring, see prune_fill_means) barely changed
 * accuracy on fmnist_vgg with 10-25% of every unit's filters removed by L1
 * (92.7/79.3% with one pass, 92.7/79.1% with two; 44.2 vs 48.6% at 40%),
 * and it doubles the cost of every optimizer trial: one by default. */
/* Largest site (channels) given a linear replacement: its Gram matrix is
 * kept per sample of a chunk (256^2 doubles x MEAN_CHUNK: 32 MiB). */
#define PRUNE_LINEAR_MAXCH 256

#ifndef PRUNE_MEAN_PASSES
#define PRUNE_MEAN_PASSES 1
#endif

/* Reader least squares (PlanLayer.rw): the longest patch (channels x
 * taps) whose Gram matrix is measured, and the samples it is measured on
 * (the first ones): 128 samples of 14x14 positions are 25k patches for at
 * most 320 unknowns, and the Gram costs a trial less than a pass of the
 * model over the data. On fmnist_vgg, fits from 128, 256 and 2000 samples
 * cost the same accuracy (removing 4 of conv 3's 16 channels: 0.82, 0.76,
 * 0.84 points). */
#define PRUNE_PATCH_MAXD 320
#define PRUNE_PATCH_SAMPLES 128

typedef struct MeanSite {
	int step, k;           /* step writing the measured tensor, its output index */
	int64_t hw;            /* positions per channel */
	int ninner;            /* 1 (channel mean) or hw */
	const PlanLayer *L;
	int nch;               /* channels of the measured tensor */
	int lin;               /* linear replacement: also the Gram matrix of all channels */
	int64_t per;           /* doubles per sample in acc */
	double *acc;           /* per sample of a chunk: nremoved * ninner sums, then
	                        * (lin) nch * ninner sums and nch * nch products */
	double *tot;           /* acc summed over the samples so far, in sample order */
	float *mu;             /* the means of the pass before (nremoved * ninner) */
	/* reader least squares: the reader and its window over the site */
	const Node *rd;        /* NULL: none */
	int D, c, ih, iw, kh, kw, oh, ow;
	int sh, sw, dh, dw, ph, pw;
	double *psum;          /* per sample of a chunk: D patch sums */
	float *pgr;            /* per sample of a chunk: the D x D patch products
	                        * (lower triangle; a sample's sums in float) */
	double *ptot;          /* psum, then pgr, summed over the first samples,
	                        * in order */
	int pn;                /* samples in ptot */
	int cached;            /* ptot and pn came from a PruneCache */
} MeanSite;

/* The patch totals of the sites measured so far, by site tensor name, in
 * the cache's arena; they hold for one graph, one set of samples and one
 * measuring pass. */
struct PruneCache {
	Arena *a;
	const Graph *g; const float *x; int n;
	struct PatchTot { struct PatchTot *next; const char *site; int D, pn; double *tot; } *head;
};

PruneCache *
prune_cache_new(void)
{
	PruneCache *c = xmalloc(sizeof *c);
	memset(c, 0, sizeof *c);
	c->a = arena_new();
	return c;
}

void
prune_cache_free(PruneCache *c)
{
	if (!c)
		return;
	arena_free(c->a);
	free(c);
}

static struct PatchTot *
cache_find(PruneCache *c, const char *site, int D)
{
	for (struct PatchTot *e = c ? c->head : NULL; e; e = e->next)
		if (e->D == D && !strcmp(e->site, site))
			return e;
	return NULL;
}

static void
cache_add(PruneCache *c, const char *site, const MeanSite *s)
{
	struct PatchTot *e = arena_alloc(c->a, sizeof *e);
	e->site = arena_strdup(c->a, site);
	e->D = s->D;
	e->pn = s->pn;
	e->tot = arena_memdup(c->a, s->ptot, (size_t)s->D * (s->D + 1) * sizeof *e->tot);
	e->next = c->head;
	c->head = e;
}

typedef struct MeanCtx {
	MeanSite *s; int ns;
	int replace;           /* overwrite the removed channels with mu after measuring */
	int first;             /* the chunk's first sample */
} MeanCtx;

/* Sums of the reader's input patches of one sample (channel-major, then
 * taps, as the reader's weights; zero padding included) and of their
 * products. */
static void
patch_gram(const MeanSite *s, const float *y, double *sum, float *gf)
{
	int D = s->D, kk = s->kh * s->kw;
	/* one sample's products in float (a few hundred positions; twice
	 * the lanes of double), the samples' totals in double */
	float *v = xmalloc((size_t)D * sizeof *v);
	memset(sum, 0, (size_t)D * sizeof *sum);
	memset(gf, 0, (size_t)D * D * sizeof *gf);
	for (int oy = 0; oy < s->oh; oy++)
		for (int ox = 0; ox < s->ow; ox++) {
			for (int c = 0; c < s->c; c++)
				for (int ky = 0; ky < s->kh; ky++)
					for (int kx = 0; kx < s->kw; kx++) {
						int iy = oy * s->sh - s->ph + ky * s->dh;
						int ix = ox * s->sw - s->pw + kx * s->dw;
						v[c * kk + ky * s->kw + kx] = iy < 0 || iy >= s->ih || ix < 0 ||
							ix >= s->iw ? 0 : y[((int64_t)c * s->ih + iy) * s->iw + ix];
					}
			for (int a = 0; a < D; a++) {
				float va = v[a], *g = gf + (size_t)a * D;
				sum[a] += va;
				if (va == 0)   /* after a ReLU, about half */
					continue;
				for (int b = 0; b <= a; b++)
					g[b] += va * v[b];
			}
		}
	free(v);
}

static void
mean_after(void *ctx, const Program *p, int step, void *const *out, int sample)
{
	MeanCtx *c = ctx;
	(void)p;
	for (int i = 0; i < c->ns; i++) {
		MeanSite *s = &c->s[i];
		if (s->step != step)
			continue;
		float *y = out[s->k];
		int nr = s->L->nremoved;
		double *acc = s->acc + (size_t)sample * s->per;
		for (int r = 0; r < nr; r++) {
			float *yc = y + (int64_t)s->L->removed[r] * s->hw;
			if (s->ninner == 1) {
				double sum = 0;
				for (int64_t q = 0; q < s->hw; q++)
					sum += yc[q];
				acc[r] = sum / (double)s->hw;
			} else {
				for (int64_t q = 0; q < s->hw; q++)
					acc[r * s->hw + q] = yc[q];
			}
		}
		if (s->rd && !s->cached && c->first + sample < PRUNE_PATCH_SAMPLES) {
			patch_gram(s, y, s->psum + (size_t)sample * s->D,
				s->pgr + (size_t)sample * s->D * s->D);
		}
		if (s->lin) {
			/* before any replacement: the regression sees the exact
			 * channels */
			double *sm = acc + (size_t)nr * s->ninner, *gr = sm + (size_t)s->nch * s->ninner;
			for (int a = 0; a < s->nch; a++) {
				const float *ya = y + (int64_t)a * s->hw;
				double t = 0;
				for (int64_t q = 0; q < s->hw; q++) {
					if (s->ninner == 1)
						t += ya[q];
					else
						sm[a * s->hw + q] = ya[q];
				}
				if (s->ninner == 1)
					sm[a] = t / (double)s->hw;
				for (int b = 0; b <= a; b++) {
					const float *yb = y + (int64_t)b * s->hw;
					double u = 0;
					for (int64_t q = 0; q < s->hw; q++)
						u += (double)ya[q] * yb[q];
					gr[a * s->nch + b] = u;
				}
			}
		}
		for (int r = 0; c->replace && r < nr; r++) {
			float *yc = y + (int64_t)s->L->removed[r] * s->hw;
			for (int64_t q = 0; q < s->hw; q++)
				yc[q] = s->mu[r * s->ninner + (s->ninner == 1 ? 0 : q)];
		}
	}
}

/* Samples per run: the per-sample sums of a chunk are added up in sample
 * order after it (the same totals whatever the threads), and the memory
 * they take stays bounded. */
#define MEAN_CHUNK 64

/* Runs over the n samples; each site's tot becomes the sums over them and
 * mu its means. */
static int
mean_run(const Program *p, MeanCtx *c, const float *x, int64_t insz, int n)
{
	RunHooks h = {.after = mean_after, .ctx = c};
	void *outs[NODE_MAXIO];
	int rc = 0;
	for (int k = 0; k < p->noutput; k++)
		outs[k] = xmalloc((size_t)MEAN_CHUNK * p->buf[p->output[k]].size);
	for (int i = 0; i < c->ns; i++) {
		MeanSite *s = &c->s[i];
		memset(s->tot, 0, (size_t)s->per * sizeof *s->tot);
		if (s->rd && !s->cached) {
			memset(s->ptot, 0, (size_t)s->D * (s->D + 1) * sizeof *s->ptot);
			s->pn = 0;
		}
	}
	for (int first = 0; first < n && rc == 0; first += MEAN_CHUNK) {
		int m = n - first < MEAN_CHUNK ? n - first : MEAN_CHUNK;
		const void *ins[1] = {x + (size_t)first * insz};
		Batch b = {m, ins, outs, 0, &h};
		c->first = first;
		rc = prog_run_batch(p, &b);   /* the hook sees indices within the chunk */
		for (int i = 0; i < c->ns && rc == 0; i++) {
			MeanSite *s = &c->s[i];
			for (int k = 0; k < m; k++)
				for (int64_t j = 0; j < s->per; j++)
					s->tot[j] += s->acc[(size_t)k * s->per + j];
			int64_t D = s->D, dd = D * D;
			for (int k = 0; k < m && s->rd && !s->cached && first + k < PRUNE_PATCH_SAMPLES;
			     k++, s->pn++) {
				for (int64_t j = 0; j < D; j++)
					s->ptot[j] += s->psum[(size_t)k * D + j];
				for (int64_t j = 0; j < dd; j++)
					s->ptot[D + j] += s->pgr[(size_t)k * dd + j];
			}
		}
	}
	for (int k = 0; k < p->noutput; k++)
		free(outs[k]);
	for (int i = 0; i < c->ns && rc == 0; i++) {
		MeanSite *s = &c->s[i];
		int64_t per = (int64_t)s->L->nremoved * s->ninner;
		for (int64_t j = 0; j < per; j++)
			s->mu[j] = (float)(s->tot[j] / n);
	}
	return rc;
}

/* Factors symmetric positive definite A (n x n) in place into L L'
 * (Cholesky, lower triangle); returns -1 when A is not. */
static int
chol_factor(double *A, int n)
{
	for (int j = 0; j < n; j++) {
		double dj = A[j * n + j];
		for (int k = 0; k < j; k++)
			dj -= A[j * n + k] * A[j * n + k];
		if (!(dj > 0))
			return -1;
		dj = sqrt(dj);
		A[j * n + j] = dj;
		for (int i = j + 1; i < n; i++) {
			double v = A[i * n + j];
			for (int k = 0; k < j; k++)
				v -= A[i * n + k] * A[j * n + k];
			A[i * n + j] = v / dj;
		}
	}
	return 0;
}

/* Solves L L' x = b in place with the factor of chol_factor. */
static void
chol_subst(const double *A, double *b, int n)
{
	for (int i = 0; i < n; i++) {
		double v = b[i];
		for (int k = 0; k < i; k++)
			v -= A[i * n + k] * b[k];
		b[i] = v / A[i * n + i];
	}
	for (int i = n - 1; i >= 0; i--) {
		double v = b[i];
		for (int k = i + 1; k < n; k++)
			v -= A[k * n + i] * b[k];
		b[i] = v / A[i * n + i];
	}
}

/* Linear replacement of site s from its totals over n samples: each
 * removed channel r as the least-squares combination of the kept channels
 * at the same position plus an intercept, x_r ~ sum_k a_rk x_k + b_r, with
 * a small ridge (1e-4 of the mean kept variance) for channels that are
 * (nearly) linearly dependent. Fills coef (nremoved * nch) and the
 * intercepts (nremoved * ninner, in place of the means); -1 when the
 * system is singular (the site keeps plain means). */
static int
linear_fit(const MeanSite *s, int n, float *coef, float *icpt)
{
	int nch = s->nch, nr = s->L->nremoved, hw = s->ninner;
	double N = (double)n * (double)s->hw;
	const double *sm = s->tot + (size_t)nr * hw, *gr = sm + (size_t)nch * hw;
	double *mu = xmalloc((size_t)nch * sizeof *mu), *mup = xmalloc((size_t)nch * hw * sizeof *mup);
	int *kept = xmalloc((size_t)nch * sizeof *kept), nk = 0, rc = 0;
	unsigned char *gone = calloc((size_t)nch, 1);
	for (int r = 0; r < nr; r++)
		gone[s->L->removed[r]] = 1;
	for (int a = 0; a < nch; a++) {
		double t = 0;
		for (int q = 0; q < hw; q++) {
			mup[(size_t)a * hw + q] = sm[(size_t)a * hw + q] / n;
			t += sm[(size_t)a * hw + q];
		}
		mu[a] = t / n / hw;
		if (!gone[a])
			kept[nk++] = a;
	}
	/* covariance over samples and positions */
#define COV(a, b) (gr[(a) > (b) ? (a) * nch + (b) : (b) * nch + (a)] / N - mu[a] * mu[b])
	double *A = xmalloc((size_t)nk * nk * sizeof *A + 1), *x = xmalloc((size_t)nk * sizeof *x + 1);
	double tr = 0;
	for (int i = 0; i < nk; i++)
		tr += COV(kept[i], kept[i]);
	double lam = 1e-4 * tr / (nk ? nk : 1) + 1e-12;
	memset(coef, 0, (size_t)nr * nch * sizeof *coef);
	for (int i = 0; i < nk; i++)
		for (int j = 0; j < nk; j++)
			A[i * nk + j] = COV(kept[i], kept[j]) + (i == j ? lam : 0);
	if (nk && chol_factor(A, nk) < 0)
		rc = -1;
	for (int r = 0; r < nr && rc == 0; r++) {
		int c = s->L->removed[r];
		for (int i = 0; i < nk; i++)
			x[i] = COV(kept[i], c);
		chol_subst(A, x, nk);
		for (int i = 0; i < nk; i++)
			coef[(size_t)r * nch + kept[i]] = (float)x[i];
		for (int q = 0; q < hw; q++) {
			double b = mup[(size_t)c * hw + q];
			for (int i = 0; i < nk; i++)
				b -= (double)coef[(size_t)r * nch + kept[i]] * mup[(size_t)kept[i] * hw + q];
			icpt[(size_t)r * hw + q] = (float)b;
		}
	}
#undef COV
	free(A);
	free(x);
	free(mu);
	free(mup);
	free(kept);
	free(gone);
	return rc;
}

/* Reader least squares of site s from its patch totals: for each output
 * o of the reader, the removed channels' share of it, z_o = w_o,R . x_R
 * (x: the patch at one output position, R: the removed channels' taps),
 * as the least-squares combination of the kept channels' taps plus an
 * intercept, z_o ~ a_o . x_K + b_o (ridge 1e-4 of the mean kept variance,
 * as in linear_fit). The reader's weights then gain a_o at the kept taps
 * and its bias b_o. This is the reconstruction step of He et al. 2017
 * ("Channel pruning for accelerating very deep neural networks") without
 * their LASSO selection; unlike the channel-by-channel replacement, it
 * sees the neighbouring positions and the zero padding. -1: singular. */
static int
patch_fit(const MeanSite *s, Arena *a, PlanLayer *L)
{
	int D = s->D, kk = s->kh * s->kw, o = (int)s->rd->in[1]->dim[0], nk = 0, nr = 0, rc = 0;
	double N = (double)s->pn * s->oh * s->ow;
	const double *sum = s->ptot, *gr = s->ptot + D;
	const float *w = s->rd->in[1]->init;
	double *mu = xmalloc((size_t)D * sizeof *mu), *A, *x, *wr;
	int *ik = xmalloc((size_t)D * sizeof *ik), *ir = xmalloc((size_t)D * sizeof *ir);
	unsigned char *gone = xmalloc((size_t)s->c);
	memset(gone, 0, (size_t)s->c);
	for (int r = 0; r < L->nremoved; r++)
		gone[L->removed[r]] = 1;
	for (int f = 0; f < D; f++) {
		mu[f] = sum[f] / N;
		if (gone[f / kk])
			ir[nr++] = f;
		else
			ik[nk++] = f;
	}
#define PCOV(f, g) (gr[(f) > (g) ? (size_t)(f) * D + (g) : (size_t)(g) * D + (f)] / N - \
	mu[f] * mu[g])
	A = xmalloc((size_t)nk * nk * sizeof *A + 1);
	x = xmalloc((size_t)nk * sizeof *x + 1);
	wr = xmalloc((size_t)nr * sizeof *wr + 1);
	double tr = 0;
	for (int i = 0; i < nk; i++)
		tr += PCOV(ik[i], ik[i]);
	double lam = 1e-4 * tr / (nk ? nk : 1) + 1e-12;
	for (int i = 0; i < nk; i++)
		for (int j = 0; j < nk; j++)
			A[(size_t)i * nk + j] = PCOV(ik[i], ik[j]) + (i == j ? lam : 0);
	if (nk && chol_factor(A, nk) < 0)
		rc = -1;
	if (rc == 0) {
		L->rname = arena_strdup(a, s->rd->name);
		L->nrw = o * D;
		L->nrb = o;
		L->rw = arena_alloc(a, (size_t)o * D * sizeof *L->rw);
		L->rb = arena_alloc(a, (size_t)o * sizeof *L->rb);
	}
	for (int q = 0; q < o && rc == 0; q++) {
		double b = 0;
		for (int j = 0; j < nr; j++) {
			wr[j] = w[(size_t)q * D + ir[j]];
			b += wr[j] * mu[ir[j]];
		}
		for (int i = 0; i < nk; i++) {
			double v = 0;
			for (int j = 0; j < nr; j++)
				v += PCOV(ik[i], ir[j]) * wr[j];
			x[i] = v;
		}
		chol_subst(A, x, nk);
		for (int i = 0; i < nk; i++) {
			L->rw[(size_t)q * D + ik[i]] = (float)x[i];
			b -= x[i] * mu[ik[i]];
		}
		L->rb[q] = (float)b;
	}
#undef PCOV
	free(A);
	free(x);
	free(wr);
	free(mu);
	free(ik);
	free(ir);
	free(gone);
	return rc;
}

/* The reader of site t that the reader least squares fits (PlanLayer.rw):
 * prune_conv_reader, with a kernel wider than 1x1 and patches of at most
 * PRUNE_PATCH_MAXD values; fills s's window. NULL: none. */
Node *
prune_conv_reader(const PruneMap *m, const Tensor *t)
{
	if (t->is_output || t->rank != 4 || m->nuse[t->id] != 1)
		return NULL;
	Node *n = m->use[t->id][0];
	Tensor *w = n->nin > 1 ? n->in[1] : NULL, *y = n->out[0];
	if (n->op != OP_CONV || attr_i(n, "group", 1) != 1 || n->in[0] != t || !w || !w->init ||
	    w->dtype != DT_F32 || w->rank != 4 || w->dim[1] != t->dim[1] || !y || y->rank != 4 ||
	    (n->nin > 2 && n->in[2] && !n->in[2]->init))
		return NULL;
	return n;
}

static const Node *
patch_reader(const PruneMap *m, Tensor *t, MeanSite *s, Diag *d)
{
	Node *n = prune_conv_reader(m, t);
	if (!n)
		return NULL;
	Tensor *w = n->in[1], *y = n->out[0];
	int64_t kk = w->dim[2] * w->dim[3];
	if (kk < 2 || t->dim[1] * kk > PRUNE_PATCH_MAXD)
		return NULL;
	Window win = {.nsp = 2};
	for (int i = 0; i < 2; i++) {
		win.in[i] = t->dim[2 + i];
		win.k[i] = w->dim[2 + i];
	}
	if (window_attrs(n, d, &win) < 0 || window_infer(n, d, &win, 0) < 0 ||
	    win.out[0] != y->dim[2] || win.out[1] != y->dim[3])
		return NULL;
	s->c = (int)t->dim[1];
	s->D = (int)(t->dim[1] * kk);
	s->ih = (int)t->dim[2];
	s->iw = (int)t->dim[3];
	s->kh = (int)w->dim[2];
	s->kw = (int)w->dim[3];
	s->oh = (int)y->dim[2];
	s->ow = (int)y->dim[3];
	s->sh = (int)win.stride[0];
	s->sw = (int)win.stride[1];
	s->dh = (int)win.dil[0];
	s->dw = (int)win.dil[1];
	s->ph = (int)win.pad[0];
	s->pw = (int)win.pad[1];
	return n;
}

/* Whether a reader of t flattens it into a Gemm's features. */
static int
flattened(const PruneMap *m, const Tensor *t)
{
	for (int i = 0; i < m->nuse[t->id]; i++)
		if (prune_is_flatten(m->use[t->id][i]) && prune_hw(t) > 1)
			return 1;
	return 0;
}

static int
find_site(const Program *p, const Tensor *t, int *step, int *k)
{
	*step = -1;
	for (int s = 0; s < p->nstep; s++)
		for (int j = 0; j < p->step[s].nout; j++) {
			int b = p->step[s].out[j];
			if (b >= 0 && p->buf[b].t == t && p->buf[b].dtype == DT_F32) {
				*step = s;
				*k = j;
			}
		}
	return *step >= 0 ? 0 : -1;
}

/* The other operand of n when n is a residual join of t: an Add of t and
 * one more activation of t's shape into an output of that shape (their
 * channels are one unit: a removed channel leaves all three). */
static Tensor *
join_other(const Node *n, const Tensor *t)
{
	if (n->op != OP_ADD || n->nin != 2 || !n->in[0] || !n->in[1] || !n->out[0] ||
	    n->in[0] == n->in[1] || (n->in[0] != t && n->in[1] != t))
		return NULL;
	Tensor *u = n->in[0] == t ? n->in[1] : n->in[0];
	if (u->init || !tensor_same_shape(u, t) || !tensor_same_shape(n->out[0], t))
		return NULL;
	return u;
}

/* Whether join n of t needs no replacement of its own: its other operand
 * is a producer's output read by n alone, whose replacement is measured at
 * n's output (prune_linear_at), where the readers of the sum get theirs.
 * (An inverted residual's projection: its output only feeds the Add.) */
static int
join_covered(const PruneMap *m, const Node *n, const Tensor *t)
{
	Tensor *u = join_other(n, t);
	if (!u || !u->def || !prune_is_producer(u->def) || prune_is_grouped(u->def) ||
	    u->is_output || m->nuse[u->id] != 1)
		return 0;
	return prune_linear_at(m, u) == prune_mean_at(m, n->out[0]);
}

/* Whether every reader of site t takes its channels linearly through
 * constant weights (Conv with group 1, Gemm, rank-2 MatMul, or a Flatten
 * into those), where a linear replacement folds into the weights -- or is
 * a residual join whose sum has a replacement of its own (join_covered). */
int
prune_linear_site(const PruneMap *m, const Tensor *t)
{
	if (t->is_output || m->nuse[t->id] < 1)
		return 0;
	for (int i = 0; i < m->nuse[t->id]; i++) {
		const Node *n = m->use[t->id][i];
		if (join_covered(m, n, t))
			continue;
		for (int k = 1; k < n->nin; k++)
			if (n->in[k] == t)
				return 0;
		if (n->in[0] != t)
			return 0;
		if (prune_is_flatten(n)) {
			const Tensor *f = n->out[0];
			if (!f || f->is_output || m->nuse[f->id] < 1)
				return 0;
			for (int k = 0; k < m->nuse[f->id]; k++) {
				const Node *r = m->use[f->id][k];
				if ((r->op != OP_GEMM && r->op != OP_MATMUL) || !prune_is_producer(r) ||
				    r->in[0] != f || r->in[1] == f || f->rank != 2)
					return 0;
			}
			continue;
		}
		if (!prune_is_producer(n) || prune_is_grouped(n) ||
		    (n->op == OP_MATMUL && t->rank != 2) || (n->op != OP_CONV && n->op != OP_GEMM &&
		    n->op != OP_MATMUL))
			return 0;
	}
	return 1;
}

Tensor *
prune_linear_at(const PruneMap *m, Tensor *t)
{
	t = prune_mean_at(m, t);
	for (;;) {
		/* read by a residual join alone (an inverted residual's
		 * projection): the sum is what the next layers read */
		const Node *j = !t->is_output && m->nuse[t->id] == 1 ? m->use[t->id][0] : NULL;
		if (j && join_other(j, t)) {
			t = prune_mean_at(m, j->out[0]);
			continue;
		}
		if (prune_linear_site(m, t))
			return t;
		/* a depthwise conv keeps channel c as channel c: past it, its
		 * readers may take the channels linearly (inverted residuals:
		 * expand, depthwise, project) */
		const Node *n = !t->is_output && m->nuse[t->id] == 1 ? m->use[t->id][0] : NULL;
		if (!n || !prune_is_grouped(n) || n->in[0] != t || !n->out[0] || n->out[0]->rank < 2 ||
		    attr_i(n, "group", 1) != t->dim[1] || n->out[0]->dim[1] != t->dim[1])
			return NULL;
		t = prune_mean_at(m, n->out[0]);
	}
}

static int
fill(Graph *g, Plan *pl, const float *x, int64_t insz, int n, int lin, PruneCache *pc, Diag *d)
{
	if (g->ninput != 1 || g->input[0]->dtype != DT_F32 || tensor_numel(g->input[0]) != insz)
		return diag_error(d, "prune: means need a model with one float input of %lld values",
			(long long)insz);
	if (n < 1)
		return diag_error(d, "prune: means need at least one sample");
	Arena *a = arena_new();
	PruneMap m;
	prune_map(g, a, &m);
	Program *p = prog_lower(g, d);
	if (!p) {
		arena_free(a);
		return -1;
	}
	prog_plan(p);
	MeanSite *site = arena_alloc(a, (pl->nlayer ? pl->nlayer : 1) * sizeof *site);
	int ns = 0, rc = 0;
	for (int i = 0; i < pl->nlayer && rc == 0; i++) {
		PlanLayer *L = &pl->layer[i];
		if (!L->nremoved)
			continue;
		const Node *nd = NULL;
		for (int j = 0; j < g->nnode && !nd; j++)
			if (!g->node[j]->dead && !strcmp(g->node[j]->name, L->name))
				nd = g->node[j];
		if (!nd || !prune_is_producer(nd)) {
			rc = diag_error(d, "prune: layer '%s' is not a Conv/Gemm/MatMul of the model", L->name);
			break;
		}
		Tensor *t = prune_mean_at(&m, nd->out[0]), *lt = lin ? prune_linear_at(&m, nd->out[0]) : NULL;
		MeanSite *s = &site[ns++];
		memset(s, 0, sizeof *s);
		if (lin && t->dim[1] == L->nch && (s->rd = patch_reader(&m, t, s, d))) {
			struct PatchTot *e = cache_find(pc, t->name, s->D);
			lt = NULL;
			s->ptot = xmalloc((size_t)s->D * (s->D + 1) * sizeof *s->ptot);
			if (e) {
				s->cached = 1;
				s->pn = e->pn;
				memcpy(s->ptot, e->tot, (size_t)s->D * (s->D + 1) * sizeof *s->ptot);
			} else {
				s->psum = xmalloc((size_t)MEAN_CHUNK * s->D * sizeof *s->psum);
				s->pgr = xmalloc((size_t)MEAN_CHUNK * s->D * s->D * sizeof *s->pgr);
			}
		}
		s->lin = lt && lt->dim[1] == L->nch && lt->dim[1] <= PRUNE_LINEAR_MAXCH;
		if (s->lin)   /* the means (intercepts) are measured there too */
			t = lt;
		s->L = L;
		s->hw = prune_hw(t);
		s->ninner = flattened(&m, t) ? (int)s->hw : 1;
		s->nch = (int)t->dim[1];
		s->per = (int64_t)L->nremoved * s->ninner;
		if (s->lin)
			s->per += (int64_t)s->nch * s->ninner + (int64_t)s->nch * s->nch;
		s->acc = xmalloc((size_t)MEAN_CHUNK * s->per * sizeof *s->acc);
		s->tot = xmalloc((size_t)s->per * sizeof *s->tot);
		s->mu = arena_alloc(a, (size_t)L->nremoved * s->ninner * sizeof *s->mu);
		if (find_site(p, t, &s->step, &s->k) < 0)
			rc = diag_node(d, nd, "prune: tensor '%s' is not computed by the program", t->name);
	}
	/* Pass 1 measures the exact model. A pass 2 measures again with every
	 * removed channel replaced by its pass-1 mean as soon as it has been
	 * measured, which is what the pruned model computes upstream of each
	 * layer: later layers' means then include the earlier removals. */
	for (int pass = 0; pass < PRUNE_MEAN_PASSES && rc == 0; pass++) {
		MeanCtx c = {site, ns, pass > 0, 0};
		if (mean_run(p, &c, x, insz, n) != 0)
			rc = diag_error(d, "prune: running the model for the means failed");
	}
	for (int i = 0; i < ns; i++) {
		MeanSite *s = &site[i];
		PlanLayer *L = (PlanLayer *)s->L;
		if (rc == 0) {
			L->ninner = s->ninner;
			L->mean = arena_memdup(pl->a, s->mu, (size_t)L->nremoved * s->ninner * sizeof *s->mu);
			L->coef = NULL;
			L->rname = NULL;
			L->rw = L->rb = NULL;
			L->nrw = L->nrb = 0;
			if (s->rd && !s->cached && pc)
				cache_add(pc, s->rd->in[0]->name, s);
			if (s->rd)
				patch_fit(s, pl->a, L);   /* singular: plain means */
			if (s->lin) {
				/* singular: coefficients 0, plain means measured at the
				 * same place (what the coef marks) */
				L->coef = arena_alloc(pl->a, (size_t)L->nremoved * s->nch * sizeof *L->coef);
				if (linear_fit(s, n, L->coef, L->mean) < 0) {
					memset(L->coef, 0, (size_t)L->nremoved * s->nch * sizeof *L->coef);
					memcpy(L->mean, s->mu, (size_t)L->nremoved * s->ninner * sizeof *s->mu);
				}
			}
		}
		free(s->acc);
		free(s->tot);
		free(s->psum);
		free(s->pgr);
		free(s->ptot);
	}
	prog_free(p);
	arena_free(a);
	return rc;
}

int
prune_fill_means(Graph *g, Plan *pl, const float *x, int64_t insz, int n, Diag *d)
{
	return fill(g, pl, x, insz, n, 0, NULL, d);
}

int
prune_fill_linear_cached(Graph *g, Plan *pl, const float *x, int64_t insz, int n, PruneCache *c,
	Diag *d)
{
	if (c && (c->g != g || c->x != x || c->n != n)) {
		arena_reset(c->a);
		c->head = NULL;
		c->g = g;
		c->x = x;
		c->n = n;
	}
	return fill(g, pl, x, insz, n, 1, PRUNE_MEAN_PASSES == 1 ? c : NULL, d);
}

int
prune_fill_linear(Graph *g, Plan *pl, const float *x, int64_t insz, int n, Diag *d)
{
	return fill(g, pl, x, insz, n, 1, NULL, d);
}
