/* cli_compile.c: axcc compile MODEL.onnx -o DIR [--name N] [--runtime embed|external] */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"
#include "ir/export.h"
#include "plan.h"
#include "prune.h"
#include "quantize.h"
#include "report.h"

static const char help[] =
	"usage: axcc compile MODEL.onnx -o DIR [options]\n"
	"Compiles an ONNX model to standalone C: DIR/N.c, DIR/N.h, DIR/N.plan.json and\n"
	"DIR/N.report.json.\n"
	"  -o, --output DIR         output folder (created if missing)\n"
	"  --name N                 C prefix (default: the model file's stem)\n"
	"  --runtime embed|external embed the kernels the model uses (default) or\n"
	"                           #include \"axrt.h\" and link the installed runtime\n"
	"  --dim NAME=VALUE         bind a symbolic input dimension (default 1)\n"
	"  --plan P.json            replay an approximation plan (axcc optimize)\n"
	"  --emit-onnx OUT.onnx     also write the float model after the plan's pruning\n"
	"                           (and its compensation) as ONNX\n"
	QUANTIZE_HELP
	"  -d, --dump PASS[,PASS]   print the IR after these passes (import, infer,\n"
	"                           simplify, bnfold, fuse, dce, or all)\n"
	"  -q, --quiet              no notes\n";

/* the model file's stem: "models/lenet-5.onnx" -> "lenet-5" */
char *
model_stem(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	const char *dot = strrchr(b, '.');
	size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	return strndup(b, n);
}

int
mkdir_p(const char *dir)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* DIR/N.plan.json: the plan this build applied (an empty one for the exact
 * model), so that `compile --plan DIR/N.plan.json` rebuilds it. */
static int
write_plan(const Options *o, const char *dir, const char *name, Diag *d)
{
	Plan *own = NULL;
	const Plan *pl = o->planobj;
	if (!pl && o->plan)
		pl = own = plan_read(o->plan, d);
	if (!pl && o->plan)
		return -1;
	if (!pl) {
		pl = own = plan_new();
		const char *b = strrchr(o->model, '/');
		own->model = arena_strdup(own->a, b ? b + 1 : o->model);
	}
	char *path = arena_printf(pl->a, "%s/%s.plan.json", dir, name);
	int rc = plan_write(pl, path, d);
	plan_free(own);
	return rc;
}

/* --emit-onnx: the model canonicalized and pruned by the plan (its float
 * part only: fixed-point formats are not ONNX), written as ONNX. */
static int
emit_onnx(const Options *o, const char *path, Diag *d)
{
	ImportOpts io = {o->dim, o->ndim, o->quiet};
	Graph *g = onnx_import(o->model, &io, d);
	if (!g)
		return -1;
	Plan *own = NULL;
	const Plan *pl = o->planobj;
	if (!pl && o->plan)
		pl = own = plan_read(o->plan, d);
	int rc = run_pipeline(g, d, NULL);
	if (rc == 0 && o->plan && !pl)
		rc = -1;
	if (rc == 0 && pl)
		rc = prune_apply(g, pl, d);
	if (rc == 0)
		rc = onnx_export(g, path, d);
	plan_free(own);
	graph_free(g);
	return rc;
}

int
cli_compile(int argc, char **argv)
{
	Options o = {0};
	const char *out = NULL, *name = NULL, *emit = NULL;
	int external = 0;
	QuantArgs qa;
	quantize_init(&qa);
	for (int i = 1; i < argc; i++) {
		int r = options_common(&o, argc, argv, &i);
		if (r == 0)
			r = quantize_opt(&qa, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--name") && i + 1 < argc) {
			name = argv[++i];
		} else if (!strcmp(argv[i], "--emit-onnx") && i + 1 < argc) {
			emit = argv[++i];
		} else if (!strcmp(argv[i], "--runtime") && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "embed") && strcmp(argv[i], "external"))
				return usage_error("compile", "--runtime takes embed or external, not '%s'", argv[i]);
			external = !strcmp(argv[i], "external");
		} else if ((r = options_rest(&o, "compile", help, argv[i])) >= 0) {
			return r;
		}
	}
	if (!o.model)
		return usage_error("compile", "no model given");
	if (!out)
		return usage_error("compile", "no output folder given (-o DIR)");
	if (qa.wbits && !qa.data)
		return usage_error("compile", "--quantize needs calibration data (--data X)");
	if (qa.wbits && o.plan)
		return usage_error("compile", "--quantize and --plan do not go together");
	if (!qa.wbits && (qa.data || qa.io_set))
		return usage_error("compile", "--data and --io go with --quantize");
	if (emit && o.nfreeze)
		return usage_error("compile", "--emit-onnx does not go with --freeze");
	Diag d = diag_make(o.model);
	Plan *qplan = NULL;
	if (qa.wbits && !(o.planobj = qplan = quantize_plan(&o, &qa, &d)))
		return 1;
	Graph *g;
	Program *p = build_program(&o, &d, &g);
	if (!p) {
		plan_free(qplan);
		return 1;
	}
	int rc = 0;
	if (mkdir_p(out) < 0) {
		diag_error(&d, "cannot create %s: %s", out, strerror(errno));
		rc = 1;
	}
	char *stem = model_stem(o.model);
	CodegenOpts co = {name ? name : stem, strrchr(o.model, '/') ? strrchr(o.model, '/') + 1 : o.model, external};
	if (rc == 0 && codegen_write(p, &co, out, &d) < 0)
		rc = 1;
	Plan *rplan = !o.planobj && o.plan ? plan_read(o.plan, &d) : NULL;
	if (rc == 0 && report_write_plan(p, g, &co, o.planobj ? o.planobj : rplan, out, &d) < 0)
		rc = 1;
	plan_free(rplan);
	if (rc == 0 && write_plan(&o, out, co.name, &d) < 0)
		rc = 1;
	if (rc == 0 && emit && emit_onnx(&o, emit, &d) < 0)
		rc = 1;
	free(stem);
	plan_free(qplan);
	prog_free(p);
	graph_free(g);
	return rc;
}
