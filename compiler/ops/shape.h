/* shape.h: helpers of the shape family (shape.c) that the misc family
 * (misc.c) shares: constant inputs, output shapes, element bits and the
 * strided-copy lowering. */
#ifndef AXCC_SHAPE_H
#define AXCC_SHAPE_H

#include "axrt.h"
#include "ops.h"

/* Largest element count a data-movement output may have. */
#define SHAPE_MAXNUMEL ((int64_t)1 << 40)

/* The integer values of constant input i (at most max of them). Returns
 * the count, or -1 after diag_node(): the input is absent, not constant
 * ("its value depends on the model's input data"), not integer, or too long. */
int shape_const_ints(Node *n, Diag *d, int i, int64_t *v, int max);
/* The same for a float (or integer) constant input, converted to double. */
int shape_const_floats(Node *n, Diag *d, int i, double *v, int max);
/* Whether input i of n must be a compile-time constant (shape, axes, pads,
 * starts, scales...): 1 for the shape-like inputs of the shape and misc
 * families, 0 otherwise. A harness may bind such graph inputs to their
 * test data as constants. */
int shape_static_input(const Node *n, int i);
/* Whether input i is present and has at least one element. */
int shape_has_input(const Node *n, int i);
/* Sets output i after checking the dims (>= 0, each fits int32, numel
 * at most SHAPE_MAXNUMEL). Returns 0 or -1 after diag_node(). */
int shape_set(Node *n, Diag *d, int i, DType dt, int rank, const int64_t *dim);
/* Rejects types without a fixed element size (string, undefined). */
int shape_check_movable(Node *n, Diag *d, const Tensor *t);
/* Row-major element strides of t. */
void shape_strides(const Tensor *t, int64_t *str);
/* Bits of one element (see AXRT_FILL_PARAMS): the element at p of size es,
 * or the value v converted to type dt. */
int64_t shape_elem_bits(const void *p, size_t es);
int64_t shape_value_bits(DType dt, double v);
/* product of dim[lo..hi) */
int64_t shape_prod(const int64_t *dim, int lo, int hi);

/* A strided copy (AXRT_STRIDED_PARAMS) before simplification: up to 2 *
 * IR_MAXRANK dims; strides and offsets in elements. */
typedef struct ShapeBox {
	int rank;
	int64_t dim[2 * IR_MAXRANK];
	int64_t is[2 * IR_MAXRANK], os[2 * IR_MAXRANK];
	int64_t ioff, ooff;
} ShapeBox;
/* A box over all of `from` (contiguous) written contiguously. */
void shape_box_whole(ShapeBox *b, const Tensor *from);
/* Drops unit dims, merges contiguous ones and appends one strided step
 * reading buffer inb and writing outb. Returns 0 or -1 after diag_node(). */
int shape_lower_box(Lower *l, Node *n, int inb, int outb, DType dt, const ShapeBox *b);

#endif
