/* plan.h: the plan -- the single record of every approximation decision
 * (DESIGN §1). `axcc optimize` writes it, `axcc compile --plan` replays it
 * exactly (no data needed: every number that a replay uses is in the file),
 * `axcc diff` compares two. Layers are named by their ONNX node names and
 * tensors by their ONNX tensor names, never by index, so that plans made at
 * two budgets line up. Schema: docs/PLAN_SCHEMA.md.
 *
 * A plan is applied to the canonical graph (after BN folding and fusion):
 *   plan_apply = prune_apply (passes/prune.c), then fixed_apply
 *   (passes/fixed.c). Both ignore the parts of the plan that are empty. */
#ifndef AXCC_PLAN_H
#define AXCC_PLAN_H

#include "ir/ir.h"

#define PLAN_VERSION 1

/* A fixed-point format: value = code * 2^-frac with codes of `bits` bits
 * (2..16), APPROX.md §3. bits 0: float (no format). */
typedef struct PlanFmt { int bits, frac; } PlanFmt;

typedef struct PlanLayer {
	const char *name;      /* ONNX node name (a Conv/Gemm/MatMul...) */
	const char *op;        /* its op type, checked on replay */
	int nch;               /* output channels in the original model */
	/* pruning (issue 7): output channels removed, original indices,
	 * ascending; with mean replacement, the removed channels' calibration
	 * means (post-activation) folded into the consumers: nremoved * ninner
	 * floats, channel-major (ninner 1, or H*W for a Flatten->Gemm consumer);
	 * mean NULL: no compensation. */
	int nremoved; int *removed;
	int ninner; float *mean;
	/* linear replacement (optional, needs mean): nremoved * nch floats,
	 * row r the removed channel r as a combination of the layer's kept
	 * output channels at the same position (0 at removed ones), folded
	 * into the readers' weights; mean then holds the intercept. */
	float *coef;
	/* reader least squares (prune_fill_linear, where the measured channels'
	 * one reader is a Conv of group 1 with a kernel wider than 1x1): the
	 * removed channels' share of that reader's output as a least-squares
	 * combination of the kept channels' patches (taps included), folded in
	 * as changes to the reader's weights (nrw: its weight count, original
	 * layout, 0 at removed input channels) and bias (nrb: its outputs).
	 * rname: the reader. coef is NULL then; mean holds plain means. */
	const char *rname; int nrw, nrb; float *rw, *rb;
	/* fixed point (issue 6): the weights' format, per tensor (nwfrac 1) or
	 * per output channel (nwfrac = nch, indexed by original channel;
	 * entries of removed channels are ignored). wbits 0: float weights. */
	int wbits; int nwfrac; int *wfrac;
} PlanLayer;

/* An activation's format, by tensor name. */
typedef struct PlanTensor { const char *name; PlanFmt f; } PlanTensor;

typedef struct Plan {
	Arena *a;              /* owns everything below */
	const char *model;     /* the model file's base name it was made for */
	int rounding;          /* AXRT_FIXED_NEAREST (0) or AXRT_FIXED_TRUNC (1) */
	int io_raw;            /* 1: the generated N_run takes/returns integer codes */
	PlanLayer *layer; int nlayer;
	PlanTensor *tensor; int ntensor;
	const char *search;    /* JSON text of an object describing how the plan
	                        * was found (budget, data, split, metric,
	                        * accepted moves); written and read back verbatim,
	                        * never needed to replay; NULL: none */
} Plan;

Plan *plan_new(void);
void plan_free(Plan *pl);
/* The layer/tensor entry of that name, or NULL. plan_layer_add returns the
 * existing entry or a new zeroed one. */
PlanLayer *plan_layer(const Plan *pl, const char *name);
PlanLayer *plan_layer_add(Plan *pl, const char *name, const char *op);
PlanTensor *plan_tensor(const Plan *pl, const char *name);
PlanTensor *plan_tensor_add(Plan *pl, const char *name);
/* Deep copy (optimize tries variations of a plan). */
Plan *plan_dup(const Plan *pl);

/* JSON text (malloc'd), deterministic: layers and tensors in the order
 * they were added, numbers printed exactly. */
char *plan_json(const Plan *pl);
int plan_write(const Plan *pl, const char *path, Diag *d);
/* Reads and validates a plan file. NULL after diag_error(). */
Plan *plan_read(const char *path, Diag *d);

/* Applies the plan to canonical graph g: checks that every named layer and
 * tensor exists (with the recorded op and channel count), then prunes and
 * assigns formats. Returns 0 or -1 after diagnostics. */
int plan_apply(Graph *g, const Plan *pl, Diag *d);

/* passes/prune.c and passes/fixed.c (each a no-op for a plan without its
 * part). */
int prune_apply(Graph *g, const Plan *pl, Diag *d);
int fixed_apply(Graph *g, const Plan *pl, Diag *d);

#endif
