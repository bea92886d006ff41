/* sens_layer.c: layer sensitivity (APPROX.md §1) -- the error kinds, each
 * injected into one layer alone and swept over its levels: E1 relative
 * Gaussian noise on the output, E3 bit flips on the weights stored as int8
 * or int16 (optionally with the top bit protected), Q quantization of the
 * weights or of the output to k bits (APPROX.md §3, runtime/include/
 * axrt_fixed.h). Then per layer the tolerance per kind and a ranking score.
 * needs: a planned Program; gives: SensLayer.pt/tol/score/rank. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "axrt_fixed.h"

/* ORDER KIND: one row per SK_* */
const SensKind sens_kinds[NSK] = {
	{"output_noise", "E1 relative Gaussian noise on the output", "sigma_r", 7,
		{0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1}, 1, 0, 1, 1},
	{"weight_bitflip", "E3 bit flips, weights stored as int8", "BER", 6,
		{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1}, 1, 1, 1, 1},
	{"weight_bitflip_msb", "E3 bit flips, weights as int8, top bit protected", "BER", 6,
		{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1}, 1, 1, 1, 1},
	{"weight_bitflip16", "E3 bit flips, weights stored as int16", "BER", 6,
		{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1}, 1, 1, 1, 1},
	{"weight_bitflip16_msb", "E3 bit flips, weights as int16, top bit protected", "BER", 6,
		{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1}, 1, 1, 1, 1},
	{"weight_quant", "Q weights quantized to k bits", "bits", 15,
		{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2}, 0, 1, 0, 0},
	{"output_quant", "Q output quantized to k bits", "bits", 15,
		{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2}, 0, 0, 0, 0},
};

/* storage bits and protected top bits of the bit-flip kinds */
static int
flip_bits(int k, int *prot)
{
	*prot = k == SK_FLIP8P || k == SK_FLIP16P;
	return k == SK_FLIP16 || k == SK_FLIP16P ? 16 : 8;
}

/* ---- perturbation contexts ---- */
typedef struct NoiseCtx {
	const Sens *s;
	const SensLayer *L;
	double sigma;
	int level, rep;
} NoiseCtx;

/* E1: y += N(0, (sigma_r * sigma_Y)^2), sigma_Y the population standard
 * deviation of this sample's output; one stream per (seed, layer, sample,
 * kind, level, repeat). */
static int
noise_fn(const Perturb *pt, float *y, int64_t n, int sample)
{
	const NoiseCtx *c = pt->ctx;
	double m = 0, v = 0;
	for (int64_t i = 0; i < n; i++)
		m += y[i];
	m /= (double)n;
	for (int64_t i = 0; i < n; i++)
		v += ((double)y[i] - m) * ((double)y[i] - m);
	double sd = c->sigma * sqrt(v / (double)n);
	if (!(sd > 0))
		return 0;
	Rng r;
	rng_seed(&r, rng_key(c->s->o.seed, c->L->key, (uint64_t)sample, SK_NOISE,
		(uint64_t)c->level, (uint64_t)c->rep));
	rng_gauss_add(&r, y, n, sd);
	return 1;
}

typedef struct QuantCtx { int k, f; } QuantCtx;

/* Q on the output: the calibrated format (amax = max |Y| over D), round
 * half to even, saturate. Quantized in blocks through a copy, so that a
 * sample the format leaves unchanged bit for bit (k = 32 nearly always)
 * takes the exact run's result instead of a run of the suffix. */
static int
oquant_fn(const Perturb *pt, float *y, int64_t n, int sample)
{
	const QuantCtx *c = pt->ctx;
	float q[256];
	int changed = 0;
	(void)sample;
	for (int64_t i = 0; i < n; i += 256) {
		int64_t m = n - i < 256 ? n - i : 256;
		axrt_fixed_fake_f32(y + i, q, m, c->k, c->f, AXRT_FIXED_NEAREST);
		if (changed || memcmp(q, y + i, (size_t)m * sizeof *q)) {
			memcpy(y + i, q, (size_t)m * sizeof *q);
			changed = 1;
		}
	}
	return changed;
}

void
sens_quant_weights(const float *w, float *q, int64_t n, int k)
{
	int f = axrt_fixed_fracbits(axrt_fixed_amax(w, n), k);
	axrt_fixed_fake_f32(w, q, n, k, f, AXRT_FIXED_NEAREST);
}

/* E3 on the weights: codes q = §3 quantization to `bits` (per tensor);
 * every unprotected bit of every code flips with probability ber (gaps
 * between flips drawn from the geometric distribution, one stream per
 * (seed, layer, kind, level, repeat)). The error of the flips alone is
 * added to the exact weights, w'[i] = w[i] + (q'[i] - q[i]) * 2^-f, so BER 0
 * is the exact model and the quantization error is weight_quant's business.
 * Returns the number of flips. */
static int64_t
flip_weights(const Sens *s, const SensLayer *L, int kind, int level, int rep, const float *w,
	float *out)
{
	int prot, bits = flip_bits(kind, &prot), nb = bits - prot;
	double ber = sens_kinds[kind].level[level];
	int f = axrt_fixed_fracbits(axrt_fixed_amax(w, L->wn), bits);
	memcpy(out, w, (size_t)L->wn * sizeof *out);
	if (!(ber > 0))
		return 0;
	int32_t *q = xmalloc((size_t)L->wn * sizeof *q + 1), *q1 = xmalloc((size_t)L->wn * sizeof *q1 + 1);
	for (int64_t i = 0; i < L->wn; i++)
		q[i] = q1[i] = axrt_fixed_quant(w[i], bits, f, AXRT_FIXED_NEAREST);
	Rng r;
	rng_seed(&r, rng_key(s->o.seed, L->key, UINT64_MAX, (uint64_t)kind, (uint64_t)level,
		(uint64_t)rep));
	double lq = log1p(-ber), total = (double)L->wn * nb;
	int64_t nflip = 0;
	for (double pos = -1;;) {   /* gap to the next flipped bit: geometric */
		double u = (double)((rng_next(&r) >> 11) + 1) * 0x1p-53;   /* (0, 1] */
		pos += 1 + (ber >= 1 ? 0 : floor(log(u) / lq));
		if (pos >= total)
			break;
		int64_t at = (int64_t)pos, i = at / nb;
		q1[i] = axrt_fixed_flip(q1[i], bits, (int)(at % nb));
		nflip++;
	}
	for (int64_t i = 0; i < L->wn; i++)
		if (q1[i] != q[i])
			out[i] = w[i] + axrt_fixed_dequant(q1[i] - q[i], f);
	free(q);
	free(q1);
	return nflip;
}

/* ---- running the points ---- */
/* kind k is selected and applies to L */
static int
wanted(const Sens *s, const SensLayer *L, int k)
{
	return (s->o.kinds == 0 || (s->o.kinds >> k) & 1u) && (!sens_kinds[k].weights || L->wbuf >= 0);
}

static double
trial_work(const Sens *s, int first)
{
	const Program *p = s->set.p;
	return (p->nstep - sens_boundary(&s->set, first) + 0.05) / p->nstep;
}

/* Averages nrep scores into one point (metric mean, SNR pooled). */
static void
point_set(Point *pt, double level, const Score *sc, int nrep)
{
	memset(pt, 0, sizeof *pt);
	pt->level = level;
	pt->nrep = nrep;
	double m = 0, e = 0, sig = 0;
	for (int r = 0; r < nrep; r++) {
		pt->rep[r] = sc[r].metric;
		m += sc[r].metric;
		e += sc[r].err2;
		sig += sc[r].sig2;
	}
	pt->s = sc[0];
	pt->s.metric = m / nrep;
	pt->s.ci95 = 1.96 * sqrt(pt->s.metric * (1 - pt->s.metric) / sc[0].n);
	pt->s.err2 = e;
	pt->s.sig2 = sig;
	pt->s.snr_db = e > 0 ? 10 * log10(sig / e) : INFINITY;
}

/* An output-side trial: perturbation fn with ctx after the layer. */
static Trial
out_trial(const SensLayer *L, int (*fn)(const Perturb *, float *, int64_t, int), const void *ctx)
{
	return (Trial){L->last + 1, NULL, {L->last, L->out, fn, ctx}, 0};
}

static int
sweep_noise(Sens *s, SensLayer *L, Progress *pg)
{
	const SensKind *k = &sens_kinds[SK_NOISE];
	int nr = s->o.repeats, nt = 1 + k->nlevel * nr;
	NoiseCtx c[1 + SENS_MAXLEVEL * SENS_MAXREP];
	Trial t[1 + SENS_MAXLEVEL * SENS_MAXREP];
	Score sc[1 + SENS_MAXLEVEL * SENS_MAXREP];
	c[0] = (NoiseCtx){s, L, 0, -1, 0};   /* sigma 0 */
	for (int l = 0; l < k->nlevel; l++)
		for (int r = 0; r < nr; r++)
			c[1 + l * nr + r] = (NoiseCtx){s, L, k->level[l], l, r};
	for (int i = 0; i < nt; i++)
		t[i] = out_trial(L, noise_fn, &c[i]);
	if (sens_trials(&s->set, t, nt, sc) != 0)
		return -1;
	L->zero[SK_NOISE] = sc[0];
	L->has_zero[SK_NOISE] = 1;
	for (int l = 0; l < k->nlevel; l++)
		point_set(&L->pt[SK_NOISE][l], k->level[l], &sc[1 + l * nr], nr);
	L->npt[SK_NOISE] = k->nlevel;
	progress_add(pg, (nt - 1) * trial_work(s, L->last + 1), L->node->name);
	return 0;
}

static int
sweep_oquant(Sens *s, SensLayer *L, Progress *pg)
{
	const SensKind *k = &sens_kinds[SK_OQUANT];
	int nt = 1 + k->nlevel;
	QuantCtx c[1 + SENS_MAXLEVEL];
	Trial t[1 + SENS_MAXLEVEL];
	Score sc[1 + SENS_MAXLEVEL];
	c[0] = (QuantCtx){32, axrt_fixed_fracbits(L->out_amax, 32)};
	for (int l = 0; l < k->nlevel; l++)
		c[1 + l] = (QuantCtx){(int)k->level[l], axrt_fixed_fracbits(L->out_amax, (int)k->level[l])};
	for (int i = 0; i < nt; i++)
		t[i] = out_trial(L, oquant_fn, &c[i]);
	if (sens_trials(&s->set, t, nt, sc) != 0)
		return -1;
	L->zero[SK_OQUANT] = sc[0];
	L->has_zero[SK_OQUANT] = 1;
	for (int l = 0; l < k->nlevel; l++)
		point_set(&L->pt[SK_OQUANT][l], k->level[l], &sc[1 + l], 1);
	L->npt[SK_OQUANT] = k->nlevel;
	progress_add(pg, k->nlevel * trial_work(s, L->last + 1), L->node->name);
	return 0;
}

/* The weight-side trials of one layer, run as one batch: each has its own
 * packed constant; weights equal to the exact ones bit for bit are the
 * exact model and need no run. */
typedef struct WTrials {
	Sens *s;
	const SensLayer *L;
	int n, ntrial, same_at;
	Trial *t;              /* ntrial to run */
	int *slot;             /* trial -> result slot */
	const void ***cst;     /* per trial: the constant table */
	void **packed;
	Score *sc;             /* n result slots */
} WTrials;

/* Where the layer's steps are done and no later step reads its weights
 * (see Trial.same_at), or 0. */
static int
weights_done_at(const Program *p, const SensLayer *L)
{
	if (L->last + 1 >= p->nstep)
		return 0;
	for (int i = L->last + 1; i < p->nstep; i++)
		for (int k = 0; k < p->step[i].nin; k++)
			if (p->step[i].in[k] >= 0 && buf_root(p, p->step[i].in[k], NULL) == L->wbuf)
				return 0;
	return L->last + 1;
}

static void
wt_init(WTrials *w, Sens *s, const SensLayer *L, int max)
{
	*w = (WTrials){.s = s, .L = L, .same_at = weights_done_at(s->set.p, L)};
	w->t = xmalloc((size_t)max * sizeof *w->t);
	w->slot = xmalloc((size_t)max * sizeof *w->slot);
	w->cst = xmalloc((size_t)max * sizeof *w->cst);
	w->packed = xmalloc((size_t)max * sizeof *w->packed);
	w->sc = xmalloc((size_t)max * sizeof *w->sc);
}

/* Adds a trial with the ONNX-layout weights w (force: run it even when w
 * is exact, to check the trial path); returns its result slot. */
static int
wt_add(WTrials *w, const float *wt, int force)
{
	const Program *p = w->s->set.p;
	const SensLayer *L = w->L;
	int slot = w->n++;
	if (!force && !memcmp(wt, L->w0, (size_t)L->wn * sizeof *wt)) {
		w->sc[slot] = w->s->set.base;
		return slot;
	}
	int j = w->ntrial++;
	void *packed = xmalloc(p->buf[L->wbuf].size + 1);
	if (sens_pack_weights(p, L, wt, packed) < 0)
		die("layer '%s': the weights no longer lower to the same step", L->node->name);
	const void **cst = xmalloc((size_t)p->nbuf * sizeof *cst);
	memset(cst, 0, (size_t)p->nbuf * sizeof *cst);
	cst[L->wbuf] = packed;
	w->packed[j] = packed;
	w->cst[j] = cst;
	w->slot[j] = slot;
	w->t[j] = (Trial){L->first, cst, {-1, -1, NULL, NULL}, w->same_at};
	return slot;
}

static int
wt_run(WTrials *w)
{
	Score *sc = xmalloc(((size_t)w->ntrial + 1) * sizeof *sc);
	int rc = sens_trials(&w->s->set, w->t, w->ntrial, sc);
	for (int j = 0; j < w->ntrial; j++)
		w->sc[w->slot[j]] = sc[j];
	free(sc);
	return rc;
}

static void
wt_free(WTrials *w)
{
	for (int j = 0; j < w->ntrial; j++) {
		free(w->packed[j]);
		free(w->cst[j]);
	}
	free(w->t);
	free(w->slot);
	free(w->cst);
	free(w->packed);
	free(w->sc);
}

/* weight_quant and the bit-flip kinds of L, one batch; levels[k][l] is the
 * first result slot of kind k, level l (repeats follow), zero[k] that of
 * its exact-weights trial. */
static int
sweep_weights(Sens *s, SensLayer *L, Progress *pg)
{
	int nr = s->o.repeats, zero[NSK], at[NSK][SENS_MAXLEVEL], zf = -1;
	WTrials w;
	wt_init(&w, s, L, 1 + NSK * (1 + SENS_MAXLEVEL * SENS_MAXREP));
	float *wt = xmalloc((size_t)L->wn * sizeof *wt + 1);
	double work = 0;
	if (wanted(s, L, SK_WQUANT)) {
		const SensKind *k = &sens_kinds[SK_WQUANT];
		sens_quant_weights(L->w0, wt, L->wn, 32);
		zero[SK_WQUANT] = wt_add(&w, wt, 1);
		for (int l = 0; l < k->nlevel; l++) {
			sens_quant_weights(L->w0, wt, L->wn, (int)k->level[l]);
			at[SK_WQUANT][l] = wt_add(&w, wt, 0);
		}
		work += k->nlevel * trial_work(s, L->first);
	}
	for (int kind = SK_FLIP8; kind <= SK_FLIP16P; kind++) {
		if (!wanted(s, L, kind))
			continue;
		const SensKind *k = &sens_kinds[kind];
		if (zf < 0)   /* BER 0, once: the exact weights through the trial path */
			zf = wt_add(&w, L->w0, 1);
		zero[kind] = zf;
		for (int l = 0; l < k->nlevel; l++)
			for (int r = 0; r < nr; r++) {
				flip_weights(s, L, kind, l, r, L->w0, wt);
				int slot = wt_add(&w, wt, 0);
				if (r == 0)
					at[kind][l] = slot;
			}
		work += k->nlevel * nr * trial_work(s, L->first);
	}
	free(wt);
	int rc = wt_run(&w);
	for (int kind = SK_WQUANT; kind >= SK_FLIP8 && rc == 0; kind--) {
		if (!wanted(s, L, kind))
			continue;
		const SensKind *k = &sens_kinds[kind];
		int n = k->random ? nr : 1;
		L->zero[kind] = w.sc[zero[kind]];
		L->has_zero[kind] = 1;
		for (int l = 0; l < k->nlevel; l++)
			point_set(&L->pt[kind][l], k->level[l], &w.sc[at[kind][l]], n);
		L->npt[kind] = k->nlevel;
	}
	wt_free(&w);
	progress_add(pg, work, L->node->name);
	return rc;
}

int
sens_parse_kinds(const char *s, unsigned *mask)
{
	*mask = 0;
	if (!strcmp(s, "none")) {
		*mask = SENS_KINDS_NONE;
		return 0;
	}
	while (*s) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		int k = 0;
		while (k < NSK && !(strlen(sens_kinds[k].name) == len && !strncmp(s, sens_kinds[k].name, len)))
			k++;
		if (k == NSK)
			return -1;
		*mask |= 1u << k;
		s += len + (c ? 1 : 0);
	}
	return *mask ? 0 : -1;
}

/* Work units (fractions of a full pass) the sweep of L will take. */
double
sens_layer_work(const Sens *s, const SensLayer *L)
{
	double w = 0;
	for (int k = 0; k < NSK; k++) {
		if (!wanted(s, L, k))
			continue;
		int n = sens_kinds[k].nlevel * (sens_kinds[k].random ? s->o.repeats : 1);
		w += n * trial_work(s, sens_kinds[k].weights ? L->first : L->last + 1);
	}
	return w;
}

int
sens_sweep_layer(Sens *s, SensLayer *L, Progress *pg)
{
	if ((wanted(s, L, SK_NOISE) && sweep_noise(s, L, pg) < 0) ||
	    (wanted(s, L, SK_OQUANT) && sweep_oquant(s, L, pg) < 0))
		return -1;
	if (L->wbuf < 0)
		return 0;
	return sweep_weights(s, L, pg) != 0 ? -1 : 0;
}

/* ---- tolerance and ranking ---- */

/* tau: walking the levels from the least to the most error, the last one
 * whose drop stays within eps before the first that does not. */
static void
layer_tolerance(const Sens *s, SensLayer *L)
{
	double base = s->set.base.metric;
	for (int k = 0; k < NSK; k++) {
		L->has_tol[k] = 0;
		for (int i = 0; i < L->npt[k]; i++) {
			if (base - L->pt[k][i].s.metric > s->o.eps + 1e-12)
				break;
			L->tol[k] = L->pt[k][i].level;
			L->has_tol[k] = 1;
		}
	}
	L->score = 0;
	for (int i = 0; i < L->npt[SK_NOISE]; i++)
		if (fabs(L->pt[SK_NOISE][i].level - 0.1) < 1e-9)
			L->score = base - L->pt[SK_NOISE][i].s.metric;
}

static const Sens *rank_s;

static double
noise_area(const SensLayer *L)
{
	double a = 0;
	for (int i = 0; i < L->npt[SK_NOISE]; i++)
		a += rank_s->set.base.metric - L->pt[SK_NOISE][i].s.metric;
	return a;
}

/* most sensitive first: score, then the whole noise curve, then step order */
static int
cmp_rank(const void *a, const void *b)
{
	const SensLayer *x = *(SensLayer *const *)a, *y = *(SensLayer *const *)b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	double ax = noise_area(x), ay = noise_area(y);
	if (ax != ay)
		return ax > ay ? -1 : 1;
	return (x->first > y->first) - (x->first < y->first);
}

void
sens_rank(Sens *s)
{
	SensLayer **v = xmalloc(((size_t)s->nlayer + 1) * sizeof *v);
	for (int i = 0; i < s->nlayer; i++) {
		layer_tolerance(s, &s->layer[i]);
		v[i] = &s->layer[i];
	}
	rank_s = s;
	qsort(v, (size_t)s->nlayer, sizeof *v, cmp_rank);
	for (int i = 0; i < s->nlayer; i++)
		v[i]->rank = i + 1;
	free(v);
}
