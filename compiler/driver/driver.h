/* driver.h: the axcc command line -- shared options, the pass pipeline, and
 * one entry point per verb (cli_<verb>.c). Exit codes: 0 ok, 1 user error,
 * 2 usage error. */
#ifndef AXCC_DRIVER_H
#define AXCC_DRIVER_H

#include "codegen.h"
#include "ir/ir.h"
#include "passes.h"
#include "prog/prog.h"

#define MAXDIMS 64
typedef struct Options {
	const char *model;
	DimBind dim[MAXDIMS]; int ndim;  /* --dim NAME=VALUE */
	const char *dump;                /* -d PASS[,PASS]: dump IR after these passes */
	struct { const char *name, *path; } freeze[MAXDIMS]; int nfreeze; /* --freeze NAME=FILE */
	int quiet;                       /* -q: no notes */
	const char *plan;                /* --plan P.json: replay an approximation plan */
	const struct Plan *planobj;      /* a plan in memory (optimize, --quantize): wins over plan */
} Options;

/* options.c: parses "--dim NAME=VALUE", "-d PASSES", "-q" at argv[*i];
 * returns 1 if consumed (advancing *i), 0 if not ours, -1 on a usage error. */
int options_common(Options *o, int argc, char **argv, int *i);
int usage_error(const char *verb, const char *fmt, ...);   /* prints, returns 2 */
/* The value of an option written "--opt VALUE" or "--opt=VALUE" at
 * argv[*i] (advancing *i past VALUE), or NULL if argv[*i] is not opt. */
const char *opt_value(const char *opt, int argc, char **argv, int *i);
/* What every verb does with the arguments it does not know: --help prints
 * help, other options are usage errors, the first plain one is the model.
 * Returns -1 when it took arg, else the exit status to return now. */
int options_rest(Options *o, const char *verb, const char *help, const char *arg);

/* pipeline.c: makes graph input `name` a constant holding value (same type
 * and shape). Returns 0 or -1 after diagnostics. */
int graph_freeze(Graph *g, const char *name, const Tensor *value, Diag *d);
/* The plan of o (planobj, or the file --plan names) applied to canonical
 * graph g; nothing without one. Returns 0 or -1 after diagnostics. */
int apply_plan_opt(Graph *g, const Options *o, Diag *d);
/* import + --freeze + canonicalization + the plan. NULL after diagnostics. */
Graph *load_model(const Options *o, Diag *d);
int run_pipeline(Graph *g, Diag *d, const char *dump);
/* load_model + lower + plan. */
Program *build_program(const Options *o, Diag *d, Graph **gout);

int cli_analyze(int argc, char **argv);
int cli_compile(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_verify(int argc, char **argv);
int cli_info(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_optimize(int argc, char **argv);
#endif
