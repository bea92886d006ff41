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
static void
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
		return;
	Rng r;
	rng_seed(&r, rng_key(c->s->o.seed, c->L->key, (uint64_t)sample, SK_NOISE,
		(uint64_t)c->level, (uint64_t)c->rep));
	for (int64_t i = 0; i + 1 < n; i += 2) {
		double z0, z1;
		rng_gauss2(&r, &z0, &z1);
		y[i] = (float)(y[i] + sd * z0);
		y[i + 1] = (float)(y[i + 1] + sd * z1);
	}
	if (n % 2) {
		double z0, z1;
		rng_gauss2(&r, &z0, &z1);
		y[n - 1] = (float)(y[n - 1] + sd * z0);
	}
}

typedef struct QuantCtx { int k, f; } QuantCtx;

/* Q on the output: the calibrated format (amax = max |Y| over D), round
 * half to even, saturate. */
static void
oquant_fn(const Perturb *pt, float *y, int64_t n, int sample)
{
	const QuantCtx *c = pt->ctx;
	(void)sample;
	axrt_fixed_fake_f32(y, y, n, c->k, c->f, AXRT_FIXED_NEAREST);
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

/* One output-side trial: perturbation fn with ctx after the layer. */
static int
run_out(Sens *s, const SensLayer *L, void (*fn)(const Perturb *, float *, int64_t, int),
	const void *ctx, Score *sc)
{
	Trial t = {L->last + 1, NULL, {L->last, L->out, fn, ctx}};
	return sens_trial(&s->set, &t, sc);
}

/* One weight-side trial: w (ONNX layout) packed into the kernel's constant. */
static int
run_packed(Sens *s, const SensLayer *L, const void **cst, const float *w, Score *sc)
{
	const Program *p = s->set.p;
	void *packed = xmalloc(p->buf[L->wbuf].size + 1);
	if (sens_pack_weights(p, L, w, packed) < 0)
		die("layer '%s': the weights no longer lower to the same step", L->node->name);
	cst[L->wbuf] = packed;
	Trial t = {L->first, cst, {-1, -1, NULL, NULL}};
	int rc = sens_trial(&s->set, &t, sc);
	cst[L->wbuf] = NULL;
	free(packed);
	return rc;
}

/* One weight-side trial with the ONNX-layout weights w (packed into the
 * kernel's constant first); weights equal to the exact ones bit for bit are
 * the exact model (no run needed). */
static int
run_w(Sens *s, const SensLayer *L, const void **cst, const float *w, Score *sc)
{
	if (!memcmp(w, L->w0, (size_t)L->wn * sizeof *w)) {
		*sc = s->set.base;
		return 0;
	}
	return run_packed(s, L, cst, w, sc);
}

static int
sweep_noise(Sens *s, SensLayer *L, Progress *pg)
{
	const SensKind *k = &sens_kinds[SK_NOISE];
	Score sc[SENS_MAXREP];
	NoiseCtx zc = {s, L, 0, -1, 0};
	if (run_out(s, L, noise_fn, &zc, &L->zero[SK_NOISE]) != 0)
		return -1;
	L->has_zero[SK_NOISE] = 1;
	for (int l = 0; l < k->nlevel; l++) {
		for (int r = 0; r < s->o.repeats; r++) {
			NoiseCtx c = {s, L, k->level[l], l, r};
			if (run_out(s, L, noise_fn, &c, &sc[r]) != 0)
				return -1;
			progress_add(pg, trial_work(s, L->last + 1), L->node->name);
		}
		point_set(&L->pt[SK_NOISE][l], k->level[l], sc, s->o.repeats);
	}
	L->npt[SK_NOISE] = k->nlevel;
	return 0;
}

static int
sweep_oquant(Sens *s, SensLayer *L, Progress *pg)
{
	const SensKind *k = &sens_kinds[SK_OQUANT];
	QuantCtx z = {32, axrt_fixed_fracbits(L->out_amax, 32)};
	if (run_out(s, L, oquant_fn, &z, &L->zero[SK_OQUANT]) != 0)
		return -1;
	L->has_zero[SK_OQUANT] = 1;
	for (int l = 0; l < k->nlevel; l++) {
		Score sc;
		QuantCtx c = {(int)k->level[l], axrt_fixed_fracbits(L->out_amax, (int)k->level[l])};
		if (run_out(s, L, oquant_fn, &c, &sc) != 0)
			return -1;
		point_set(&L->pt[SK_OQUANT][l], k->level[l], &sc, 1);
		progress_add(pg, trial_work(s, L->last + 1), L->node->name);
	}
	L->npt[SK_OQUANT] = k->nlevel;
	return 0;
}

static int
sweep_wquant(Sens *s, SensLayer *L, const void **cst, float *w, Progress *pg)
{
	const SensKind *k = &sens_kinds[SK_WQUANT];
	const float *w0 = L->w0;
	sens_quant_weights(w0, w, L->wn, 32);
	if (run_packed(s, L, cst, w, &L->zero[SK_WQUANT]) != 0)
		return -1;
	L->has_zero[SK_WQUANT] = 1;
	for (int l = 0; l < k->nlevel; l++) {
		Score sc;
		sens_quant_weights(w0, w, L->wn, (int)k->level[l]);
		if (run_w(s, L, cst, w, &sc) != 0)
			return -1;
		point_set(&L->pt[SK_WQUANT][l], k->level[l], &sc, 1);
		progress_add(pg, trial_work(s, L->first), L->node->name);
	}
	L->npt[SK_WQUANT] = k->nlevel;
	return 0;
}

static int
sweep_flip(Sens *s, SensLayer *L, int kind, const void **cst, float *w, Progress *pg)
{
	const SensKind *k = &sens_kinds[kind];
	const float *w0 = L->w0;
	Score sc[SENS_MAXREP];
	int z0 = SK_FLIP8;
	while (z0 < kind && !wanted(s, L, z0))
		z0++;
	if (kind == z0) {   /* BER 0, once: the exact weights through the trial path */
		if (run_packed(s, L, cst, w0, &L->zero[kind]) != 0)
			return -1;
	} else {
		L->zero[kind] = L->zero[z0];
	}
	L->has_zero[kind] = 1;
	for (int l = 0; l < k->nlevel; l++) {
		for (int r = 0; r < s->o.repeats; r++) {
			flip_weights(s, L, kind, l, r, w0, w);
			if (run_w(s, L, cst, w, &sc[r]) != 0)
				return -1;
			progress_add(pg, trial_work(s, L->first), L->node->name);
		}
		point_set(&L->pt[kind][l], k->level[l], sc, s->o.repeats);
	}
	L->npt[kind] = k->nlevel;
	return 0;
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
	const void **cst = xmalloc((size_t)s->set.p->nbuf * sizeof *cst);
	float *w = xmalloc((size_t)L->wn * sizeof *w + 1);
	memset(cst, 0, (size_t)s->set.p->nbuf * sizeof *cst);
	int rc = wanted(s, L, SK_WQUANT) ? sweep_wquant(s, L, cst, w, pg) : 0;
	for (int k = SK_FLIP8; k <= SK_FLIP16P && rc == 0; k++)
		if (wanted(s, L, k))
			rc = sweep_flip(s, L, k, cst, w, pg);
	free(w);
	free(cst);
	return rc;
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
