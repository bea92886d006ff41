/* calib.c: activation ranges for fixed-point formats (APPROX.md §3). The
 * float Program of a canonical graph runs in the interpreter over the
 * calibration samples (contiguous blocks, one thread each); after the last
 * step of each node, its float outputs are folded into per-thread
 * statistics: max |x| in a first run and, for the histogram methods, a
 * 2048-bin histogram of |x| over [0, max] in a second. Per-thread results
 * are reduced by max and integer sums, so every number is the same for any
 * thread count. Statistics are kept by tensor name: the optimizer re-imports
 * the model for each trial. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "axrt.h"
#include "calib.h"
#include "ops.h"

typedef struct Stat {
	const char *name;      /* tensor name (c->a) */
	double amax;           /* max |x| over the run (non-finite values skipped) */
	uint64_t *hist;        /* CALIB_NBIN counts of nonzero |x| over [0, amax], or NULL */
	uint64_t nzero;        /* exact zeros (every format holds them exactly) */
} Stat;

struct Calib {
	Arena *a;
	CalibOpts o;
	Stat *st; int nst;
};

const CalibOpts *
calib_opts(const Calib *c)
{
	return &c->o;
}

void
calib_free(Calib *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nst; i++)
		free(c->st[i].hist);
	arena_free(c->a);
}

static const Stat *
stat_find(const Calib *c, const char *name)
{
	for (int i = 0; i < c->nst; i++)
		if (!strcmp(c->st[i].name, name))
			return &c->st[i];
	return NULL;
}

double
calib_amax(const Calib *c, const char *name)
{
	const Stat *s = stat_find(c, name);
	return s ? s->amax : -1;
}

/* ---- the runs ---- */

/* What one run observes: tensor slot k is read after step ready[k]. */
typedef struct Probe {
	const Program *p;
	int nslot;
	const Tensor **t;      /* per slot */
	int *ready;            /* per slot: step index */
	int *first;            /* per step + 1: slots ready at step s are
	                        * order[first[s] .. first[s+1]) */
	int *order;
	int pass;              /* 0: maxima, 1: histograms */
	const double *amax;    /* pass 1: per slot, the reduced maxima */
	const float *x;
	int64_t insz;
	int n, nthreads;
} Probe;

typedef struct Thr {
	const Probe *pr;
	int first, last, rc;
	void *arena;
	const void *in[1];
	void **out;
	double *amax;          /* per slot */
	uint64_t *hist;        /* per slot * CALIB_NBIN (pass 1) */
	uint64_t *zero;        /* per slot (pass 1) */
} Thr;

static void *
bufaddr(const Program *p, int b, const void *const *in, void *const *out, void *arena)
{
	size_t off;
	const Buf *r = &p->buf[buf_root(p, b, &off)];
	unsigned char *base = NULL;
	switch (r->kind) {
	case BUF_ARENA: base = (unsigned char *)arena + r->offset; break;
	case BUF_CONST: base = (unsigned char *)r->data; break;
	case BUF_INPUT: base = (unsigned char *)in[r->io]; break;
	case BUF_OUTPUT: base = (unsigned char *)out[r->io]; break;
	default: break;
	}
	return base ? base + off : NULL;
}

static void
observe(Thr *th, int k, const float *y, int64_t n)
{
	const Probe *pr = th->pr;
	if (pr->pass == 0) {
		double m = th->amax[k];
		for (int64_t i = 0; i < n; i++) {
			double v = fabs((double)y[i]);
			if (v > m && isfinite(v))
				m = v;
		}
		th->amax[k] = m;
		return;
	}
	double am = pr->amax[k];
	uint64_t *h = th->hist + (size_t)k * CALIB_NBIN;
	if (!(am > 0)) {
		th->zero[k] += (uint64_t)n;
		return;
	}
	double sc = CALIB_NBIN / am;
	for (int64_t i = 0; i < n; i++) {
		double v = fabs((double)y[i]);
		if (v == 0) {
			th->zero[k]++;
			continue;
		}
		if (!isfinite(v))
			continue;
		double b = v * sc;
		h[b >= CALIB_NBIN - 1 ? CALIB_NBIN - 1 : (int)b]++;
	}
}

static void
after(void *ctx, const Program *p, int s, void *const *out, int sample)
{
	Thr *th = ctx;
	const Probe *pr = th->pr;
	(void)out;
	(void)sample;
	for (int j = pr->first[s]; j < pr->first[s + 1]; j++) {
		int k = pr->order[j];
		const Tensor *t = pr->t[k];
		const float *y = bufaddr(p, t->buf, th->in, (void *const *)th->out, th->arena);
		if (y)
			observe(th, k, y, tensor_numel(t));
	}
}

static void *
thr_run(void *v)
{
	Thr *th = v;
	const Probe *pr = th->pr;
	const Program *p = pr->p;
	RunHooks h = {after, th, NULL, 0};
	for (int i = th->first; i < th->last && th->rc == 0; i++) {
		th->in[0] = pr->x + (size_t)i * (size_t)pr->insz;
		h.sample = i;
		th->rc = prog_run_steps(p, 0, p->nstep, th->in, (void *const *)th->out, th->arena, &h);
	}
	return NULL;
}

/* One run over all samples; reduces into amax (pass 0) or hist and zero
 * (pass 1). */
static int
probe_run(Probe *pr, double *amax, uint64_t *hist, uint64_t *zero)
{
	const Program *p = pr->p;
	int nt = pr->nthreads < pr->n ? pr->nthreads : pr->n;
	nt = nt < 1 ? 1 : nt > 64 ? 64 : nt;
	Thr th[64];
	pthread_t tid[64];
	size_t hn = pr->pass ? (size_t)pr->nslot * CALIB_NBIN : 0;
	for (int t = 0; t < nt; t++) {
		Thr *w = &th[t];
		memset(w, 0, sizeof *w);
		w->pr = pr;
		w->first = (int)((int64_t)pr->n * t / nt);
		w->last = (int)((int64_t)pr->n * (t + 1) / nt);
		w->arena = aligned_alloc(64, (p->arena_bytes + 63) / 64 * 64 + 64);
		w->out = xmalloc(((size_t)p->noutput + 1) * sizeof *w->out);
		for (int k = 0; k < p->noutput; k++)
			w->out[k] = xmalloc(p->buf[p->output[k]].size + 16);
		w->amax = calloc((size_t)pr->nslot + 1, sizeof *w->amax);
		w->hist = hn ? calloc(hn, sizeof *w->hist) : NULL;
		w->zero = calloc((size_t)pr->nslot + 1, sizeof *w->zero);
		if (!w->arena || !w->amax || !w->zero || (hn && !w->hist))
			die("out of memory");
		if (t > 0 && pthread_create(&tid[t], NULL, thr_run, w) != 0)
			die("cannot start a thread");
	}
	thr_run(&th[0]);
	int rc = 0;
	for (int t = 0; t < nt; t++) {
		if (t > 0)
			pthread_join(tid[t], NULL);
		if (rc == 0)
			rc = th[t].rc;
		for (int k = 0; amax && k < pr->nslot; k++)
			if (th[t].amax[k] > amax[k])
				amax[k] = th[t].amax[k];
		for (size_t i = 0; i < hn; i++)
			hist[i] += th[t].hist[i];
		for (int k = 0; hn && k < pr->nslot; k++)
			zero[k] += th[t].zero[k];
		for (int k = 0; k < p->noutput; k++)
			free(th[t].out[k]);
		free(th[t].out);
		free(th[t].arena);
		free(th[t].amax);
		free(th[t].hist);
		free(th[t].zero);
	}
	return rc;
}

/* The last step of each node (-1: the node made no step of its own). */
static int
ready_step(const Program *p, const Node *n)
{
	int r = -1;
	for (int s = 0; s < p->nstep; s++)
		if (p->step[s].node == n)
			r = s;
	return r;
}

/* When tensor t holds its value: after the last step of its producer; a
 * producer without steps (a view, a Concat whose inputs were placed into
 * its output) is ready when its inputs are. */
static int
tensor_ready(const Program *p, const Tensor *t, int depth)
{
	if (!t || !t->def || depth > 10000)
		return -1;
	int r = ready_step(p, t->def);
	if (r >= 0)
		return r;
	for (int i = 0; i < t->def->nin; i++) {
		int q = tensor_ready(p, t->def->in[i], depth + 1);
		if (q > r)
			r = q;
	}
	return r;
}

/* Slots: every float activation written by a node (graph inputs are
 * measured from the data directly). */
static int
probe_init(Probe *pr, const Program *p)
{
	Graph *g = p->g;
	int n = 0;
	pr->p = p;
	pr->t = xmalloc(((size_t)g->ntensor + 1) * sizeof *pr->t);
	pr->ready = xmalloc(((size_t)g->ntensor + 1) * sizeof *pr->ready);
	for (int i = 0; i < g->ntensor; i++) {
		const Tensor *t = g->tensor[i];
		if (t->init || !t->def || t->def->dead || t->dtype != DT_F32 || t->buf < 0 ||
		    t->buf >= p->nbuf || p->buf[t->buf].t != t)
			continue;
		int r = tensor_ready(p, t, 0);
		if (r < 0)
			continue;
		pr->t[n] = t;
		pr->ready[n++] = r;
	}
	pr->nslot = n;
	pr->first = calloc((size_t)p->nstep + 2, sizeof *pr->first);
	pr->order = xmalloc(((size_t)n + 1) * sizeof *pr->order);
	if (!pr->first)
		die("out of memory");
	for (int k = 0; k < n; k++)
		pr->first[pr->ready[k] + 1]++;
	for (int s = 0; s < p->nstep; s++)
		pr->first[s + 1] += pr->first[s];
	int *fill = xmalloc(((size_t)p->nstep + 1) * sizeof *fill);
	memcpy(fill, pr->first, (size_t)p->nstep * sizeof *fill);
	for (int k = 0; k < n; k++)
		pr->order[fill[pr->ready[k]]++] = k;
	free(fill);
	return n;
}

static void
probe_free(Probe *pr)
{
	free(pr->t);
	free(pr->ready);
	free(pr->first);
	free(pr->order);
}

static Stat *
stat_add(Calib *c, const char *name)
{
	c->st[c->nst].name = arena_strdup(c->a, name);
	return &c->st[c->nst++];
}

/* The graph input's statistics, straight from the data. */
static void
input_stats(Stat *s, const float *x, int64_t total, int hist)
{
	double m = 0;
	for (int64_t i = 0; i < total; i++) {
		double v = fabs((double)x[i]);
		if (v > m && isfinite(v))
			m = v;
	}
	s->amax = m;
	if (!hist)
		return;
	s->hist = calloc(CALIB_NBIN, sizeof *s->hist);
	if (!s->hist)
		die("out of memory");
	for (int64_t i = 0; i < total; i++) {
		double v = fabs((double)x[i]);
		if (v == 0)
			s->nzero++;
		if (v == 0 || !isfinite(v))
			continue;
		double b = m > 0 ? v * CALIB_NBIN / m : 0;
		s->hist[b >= CALIB_NBIN - 1 ? CALIB_NBIN - 1 : (int)b]++;
	}
}

Calib *
calib_run(Graph *g, const float *x, int64_t insz, int n, const CalibOpts *o, Diag *d)
{
	if (g->ninput != 1 || g->input[0]->dtype != DT_F32 || tensor_numel(g->input[0]) != insz) {
		diag_error(d, "calibration needs a model with one float input of %lld elements",
			(long long)insz);
		return NULL;
	}
	if (n < 1) {
		diag_error(d, "calibration needs at least one sample");
		return NULL;
	}
	Program *p = prog_lower(g, d);
	if (!p)
		return NULL;
	prog_plan(p);
	Calib *c;
	Arena *a = arena_new();
	c = arena_alloc(a, sizeof *c);
	c->a = a;
	c->o = *o;
	if (!(c->o.percentile > 0))
		c->o.percentile = 99.99;
	Probe pr = {0};
	int ns = probe_init(&pr, p);
	pr.x = x;
	pr.insz = insz;
	pr.n = n;
	pr.nthreads = o->nthreads > 0 ? o->nthreads : nthreads_default();
	int hist = o->method != CALIB_MAX;
	double *amax = calloc((size_t)ns + 1, sizeof *amax);
	uint64_t *h = hist ? calloc((size_t)ns * CALIB_NBIN + 1, sizeof *h) : NULL;
	uint64_t *z = calloc((size_t)ns + 1, sizeof *z);
	if (!amax || !z || (hist && !h))
		die("out of memory");
	int rc = probe_run(&pr, amax, NULL, NULL);
	if (rc == 0 && hist) {
		pr.pass = 1;
		pr.amax = amax;
		rc = probe_run(&pr, NULL, h, z);
	}
	c->st = arena_alloc(a, ((size_t)ns + 2) * sizeof *c->st);
	if (rc == 0) {
		input_stats(stat_add(c, g->input[0]->name), x, insz * n, hist);
		for (int k = 0; k < ns; k++) {
			Stat *s = stat_add(c, pr.t[k]->name);
			s->amax = amax[k];
			s->nzero = z[k];
			if (hist) {
				s->hist = xmalloc(CALIB_NBIN * sizeof *s->hist);
				memcpy(s->hist, h + (size_t)k * CALIB_NBIN, CALIB_NBIN * sizeof *s->hist);
			}
		}
	} else {
		diag_error(d, "calibration: the model failed on the data (status %d)", rc);
	}
	free(amax);
	free(h);
	free(z);
	probe_free(&pr);
	prog_free(p);
	if (rc != 0) {
		calib_free(c);
		return NULL;
	}
	return c;
}

/* ---- clip choosers ---- */

double
calib_hist_percentile(const uint64_t *h, int nbin, double amax, double pct)
{
	uint64_t tot = 0;
	for (int i = 0; i < nbin; i++)
		tot += h[i];
	if (tot == 0 || !(amax > 0))
		return 0;
	if (pct >= 100)
		return amax;
	/* the value below which pct% of |x| lie, linear inside its bin */
	double want = pct / 100 * (double)tot, cum = 0, w = amax / nbin;
	for (int i = 0; i < nbin; i++) {
		if (h[i] && cum + (double)h[i] >= want)
			return (i + (want - cum) / (double)h[i]) * w;
		cum += (double)h[i];
	}
	return amax;
}

/* Quantization error of the histogram under a format with step 2^-f and
 * largest code 2^(k-1) - 1: each bin's count at its centre, rounded half
 * to even (the |x| histogram is symmetric for the signed range but for the
 * one code of -2^(k-1), which is ignored). */
static double
hist_qerr(const uint64_t *h, int nbin, double amax, int k, int f)
{
	double w = amax / nbin, step = ldexp(1.0, -f), top = ldexp(1.0, k - 1) - 1, e = 0;
	for (int i = 0; i < nbin; i++) {
		if (!h[i])
			continue;
		double v = (i + 0.5) * w, q = nearbyint(v / step);
		if (q > top)
			q = top;
		double dv = v - q * step;
		e += (double)h[i] * dv * dv;
	}
	return e;
}

/* MSE: among the power-of-two formats (the only ones we have), the one of
 * least squared error over the histogram; returned as its clip 2^e. The
 * candidates go from the format of amax down 24 octaves. */
double
calib_hist_mse(const uint64_t *h, int nbin, double amax, int bits)
{
	if (!(amax > 0))
		return 0;
	int f0 = axrt_fixed_fracbits((float)amax, bits), best = f0;
	double be = -1;
	for (int f = f0; f < f0 + 24; f++) {
		double e = hist_qerr(h, nbin, amax, bits, f);
		if (be < 0 || e < be) {
			be = e;
			best = f;
		}
	}
	return ldexp(1.0, (bits - 1) - best);
}

/* KL: TensorRT's entropy calibration (Migacz, GTC 2017). For each
 * threshold i (bins [0, i)), P is the histogram cut at i with the outliers
 * added to bin i-1, Q is P's first i bins merged into nq = 2^(bits-1)
 * levels and spread back evenly over the nonzero bins of each level;
 * the threshold of least KL(P || Q) wins (on ties the larger one, so a
 * histogram that levels represent exactly is not clipped), returned as the
 * upper edge of bin i - 1 (the power-of-two format then covers it). Exact
 * zeros are not in the histogram (calib_run counts them apart). */
double
calib_hist_kl(const uint64_t *h, int nbin, double amax, int bits)
{
	int nq = 1 << (bits - 1);
	if (!(amax > 0))
		return 0;
	if (nq >= nbin)
		return amax;
	int last = 0;
	for (int i = 0; i < nbin; i++) {
		if (h[i])
			last = i + 1;
	}
	if (last <= nq)
		return amax * last / nbin;
	double *pp = xmalloc((size_t)nbin * sizeof *pp), *qq = xmalloc((size_t)nbin * sizeof *qq);
	double bestkl = -1;
	int best = last;
	uint64_t out = 0;               /* counts in bins >= i */
	for (int i = nbin - 1; i >= last; i--)
		out += h[i];
	for (int i = last; i >= nq; i--) {
		if (i < last)
			out += h[i];
		for (int j = 0; j < i; j++)
			pp[j] = (double)h[j];
		pp[i - 1] += (double)out;
		/* levels: bins [j*i/nq, (j+1)*i/nq) */
		for (int q = 0; q < nq; q++) {
			int lo = (int)((int64_t)q * i / nq), hi = (int)((int64_t)(q + 1) * i / nq);
			double sum = 0;
			int nz = 0;
			for (int j = lo; j < hi; j++) {
				sum += (double)h[j];
				nz += h[j] != 0;
			}
			for (int j = lo; j < hi; j++)
				qq[j] = h[j] && nz ? sum / nz : 0;
		}
		double sp = 0, sq = 0, kl = 0;
		for (int j = 0; j < i; j++) {
			sp += pp[j];
			sq += qq[j];
		}
		for (int j = 0; j < i; j++) {
			if (pp[j] == 0)
				continue;
			double a = pp[j] / sp, b = qq[j] / sq;
			kl += b > 0 ? a * log(a / b) : a * log(a / 1e-12);
		}
		if (bestkl < 0 || kl < bestkl) {
			bestkl = kl;
			best = i;
		}
	}
	free(pp);
	free(qq);
	return amax * best / nbin;
}

double
calib_clip(const Calib *c, const char *name, int bits)
{
	const Stat *s = stat_find(c, name);
	if (!s)
		return -1;
	if (!s->hist || c->o.method == CALIB_MAX)
		return s->amax;
	switch (c->o.method) {
	case CALIB_PERCENTILE: {
		/* of all |x|, zeros included (in bin 0) */
		uint64_t h[CALIB_NBIN];
		memcpy(h, s->hist, sizeof h);
		h[0] += s->nzero;
		return calib_hist_percentile(h, CALIB_NBIN, s->amax, c->o.percentile);
	}
	case CALIB_MSE:
		return calib_hist_mse(s->hist, CALIB_NBIN, s->amax, bits);
	case CALIB_KL:
		return calib_hist_kl(s->hist, CALIB_NBIN, s->amax, bits);
	default:
		return s->amax;
	}
}
