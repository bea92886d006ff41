/* cli_analyze.c: axcc analyze MODEL --data X [--labels Y] -o SENS.json --
 * sensitivity analysis (passes/analysis/): per-layer error sweeps and
 * per-filter significance on the analysis part of the data, written as
 * SENS.json, SENS.md and one SVG per error kind. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "dataset.h"
#include "driver.h"
#include "report.h"

static const char help[] =
	"usage: axcc analyze MODEL.onnx --data X [--labels Y] -o SENS.json [options]\n"
	"Measures how much error each layer and each filter tolerates: errors are\n"
	"injected into one layer at a time (output noise, weight bit flips, weight\n"
	"and output quantization) and the top-1 metric is measured on real data.\n"
	"Writes SENS.json, SENS.md and SENS.<kind>.svg (schema: docs/SENS_SCHEMA.md).\n"
	"  --data X           inputs: .npy, TensorProto .pb or IDX (*-ubyte[.gz]), samples on dim 0\n"
	"  --labels Y         integer labels (.npy or IDX); without: agreement with the exact model\n"
	"  --split F          fraction analysed, the rest held out (default 0.5; 1 = all)\n"
	"  --seed S           seed of the split and of every random error (default 0)\n"
	"  --scale V          multiply raw inputs by V first (e.g. 1/255)\n"
	"  --mean M[,M...]    then subtract a mean (one, or one per channel)\n"
	"  --std S[,S...]     then divide by a standard deviation\n"
	"  --layers KIND      compute (Conv/Gemm/MatMul, default) or all (every node)\n"
	"  --eps POINTS       tolerated drop per layer in points (default 0.5)\n"
	"  --repeats R        seeds averaged for random kinds (default 3)\n"
	"  --kinds K[,K...]   sweep only these kinds (output_noise, weight_bitflip,\n"
	"                     weight_bitflip_msb, weight_bitflip16, weight_bitflip16_msb,\n"
	"                     weight_quant, output_quant; none; default all)\n"
	"  --filters KIND     all (scores and measured removal drops, default), scores, none\n"
	"  --threads N        threads (default: all cores; results do not depend on it)\n"
	"  --dim NAME=VALUE   bind a symbolic input dimension (default 1)\n"
	"  -q, --quiet        no notes, no progress bar\n";

typedef struct Args {
	Options o;
	DataArgs da;           /* --data --labels --split --seed --scale --mean --std */
	const char *out;
	double eps;
	SensOpts so;
} Args;

static int
num_opt(const char *opt, const char *v, double lo, double hi, double *out)
{
	if (sens_parse_num(v, out) < 0 || *out < lo || *out > hi)
		return usage_error("analyze", "%s: '%s' is not a number in [%g, %g]", opt, v, lo, hi);
	return 0;
}

/* one analysis option at argv[*i]: 1 consumed, 0 not ours, 2 usage error */
static int
parse_one(Args *a, int argc, char **argv, int *i)
{
	const char *v;
	double x;
	int r = data_args_parse(&a->da, "analyze", argc, argv, i);
	if (r)
		return r;
	if ((v = opt_value("-o", argc, argv, i)) || (v = opt_value("--output", argc, argv, i)))
		a->out = v;
	else if ((v = opt_value("--eps", argc, argv, i)))
		return num_opt("--eps", v, 0, 100, &a->eps) ? 2 : 1;
	else if ((v = opt_value("--repeats", argc, argv, i))) {
		if (num_opt("--repeats", v, 1, SENS_MAXREP, &x))
			return 2;
		a->so.repeats = (int)x;
	} else if ((v = opt_value("--threads", argc, argv, i))) {
		if (num_opt("--threads", v, 0, 64, &x))
			return 2;
		a->so.nthreads = (int)x;
	} else if ((v = opt_value("--layers", argc, argv, i))) {
		if (strcmp(v, "all") && strcmp(v, "compute"))
			return usage_error("analyze", "--layers takes all or compute, not '%s'", v), 2;
		a->so.all_layers = !strcmp(v, "all");
	} else if ((v = opt_value("--kinds", argc, argv, i))) {
		if (sens_parse_kinds(v, &a->so.kinds) < 0)
			return usage_error("analyze", "--kinds: '%s' is not a list of error kinds", v), 2;
	} else if ((v = opt_value("--filters", argc, argv, i))) {
		if (strcmp(v, "all") && strcmp(v, "scores") && strcmp(v, "none"))
			return usage_error("analyze", "--filters takes all, scores or none, not '%s'", v), 2;
		a->so.filters = !strcmp(v, "all") ? 2 : !strcmp(v, "scores");
	} else
		return 0;
	return 1;
}

static int
parse(Args *a, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	a->eps = 0.5;
	data_args_init(&a->da, 0.5);
	a->so.repeats = 3;
	a->so.filters = 2;
	for (int i = 1; i < argc; i++) {
		int r = options_common(&a->o, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help, stdout);
			return -1;
		}
		r = parse_one(a, argc, argv, &i);
		if (r == 2)
			return 2;
		if (r == 1)
			continue;
		if (argv[i][0] == '-')
			return usage_error("analyze", "unknown option or missing value '%s'", argv[i]);
		if (a->o.model)
			return usage_error("analyze", "more than one model given ('%s')", argv[i]);
		a->o.model = argv[i];
	}
	if (!a->o.model)
		return usage_error("analyze", "no model given");
	if (!a->da.data)
		return usage_error("analyze", "no --data given");
	if (!a->out)
		return usage_error("analyze", "no output given (-o SENS.json)");
	a->so.eps = a->eps / 100;
	a->so.seed = a->da.seed;   /* the split's seed seeds the errors too */
	a->so.progress = !a->o.quiet && isatty(2);
	return 0;
}

/* The analysis part of the data, contiguous. */
static void
gather(const SensData *sd, const int *idx, int na, float **x, int32_t **y)
{
	*x = xmalloc((size_t)na * (size_t)sd->insz * sizeof **x + 1);
	*y = sd->label ? xmalloc((size_t)na * sizeof **y + 1) : NULL;
	for (int i = 0; i < na; i++) {
		memcpy(*x + (size_t)i * (size_t)sd->insz, sd->x + (size_t)idx[i] * (size_t)sd->insz,
			(size_t)sd->insz * sizeof **x);
		if (sd->label)
			(*y)[i] = sd->label[idx[i]];
	}
}

static void
notes(Diag *d, const Sens *s)
{
	diag_note(d, "%d samples, %d layers: baseline %s %.2f%%; capture %.1f s, layer sweeps %.1f s, "
		"filters %.1f s (%d threads, %zu snapshot bytes per sample)", s->set.n, s->nlayer,
		s->set.label ? "accuracy" : "agreement", 100 * s->set.base.metric, s->t_capture,
		s->t_layers, s->t_filters, s->set.nthreads, sens_snapshot_bytes(&s->set));
}

static int
analyze(Args *a, Program *p, Graph *g, Diag *d)
{
	SensData sd;
	Diag dd = diag_make(NULL);
	dd.quiet_notes = a->o.quiet;
	if (sens_data_load(&sd, g, a->da.data, a->da.labels, &a->da.prep, &dd) < 0)
		return 1;
	int *idx = xmalloc(((size_t)sd.n + 1) * sizeof *idx);
	int na = sens_split(sd.n, a->da.split, a->da.seed, idx);
	float *x;
	int32_t *y;
	gather(&sd, idx, na, &x, &y);
	Sens s = {.o = a->so};
	int rc = sens_run(&s, p, x, sd.insz, na, y, d) < 0;
	SensInfo info = {a->o.model, a->da.data, a->da.labels, sd.n, na, sd.n - na, idx, a->da.split,
		a->da.prep};
	if (!rc)
		rc = sens_report(&s, &info, a->out, &dd) < 0;
	if (!rc)
		notes(d, &s);
	sens_free(&s);
	sens_data_free(&sd);
	free(idx);
	free(x);
	free(y);
	return rc;
}

int
cli_analyze(int argc, char **argv)
{
	Args a;
	int r = parse(&a, argc, argv);
	if (r)
		return r < 0 ? 0 : r;
	Diag d = diag_make(a.o.model);
	/* the output's folder must exist before minutes of analysis, not after */
	char *dir = strdup(a.out), *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir_p(dir) < 0) {
			diag_error(&d, "cannot create %s: %s", dir, strerror(errno));
			free(dir);
			return 1;
		}
	}
	free(dir);
	Graph *g;
	Program *p = build_program(&a.o, &d, &g);
	if (!p)
		return 1;
	int rc = analyze(&a, p, g, &d);
	prog_free(p);
	graph_free(g);
	return rc;
}
