/* norm.c: the norm op family -- BatchNormalization (inference),
 * InstanceNormalization, LRN, LayerNormalization, LpNormalization,
 * MeanVarianceNormalization and the axis-wise Softmax, LogSoftmax and
 * Hardmax: shape inference and lowering to runtime/kernels/norm.c. */
#include <string.h>

#include "axrt.h"
#include "ops.h"

static const DType norm_f32[] = {DT_F32};

/* A step with the node's first nin inputs and nout outputs, -1 for absent
 * or missing optional ones. */
static void
norm_call(Lower *l, Node *n, KernelId k, const void *params, int nin, int nout, size_t scratch)
{
	int in[8], out[4];
	for (int i = 0; i < nin; i++)
		in[i] = i < n->nin ? lower_buf(l, n->in[i]) : -1;
	for (int i = 0; i < nout; i++)
		out[i] = i < n->nout ? lower_buf(l, n->out[i]) : -1;
	lower_step(l, n, k, params, nin, in, nout, out, scratch);
}

static int64_t
norm_prod(const Tensor *t, int lo, int hi)
{
	int64_t p = 1;
	for (int i = lo; i < hi; i++)
		p *= t->dim[i];
	return p;
}

/* Per-channel parameter inputs [first, nin) must be float with C values. */
static int
norm_check_channel(Node *n, Diag *d, int first, int64_t c)
{
	for (int i = first; i < n->nin; i++) {
		Tensor *t = n->in[i];
		if (!t)
			return diag_node(d, n, "input %d is missing", i);
		if (check_dtype(n, d, t, norm_f32, 1) < 0)
			return -1;
		if (tensor_numel(t) != c)
			return diag_node(d, n, "input '%s' has %lld values, expected one per channel (%lld)",
				t->name, (long long)tensor_numel(t), (long long)c);
	}
	return 0;
}

/* Only training-mode BatchNormalization produces more than Y. */
static int
norm_infer_batchnorm(Node *n, Diag *d)
{
	Tensor *x = n->in[0];

	if (attr_i(n, "training_mode", 0) != 0)
		return diag_node(d, n, "training_mode=1 is not supported (inference only)");
	for (int i = 1; i < n->nout; i++)
		if (n->out[i])
			return diag_node(d, n, "output %d (a training statistic) is not supported", i);
	if (n->opset < 9 && attr_i(n, "spatial", 1) == 0)
		return diag_node(d, n, "spatial=0 is not supported");
	if (check_dtype(n, d, x, norm_f32, 1) < 0 || check_rank(n, d, x, 2, IR_MAXRANK) < 0 ||
	    norm_check_channel(n, d, 1, x->dim[1]) < 0)
		return -1;
	tensor_set(n->out[0], x->dtype, x->rank, x->dim);
	return 0;
}

static int
norm_infer_instnorm(Node *n, Diag *d)
{
	Tensor *x = n->in[0];

	if (check_dtype(n, d, x, norm_f32, 1) < 0 || check_rank(n, d, x, 3, IR_MAXRANK) < 0 ||
	    norm_check_channel(n, d, 1, x->dim[1]) < 0)
		return -1;
	tensor_set(n->out[0], x->dtype, x->rank, x->dim);
	return 0;
}

static int
norm_infer_lrn(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	int64_t size = attr_i(n, "size", 0);

	if (check_dtype(n, d, x, norm_f32, 1) < 0 || check_rank(n, d, x, 3, IR_MAXRANK) < 0)
		return -1;
	if (size < 1 || size > INT32_MAX)
		return diag_node(d, n, "size %lld must be positive", (long long)size);
	tensor_set(n->out[0], x->dtype, x->rank, x->dim);
	return 0;
}

/* Splits X around the op's axis into outer x len x inner. Softmax,
 * LogSoftmax and Hardmax before opset 13 coerce X to 2-D at axis (default
 * 1): len covers every dim from axis on. */
static int
norm_split_axis(Node *n, Diag *d, axrt_softmax_params *p)
{
	Tensor *x = n->in[0];
	int coerce = n->op != OP_LPNORM && n->opset < 13, ax;
	int64_t axis = attr_i(n, "axis", coerce ? 1 : -1);

	if (norm_axis(n, d, axis, x->rank, &ax) < 0)
		return -1;
	p->outer = (int32_t)norm_prod(x, 0, ax);
	p->len = (int32_t)(coerce ? norm_prod(x, ax, x->rank) : x->dim[ax]);
	p->inner = (int32_t)(coerce ? 1 : norm_prod(x, ax + 1, x->rank));
	return 0;
}

static int
norm_infer_axis(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	axrt_softmax_params p;

	if (check_dtype(n, d, x, norm_f32, 1) < 0 || check_rank(n, d, x, 1, IR_MAXRANK) < 0 ||
	    norm_split_axis(n, d, &p) < 0)
		return -1;
	if (n->op == OP_LPNORM) {
		int64_t pw = attr_i(n, "p", 2);
		if (pw != 1 && pw != 2)
			return diag_node(d, n, "p=%lld is not supported (only 1 and 2)", (long long)pw);
	}
	tensor_set(n->out[0], x->dtype, x->rank, x->dim);
	return 0;
}

/* Scale/B of LayerNormalization must broadcast to X.shape[axis:] (extra
 * leading dims of 1 allowed). */
static int
norm_check_bcast(Node *n, Diag *d, const Tensor *t, const Tensor *x, int ax)
{
	char s[64];
	int ok = 1;
	if (!t)
		return 0;
	if (check_dtype(n, d, t, norm_f32, 1) < 0)
		return -1;
	for (int k = 1; ok && k <= t->rank; k++) {
		int64_t v = t->dim[t->rank - k];
		ok = v == 1 || (k <= x->rank - ax && v == x->dim[x->rank - k]);
	}
	if (!ok)
		return diag_node(d, n, "input '%s' of shape %s does not broadcast to the normalized shape",
			t->name, tensor_shape_str(t, s, sizeof s));
	return 0;
}

static int
norm_infer_layernorm(Node *n, Diag *d)
{
	Tensor *x = n->in[0], *b = n->nin > 2 ? n->in[2] : NULL;
	int64_t dim[IR_MAXRANK];
	int ax;

	if (check_dtype(n, d, x, norm_f32, 1) < 0 ||
	    norm_axis(n, d, attr_i(n, "axis", -1), x->rank, &ax) < 0 ||
	    norm_check_bcast(n, d, n->in[1], x, ax) < 0 || norm_check_bcast(n, d, b, x, ax) < 0)
		return -1;
	tensor_set(n->out[0], x->dtype, x->rank, x->dim);
	for (int k = 0; k < x->rank; k++)
		dim[k] = k < ax ? x->dim[k] : 1;
	for (int i = 1; i < n->nout && i < 3; i++)
		if (n->out[i])
			tensor_set(n->out[i], DT_F32, x->rank, dim);
	return 0;
}

/* Reduced-axis mask of MeanVarianceNormalization's axes (default 0,2,3). */
static int
norm_mvn_axes(Node *n, Diag *d, int *red)
{
	static const int64_t def[] = {0, 2, 3};
	const int64_t *axes = def;
	int na = attr_ints(n, "axes", &axes), r = n->in[0]->rank, ax;

	if (na < 0) {
		na = 3;
		axes = def;
	}
	memset(red, 0, IR_MAXRANK * sizeof *red);
	for (int i = 0; i < na; i++) {
		if (norm_axis(n, d, axes[i], r, &ax) < 0)
			return -1;
		red[ax] = 1;
	}
	return 0;
}

static int
norm_infer_mvn(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	int red[IR_MAXRANK];

	if (check_dtype(n, d, x, norm_f32, 1) < 0 || check_rank(n, d, x, 1, IR_MAXRANK) < 0 ||
	    norm_mvn_axes(n, d, red) < 0)
		return -1;
	tensor_set(n->out[0], x->dtype, x->rank, x->dim);
	return 0;
}

int
norm_infer(Node *n, Diag *d)
{
	switch (n->op) {
	case OP_BATCHNORM: return norm_infer_batchnorm(n, d);
	case OP_INSTANCENORM: return norm_infer_instnorm(n, d);
	case OP_LRN: return norm_infer_lrn(n, d);
	case OP_SOFTMAX:
	case OP_LOGSOFTMAX:
	case OP_HARDMAX:
	case OP_LPNORM: return norm_infer_axis(n, d);
	case OP_LAYERNORM: return norm_infer_layernorm(n, d);
	case OP_MVN: return norm_infer_mvn(n, d);
	default: return diag_node(d, n, "not a norm-family op");
	}
}

/* ---- lowering ---- */

static int
norm_lower_channel(Node *n, Lower *l)
{
	Tensor *x = n->in[0];
	axrt_batchnorm_params p = {(int32_t)x->dim[0], (int32_t)x->dim[1],
		(int32_t)norm_prod(x, 2, x->rank), attr_f(n, "epsilon", 1e-5f)};

	if (n->op == OP_BATCHNORM)
		norm_call(l, n, K_batchnorm_f32, &p, 5, 1, 0);
	else
		norm_call(l, n, K_instnorm_f32, &p, 3, 1, 0);
	return 0;
}

static int
norm_lower_lrn(Node *n, Lower *l)
{
	Tensor *x = n->in[0];
	axrt_lrn_params p = {(int32_t)x->dim[0], (int32_t)x->dim[1],
		(int32_t)norm_prod(x, 2, x->rank), (int32_t)attr_i(n, "size", 1),
		attr_f(n, "alpha", 1e-4f), attr_f(n, "beta", 0.75f), attr_f(n, "bias", 1.0f)};

	norm_call(l, n, K_lrn_f32, &p, 1, 1, 0);
	return 0;
}

static int
norm_lower_axis(Node *n, Lower *l)
{
	axrt_softmax_params p;

	if (norm_split_axis(n, l->d, &p) < 0)
		return -1;
	if (n->op == OP_LPNORM) {
		axrt_lpnorm_params q = {p.outer, p.len, p.inner, (int32_t)attr_i(n, "p", 2)};
		norm_call(l, n, K_lpnorm_f32, &q, 1, 1, 0);
		return 0;
	}
	norm_call(l, n, n->op == OP_SOFTMAX ? K_softmax_f32 :
		n->op == OP_LOGSOFTMAX ? K_logsoftmax_f32 : K_hardmax_f32, &p, 1, 1, 0);
	return 0;
}

/* Sets *buf to a buffer of LayerNormalization's Scale or B (t) holding
 * size floats, or one (*bcast set), or -1 when t is absent; a constant of
 * another broadcasting shape is expanded. Returns 0 or -1. */
static int
norm_ln_param(Node *n, Lower *l, const Tensor *t, int ax, int64_t size, int32_t *bcast, int *buf)
{
	int64_t cnt = t ? tensor_numel(t) : 0;
	*bcast = cnt == 1;
	if (!t || cnt == 1 || cnt == size) {
		*buf = lower_buf(l, t);
		return 0;
	}
	if (!t->init)
		return diag_node(l->d, n, "input '%s' must be constant or of the normalized shape", t->name);
	const Tensor *x = n->in[0];
	const float *src = t->init;
	float *v = arena_alloc(l->a, (size_t)size * sizeof *v);
	for (int64_t i = 0; i < size; i++) {   /* right-aligned broadcast */
		int64_t r = i, off = 0, st = 1;
		for (int k = 1; k <= x->rank - ax; k++) {
			int64_t dx = x->dim[x->rank - k], ix = r % dx;
			r /= dx;
			if (k <= t->rank && t->dim[t->rank - k] != 1)
				off += ix * st;
			if (k <= t->rank)
				st *= t->dim[t->rank - k];
		}
		v[i] = src[off];
	}
	*buf = lower_const(l, arena_printf(l->a, "%s_expanded", t->name), DT_F32,
		(size_t)size * sizeof *v, v);
	return 0;
}

static int
norm_lower_layernorm(Node *n, Lower *l)
{
	Tensor *x = n->in[0];
	axrt_layernorm_params p = {0};
	int ax, in[3], out[3];

	if (norm_axis(n, l->d, attr_i(n, "axis", -1), x->rank, &ax) < 0)
		return -1;
	p.outer = (int32_t)norm_prod(x, 0, ax);
	p.size = (int32_t)norm_prod(x, ax, x->rank);
	p.epsilon = attr_f(n, "epsilon", 1e-5f);
	in[0] = lower_buf(l, x);
	if (norm_ln_param(n, l, n->in[1], ax, p.size, &p.s_bcast, &in[1]) < 0 ||
	    norm_ln_param(n, l, n->nin > 2 ? n->in[2] : NULL, ax, p.size, &p.b_bcast, &in[2]) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		out[i] = i < n->nout ? lower_buf(l, n->out[i]) : -1;
	lower_step(l, n, K_layernorm_f32, &p, 3, in, 3, out, 0);
	return 0;
}

static int
norm_lower_mvn(Node *n, Lower *l)
{
	axrt_mvn_params p = {0};
	int red[IR_MAXRANK];
	int64_t nkept = 1;

	if (norm_mvn_axes(n, l->d, red) < 0)
		return -1;
	p.rank = merge_reduced_dims(n->in[0], red, p.dims, p.red);
	for (int k = 0; k < p.rank; k++)
		if (!p.red[k])
			nkept *= p.dims[k];
	norm_call(l, n, K_mvn_f32, &p, 1, 1, (size_t)(2 * nkept) * sizeof(float));
	return 0;
}

int
norm_lower(Node *n, Lower *l)
{
	switch (n->op) {
	case OP_BATCHNORM:
	case OP_INSTANCENORM: return norm_lower_channel(n, l);
	case OP_LRN: return norm_lower_lrn(n, l);
	case OP_SOFTMAX:
	case OP_LOGSOFTMAX:
	case OP_HARDMAX:
	case OP_LPNORM: return norm_lower_axis(n, l);
	case OP_LAYERNORM: return norm_lower_layernorm(n, l);
	case OP_MVN: return norm_lower_mvn(n, l);
	default: return diag_node(l->d, n, "not a norm-family op");
	}
}
