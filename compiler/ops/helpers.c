/* helpers.c: checks and shape rules shared by the op families. */
#include <string.h>

#include "ops.h"
#include "shape.h"

/* numpy-style multidirectional broadcasting of nin inputs into dim/rank. */
int
infer_broadcast(Node *n, Diag *d, int nin, Tensor **in, int64_t *dim, int *rank)
{
	int r = 0;
	for (int i = 0; i < nin; i++)
		if (in[i] && in[i]->rank > r)
			r = in[i]->rank;
	for (int k = 0; k < r; k++)
		dim[k] = 1;
	for (int i = 0; i < nin; i++) {
		const Tensor *t = in[i];
		if (!t)
			continue;
		for (int k = 0; k < t->rank; k++) {
			int64_t v = t->dim[t->rank - 1 - k], *o = &dim[r - 1 - k];
			if (v == *o || v == 1)
				continue;
			if (*o != 1) {
				char a[64], b[64];
				return diag_node(d, n, "inputs of shapes %s and %s do not broadcast",
					tensor_shape_str(in[0], a, sizeof a), tensor_shape_str(t, b, sizeof b));
			}
			*o = v;
		}
	}
	*rank = r;
	return 0;
}

int
norm_axis(Node *n, Diag *d, int64_t axis, int rank, int *out)
{
	if (axis < -rank || axis >= (rank ? rank : 1))
		return diag_node(d, n, "axis %lld is out of range for rank %d", (long long)axis, rank);
	*out = (int)(axis < 0 ? axis + rank : axis);
	return 0;
}

int
check_dtype(Node *n, Diag *d, const Tensor *t, const DType *ok, int nok)
{
	for (int i = 0; i < nok; i++)
		if (t->dtype == ok[i])
			return 0;
	return diag_node(d, n, "input '%s' has type %s, which this op does not support",
		t->name, dtype_name(t->dtype));
}

int
check_rank(Node *n, Diag *d, const Tensor *t, int lo, int hi)
{
	if (t->rank < lo || t->rank > hi) {
		if (lo == hi)
			return diag_node(d, n, "input '%s' has rank %d, expected %d", t->name, t->rank, lo);
		return diag_node(d, n, "input '%s' has rank %d, expected %d to %d", t->name, t->rank, lo, hi);
	}
	return 0;
}

void
shape_to_i32(const Tensor *t, int32_t *dims)
{
	for (int k = 0; k < IR_MAXRANK; k++)
		dims[k] = k < t->rank ? (int32_t)t->dim[k] : 1;
}

/* Inputs whose values decide output shapes: they must be constants (or be
 * frozen to constants with --freeze) for axcc to compile the model. */
int
op_static_input(const Node *n, int i)
{
	int op = n->op ? n->op : op_lookup(n->optype);
	if (shape_static_input(&(Node){.op = op}, i))
		return 1;
	switch (op) {
	case OP_REDUCESUM: case OP_REDUCEMEAN: case OP_REDUCEMAX: case OP_REDUCEMIN:
	case OP_TOPK: case OP_COMPRESS:
		return i == 1;
	case OP_MAXUNPOOL:
		return i == 2;
	case OP_NONZERO: case OP_UNIQUE: case OP_NONMAXSUPPRESSION:
		return 1;   /* the output size depends on the values */
	case OP_HANNWINDOW: case OP_HAMMINGWINDOW: case OP_BLACKMANWINDOW:
		return i == 0;                 /* size */
	case OP_MELWEIGHTMATRIX:
		return i == 0 || i == 1;       /* num_mel_bins, dft_length */
	case OP_DFT:
		return i == 1 || i == 2;       /* dft_length, axis (opset 20) */
	case OP_STFT:
		return i == 1 || i == 3;       /* frame_step, frame_length */
	default:
		return 0;
	}
}

int
graph_input_is_static(const Graph *g, const Tensor *t)
{
	for (int i = 0; i < g->nnode; i++)
		for (int j = 0; j < g->node[i]->nin; j++)
			if (g->node[i]->in[j] == t && op_static_input(g->node[i], j))
				return 1;
	return 0;
}

/* Drops dims of 1 and merges neighbours of the same kind (reduced or
 * kept) into dims/ored; returns the new rank (at least 1). */
int32_t
merge_reduced_dims(const Tensor *x, const int *red, int32_t *dims, int32_t *ored)
{
	int32_t r = 0;
	for (int k = 0; k < x->rank; k++) {
		if (x->dim[k] == 1)
			continue;
		if (r > 0 && ored[r - 1] == red[k]) {
			dims[r - 1] *= (int32_t)x->dim[k];
			continue;
		}
		dims[r] = (int32_t)x->dim[k];
		ored[r++] = red[k];
	}
	if (r == 0) {
		dims[0] = 1;
		ored[0] = 1;
		r = 1;
	}
	return r;
}
