/* quantize.c: `compile --quantize` -- calibrate the canonical float model on
 * the data (passes/calib.c), make a uniform plan (passes/fixplan.c). The
 * plan records how it was made under "search"; replaying it needs none of
 * that. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "axrt_fixed.h"
#include "dataset.h"
#include "quantize.h"

void
quantize_init(QuantArgs *q)
{
	memset(q, 0, sizeof *q);
	q->co.method = CALIB_PERCENTILE;
	q->co.percentile = 99.99;
	q->prep.scale = 1;
}

/* "W" or "W,A", widths 2..16. */
static int
parse_bits(const char *v, int *w, int *a)
{
	char *end;
	long x = strtol(v, &end, 10), y = x;
	if (end != v && *end == ',')
		y = strtol(end + 1, &end, 10);
	if (end == v || *end || x < 2 || x > 16 || y < 2 || y > 16)
		return -1;
	*w = (int)x;
	*a = (int)y;
	return 0;
}

int
calib_args_parse(CalibOpts *co, const char *verb, int argc, char **argv, int *i)
{
	static const char *const name[] = {"max", "percentile", "mse", "kl"};
	const char *v;
	double x;
	if ((v = opt_value("--calib", argc, argv, i))) {
		int k = 0;
		while (k < 4 && strcmp(v, name[k]))
			k++;
		if (k == 4)
			return usage_error(verb, "--calib takes max, percentile, mse or kl, not '%s'", v) ? -1 : -1;
		co->method = (CalibMethod)k;
	} else if ((v = opt_value("--percentile", argc, argv, i))) {
		if (sens_parse_num(v, &x) < 0 || !(x > 0) || x > 100)
			return usage_error(verb, "--percentile: '%s' is not in (0, 100]", v) ? -1 : -1;
		co->percentile = x;
	} else if (!strcmp(argv[*i], "--per-channel")) {
		co->per_channel = 1;
	} else if ((v = opt_value("--rounding", argc, argv, i))) {
		if (strcmp(v, "nearest") && strcmp(v, "trunc"))
			return usage_error(verb, "--rounding takes nearest or trunc, not '%s'", v) ? -1 : -1;
		co->rounding = !strcmp(v, "trunc") ? AXRT_FIXED_TRUNC : AXRT_FIXED_NEAREST;
	} else {
		return 0;
	}
	return 1;
}

int
quantize_opt(QuantArgs *q, int argc, char **argv, int *i)
{
	const char *v;
	double x;
	int r;
	if ((r = calib_args_parse(&q->co, "compile", argc, argv, i)) != 0)
		return r;
	if ((r = prep_args_parse(&q->prep, "compile", argc, argv, i)) != 0)
		return r == 2 ? -1 : r;
	if ((v = opt_value("--quantize", argc, argv, i))) {
		if (parse_bits(v, &q->wbits, &q->abits) < 0)
			return usage_error("compile", "--quantize takes W or W,A with widths 2 to 16, "
				"not '%s'", v) ? -1 : -1;
	} else if ((v = opt_value("--data", argc, argv, i))) {
		q->data = v;
	} else if ((v = opt_value("--calib-samples", argc, argv, i))) {
		if (sens_parse_num(v, &x) < 0 || x < 1 || x > 1e9 || x != (int)x)
			return usage_error("compile", "--calib-samples: '%s' is not a count", v) ? -1 : -1;
		q->maxn = (int)x;
	} else if ((v = opt_value("--io", argc, argv, i))) {
		if (strcmp(v, "raw") && strcmp(v, "float"))
			return usage_error("compile", "--io takes raw or float, not '%s'", v) ? -1 : -1;
		q->io_raw = !strcmp(v, "raw");
		q->io_set = 1;
	} else {
		return 0;
	}
	return 1;
}

static const char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* How the plan was made (the plan's "search"; never needed to replay). */
static const char *
search_json(Plan *pl, const QuantArgs *q, int n)
{
	static const char *const mname[] = {"max", "percentile", "mse", "kl"};
	cJSON *js = cJSON_CreateObject();
	cJSON_AddStringToObject(js, "how", "quantize");
	cJSON_AddNumberToObject(js, "weights_bits", q->wbits);
	cJSON_AddNumberToObject(js, "activation_bits", q->abits);
	cJSON_AddStringToObject(js, "calib", mname[q->co.method]);
	if (q->co.method == CALIB_PERCENTILE)
		cJSON_AddNumberToObject(js, "percentile", q->co.percentile);
	cJSON_AddBoolToObject(js, "per_channel", q->co.per_channel);
	cJSON_AddStringToObject(js, "rounding", q->co.rounding ? "trunc" : "nearest");
	cJSON_AddStringToObject(js, "data", base_name(q->data));
	cJSON_AddNumberToObject(js, "samples", n);
	char *txt = cJSON_PrintUnformatted(js);
	const char *r = arena_strdup(pl->a, txt ? txt : "{}");
	free(txt);
	cJSON_Delete(js);
	return r;
}

Plan *
quantize_plan(const Options *o, const QuantArgs *q, Diag *d)
{
	Graph *g = load_model(o, d);
	if (!g)
		return NULL;
	SensData sd;
	Diag dd = diag_make(NULL);
	dd.quiet_notes = o->quiet;
	if (sens_data_load(&sd, g, q->data, NULL, &q->prep, &dd) < 0) {
		d->nerr++;
		graph_free(g);
		return NULL;
	}
	int n = q->maxn > 0 && q->maxn < sd.n ? q->maxn : sd.n;
	Calib *c = calib_run(g, sd.x, sd.insz, n, &q->co, d);
	Plan *pl = NULL;
	if (c) {
		pl = plan_new();
		pl->model = arena_strdup(pl->a, base_name(o->model));
		pl->io_raw = q->io_raw;
		if (fixed_plan_uniform(g, c, q->wbits, q->abits, pl, d) < 0) {
			plan_free(pl);
			pl = NULL;
		} else {
			pl->search = search_json(pl, q, n);
		}
	}
	calib_free(c);
	sens_data_free(&sd);
	graph_free(g);
	return pl;
}
