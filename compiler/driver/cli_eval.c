/* cli_eval.c: axcc eval MODEL --data X [--labels Y] [--plan P] -- the
 * metric of the exact model and of a plan on a dataset, in the
 * interpreter (the generated C's arithmetic). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "plan.h"

static const char help[] =
	"usage: axcc eval MODEL.onnx --data X [--labels Y] [--plan P.json] [options]\n"
	"Runs the exact model and, with --plan, the planned one over a dataset in the\n"
	"interpreter and prints top-1 accuracy (or agreement without labels) with its\n"
	"95%% confidence half-width, the drop, output SNR, weight bytes, arena and MACs.\n"
	"%s"
	"  --part P           which samples: all (default), analysis or heldout (of --split)\n"
	"  --plan P.json      an approximation plan (axcc optimize, axcc compile --quantize)\n"
	"  --threads N        threads (default: all cores)\n"
	"  --dim NAME=VALUE   bind a symbolic input dimension (default 1)\n"
	"  -q, --quiet        no notes\n";

static void
line(const char *what, const EvalResult *r, const EvalResult *base)
{
	printf("%-6s %s %6.2f%% ± %.2f (%d/%d)", what, "top-1", 100 * r->metric, 100 * r->ci95,
		r->correct, r->n);
	if (base)
		printf("  drop %+.2f points  agreement %.2f%%  SNR %.1f dB",
			100 * (base->metric - r->metric), 100 * r->agree, r->snr_db);
	printf("\n       weights %zu bytes, arena %zu bytes, %lld MACs\n", r->weight_bytes,
		r->arena_bytes, (long long)r->macs);
}

int
cli_eval(int argc, char **argv)
{
	Options o = {0};
	DataArgs da;
	data_args_init(&da, 1);
	const char *part = "all";
	int nthreads = 0;
	for (int i = 1; i < argc; i++) {
		int r = options_common(&o, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if ((r = data_args_parse(&da, "eval", argc, argv, &i)) == 2)
			return 2;
		if (r)
			continue;
		if (!strcmp(argv[i], "--part") && i + 1 < argc) {
			part = argv[++i];
			if (strcmp(part, "all") && strcmp(part, "analysis") && strcmp(part, "heldout"))
				return usage_error("eval", "--part takes all, analysis or heldout, not '%s'", part);
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			nthreads = atoi(argv[++i]);
			if (nthreads < 0 || nthreads > 64)
				return usage_error("eval", "--threads takes 0..64");
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf(help, data_args_help);
			return 0;
		} else if (argv[i][0] == '-') {
			return usage_error("eval", "unknown option or missing value '%s'", argv[i]);
		} else if (o.model) {
			return usage_error("eval", "more than one model given ('%s')", argv[i]);
		} else {
			o.model = argv[i];
		}
	}
	if (!o.model)
		return usage_error("eval", "no model given");
	if (!da.data)
		return usage_error("eval", "no --data given");
	const char *planpath = o.plan;
	o.plan = NULL;           /* the reference is the exact model */
	Diag d = diag_make(o.model);
	d.quiet_notes = o.quiet;
	Graph *g = load_model(&o, &d);
	if (!g)
		return 1;
	DataSplit ds;
	Diag dd = diag_make(NULL);
	int rc = data_split_load(&ds, &da, g, &dd);
	graph_free(g);
	if (rc < 0)
		return 1;
	EvalSet s = {0};
	s.insz = ds.sd.insz;
	s.nthreads = nthreads;
	if (!strcmp(part, "all")) {
		s.n = ds.sd.n;
		s.x = ds.sd.x;
		s.label = ds.sd.label;
	} else if (!strcmp(part, "analysis")) {
		s.n = ds.na;
		s.x = ds.xa;
		s.label = ds.ya;
	} else {
		s.n = ds.nh;
		s.x = ds.xh;
		s.label = ds.yh;
	}
	Plan *pl = NULL;
	EvalResult base, r;
	if (s.n == 0)
		rc = diag_error(&d, "no samples in the %s part (--split %g)", part, da.split);
	if (rc == 0 && planpath && !(pl = plan_read(planpath, &d)))
		rc = -1;
	if (rc == 0)
		rc = eval_reference(&o, &s, &d);
	if (rc == 0)
		rc = eval_plan(&o, NULL, &s, 0, &base, &d);
	if (rc == 0) {
		printf("%s: %d samples (%s)%s\n", o.model, s.n, part,
			s.label ? "" : ", no labels: agreement with the exact model");
		line("exact", &base, NULL);
	}
	if (rc == 0 && pl && (rc = eval_plan(&o, pl, &s, 0, &r, &d)) == 0)
		line("plan", &r, &base);
	plan_free(pl);
	eval_set_free(&s);
	data_split_free(&ds);
	return rc < 0 ? 1 : 0;
}
