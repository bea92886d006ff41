/* dataset.h: what the data-driven verbs (analyze, optimize, eval, compile
 * --quantize) share: the data options, loading with the split, and the
 * evaluation of a plan -- the model with the plan applied, lowered and run
 * in the interpreter over a set of samples (DESIGN §1: the same kernels as
 * the generated C, so the measured metric is what the device gives). */
#ifndef AXCC_DATASET_H
#define AXCC_DATASET_H

#include "analysis.h"
#include "driver.h"

typedef struct DataArgs {
	const char *data, *labels;
	double split;          /* fraction analysed; the rest is held out */
	uint64_t seed;
	SensPrep prep;
} DataArgs;

/* Defaults: split `split`, seed 0, no preprocessing. */
void data_args_init(DataArgs *a, double split);
/* One of --data --labels --split --seed --scale --mean --std at argv[*i]:
 * 1 consumed, 0 not ours, 2 usage error (printed). */
int data_args_parse(DataArgs *a, const char *verb, int argc, char **argv, int *i);
/* Only --scale --mean --std (what compile --quantize takes). */
int prep_args_parse(SensPrep *p, const char *verb, int argc, char **argv, int *i);
/* The help lines of those options. */
extern const char data_args_help[];

/* A loaded dataset split into its analysis part (first na rows) and its
 * held-out part (nh rows), each contiguous. */
typedef struct DataSplit {
	SensData sd;           /* the whole file */
	int na, nh;
	int *idx;              /* na + nh indices into the file: analysis, held out */
	float *xa, *xh;        /* the parts' inputs */
	int32_t *ya, *yh;      /* their labels, or NULL */
} DataSplit;
int data_split_load(DataSplit *s, const DataArgs *a, const Graph *g, Diag *d);
void data_split_free(DataSplit *s);

/* A set of samples to evaluate on, and the exact float model's results on
 * them (for agreement and SNR). */
typedef struct EvalSet {
	int n;
	const float *x; int64_t insz;
	const int32_t *label;  /* or NULL: the metric is agreement with ref_top */
	int32_t *ref_top;      /* exact top-1 per sample (eval_reference) */
	float *ref_out;        /* exact output 0, n * nout floats */
	int64_t nout;
	int nthreads;
} EvalSet;

typedef struct EvalResult {
	double metric, ci95;   /* top-1 accuracy (or agreement), fraction */
	double agree;          /* top-1 agreement with the exact model */
	double snr_db;         /* output 0 against the exact model */
	int n, correct;
	int stopped;           /* 1: stopped early, the metric cannot reach min_metric */
	size_t arena_bytes, weight_bytes;
	int64_t macs;
	double energy_pj;      /* graph_energy_pj of the planned graph */
} EvalResult;

/* Runs the exact model of o over s, filling ref_top and ref_out (malloc'd;
 * eval_set_free frees them). Returns 0 or -1 after diagnostics. */
int eval_reference(const Options *o, EvalSet *s, Diag *d);
void eval_set_free(EvalSet *s);
/* The model of o with plan pl (NULL: exact) over s. With min_metric > 0 it
 * stops as soon as the metric can no longer reach it (r->stopped).
 * Returns 0 or -1 after diagnostics. */
int eval_plan(const Options *o, const struct Plan *pl, const EvalSet *s, double min_metric,
	EvalResult *r, Diag *d);
/* energy.c: estimated energy of one inference of a (planned) graph, pJ. */
double graph_energy_pj(const Graph *g);
/* Top-1 index of n floats (the first maximum; NaN never wins). */
int32_t top1(const float *y, int64_t n);

#endif
