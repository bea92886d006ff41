/* cli_optimize.c: axcc optimize MODEL --data X [--labels Y] --budget 1%
 * -o PLAN.json -- chooses approximations within an accuracy budget
 * (compiler/driver/optimize.c) and writes the plan, which
 * `axcc compile --plan PLAN.json` replays exactly. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "optimize.h"
#include "quantize.h"
#include "report.h"

static const char help[] =
	"usage: axcc optimize MODEL.onnx --data X [--labels Y] --budget B -o PLAN.json [options]\n"
	"Chooses per-layer approximations -- channels removed (prune), fixed-point\n"
	"widths of weights and activations (fixed) -- that minimize the objective while\n"
	"the top-1 metric on the held-out part of the data drops by at most the budget.\n"
	"Every accepted move is verified by running the whole plan on the held-out part.\n"
	"%s"
	"  --budget B         tolerated drop: 1%% or 0.01 (points of top-1)\n"
	"  --methods M[,M]    prune, fixed (default: all; both under size or energy\n"
	"                     compete move by move on the quantized plan, under macs\n"
	"                     or macs+size pruning first within half the budget)\n"
	"  --objective O      size (weight bytes), energy, macs, or macs+size (MACs,\n"
	"                     and weight bytes as far as needed for their fraction\n"
	"                     saved to keep pace with 0.8 of the MACs': latency and\n"
	"                     flash fall together; default for prune alone, else size)\n"
	"  --criterion C      order of channels to remove: drop (measured removal drop\n"
	"                     with mean replacement, default), l1, l2, apoz, mean\n"
	"  --compensation C   for removed channels: linear (default: least-squares\n"
	"                     combination of the kept channels plus an intercept, where\n"
	"                     the readers are Conv/Gemm/MatMul) or mean (mean replacement)\n"
	"  --calib M          activation ranges: percentile (default), max, mse, kl\n"
	"  --percentile P     for --calib percentile (default 99.99)\n"
	"  --per-channel      one weight format per output channel (the default)\n"
	"  --per-tensor       one weight format per weight tensor\n"
	"  --rounding R       nearest (half to even, default) or trunc\n"
	"  --min-bits K       narrowest width tried (default 2)\n"
	"  --sens-samples N   analysis samples used to order the moves (default 500)\n"
	"  --threads N        threads (default: all cores)\n"
	"  --dim NAME=VALUE   bind a symbolic input dimension (default 1)\n"
	"  -q, --quiet        no notes, no progress\n";

static int
pick(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v, names[i]))
			return i;
	return -1;
}

static int
parse(OptArgs *a, const char **out, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	data_args_init(&a->da, 0.5);
	a->budget = -1;
	a->methods = OPT_ALL;
	a->objective = -1;
	a->criterion = CRIT_DROP;
	a->co.method = CALIB_PERCENTILE;
	a->co.percentile = 99.99;
	/* per output channel: at 8 bits per tensor fmnist_mobilenet's
	 * depthwise weights alone cost 0.7 points of the 1-point budget
	 * (0.2 per channel), and narrower widths left nothing to move */
	a->co.per_channel = 1;
	a->min_bits = 2;
	a->sens_samples = 500;
	for (int i = 1; i < argc; i++) {
		int r = options_common(&a->o, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if ((r = data_args_parse(&a->da, "optimize", argc, argv, &i)) == 2)
			return 2;
		if (r)
			continue;
		if ((r = calib_args_parse(&a->co, "optimize", argc, argv, &i)) < 0)
			return 2;
		if (r)
			continue;
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf(help, data_args_help);
			return -1;
		} else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && v) {
			*out = argv[++i];
		} else if (!strcmp(argv[i], "--budget") && v) {
			char *end;
			double b = strtod(v, &end);
			if (end != v && *end == '%' && end[1] == 0)
				b /= 100;
			else if (end == v || *end)
				b = -1;
			if (b < 0 || b >= 1)
				return usage_error("optimize", "--budget takes a drop like 1%% or 0.01, not '%s'", v);
			a->budget = b;
			i++;
		} else if (!strcmp(argv[i], "--methods") && v) {
			a->methods = 0;
			char *s = strdup(v), *save = NULL;
			for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				if (!strcmp(t, "prune"))
					a->methods |= OPT_PRUNE;
				else if (!strcmp(t, "fixed"))
					a->methods |= OPT_FIXED;
				else {
					free(s);
					return usage_error("optimize", "--methods: unknown method '%s' "
						"(prune, fixed)", t);
				}
			}
			free(s);
			if (!a->methods)
				return usage_error("optimize", "--methods: none given");
			i++;
		} else if (!strcmp(argv[i], "--objective") && v) {
			if ((a->objective = pick(v, obj_names, NOBJ)) < 0)
				return usage_error("optimize", "--objective takes size, energy, macs or "
					"macs+size, not '%s'", v);
			i++;
		} else if (!strcmp(argv[i], "--criterion") && v) {
			if ((a->criterion = pick(v, crit_names, NCRIT)) < 0)
				return usage_error("optimize", "--criterion takes drop, l1, l2, apoz or mean, not '%s'", v);
			i++;
		} else if (!strcmp(argv[i], "--compensation") && v) {
			if (strcmp(v, "linear") && strcmp(v, "mean"))
				return usage_error("optimize", "--compensation takes linear or mean, not '%s'", v);
			a->prune_means = !strcmp(v, "mean");
			i++;
		} else if (!strcmp(argv[i], "--per-tensor")) {
			a->co.per_channel = 0;
		} else if (!strcmp(argv[i], "--min-bits") && v) {
			a->min_bits = atoi(v);
			if (a->min_bits < 2 || a->min_bits > 16)
				return usage_error("optimize", "--min-bits takes 2..16");
			i++;
		} else if (!strcmp(argv[i], "--sens-samples") && v) {
			a->sens_samples = atoi(v);
			if (a->sens_samples < 1)
				return usage_error("optimize", "--sens-samples takes a positive count");
			i++;
		} else if (!strcmp(argv[i], "--threads") && v) {
			a->nthreads = atoi(v);
			if (a->nthreads < 0 || a->nthreads > 64)
				return usage_error("optimize", "--threads takes 0..64");
			a->co.nthreads = a->nthreads;
			i++;
		} else if (argv[i][0] == '-') {
			return usage_error("optimize", "unknown option or missing value '%s'", argv[i]);
		} else if (a->o.model) {
			return usage_error("optimize", "more than one model given ('%s')", argv[i]);
		} else {
			a->o.model = argv[i];
		}
	}
	if (!a->o.model)
		return usage_error("optimize", "no model given");
	if (!a->da.data)
		return usage_error("optimize", "no --data given");
	if (a->budget < 0)
		return usage_error("optimize", "no --budget given");
	if (!*out)
		return usage_error("optimize", "no output given (-o PLAN.json)");
	if (a->o.plan)
		return usage_error("optimize", "--plan does not apply to optimize (it makes plans)");
	a->progress = !a->o.quiet;
	return 0;
}

/* Per layer of the exact model: channels, MACs and parameters before and
 * after the plan (issue 7's report). */
static void
layer_table(const OptArgs *a, const Plan *pl, Diag *d)
{
	Options o = a->o;
	o.quiet = 1;
	Graph *g0 = load_model(&o, d);
	o.planobj = pl;
	Graph *g1 = g0 ? load_model(&o, d) : NULL;
	if (!g0 || !g1) {
		if (g0)
			graph_free(g0);
		return;
	}
	printf("\n  %-28s %-8s %13s %23s %21s %5s %5s\n", "layer", "op", "channels", "MACs",
		"params", "w", "out");
	for (int i = 0; i < g0->nnode; i++) {
		const Node *n = g0->node[i], *m = NULL;
		LayerCost c0 = node_cost(n);
		if (!c0.macs)
			continue;
		for (int k = 0; k < g1->nnode; k++)
			if (!g1->node[k]->dead && !strcmp(g1->node[k]->name, n->name))
				m = g1->node[k];
		LayerCost c1 = m ? node_cost(m) : (LayerCost){0, 0};
		const Tensor *y0 = n->out[0], *y1 = m ? m->out[0] : NULL;
		int ax = n->op == OP_CONV ? 1 : y0->rank - 1;
		long long ch0 = y0->rank > ax ? (long long)y0->dim[ax] : 0;
		long long ch1 = y1 && y1->rank > ax ? (long long)y1->dim[ax] : 0;
		const PlanLayer *L = plan_layer(pl, n->name);
		char wb[16] = "f32", ob[16] = "f32";
		if (L && L->wbits)
			snprintf(wb, sizeof wb, "%d", L->wbits);
		if (y1 && y1->qbits)
			snprintf(ob, sizeof ob, "%d", y1->qbits);
		printf("  %-28.28s %-8s %6lld->%-6lld %11lld->%-11lld %10lld->%-10lld %5s %5s\n", n->name,
			n->optype, ch0, ch1, (long long)c0.macs, (long long)c1.macs, (long long)c0.params,
			(long long)c1.params, wb, ob);
	}
	graph_free(g0);
	graph_free(g1);
}

int
cli_optimize(int argc, char **argv)
{
	OptArgs a;
	const char *out = NULL;
	int r = parse(&a, &out, argc, argv);
	if (r)
		return r < 0 ? 0 : r;
	Diag d = diag_make(a.o.model);
	d.quiet_notes = a.o.quiet;
	/* the output's folder must exist before minutes of search, not after */
	char *dir = strdup(out), *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir_p(dir) < 0) {
			diag_error(&d, "cannot create %s", dir);
			free(dir);
			return 1;
		}
	}
	free(dir);
	Plan *pl;
	if (optimize_run(&a, &pl, &d) < 0)
		return 1;
	layer_table(&a, pl, &d);
	int rc = plan_write(pl, out, &d) < 0;
	if (!rc)
		printf("\nwrote %s (replay: axcc compile %s --plan %s -o DIR)\n", out, a.o.model, out);
	plan_free(pl);
	return rc;
}
