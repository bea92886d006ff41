/* unary.c: the unary op family -- activations, math functions, Clip,
 * Cast/CastLike, IsNaN/IsInf/Not, and Identity/Dropout (inference only: the
 * identity, Dropout's mask all true): shape inference and lowering to the
 * eltwise kernels (runtime/kernels/eltwise.c). */
#include <string.h>

#include "axrt.h"
#include "eltwise.h"

/* The kernel of op n on input type dt, or -1 (also for the ops lowered
 * without one: Identity, Dropout, Cast, CastLike). */
static int
unary_kernel(const Node *n, DType dt)
{
#define F32(E, k) case OP_##E: return dt == DT_F32 ? K_##k##_f32 : -1;
	switch (n->op) {
	F32(LEAKYRELU, leakyrelu) F32(ELU, elu) F32(SELU, selu) F32(CELU, celu)
	F32(THRESHOLDEDRELU, thresholdedrelu) F32(SIGMOID, sigmoid)
	F32(HARDSIGMOID, hardsigmoid) F32(HARDSWISH, hardswish) F32(TANH, tanh)
	F32(SOFTPLUS, softplus) F32(SOFTSIGN, softsign) F32(MISH, mish)
	F32(SHRINK, shrink) F32(EXP, exp) F32(LOG, log) F32(SQRT, sqrt)
	F32(RECIPROCAL, reciprocal) F32(ERF, erf) F32(CEIL, ceil) F32(FLOOR, floor)
	F32(ROUND, round) F32(SIN, sin) F32(COS, cos) F32(TAN, tan) F32(ASIN, asin)
	F32(ACOS, acos) F32(ATAN, atan) F32(SINH, sinh) F32(COSH, cosh)
	F32(ASINH, asinh) F32(ACOSH, acosh) F32(ATANH, atanh) F32(ISNAN, isnan)
	F32(ISINF, isinf)
	case OP_RELU: return eltwise_num_kernel(K_relu_f32, dt);
	case OP_ABS: return eltwise_num_kernel(K_abs_f32, dt);
	case OP_NEG: return eltwise_num_kernel(K_neg_f32, dt);
	case OP_SIGN: return eltwise_num_kernel(K_sign_f32, dt);
	case OP_CLIP: return eltwise_num_kernel(K_clip_f32, dt);
	case OP_NOT: return dt == DT_BOOL ? K_not_bool : -1;
	default: return -1;
	}
#undef F32
}

/* Attributes into the shared unary params (defaults from the ONNX spec). */
static void
unary_params(const Node *n, axrt_unary_params *p)
{
	memset(p, 0, sizeof *p);
	p->n = tensor_numel(n->in[0]);
	switch (n->op) {
	case OP_LEAKYRELU:
		p->alpha = attr_f(n, "alpha", 0.01f);
		break;
	case OP_ELU: case OP_CELU: case OP_THRESHOLDEDRELU:
		p->alpha = attr_f(n, "alpha", 1.0f);
		break;
	case OP_SELU:
		p->alpha = attr_f(n, "alpha", 1.67326319217681884765625f);
		p->beta = attr_f(n, "gamma", 1.05070102214813232421875f);
		break;
	case OP_HARDSIGMOID:
		p->alpha = attr_f(n, "alpha", 0.2f);
		p->beta = attr_f(n, "beta", 0.5f);
		break;
	case OP_SHRINK:
		p->alpha = attr_f(n, "lambd", 0.5f);
		p->beta = attr_f(n, "bias", 0.0f);
		break;
	case OP_ISINF:
		p->mode = (attr_i(n, "detect_positive", 1) != 0) | (attr_i(n, "detect_negative", 1) != 0) << 1;
		break;
	default:
		break;
	}
}

/* Types the cast kernel converts between. */
static int
unary_castable(DType t)
{
	return t == DT_F32 || t == DT_F64 || t == DT_F16 || t == DT_BF16 || t == DT_BOOL || dtype_is_int(t);
}

static int
unary_infer_cast(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	DType to;
	if (n->op == OP_CASTLIKE)
		to = n->in[1]->dtype;
	else if (!attr_get(n, "to"))
		return diag_node(d, n, "attribute 'to' is missing");
	else
		to = (DType)attr_i(n, "to", 0);
	if ((x->dtype == DT_STRING && to != DT_F32 && to != DT_STRING) ||
	    (to == DT_STRING && x->dtype != DT_F32 && x->dtype != DT_STRING))
		return diag_node(d, n, "casts between strings and %s (only float is supported)",
			dtype_name(x->dtype == DT_STRING ? to : x->dtype));
	if (x->dtype == DT_STRING || to == DT_STRING) {
		tensor_set(n->out[0], to, x->rank, x->dim);
		return 0;
	}
	if (!unary_castable(x->dtype))
		return diag_node(d, n, "input '%s' has type %s, which this op does not support",
			x->name, dtype_name(x->dtype));
	if (!unary_castable(to))
		return diag_node(d, n, "casting to type %s (%d) is not supported", dtype_name(to), (int)to);
	tensor_set(n->out[0], to, x->rank, x->dim);
	return 0;
}

/* Inference only. From opset 12 a training_mode input must be a constant
 * false, or the ratio a constant 0 (both make Dropout the identity). */
static int
unary_infer_dropout(Node *n, Diag *d)
{
	Tensor *x = n->in[0], *ratio = n->nin > 1 ? n->in[1] : NULL;
	Tensor *train = n->nin > 2 ? n->in[2] : NULL;
	if (dtype_size(x->dtype) == 0 || x->dtype == DT_STRING)
		return diag_node(d, n, "input '%s' has type %s, which this op does not support",
			x->name, dtype_name(x->dtype));
	if (train) {
		if (!train->init || tensor_numel(train) != 1)
			return diag_node(d, n, "training_mode input '%s' must be a constant scalar", train->name);
		if (const_scalar(train) != 0 && ratio && (!ratio->init || tensor_numel(ratio) != 1))
			return diag_node(d, n, "in training mode, ratio '%s' must be a constant scalar", ratio->name);
		/* training with ratio 0 keeps every element; any other ratio draws random numbers */
		int zero = ratio && const_scalar(ratio) == 0;
		if (const_scalar(train) != 0 && !zero)
			return diag_node(d, n, "training mode with a ratio above 0 needs a random generator "
				"(not supported)");
	}
	tensor_set(n->out[0], x->dtype, x->rank, x->dim);
	if (n->nout > 1 && n->out[1])
		tensor_set(n->out[1], DT_BOOL, x->rank, x->dim);
	return 0;
}

/* Clip bounds: attributes min/max before opset 11, then optional scalar
 * inputs of x's type, constant or not. */
static int
unary_check_clip(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	if (n->opset < 11 && x->dtype != DT_F32 && x->dtype != DT_F64)
		return diag_node(d, n, "input '%s' has type %s, which this op does not support",
			x->name, dtype_name(x->dtype));
	for (int i = 1; i < n->nin; i++) {
		Tensor *b = n->in[i];
		if (!b)
			continue;
		if (b->dtype != x->dtype)
			return diag_node(d, n, "bound '%s' has type %s, expected %s like input '%s'",
				b->name, dtype_name(b->dtype), dtype_name(x->dtype), x->name);
		if (tensor_numel(b) != 1)
			return diag_node(d, n, "bound '%s' has %lld elements, expected a scalar",
				b->name, (long long)tensor_numel(b));
	}
	return 0;
}

int
unary_infer(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	switch (n->op) {
	case OP_CAST: case OP_CASTLIKE:
		return unary_infer_cast(n, d);
	case OP_DROPOUT:
		return unary_infer_dropout(n, d);
	case OP_IDENTITY:
		if (dtype_size(x->dtype) == 0)
			break;
		tensor_set(n->out[0], x->dtype, x->rank, x->dim);
		return 0;
	case OP_CLIP:
		if (unary_check_clip(n, d) < 0)
			return -1;
		break;
	case OP_CELU:
		if (attr_f(n, "alpha", 1.0f) == 0.0f)
			return diag_node(d, n, "alpha must not be 0");
		break;
	default:
		break;
	}
	if (unary_kernel(n, x->dtype) < 0)
		return diag_node(d, n, "input '%s' has type %s, which this op does not support",
			x->name, dtype_name(x->dtype));
	DType dt = n->op == OP_ISNAN || n->op == OP_ISINF ? DT_BOOL : x->dtype;
	tensor_set(n->out[0], dt, x->rank, x->dim);
	return 0;
}

/* A new constant scalar of type dt (f32 or f64) holding v. */
static int
unary_const(Lower *l, const Node *n, const char *what, DType dt, double v)
{
	void *p = arena_alloc(l->a, 8);
	if (dt == DT_F64)
		*(double *)p = v;
	else
		*(float *)p = (float)v;
	return lower_const(l, arena_printf(l->a, "%s_%s", n->name, what), dt, dtype_size(dt), p);
}

static int
unary_lower_clip(Node *n, Lower *l)
{
	axrt_unary_params p;
	Tensor *x = n->in[0];
	int in[3], out = lower_buf(l, n->out[0]);
	unary_params(n, &p);
	in[0] = lower_buf(l, x);
	in[1] = n->nin > 1 ? lower_buf(l, n->in[1]) : -1;
	in[2] = n->nin > 2 ? lower_buf(l, n->in[2]) : -1;
	if (n->opset < 11) {
		if (attr_get(n, "min"))
			in[1] = unary_const(l, n, "min", x->dtype, attr_f(n, "min", 0));
		if (attr_get(n, "max"))
			in[2] = unary_const(l, n, "max", x->dtype, attr_f(n, "max", 0));
	}
	lower_step(l, n, unary_kernel(n, x->dtype), &p, 3, in, 1, &out, 0)->inplace = 0;
	return 0;
}

static int
unary_lower_dropout(Node *n, Lower *l)
{
	lower_view(l, n, n->out[0], n->in[0]);
	if (n->nout > 1 && n->out[1]) {
		axrt_fill_params f = {tensor_numel(n->out[1]), 1, 1};
		int none = -1, mask = lower_buf(l, n->out[1]);
		lower_step(l, n, K_fill, &f, 0, &none, 1, &mask, 0);
	}
	return 0;
}

int
unary_lower(Node *n, Lower *l)
{
	Tensor *x = n->in[0], *y = n->out[0];
	int in, out, k;
	switch (n->op) {
	case OP_IDENTITY:
		return lower_view(l, n, y, x);
	case OP_DROPOUT:
		return unary_lower_dropout(n, l);
	case OP_CLIP:
		return unary_lower_clip(n, l);
	case OP_CAST: case OP_CASTLIKE:
		if (x->dtype == y->dtype)
			return lower_view(l, n, y, x);
		in = lower_buf(l, x);
		out = lower_buf(l, y);
		if (x->dtype == DT_STRING || y->dtype == DT_STRING) {
			axrt_strcast_params sc = {tensor_numel(x)};
			lower_step(l, n, x->dtype == DT_STRING ? K_f32_from_str : K_str_from_f32, &sc, 1, &in, 1, &out, 0);
			return 0;
		}
		axrt_cast_params c = {tensor_numel(x), x->dtype, y->dtype};
		lower_step(l, n, K_cast, &c, 1, &in, 1, &out, 0);
		return 0;
	default:
		break;
	}
	if ((k = unary_kernel(n, x->dtype)) < 0)
		die("%s (%s): no kernel for %s; unary_infer lets it through", n->name, n->optype,
			dtype_name(x->dtype));
	axrt_unary_params p;
	unary_params(n, &p);
	in = lower_buf(l, x);
	out = lower_buf(l, y);
	Step *st = lower_step(l, n, k, &p, 1, &in, 1, &out, 0);
	if (tensor_bytes(x) == tensor_bytes(y))
		st->inplace = 0;   /* y[i] is written after x[i] is read */
	return 0;
}
