/* optimize.h: the budgeted search behind `axcc optimize` (issues 6, 7).
 * One accuracy budget drives every method: the search proposes moves
 * (a layer's weights or activations narrower; a group of channels
 * removed), orders them by cost saved per predicted metric lost, and
 * accepts a move only after the WHOLE plan, run in the interpreter on the
 * held-out split, stays within the budget. Sensitivities and analysis-split
 * measurements only order the moves; they never decide. */
#ifndef AXCC_OPTIMIZE_H
#define AXCC_OPTIMIZE_H

#include "calib.h"
#include "dataset.h"
#include "plan.h"

enum { OPT_PRUNE = 1u << 0, OPT_FIXED = 1u << 1, OPT_ALL = OPT_PRUNE | OPT_FIXED };
enum { OBJ_SIZE, OBJ_ENERGY, OBJ_MACS, OBJ_MACS_SIZE, NOBJ };   /* ORDER: obj_names */
enum { CRIT_L1, CRIT_L2, CRIT_APOZ, CRIT_MEAN, CRIT_DROP, NCRIT };   /* ORDER: crit_names */

typedef struct OptArgs {
	Options o;             /* model, --dim, -q */
	DataArgs da;
	double budget;         /* tolerated drop of the held-out metric, fraction */
	unsigned methods;      /* OPT_* */
	int objective;         /* OBJ_*; -1: macs+size for prune alone, else size;
	                        * macs+size: the fraction of MACs saved, plus the
	                        * fraction of weight bytes saved as far as needed
	                        * to keep pace with 0.8 of the MACs'
	                        * (optimize.c, macs_size_value) */
	int criterion;         /* CRIT_*: order of channels within a prune unit */
	int prune_means;       /* 1: plain mean replacement; 0: linear replacement
	                        * where the readers take it (prune_fill_linear) */
	CalibOpts co;          /* calibration of the fixed-point formats */
	int min_bits;          /* narrowest width tried (default 2) */
	int sens_samples;      /* analysis samples the sensitivities use (default 500) */
	int nthreads;
	int progress;          /* one line per evaluated move on stderr */
} OptArgs;

extern const char *const obj_names[];
extern const char *const crit_names[];

/* Runs the search; *out is the chosen plan (its `search` member describes
 * the run). Returns 0 or -1 after diagnostics. */
int optimize_run(const OptArgs *a, Plan **out, Diag *d);

#endif
