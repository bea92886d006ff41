/* calib.h: calibration of activation ranges (APPROX.md §3) and the
 * fixed-point plan builders the optimizer and `compile --quantize` use.
 * The graph handed to every function here is a canonical float graph (BN
 * folded, activations fused); none of them keeps state outside the graph,
 * the Calib and the Plan, so a plan made here replays with plan_apply on a
 * fresh import. */
#ifndef AXCC_CALIB_H
#define AXCC_CALIB_H

#include <stdint.h>

#include "plan.h"

typedef enum { CALIB_MAX, CALIB_PERCENTILE, CALIB_MSE, CALIB_KL } CalibMethod;

typedef struct CalibOpts {
	CalibMethod method;    /* clip value of activations */
	double percentile;     /* CALIB_PERCENTILE: of |x|, in (0, 100]; 0: 99.99 */
	int per_channel;       /* weights: one frac per output channel */
	int rounding;          /* AXRT_FIXED_NEAREST or AXRT_FIXED_TRUNC (plan's) */
	int nthreads;          /* 0: all cores */
} CalibOpts;

#define CALIB_NBIN 2048        /* histogram bins of |x| over [0, amax] */

typedef struct Calib Calib;

/* Ranges and histograms of every float activation of canonical graph g
 * (graph inputs and every node output) over n samples; x holds n * insz
 * floats, sample i at x + i * insz, for the single batch-1 input. The
 * histogram of each tensor spans [0, max |x|] over the whole run (a first
 * pass finds the maxima, a second fills the bins; exact zeros are counted
 * apart: every format holds them, so MSE and KL ignore them, the
 * percentile counts them). Results do not depend on the thread count.
 * Returns NULL after diagnostics. g is not changed. */
Calib *calib_run(Graph *g, const float *x, int64_t insz, int n, const CalibOpts *o, Diag *d);
void calib_free(Calib *c);
/* The calibration's options (as passed to calib_run). */
const CalibOpts *calib_opts(const Calib *c);
/* max |x| of tensor `name` over the run, or -1 if the calibration has no
 * such tensor. */
double calib_amax(const Calib *c, const char *name);
/* The clip value of tensor `name` for a `bits`-bit format under the
 * calibration's method (max, percentile of |x|, the clip minimizing the
 * quantization MSE over the histogram, or the KL-optimal clip of the
 * TensorRT method). -1 if absent. */
double calib_clip(const Calib *c, const char *name, int bits);
/* The clip choosers on a histogram h of nbin bins over [0, amax] (exposed
 * for tests): */
double calib_hist_percentile(const uint64_t *h, int nbin, double amax, double pct);
double calib_hist_mse(const uint64_t *h, int nbin, double amax, int bits);
double calib_hist_kl(const uint64_t *h, int nbin, double amax, int bits);

/* A plan with every supported layer's weights at wbits and every activation
 * of a supported layer at abits (both 2..16), fractions from the
 * calibration (weights: their own max, per channel when the calibration
 * says so). Formats are given to the outputs of the layers the integer
 * kernels support and to the inputs they read. Returns 0 or -1. */
int fixed_plan_uniform(Graph *g, const Calib *c, int wbits, int abits, Plan *pl, Diag *d);
/* Change one layer (ONNX node name of a Conv/Gemm/MatMul...) in pl: its
 * weights to `bits`, or its output activation (and every tensor tied to it
 * through format-preserving ops: MaxPool, views, Relu, Concat...) to
 * `bits`, recomputing the frac(s) from the weights / the calibration.
 * bits 0 makes the part float. Returns 0, or -1 if the layer has no such
 * part. */
int fixed_set_weight_bits(Graph *g, Plan *pl, const char *layer, int bits);
int fixed_set_act_bits(Graph *g, const Calib *c, Plan *pl, const char *layer, int bits);
/* Current bits of those parts (0 = float). */
int fixed_weight_bits(const Plan *pl, const char *layer);
int fixed_act_bits(const Graph *g, const Plan *pl, const char *layer);
/* Bytes of the layer's weights at the plan's width (packed: 3-4 bits two per
 * byte, 2 bits four per byte, 5-8 one byte, 9-16 two; float: 4 per
 * element); 0 if the layer has no weights. */
int64_t fixed_weight_bytes(const Graph *g, const Plan *pl, const char *layer);

/* fixed.c: what the integer kernels (compiler/ops/fx.c) take, as the plan
 * builders and fixed_apply see it. */
enum { FXK_NONE, FXK_ANY, FXK_SAME };
/* Activation fractions the integer lowering takes (compiler/ops/fx.c
 * fx_fmt); the plan builders clamp to it (a |x| under 2^-64 is 0 anyway). */
#define FX_FRAC_MAX 64
/* FXK_ANY: computes on codes with any formats on its tensors; FXK_SAME:
 * moves codes, so its input(s) get the output's format (FxRequant);
 * FXK_NONE: float only. */
int fixed_op_kind(const Node *n);
/* 1 if n's output holds its input's values (views, movers, Concat,
 * MaxPool): the plan builders give them one format. */
int fixed_tie(const Node *n);
/* Conv/Gemm/MatMul with float constant weights in[1] (MatMul: 2-D). */
int fixed_weight_layer(const Node *n);
int fixed_weight_axis(const Node *n);       /* output-channel axis of in[1] */
/* max |w| per output channel of a weight layer into amax; returns the
 * channel count. */
int64_t fixed_weight_amax(const Node *n, float *amax);

#endif
