/* verify.h: compiles a model to C, builds it with the system C compiler,
 * runs it on test inputs and compares its outputs with reference outputs
 * and with the interpreter. Used by `axcc verify` and by the conformance
 * runner (tests/conformance), in-process. */
#ifndef AXCC_VERIFY_H
#define AXCC_VERIFY_H

#include "driver.h"

#define VERIFY_MAXFILES 64

typedef struct VerifyOpts {
	Options o;                 /* model, --dim, -q */
	const char *data[VERIFY_MAXFILES]; int ndata;  /* --test-data DIRs */
	const char *input[VERIFY_MAXFILES]; int ninput;  /* --input files */
	const char *ref[VERIFY_MAXFILES]; int nref;      /* --reference files */
	double rtol, atol;         /* pass iff |y - ref| <= atol + rtol*|ref| */
	const char *cc;            /* C compiler command; NULL: $CC, else "cc" */
	const char *keep;          /* keep the generated files here; NULL: a temp dir, removed */
	int timeout;               /* seconds for the C build and each run; 0: none */
	int freeze;                /* an input the compiler needs constant (a shape,
	                            * axes, scales...) takes its value from the data */
	FILE *out;                 /* per-output error lines; NULL: silent */
} VerifyOpts;

/* Stages in order; a result names the first that failed. ORDER: stage_names */
typedef enum {
	VS_PASS, VS_DATA, VS_IMPORT, VS_INFER, VS_LOWER, VS_INTERP, VS_CODEGEN,
	VS_BUILD, VS_RUN, VS_MISMATCH, VS_DIFFER, NSTAGE
} VerifyStage;

typedef struct VerifyResult {
	VerifyStage stage;
	char reason[512];          /* one line: why that stage failed */
	double max_abs, max_rel;   /* worst error over every output and data set */
	int differ;                /* the C and the interpreter outputs are not bit-identical */
	char frozen[256];          /* inputs frozen to their data, comma-separated */
	int skip;                  /* a data file is not a tensor axcc can read (sequence,
	                            * map, optional, string): the case is out of scope */
} VerifyResult;

/* Sets the defaults (rtol 1e-3, atol 1e-5, timeout 60). */
void verify_defaults(VerifyOpts *o);
/* Runs the whole check. Returns 0 on a pass, -1 otherwise; r says where
 * and why. Errors of the compiler go to d as usual. */
int verify_case(const VerifyOpts *o, VerifyResult *r, Diag *d);
const char *verify_stage_name(VerifyStage s);
/* Sorted test_data_set_* directories of a backend test case directory.
 * Returns the count (at most max); names are malloc'd. */
int verify_data_sets(const char *casedir, char **dirs, int max);
#endif
