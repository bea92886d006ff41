/* dataset.c: data options, the split, and plan evaluation (dataset.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "plan.h"
#include "report.h"

const char data_args_help[] =
	"  --data X           inputs: .npy, TensorProto .pb or IDX (*-ubyte[.gz]), samples on dim 0\n"
	"  --labels Y         integer labels (.npy or IDX); without: agreement with the exact model\n"
	"  --split F          fraction analysed, the rest held out (1 = all)\n"
	"  --seed S           seed of the split (default 0)\n"
	"  --scale V          multiply raw inputs by V first (e.g. 1/255)\n"
	"  --mean M[,M...]    then subtract a mean (one, or one per channel)\n"
	"  --std S[,S...]     then divide by a standard deviation\n";

void
data_args_init(DataArgs *a, double split)
{
	memset(a, 0, sizeof *a);
	a->split = split;
	a->prep.scale = 1;
}

static int
num(const char *verb, const char *opt, const char *v, double lo, double hi, double *out)
{
	if (sens_parse_num(v, out) < 0 || *out < lo || *out > hi)
		return usage_error(verb, "%s: '%s' is not a number in [%g, %g]", opt, v, lo, hi);
	return 0;
}

int
prep_args_parse(SensPrep *p, const char *verb, int argc, char **argv, int *i)
{
	const char *v;
	if ((v = opt_value("--scale", argc, argv, i)))
		return num(verb, "--scale", v, -1e30, 1e30, &p->scale) ? 2 : 1;
	if ((v = opt_value("--mean", argc, argv, i))) {
		if ((p->nmean = sens_parse_list(v, p->mean, SENS_MAXCH)) < 1)
			return usage_error(verb, "--mean: '%s' is not a list of numbers", v), 2;
		return 1;
	}
	if ((v = opt_value("--std", argc, argv, i))) {
		if ((p->nstd = sens_parse_list(v, p->std, SENS_MAXCH)) < 1)
			return usage_error(verb, "--std: '%s' is not a list of numbers", v), 2;
		return 1;
	}
	return 0;
}

int
data_args_parse(DataArgs *a, const char *verb, int argc, char **argv, int *i)
{
	const char *v;
	double x;
	int r = prep_args_parse(&a->prep, verb, argc, argv, i);
	if (r)
		return r;
	if ((v = opt_value("--data", argc, argv, i)))
		a->data = v;
	else if ((v = opt_value("--labels", argc, argv, i)))
		a->labels = v;
	else if ((v = opt_value("--split", argc, argv, i)))
		return num(verb, "--split", v, 1e-9, 1, &a->split) ? 2 : 1;
	else if ((v = opt_value("--seed", argc, argv, i))) {
		if (num(verb, "--seed", v, 0, 9007199254740992.0, &x))
			return 2;
		a->seed = (uint64_t)x;
	} else
		return 0;
	return 1;
}

static void
gather(const SensData *sd, const int *idx, int n, float **x, int32_t **y)
{
	*x = xmalloc((size_t)n * (size_t)sd->insz * sizeof **x + 1);
	*y = sd->label ? xmalloc((size_t)n * sizeof **y + 1) : NULL;
	for (int i = 0; i < n; i++) {
		memcpy(*x + (size_t)i * (size_t)sd->insz, sd->x + (size_t)idx[i] * (size_t)sd->insz,
			(size_t)sd->insz * sizeof **x);
		if (sd->label)
			(*y)[i] = sd->label[idx[i]];
	}
}

int
data_split_load(DataSplit *s, const DataArgs *a, const Graph *g, Diag *d)
{
	memset(s, 0, sizeof *s);
	if (sens_data_load(&s->sd, g, a->data, a->labels, &a->prep, d) < 0)
		return -1;
	s->idx = xmalloc(((size_t)s->sd.n + 1) * sizeof *s->idx);
	s->na = sens_split(s->sd.n, a->split, a->seed, s->idx);
	s->nh = s->sd.n - s->na;
	gather(&s->sd, s->idx, s->na, &s->xa, &s->ya);
	gather(&s->sd, s->idx + s->na, s->nh, &s->xh, &s->yh);
	return 0;
}

void
data_split_free(DataSplit *s)
{
	sens_data_free(&s->sd);
	free(s->idx);
	free(s->xa);
	free(s->xh);
	free(s->ya);
	free(s->yh);
	memset(s, 0, sizeof *s);
}

int32_t
top1(const float *y, int64_t n)
{
	int32_t best = 0;
	for (int64_t i = 1; i < n; i++)
		if (y[i] > y[best] || (y[best] != y[best] && y[i] == y[i]))
			best = (int32_t)i;
	return best;
}

/* Output 0 of sample i as floats (raw integer codes are converted: their
 * order, hence top-1, is the same; SNR then compares codes, which only
 * --io raw plans see). */
static void
out_floats(const Buf *b, const void *base, int64_t nout, int i, float *y)
{
	const char *p = (const char *)base + (size_t)i * b->size;
	for (int64_t k = 0; k < nout; k++)
		switch (b->dtype) {
		case DT_F32: y[k] = ((const float *)p)[k]; break;
		case DT_I8: y[k] = ((const int8_t *)p)[k]; break;
		case DT_I16: y[k] = ((const int16_t *)p)[k]; break;
		case DT_I32: y[k] = (float)((const int32_t *)p)[k]; break;
		default: y[k] = 0; break;
		}
}

#define CHUNK 256

/* Runs p over s's samples in chunks; per sample calls back with output 0
 * as floats. stop(ctx) after a chunk ends the run early. */
typedef struct Walk {
	int (*sample)(void *ctx, int i, const float *y);
	int (*stop)(void *ctx, int done);
	void *ctx;
} Walk;

static int
walk(const Program *p, const EvalSet *s, const Walk *w, Diag *d)
{
	if (p->ninput != 1 || p->noutput < 1)
		return diag_error(d, "evaluation needs a model with one input and an output");
	const Buf *bi = &p->buf[p->input[0]];
	if (bi->dtype != DT_F32 || bi->size != (size_t)s->insz * sizeof(float))
		return diag_error(d, "the model's input is not %lld floats (is the plan's io raw?)",
			(long long)s->insz);
	const Buf *bo = &p->buf[p->output[0]];
	int64_t nout = (int64_t)(bo->size / (dtype_size(bo->dtype) ? dtype_size(bo->dtype) : 1));
	if (nout != s->nout)
		return diag_error(d, "output 0 has %lld elements, the exact model's %lld",
			(long long)nout, (long long)s->nout);
	void **outs = xmalloc((size_t)p->noutput * sizeof *outs);
	for (int k = 0; k < p->noutput; k++)
		outs[k] = xmalloc(CHUNK * p->buf[p->output[k]].size + 1);
	float *y = xmalloc((size_t)nout * sizeof *y + 1);
	int rc = 0;
	for (int at = 0; at < s->n && rc == 0; at += CHUNK) {
		int m = s->n - at < CHUNK ? s->n - at : CHUNK;
		const void *in[1] = {s->x + (size_t)at * (size_t)s->insz};
		Batch b = {m, in, outs, s->nthreads, NULL};
		int st = prog_run_batch(p, &b);
		if (st != 0) {
			rc = diag_error(d, "a kernel failed with status %d", st);
			break;
		}
		for (int i = 0; i < m && rc == 0; i++) {
			out_floats(bo, outs[0], nout, i, y);
			rc = w->sample(w->ctx, at + i, y);
		}
		if (rc == 0 && w->stop && w->stop(w->ctx, at + m))
			break;
	}
	for (int k = 0; k < p->noutput; k++)
		free(outs[k]);
	free(outs);
	free(y);
	return rc;
}

static int
ref_sample(void *ctx, int i, const float *y)
{
	EvalSet *s = ctx;
	s->ref_top[i] = top1(y, s->nout);
	memcpy(s->ref_out + (size_t)i * (size_t)s->nout, y, (size_t)s->nout * sizeof *y);
	return 0;
}

static Program *
plan_program(const Options *o, const Plan *pl, Diag *d, Graph **gout)
{
	Options oo = *o;
	oo.planobj = pl;
	oo.quiet = 1;
	oo.dump = NULL;
	Graph *g = load_model(&oo, d);
	if (!g)
		return NULL;
	Program *p = prog_lower(g, d);
	if (!p) {
		graph_free(g);
		return NULL;
	}
	prog_plan(p);
	*gout = g;
	return p;
}

int
eval_reference(const Options *o, EvalSet *s, Diag *d)
{
	Graph *g;
	Program *p = plan_program(o, NULL, d, &g);
	if (!p)
		return -1;
	const Buf *bo = &p->buf[p->output[0]];
	s->nout = (int64_t)(bo->size / (dtype_size(bo->dtype) ? dtype_size(bo->dtype) : 1));
	s->ref_top = xmalloc((size_t)s->n * sizeof *s->ref_top + 1);
	s->ref_out = xmalloc((size_t)s->n * (size_t)s->nout * sizeof *s->ref_out + 1);
	Walk w = {ref_sample, NULL, s};
	int rc = walk(p, s, &w, d);
	prog_free(p);
	graph_free(g);
	return rc;
}

void
eval_set_free(EvalSet *s)
{
	free(s->ref_top);
	free(s->ref_out);
	s->ref_top = NULL;
	s->ref_out = NULL;
}

typedef struct Tally {
	const EvalSet *s;
	int correct, agree, done, need;
	double err2, sig2;
} Tally;

static int
tally_sample(void *ctx, int i, const float *y)
{
	Tally *t = ctx;
	const EvalSet *s = t->s;
	int32_t k = top1(y, s->nout);
	t->agree += k == s->ref_top[i];
	t->correct += s->label ? k == s->label[i] : k == s->ref_top[i];
	const float *r = s->ref_out + (size_t)i * (size_t)s->nout;
	for (int64_t j = 0; j < s->nout; j++) {
		double e = (double)y[j] - r[j];
		t->err2 += e * e;
		t->sig2 += (double)r[j] * r[j];
	}
	return 0;
}

static int
tally_stop(void *ctx, int done)
{
	Tally *t = ctx;
	t->done = done;
	return t->need > 0 && t->correct + (t->s->n - done) < t->need;
}

int
eval_plan(const Options *o, const Plan *pl, const EvalSet *s, double min_metric, EvalResult *r,
	Diag *d)
{
	memset(r, 0, sizeof *r);
	Graph *g;
	Program *p = plan_program(o, pl, d, &g);
	if (!p)
		return -1;
	Tally t = {s, 0, 0, 0, 0, 0, 0};
	if (min_metric > 0)
		t.need = (int)ceil(min_metric * s->n - 1e-9);
	Walk w = {tally_sample, tally_stop, &t};
	int rc = walk(p, s, &w, d);
	if (rc == 0) {
		r->n = s->n;
		r->correct = t.correct;
		r->stopped = t.need > 0 && t.correct + (s->n - t.done) < t.need && t.done < s->n;
		if (r->stopped)  /* what is certain: at most this many are right */
			r->correct = t.correct + (s->n - t.done);
		r->metric = s->n ? (double)r->correct / s->n : 0;
		r->ci95 = s->n ? 1.96 * sqrt(r->metric * (1 - r->metric) / s->n) : 0;
		r->agree = t.done ? (double)t.agree / t.done : 0;
		r->snr_db = t.err2 > 0 ? 10 * log10(t.sig2 / t.err2) : INFINITY;
		r->arena_bytes = p->arena_bytes;
		r->weight_bytes = prog_weight_bytes(p);
		for (int i = 0; i < g->nnode; i++)
			if (!g->node[i]->dead)
				r->macs += node_cost(g->node[i]).macs;
		r->energy_pj = graph_energy_pj(g);
	}
	prog_free(p);
	graph_free(g);
	return rc;
}
