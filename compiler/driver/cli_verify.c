/* cli_verify.c: axcc verify MODEL (--test-data DIR | --input X --reference Y)
 * -- compiles the model to C, builds and runs it, and compares its outputs
 * with the references and with the interpreter (verify.c). */
#include <stdlib.h>
#include <string.h>

#include "verify.h"

static const char help[] =
	"usage: axcc verify MODEL.onnx (--test-data DIR | --input X.npy ... --reference Y.npy ...)\n"
	"Compiles the model to C, builds it with the system C compiler, runs it and\n"
	"compares every output with the reference and with axcc's interpreter (which\n"
	"must agree bit for bit). Passes iff |y - ref| <= atol + rtol*|ref| for every\n"
	"element (NaN matches NaN; integers and bools must be exact).\n"
	"  --test-data DIR    an ONNX backend test data set: DIR/input_N.pb, DIR/output_N.pb\n"
	"                     (repeatable: one build, every set)\n"
	"  --input FILE       an input (.npy, .pb or IDX), in graph-input order\n"
	"  --reference FILE   an expected output, in graph-output order\n"
	"  --rtol R           relative tolerance (default 1e-3)\n"
	"  --atol A           absolute tolerance (default 1e-5)\n"
	"  --cc CC            C compiler command (default $CC, else cc)\n"
	"  --keep DIR         keep the generated C, the program and its files in DIR\n"
	"  --timeout S        seconds allowed for the build and for each run (default 60)\n"
	"  --freeze-inputs    an input the compiler needs constant (a shape, axes,\n"
	"                     scales...) is frozen to its value in the data\n"
	"  --freeze NAME=FILE make input NAME a constant holding FILE's tensor (its\n"
	"                     data files, if given, are then left out)\n"
	"  --dim NAME=VALUE   bind a symbolic input dimension (default 1)\n"
	"  --plan P.json      replay an approximation plan (axcc optimize)\n"
	"  -q, --quiet        no notes\n"
	"Exit status: 0 pass, 1 mismatch or error, 2 usage error.\n";

static int
add_file(const char **v, int *n, const char *opt, const char *path)
{
	if (*n >= VERIFY_MAXFILES)
		return usage_error("verify", "more than %d %s options", VERIFY_MAXFILES, opt);
	v[(*n)++] = path;
	return 0;
}

static int
parse_num(const char *opt, const char *s, double *v)
{
	char *end;
	*v = strtod(s, &end);
	if (!*s || *end || *v < 0)
		return usage_error("verify", "%s takes a non-negative number, got '%s'", opt, s);
	return 0;
}

/* One option at argv[*i] with its value; 0, or 2 after a usage error. */
static int
parse_opt(VerifyOpts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	double x;
	if (!v)
		return usage_error("verify", "%s needs a value", a);
	++*i;
	if (!strcmp(a, "--test-data"))
		return add_file(o->data, &o->ndata, a, v);
	if (!strcmp(a, "--input"))
		return add_file(o->input, &o->ninput, a, v);
	if (!strcmp(a, "--reference"))
		return add_file(o->ref, &o->nref, a, v);
	if (!strcmp(a, "--cc")) {
		o->cc = v;
		return 0;
	}
	if (!strcmp(a, "--keep")) {
		o->keep = v;
		return 0;
	}
	if (parse_num(a, v, &x))
		return 2;
	if (!strcmp(a, "--rtol"))
		o->rtol = x;
	else if (!strcmp(a, "--atol"))
		o->atol = x;
	else
		o->timeout = (int)x;
	return 0;
}

/* 0 to go on, 2 after a usage error, -1 after --help. */
static int
parse_args(VerifyOpts *o, int argc, char **argv)
{
	static const char *const withval[] = {"--test-data", "--input", "--reference", "--cc",
		"--keep", "--rtol", "--atol", "--timeout", NULL};
	for (int i = 1; i < argc; i++) {
		int r = options_common(&o->o, argc, argv, &i), known = 0;
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (!strcmp(argv[i], "--freeze-inputs")) {
			o->freeze = 1;
			continue;
		}
		for (int k = 0; withval[k]; k++)
			known |= !strcmp(argv[i], withval[k]);
		if (known) {
			if (parse_opt(o, argc, argv, &i))
				return 2;
		} else if ((r = options_rest(&o->o, "verify", help, argv[i])) >= 0) {
			return r ? r : -1;
		}
	}
	if (!o->o.model)
		return usage_error("verify", "no model given");
	if (!o->ndata == !(o->ninput || o->nref))
		return usage_error("verify", "give either --test-data or --input/--reference");
	return 0;
}

int
cli_verify(int argc, char **argv)
{
	VerifyOpts o;
	verify_defaults(&o);
	int rc = parse_args(&o, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	o.out = stdout;
	Diag d = diag_make(o.o.model);
	d.quiet_notes = o.o.quiet;
	VerifyResult r;
	if (verify_case(&o, &r, &d) == 0) {
		printf("PASS: max abs err %.3g, max rel err %.3g; C and interpreter bit-identical\n",
			r.max_abs, r.max_rel);
		return 0;
	}
	printf("FAIL (%s): %s\n", verify_stage_name(r.stage), r.reason);
	return 1;
}
