/* report.c: SENS.json (schema in docs/SENS_SCHEMA.md; written with cJSON,
 * deterministic: no times, no absolute dates), SENS.md (summary and ranking
 * table) and one SVG per error kind beside the JSON (svg.c). Metrics and
 * drops are fractions in [0, 1]; non-finite numbers (an SNR with no error)
 * are written as null. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

static const char *const actname[] = {
	"none", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish"
};

static void
add_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* a difference of metrics without its last-bit noise (0.03, not
 * 0.030000000000000027) */
static double
tidy(double v)
{
	return round(v * 1e12) / 1e12;
}

static cJSON *
nums(const double *v, int n)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, isfinite(v[i]) ? cJSON_CreateNumber(v[i]) : cJSON_CreateNull());
	return a;
}

static cJSON *
j_point(const Point *pt, double base, int random)
{
	cJSON *o = cJSON_CreateObject();
	add_num(o, "level", pt->level);
	add_num(o, "metric", pt->s.metric);
	add_num(o, "drop", tidy(base - pt->s.metric));
	add_num(o, "ci95", pt->s.ci95);
	add_num(o, "snr_db", pt->s.snr_db);
	if (random)
		cJSON_AddItemToObject(o, "repeats", nums(pt->rep, pt->nrep));
	return o;
}

static cJSON *
j_filter(const FilterScore *f, int c, double base)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "channel", c);
	add_num(o, "l1", f->l1);
	add_num(o, "l2", f->l2);
	add_num(o, "mean", f->mean);
	add_num(o, "mean_abs", f->mean_abs);
	add_num(o, "apoz", f->apoz);
	if (f->measured) {
		add_num(o, "metric_zero", f->zero.metric);
		add_num(o, "drop_zero", tidy(base - f->zero.metric));
		add_num(o, "snr_zero_db", f->zero.snr_db);
		add_num(o, "metric_mean", f->repl.metric);
		add_num(o, "drop_mean", tidy(base - f->repl.metric));
		add_num(o, "snr_mean_db", f->repl.snr_db);
	}
	return o;
}

static cJSON *
j_layer(const Sens *s, const SensLayer *L)
{
	double base = s->set.base.metric, dims[IR_MAXRANK];
	const Tensor *t = L->node->out[0];
	cJSON *o = cJSON_CreateObject(), *sw = cJSON_CreateObject();
	cJSON *tol = cJSON_CreateObject(), *z = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", L->node->name);
	cJSON_AddStringToObject(o, "op", L->node->optype);
	cJSON_AddItemToObject(o, "steps", nums((double[]){L->first, L->last}, 2));
	int act = L->node->act;
	cJSON_AddStringToObject(o, "activation", act >= 0 && act < 8 ? actname[act] : "other");
	for (int i = 0; i < t->rank; i++)
		dims[i] = (double)t->dim[i];
	cJSON_AddItemToObject(o, "output_shape", nums(dims, t->rank));
	cJSON_AddNumberToObject(o, "weights", L->wbuf >= 0 ? (double)L->wn : 0);
	add_num(o, "output_amax", L->out_amax);
	cJSON_AddNumberToObject(o, "rank", L->rank);
	add_num(o, "score", tidy(L->score));
	for (int k = 0; k < NSK; k++) {
		cJSON *a = cJSON_CreateArray();
		for (int i = 0; i < L->npt[k]; i++)
			cJSON_AddItemToArray(a, j_point(&L->pt[k][i], base, sens_kinds[k].random));
		cJSON_AddItemToObject(sw, sens_kinds[k].name, a);
		if (L->npt[k] && L->has_tol[k])
			add_num(tol, sens_kinds[k].name, L->tol[k]);
		else
			cJSON_AddNullToObject(tol, sens_kinds[k].name);
		if (L->has_zero[k])
			add_num(z, sens_kinds[k].name, L->zero[k].metric);
	}
	cJSON_AddItemToObject(o, "tolerance", tol);
	cJSON_AddItemToObject(o, "zero_error", z);
	cJSON_AddItemToObject(o, "sweeps", sw);
	if (L->filt) {
		cJSON *f = cJSON_CreateArray();
		for (int64_t c = 0; c < L->nch; c++)
			cJSON_AddItemToArray(f, j_filter(&L->filt[c], (int)c, base));
		cJSON_AddItemToObject(o, "filters", f);
	}
	return o;
}

static cJSON *
j_kinds(void)
{
	cJSON *o = cJSON_CreateObject();
	for (int k = 0; k < NSK; k++) {
		const SensKind *sk = &sens_kinds[k];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "description", sk->what);
		cJSON_AddStringToObject(e, "unit", sk->unit);
		cJSON_AddItemToObject(e, "levels", nums(sk->level, sk->nlevel));
		cJSON_AddBoolToObject(e, "random", sk->random);
		cJSON_AddItemToObject(o, sk->name, e);
	}
	return o;
}

static cJSON *
j_data(const SensInfo *in)
{
	cJSON *o = cJSON_CreateObject(), *pp = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "inputs", in->data);
	if (in->labels)
		cJSON_AddStringToObject(o, "labels", in->labels);
	else
		cJSON_AddNullToObject(o, "labels");
	cJSON_AddNumberToObject(o, "samples", in->n_total);
	add_num(pp, "scale", in->prep.scale);
	cJSON_AddItemToObject(pp, "mean", nums(in->prep.mean, in->prep.nmean));
	cJSON_AddItemToObject(pp, "std", nums(in->prep.std, in->prep.nstd));
	cJSON_AddItemToObject(o, "preprocess", pp);
	return o;
}

static cJSON *
j_split(const Sens *s, const SensInfo *in)
{
	cJSON *o = cJSON_CreateObject(), *idx = cJSON_CreateArray();
	add_num(o, "fraction", in->split);
	cJSON_AddNumberToObject(o, "seed", (double)s->o.seed);
	cJSON_AddNumberToObject(o, "analysis", in->n_analysis);
	cJSON_AddNumberToObject(o, "heldout", in->n_heldout);
	cJSON_AddStringToObject(o, "rule", "Fisher-Yates shuffle of 0..N-1 by xoshiro256** "
		"(key: seed, \"split\"); the first round(fraction*N) are analysed, the rest held out; "
		"each part in ascending order; fraction 1 keeps every sample in order");
	for (int i = 0; i < in->n_analysis && in->analysis_idx; i++)
		cJSON_AddItemToArray(idx, cJSON_CreateNumber(in->analysis_idx[i]));
	cJSON_AddItemToObject(o, "analysis_indices", idx);
	return o;
}

char *
sens_json(const Sens *s, const SensInfo *in)
{
	cJSON *r = cJSON_CreateObject(), *t = cJSON_CreateObject(), *m = cJSON_CreateObject();
	cJSON *b = cJSON_CreateObject(), *sd = cJSON_CreateObject(), *ls = cJSON_CreateArray();
	const Program *p = s->set.p;
	cJSON_AddStringToObject(r, "schema", "axcc-sens/1");
	cJSON_AddStringToObject(t, "name", "axcc");
	cJSON_AddStringToObject(t, "version", AXCC_VERSION);
	cJSON_AddItemToObject(r, "tool", t);
	cJSON_AddStringToObject(r, "model", in->model);
	cJSON_AddItemToObject(r, "data", j_data(in));
	cJSON_AddItemToObject(r, "split", j_split(s, in));
	cJSON_AddNumberToObject(sd, "seed", (double)s->o.seed);
	cJSON_AddNumberToObject(sd, "repeats", s->o.repeats);
	cJSON_AddStringToObject(sd, "prng", "xoshiro256** seeded by splitmix64; stream key = "
		"(seed, FNV-1a of the layer name, sample, kind, level, repeat); Gaussians by the "
		"ziggurat method");
	cJSON_AddItemToObject(r, "seeds", sd);
	cJSON_AddStringToObject(m, "name", s->set.label ? "top1_accuracy" : "top1_agreement");
	cJSON_AddStringToObject(m, "output", p->buf[p->output[0]].name);
	add_num(m, "epsilon", s->o.eps);
	cJSON_AddStringToObject(m, "score", "drop at output_noise sigma_r = 0.1");
	cJSON_AddItemToObject(r, "metric", m);
	add_num(b, "metric", s->set.base.metric);
	add_num(b, "ci95", s->set.base.ci95);
	cJSON_AddNumberToObject(b, "samples", s->set.n);
	cJSON_AddItemToObject(r, "baseline", b);
	cJSON_AddItemToObject(r, "kinds", j_kinds());
	for (int i = 0; i < s->nlayer; i++)
		cJSON_AddItemToArray(ls, j_layer(s, &s->layer[i]));
	cJSON_AddItemToObject(r, "layers", ls);
	char *txt = cJSON_Print(r);
	cJSON_Delete(r);
	return txt;
}

/* ---- files ---- */
char *
sens_beside(const char *json, const char *suffix)
{
	size_t n = strlen(json);
	if (n >= 5 && !strcmp(json + n - 5, ".json"))
		n -= 5;
	char *p = xmalloc(n + strlen(suffix) + 1);
	memcpy(p, json, n);
	strcpy(p + n, suffix);
	return p;
}

static int
write_file(const char *path, const char *text, Diag *d)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return diag_error(d, "%s: cannot write: %s", path, strerror(errno));
	int ok = fputs(text, f) >= 0;
	ok &= fclose(f) == 0;
	return ok ? 0 : diag_error(d, "%s: write failed", path);
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void
md_tol(char *buf, size_t n, const SensLayer *L, int k)
{
	if (!L->npt[k])
		snprintf(buf, n, "-");
	else if (!L->has_tol[k])
		snprintf(buf, n, "none");
	else
		snprintf(buf, n, "%g", L->tol[k]);
}

static void
md_ranking(FILE *f, const Sens *s)
{
	static const int cols[] = {SK_NOISE, SK_FLIP8, SK_FLIP16, SK_WQUANT, SK_OQUANT};
	fprintf(f, "## Layer ranking (most sensitive first)\n\n"
		"Score: drop in points at output noise sigma_r = 0.1. Tolerances: the largest error "
		"level whose drop stays within %.2f points (noise sigma_r, BER, or the fewest bits).\n\n"
		"| rank | layer | op | score | noise | BER int8 | BER int16 | weight bits | output bits |\n"
		"|---:|---|---|---:|---:|---:|---:|---:|---:|\n", 100 * s->o.eps);
	for (int r = 1; r <= s->nlayer; r++)
		for (int i = 0; i < s->nlayer; i++) {
			const SensLayer *L = &s->layer[i];
			if (L->rank != r)
				continue;
			fprintf(f, "| %d | `%s` | %s | %.2f |", r, L->node->name, L->node->optype, 100 * L->score);
			for (int c = 0; c < 5; c++) {
				char b[32];
				md_tol(b, sizeof b, L, cols[c]);
				fprintf(f, " %s |", b);
			}
			fputc('\n', f);
		}
}

/* per layer: the channels whose removal costs least */
static void
md_filters(FILE *f, const Sens *s)
{
	fprintf(f, "\n## Filters\n\n| layer | channels | removable (zeroed, drop <= eps) | "
		"max APoZ | least significant (zeroed: channel/drop points) |\n|---|---:|---:|---:|---|\n");
	for (int i = 0; i < s->nlayer; i++) {
		const SensLayer *L = &s->layer[i];
		if (!L->filt)
			continue;
		int ok = 0, used[8] = {0}, nu = 0;
		double apoz = 0, base = s->set.base.metric;
		for (int64_t c = 0; c < L->nch; c++) {
			ok += L->filt[c].measured && base - L->filt[c].zero.metric <= s->o.eps + 1e-12;
			apoz = L->filt[c].apoz > apoz ? L->filt[c].apoz : apoz;
		}
		fprintf(f, "| `%s` | %lld | %d | %.3f |", L->node->name, (long long)L->nch, ok, apoz);
		for (; nu < 5 && nu < L->nch && L->filt[0].measured; nu++) {
			int64_t best = -1;
			for (int64_t c = 0; c < L->nch; c++) {
				int taken = 0;
				for (int u = 0; u < nu; u++)
					taken |= used[u] == c;
				if (!taken && (best < 0 || L->filt[c].zero.metric > L->filt[best].zero.metric))
					best = c;
			}
			used[nu] = (int)best;
			fprintf(f, " %lld/%.2f", (long long)best, 100 * (base - L->filt[best].zero.metric));
		}
		fprintf(f, " |\n");
	}
}

static int
write_md(const Sens *s, const SensInfo *in, const char *path, const char *json, Diag *d)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return diag_error(d, "%s: cannot write: %s", path, strerror(errno));
	const Score *b = &s->set.base;
	fprintf(f, "# Sensitivity of `%s`\n\n", base_name(in->model));
	fprintf(f, "- data: `%s`%s%s%s, %d samples; analysed %d (split %g, seed %llu), held out %d\n",
		base_name(in->data), in->labels ? ", labels `" : "", in->labels ? base_name(in->labels) : "",
		in->labels ? "`" : "", in->n_total, in->n_analysis, in->split,
		(unsigned long long)s->o.seed, in->n_heldout);
	fprintf(f, "- baseline %s: %.2f%% +/- %.2f (95%%)\n", s->set.label ? "top-1 accuracy" :
		"top-1 agreement", 100 * b->metric, 100 * b->ci95);
	fprintf(f, "- random kinds averaged over %d seeds; full tables in `%s`\n\n", s->o.repeats,
		base_name(json));
	md_ranking(f, s);
	fprintf(f, "\n## Sweeps\n\n");
	for (int k = 0; k < NSK; k++) {
		char *svg = sens_beside(json, "");
		fprintf(f, "![%s](%s.%s.svg)\n", sens_kinds[k].name, base_name(svg), sens_kinds[k].name);
		free(svg);
	}
	md_filters(f, s);
	return fclose(f) == 0 ? 0 : diag_error(d, "%s: write failed", path);
}

int
sens_report(const Sens *s, const SensInfo *in, const char *path, Diag *d)
{
	char *txt = sens_json(s, in);
	int rc = write_file(path, txt, d);
	free(txt);
	char *md = sens_beside(path, ".md");
	if (rc == 0)
		rc = write_md(s, in, md, path, d);
	free(md);
	for (int k = 0; k < NSK && rc == 0; k++) {
		char suf[64];
		snprintf(suf, sizeof suf, ".%s.svg", sens_kinds[k].name);
		char *sp = sens_beside(path, suf), *svg = sens_svg(s, k);
		rc = write_file(sp, svg, d);
		free(sp);
		free(svg);
	}
	return rc;
}
