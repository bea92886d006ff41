/* rnn.c: the rnn op family (RNN, GRU, LSTM) -- attribute and input checks,
 * shape inference and lowering to axrt_rnn_f32 / axrt_gru_f32 /
 * axrt_lstm_f32. One function, rnn_params, reads the node into the
 * kernel's parameters for both inference and lowering. */
#include <ctype.h>
#include <string.h>

#include "axrt.h"
#include "ops.h"

/* Per op: gates per direction, activations per direction, the default
 * activations, input/output counts and the kernel. */
typedef struct {
	int ngate, nact, maxout;
	int dflt[3];
	KernelId k;
	int scratch;     /* floats of scratch per hidden unit */
} RnnOp;

static const RnnOp rnn_ops[] = {
	{1, 1, 2, {AXRT_RNN_TANH}, K_rnn_f32, 2},
	{3, 2, 2, {AXRT_RNN_SIGMOID, AXRT_RNN_TANH}, K_gru_f32, 5},
	{4, 3, 3, {AXRT_RNN_SIGMOID, AXRT_RNN_TANH, AXRT_RNN_TANH}, K_lstm_f32, 6},
};

static const RnnOp *
rnn_op(const Node *n)
{
	return &rnn_ops[n->op == OP_RNN ? 0 : n->op == OP_GRU ? 1 : 2];
}

/* Activation names (ORDER AXRT_RNN_*), whether each takes alpha and beta,
 * and their defaults: those of the ONNX operators of the same name. */
static const struct {
	const char *name;
	int na, nb;
	float a, b;
} rnn_fns[AXRT_RNN_NACTFN] = {
	[AXRT_RNN_SIGMOID] = {"Sigmoid", 0, 0, 0, 0},
	[AXRT_RNN_TANH] = {"Tanh", 0, 0, 0, 0},
	[AXRT_RNN_RELU] = {"Relu", 0, 0, 0, 0},
	[AXRT_RNN_AFFINE] = {"Affine", 1, 1, 1.0f, 0.0f},
	[AXRT_RNN_LEAKYRELU] = {"LeakyRelu", 1, 0, 0.01f, 0},
	[AXRT_RNN_THRESHOLDEDRELU] = {"ThresholdedRelu", 1, 0, 1.0f, 0},
	[AXRT_RNN_SCALEDTANH] = {"ScaledTanh", 1, 1, 1.0f, 1.0f},
	[AXRT_RNN_HARDSIGMOID] = {"HardSigmoid", 1, 1, 0.2f, 0.5f},
	[AXRT_RNN_ELU] = {"Elu", 1, 0, 1.0f, 0},
	[AXRT_RNN_SOFTSIGN] = {"Softsign", 0, 0, 0, 0},
	[AXRT_RNN_SOFTPLUS] = {"Softplus", 0, 0, 0, 0},
};

/* The AXRT_RNN_* of activation name s (any case), or 0. */
static int
rnn_fn_lookup(const char *s)
{
	for (int f = AXRT_RNN_SIGMOID; f < AXRT_RNN_NACTFN; f++) {
		const char *a = s, *b = rnn_fns[f].name;
		while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b))
			a++, b++;
		if (!*a && !*b)
			return f;
	}
	return 0;
}

/* activations, activation_alpha, activation_beta into p->act... Names
 * cover every direction, or one direction's worth is repeated for the
 * backward one. Alphas and betas are consumed in order by the functions
 * that take them (as ONNX Runtime does); missing ones get the defaults. */
static int
rnn_acts(Node *n, Diag *d, const RnnOp *op, axrt_rnn_params *p)
{
	const Attr *a = attr_get(n, "activations");
	const float *al, *be;
	int nal = attr_floats(n, "activation_alpha", &al), nbe = attr_floats(n, "activation_beta", &be);
	int cnt = a && a->type == AT_STRINGS ? a->n : 0, want = op->nact * p->ndir, ia = 0, ib = 0;

	if (a && a->type != AT_STRINGS)
		return diag_node(d, n, "activations must be a list of strings");
	if (n->op == OP_RNN && cnt == 2 && p->ndir == 1)
		cnt = 1;   /* the schema's old default is {Tanh, Tanh} */
	if (cnt && cnt != want && cnt != op->nact)
		return diag_node(d, n, "activations has %d names, expected %d", cnt, want);
	for (int i = 0; i < want; i++) {
		int k = i % op->nact, dir = i / op->nact, f = op->dflt[k];
		if (cnt) {
			const char *s = a->strings[cnt == want ? i : k];
			if (!(f = rnn_fn_lookup(s)))
				return diag_node(d, n, "activation '%s' is not one of Sigmoid, Tanh, Relu, Affine, "
					"LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus", s);
		}
		p->act[3 * dir + k] = f;
		p->act_alpha[3 * dir + k] = !rnn_fns[f].na ? 0.0f : ia < nal ? al[ia++] : rnn_fns[f].a;
		p->act_beta[3 * dir + k] = !rnn_fns[f].nb ? 0.0f : ib < nbe ? be[ib++] : rnn_fns[f].b;
	}
	return 0;
}

/* The scalar attributes: direction, layout, clip, the op flags. */
static int
rnn_attrs(Node *n, Diag *d, axrt_rnn_params *p)
{
	const char *dir = attr_s(n, "direction", "forward");
	const Attr *clip = attr_get(n, "clip");
	int64_t layout = attr_i(n, "layout", 0);

	if (strcmp(dir, "forward") && strcmp(dir, "reverse") && strcmp(dir, "bidirectional"))
		return diag_node(d, n, "direction '%s' is not forward, reverse or bidirectional", dir);
	p->ndir = !strcmp(dir, "bidirectional") ? 2 : 1;
	p->reverse = !strcmp(dir, "reverse");
	if (layout != 0 && layout != 1)
		return diag_node(d, n, "layout is %lld, must be 0 or 1", (long long)layout);
	p->layout = (int32_t)layout;
	if (clip) {
		p->clip_on = 1;
		p->clip = clip->f;
		if (!(p->clip > 0.0f))
			return diag_node(d, n, "clip is %g, must be positive", (double)p->clip);
	}
	if (n->op == OP_GRU)
		p->linear_before_reset = attr_i(n, "linear_before_reset", 0) != 0;
	if (n->op == OP_LSTM) {
		int64_t f = attr_i(n, "input_forget", 0);
		if (f != 0 && f != 1)
			return diag_node(d, n, "input_forget is %lld, must be 0 or 1", (long long)f);
		p->input_forget = (int32_t)f;
	}
	return 0;
}

/* Input t must have exactly the shape d0 x d1 [x d2] (rank dims). */
static int
rnn_check_shape(Node *n, Diag *d, const Tensor *t, const char *what, int rank,
	int64_t d0, int64_t d1, int64_t d2)
{
	int64_t want[3] = {d0, d1, d2};
	char have[96];
	int ok = t->rank == rank;

	for (int i = 0; ok && i < rank; i++)
		ok = t->dim[i] == want[i];
	if (ok)
		return 0;
	tensor_shape_str(t, have, sizeof have);
	if (rank == 1)
		return diag_node(d, n, "%s '%s' has shape %s, expected %lld", what, t->name, have,
			(long long)d0);
	if (rank == 2)
		return diag_node(d, n, "%s '%s' has shape %s, expected %lldx%lld", what, t->name, have,
			(long long)d0, (long long)d1);
	return diag_node(d, n, "%s '%s' has shape %s, expected %lldx%lldx%lld", what, t->name, have,
		(long long)d0, (long long)d1, (long long)d2);
}

/* Types of all inputs: float32, sequence_lens int32 (or a constant int64). */
static int
rnn_check_types(Node *n, Diag *d)
{
	static const DType f32[] = {DT_F32};

	for (int i = 0; i < n->nin; i++) {
		const Tensor *t = n->in[i];
		if (!t)
			continue;
		if (i != 4 && check_dtype(n, d, t, f32, 1) < 0)
			return -1;
		if (i == 4 && t->dtype != DT_I32 && !(t->dtype == DT_I64 && t->init))
			return diag_node(d, n, "sequence_lens '%s' has type %s, expected int32 "
				"(int64 only as a constant)", t->name, dtype_name(t->dtype));
	}
	return 0;
}

/* X, W, R: sets the sizes in p. */
static int
rnn_sizes(Node *n, Diag *d, const RnnOp *op, axrt_rnn_params *p)
{
	const Tensor *x = n->in[0], *w = n->in[1], *r = n->in[2];
	int64_t hs, h = attr_i(n, "hidden_size", -1), t, b;

	if (check_rank(n, d, x, 3, 3) < 0 || check_rank(n, d, w, 3, 3) < 0 || check_rank(n, d, r, 3, 3) < 0)
		return -1;
	hs = r->dim[2];
	if (h >= 0 && h != hs)
		return diag_node(d, n, "hidden_size is %lld but recurrence weight '%s' has %lld columns",
			(long long)h, r->name, (long long)hs);
	t = x->dim[p->layout ? 1 : 0];
	b = x->dim[p->layout ? 0 : 1];
	if (t < 1 || b < 1 || x->dim[2] < 1 || hs < 1)
		return diag_node(d, n, "input '%s' or recurrence weight '%s' has an empty dimension",
			x->name, r->name);
	if (rnn_check_shape(n, d, w, "weight", 3, p->ndir, op->ngate * hs, x->dim[2]) < 0
	 || rnn_check_shape(n, d, r, "recurrence weight", 3, p->ndir, op->ngate * hs, hs) < 0)
		return -1;
	if (tensor_numel(x) > INT32_MAX || mul_overflows(t * b, p->ndir * hs, INT32_MAX)
	 || tensor_numel(w) > INT32_MAX || tensor_numel(r) > INT32_MAX)
		return diag_node(d, n, "tensors of more than 2^31-1 elements are not supported");
	p->seq = (int32_t)t;
	p->batch = (int32_t)b;
	p->input = (int32_t)x->dim[2];
	p->hidden = (int32_t)hs;
	return 0;
}

/* The optional inputs B, sequence_lens, initial_h, initial_c, P. */
static int
rnn_optional(Node *n, Diag *d, const RnnOp *op, const axrt_rnn_params *p)
{
	const Tensor *b = n->nin > 3 ? n->in[3] : NULL, *sl = n->nin > 4 ? n->in[4] : NULL;
	int64_t s0 = p->layout ? p->batch : p->ndir, s1 = p->layout ? p->ndir : p->batch;
	int64_t lens[4096];

	if (b && rnn_check_shape(n, d, b, "bias", 2, p->ndir, 2 * op->ngate * p->hidden, 0) < 0)
		return -1;
	if (sl && rnn_check_shape(n, d, sl, "sequence_lens", 1, p->batch, 0, 0) < 0)
		return -1;
	if (sl && sl->init && p->batch <= 4096) {
		const_ints(sl, lens, 4096);
		for (int i = 0; i < p->batch; i++)
			if (lens[i] < 0 || lens[i] > p->seq)
				return diag_node(d, n, "sequence_lens[%d] is %lld, must be in [0, %d]",
					i, (long long)lens[i], (int)p->seq);
	}
	if (sl && sl->init && p->batch > 4096)
		return diag_node(d, n, "a constant sequence_lens of more than 4096 entries is not supported");
	for (int i = 5; i < n->nin && i < 7; i++)
		if (n->in[i] && rnn_check_shape(n, d, n->in[i], i == 5 ? "initial_h" : "initial_c", 3,
				s0, s1, p->hidden) < 0)
			return -1;
	if (n->nin > 7 && n->in[7])
		return rnn_check_shape(n, d, n->in[7], "peephole weight", 2, p->ndir, 3 * (int64_t)p->hidden, 0);
	return 0;
}

/* Reads node n into the kernel parameters p. Returns 0 or -1 after
 * diag_node(). */
static int
rnn_params(Node *n, Diag *d, axrt_rnn_params *p)
{
	const RnnOp *op = rnn_op(n);

	memset(p, 0, sizeof *p);
	if (n->nout > op->maxout)
		return diag_node(d, n, "has %d outputs, expected at most %d", n->nout, op->maxout);
	if (rnn_check_types(n, d) < 0 || rnn_attrs(n, d, p) < 0 || rnn_sizes(n, d, op, p) < 0
	 || rnn_optional(n, d, op, p) < 0)
		return -1;
	return rnn_acts(n, d, op, p);
}

int
rnn_infer(Node *n, Diag *d)
{
	axrt_rnn_params p;
	int64_t y[4], s[3];

	if (rnn_params(n, d, &p) < 0)
		return -1;
	if (p.layout) {
		y[0] = p.batch, y[1] = p.seq, y[2] = p.ndir, y[3] = p.hidden;
		s[0] = p.batch, s[1] = p.ndir, s[2] = p.hidden;
	} else {
		y[0] = p.seq, y[1] = p.ndir, y[2] = p.batch, y[3] = p.hidden;
		s[0] = p.ndir, s[1] = p.batch, s[2] = p.hidden;
	}
	if (n->nout > 0 && n->out[0])
		tensor_set(n->out[0], DT_F32, 4, y);
	for (int i = 1; i < n->nout; i++)
		if (n->out[i])
			tensor_set(n->out[i], DT_F32, 3, s);
	return 0;
}

/* The buffer of sequence_lens: an int64 constant (rnn_check_types allows
 * no other int64) becomes an int32 one. */
static int
rnn_lens_buf(Node *n, Lower *l)
{
	const Tensor *sl = n->nin > 4 ? n->in[4] : NULL;
	int64_t v[4096];
	int32_t *w;
	int cnt;

	if (!sl || sl->dtype == DT_I32)
		return lower_buf(l, sl);
	cnt = const_ints(sl, v, 4096);
	ALWAYS(cnt >= 1);
	w = arena_alloc(l->a, (size_t)cnt * sizeof *w);
	for (int i = 0; i < cnt; i++)
		w[i] = (int32_t)v[i];
	return lower_const(l, arena_printf(l->a, "%s_i32", sl->name), DT_I32, (size_t)cnt * sizeof *w, w);
}

int
rnn_lower(Node *n, Lower *l)
{
	const RnnOp *op = rnn_op(n);
	axrt_rnn_params p;
	int in[8], out[3], nin = op->maxout == 3 ? 8 : 6;

	if (rnn_params(n, l->d, &p) < 0)
		return -1;
	for (int i = 0; i < nin; i++)
		in[i] = i < n->nin ? lower_buf(l, n->in[i]) : -1;
	in[4] = rnn_lens_buf(n, l);
	for (int i = 0; i < op->maxout; i++)
		out[i] = i < n->nout ? lower_buf(l, n->out[i]) : -1;
	lower_step(l, n, op->k, &p, nin, in, op->maxout, out,
		(size_t)op->scratch * (size_t)p.hidden * sizeof(float));
	return 0;
}
