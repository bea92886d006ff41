/* ops.h: the op registry (ops.def) and the interface every op family
 * implements: shape/type inference and lowering to runtime-kernel calls. */
#ifndef AXCC_OPS_H
#define AXCC_OPS_H

#include "ir/ir.h"
#include "prog/prog.h"

typedef enum {
	OP_UNKNOWN = 0,
#define OP(onnx, E, fam, lo, hi) OP_##E,
#include "ops.def"
#undef OP
	NOP
} OpKind;

typedef struct OpDef {
	const char *onnx;      /* op_type */
	const char *family;    /* compiler/ops/<family>.c */
	int min_in, max_in;    /* input count range (max -1: variadic) */
	/* Sets dtype and shape of every output from the inputs (and constant
	 * inputs' values). Returns 0, or -1 after diag_node(). */
	int (*infer)(Node *n, Diag *d);
	/* Appends the node's runtime-kernel calls to the program. Returns 0, or
	 * -1 after diag_node() for a case the kernels do not support. */
	int (*lower)(Node *n, Lower *l);
} OpDef;

extern const OpDef optab[NOP];
int op_lookup(const char *onnx);      /* OpKind or OP_UNKNOWN */

/* Family entry points: each compiler/ops/<family>.c defines both. */
#define FAMILY(f) int f##_infer(Node *n, Diag *d); int f##_lower(Node *n, Lower *l);
FAMILY(conv) FAMILY(pool) FAMILY(gemm) FAMILY(unary) FAMILY(binary)
FAMILY(norm) FAMILY(reduce) FAMILY(shape) FAMILY(misc) FAMILY(select) FAMILY(quant) FAMILY(rnn) FAMILY(signal) FAMILY(loss) FAMILY(string)

FAMILY(control) FAMILY(fx) FAMILY(qdq)
#undef FAMILY

/* fx.c: whether n computes on fixed-point codes (an input that is not a
 * constant, or an output, has Tensor.qbits > 0); prog_lower then calls
 * fx_lower(n) instead of the op's float lowering. */
int fx_node(const Node *n);

/* helpers.c: shared by families */
int infer_broadcast(Node *n, Diag *d, int nin, Tensor **in, int64_t *dim, int *rank);
int norm_axis(Node *n, Diag *d, int64_t axis, int rank, int *out); /* negative -> positive, range check */
int check_dtype(Node *n, Diag *d, const Tensor *t, const DType *ok, int nok);
int check_rank(Node *n, Diag *d, const Tensor *t, int lo, int hi);
void shape_to_i32(const Tensor *t, int32_t *dims);  /* dims, padded with 1 */
/* Drops dims of 1 and merges neighbours that are both reduced or both kept
 * (red[k] != 0: reduced) into dims/ored; returns the new rank (>= 1). */
int32_t merge_reduced_dims(const Tensor *x, const int *red, int32_t *dims, int32_t *ored);
/* Whether input i of n decides an output shape, so must be constant. */
int op_static_input(const Node *n, int i);
/* Whether graph input t feeds such an input of some node. */
int graph_input_is_static(const Graph *g, const Tensor *t);

#endif
