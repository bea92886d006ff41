/* sens_run.c: the analysis's execution engine. One capture run of the exact
 * model over the analysis set saves, per sample, the arena bytes live at
 * chosen step boundaries (the buffers with first < b <= last after planning)
 * and the exact outputs; a trial then restores the latest boundary before
 * the error it injects and runs only the suffix of the program. Samples are
 * split over threads in contiguous blocks; per-sample results land in
 * per-sample slots and are reduced in sample order, so every number is the
 * same for any thread count. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

struct SensBound {
	int step;              /* the state before this step */
	int nrange;
	size_t *off, *len;     /* arena ranges saved */
	size_t bytes;          /* per sample */
	unsigned char *data;   /* n * bytes */
};

/* Pointer to buffer b's bytes in one sample's run (interp.c's rule). */
static void *
bufptr(const Program *p, int b, const void *const *in, void *const *out, void *arena)
{
	size_t off;
	if (b < 0)
		return NULL;
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

/* ---- threads ---- */
typedef int (*SampleFn)(SensSet *s, int t, int i, const void *arg);
typedef struct Job {
	SensSet *s;
	SampleFn fn;
	const void *arg;
	int t, first, last, rc;
} Job;

static void *
job_run(void *v)
{
	Job *j = v;
	for (int i = j->first; i < j->last && j->rc == 0; i++)
		j->rc = j->fn(j->s, j->t, i, j->arg);
	return NULL;
}

/* fn(s, thread, sample, arg) for every sample; the first nonzero status. */
static int
parallel(SensSet *s, SampleFn fn, const void *arg)
{
	int nt = s->nthreads < s->n ? s->nthreads : s->n;
	Job job[64];
	pthread_t th[64];
	nt = nt < 1 ? 1 : nt > 64 ? 64 : nt;
	for (int t = 0; t < nt; t++) {
		job[t] = (Job){s, fn, arg, t, (int)((int64_t)s->n * t / nt),
			(int)((int64_t)s->n * (t + 1) / nt), 0};
		if (t > 0 && pthread_create(&th[t], NULL, job_run, &job[t]) != 0)
			die("cannot start a thread");
	}
	job_run(&job[0]);
	int rc = job[0].rc;
	for (int t = 1; t < nt; t++) {
		pthread_join(th[t], NULL);
		if (rc == 0)
			rc = job[t].rc;
	}
	return rc;
}

/* ---- boundaries ---- */
typedef struct Range { size_t off, len; } Range;

static int
cmp_range(const void *a, const void *b)
{
	const Range *x = a, *y = b;
	return (x->off > y->off) - (x->off < y->off);
}

/* The arena ranges live across boundary b, plus buffer force's root;
 * sorted and merged. */
static void
bound_ranges(const Program *p, SensBound *sb, int force)
{
	Range *r = xmalloc(((size_t)p->nbuf + 1) * sizeof *r);
	int n = 0, fr = force >= 0 ? buf_root(p, force, NULL) : -1;
	for (int i = 0; i < p->nbuf; i++) {
		const Buf *b = &p->buf[i];
		if (b->kind != BUF_ARENA || b->size == 0)
			continue;
		if ((b->first < sb->step && b->last >= sb->step) || i == fr)
			r[n++] = (Range){b->offset, b->size};
	}
	qsort(r, (size_t)n, sizeof *r, cmp_range);
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (m > 0 && r[i].off <= r[m - 1].off + r[m - 1].len) {
			size_t end = r[i].off + r[i].len;
			if (end > r[m - 1].off + r[m - 1].len)
				r[m - 1].len = end - r[m - 1].off;
		} else {
			r[m++] = r[i];
		}
	}
	sb->nrange = m;
	sb->off = xmalloc(((size_t)m + 1) * sizeof *sb->off);
	sb->len = xmalloc(((size_t)m + 1) * sizeof *sb->len);
	sb->bytes = 0;
	for (int i = 0; i < m; i++) {
		sb->off[i] = r[i].off;
		sb->len[i] = r[i].len;
		sb->bytes += r[i].len;
	}
	free(r);
}

static void
bound_copy(const SensBound *sb, int i, void *arena, int save)
{
	unsigned char *snap = sb->data + (size_t)i * sb->bytes, *a = arena;
	for (int k = 0; k < sb->nrange; k++) {
		if (save)
			memcpy(snap, a + sb->off[k], sb->len[k]);
		else
			memcpy(a + sb->off[k], snap, sb->len[k]);
		snap += sb->len[k];
	}
}

static int
cmp_step(const void *a, const void *b)
{
	const SensBound *x = a, *y = b;
	return (x->step > y->step) - (x->step < y->step);
}

/* The boundaries of steps[] (deduplicated, 0 < step <= nstep), dropping the
 * largest while they exceed the budget. */
static void
bounds_make(SensSet *s, const int *steps, const int *bufs, int nsteps)
{
	const Program *p = s->p;
	s->bound = xmalloc(((size_t)nsteps + 1) * sizeof *s->bound);
	s->nbound = 0;
	for (int k = 0; k < nsteps; k++) {
		int st = steps[k], dup = -1;
		if (st <= 0 || st > p->nstep)
			continue;
		for (int j = 0; j < s->nbound; j++)
			if (s->bound[j].step == st)
				dup = j;
		if (dup >= 0 && (!bufs || bufs[k] < 0))
			continue;
		SensBound sb = {.step = st};
		bound_ranges(p, &sb, bufs ? bufs[k] : -1);
		if (dup >= 0) {   /* a second forced buffer at the same step: keep the larger */
			SensBound *o = &s->bound[dup];
			if (sb.bytes > o->bytes) {
				free(o->off);
				free(o->len);
				*o = sb;
			} else {
				free(sb.off);
				free(sb.len);
			}
			continue;
		}
		s->bound[s->nbound++] = sb;
	}
	for (;;) {
		size_t total = 0;
		int big = -1;
		for (int j = 0; j < s->nbound; j++) {
			total += s->bound[j].bytes * (size_t)s->n;
			if (big < 0 || s->bound[j].bytes > s->bound[big].bytes)
				big = j;
		}
		if (total <= s->budget || big < 0)
			break;
		free(s->bound[big].off);
		free(s->bound[big].len);
		s->bound[big] = s->bound[--s->nbound];
	}
	qsort(s->bound, (size_t)s->nbound, sizeof *s->bound, cmp_step);
	for (int j = 0; j < s->nbound; j++)
		s->bound[j].data = xmalloc(s->bound[j].bytes * (size_t)s->n + 1);
}

/* ---- scoring ---- */
static int32_t
argmax(const float *v, int64_t n)
{
	int64_t best = -1;
	for (int64_t j = 0; j < n; j++)
		if (v[j] == v[j] && (best < 0 || v[j] > v[best]))
			best = j;
	return (int32_t)best;
}

/* Sample i's top-1 and squared error against the exact output 0. */
static void
score_sample(SensSet *s, int i, const float *y)
{
	const float *y0 = (const float *)s->y0[0] + (size_t)i * (size_t)s->ncls;
	double e = 0;
	for (int64_t j = 0; j < s->ncls; j++) {
		double dd = (double)y[j] - (double)y0[j];
		e += dd * dd;
	}
	s->top[i] = argmax(y, s->ncls);
	s->err[i] = isfinite(e) ? e : INFINITY;
}

static void
score_reduce(const SensSet *s, Score *sc)
{
	int ok = 0;
	double e = 0;
	for (int i = 0; i < s->n; i++) {
		int ref = s->label ? s->label[i] : s->top0[i];
		ok += s->top[i] == ref;
		e += s->err[i];
	}
	sc->n = s->n;
	sc->metric = (double)ok / s->n;
	sc->ci95 = 1.96 * sqrt(sc->metric * (1 - sc->metric) / s->n);
	sc->err2 = e;
	sc->sig2 = s->y0sq;
	sc->snr_db = e > 0 ? 10 * log10(s->y0sq / e) : INFINITY;
}

/* ---- capture ---- */
typedef struct Capture {
	const Observer *obs;
	int nobs;
} Capture;

typedef struct HookCtx {
	SensSet *s;
	const void *const *in;
	void *const *out;
	void *arena;
	const Capture *cap;    /* capture run: observers */
	const Perturb *pt;     /* trial: perturbation inside the suffix */
} HookCtx;

static void
hook_after(void *ctx, const Program *p, int step, void *const *outp, int sample)
{
	HookCtx *h = ctx;
	(void)outp;   /* observed buffers are resolved by id: they need not be outputs */
	if (h->cap)
		for (int k = 0; k < h->cap->nobs; k++) {
			const Observer *o = &h->cap->obs[k];
			if (o->after == step)
				o->fn(o->ctx, bufptr(p, o->buf, h->in, h->out, h->arena),
					(int64_t)(p->buf[o->buf].size / sizeof(float)), sample);
		}
	if (h->pt && h->pt->after == step)
		h->pt->fn(h->pt, bufptr(p, h->pt->buf, h->in, h->out, h->arena),
			(int64_t)(p->buf[h->pt->buf].size / sizeof(float)), sample);
}

static int
capture_sample(SensSet *s, int t, int i, const void *arg)
{
	const Program *p = s->p;
	const void *in[1] = {s->x + (size_t)i * (size_t)s->insz};
	void *const *out = s->out[t];
	HookCtx hc = {s, in, out, s->arena[t], arg, NULL};
	RunHooks h = {hook_after, &hc, NULL, i};
	int cur = 0, rc = 0;
	for (int j = 0; j <= s->nbound && rc == 0; j++) {
		int to = j < s->nbound ? s->bound[j].step : p->nstep;
		rc = prog_run_steps(p, cur, to, in, out, s->arena[t], &h);
		if (j < s->nbound)
			bound_copy(&s->bound[j], i, s->arena[t], 1);
		cur = to;
	}
	for (int k = 0; k < p->noutput && rc == 0; k++) {
		size_t sz = p->buf[p->output[k]].size;
		memcpy(s->y0[k] + (size_t)i * sz, out[k], sz);
	}
	return rc;
}

int
sens_prepare(SensSet *s, const int *steps, const int *bufs, int nsteps,
	const Observer *obs, int nobs)
{
	const Program *p = s->p;
	if (s->nthreads < 1)
		s->nthreads = nthreads_default();
	if (s->nthreads > 64)
		s->nthreads = 64;
	if (!s->budget)
		s->budget = (size_t)1 << 30;
	s->ncls = (int64_t)(p->buf[p->output[0]].size / sizeof(float));
	s->y0 = xmalloc((size_t)p->noutput * sizeof *s->y0);
	for (int k = 0; k < p->noutput; k++)
		s->y0[k] = xmalloc(p->buf[p->output[k]].size * (size_t)s->n + 1);
	s->arena = xmalloc((size_t)s->nthreads * sizeof *s->arena);
	s->out = xmalloc((size_t)s->nthreads * sizeof *s->out);
	for (int t = 0; t < s->nthreads; t++) {
		s->arena[t] = aligned_alloc(64, (p->arena_bytes + 63) / 64 * 64 + 64);
		s->out[t] = xmalloc(((size_t)p->noutput + 1) * sizeof **s->out);
		for (int k = 0; k < p->noutput; k++)
			s->out[t][k] = aligned_alloc(64, (p->buf[p->output[k]].size + 63) / 64 * 64 + 64);
	}
	s->top = xmalloc((size_t)s->n * sizeof *s->top);
	s->top0 = xmalloc((size_t)s->n * sizeof *s->top0);
	s->err = xmalloc((size_t)s->n * sizeof *s->err);
	bounds_make(s, steps, bufs, nsteps);
	Capture cap = {obs, nobs};
	int rc = parallel(s, capture_sample, &cap);
	if (rc)
		return rc;
	s->y0sq = 0;
	for (int i = 0; i < s->n; i++) {
		const float *y0 = (const float *)s->y0[0] + (size_t)i * (size_t)s->ncls;
		for (int64_t j = 0; j < s->ncls; j++)
			s->y0sq += (double)y0[j] * y0[j];
		s->top0[i] = argmax(y0, s->ncls);
		s->top[i] = s->top0[i];
		s->err[i] = 0;
	}
	score_reduce(s, &s->base);
	return 0;
}

/* ---- trials ---- */
typedef struct TrialRun {
	const Trial *t;
	const SensBound *b;    /* NULL: from step 0 */
	int from, at_start;
} TrialRun;

static int
trial_sample(SensSet *s, int t, int i, const void *arg)
{
	const TrialRun *tr = arg;
	const Program *p = s->p;
	const Perturb *pt = &tr->t->pt;
	const void *in[1] = {s->x + (size_t)i * (size_t)s->insz};
	void *const *out = s->out[t];
	if (tr->b)
		bound_copy(tr->b, i, s->arena[t], 0);
	for (int k = 0; k < p->noutput; k++) {   /* outputs written before the boundary */
		size_t sz = p->buf[p->output[k]].size;
		memcpy(out[k], s->y0[k] + (size_t)i * sz, sz);
	}
	if (tr->at_start)
		pt->fn(pt, bufptr(p, pt->buf, in, out, s->arena[t]),
			(int64_t)(p->buf[pt->buf].size / sizeof(float)), i);
	HookCtx hc = {s, in, out, s->arena[t], NULL, tr->at_start || pt->after < 0 ? NULL : pt};
	RunHooks h = {hook_after, &hc, tr->t->constant, i};
	int rc = prog_run_steps(p, tr->from, p->nstep, in, out, s->arena[t], &h);
	if (rc == 0)
		score_sample(s, i, out[0]);
	return rc;
}

int
sens_boundary(const SensSet *s, int step)
{
	int b = 0;
	for (int j = 0; j < s->nbound; j++)
		if (s->bound[j].step <= step)
			b = s->bound[j].step;
	return b;
}

int
sens_trial(SensSet *s, const Trial *t, Score *sc)
{
	TrialRun tr = {t, NULL, 0, 0};
	for (int j = 0; j < s->nbound; j++)
		if (s->bound[j].step <= t->first) {
			tr.b = &s->bound[j];
			tr.from = s->bound[j].step;
		}
	tr.at_start = t->pt.after >= 0 && tr.from == t->pt.after + 1;
	if (t->pt.after >= 0 && tr.from > t->pt.after + 1)
		die("trial: boundary %d is past the perturbed step %d", tr.from, t->pt.after);
	int rc = parallel(s, trial_sample, &tr);
	if (rc == 0)
		score_reduce(s, sc);
	return rc;
}

size_t
sens_snapshot_bytes(const SensSet *s)
{
	size_t n = 0;
	for (int j = 0; j < s->nbound; j++)
		n += s->bound[j].bytes;
	return n;
}

void
sens_release(SensSet *s)
{
	const Program *p = s->p;
	for (int j = 0; j < s->nbound; j++) {
		free(s->bound[j].off);
		free(s->bound[j].len);
		free(s->bound[j].data);
	}
	free(s->bound);
	for (int t = 0; s->arena && t < s->nthreads; t++) {
		free(s->arena[t]);
		for (int k = 0; k < p->noutput; k++)
			free(s->out[t][k]);
		free(s->out[t]);
	}
	for (int k = 0; s->y0 && k < p->noutput; k++)
		free(s->y0[k]);
	free(s->y0);
	free(s->arena);
	free(s->out);
	free(s->top);
	free(s->top0);
	free(s->err);
	s->bound = NULL;
	s->arena = NULL;
	s->y0 = NULL;
}
