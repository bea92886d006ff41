/* reduce.c: the reduce op family -- the Reduce* ops (axes from the
 * attribute or, from ReduceSum-13 and opset 18, the optional second input;
 * keepdims; noop_with_empty_axes) and ArgMax/ArgMin: shape inference and
 * lowering to runtime/kernels/reduce.c. */
#include <string.h>

#include "axrt.h"
#include "ops.h"

static int
reduce_is_arg(const Node *n)
{
	return n->op == OP_ARGMAX || n->op == OP_ARGMIN;
}

/* The kernel of reduce op n on dtype dt; -1 if there is none. Float and
 * double have them all; integer types sum, mean, max, min, prod, argmax
 * and argmin. */
static int
reduce_kernel(const Node *n, DType dt)
{
#define R4(E, k, ints) case OP_##E: \
	return dt == DT_F32 ? K_##k##_f32 : dt == DT_F64 ? K_##k##_f64 : \
		!(ints) ? -1 : dt == DT_I32 ? K_##k##_i32 : dt == DT_I64 ? K_##k##_i64 : -1;
#define K_reduce_l1_i32 -1       /* no integer kernels for these */
#define K_reduce_l1_i64 -1
#define K_reduce_l2_i32 -1
#define K_reduce_l2_i64 -1
#define K_reduce_sumsquare_i32 -1
#define K_reduce_sumsquare_i64 -1
#define K_reduce_logsum_i32 -1
#define K_reduce_logsum_i64 -1
#define K_reduce_logsumexp_i32 -1
#define K_reduce_logsumexp_i64 -1
	switch (n->op) {
	R4(REDUCESUM, reduce_sum, 1)
	R4(REDUCEMEAN, reduce_mean, 1)
	R4(REDUCEMAX, reduce_max, 1)
	R4(REDUCEMIN, reduce_min, 1)
	R4(REDUCEPROD, reduce_prod, 1)
	R4(REDUCEL1, reduce_l1, 0)
	R4(REDUCEL2, reduce_l2, 0)
	R4(REDUCESUMSQUARE, reduce_sumsquare, 0)
	R4(REDUCELOGSUM, reduce_logsum, 0)
	R4(REDUCELOGSUMEXP, reduce_logsumexp, 0)
	R4(ARGMAX, argmax, 1)
	R4(ARGMIN, argmin, 1)
	default: return -1;
	}
#undef R4
}

/* Reduced-axis mask of a Reduce* node. Returns 1 when the axes are empty
 * and noop_with_empty_axes is set (the op is the identity), 0 otherwise
 * (empty axes reduce everything), -1 after a diagnostic. An axes input
 * must be constant unless it is empty. */
static int
reduce_axes(Node *n, Diag *d, int *red)
{
	const Tensor *x = n->in[0], *ta = n->nin > 1 ? n->in[1] : NULL;
	int64_t buf[IR_MAXRANK + 1];
	const int64_t *axes = buf;
	int na, ax;

	if (ta) {
		if (tensor_numel(ta) == 0)
			na = 0;
		else if ((na = const_ints(ta, buf, IR_MAXRANK + 1)) < 0)
			return diag_node(d, n, "axes input '%s' must be a constant integer tensor", ta->name);
	} else if ((na = attr_ints(n, "axes", &axes)) < 0) {
		na = 0;
	}
	if (na == 0 && attr_i(n, "noop_with_empty_axes", 0))
		return 1;
	for (int k = 0; k < IR_MAXRANK; k++)
		red[k] = na == 0;
	for (int i = 0; i < na; i++) {
		if (norm_axis(n, d, axes[i], x->rank, &ax) < 0)
			return -1;
		red[ax] = 1;
	}
	return 0;
}

static int
reduce_infer_arg(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	int64_t dim[IR_MAXRANK];
	int ax, r = 0, keep = attr_i(n, "keepdims", 1) != 0;

	if (check_rank(n, d, x, 1, IR_MAXRANK) < 0 ||
	    norm_axis(n, d, attr_i(n, "axis", 0), x->rank, &ax) < 0)
		return -1;
	if (x->dim[ax] == 0)
		return diag_node(d, n, "axis %d of input '%s' is empty", ax, x->name);
	for (int k = 0; k < x->rank; k++)
		if (k != ax)
			dim[r++] = x->dim[k];
		else if (keep)
			dim[r++] = 1;
	tensor_set(n->out[0], DT_I64, r, dim);
	return 0;
}

int
reduce_infer(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	int64_t dim[IR_MAXRANK];
	int red[IR_MAXRANK], r = 0, keep = attr_i(n, "keepdims", 1) != 0, rc;

	if (reduce_kernel(n, x->dtype) < 0)
		return diag_node(d, n, "input '%s' has type %s, which this op does not support",
			x->name, dtype_name(x->dtype));
	if (reduce_is_arg(n))
		return reduce_infer_arg(n, d);
	if ((rc = reduce_axes(n, d, red)) < 0)
		return -1;
	for (int k = 0; k < x->rank; k++)
		if (rc == 1 || !red[k])
			dim[r++] = x->dim[k];
		else if (keep)
			dim[r++] = 1;
	tensor_set(n->out[0], x->dtype, r, dim);
	return 0;
}

static int
reduce_lower_arg(Node *n, Lower *l)
{
	Tensor *x = n->in[0];
	axrt_argmax_params p = {1, 1, 1, attr_i(n, "select_last_index", 0) != 0};
	int ax, in[1], out[1];

	if (norm_axis(n, l->d, attr_i(n, "axis", 0), x->rank, &ax) < 0)
		return -1;
	for (int k = 0; k < x->rank; k++)
		*(k < ax ? &p.outer : k == ax ? &p.len : &p.inner) *= (int32_t)x->dim[k];
	in[0] = lower_buf(l, x);
	out[0] = lower_buf(l, n->out[0]);
	lower_step(l, n, (KernelId)reduce_kernel(n, x->dtype), &p, 1, in, 1, out, 0);
	return 0;
}

int
reduce_lower(Node *n, Lower *l)
{
	Tensor *x = n->in[0];
	axrt_reduce_params p = {0};
	int red[IR_MAXRANK], rc, in[1], out[1];
	size_t scratch = 0;

	if (reduce_is_arg(n))
		return reduce_lower_arg(n, l);
	if ((rc = reduce_axes(n, l->d, red)) < 0)
		return -1;
	if (rc == 1)
		return lower_view(l, n, n->out[0], x);
	p.rank = merge_reduced_dims(x, red, p.dims, p.red);
	if (n->op == OP_REDUCELOGSUMEXP)
		scratch = (size_t)tensor_numel(n->out[0]) * dtype_size(x->dtype);   /* the kernel keeps each group's maximum in x's type */
	in[0] = lower_buf(l, x);
	out[0] = lower_buf(l, n->out[0]);
	lower_step(l, n, (KernelId)reduce_kernel(n, x->dtype), &p, 1, in, 1, out, scratch);
	return 0;
}
