/* quantize.h: `axcc compile --quantize W[,A] --data X`: uniform fixed-point
 * widths calibrated on data, built as a plan (passes/calib.h) that the
 * compile then applies and writes, so `--plan DIR/N.plan.json` replays it. */
#ifndef AXCC_QUANTIZE_H
#define AXCC_QUANTIZE_H

#include "analysis.h"
#include "calib.h"
#include "driver.h"

typedef struct QuantArgs {
	int wbits, abits;      /* 0: no --quantize */
	const char *data;      /* --data X */
	int maxn;              /* --calib-samples N (0: all) */
	CalibOpts co;          /* --calib, --percentile, --per-channel, --rounding */
	int io_raw, io_set;    /* --io raw|float */
	SensPrep prep;         /* --scale, --mean, --std */
} QuantArgs;

#define QUANTIZE_HELP \
	"  --quantize W[,A]         every weight at W bits, every activation at A bits\n" \
	"                           (default A = W; 2..16), calibrated on --data\n" \
	"  --data X                 calibration inputs (.npy, .pb, IDX) for --quantize\n" \
	"  --calib M                activation clip: max, percentile (default), mse, kl\n" \
	"  --percentile P           the percentile of |x| for --calib percentile (99.99)\n" \
	"  --calib-samples N        calibrate on the first N samples only\n" \
	"  --per-channel            one weight format per output channel\n" \
	"  --rounding R             nearest (half to even, default) or trunc\n" \
	"  --io raw|float           raw: N_run takes and returns the integer codes\n" \
	"  --scale V, --mean M[,M...], --std S[,S...]  preprocessing of --data\n"

void quantize_init(QuantArgs *q);
/* One of --calib --percentile --per-channel --rounding at argv[*i] (shared
 * by compile --quantize and optimize): 1 consumed, 0 not ours, -1 usage
 * error (printed). */
int calib_args_parse(CalibOpts *co, const char *verb, int argc, char **argv, int *i);
/* Parses one of the options above at argv[*i]: 1 consumed, 0 not ours,
 * -1 usage error (printed). */
int quantize_opt(QuantArgs *q, int argc, char **argv, int *i);
/* The plan --quantize asks for: loads and calibrates o's model (o has no
 * plan). NULL after diagnostics. */
Plan *quantize_plan(const Options *o, const QuantArgs *q, Diag *d);

#endif
