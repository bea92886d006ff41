/* loss.c: the loss op family -- NegativeLogLikelihoodLoss,
 * SoftmaxCrossEntropyLoss and the optimizer steps of the
 * ai.onnx.preview.training domain (Adagrad, Adam, Momentum): shape
 * inference and lowering to runtime/kernels/loss.c. The optimizers come
 * from a domain the model imports alone, so n->opset is 0 for them and
 * nothing here depends on it. */
#include <string.h>

#include "axrt.h"
#include "ops.h"

static const DType loss_f32[] = {DT_F32};
static const DType loss_index[] = {DT_I32, DT_I64};

/* A step with the node's first nin inputs and nout outputs, -1 for the
 * absent or missing optional ones. */
static void
loss_call(Lower *l, Node *n, KernelId k, const void *params, int nin, int nout)
{
	int in[4], out[4];
	for (int i = 0; i < nin; i++)
		in[i] = i < n->nin ? lower_buf(l, n->in[i]) : -1;
	for (int i = 0; i < nout; i++)
		out[i] = i < n->nout ? lower_buf(l, n->out[i]) : -1;
	lower_step(l, n, k, params, nin, in, nout, out, 0);
}

static int
loss_reduction(Node *n, Diag *d, int32_t *r)
{
	const char *s = attr_s(n, "reduction", "mean");
	if (!strcmp(s, "none"))
		*r = AXRT_LOSS_NONE;
	else if (!strcmp(s, "sum"))
		*r = AXRT_LOSS_SUM;
	else if (!strcmp(s, "mean"))
		*r = AXRT_LOSS_MEAN;
	else
		return diag_node(d, n, "reduction '%s' is not one of none, sum, mean", s);
	return 0;
}

/* The target must be x's shape without the class dim 1. */
static int
loss_check_target(Node *n, Diag *d, const Tensor *x, const Tensor *t)
{
	char a[64], b[64];
	int ok = t->rank == x->rank - 1 && t->dim[0] == x->dim[0];

	for (int k = 1; ok && k < t->rank; k++)
		ok = t->dim[k] == x->dim[k + 1];
	if (!ok)
		return diag_node(d, n, "target '%s' of shape %s does not match input shape %s "
			"(expected N, d1, ..., dk)", t->name, tensor_shape_str(t, a, sizeof a),
			tensor_shape_str(x, b, sizeof b));
	return 0;
}

/* NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: x is (N, C, d...),
 * the target (N, d...), the weight (C); the loss is the target's shape
 * (reduction none) or a scalar; SCE's log_prob has x's shape. */
static int
loss_infer_nll(Node *n, Diag *d)
{
	Tensor *x = n->in[0], *t = n->in[1], *w = n->nin > 2 ? n->in[2] : NULL;
	int32_t red = 0;

	if (check_dtype(n, d, x, loss_f32, 1) < 0 || check_rank(n, d, x, 2, IR_MAXRANK) < 0 ||
	    check_dtype(n, d, t, loss_index, 2) < 0 || loss_check_target(n, d, x, t) < 0 ||
	    loss_reduction(n, d, &red) < 0)
		return -1;
	if (x->dim[1] < 1)
		return diag_node(d, n, "input '%s' has no classes (dim 1 is 0)", x->name);
	if (tensor_numel(x) > INT32_MAX)
		return diag_node(d, n, "input '%s' has more than 2^31 - 1 elements", x->name);
	if (w && check_dtype(n, d, w, loss_f32, 1) < 0)
		return -1;
	if (w && (w->rank != 1 || w->dim[0] != x->dim[1]))
		return diag_node(d, n, "weight '%s' must hold one value per class (%lld)",
			w->name, (long long)x->dim[1]);
	if (n->op == OP_NLLLOSS && n->nout > 1 && n->out[1])
		return diag_node(d, n, "has %d outputs, expected 1", n->nout);
	if (red == AXRT_LOSS_NONE)
		tensor_set(n->out[0], x->dtype, t->rank, t->dim);
	else
		tensor_set(n->out[0], x->dtype, 0, NULL);
	if (n->nout > 1 && n->out[1])
		tensor_set(n->out[1], x->dtype, x->rank, x->dim);
	return 0;
}

/* Tensors updated per optimizer step: Adagrad X, G, H; Adam X, G, V, H;
 * Momentum X, G, V. */
static int
loss_opt_groups(const Node *n)
{
	return n->op == OP_ADAM ? 4 : 3;
}

/* Inputs R, T, then k tensors in each of g groups; outputs one group less
 * (no gradient): X_new..., then the state tensors. Every tensor of slot i
 * has the shape of X_i. */
static int
loss_infer_opt(Node *n, Diag *d)
{
	int g = loss_opt_groups(n), k = (n->nin - 2) / g;
	const Tensor *r = n->in[0], *t = n->in[1];

	if ((n->nin - 2) % g || k < 1)
		return diag_node(d, n, "has %d inputs, expected 2 + %d x (number of tensors)", n->nin, g);
	if (n->nout != (g - 1) * k)
		return diag_node(d, n, "has %d outputs, expected %d for %d tensor%s", n->nout,
			(g - 1) * k, k, k > 1 ? "s" : "");
	if (check_dtype(n, d, r, loss_f32, 1) < 0)
		return -1;
	if (tensor_numel(r) != 1)
		return diag_node(d, n, "learning rate '%s' must be a scalar", r->name);
	if (t->dtype != DT_I64 || tensor_numel(t) != 1)
		return diag_node(d, n, "update count '%s' must be an int64 scalar", t->name);
	if (n->op == OP_MOMENTUM) {
		static const char *const req[] = {"alpha", "beta", "mode", "norm_coefficient"};
		const char *m = attr_s(n, "mode", "");
		for (int i = 0; i < 4; i++)
			if (!attr_get(n, req[i]))
				return diag_node(d, n, "attribute '%s' is required", req[i]);
		if (strcmp(m, "standard") && strcmp(m, "nesterov"))
			return diag_node(d, n, "mode '%s' is not one of standard, nesterov", m);
	}
	for (int i = 0; i < k; i++) {
		const Tensor *x = n->in[2 + i];
		for (int j = 0; j < g; j++) {
			const Tensor *u = n->in[2 + j * k + i];
			if (!u)
				return diag_node(d, n, "input %d is missing", 2 + j * k + i);
			if (check_dtype(n, d, u, loss_f32, 1) < 0)
				return -1;
			if (!tensor_same_shape(u, x))
				return diag_node(d, n, "input '%s' does not have the shape of '%s'", u->name, x->name);
		}
		if (tensor_numel(x) > INT32_MAX)
			return diag_node(d, n, "input '%s' has more than 2^31 - 1 elements", x->name);
		for (int j = 0; j < g - 1; j++) {
			if (!n->out[j * k + i])
				return diag_node(d, n, "output %d is missing", j * k + i);
			tensor_set(n->out[j * k + i], DT_F32, x->rank, x->dim);
		}
	}
	return 0;
}

/* Required inputs (below the op's minimum count) and the first output must
 * be present: a model may name them "". */
static int
loss_check_present(Node *n, Diag *d)
{
	for (int i = 0; i < optab[n->op].min_in && i < n->nin; i++)
		if (!n->in[i])
			return diag_node(d, n, "input %d is missing", i);
	if (n->nout < 1 || !n->out[0])
		return diag_node(d, n, "output 0 is missing");
	return 0;
}

int
loss_infer(Node *n, Diag *d)
{
	if (n->op > OP_UNKNOWN && n->op < NOP && loss_check_present(n, d) < 0)
		return -1;
	switch (n->op) {
	case OP_NLLLOSS:
	case OP_SCELOSS: return loss_infer_nll(n, d);
	case OP_ADAGRAD:
	case OP_ADAM:
	case OP_MOMENTUM: return loss_infer_opt(n, d);
	default: return diag_node(d, n, "not a loss-family op");
	}
}

/* ---- lowering ---- */

static int
loss_lower_nll(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	axrt_nllloss_params p = {0};
	int64_t inner = 1;

	for (int k = 2; k < x->rank; k++)
		inner *= x->dim[k];
	p.n = (int32_t)x->dim[0];
	p.c = (int32_t)x->dim[1];
	p.inner = (int32_t)inner;
	if (loss_reduction(n, l->d, &p.reduction) < 0)
		return -1;
	p.has_ignore = attr_get(n, "ignore_index") != NULL;
	p.ignore_index = attr_i(n, "ignore_index", 0);
	p.t64 = n->in[1]->dtype == DT_I64;
	if (n->op == OP_NLLLOSS)
		loss_call(l, n, K_nllloss_f32, &p, 3, 1);
	else
		loss_call(l, n, K_sce_f32, &p, 3, 2);
	return 0;
}

/* One step per updated tensor i: R, T and its inputs of every group, its
 * outputs of every group but the gradient's. */
static int
loss_lower_opt(Node *n, Lower *l)
{
	int g = loss_opt_groups(n), k = (n->nin - 2) / g;
	axrt_adagrad_params pa = {0, attr_f(n, "decay_factor", 0.0f), attr_f(n, "epsilon", 1e-6f),
		attr_f(n, "norm_coefficient", 0.0f)};
	axrt_adam_params pd = {0, attr_f(n, "alpha", 0.9f), attr_f(n, "beta", 0.999f),
		attr_f(n, "epsilon", 1e-6f), attr_f(n, "norm_coefficient", 0.0f),
		attr_f(n, "norm_coefficient_post", 0.0f)};
	axrt_momentum_params pm = {0, attr_f(n, "alpha", 0.0f), attr_f(n, "beta", 0.0f),
		attr_f(n, "norm_coefficient", 0.0f), !strcmp(attr_s(n, "mode", "standard"), "nesterov")};

	for (int i = 0; i < k; i++) {
		int in[6], out[3];
		int32_t numel = (int32_t)tensor_numel(n->in[2 + i]);
		in[0] = lower_buf(l, n->in[0]);
		in[1] = lower_buf(l, n->in[1]);
		for (int j = 0; j < g; j++)
			in[2 + j] = lower_buf(l, n->in[2 + j * k + i]);
		for (int j = 0; j < g - 1; j++)
			out[j] = lower_buf(l, n->out[j * k + i]);
		if (n->op == OP_ADAGRAD) {
			pa.numel = numel;
			lower_step(l, n, K_adagrad_f32, &pa, 2 + g, in, g - 1, out, 0);
		} else if (n->op == OP_ADAM) {
			pd.numel = numel;
			lower_step(l, n, K_adam_f32, &pd, 2 + g, in, g - 1, out, 0);
		} else {
			pm.numel = numel;
			lower_step(l, n, K_momentum_f32, &pm, 2 + g, in, g - 1, out, 0);
		}
	}
	return 0;
}

int
loss_lower(Node *n, Lower *l)
{
	switch (n->op) {
	case OP_NLLLOSS:
	case OP_SCELOSS: return loss_lower_nll(n, l);
	case OP_ADAGRAD:
	case OP_ADAM:
	case OP_MOMENTUM: return loss_lower_opt(n, l);
	default: return diag_node(l->d, n, "not a loss-family op");
	}
}
