/* prune.h: structural filter pruning (APPROX.md §2, issue 7). Output
 * channels of Conv/Gemm/MatMul layers are removed for real -- weights,
 * biases, the matching input channels of every consumer -- and the removed
 * channels' calibration means are folded into the consumers' biases (mean
 * replacement, Evci et al.).
 *
 * Channel dimensions that must lose the same channels (the output of a
 * producer, everything elementwise/pooling/depthwise downstream of it,
 * every tensor joined by a residual Add/Sum/Mul, the parts of a Concat at
 * their offsets) are joined by union-find into units. A unit is pruned as a
 * whole: listing a removal on any producer layer of a unit removes those
 * channels (indices of that producer's own output) from the whole unit; two producers of
 * one unit that both list removals must list the same channels.
 * Everything else about a channel (a grouped conv's whole group, a Concat
 * offset, a Flatten->Gemm column block) follows from the union-find: the
 * elements are single channels, so one removed channel takes with it every
 * channel of every tensor it is tied to. */
#ifndef AXCC_PRUNE_H
#define AXCC_PRUNE_H

#include "plan.h"

typedef struct PruneUnit {      /* one union-find group of channel dimensions that lose channels together */
	int nch;                    /* channels in the group */
	const char **layer; int nlayer;  /* producer layers (Conv/Gemm/MatMul node names) whose output channels form it */
	int prunable;               /* 0: left alone; note says why */
	const char *note;
	int64_t macs_per_ch, params_per_ch;  /* saved per removed channel, over every affected layer (producers, consumers, depthwise) */
	/* how unit channels map to each producer's output channels (prune_set):
	 * lcls[l][o] is the unit channel of output channel o of layer[l]
	 * (lnch[l] outputs). Several outputs share a unit channel when a
	 * grouped conv binds them into one group. */
	int *lnch; int **lcls;
} PruneUnit;

/* The units of canonical float graph g (allocated in arena a), in the
 * graph's order of their first producer. Returns the count, or -1 after
 * diagnostics. */
int prune_units(Graph *g, Arena *a, PruneUnit **out, Diag *d);
/* Sets pl's removal of unit u to channels rm[0..n) (ascending, indices in
 * 0..u->nch) on every producer layer of the unit (n 0: clears it). Means
 * already in pl for those layers are dropped. */
void prune_set(Plan *pl, const Graph *g, const PruneUnit *u, const int *rm, int n);
/* Whether keeping `kept` of unit u's nch channels suits the runtime's
 * GEMM tiles (panels of AXRT_GEMM_MR output channels, strips of
 * AXRT_GEMV_NR outputs for one row): the MACs saved as the kernels
 * compute them are at least 0.9 of those saved on paper, so that the
 * MACs removed are time and flash saved; kept == nch always does. With
 * fx, for producers that run on the integer kernels (tiles of AXRT_FX_MR
 * output channels). */
int prune_kept_ok(const Graph *g, const PruneUnit *u, int kept, int fx);
/* Fills the compensation means of every layer with removals in pl, from
 * the float model g on n samples x (batch-1 input, insz floats each), using
 * the interpreter (prog_run_batch, both cores). g is not changed. Returns 0
 * or -1 after diagnostics. */
int prune_fill_means(Graph *g, Plan *pl, const float *x, int64_t insz, int n, Diag *d);
/* The same, and where every reader of a layer's measured channels takes
 * them through constant weights (Conv group 1, Gemm, MatMul, Flatten into
 * those), a linear replacement instead of the mean: each removed channel
 * as the least-squares combination of the kept channels of its layer at
 * the same position plus an intercept (PlanLayer.coef; mean holds the
 * intercept). prune_apply folds it into the readers' weights. The place
 * is prune_linear_at (past depthwise convs); means and intercepts are
 * measured there for such layers. Where the measured channels' one reader
 * is a Conv of group 1 wider than 1x1, a reader least squares instead
 * (PlanLayer.rw/rb: that reader's weight and bias changes, fitted on its
 * input patches of the first samples). */
int prune_fill_linear(Graph *g, Plan *pl, const float *x, int64_t insz, int n, Diag *d);
/* The patch Gram matrices of the reader least squares depend on the model
 * and the samples, not on the plan: a cache keeps them across calls with
 * the same g, x and n (the optimizer's trials; other arguments clear it).
 * prune_fill_linear_cached with c NULL is prune_fill_linear. */
typedef struct PruneCache PruneCache;
PruneCache *prune_cache_new(void);
void prune_cache_free(PruneCache *c);
int prune_fill_linear_cached(Graph *g, Plan *pl, const float *x, int64_t insz, int n,
	PruneCache *c, Diag *d);


/* ---- internal: shared by prune.c and prune_apply.c ---- */
/* The channel map of a graph: every float activation of rank >= 2 has a
 * channel space (axis 1; for the output of a flattening op, its features),
 * one union-find element per channel. */
typedef struct PruneMap {
	Graph *g;
	int nel;                 /* elements over all spaces */
	int *base, *nch;         /* per tensor id: first element (-1: no space), channels */
	int *par;                /* union-find parents */
	const char **note;       /* per element, read at roots: why it cannot be removed */
	Node ***use; int *nuse;  /* per tensor id: live consumers */
} PruneMap;
/* Builds m for canonical graph g in arena a. */
void prune_map(Graph *g, Arena *a, PruneMap *m);
int prune_find(PruneMap *m, int e);
/* Whether n makes a new channel space from constant weights (Conv with
 * group 1, Gemm, MatMul: the producers), or is a grouped Conv. */
int prune_is_producer(const Node *n);
int prune_is_grouped(const Node *n);
/* Where a producer's output channels are measured for compensation: t
 * followed through channel-preserving single-reader ops (activations,
 * pooling, Pad, Resize, elementwise ops with constants) to the first
 * tensor with another kind of reader, several readers, or none. */
Tensor *prune_mean_at(const PruneMap *m, Tensor *t);
/* Ops that keep every channel in place and read one activation
 * (activations, pooling, Pad, Resize, spatial reductions, Squeeze,
 * BatchNormalization...), and whether node n really keeps axes 0 and 1. */
int prune_passthrough(const Node *n);
int prune_keeps_channels(const Node *n);
/* Flatten (axis 1) or a Reshape to [N, rest]: feature f of the output is
 * channel f / hw of the input. */
int prune_is_flatten(const Node *n);
/* The offset of channel 0 of output k of a Split on axis 1. */
int64_t prune_split_off(const Node *n, int k);
/* Slice's starts/ends/axes (input i, or attribute name): count or -1. */
int prune_slice_param(const Node *n, int i, const char *name, int64_t *v);
/* Slice: whether it cuts axis 1 (entry *idx of its starts), *start the
 * first channel, step 1 only. Returns 1 (cuts), 0 (axis 1 untouched), -1
 * (not mapped). */
int prune_slice_axis1(const Node *n, int64_t *start, int *idx);
/* Spatial positions of t per channel (numel / (dim0 * dim1)); 1 for rank 2. */
int64_t prune_hw(const Tensor *t);
/* Whether every reader of t takes its channels through constant weights
 * (Conv group 1, Gemm, rank-2 MatMul, or a Flatten into Gemm/MatMul), or is
 * a residual Add covered by the replacement at its sum (prune_linear_at):
 * where a linear replacement folds into weights. */
int prune_linear_site(const PruneMap *m, const Tensor *t);
/* Where a linear replacement of producer output t is measured and folded:
 * prune_mean_at(t), followed through depthwise convs (channel c stays c)
 * and through a residual Add that alone reads it (to the sum) to the first
 * such linear site; NULL when there is none. A site may also be read by a
 * residual Add whose other operand is a producer's output read by that Add
 * alone: that producer's replacement is measured at the sum, which covers
 * the Add's readers (inverted residuals: block input -> expand and Add,
 * project -> Add only). */
Tensor *prune_linear_at(const PruneMap *m, Tensor *t);
/* t's only reader when it is a 2-D Conv of group 1 with constant float
 * weights (and bias) over t's channels: what a reader least squares
 * (PlanLayer.rw) may be fitted for. NULL: none. */
Node *prune_conv_reader(const PruneMap *m, const Tensor *t);

#endif
