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

/* E4: every element of channel c of the layer's output becomes v. A
 * channel that holds v everywhere already (a dead ReLU channel on this
 * sample, zeroed) is left as it is: the sample is the exact run. */
static int
chan_fn(const Perturb *pt, float *y, int64_t n, int sample)
{
	const ChanCtx *k = pt->ctx;
	int64_t nc = k->L->nch, in = k->L->inner, outer = n / (nc * in);
	int changed = 0;
	(void)sample;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t j = 0; j < in; j++) {
			float *e = &y[(o * nc + k->c) * in + j];
			changed |= memcmp(e, &k->v, sizeof *e) != 0;
			*e = k->v;
		}
	return changed;
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
	for (int64_t c = 0; c < L->nch; c++) {
		FilterScore *f = &L->filt[c];
		if (L->wcols >= 0 && L->wn % L->nch == 0)
			chan_norms(L, w, c, f);
		else
			f->l1 = f->l2 = NAN;
		chan_stats(s, L, c, f);
	}
	if (!measure)
		return 0;
	/* every removal of the layer in one batch: channel c set to 0 (trial
	 * 2c) and to its mean (2c + 1) */
	size_t nt = 2 * (size_t)L->nch;
	ChanCtx *ctx = xmalloc(nt * sizeof *ctx);
	Trial *t = xmalloc(nt * sizeof *t);
	Score *sc = xmalloc(nt * sizeof *sc);
	for (int64_t c = 0; c < L->nch; c++) {
		ctx[2 * c] = (ChanCtx){L, c, 0.0f};
		ctx[2 * c + 1] = (ChanCtx){L, c, (float)L->filt[c].mean};
	}
	for (size_t i = 0; i < nt; i++)
		t[i] = (Trial){L->last + 1, NULL, {L->last, L->out, chan_fn, &ctx[i]}, 0};
	int rc = sens_trials(&s->set, t, (int)nt, sc);
	for (int64_t c = 0; c < L->nch && rc == 0; c++) {
		L->filt[c].zero = sc[2 * c];
		L->filt[c].repl = sc[2 * c + 1];
		L->filt[c].measured = 1;
	}
	free(ctx);
	free(t);
	free(sc);
	progress_add(pg, sens_filter_work(s, L), L->node->name);
	return rc ? -1 : 0;
}
