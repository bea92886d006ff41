/* sens_filter.c: filter significance (APPROX.md §1 E4, §2) -- for every
 * output channel of every Conv/ConvTranspose/Gemm/MatMul layer: L1 and L2
 * norms of its weights (after BatchNormalization folding: the weights that
 * compute), the mean, mean |y| and fraction of exact zeros (APoZ) of the
 * post-activation channel over the analysis set, and the measured metric
 * drop when the channel is removed: set to 0, or replaced by its mean (one
 * scalar per channel, over samples and positions, the value bias propagation
 * can fold into consumers). Removals run only the suffix after the layer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

typedef struct ChanCtx {
	const SensLayer *L;
	int64_t c;
	float v;
} ChanCtx;

/* E4: every element of channel c of the layer's output becomes v. */
static void
chan_fn(const Perturb *pt, float *y, int64_t n, int sample)
{
	const ChanCtx *k = pt->ctx;
	int64_t nc = k->L->nch, in = k->L->inner, outer = n / (nc * in);
	(void)sample;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t j = 0; j < in; j++)
			y[(o * nc + k->c) * in + j] = k->v;
}

/* L1/L2 of channel c's weights (layout wcols, see SensLayer). */
static void
chan_norms(const SensLayer *L, const float *w, int64_t c, FilterScore *f)
{
	int64_t per = L->wn / L->nch;
	for (int64_t i = 0; i < per; i++) {
		double v = L->wcols ? w[i * L->nch + c] : w[c * per + i];
		f->l1 += fabs(v);
		f->l2 += v * v;
	}
	f->l2 = sqrt(f->l2);
}

/* Scores from the capture statistics, reduced in sample order. */
static void
chan_stats(const Sens *s, const SensLayer *L, int64_t c, FilterScore *f)
{
	double su = 0, ab = 0, z = 0;
	for (int i = 0; i < s->set.n; i++) {
		su += L->psum[(size_t)i * L->nch + c];
		ab += L->pabs[(size_t)i * L->nch + c];
		z += L->pzero[(size_t)i * L->nch + c];
	}
	double cnt = (double)s->set.n * (double)(L->outn / L->nch);
	f->mean = su / cnt;
	f->mean_abs = ab / cnt;
	f->apoz = z / cnt;
}

static int
has_filters(const SensLayer *L)
{
	return L->wbuf >= 0 && L->nch > 0;
}

double
sens_filter_work(const Sens *s, const SensLayer *L)
{
	const Program *p = s->set.p;
	if (!has_filters(L))
		return 0;
	return 2.0 * (double)L->nch * (p->nstep - sens_boundary(&s->set, L->last + 1) + 0.05) / p->nstep;
}

int
sens_filters(Sens *s, SensLayer *L, int measure, Progress *pg)
{
	if (!has_filters(L))
		return 0;
	const float *w = L->w0;
	L->filt = xmalloc((size_t)L->nch * sizeof *L->filt);
	memset(L->filt, 0, (size_t)L->nch * sizeof *L->filt);
	double step = sens_filter_work(s, L) / (2.0 * (double)L->nch);
	for (int64_t c = 0; c < L->nch; c++) {
		FilterScore *f = &L->filt[c];
		if (L->wcols >= 0 && L->wn % L->nch == 0)
			chan_norms(L, w, c, f);
		else
			f->l1 = f->l2 = NAN;
		chan_stats(s, L, c, f);
		if (!measure)
			continue;
		ChanCtx z = {L, c, 0.0f}, m = {L, c, (float)f->mean};
		Trial tz = {L->last + 1, NULL, {L->last, L->out, chan_fn, &z}};
		Trial tm = {L->last + 1, NULL, {L->last, L->out, chan_fn, &m}};
		if (sens_trial(&s->set, &tz, &f->zero) != 0 || sens_trial(&s->set, &tm, &f->repl) != 0)
			return -1;
		f->measured = 1;
		progress_add(pg, 2 * step, L->node->name);
	}
	return 0;
}
