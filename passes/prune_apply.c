/* prune_apply.c: removes the plan's output channels from the graph for real
 * (APPROX.md §2): weights and biases of the producers, the matching input
 * channels of every reader, grouped convs' whole groups, per-channel
 * constants, Split sizes, Slice bounds and flattening shapes, then infers
 * every shape again. Removed channels' calibration means are folded into
 * the readers' biases first (mean replacement):
 *   Conv:  b'[o] += mu_c * sum_{kh,kw} W[o,c,kh,kw]
 *   Gemm:  b'[n] += alpha * sum_k W[n,k] * mu_k   (k: a flattened feature)
 * The means are measured where prune_mean_at() says (prune_fill_means) and
 * carried to each reader through the ops in between: activations applied to
 * the mean, pooling and Pad keep it, residual Add/Sum/Mul combine the
 * operands' means, depthwise convs apply their weights. That is exact for
 * a channel constant on the data (away from zero-padded borders), and an
 * estimate otherwise.
 * Linear replacement (PlanLayer.coef, prune_fill_linear): where every
 * reader takes the measured channels through constant weights, a removed
 * channel stands for a least-squares combination of its layer's kept
 * channels plus the intercept (in place of the mean): the kept channels'
 * weights gain coef times the removed channel's (fold_linear), and the
 * intercept goes into the bias like a mean. Exact for a channel that is
 * affine in the kept ones; on fmnist_vgg it let the optimizer remove
 * 35% of the MACs instead of 13% within a 1-point budget. A residual Add
 * among the readers takes nothing: the channel leaves its operands and
 * its sum alike, and the sum's readers get the replacement measured there
 * (prune_linear_at).
 * Reader least squares (PlanLayer.rw): where the measured channels' one
 * reader is a Conv wider than 1x1, the plan holds that reader's weight and
 * bias changes directly (fitted on its input patches, prune.c patch_fit);
 * edit_conv adds them, and no mean or coefficient is folded there.
 * Exactness: the float kernels (GEMM, conv through GEMM or im2col, GEMV,
 * depthwise) sum each output in k order from the bias, so removing terms
 * that are exactly zero (an all-zero filter after ReLU, times any weight)
 * leaves every partial sum as it was: pruning all-zero filters gives the
 * same bits, up to the sign of a result that is exactly zero.
 * needs: IR_SHAPES (a canonical float graph)   gives: -   breaks: - */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axrt_core.h"
#include "passes.h"
#include "prune.h"

typedef struct Ap {
	Graph *g;
	Diag *d;
	Arena *a;              /* pass-local */
	PruneMap m;
	unsigned char *rm;     /* per element root: removed */
	const PlanLayer **at;  /* per tensor id: the plan layer whose means were measured there */
	unsigned char *mstate; /* per element: 0 not computed, 1 computing, 2 done */
	float **mv; int *mn;   /* per element: its mean (NULL unknown), mn values */
	int nocomp;            /* removed reader inputs left without a mean */
	int nt;                /* tensors before the edits (the map's range) */
} Ap;

static int
elem(const Ap *p, const Tensor *t, int64_t c)
{
	return p->m.base[t->id] < 0 ? -1 : p->m.base[t->id] + (int)c;
}

/* Whether channel c of t goes (t without a space: never). */
static int
gone(Ap *p, const Tensor *t, int64_t c)
{
	int e = elem(p, t, c);
	return e >= 0 && p->rm[prune_find(&p->m, e)];
}

static int64_t
kept(Ap *p, const Tensor *t)
{
	int64_t k = 0;
	for (int64_t c = 0; c < t->dim[1]; c++)
		k += !gone(p, t, c);
	return k;
}

/* keep mask of t's channels (all 1 without a space), n entries */
static unsigned char *
keepmask(Ap *p, const Tensor *t, int64_t n)
{
	unsigned char *k = arena_alloc(p->a, n ? n : 1);
	for (int64_t c = 0; c < n; c++)
		k[c] = !(t && c < t->dim[1] && gone(p, t, c));
	return k;
}

/* ---- means carried to the readers ---- */

static float *mean_of(Ap *p, Tensor *t, int64_t c, int *cnt);

static float
avg(const float *v, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	return (float)(s / n);
}

/* A fresh mean of n values. */
static float *
mnew(Ap *p, int n)
{
	return arena_alloc(p->a, (size_t)n * sizeof(float));
}

/* The value of broadcast constant k at channel c of an output of rank r,
 * if it is one value per channel (or a scalar); else -1. */
static int
const_at(const Tensor *k, int r, int64_t c, float *v)
{
	int ax = 1 - (r - k->rank);
	int64_t n = tensor_numel(k), dc = ax >= 0 && ax < k->rank ? k->dim[ax] : 1;
	if (k->dtype != DT_F32 || (n != 1 && n != dc))
		return -1;
	*v = ((const float *)k->init)[n == 1 ? 0 : c];
	return 0;
}

static float
act_value(const Node *n, int act, float x)
{
	float lo = -INFINITY, hi = INFINITY;
	switch (act) {
	case AXRT_ACT_LEAKYRELU: lo = n->act_alpha; break;
	case AXRT_ACT_HARDSIGMOID: lo = n->act_alpha; hi = n->act_beta; break;
	case AXRT_ACT_CLIP: lo = n->act_alpha; hi = n->act_beta; break;
	}
	return axrt_act_f32(act, x, lo, hi);
}

/* The AXRT_ACT_* an unfused activation node computes (-1: not one we
 * carry a mean through; AXRT_ACT_NONE: identity), parameters in lo/hi. */
static int
node_act(const Node *n, float *lo, float *hi)
{
	*lo = *hi = 0;
	switch (n->op) {
	case OP_RELU: return AXRT_ACT_RELU;
	case OP_SIGMOID: return AXRT_ACT_SIGMOID;
	case OP_TANH: return AXRT_ACT_TANH;
	case OP_HARDSWISH: return AXRT_ACT_HARDSWISH;
	case OP_LEAKYRELU: *lo = attr_f(n, "alpha", 0.01f); return AXRT_ACT_LEAKYRELU;
	case OP_HARDSIGMOID:
		*lo = attr_f(n, "alpha", 0.2f);
		*hi = attr_f(n, "beta", 0.5f);
		return AXRT_ACT_HARDSIGMOID;
	case OP_CLIP:
		*lo = n->nin > 1 && n->in[1] && n->in[1]->init ? (float)const_scalar(n->in[1])
			: attr_f(n, "min", -INFINITY);
		*hi = n->nin > 2 && n->in[2] && n->in[2]->init ? (float)const_scalar(n->in[2])
			: attr_f(n, "max", INFINITY);
		return AXRT_ACT_CLIP;
	case OP_IDENTITY: case OP_DROPOUT: case OP_MAXPOOL: case OP_AVERAGEPOOL:
	case OP_GLOBALAVERAGEPOOL: case OP_GLOBALMAXPOOL: case OP_PAD: case OP_RESIZE:
	case OP_UPSAMPLE: case OP_REDUCEMEAN: case OP_REDUCEMAX: case OP_REDUCEMIN:
	case OP_SQUEEZE: case OP_UNSQUEEZE:
		return AXRT_ACT_NONE;
	default:
		return -1;
	}
}

/* A depthwise/grouped conv's output channel o from its group's means. */
static float *
mean_grouped(Ap *p, Node *n, int64_t o, int *cnt)
{
	Tensor *x = n->in[0], *w = n->in[1], *b = n->nin > 2 ? n->in[2] : NULL;
	int64_t gr = attr_i(n, "group", 1), cg = x->dim[1] / gr, og = w->dim[0] / gr;
	int64_t kk = tensor_numel(w) / (w->dim[0] * cg), j = o / og;
	const float *wv = w->init;
	double s = b ? ((const float *)b->init)[o] : 0.0;
	for (int64_t ci = 0; ci < cg; ci++) {
		int k;
		float *mi = mean_of(p, x, j * cg + ci, &k);
		if (!mi)
			return NULL;
		double ws = 0;
		for (int64_t q = 0; q < kk; q++)
			ws += wv[(o * cg + ci) * kk + q];
		s += avg(mi, k) * ws;
	}
	float *v = mnew(p, 1);
	v[0] = act_value(n, n->act, (float)s);
	*cnt = 1;
	return v;
}

/* Elementwise join: the operands' means combined per position. */
static float *
mean_join(Ap *p, Node *n, Tensor *y, int64_t c, int *cnt)
{
	float *op[NODE_MAXIO > 64 ? 64 : NODE_MAXIO];
	float one[64];
	int k[64], nk = 0, wide = 1;
	if (n->nin > 64)
		return NULL;
	for (int i = 0; i < n->nin; i++) {
		Tensor *x = n->in[i];
		if (!x)
			return NULL;
		if (x->init) {
			if (const_at(x, y->rank, c, &one[i]) < 0)
				return NULL;
			op[i] = &one[i];
			k[i] = 1;
		} else if (x->rank == y->rank && x->dim[1] == y->dim[1] && p->m.base[x->id] >= 0) {
			if (!(op[i] = mean_of(p, x, c, &k[i])))
				return NULL;
		} else {
			return NULL;
		}
		if (k[i] > 1)
			wide = wide == 1 || wide == k[i] ? k[i] : -1;
		nk++;
	}
	if (wide < 0)
		wide = 1;   /* positions disagree: channel means only */
	float *v = mnew(p, wide);
	for (int q = 0; q < wide; q++) {
		double acc = 0;
		for (int i = 0; i < nk; i++) {
			double a = k[i] == wide ? op[i][q] : avg(op[i], k[i]);
			if (i == 0) {
				acc = a;
				continue;
			}
			switch (n->op) {
			case OP_ADD: case OP_SUM: case OP_MEAN: acc += a; break;
			case OP_SUB: acc -= a; break;
			case OP_MUL: acc *= a; break;
			case OP_DIV: acc /= a; break;
			case OP_MAX: acc = a > acc ? a : acc; break;
			case OP_MIN: acc = a < acc ? a : acc; break;
			case OP_PRELU: acc = acc < 0 ? acc * a : acc; break;
			default: return NULL;
			}
		}
		v[q] = (float)(n->op == OP_MEAN ? acc / nk : acc);
	}
	*cnt = wide;
	return v;
}

/* Channel c of y from channel c of x through a pass-through node. */
static float *
mean_pass(Ap *p, Node *n, Tensor *y, int64_t c, int *cnt)
{
	Tensor *x = n->in[0];
	float lo, hi, *mi;
	int k, act = node_act(n, &lo, &hi);
	if (n->op == OP_BATCHNORM) {
		mi = mean_of(p, x, c, &k);
		if (!mi)
			return NULL;
		const float *s = n->in[1]->init, *b = n->in[2]->init, *mu = n->in[3]->init, *var = n->in[4]->init;
		double f = s[c] / sqrt((double)var[c] + attr_f(n, "epsilon", 1e-5f));
		float *v = mnew(p, k);
		for (int q = 0; q < k; q++)
			v[q] = (float)((mi[q] - mu[c]) * f + b[c]);
		*cnt = k;
		return v;
	}
	if (act < 0 || !(mi = mean_of(p, x, c, &k)))
		return NULL;
	int64_t hw = prune_hw(y);
	int wide = k == hw ? k : 1;
	float *v = mnew(p, wide);
	for (int q = 0; q < wide; q++)
		v[q] = axrt_act_f32(act, wide == k ? mi[q] : avg(mi, k), lo, hi);
	*cnt = wide;
	return v;
}

/* Maps channel c of y to its source channel through Concat/Split/Slice/
 * flattening; *pos the position for a flattened feature (-1 none). */
static Tensor *
source(Ap *p, Node *n, Tensor *y, int64_t c, int64_t *sc, int64_t *pos)
{
	*pos = -1;
	switch (n->op) {
	case OP_CONCAT: {
		int64_t axis = attr_i(n, "axis", 0), off = 0;
		if ((axis < 0 ? axis + y->rank : axis) != 1) {
			*sc = c;
			return n->nin == 1 ? n->in[0] : NULL;
		}
		for (int i = 0; i < n->nin; i++) {
			if (c < off + n->in[i]->dim[1]) {
				*sc = c - off;
				return n->in[i];
			}
			off += n->in[i]->dim[1];
		}
		return NULL;
	}
	case OP_SPLIT: {
		int64_t axis = attr_i(n, "axis", 0);
		int k = 0;
		while (k < n->nout && n->out[k] != y)
			k++;
		*sc = (axis < 0 ? axis + n->in[0]->rank : axis) == 1 ? prune_split_off(n, k) + c : c;
		return n->in[0];
	}
	case OP_SLICE: {
		int64_t s = 0;
		int idx, r = prune_slice_axis1(n, &s, &idx);
		*sc = r == 1 ? s + c : c;
		return r < 0 ? NULL : n->in[0];
	}
	case OP_FLATTEN: case OP_RESHAPE: {
		Tensor *x = n->in[0];
		if (x->rank == 2 && tensor_same_shape(x, y)) {
			*sc = c;
			return x;
		}
		int64_t hw = prune_hw(x);
		*sc = c / hw;
		*pos = c % hw;
		return x;
	}
	default:
		return NULL;
	}
}

static float *
mean_def(Ap *p, Tensor *t, int64_t c, int *cnt)
{
	Node *n = t->def;
	const PlanLayer *L = p->at[t->id];
	if (L) {
		for (int r = 0; r < L->nremoved; r++)
			if (L->removed[r] == c) {
				*cnt = L->ninner;
				return L->mean + (size_t)r * L->ninner;
			}
		return NULL;
	}
	if (!n || prune_is_producer(n))
		return NULL;
	if (prune_is_grouped(n))
		return mean_grouped(p, n, c, cnt);
	switch (n->op) {
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_SUM: case OP_MAX:
	case OP_MIN: case OP_MEAN: case OP_PRELU:
		return mean_join(p, n, t, c, cnt);
	case OP_CONCAT: case OP_SPLIT: case OP_SLICE: case OP_FLATTEN: case OP_RESHAPE: {
		int64_t sc, pos;
		int k = 0;
		Tensor *x = source(p, n, t, c, &sc, &pos);
		float *mi = x ? mean_of(p, x, sc, &k) : NULL;
		if (!mi || pos < 0) {
			*cnt = k;
			return mi;
		}
		float *v = mnew(p, 1);
		v[0] = k > pos ? mi[pos] : avg(mi, k);
		*cnt = 1;
		return v;
	}
	default:
		return prune_passthrough(n) ? mean_pass(p, n, t, c, cnt) : NULL;
	}
}

/* The mean of channel c of t (positions: *cnt values, 1 or t's h*w), or
 * NULL when it cannot be derived. Memoized per element. */
static float *
mean_of(Ap *p, Tensor *t, int64_t c, int *cnt)
{
	int e = elem(p, t, c);
	if (e < 0)
		return NULL;
	if (p->mstate[e] == 1)
		return NULL;   /* a cycle cannot happen in a DAG; be safe */
	if (p->mstate[e] == 0) {
		p->mstate[e] = 1;
		p->mv[e] = mean_def(p, t, c, &p->mn[e]);
		p->mstate[e] = 2;
	}
	*cnt = p->mn[e];
	return p->mv[e];
}

/* ---- rewriting constants ---- */

/* A new float constant named after t, copying src with dims dim. */
static Tensor *
new_const(Graph *g, const char *hint, int rank, const int64_t *dim)
{
	Tensor *t = graph_new_tensor(g, arena_printf(g->arena, "%s_pruned", hint));
	tensor_set(t, DT_F32, rank, dim);
	t->init = arena_alloc(g->arena, tensor_bytes(t) ? tensor_bytes(t) : 1);
	return t;
}

/* t without the entries of axis ax whose keep[] is 0 (a new constant). */
static Tensor *
drop_axis(Graph *g, Tensor *t, int ax, const unsigned char *keep)
{
	int64_t dim[IR_MAXRANK], outer = 1, inner = 1, n = t->dim[ax], nk = 0;
	for (int k = 0; k < t->rank; k++) {
		dim[k] = t->dim[k];
		if (k < ax)
			outer *= t->dim[k];
		if (k > ax)
			inner *= t->dim[k];
	}
	for (int64_t i = 0; i < n; i++)
		nk += keep[i] != 0;
	if (nk == n)
		return t;
	dim[ax] = nk;
	const char *cut = strstr(t->name, "_pruned");   /* no name grows per step */
	Tensor *r = new_const(g, cut ? arena_strndup(g->arena, t->name, cut - t->name) : t->name,
		t->rank, dim);
	const float *s = t->init;
	float *d = r->init;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < n; i++) {
			if (keep[i]) {
				memcpy(d, s, (size_t)inner * sizeof *d);
				d += inner;
			}
			s += inner;
		}
	return r;
}

/* an int64 constant holding v[0..n) */
static Tensor *
new_ints(Graph *g, const char *hint, const int64_t *v, int n)
{
	Tensor *t = graph_new_tensor(g, arena_printf(g->arena, "%s_pruned", hint));
	int64_t dim = n;
	tensor_set(t, DT_I64, 1, &dim);
	t->init = arena_memdup(g->arena, v, (size_t)(n ? n : 1) * sizeof *v);
	return t;
}

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

/* Sets integer-list attribute name of n (adding it when absent). */
static void
set_ints_attr(Graph *g, Node *n, const char *name, const int64_t *v, int cnt)
{
	Attr *a = NULL;
	for (int i = 0; i < n->nattr; i++)
		if (!strcmp(n->attr[i].name, name))
			a = &n->attr[i];
	if (!a) {
		Attr *v2 = arena_alloc(g->arena, (size_t)(n->nattr + 1) * sizeof *v2);
		memcpy(v2, n->attr, (size_t)n->nattr * sizeof *v2);
		n->attr = v2;
		a = &n->attr[n->nattr++];
		a->name = arena_strdup(g->arena, name);
	}
	a->type = AT_INTS;
	a->n = cnt;
	a->ints = arena_memdup(g->arena, v, (size_t)(cnt ? cnt : 1) * sizeof *v);
}

static void
set_int_attr(Node *n, const char *name, int64_t v)
{
	for (int i = 0; i < n->nattr; i++)
		if (!strcmp(n->attr[i].name, name)) {
			n->attr[i].type = AT_INT;
			n->attr[i].i = v;
		}
}

/* The linear replacement of reader input x: the plan layer whose measured
 * channels x is (*hw 1) or flattens (*hw positions per channel), when it
 * has coefficients; else NULL. */
static const PlanLayer *
lin_of(Ap *p, Tensor *x, int64_t *hw, Tensor **site)
{
	*hw = 1;
	*site = x;
	const PlanLayer *L = x->id < p->nt ? p->at[x->id] : NULL;
	if (!L && x->def && prune_is_flatten(x->def) && x->def->in[0]->id < p->nt) {
		*site = x->def->in[0];
		L = p->at[(*site)->id];
		*hw = prune_hw(*site);
	}
	return L && L->coef ? L : NULL;
}

/* w (read by a reader of x) with the linear replacement of x's removed
 * channels folded in: a removed feature f = c*hw + pos stands for
 * sum_k coef[c][k] * (feature k*hw + pos) plus the intercept (folded into
 * the bias like a mean), so each kept feature's weights gain coef times
 * the removed one's. Weight (output j, feature f, tap q) is at
 * j*sj + f*sf + q, q < kk. Returns a new constant, or w. */
static Tensor *
fold_linear(Ap *p, Tensor *x, Tensor *w, int64_t nout, int64_t sj, int64_t sf, int64_t kk)
{
	int64_t hw;
	Tensor *t;
	const PlanLayer *L = lin_of(p, x, &hw, &t);
	if (!L)
		return w;
	Tensor *r = new_const(p->g, w->name, w->rank, w->dim);
	memcpy(r->init, w->init, tensor_bytes(w));
	float *wv = r->init;
	const float *w0 = w->init;
	for (int i = 0; i < L->nremoved; i++) {
		int64_t c = L->removed[i];
		for (int64_t k = 0; k < L->nch; k++) {
			double a = L->coef[(size_t)i * L->nch + k];
			if (a == 0 || gone(p, t, k))
				continue;
			for (int64_t pos = 0; pos < hw; pos++) {
				int64_t fc = c * hw + pos, fk = k * hw + pos;
				for (int64_t j = 0; j < nout; j++)
					for (int64_t q = 0; q < kk; q++)
						wv[j * sj + fk * sf + q] += (float)(a * w0[j * sj + fc * sf + q]);
			}
		}
	}
	return r;
}

/* The scalar mean of removed input channel c of reader n, or NAN. */
static double
reader_mean(Ap *p, Tensor *x, int64_t c)
{
	int k;
	float *v = mean_of(p, x, c, &k);
	if (!v) {
		p->nocomp++;
		return NAN;
	}
	return avg(v, k);
}

/* Conv (group 1): output rows, input columns, bias + compensation. */
static void
edit_conv(Ap *p, Node *n)
{
	Graph *g = p->g;
	Tensor *x = n->in[0], *w = n->in[1], *y = n->out[0], *b = n->nin > 2 ? n->in[2] : NULL;
	int64_t o = w->dim[0], cin = w->dim[1], kk = tensor_numel(w) / (o * cin);
	unsigned char *ko = keepmask(p, y, o), *ki = keepmask(p, x, cin);
	double *comp = arena_alloc(p->a, o * sizeof *comp);
	int any = 0;
	const float *wv = w->init;
	const PlanLayer *L = x->id < p->nt ? p->at[x->id] : NULL;
	if (L && L->rw && !strcmp(L->rname, n->name)) {
		/* reader least squares: the fit's weight and bias changes
		 * (checked against this conv in check_means) */
		Tensor *r = new_const(g, w->name, w->rank, w->dim);
		float *rv = r->init;
		for (int64_t i = 0; i < o * cin * kk; i++)
			rv[i] = (float)((double)wv[i] + L->rw[i]);
		for (int64_t q = 0; q < o; q++)
			comp[q] = L->rb[q];
		any = 1;
		w = r;
	} else {
		for (int64_t c = 0; c < cin; c++) {
			double mu;
			if (ki[c] || isnan(mu = reader_mean(p, x, c)) || mu == 0)
				continue;
			any = 1;
			for (int64_t r = 0; r < o; r++) {
				double s = 0;
				for (int64_t q = 0; q < kk; q++)
					s += wv[(r * cin + c) * kk + q];
				comp[r] += mu * s;
			}
		}
		w = fold_linear(p, x, w, o, cin * kk, kk, kk);
	}
	Tensor *w2 = drop_axis(g, drop_axis(g, w, 0, ko), 1, ki);
	n->in[1] = w2;
	if (!b && !any)
		return;
	int64_t no = 0;
	for (int64_t r = 0; r < o; r++)
		no += ko[r];
	Tensor *b2 = new_const(g, b ? b->name : arena_printf(g->arena, "%s_bias", n->name), 1, &no);
	float *bv = b2->init;
	for (int64_t r = 0, k = 0; r < o; r++)
		if (ko[r])
			bv[k++] = (float)((b ? ((const float *)b->init)[r] : 0.0) + comp[r]);
	set_input(g, n, 2, b2);
}

/* Gemm: Y = alpha A B' + beta C. B' column j is output j; C broadcasts. */
/* The bias change of a matrix reader (Gemm, MatMul) for its removed input
 * rows: comp[j] = scale * sum over removed c of mean_c * W[c][j] (W k x nn,
 * or nn x k when tb). Returns whether any removed row has a mean. */
static int
matrix_comp(Ap *p, Tensor *x, const float *wv, int64_t k, int64_t nn, int tb, double scale,
	const unsigned char *ki, double *comp)
{
	int any = 0;
	for (int64_t c = 0; c < k; c++) {
		double mu;
		if (ki[c] || isnan(mu = reader_mean(p, x, c)) || mu == 0)
			continue;
		any = 1;
		for (int64_t j = 0; j < nn; j++)
			comp[j] += scale * mu * wv[tb ? j * k + c : c * nn + j];
	}
	return any;
}

static void
edit_gemm(Ap *p, Node *n)
{
	Graph *g = p->g;
	Tensor *x = n->in[0], *w = n->in[1], *y = n->out[0], *cc = n->nin > 2 ? n->in[2] : NULL;
	int tb = attr_i(n, "transB", 0) != 0;
	double alpha = attr_f(n, "alpha", 1.0f), beta = attr_f(n, "beta", 1.0f);
	int64_t nn = w->dim[tb ? 0 : 1], k = w->dim[tb ? 1 : 0];
	unsigned char *ko = keepmask(p, y, nn), *ki = keepmask(p, x, k);
	double *comp = arena_alloc(p->a, nn * sizeof *comp);
	int any = matrix_comp(p, x, w->init, k, nn, tb, alpha, ki, comp);
	w = fold_linear(p, x, w, nn, tb ? k : 1, tb ? 1 : nn, 1);
	n->in[1] = drop_axis(g, drop_axis(g, w, tb ? 0 : 1, ko), tb ? 1 : 0, ki);
	if (any && beta == 0) {
		p->nocomp++;
		any = 0;
	}
	int64_t rows = cc && cc->rank == 2 ? cc->dim[0] : 1;
	int64_t cols = cc && cc->rank >= 1 ? cc->dim[cc->rank - 1] : 1;
	if ((!cc && !any) || (cc && cols == 1 && !any))
		return;   /* a broadcast bias stays as it is */
	int64_t no = 0, dim[2];
	for (int64_t j = 0; j < nn; j++)
		no += ko[j];
	dim[0] = rows;
	dim[1] = no;
	int rank = cc && cc->rank == 2 ? 2 : 1;
	Tensor *c2 = new_const(g, cc ? cc->name : arena_printf(g->arena, "%s_bias", n->name),
		rank, rank == 2 ? dim : dim + 1);
	float *cv = c2->init;
	const float *ov = cc ? cc->init : NULL;
	for (int64_t r = 0; r < rows; r++)
		for (int64_t j = 0, q = 0; j < nn; j++)
			if (ko[j])
				cv[r * no + q++] = (float)((ov ? ov[r * cols + (cols == 1 ? 0 : j)] : 0.0) +
					comp[j] / beta);
	set_input(g, n, 2, c2);
}

/* MatMul with constant B [K, N]; a compensation needs a bias: Y = (A B) + b
 * as a new Add node after it (the output keeps its name). */
static void
edit_matmul(Ap *p, Node *n)
{
	Graph *g = p->g;
	Tensor *x = n->in[0], *w = n->in[1], *y = n->out[0];
	int64_t k = w->dim[0], nn = w->dim[1];
	unsigned char *ko = keepmask(p, y, nn), *ki = keepmask(p, x, k);
	double *comp = arena_alloc(p->a, nn * sizeof *comp);
	int any = matrix_comp(p, x, w->init, k, nn, 0, 1.0, ki, comp);
	w = fold_linear(p, x, w, nn, 1, nn, 1);
	n->in[1] = drop_axis(g, drop_axis(g, w, 1, ko), 0, ki);
	if (!any)
		return;
	int64_t no = 0;
	for (int64_t j = 0; j < nn; j++)
		no += ko[j];
	Tensor *b = new_const(g, arena_printf(g->arena, "%s_bias", n->name), 1, &no);
	for (int64_t j = 0, q = 0; j < nn; j++)
		if (ko[j])
			((float *)b->init)[q++] = (float)comp[j];
	Tensor *t = graph_new_tensor(g, arena_printf(g->arena, "%s_nobias", y->name));
	tensor_set(t, y->dtype, y->rank, y->dim);
	Node *add = graph_add_node(g, "Add", arena_printf(g->arena, "%s_bias", n->name), 2, 1);
	add->op = OP_ADD;
	add->in[0] = t;
	add->in[1] = b;
	add->out[0] = y;
	n->out[0] = t;
	t->def = n;
	y->def = add;
}

/* A grouped conv loses whole groups: their filters, biases and the group
 * count (their input channels go with them: the same elements). */
static void
edit_grouped(Ap *p, Node *n)
{
	Tensor *w = n->in[1], *y = n->out[0], *b = n->nin > 2 ? n->in[2] : NULL;
	int64_t gr = attr_i(n, "group", 1), o = w->dim[0], og = o / gr, ng = 0;
	unsigned char *ko = keepmask(p, y, o);
	for (int64_t j = 0; j < gr; j++)
		ng += ko[j * og];
	if (ng == gr)
		return;
	n->in[1] = drop_axis(p->g, w, 0, ko);
	if (b)
		n->in[2] = drop_axis(p->g, b, 0, ko);
	set_int_attr(n, "group", ng);
}

/* Per-channel constants of elementwise ops and normalizations. */
static void
edit_consts(Ap *p, Node *n)
{
	Tensor *y = n->out[0];
	unsigned char *ko = keepmask(p, y, y->dim[1]);
	int first = n->op == OP_BATCHNORM || n->op == OP_INSTANCENORM ? 1 : 0;
	for (int i = first; i < n->nin; i++) {
		Tensor *k = n->in[i];
		if (!k || !k->init || k->dtype != DT_F32)
			continue;
		int ax = first ? 0 : 1 - (y->rank - k->rank);
		if (ax >= 0 && ax < k->rank && k->dim[ax] == y->dim[1] && y->dim[1] > 1)
			n->in[i] = drop_axis(p->g, k, ax, ko);
	}
}

static void
edit_split(Ap *p, Node *n)
{
	int64_t axis = attr_i(n, "axis", 0), v[NODE_MAXIO > 256 ? 256 : NODE_MAXIO];
	if ((axis < 0 ? axis + n->in[0]->rank : axis) != 1 || n->nout > 256)
		return;
	for (int k = 0; k < n->nout; k++)
		v[k] = n->out[k] ? kept(p, n->out[k]) : 0;
	if (n->opset >= 13)
		set_input(p->g, n, 1, new_ints(p->g, n->name, v, n->nout));
	else
		set_ints_attr(p->g, n, "split", v, n->nout);
}

static void
edit_slice(Ap *p, Node *n)
{
	Tensor *x = n->in[0], *y = n->out[0];
	int64_t s, st[IR_MAXRANK], en[IR_MAXRANK];
	int idx;
	if (prune_slice_axis1(n, &s, &idx) != 1)
		return;
	int k = prune_slice_param(n, 1, "starts", st);
	if (prune_slice_param(n, 2, "ends", en) != k)
		return;
	int64_t ns = 0;
	for (int64_t c = 0; c < s; c++)
		ns += !gone(p, x, c);
	st[idx] = ns;
	en[idx] = ns + kept(p, y);
	if (n->nin > 2 && n->in[1] && n->in[2]) {
		set_input(p->g, n, 1, new_ints(p->g, n->name, st, k));
		set_input(p->g, n, 2, new_ints(p->g, n->name, en, k));
	} else {
		set_ints_attr(p->g, n, "starts", st, k);
		set_ints_attr(p->g, n, "ends", en, k);
	}
}

/* A flattening Reshape's target shape: the feature count changed. */
static void
edit_reshape(Ap *p, Node *n)
{
	int64_t v[IR_MAXRANK];
	Tensor *y = n->out[0];
	int k = n->nin > 1 ? const_ints(n->in[1], v, IR_MAXRANK) : -1;
	if (k != 2 || v[1] <= 0)
		return;
	v[1] = kept(p, y);
	set_input(p->g, n, 1, new_ints(p->g, n->name, v, 2));
}

/* Resize with output sizes: the channel entry changed. */
static void
edit_resize(Ap *p, Node *n)
{
	int64_t v[IR_MAXRANK];
	int k = n->nin > 3 && n->in[3] ? const_ints(n->in[3], v, IR_MAXRANK) : -1;
	if (k < 2 || k != n->out[0]->rank)
		return;
	v[1] = kept(p, n->out[0]);
	set_input(p->g, n, 3, new_ints(p->g, n->name, v, k));
}

static void
edit_node(Ap *p, Node *n)
{
	if (prune_is_producer(n)) {
		if (n->op == OP_CONV)
			edit_conv(p, n);
		else if (n->op == OP_GEMM)
			edit_gemm(p, n);
		else
			edit_matmul(p, n);
		return;
	}
	if (prune_is_grouped(n)) {
		edit_grouped(p, n);
		return;
	}
	switch (n->op) {
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_SUM: case OP_MAX:
	case OP_MIN: case OP_MEAN: case OP_PRELU: case OP_POW:
	case OP_BATCHNORM: case OP_INSTANCENORM:
		edit_consts(p, n);
		break;
	case OP_SPLIT: edit_split(p, n); break;
	case OP_SLICE: edit_slice(p, n); break;
	case OP_RESHAPE: edit_reshape(p, n); break;
	case OP_RESIZE: edit_resize(p, n); break;
	default: break;
	}
}

/* ---- checking the plan ---- */

/* Marks the removals of layer L (node n); 0 or -1. */
static int
mark(Ap *p, const PlanLayer *L, Node *n)
{
	Tensor *y = n->out[0];
	if (!prune_is_producer(n) || p->m.base[y->id] < 0)
		return diag_node(p->d, n, "plan: only output channels of a Conv (group 1), Gemm or "
			"MatMul with constant weights can be removed");
	for (int r = 0; r < L->nremoved; r++) {
		int c = L->removed[r];
		if (c < 0 || c >= y->dim[1] || (r && c <= L->removed[r - 1]))
			return diag_node(p->d, n, "plan: removed channel %d is out of range or out of order", c);
		int e = prune_find(&p->m, elem(p, y, c));
		if (p->m.note[e])
			return diag_node(p->d, n, "plan: channel %d cannot be removed: %s", c, p->m.note[e]);
		p->rm[e] = 1;
	}
	return 0;
}

/* A layer that lists removals must list every channel of its output that
 * goes (ties through a residual join, a grouped conv's group, a Concat). */
static int
check_listed(Ap *p, const PlanLayer *L, Node *n)
{
	Tensor *y = n->out[0];
	for (int64_t c = 0, r = 0; c < y->dim[1]; c++) {
		int listed = r < L->nremoved && L->removed[r] == c;
		r += listed;
		if (listed == gone(p, y, c))
			continue;
		return diag_node(p->d, n, "plan: channel %lld of this layer %s, but it is tied to "
			"channels that %s (residual join, grouped conv or Concat); list the same "
			"channels on every layer of the group", (long long)c,
			listed ? "is listed" : "is not listed", listed ? "stay" : "are removed");
	}
	return 0;
}

static int
check_means(Ap *p, const PlanLayer *L, Node *n)
{
	if (!L->mean)
		return 0;
	Tensor *t = prune_mean_at(&p->m, n->out[0]);
	if (L->coef && !(t = prune_linear_at(&p->m, n->out[0])))
		t = prune_mean_at(&p->m, n->out[0]);
	if (L->ninner != 1 && L->ninner != prune_hw(t))
		return diag_node(p->d, n, "plan: means have %d values per channel, expected 1 or %lld "
			"(positions of '%s')", L->ninner, (long long)prune_hw(t), t->name);
	if (L->coef && (t->dim[1] != L->nch || !prune_linear_site(&p->m, t)))
		return diag_node(p->d, n, "plan: a linear replacement (coef) needs every reader of "
			"'%s' to take its channels through constant weights (Conv, Gemm, MatMul, Flatten)",
			t->name);
	if (L->rw) {
		const Node *r = prune_conv_reader(&p->m, t);
		if (!r || strcmp(r->name, L->rname) || t->dim[1] != L->nch ||
		    tensor_numel(r->in[1]) != L->nrw || r->in[1]->dim[0] != L->nrb)
			return diag_node(p->d, n, "plan: the reader correction is for '%s', which must be "
				"the only reader of '%s', a Conv of group 1 with %d weights and %d outputs",
				L->rname, t->name, L->nrw, L->nrb);
	}
	p->at[t->id] = L;
	return 0;
}

static int
mark_all(Ap *p, const Plan *pl)
{
	int nerr = p->d->nerr;
	for (int i = 0; i < pl->nlayer; i++) {
		const PlanLayer *L = &pl->layer[i];
		Node *n = L->nremoved ? graph_live_node(p->g, L->name) : NULL;
		if (!L->nremoved)
			continue;
		if (!n)
			diag_error(p->d, "plan: layer '%s' is not in the model", L->name);
		else
			mark(p, L, n);
	}
	for (int i = 0; i < pl->nlayer && p->d->nerr == nerr; i++) {
		const PlanLayer *L = &pl->layer[i];
		Node *n = L->nremoved ? graph_live_node(p->g, L->name) : NULL;
		if (n && check_listed(p, L, n) == 0)
			check_means(p, L, n);
	}
	for (int i = 0; i < p->g->ntensor && p->d->nerr == nerr; i++) {
		Tensor *t = p->g->tensor[i];
		if (p->m.base[i] >= 0 && kept(p, t) == 0)
			return t->def ? diag_node(p->d, t->def, "plan: removes every channel of '%s'", t->name)
				: diag_error(p->d, "plan: removes every channel of '%s'", t->name);
	}
	return p->d->nerr > nerr ? -1 : 0;
}

int
prune_apply(Graph *g, const Plan *pl, Diag *d)
{
	int any = 0;
	for (int i = 0; i < pl->nlayer; i++)
		any |= pl->layer[i].nremoved > 0;
	if (!any)
		return 0;
	Ap p = {.g = g, .d = d, .a = arena_new()};
	prune_map(g, p.a, &p.m);
	p.nt = g->ntensor;
	int nel = p.m.nel ? p.m.nel : 1;
	p.rm = arena_alloc(p.a, nel);
	p.at = arena_alloc(p.a, (g->ntensor ? g->ntensor : 1) * sizeof *p.at);
	p.mstate = arena_alloc(p.a, nel);
	p.mv = arena_alloc(p.a, nel * sizeof *p.mv);
	p.mn = arena_alloc(p.a, nel * sizeof *p.mn);
	int rc = mark_all(&p, pl);
	for (int i = 0; i < g->nnode && rc == 0; i++) {   /* means first: edits change weights */
		Node *n = g->node[i];
		if (n->dead || !prune_is_producer(n) || p.m.base[n->in[0]->id] < 0)
			continue;
		for (int64_t c = 0; c < n->in[0]->dim[1]; c++) {
			int k;
			if (gone(&p, n->in[0], c))
				mean_of(&p, n->in[0], c, &k);
		}
	}
	int nnode = g->nnode;
	for (int i = 0; i < nnode && rc == 0; i++)
		if (!g->node[i]->dead)
			edit_node(&p, g->node[i]);
	if (rc == 0) {
		for (int i = 0; i < p.nt; i++)
			if (p.m.base[i] >= 0)
				g->tensor[i]->dim[1] = kept(&p, g->tensor[i]);
		if (g->nnode != nnode && graph_toposort(g, d) < 0)
			rc = -1;
		int nerr = d->nerr;
		for (int i = 0; i < g->nnode && rc == 0; i++)
			if (!g->node[i]->dead && infer_node(g, g->node[i], d) < 0)
				rc = -1;
		if (rc < 0 && d->nerr == nerr)
			rc = diag_error(d, "prune: shapes no longer agree after pruning");
	}
	int means = 0;
	for (int i = 0; i < pl->nlayer; i++)
		means |= pl->layer[i].mean != NULL;
	if (rc == 0 && p.nocomp && means)
		diag_note(d, "prune: %d removed channel reads have no mean to fold in (dropped as zero)",
			p.nocomp);
	arena_free(p.a);
	return rc;
}
