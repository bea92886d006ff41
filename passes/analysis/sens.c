/* sens.c: the analysis driver -- finds the layers of a planned Program,
 * captures the exact run (snapshots at every layer's input and output,
 * per-channel output statistics), then sweeps every layer and measures
 * every filter. needs: a planned Program whose single input is float32;
 * gives: a filled Sens (reports: report.c, svg.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "ops.h"

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static int
is_compute(const Node *n)
{
	return n->op == OP_CONV || n->op == OP_CONVTRANSPOSE || n->op == OP_GEMM || n->op == OP_MATMUL;
}

int
sens_pack_weights(const Program *p, const SensLayer *L, const float *w, void *dst)
{
	Node *n = (Node *)L->node;
	Tensor *t = n->in[1];
	int saved[2 * NODE_MAXIO], k = 0, rc = -1;
	for (int i = 0; i < n->nin; i++)     /* lowering renumbers Tensor.buf: keep ours */
		saved[k++] = n->in[i] ? n->in[i]->buf : 0;
	for (int i = 0; i < n->nout; i++)
		saved[k++] = n->out[i] ? n->out[i]->buf : 0;
	void *init = t->init;
	Diag d = diag_capture();
	t->init = (void *)w;
	Program *q = prog_lower_node(p->g, n, &d);
	t->init = init;
	int r = L->wstep - L->first;
	if (q && r < q->nstep && q->step[r].k == p->step[L->wstep].k && q->step[r].nin >= 2 &&
	    q->step[r].in[1] >= 0) {
		const Buf *b = &q->buf[buf_root(q, q->step[r].in[1], NULL)];
		if (b->kind == BUF_CONST && b->size == p->buf[L->wbuf].size && b->data) {
			memcpy(dst, b->data, b->size);
			rc = 0;
		}
	}
	prog_free(q);
	for (int i = 0; i < n->nin; i++)
		if (n->in[i])
			n->in[i]->buf = saved[i];
	for (int i = 0; i < n->nout; i++)
		if (n->out[i])
			n->out[i]->buf = saved[n->nin + i];
	return rc;
}

/* Channel layout of the ONNX-layout weights (see SensLayer.wcols). */
static int
weight_cols(const Node *n)
{
	if (n->op == OP_CONV)
		return 0;                     /* [m][c/group][k...] */
	if (n->op == OP_GEMM)
		return attr_i(n, "transB", 0) ? 0 : 1;
	if (n->op == OP_MATMUL && n->in[1]->rank == 2)
		return 1;                     /* B [k][n] */
	return -1;
}

/* The weights of a compute layer: node input 1, a float32 constant, read
 * by one of its steps as a constant (possibly packed or transposed by the
 * lowering); usable when lowering the node again reproduces that constant
 * bit for bit. Otherwise the weight kinds are skipped (wbuf -1). */
static void
layer_weights(const Program *p, SensLayer *L)
{
	const Tensor *t = L->node->nin > 1 ? L->node->in[1] : NULL;
	L->wbuf = -1;
	L->wcols = -1;
	if (!is_compute(L->node) || !t || !t->init || t->dtype != DT_F32)
		return;
	for (int s = L->first; s <= L->last && L->wbuf < 0; s++) {
		const Step *st = &p->step[s];
		if (st->nin < 2 || st->in[1] < 0)
			continue;
		int r = buf_root(p, st->in[1], NULL);
		if (p->buf[r].kind == BUF_CONST && p->buf[r].dtype == DT_F32) {
			L->wstep = s;
			L->wbuf = r;
		}
	}
	if (L->wbuf < 0)
		return;
	L->w0 = t->init;
	L->wn = tensor_numel(t);
	void *chk = xmalloc(p->buf[L->wbuf].size + 1);
	if (sens_pack_weights(p, L, L->w0, chk) < 0 ||
	    memcmp(chk, p->buf[L->wbuf].data, p->buf[L->wbuf].size) != 0)
		L->wbuf = -1;
	free(chk);
	L->wcols = weight_cols(L->node);
}

/* Channels = dim 1 of the output (dim 0 for rank 1); for MatMul the last
 * dim (its weight columns). */
static void
layer_shape(SensLayer *L, const Tensor *t)
{
	L->outn = tensor_numel(t);
	L->nch = t->rank >= 2 ? t->dim[1] : t->rank == 1 ? t->dim[0] : 1;
	L->inner = 1;
	for (int i = 2; i < t->rank; i++)
		L->inner *= t->dim[i];
	if (L->node->op == OP_MATMUL && t->rank >= 1) {
		L->nch = t->dim[t->rank - 1];
		L->inner = 1;
	}
	if (L->nch < 1)
		L->nch = 1;
}

/* The node's output 0 buffer if it is float32 and written by its steps. */
static int
layer_out(const Program *p, const Node *n, int last)
{
	const Tensor *t = n->nout > 0 ? n->out[0] : NULL;
	if (!t || t->dtype != DT_F32)
		return -1;
	if (t->buf >= 0 && t->buf < p->nbuf && p->buf[t->buf].t == t)
		return t->buf;
	return p->step[last].nout > 0 ? p->step[last].out[0] : -1;
}

int
sens_layers(Sens *s, const Program *p)
{
	s->layer = xmalloc(((size_t)p->nstep + 1) * sizeof *s->layer);
	s->nlayer = 0;
	for (int i = 0; i < p->nstep; i++) {
		const Node *n = p->step[i].node;
		if (!n || (!s->o.all_layers && !is_compute(n)))
			continue;
		SensLayer *L = s->nlayer ? &s->layer[s->nlayer - 1] : NULL;
		if (L && L->node == n) {
			L->last = i;
			continue;
		}
		L = &s->layer[s->nlayer++];
		memset(L, 0, sizeof *L);
		L->node = n;
		L->idx = s->nlayer - 1;
		L->key = fnv1a(n->name);
		L->first = L->last = i;
	}
	int k = 0;
	for (int i = 0; i < s->nlayer; i++) {   /* keep those with a float output */
		SensLayer *L = &s->layer[i];
		L->out = layer_out(p, L->node, L->last);
		if (L->out < 0)
			continue;
		layer_shape(L, L->node->out[0]);
		if ((int64_t)(p->buf[L->out].size / sizeof(float)) != L->outn)
			continue;
		layer_weights(p, L);
		s->layer[k] = *L;
		s->layer[k].idx = k;
		k++;
	}
	s->nlayer = k;
	return 0;
}

/* ---- capture statistics ---- */

/* per sample and channel: sum, sum |y|, zeros; per sample: max |y| */
static void
stats_obs(void *ctx, const float *y, int64_t n, int sample)
{
	SensLayer *L = ctx;
	int64_t nc = L->nch, in = L->inner, outer = n / (nc * in);
	double *ps = L->psum + (size_t)sample * nc, *pa = L->pabs + (size_t)sample * nc;
	double *pz = L->pzero + (size_t)sample * nc, mx = 0;
	for (int64_t c = 0; c < nc; c++) {
		double su = 0, ab = 0, z = 0;
		for (int64_t o = 0; o < outer; o++)
			for (int64_t j = 0; j < in; j++) {
				double v = y[(o * nc + c) * in + j];
				su += v;
				ab += fabs(v);
				z += v == 0;
				mx = fabs(v) > mx ? fabs(v) : mx;
			}
		ps[c] = su;
		pa[c] = ab;
		pz[c] = z;
	}
	L->pmax[sample] = mx;
}

static void
stats_alloc(SensLayer *L, int n)
{
	size_t m = (size_t)n * (size_t)L->nch + 1;
	L->psum = xmalloc(m * sizeof(double));
	L->pabs = xmalloc(m * sizeof(double));
	L->pzero = xmalloc(m * sizeof(double));
	L->pmax = xmalloc(((size_t)n + 1) * sizeof(double));
}

/* The capture run: boundaries before each layer and after it (with its
 * output forced in), observers on every layer's output. */
static int
capture(Sens *s)
{
	int nb = 2 * s->nlayer;
	int *steps = xmalloc(((size_t)nb + 1) * sizeof *steps), *bufs = xmalloc(((size_t)nb + 1) * sizeof *bufs);
	Observer *obs = xmalloc(((size_t)s->nlayer + 1) * sizeof *obs);
	for (int i = 0; i < s->nlayer; i++) {
		SensLayer *L = &s->layer[i];
		steps[2 * i] = L->first;
		bufs[2 * i] = -1;
		steps[2 * i + 1] = L->last + 1;
		bufs[2 * i + 1] = L->out;
		stats_alloc(L, s->set.n);
		obs[i] = (Observer){L->last, L->out, stats_obs, L};
	}
	int rc = sens_prepare(&s->set, steps, bufs, nb, obs, s->nlayer);
	for (int i = 0; i < s->nlayer && rc == 0; i++) {
		SensLayer *L = &s->layer[i];
		double mx = 0;
		for (int k = 0; k < s->set.n; k++)
			mx = L->pmax[k] > mx ? L->pmax[k] : mx;
		L->out_amax = (float)mx;
	}
	free(steps);
	free(bufs);
	free(obs);
	return rc;
}

int
sens_run(Sens *s, const Program *p, const float *x, int64_t insz, int n, const int32_t *label,
	Diag *d)
{
	Progress pg;
	if (s->o.repeats < 1)
		s->o.repeats = 3;
	if (s->o.repeats > SENS_MAXREP)
		s->o.repeats = SENS_MAXREP;
	s->set = (SensSet){.p = p, .n = n, .x = x, .insz = insz, .label = label,
		.nthreads = s->o.nthreads, .budget = s->o.budget};
	if (p->ninput != 1 || n < 1)
		return diag_error(d, "analysis needs one model input and at least one sample");
	sens_layers(s, p);
	double t0 = sens_now();
	int rc = capture(s);
	s->t_capture = sens_now() - t0;
	if (rc)
		return diag_error(d, "a kernel returned status %d on the exact model", rc);
	double total = 0;
	for (int i = 0; i < s->nlayer; i++)
		total += sens_layer_work(s, &s->layer[i]) +
			(s->o.filters ? sens_filter_work(s, &s->layer[i]) * (s->o.filters > 1) : 0);
	progress_start(&pg, s->o.progress, total);
	t0 = sens_now();
	for (int i = 0; i < s->nlayer && rc == 0; i++)
		rc = sens_sweep_layer(s, &s->layer[i], &pg);
	sens_rank(s);
	s->t_layers = sens_now() - t0;
	t0 = sens_now();
	for (int i = 0; i < s->nlayer && rc == 0 && s->o.filters; i++)
		rc = sens_filters(s, &s->layer[i], s->o.filters > 1, &pg);
	s->t_filters = sens_now() - t0;
	progress_end(&pg);
	if (rc)
		return diag_error(d, "a kernel returned status %d during the analysis", rc);
	return 0;
}

void
sens_free(Sens *s)
{
	for (int i = 0; i < s->nlayer; i++) {
		SensLayer *L = &s->layer[i];
		free(L->psum);
		free(L->pabs);
		free(L->pzero);
		free(L->pmax);
		free(L->filt);
	}
	free(s->layer);
	s->layer = NULL;
	s->nlayer = 0;
	if (s->set.p)
		sens_release(&s->set);
}
