/* fixplan.c: fixed-point plans from a calibration (APPROX.md §3): uniform
 * widths (`compile --quantize`) and the one-layer moves the optimizer
 * makes. Weight fractions come from the weights' own max |w| (per tensor or
 * per output channel), activation fractions from the calibrated clip value.
 * Tensors tied by format-preserving ops (views, MaxPool, Concat, movers)
 * share one format: the widest clip of the group, so that no FxRequant is
 * needed between them. */
#include <stdlib.h>
#include <string.h>

#include "axrt.h"
#include "calib.h"
#include "ops.h"

/* Output channels as the plan counts them (plan.c's layer_channels). */
static int
layer_channels(const Node *n)
{
	const Tensor *y = n->out[0];
	if (n->op == OP_CONV || n->op == OP_CONVTRANSPOSE)
		return y->rank >= 2 ? (int)y->dim[1] : 0;
	return y->rank >= 1 ? (int)y->dim[y->rank - 1] : 0;
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int
is_act(const Graph *g, const Tensor *t)
{
	return t && !t->init && t->dtype == DT_F32 && graph_owns(g, t);
}

/* ---- tie groups: union-find over tensor ids ---- */

static int
uf_find(int *p, int i)
{
	while (p[i] != i)
		i = p[i] = p[p[i]];
	return i;
}

static void
uf_union(int *p, int a, int b)
{
	a = uf_find(p, a);
	b = uf_find(p, b);
	if (a != b)
		p[a > b ? a : b] = a < b ? a : b;
}

static int *
tie_groups(const Graph *g)
{
	int *p = xmalloc(((size_t)g->ntensor + 1) * sizeof *p);
	for (int i = 0; i < g->ntensor; i++)
		p[i] = i;
	for (int i = 0; i < g->nnode; i++) {
		const Node *n = g->node[i];
		if (n->dead || !fixed_tie(n) || !is_act(g, n->in[0]))
			continue;
		int nin = n->op == OP_CONCAT ? n->nin : 1;
		int nout = n->op == OP_SPLIT ? n->nout : 1;
		for (int k = 0; k < nin; k++)
			if (is_act(g, n->in[k]))
				uf_union(p, n->in[0]->id, n->in[k]->id);
		for (int k = 0; k < nout; k++)
			if (is_act(g, n->out[k]))
				uf_union(p, n->in[0]->id, n->out[k]->id);
	}
	return p;
}

/* The format of a group at `bits`: the widest calibrated clip of its
 * members. A graph output is never clipped (its max |x|): clipping the
 * model's answer (logits) merges the classes it ranks. Returns 0, or -1
 * when no member was calibrated. */
static int
group_frac(const Graph *g, const Calib *c, const int *grp, int root, int bits, int *frac)
{
	double clip = -1;
	for (int i = 0; i < g->ntensor; i++) {
		if (grp[i] != root)
			continue;
		double v = g->tensor[i]->is_output ? calib_amax(c, g->tensor[i]->name) :
			calib_clip(c, g->tensor[i]->name, bits);
		if (v > clip)
			clip = v;
	}
	if (clip < 0)
		return -1;
	*frac = clampi(axrt_fixed_fracbits((float)clip, bits), -FX_FRAC_MAX, FX_FRAC_MAX);
	return 0;
}

static void
plan_tensor_del(Plan *pl, const char *name)
{
	for (int i = 0; i < pl->ntensor; i++)
		if (!strcmp(pl->tensor[i].name, name)) {
			memmove(pl->tensor + i, pl->tensor + i + 1,
				(size_t)(pl->ntensor - i - 1) * sizeof *pl->tensor);
			pl->ntensor--;
			return;
		}
}

/* ---- weights ---- */

static void
set_weights(Plan *pl, const Node *n, int bits, int per_channel)
{
	PlanLayer *L = plan_layer_add(pl, n->name, n->optype);
	const Tensor *w = n->in[1];
	int64_t m = w->dim[fixed_weight_axis(n)];
	float *amax = xmalloc((size_t)(m ? m : 1) * sizeof *amax), all = 0;
	fixed_weight_amax(n, amax);
	L->nch = layer_channels(n);
	L->wbits = bits;
	for (int64_t k = 0; k < m; k++)
		if (amax[k] > all)
			all = amax[k];
	if (per_channel && m == L->nch && m > 1) {
		L->nwfrac = (int)m;
		L->wfrac = arena_alloc(pl->a, (size_t)m * sizeof(int));
		for (int64_t k = 0; k < m; k++)
			L->wfrac[k] = clampi(axrt_fixed_fracbits(amax[k], bits), -FX_FRAC_MAX, FX_FRAC_MAX);
	} else {
		L->nwfrac = 1;
		L->wfrac = arena_alloc(pl->a, sizeof(int));
		L->wfrac[0] = clampi(axrt_fixed_fracbits(all, bits), -FX_FRAC_MAX, FX_FRAC_MAX);
	}
	free(amax);
}

int
fixed_plan_uniform(Graph *g, const Calib *c, int wbits, int abits, Plan *pl, Diag *d)
{
	const CalibOpts *o = calib_opts(c);
	if (wbits < 2 || wbits > 16 || abits < 2 || abits > 16)
		return diag_error(d, "fixed point: widths must be 2 to 16 bits (got %d,%d)", wbits, abits);
	pl->rounding = o->rounding;
	char *want = calloc((size_t)g->ntensor + 1, 1);
	if (!want)
		die("out of memory");
	for (int i = 0; i < g->nnode; i++) {
		Node *n = g->node[i];
		if (n->dead || fixed_op_kind(n) == FXK_NONE)
			continue;
		if (fixed_weight_layer(n))
			set_weights(pl, n, wbits, o->per_channel);
		for (int k = 0; k < n->nin; k++)
			if (is_act(g, n->in[k]))
				want[n->in[k]->id] = 1;
		for (int k = 0; k < n->nout; k++)
			if (is_act(g, n->out[k]))
				want[n->out[k]->id] = 1;
	}
	int *grp = tie_groups(g);
	for (int i = 0; i < g->ntensor; i++)
		grp[i] = uf_find(grp, i);
	for (int i = 0; i < g->ntensor; i++)        /* a group is all or nothing */
		if (want[i])
			want[grp[i]] = 1;
	for (int i = 0; i < g->ntensor; i++) {
		Tensor *t = g->tensor[i];
		int frac;
		if (!want[grp[i]] || !is_act(g, t))
			continue;
		if (group_frac(g, c, grp, grp[i], abits, &frac) < 0) {
			diag_note(d, "fixed point: tensor '%s' was not calibrated; it stays float", t->name);
			continue;
		}
		PlanTensor *pt = plan_tensor_add(pl, t->name);
		pt->f.bits = abits;
		pt->f.frac = frac;
	}
	free(grp);
	free(want);
	return 0;
}

int
fixed_set_weight_bits(Graph *g, Plan *pl, const char *layer, int bits)
{
	Node *n = graph_live_node(g, layer);
	if (!n || !fixed_weight_layer(n) || bits < 0 || bits == 1 || bits > 16)
		return -1;
	PlanLayer *L = plan_layer(pl, layer);
	if (bits == 0) {
		if (L) {
			L->wbits = 0;
			L->nwfrac = 0;
			L->wfrac = NULL;
		}
		return 0;
	}
	set_weights(pl, n, bits, L && L->nwfrac > 1);
	return 0;
}

int
fixed_set_act_bits(Graph *g, const Calib *c, Plan *pl, const char *layer, int bits)
{
	Node *n = graph_live_node(g, layer);
	if (!n || n->nout < 1 || !is_act(g, n->out[0]) || bits < 0 || bits == 1 || bits > 16)
		return -1;
	int *grp = tie_groups(g), root = uf_find(grp, n->out[0]->id), frac = 0;
	for (int i = 0; i < g->ntensor; i++)
		grp[i] = uf_find(grp, i);
	if (bits > 0 && group_frac(g, c, grp, root, bits, &frac) < 0) {
		free(grp);
		return -1;
	}
	for (int i = 0; i < g->ntensor; i++) {
		if (grp[i] != root || !is_act(g, g->tensor[i]))
			continue;
		if (bits == 0) {
			plan_tensor_del(pl, g->tensor[i]->name);
			continue;
		}
		PlanTensor *pt = plan_tensor_add(pl, g->tensor[i]->name);
		pt->f.bits = bits;
		pt->f.frac = frac;
	}
	free(grp);
	return 0;
}

int
fixed_weight_bits(const Plan *pl, const char *layer)
{
	const PlanLayer *L = plan_layer(pl, layer);
	return L ? L->wbits : 0;
}

int
fixed_act_bits(const Graph *g, const Plan *pl, const char *layer)
{
	const Node *n = graph_live_node((Graph *)g, layer);
	if (!n || n->nout < 1 || !n->out[0])
		return 0;
	const PlanTensor *t = plan_tensor(pl, n->out[0]->name);
	return t ? t->f.bits : 0;
}

int64_t
fixed_weight_bytes(const Graph *g, const Plan *pl, const char *layer)
{
	const Node *n = graph_live_node((Graph *)g, layer);
	if (!n || !fixed_weight_layer(n))
		return 0;
	int64_t k = tensor_numel(n->in[1]);
	int b = fixed_weight_bits(pl, layer);
	if (b == 0)
		return 4 * k;
	if (b <= 2)
		return (k + 3) / 4;
	if (b <= 4)
		return (k + 1) / 2;
	return b <= 8 ? k : 2 * k;
}
