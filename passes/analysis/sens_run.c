/* sens_run.c: the analysis's execution engine. One capture run of the exact
 * model over the analysis set saves, per sample, the arena bytes live at
 * chosen step boundaries (the buffers with first < b <= last after planning)
 * and the exact outputs; a trial then restores the latest boundary before
 * the error it injects and runs only the suffix of the program. Trials come
 * in batches: the threads take samples one at a time from a shared counter
 * (a loaded machine then costs no thread its share) and run every trial of
 * the batch on a sample while its snapshot is in cache; results land in
 * per-(trial, sample) slots and are reduced in sample order, so every number
 * is the same for any thread count. A sample whose state is provably that
 * of the exact run (the perturbation changed nothing, or the state at a
 * later boundary equals the snapshot) takes the exact run's result without
 * running the rest. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
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
typedef struct Shared {
	SensSet *s;
	SampleFn fn;
	const void *arg;
	atomic_int next;       /* the next sample to take */
	atomic_int rc;         /* the first nonzero status, once set */
} Shared;
typedef struct Job { Shared *sh; int t; } Job;

static void *
job_run(void *v)
{
	Job *j = v;
	Shared *sh = j->sh;
	for (;;) {
		int i = atomic_fetch_add(&sh->next, 1), rc, zero = 0;
		if (i >= sh->s->n || atomic_load(&sh->rc) != 0)
			break;
		if ((rc = sh->fn(sh->s, j->t, i, sh->arg)) != 0)
			atomic_compare_exchange_strong(&sh->rc, &zero, rc);
	}
	return NULL;
}

/* fn(s, thread, sample, arg) for every sample; a nonzero status if any. */
static int
parallel(SensSet *s, SampleFn fn, const void *arg)
{
	int nt = s->nthreads < s->n ? s->nthreads : s->n;
	Shared sh = {.s = s, .fn = fn, .arg = arg};
	Job job[64];
	pthread_t th[64];
	nt = nt < 1 ? 1 : nt > 64 ? 64 : nt;
	atomic_init(&sh.next, 0);
	atomic_init(&sh.rc, 0);
	for (int t = 0; t < nt; t++) {
		job[t] = (Job){&sh, t};
		if (t > 0 && pthread_create(&th[t], NULL, job_run, &job[t]) != 0)
			die("cannot start a thread");
	}
	job_run(&job[0]);
	for (int t = 1; t < nt; t++)
		pthread_join(th[t], NULL);
	return atomic_load(&sh.rc);
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

/* The arena of sample i holds boundary sb's snapshot bytes. */
static int
bound_same(const SensBound *sb, int i, const void *arena)
{
	const unsigned char *snap = sb->data + (size_t)i * sb->bytes, *a = arena;
	for (int k = 0; k < sb->nrange; k++) {
		if (memcmp(a + sb->off[k], snap, sb->len[k]))
			return 0;
		snap += sb->len[k];
	}
	return 1;
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

/* Sample i's top-1 and squared error against the exact output 0, into
 * slot i of top and err. */
static void
score_sample(const SensSet *s, int i, const float *y, int32_t *top, double *err)
{
	const float *y0 = (const float *)s->y0[0] + (size_t)i * (size_t)s->ncls;
	double e = 0;
	for (int64_t j = 0; j < s->ncls; j++) {
		double dd = (double)y[j] - (double)y0[j];
		e += dd * dd;
	}
	top[i] = argmax(y, s->ncls);
	err[i] = isfinite(e) ? e : INFINITY;
}

static void
score_reduce(const SensSet *s, const int32_t *top, const double *err, Score *sc)
{
	int ok = 0;
	double e = 0;
	for (int i = 0; i < s->n; i++) {
		int ref = s->label ? s->label[i] : s->top0[i];
		ok += top[i] == ref;
		e += err[i];
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
		(void)h->pt->fn(h->pt, bufptr(p, h->pt->buf, h->in, h->out, h->arena),
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
	s->top0 = xmalloc((size_t)s->n * sizeof *s->top0);
	s->err0 = xmalloc((size_t)s->n * sizeof *s->err0);
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
		score_sample(s, i, y0, s->top0, s->err0);   /* 0, or INFINITY with a NaN */
	}
	score_reduce(s, s->top0, s->err0, &s->base);
	s->base.err2 = 0;                              /* the exact model against itself */
	s->base.snr_db = INFINITY;
	return 0;
}

/* ---- trials ---- */
typedef struct TrialRun {
	const Trial *t;
	const SensBound *b;    /* NULL: from step 0 */
	const SensBound *same; /* the boundary at t->same_at, or NULL */
	int from, at_start;
} TrialRun;

typedef struct TrialBatch {
	const TrialRun *r;
	int nt;
	int32_t *top;          /* nt * n: slot j * n + i */
	double *err;
} TrialBatch;

/* Trial j on sample i with thread t's arena. */
static int
trial_one(SensSet *s, int t, int i, const TrialBatch *tb, int j)
{
	const TrialRun *tr = &tb->r[j];
	const Program *p = s->p;
	const Perturb *pt = &tr->t->pt;
	const void *in[1] = {s->x + (size_t)i * (size_t)s->insz};
	void *const *out = s->out[t];
	int32_t *top = tb->top + (size_t)j * (size_t)s->n;
	double *err = tb->err + (size_t)j * (size_t)s->n;
	if (tr->b)
		bound_copy(tr->b, i, s->arena[t], 0);
	for (int k = 0; k < p->noutput; k++) {   /* outputs written before the boundary */
		size_t sz = p->buf[p->output[k]].size;
		memcpy(out[k], s->y0[k] + (size_t)i * sz, sz);
	}
	if (tr->at_start && !pt->fn(pt, bufptr(p, pt->buf, in, out, s->arena[t]),
	    (int64_t)(p->buf[pt->buf].size / sizeof(float)), i) && !tr->t->constant)
		goto exact;
	HookCtx hc = {s, in, out, s->arena[t], NULL, tr->at_start || pt->after < 0 ? NULL : pt};
	RunHooks h = {hook_after, &hc, tr->t->constant, i};
	int from = tr->from, rc;
	if (tr->same) {
		int to = tr->same->step;
		if ((rc = prog_run_steps(p, from, to, in, out, s->arena[t], &h)) != 0)
			return rc;
		int same = bound_same(tr->same, i, s->arena[t]);
		for (int k = 0; k < p->noutput && same; k++) {
			size_t sz = p->buf[p->output[k]].size;
			same = !memcmp(out[k], s->y0[k] + (size_t)i * sz, sz);
		}
		if (same)
			goto exact;
		from = to;
	}
	if ((rc = prog_run_steps(p, from, p->nstep, in, out, s->arena[t], &h)) != 0)
		return rc;
	score_sample(s, i, out[0], top, err);
	return 0;
exact:   /* the rest of the run is the exact one: its result */
	top[i] = s->top0[i];
	err[i] = s->err0[i];
	return 0;
}

static int
trial_sample(SensSet *s, int t, int i, const void *arg)
{
	const TrialBatch *tb = arg;
	int rc = 0;
	for (int j = 0; j < tb->nt && rc == 0; j++)
		rc = trial_one(s, t, i, tb, j);
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
sens_trials(SensSet *s, const Trial *t, int nt, Score *sc)
{
	if (nt < 1)
		return 0;
	TrialRun *r = xmalloc((size_t)nt * sizeof *r);
	for (int k = 0; k < nt; k++) {
		TrialRun *tr = &r[k];
		*tr = (TrialRun){&t[k], NULL, NULL, 0, 0};
		for (int j = 0; j < s->nbound; j++) {
			if (s->bound[j].step <= t[k].first) {
				tr->b = &s->bound[j];
				tr->from = s->bound[j].step;
			}
			if (t[k].same_at > t[k].first && t[k].pt.after < t[k].same_at &&
			    s->bound[j].step == t[k].same_at)
				tr->same = &s->bound[j];
		}
		tr->at_start = t[k].pt.after >= 0 && tr->from == t[k].pt.after + 1;
		if (t[k].pt.after >= 0 && tr->from > t[k].pt.after + 1)
			die("trial: boundary %d is past the perturbed step %d", tr->from, t[k].pt.after);
	}
	size_t m = (size_t)nt * (size_t)s->n;
	TrialBatch tb = {r, nt, xmalloc(m * sizeof *tb.top), xmalloc(m * sizeof *tb.err)};
	int rc = parallel(s, trial_sample, &tb);
	for (int k = 0; k < nt && rc == 0; k++)
		score_reduce(s, tb.top + (size_t)k * (size_t)s->n, tb.err + (size_t)k * (size_t)s->n, &sc[k]);
	free(tb.top);
	free(tb.err);
	free(r);
	return rc;
}

int
sens_trial(SensSet *s, const Trial *t, Score *sc)
{
	return sens_trials(s, t, 1, sc);
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
	free(s->top0);
	free(s->err0);
	s->bound = NULL;
	s->arena = NULL;
	s->y0 = NULL;
}
