/* fx.c: the fixed-point lowering (issue 6, APPROX.md §3). The boundary ops
 * FxQuantize, FxDequantize and FxRequant (domain "axcc", inserted by
 * passes/fixed.c), and fx_lower: every ONNX node that computes on codes
 * (fx_node) is lowered here, to the fx runtime family, instead of by its
 * float family. Formats come from Tensor.qbits/qfrac/qround/qchfrac; the
 * compute ops are in fx_nn.c, the data movement here. */
#include <math.h>
#include <string.h>

#include "fx.h"

int
fx_node(const Node *n)
{
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && !n->in[i]->init && n->in[i]->qbits > 0)
			return 1;
	for (int i = 0; i < n->nout; i++)
		if (n->out[i] && n->out[i]->qbits > 0)
			return 1;
	return 0;
}

int
fx_fmt(Node *n, Diag *d, const Tensor *t, FxFmt *f)
{
	DType want = t->qbits <= 8 ? DT_I8 : DT_I16;

	if (t->qbits <= 0)
		return diag_node(d, n, "tensor '%s' has no fixed-point format, but %s computes on "
			"codes here (FxQuantize it, or keep the node in float)", t->name, n->optype);
	if (t->qbits < 2 || t->qbits > 16)
		return diag_node(d, n, "tensor '%s' has %d fixed-point bits, expected 2 to 16",
			t->name, t->qbits);
	if (t->qfrac < -64 || t->qfrac > 64)
		return diag_node(d, n, "tensor '%s' has %d fractional bits, expected -64 to 64",
			t->name, t->qfrac);
	if (t->dtype != want)
		return diag_node(d, n, "tensor '%s' has a %d-bit format but type %s, expected %s",
			t->name, t->qbits, dtype_name(t->dtype), dtype_name(want));
	f->bits = t->qbits;
	f->frac = t->qfrac;
	f->round = t->qround;
	f->t = want == DT_I8 ? AXRT_DT_INT8 : AXRT_DT_INT16;
	return 0;
}

int32_t
fx_shift_of(int64_t a, int64_t b)
{
	int64_t s = a - b;

	return (int32_t)(s > 62 ? 62 : s < -62 ? -62 : s);
}

int32_t fx_min(const FxFmt *f) { return -(1 << (f->bits - 1)); }
int32_t fx_max(const FxFmt *f) { return (1 << (f->bits - 1)) - 1; }

/* r rounded half to even (exact for doubles: r - floor(r) is exact). */
static double
fx_rne(double r)
{
	double fl = floor(r), d = r - fl;

	if (d > 0.5 || (d == 0.5 && fmod(fl, 2.0) != 0.0))
		fl += 1.0;
	return fl;
}

int32_t
fx_code(double v, const FxFmt *f)
{
	double r = ldexp(v, f->frac);

	r = f->round == AXRT_FIXED_TRUNC ? floor(r) : fx_rne(r);
	if (!(r >= fx_min(f)))      /* NaN too */
		return fx_min(f);
	return r > fx_max(f) ? fx_max(f) : (int32_t)r;
}

int32_t
fx_round_i32(double v, int s)
{
	double r = fx_rne(ldexp(v, s));

	return r >= 2147483647.0 ? INT32_MAX : r <= -2147483648.0 ? INT32_MIN : (int32_t)r;
}

int
fx_const_codes(Node *n, Lower *l, const Tensor *t, FxFmt *f)
{
	int64_t cnt = tensor_numel(t);
	const float *v = t->init;
	void *codes;

	if (t->dtype != DT_F32)
		return diag_node(l->d, n, "constant '%s' has type %s; fixed-point constants are float",
			t->name, dtype_name(t->dtype));
	if (t->qbits > 0) {
		f->bits = t->qbits;
		f->frac = t->qfrac;
		f->round = t->qround;
	} else {
		f->bits = 16;
		f->frac = axrt_fixed_fracbits(axrt_fixed_amax(v, cnt), 16);
		f->round = AXRT_FIXED_NEAREST;
	}
	if (f->bits < 2 || f->bits > 16)
		return diag_node(l->d, n, "constant '%s' has %d fixed-point bits, expected 2 to 16",
			t->name, f->bits);
	f->t = f->bits <= 8 ? AXRT_DT_INT8 : AXRT_DT_INT16;
	codes = arena_alloc(l->a, (size_t)cnt * (f->t == AXRT_DT_INT8 ? 1 : 2) + 1);
	for (int64_t i = 0; i < cnt; i++)
		axrt_fx_st(codes, f->t, i, fx_code(v[i], f));
	return lower_const(l, arena_printf(l->a, "%s_q", t->name),
		f->t == AXRT_DT_INT8 ? DT_I8 : DT_I16, (size_t)cnt * (f->t == AXRT_DT_INT8 ? 1 : 2), codes);
}

int
fx_temp(Lower *l, const Node *n, const FxFmt *f, int64_t numel, const char *what)
{
	size_t es = f->t == AXRT_DT_INT8 ? 1 : 2;

	return prog_add_buf(l->p, BUF_ARENA, es == 1 ? DT_I8 : DT_I16, (size_t)numel * es,
		arena_printf(l->a, "%s_%s", n->name, what));
}

int
fx_lower_requant(Node *n, Lower *l, const Tensor *from, const FxFmt *ff, int fromb,
	const Tensor *to, const FxFmt *tf, int tob, int32_t lo, int32_t hi)
{
	axrt_fxcvt_params p;

	memset(&p, 0, sizeof p);
	p.n = tensor_numel(from ? from : to);
	p.xt = ff->t;
	p.yt = tf->t;
	p.bits = tf->bits;
	p.shift = fx_shift_of(ff->frac, tf->frac);
	p.round = tf->round;
	p.lo = lo;
	p.hi = hi;
	if (fromb < 0)
		fromb = lower_buf(l, from);
	if (tob < 0)
		tob = lower_buf(l, to);
	lower_step(l, n, K_fx_requant, &p, 1, &fromb, 1, &tob, 0);
	return 0;
}

/* ---- the boundary ops ---- */

int
fx_infer(Node *n, Diag *d)
{
	Tensor *x = n->in[0], *y = n->out[0];
	FxFmt f;

	if (n->op == OP_FXQUANTIZE) {
		if (x->dtype != DT_F32)
			return diag_node(d, n, "input '%s' has type %s, expected float",
				x->name, dtype_name(x->dtype));
	} else if (x->qbits <= 0)
		return diag_node(d, n, "input '%s' has no fixed-point format", x->name);
	if (n->op == OP_FXDEQUANTIZE) {
		tensor_set(y, DT_F32, x->rank, x->dim);
		return 0;
	}
	if (y->qbits <= 0)
		return diag_node(d, n, "output '%s' has no fixed-point format", y->name);
	tensor_set(y, y->qbits <= 8 ? DT_I8 : DT_I16, x->rank, x->dim);
	return fx_fmt(n, d, y, &f);
}

static int
fx_lower_boundary(Node *n, Lower *l)
{
	Tensor *x = n->in[0], *y = n->out[0];
	axrt_fxcvt_params p;
	FxFmt fx, fy;

	memset(&p, 0, sizeof p);
	p.n = tensor_numel(x);
	if (n->op == OP_FXDEQUANTIZE) {
		if (fx_fmt(n, l->d, x, &fx) < 0)
			return -1;
		p.xt = fx.t;
		p.shift = fx.frac;
		lower_call(l, n, K_fx_dequantize, &p, 0);
		return 0;
	}
	if (fx_fmt(n, l->d, y, &fy) < 0)
		return -1;
	if (n->op == OP_FXREQUANT) {
		if (fx_fmt(n, l->d, x, &fx) < 0)
			return -1;
		return fx_lower_requant(n, l, x, &fx, -1, y, &fy, -1, fx_min(&fy), fx_max(&fy));
	}
	if (x->dtype != DT_F32)
		return diag_node(l->d, n, "input '%s' has type %s, expected float",
			x->name, dtype_name(x->dtype));
	p.yt = fy.t;
	p.bits = fy.bits;
	p.shift = fy.frac;
	p.round = fy.round;
	p.lo = fx_min(&fy);
	p.hi = fx_max(&fy);
	lower_call(l, n, K_fx_quantize, &p, 0);
	return 0;
}

/* ---- data movement and the clamping activations ---- */

static int
fx_same(const FxFmt *a, const FxFmt *b)
{
	return a->bits == b->bits && a->frac == b->frac && a->t == b->t;
}

/* Views (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout): an
 * alias when the formats agree, else a requantization. */
static int
fx_lower_view(Node *n, Lower *l, const FxFmt *fx, const FxFmt *fy)
{
	if (fx_same(fx, fy))
		return lower_view(l, n, n->out[0], n->in[0]);
	return fx_lower_requant(n, l, n->in[0], fx, -1, n->out[0], fy, -1, fx_min(fy), fx_max(fy));
}

/* Transpose, Slice, Split, Pad: the float family's lowering moves
 * elements of the codes' size; formats must agree (passes/fixed.c gives
 * these ops their input's format). Pad fills with code 0 (value 0 only). */
static int
fx_lower_move(Node *n, Lower *l, const FxFmt *fx)
{
	FxFmt fo;
	Node *tmp;

	for (int i = 0; i < n->nout; i++) {
		if (!n->out[i])
			continue;
		if (fx_fmt(n, l->d, n->out[i], &fo) < 0)
			return -1;
		if (!fx_same(fx, &fo))
			return diag_node(l->d, n, "output '%s' has format Q%d.%d, input '%s' has Q%d.%d: "
				"%s moves codes and cannot change formats", n->out[i]->name, fo.bits, fo.frac,
				n->in[0]->name, fx->bits, fx->frac, n->optype);
	}
	if (n->op != OP_PAD)
		return optab[n->op].lower(n, l);
	if (strcmp(attr_s(n, "mode", "constant"), "constant") == 0 &&
	    ((n->nin > 2 && n->in[2] && (!n->in[2]->init || const_scalar(n->in[2]) != 0.0)) ||
	     attr_f(n, "value", 0.0f) != 0.0f))
		return diag_node(l->d, n, "pads with a nonzero constant; fixed point pads with 0 only");
	/* a copy in the program's arena: steps keep pointing at their node */
	tmp = arena_memdup(l->a, n, sizeof *n);
	if (tmp->nin > 2)
		tmp->nin = 2;     /* the kernel's fill bits (0) instead of a float value */
	return optab[n->op].lower(tmp, l);
}

/* Concat: the float lowering (producers write into their slices) when all
 * formats agree; else each input is requantized into its slice, which
 * needs the slices to be contiguous (nothing before the axis varies). */
static int
fx_lower_concat(Node *n, Lower *l, const FxFmt *fy)
{
	const Tensor *y = n->out[0];
	int64_t outer = 1, off = 0;
	int ax, same = 1, yb;
	FxFmt f;

	for (int i = 0; i < n->nin; i++) {
		if (n->in[i]->init || fx_fmt(n, l->d, n->in[i], &f) < 0)
			return n->in[i]->init ? diag_node(l->d, n, "constant input '%s' in a fixed-point "
				"Concat; quantize it first", n->in[i]->name) : -1;
		same &= fx_same(&f, fy);
	}
	if (same)
		return optab[n->op].lower(n, l);
	if (norm_axis(n, l->d, attr_i(n, "axis", 0), y->rank, &ax) < 0)
		return -1;
	for (int k = 0; k < ax; k++)
		outer *= y->dim[k];
	if (outer != 1)
		return diag_node(l->d, n, "inputs of different formats along axis %d (not the outermost); "
			"give them the output's format", ax);
	yb = lower_buf(l, y);
	for (int i = 0; i < n->nin; i++) {
		int64_t cnt = tensor_numel(n->in[i]);
		size_t es = fy->t == AXRT_DT_INT8 ? 1 : 2;
		int sl = prog_add_buf(l->p, BUF_ALIAS, y->dtype, (size_t)cnt * es,
			arena_printf(l->a, "%s_part%d", y->name, i));
		l->p->buf[sl].alias = yb;
		l->p->buf[sl].alias_off = (size_t)off * es;
		fx_fmt(n, l->d, n->in[i], &f);
		fx_lower_requant(n, l, n->in[i], &f, -1, NULL, fy, sl, fx_min(fy), fx_max(fy));
		off += cnt;
	}
	return 0;
}

/* Clip's bounds: inputs 1 and 2 (opset 11+) or attributes min/max. */
static int
fx_clip_bounds(Node *n, Lower *l, double *lo, double *hi)
{
	*lo = -HUGE_VAL;
	*hi = HUGE_VAL;
	if (n->opset < 11 || n->nin < 2) {
		*lo = attr_f(n, "min", -INFINITY);
		*hi = attr_f(n, "max", INFINITY);
		return 0;
	}
	for (int i = 1; i < 3 && i < n->nin; i++) {
		if (!n->in[i])
			continue;
		if (!n->in[i]->init)
			return diag_node(l->d, n, "bound '%s' is not a constant", n->in[i]->name);
		*(i == 1 ? lo : hi) = const_scalar(n->in[i]);
	}
	return 0;
}

/* Relu, Clip, LeakyRelu standalone: a requantization clamped to the
 * activation's range (LeakyRelu scales negatives by round(alpha * 2^16)). */
static int
fx_lower_act(Node *n, Lower *l, const FxFmt *fx, const FxFmt *fy)
{
	axrt_fxcvt_params p;
	double lo = 0, hi = HUGE_VAL;

	if (n->op == OP_CLIP && fx_clip_bounds(n, l, &lo, &hi) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.n = tensor_numel(n->in[0]);
	p.xt = fx->t;
	p.yt = fy->t;
	p.bits = fy->bits;
	p.shift = fx_shift_of(fx->frac, fy->frac);
	p.round = fy->round;
	p.lo = n->op == OP_LEAKYRELU ? fx_min(fy) : fx_code(lo, fy);
	p.hi = fx_code(hi, fy);
	p.alpha16 = fx_round_i32(attr_f(n, "alpha", 0.01f), 16);
	lower_call(l, n, n->op == OP_LEAKYRELU ? K_fx_leakyrelu : K_fx_requant, &p, 0);
	return 0;
}

int
fx_lower(Node *n, Lower *l)
{
	FxFmt fx, fy;

	switch (n->op) {
	case OP_FXQUANTIZE: case OP_FXDEQUANTIZE: case OP_FXREQUANT:
		return fx_lower_boundary(n, l);
	case OP_SHAPE: case OP_SIZE:
		return optab[n->op].lower(n, l);
	case OP_CONV:
		return fx_lower_conv(n, l);
	case OP_GEMM: case OP_MATMUL:
		return fx_lower_gemm(n, l);
	case OP_MAXPOOL: case OP_AVERAGEPOOL: case OP_GLOBALAVERAGEPOOL: case OP_GLOBALMAXPOOL:
		return fx_lower_pool(n, l);
	case OP_ADD: case OP_MUL: case OP_SUM:
		return fx_lower_binary(n, l);
	case OP_SIGMOID: case OP_TANH:
		return fx_lower_table(n, l);
	case OP_SOFTMAX:
		return fx_lower_softmax(n, l);
	default:
		break;
	}
	if (n->in[0]->qbits <= 0 && !n->in[0]->init)
		return diag_node(l->d, n, "input '%s' is float but another input or the output is "
			"fixed point; %s takes one kind (insert FxQuantize or FxDequantize)",
			n->in[0]->name, n->optype);
	if (n->in[0]->init || fx_fmt(n, l->d, n->in[0], &fx) < 0 ||
	    (n->op != OP_SPLIT && n->op != OP_CONCAT && fx_fmt(n, l->d, n->out[0], &fy) < 0))
		return n->in[0]->init ? diag_node(l->d, n, "constant input '%s' with a fixed-point "
			"output: %s has no integer kernel for it", n->in[0]->name, n->optype) : -1;
	switch (n->op) {
	case OP_RESHAPE: case OP_FLATTEN: case OP_SQUEEZE: case OP_UNSQUEEZE:
	case OP_IDENTITY: case OP_DROPOUT:
		return fx_lower_view(n, l, &fx, &fy);
	case OP_TRANSPOSE: case OP_SLICE: case OP_SPLIT: case OP_PAD:
		return fx_lower_move(n, l, &fx);
	case OP_CONCAT:
		return fx_fmt(n, l->d, n->out[0], &fy) < 0 ? -1 : fx_lower_concat(n, l, &fy);
	case OP_RELU: case OP_CLIP: case OP_LEAKYRELU:
		return fx_lower_act(n, l, &fx, &fy);
	default:
		return diag_node(l->d, n, "input '%s' is fixed point (Q%d.%d) but %s has no integer "
			"kernel; keep it in float (FxDequantize before it)", n->in[0]->name, fx.bits,
			fx.frac, n->optype);
	}
}
