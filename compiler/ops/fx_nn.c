/* fx_nn.c: fixed-point lowering of the compute ops -- Conv, Gemm/MatMul
 * with constant weights (quantized and packed here, biases to int32 at the
 * accumulator scale), pooling, Add/Mul/Sum, and the tables of Sigmoid,
 * Tanh and Softmax. The arithmetic is axrt_fx.h's; fx_lower (fx.c) calls
 * these for nodes with fixed-point inputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fx.h"
#include "window.h"

/* The epilogue's clamp and LeakyRelu slope for activation act (fused, or
 * AXRT_ACT_NONE) with output format fy. */
static int
fx_act(Node *n, Diag *d, int act, float alpha, float beta, const FxFmt *fy, axrt_fxconv_params *p)
{
	p->act = act;
	p->lo = fx_min(fy);
	p->hi = fx_max(fy);
	p->alpha16 = 0;
	switch (act) {
	case AXRT_ACT_NONE:
		return 0;
	case AXRT_ACT_RELU:
		p->lo = 0;
		return 0;
	case AXRT_ACT_CLIP:
		p->lo = fx_code(alpha, fy);
		p->hi = fx_code(beta, fy);
		return 0;
	case AXRT_ACT_LEAKYRELU:
		p->alpha16 = fx_round_i32(alpha, 16);
		return 0;
	default:
		return diag_node(d, n, "fused activation %d has no fixed-point epilogue "
			"(Relu, Clip and LeakyRelu have one)", act);
	}
}

/* ---- weights: rows of codes, packed (axrt_fx.h, ORDER FX_WPACK) ---- */

typedef struct FxW {
	int wbits;         /* storage: 2, 4, 8 or 16 */
	int32_t kp;        /* row stride in elements */
	int *frac;         /* per row */
	int qbits;
	int64_t maxabs;    /* largest |code| */
	uint8_t *buf;      /* the packed rows (fx_pack_w), bytes long */
	size_t bytes;
} FxW;

/* Quantizes the float rows (rows x k, row-major) of constant w with its
 * format (per row when w->qchfrac) and packs them with row stride a
 * multiple of `align` (ORDER FX_WPACK). Returns the buffer, or -1. */
/* Code e of a buffer of wbits-bit codes (ORDER FX_WPACK: int8, or
 * two's complement fields from the low bits of each byte up), and its
 * store into a zeroed buffer. */
static int32_t
fx_wget(const uint8_t *b, int32_t wbits, size_t e)
{
	if (wbits == 8)
		return (int8_t)b[e];
	if (wbits == 4)
		return (((b[e >> 1] >> (e & 1) * 4) & 15) ^ 8) - 8;
	return (((b[e >> 2] >> (e & 3) * 2) & 3) ^ 2) - 2;
}

static void
fx_wput(uint8_t *b, int32_t wbits, size_t e, int32_t q)
{
	if (wbits == 16)
		((int16_t *)b)[e] = (int16_t)q;
	else if (wbits == 8)
		((int8_t *)b)[e] = (int8_t)q;
	else if (wbits == 4)
		b[e >> 1] |= (uint8_t)((q & 15) << ((e & 1) * 4));
	else
		b[e >> 2] |= (uint8_t)((q & 3) << ((e & 3) * 2));
}

/* ORDER FX_WTILE: the weights of fx_conv_wide_i8 (8, 4 or 2 bits)
 * rearranged from rows (stride kp) into its tiles (axrt_fx.h). */
static uint8_t *
fx_wide_tiles(Lower *l, const uint8_t *rowbuf, int32_t kp, int32_t wbits,
	const axrt_fxconv_params *p, size_t *bytes)
{
	int32_t cg = p->c / p->group, mg = p->m / p->group, ntap = p->k[1] * p->k[2];
	int32_t ntile = (mg + AXRT_FX_MR - 1) / AXRT_FX_MR, npair = (cg + 1) / 2;
	uint8_t *t;

	*bytes = (size_t)p->group * ntile * npair * ntap * AXRT_FX_MR * 2 * wbits / 8;
	t = arena_alloc(l->a, *bytes + 1);
	memset(t, 0, *bytes + 1);
	for (int32_t g = 0; g < p->group; g++)
		for (int32_t r = 0; r < mg; r++)
			for (int32_t c = 0; c < cg; c++)
				for (int32_t u = 0; u < ntap; u++) {
					size_t tile = (size_t)(g * ntile + r / AXRT_FX_MR);
					size_t d = (((tile * npair + c / 2) * ntap + u) * AXRT_FX_MR +
						r % AXRT_FX_MR) * 2 + c % 2;
					fx_wput(t, wbits, d, fx_wget(rowbuf, wbits,
						(size_t)(g * mg + r) * kp + (size_t)c * ntap + u));
				}
	return t;
}

/* The buffer of fx_pack_w's weights: its rows, or with `wide` (the
 * weights of fx_conv_wide_i8) its tiles. */
static int
fx_w_const(Lower *l, const Tensor *w, FxW *o, const axrt_fxconv_params *wide)
{
	if (wide)
		o->buf = fx_wide_tiles(l, o->buf, o->kp, o->wbits, wide, &o->bytes);
	return lower_const(l, arena_printf(l->a, "%s_fx%d", w->name, o->wbits),
		o->wbits == 16 ? DT_I16 : o->wbits == 8 ? DT_I8 : DT_U8, o->bytes, o->buf);
}

static int
fx_pack_w(Node *n, Lower *l, const Tensor *w, const float *rv, int64_t rows, int64_t k,
	int32_t align, FxW *o)
{
	int per;
	uint8_t *buf;
	size_t bytes;
	FxFmt f;

	if (w->qbits <= 0)
		return diag_node(l->d, n, "weight '%s' has no fixed-point format (its input is "
			"fixed point)", w->name);
	if (w->qbits < 2 || w->qbits > 16)
		return diag_node(l->d, n, "weight '%s' has %d fixed-point bits, expected 2 to 16",
			w->name, w->qbits);
	if (w->qchfrac && w->qnch != rows)
		return diag_node(l->d, n, "weight '%s' has %d per-channel formats, expected %lld "
			"(one per output channel)", w->name, w->qnch, (long long)rows);
	o->qbits = w->qbits;
	o->wbits = w->qbits <= 2 ? 2 : w->qbits <= 4 ? 4 : w->qbits <= 8 ? 8 : 16;
	per = o->wbits < 8 ? 8 / o->wbits : 1;
	if (align < per)
		align = per;
	o->kp = (int32_t)((k + align - 1) / align * align);
	o->frac = arena_alloc(l->a, (size_t)rows * sizeof *o->frac);
	o->maxabs = 0;
	bytes = (size_t)rows * o->kp * (o->wbits == 16 ? 2 : 1) / per;
	buf = arena_alloc(l->a, bytes + 1);
	f.bits = w->qbits;
	f.round = w->qround;
	for (int64_t r = 0; r < rows; r++) {
		f.frac = o->frac[r] = w->qchfrac ? w->qchfrac[r] : w->qfrac;
		for (int64_t j = 0; j < k; j++) {
			int32_t q = fx_code(rv[r * k + j], &f);
			int64_t e = r * o->kp + j;
			o->maxabs = llabs(q) > o->maxabs ? llabs(q) : o->maxabs;
			fx_wput(buf, o->wbits, (size_t)e, q);
		}
	}
	o->buf = buf;
	o->bytes = bytes;
	return 0;
}

/* Bias (rows floats, scaled by `scale`, or NULL) as int32 at each row's
 * accumulator scale, and the requantization shifts; *bmax: largest |bias|.
 * Sets ib (bias buffer or -1) and is (shift buffer). */
static void
fx_bias_shift(Lower *l, const Node *n, const float *b, float scale, int64_t rows, const FxW *w,
	const FxFmt *fx, const FxFmt *fy, int *ib, int *is, int64_t *bmax)
{
	int32_t *bq = b ? arena_alloc(l->a, (size_t)rows * 4) : NULL;
	int32_t *sh = arena_alloc(l->a, (size_t)rows * 4);

	*bmax = 0;
	for (int64_t r = 0; r < rows; r++) {
		sh[r] = fx_shift_of((int64_t)fx->frac + w->frac[r], fy->frac);
		if (!b)
			continue;
		bq[r] = fx_round_i32((double)b[r] * scale, fx->frac + w->frac[r]);
		*bmax = llabs(bq[r]) > *bmax ? llabs(bq[r]) : *bmax;
	}
	*ib = b ? lower_const(l, arena_printf(l->a, "%s_bias_i32", n->name), DT_I32,
		(size_t)rows * 4, bq) : -1;
	*is = lower_const(l, arena_printf(l->a, "%s_shift", n->name), DT_I32, (size_t)rows * 4, sh);
}

/* Whether every sum of k products of x codes and w codes plus the bias
 * stays inside int32, so the fast paths (int32) equal the reference. */
static int
fx_acc32(const FxFmt *fx, const FxW *w, int64_t k, int64_t bmax)
{
	double bound = (double)k * ldexp(1.0, fx->bits - 1) * (double)w->maxabs + (double)bmax;

	return bound <= 2147483647.0;
}

/* ---- Conv ---- */

#define FX_DIRECT_MAXK 16    /* products per output up to which fx_conv_direct_i8 runs
                              * (not for 1x1: those are dot products over channels) */

static int
fx_conv_geom(Node *n, Diag *d, Window *win, axrt_fxconv_params *p)
{
	const Tensor *x = n->in[0], *w = n->in[1], *y = n->out[0];
	int64_t group = attr_i(n, "group", 1);

	if (window_operands(n, d, x, w) < 0)
		return -1;
	memset(win, 0, sizeof *win);
	win->nsp = x->rank - 2;
	for (int i = 0; i < win->nsp; i++) {
		win->in[i] = x->dim[2 + i];
		win->k[i] = w->dim[2 + i];
	}
	if (window_attrs(n, d, win) < 0 || window_infer(n, d, win, 0) < 0)
		return -1;
	if (group < 1 || x->dim[1] % group || w->dim[0] % group || w->dim[1] * group != x->dim[1])
		return diag_node(d, n, "group %lld does not fit input '%s' (%lld channels) and weight '%s'",
			(long long)group, x->name, (long long)x->dim[1], w->name);
	for (int i = 0; i < win->nsp; i++)
		if (y->rank != x->rank || y->dim[2 + i] != win->out[i])
			return diag_node(d, n, "output '%s' does not have the conv's shape", y->name);
	p->n = (int32_t)x->dim[0];
	p->c = (int32_t)x->dim[1];
	p->m = (int32_t)w->dim[0];
	p->group = (int32_t)group;
	window_fill3(win->in, win->nsp, 1, p->in);
	window_fill3(win->out, win->nsp, 1, p->out);
	window_fill3(win->k, win->nsp, 1, p->k);
	window_fill3(win->stride, win->nsp, 1, p->stride);
	window_fill3(win->dil, win->nsp, 1, p->dil);
	window_fill3(win->pad, win->nsp, 0, p->pad);
	return 0;
}

/* A constant float operand (weight or bias) of a fixed-point node. */
static int
fx_check_const(Node *n, Diag *d, const Tensor *t, const char *what)
{
	if (!t->init || t->dtype != DT_F32)
		return diag_node(d, n, "%s '%s' must be a float constant in fixed point", what, t->name);
	return 0;
}

/* Whether the output of a fast conv may start at its input's address (the
 * planner's overlap, lead 0), so that int8 models keep the arena that float
 * ones get from their overlapping kernels. The kernels below consume an
 * input region before writing the output bytes that land on it:
 * - ORDER FX_DW/FX_DWM (depthwise, one output per channel): channel g's
 *   plane is copied to the scratch before output plane g is written, and
 *   output planes 0..g, no larger in bytes than input planes, end within
 *   input planes 0..g;
 * - ORDER FX_WBAND (1x1, stride 1, no padding, same plane, equal code
 *   widths): a band of rows of every input channel is packed before the
 *   same rows of any output channel are written, and later bands read only
 *   later rows;
 * - ORDER FX_1X1 (fx_conv_i8, same 1x1 convs): a block of positions of
 *   every input channel is moved to the scratch before the same positions
 *   of any output channel are written, later blocks read later positions.
 * One image, one group. */
static int
fx_conv_overlaps(KernelId kid, const axrt_fxconv_params *p)
{
	int64_t ipl = (int64_t)p->in[1] * p->in[2], opl = (int64_t)p->out[1] * p->out[2];

	if (p->n != 1 || p->in[0] != 1 || p->xt != AXRT_DT_INT8)
		return 0;
	if (kid == K_fx_conv_direct_i8)
		return p->group == p->c && p->m == p->c &&
			opl * (p->yt == AXRT_DT_INT16 ? 2 : 1) <= ipl;
	if (kid == K_fx_conv_wide_i8 || kid == K_fx_conv_i8)
		return p->group == 1 && p->yt == AXRT_DT_INT8 && AXRT_FX_CONV_1X1(p) && opl == ipl;
	return 0;
}

int
fx_lower_conv(Node *n, Lower *l)
{
	const Tensor *w = n->in[1], *b = n->nin > 2 ? n->in[2] : NULL;
	axrt_fxconv_params p;
	Window win;
	FxFmt fx, fy;
	FxW fw;
	int64_t k, bmax;
	int in[4], out[1], fast, direct, wide;
	KernelId kid = K_fx_conv;
	size_t scratch = 0;

	memset(&p, 0, sizeof p);
	if (fx_fmt(n, l->d, n->in[0], &fx) < 0 || fx_fmt(n, l->d, n->out[0], &fy) < 0 ||
	    fx_check_const(n, l->d, w, "weight") < 0 || (b && fx_check_const(n, l->d, b, "bias") < 0) ||
	    fx_conv_geom(n, l->d, &win, &p) < 0 ||
	    fx_act(n, l->d, n->act, n->act_alpha, n->act_beta, &fy, &p) < 0)
		return -1;
	if (b && tensor_numel(b) != p.m)
		return diag_node(l->d, n, "bias '%s' has %lld values, expected %d", b->name,
			(long long)tensor_numel(b), p.m);
	k = (int64_t)p.c / p.group * p.k[0] * p.k[1] * p.k[2];
	/* ORDER FX_FAST: int8 codes, byte or sub-byte weights, int32 sums;
	 * depthwise and few-tap convs direct, the others im2col + dot products */
	fast = fx.t == AXRT_DT_INT8 && w->qbits <= 8;
	direct = p.in[0] == 1 && (p.group == p.c || (k <= FX_DIRECT_MAXK && k > p.c / p.group));
	/* unit strides in 1 or 2 dims: over the padded width, no im2col; not
	 * 1x1 convs with sub-byte weights, whose int16 pair planes would take
	 * more room than their time gains (fmnist_mobilenet's 1% plans: arena
	 * 0.33 -> 0.45 of float's) */
	wide = fast && !direct && p.in[0] == 1 && p.stride[1] == 1 && p.stride[2] == 1 &&
		p.k[1] * p.k[2] <= AXRT_FX_WIDE_TAPS && (w->qbits > 4 || p.k[1] * p.k[2] > 1);
	if (fx_pack_w(n, l, w, w->init, p.m, k, fast && !direct && !wide ? AXRT_FX_KB : 1, &fw) < 0)
		return -1;
	fx_bias_shift(l, n, b ? b->init : NULL, 1.0f, p.m, &fw, &fx, &fy, &in[2], &in[3], &bmax);
	fast = fast && fx_acc32(&fx, &fw, k, bmax);
	wide = wide && fast;
	in[1] = fx_w_const(l, w, &fw, wide ? &p : NULL);
	p.kp = fw.kp;
	p.xt = fx.t;
	p.wbits = fw.wbits;
	p.yt = fy.t;
	p.ybits = fy.bits;
	p.round = fy.round;
	if (fast && direct) {
		int64_t hp = (int64_t)(p.out[1] - 1) * p.stride[1] + (int64_t)(p.k[1] - 1) * p.dil[1] + 1;
		int64_t wp = (int64_t)(p.out[2] - 1) * p.stride[2] + (int64_t)(p.k[2] - 1) * p.dil[2] + 1;
		kid = K_fx_conv_direct_i8;
		scratch = AXRT_FX_DIRECT_SCRATCH(p.c / p.group, hp, wp, k, p.out[2]);
		if (p.c == p.group && p.stride[1] == p.stride[2] &&
		    p.k[1] * p.k[2] <= AXRT_FX_WIDE_TAPS) {     /* ORDER FX_DW */
			int64_t s = p.stride[2], hq = (hp + s - 1) / s, wq = (wp + s - 1) / s;
			scratch = AXRT_FX_DW_SCRATCH(s, hq, wq, (p.out[1] - 1) * wq + p.out[2], p.kp,
				(int64_t)p.in[1] * p.in[2]);
			if (AXRT_FX_DWM_FITS(&p))       /* ORDER FX_DWM */
				scratch = AXRT_FX_DWM_SCRATCH(p.k[1], p.k[2], p.in[1], p.in[2],
					(int64_t)(p.out[1] - 1) * s * p.in[2] + (int64_t)(p.out[2] - 1) * s + 1,
					(int64_t)p.out[1] * p.out[2], p.kp);
			if (AXRT_FX_DWP_FITS(&p))       /* ORDER FX_DWP, where the target has AVX2 */
				scratch = AXRT_FX_MAXZ(scratch, axrt_fx_dwp_scratch(&p));
		}
	} else if (fast && wide) {
		int64_t kh = (int64_t)(p.k[1] - 1) * p.dil[1] + 1;
		int64_t wp = (int64_t)(p.out[2] - 1) + (int64_t)(p.k[2] - 1) * p.dil[2] + 1;
		int64_t rows = AXRT_FX_WIDE_ROWS(p.c / p.group, kh, wp, p.k[1] * p.k[2], p.out[1]);
		kid = K_fx_conv_wide_i8;      /* ORDER FX_WBAND */
		scratch = AXRT_FX_WIDE_SCRATCH(p.c / p.group, rows + kh - 1, wp, p.k[1] * p.k[2],
			(rows - 1) * wp + p.out[2]);
	} else if (fast) {
		int64_t hp = (int64_t)(p.out[1] - 1) * p.stride[1] + (int64_t)(p.k[1] - 1) * p.dil[1] + 1;
		int64_t wp = (int64_t)(p.out[2] - 1) * p.stride[2] + (int64_t)(p.k[2] - 1) * p.dil[2] + 1;
		int64_t rows = AXRT_FX_CONV_ROWS(AXRT_FX_CONV_NB(p.kp), p.out[2]);
		if (rows < p.out[1])       /* ORDER FX_BAND: one block's rows */
			hp = (rows - 1) * p.stride[1] + (int64_t)(p.k[1] - 1) * p.dil[1] + 1;
		kid = K_fx_conv_i8;
		scratch = AXRT_FX_CONV_SCRATCH(p.kp, AXRT_FX_CONV_1X1(&p) || p.in[0] != 1 ? 0 :
			(int64_t)p.c / p.group * hp * wp);
	}
	in[0] = lower_buf(l, n->in[0]);
	out[0] = lower_buf(l, n->out[0]);
	Step *st = lower_step(l, n, kid, &p, 4, in, 1, out, scratch);
	if (fx_conv_overlaps(kid, &p)) {
		st->overlap = 0;
		st->lead = 0;
	}
	return 0;
}

/* ---- Gemm, MatMul ---- */

int
fx_lower_gemm(Node *n, Lower *l)
{
	const Tensor *a = n->in[0], *w = n->in[1], *c = n->nin > 2 ? n->in[2] : NULL;
	int ta = n->op == OP_GEMM ? (int)attr_i(n, "transA", 0) : 0;
	int tb = n->op == OP_GEMM ? (int)attr_i(n, "transB", 0) : 0;
	float beta = n->op == OP_GEMM ? attr_f(n, "beta", 1.0f) : 1.0f;
	axrt_fxconv_params ep;
	axrt_fxgemm_params p;
	int64_t m, k, nn, bmax;
	float *rows;
	FxFmt fx, fy;
	FxW fw;
	int in[4], out[1];

	if (fx_fmt(n, l->d, a, &fx) < 0 || fx_fmt(n, l->d, n->out[0], &fy) < 0 ||
	    fx_check_const(n, l->d, w, "weight") < 0 || (c && fx_check_const(n, l->d, c, "bias") < 0))
		return -1;
	if (n->op == OP_GEMM && attr_f(n, "alpha", 1.0f) != 1.0f)
		return diag_node(l->d, n, "alpha is %g; fixed-point Gemm takes alpha 1",
			(double)attr_f(n, "alpha", 1.0f));
	if (w->rank != 2 || a->rank < 1 || (n->op == OP_GEMM && a->rank != 2))
		return diag_node(l->d, n, "fixed-point %s takes a 2-D constant weight '%s'", n->optype,
			w->name);
	k = tb ? w->dim[1] : w->dim[0];
	nn = tb ? w->dim[0] : w->dim[1];
	m = tensor_numel(a) / k;
	if ((ta ? a->dim[0] : a->dim[a->rank - 1]) != k)
		return diag_node(l->d, n, "input '%s' does not have %lld columns", a->name, (long long)k);
	if (c && tensor_numel(c) != nn)
		return diag_node(l->d, n, "bias '%s' has %lld values; fixed point takes one per output "
			"column (%lld)", c->name, (long long)tensor_numel(c), (long long)nn);
	memset(&ep, 0, sizeof ep);
	if (fx_act(n, l->d, n->act, n->act_alpha, n->act_beta, &fy, &ep) < 0)
		return -1;
	rows = arena_alloc(l->a, (size_t)(nn * k) * sizeof *rows);   /* W as n rows of k */
	for (int64_t o = 0; o < nn; o++)
		for (int64_t j = 0; j < k; j++)
			rows[o * k + j] = ((const float *)w->init)[tb ? o * k + j : j * nn + o];
	memset(&p, 0, sizeof p);
	if (fx_pack_w(n, l, w, rows, nn, k, fx.t == AXRT_DT_INT8 && w->qbits <= 8 && !ta ?
	    AXRT_FX_KB : 1, &fw) < 0)
		return -1;
	in[1] = fx_w_const(l, w, &fw, NULL);
	fx_bias_shift(l, n, c ? c->init : NULL, beta, nn, &fw, &fx, &fy, &in[2], &in[3], &bmax);
	p.m = (int32_t)m;
	p.n = (int32_t)nn;
	p.k = (int32_t)k;
	p.kp = fw.kp;
	p.trans_a = ta;
	p.xt = fx.t;
	p.wbits = fw.wbits;
	p.yt = fy.t;
	p.ybits = fy.bits;
	p.round = fy.round;
	p.act = ep.act;
	p.lo = ep.lo;
	p.hi = ep.hi;
	p.alpha16 = ep.alpha16;
	in[0] = lower_buf(l, a);
	out[0] = lower_buf(l, n->out[0]);
	if (fx.t == AXRT_DT_INT8 && w->qbits <= 8 && !ta && fx_acc32(&fx, &fw, k, bmax))
		lower_step(l, n, K_fx_gemm_i8, &p, 4, in, 1, out, AXRT_FX_GEMM_SCRATCH(p.kp, p.wbits));
	else
		lower_step(l, n, K_fx_gemm, &p, 4, in, 1, out, 0);
	return 0;
}

/* ---- pooling ---- */

static int
fx_pool_geom(Node *n, Diag *d, axrt_fxpool_params *p)
{
	const Tensor *x = n->in[0];
	int64_t ceil_mode = attr_i(n, "ceil_mode", 0);
	Window w;

	memset(&w, 0, sizeof w);
	if (x->rank < 3 || x->rank > 2 + WIN_MAXSP)
		return diag_node(d, n, "input '%s' has rank %d, expected 3 to %d", x->name, x->rank,
			2 + WIN_MAXSP);
	w.nsp = x->rank - 2;
	for (int i = 0; i < w.nsp; i++)
		w.in[i] = x->dim[2 + i];
	if (!attr_get(n, "kernel_shape"))
		return diag_node(d, n, "kernel_shape is required");
	if (window_ints(n, d, "kernel_shape", w.nsp, 1, 1, w.k) < 0 || window_attrs(n, d, &w) < 0 ||
	    window_infer(n, d, &w, ceil_mode != 0) < 0)
		return -1;
	p->planes = (int32_t)(x->dim[0] * x->dim[1]);
	window_fill3(w.in, w.nsp, 1, p->in);
	window_fill3(w.out, w.nsp, 1, p->out);
	window_fill3(w.k, w.nsp, 1, p->k);
	window_fill3(w.stride, w.nsp, 1, p->stride);
	window_fill3(w.dil, w.nsp, 1, p->dil);
	window_fill3(w.pad, w.nsp, 0, p->pad);
	window_fill3(w.pad_end, w.nsp, 0, p->pad_end);
	p->count_include_pad = (int32_t)attr_i(n, "count_include_pad", 0);
	return 0;
}

int
fx_lower_pool(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	FxFmt fx, fy;

	if (fx_fmt(n, l->d, x, &fx) < 0 || fx_fmt(n, l->d, n->out[0], &fy) < 0)
		return -1;
	if (n->nout > 1 && n->out[1])
		return diag_node(l->d, n, "the Indices output has no fixed-point kernel");
	if (fx.frac - fy.frac > 30 && n->op != OP_MAXPOOL && n->op != OP_GLOBALMAXPOOL)
		return diag_node(l->d, n, "output format Q%d.%d is too coarse for input Q%d.%d",
			fy.bits, fy.frac, fx.bits, fx.frac);
	if (n->op == OP_GLOBALAVERAGEPOOL || n->op == OP_GLOBALMAXPOOL) {
		axrt_fxgpool_params g;
		memset(&g, 0, sizeof g);
		g.planes = (int32_t)(x->dim[0] * x->dim[1]);
		g.size = (int32_t)(tensor_numel(x) / (x->dim[0] * x->dim[1]));
		g.xt = fx.t;
		g.yt = fy.t;
		g.ybits = fy.bits;
		g.shift = fx_shift_of(fx.frac, fy.frac);
		g.round = fy.round;
		lower_call(l, n, n->op == OP_GLOBALMAXPOOL ? K_fx_globalmaxpool : K_fx_globalavgpool,
			&g, 0);
		return 0;
	}
	axrt_fxpool_params p;
	memset(&p, 0, sizeof p);
	if (fx_pool_geom(n, l->d, &p) < 0)
		return -1;
	p.xt = fx.t;
	p.yt = fy.t;
	p.ybits = fy.bits;
	p.shift = fx_shift_of(fx.frac, fy.frac);
	p.round = fy.round;
	p.lo = fx_min(&fy);
	p.hi = fx_max(&fy);
	lower_call(l, n, n->op == OP_MAXPOOL ? K_fx_maxpool : K_fx_avgpool, &p, 0);
	return 0;
}

/* ---- Add, Mul, Sum ---- */

/* Operand i: its buffer (constants quantized here) and format. */
static int
fx_operand(Node *n, Lower *l, const Tensor *t, FxFmt *f)
{
	if (t->init)
		return fx_const_codes(n, l, t, f);
	if (fx_fmt(n, l->d, t, f) < 0)
		return -1;
	return lower_buf(l, t);
}

/* Element strides of t broadcast to y's dims (0 along broadcast dims). */
static void
fx_bstrides(const Tensor *t, const Tensor *y, int64_t *str)
{
	int64_t s = 1;

	for (int d = y->rank - 1; d >= 0; d--) {
		int td = d - (y->rank - t->rank);
		if (td < 0 || t->dim[td] == 1)
			str[d] = 0;
		else
			str[d] = s;
		if (td >= 0)
			s *= t->dim[td];
	}
}

/* One fx_add or fx_mul of operands a, b (buffers ab, bb) into buffer yb. */
static void
fx_binary_step(Node *n, Lower *l, const Tensor *a, int ab, const FxFmt *fa, const Tensor *b, int bb,
	const FxFmt *fb, int yb, const FxFmt *fy, int mul)
{
	const Tensor *y = n->out[0];
	axrt_fxbin_params p;
	int in[2] = {ab, bb}, f = fa->frac > fb->frac ? fa->frac : fb->frac;
	axrt_fxconv_params ep;

	memset(&p, 0, sizeof p);
	memset(&ep, 0, sizeof ep);
	p.rank = y->rank;
	for (int d = 0; d < y->rank; d++)
		p.dims[d] = (int32_t)y->dim[d];
	fx_bstrides(a, y, p.a_str);
	fx_bstrides(b, y, p.b_str);
	p.at = fa->t;
	p.bt = fb->t;
	p.yt = fy->t;
	p.ybits = fy->bits;
	p.sa = mul ? 0 : fx_shift_of(f, fa->frac);
	p.sb = mul ? 0 : fx_shift_of(f, fb->frac);
	p.shift = fx_shift_of(mul ? (int64_t)fa->frac + fb->frac : f, fy->frac);
	p.round = fy->round;
	fx_act(n, l->d, n->act == AXRT_ACT_RELU || n->act == AXRT_ACT_CLIP ? n->act : AXRT_ACT_NONE,
		n->act_alpha, n->act_beta, fy, &ep);
	p.lo = ep.lo;
	p.hi = ep.hi;
	lower_step(l, n, mul ? K_fx_mul : K_fx_add, &p, 2, in, 1, &yb, 0);
}

int
fx_lower_binary(Node *n, Lower *l)
{
	const Tensor *y = n->out[0], *a = n->in[0];
	FxFmt fa, fb, fy;
	int ab, bb, yb;

	if (fx_fmt(n, l->d, y, &fy) < 0 || (ab = fx_operand(n, l, a, &fa)) < 0)
		return -1;
	if (n->act != AXRT_ACT_NONE && n->act != AXRT_ACT_RELU && n->act != AXRT_ACT_CLIP)
		return diag_node(l->d, n, "fused activation %d has no fixed-point form here", n->act);
	if (n->nin == 1)
		return fx_lower_requant(n, l, a, &fa, ab, y, &fy, -1, fx_min(&fy), fx_max(&fy));
	yb = lower_buf(l, y);
	for (int i = 1; i < n->nin; i++) {
		const Tensor *b = n->in[i];
		if ((bb = fx_operand(n, l, b, &fb)) < 0)
			return -1;
		for (int d = 0; d < y->rank; d++)
			if (i + 1 < n->nin && (y->rank != a->rank || a->dim[d] != y->dim[d]))
				return diag_node(l->d, n, "a fixed-point Sum of more than two inputs needs "
					"inputs of the output's shape");
		fx_binary_step(n, l, a, ab, &fa, b, bb, &fb, yb, &fy, n->op == OP_MUL);
		a = y;            /* Sum: the partial result, in y's format, goes on */
		ab = yb;
		fa = fy;
	}
	return 0;
}

/* ---- Sigmoid, Tanh: tables ---- */

#define FX_LUT_DIRECT 12     /* input bits up to which the table is complete */
#define FX_LUT_SEGBITS 10    /* else 2^10 + 1 samples, interpolated */

int
fx_lower_table(Node *n, Lower *l)
{
	axrt_fxlut_params p;
	FxFmt fx, fy;
	int16_t *t;
	int32_t cnt, xmin;
	int in[2], out[1];

	if (fx_fmt(n, l->d, n->in[0], &fx) < 0 || fx_fmt(n, l->d, n->out[0], &fy) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.n = tensor_numel(n->in[0]);
	p.xt = fx.t;
	p.xbits = fx.bits;
	p.yt = fy.t;
	p.ybits = fy.bits;
	p.step = fx.bits <= FX_LUT_DIRECT ? 0 : fx.bits - FX_LUT_SEGBITS;
	cnt = p.step ? (1 << FX_LUT_SEGBITS) + 1 : 1 << fx.bits;
	xmin = fx_min(&fx);
	t = arena_alloc(l->a, (size_t)cnt * sizeof *t);
	for (int32_t i = 0; i < cnt; i++) {
		double v = ldexp((double)(xmin + ((int64_t)i << p.step)), -fx.frac);
		t[i] = (int16_t)fx_code(n->op == OP_SIGMOID ? 1.0 / (1.0 + exp(-v)) : tanh(v), &fy);
	}
	in[0] = lower_buf(l, n->in[0]);
	in[1] = lower_const(l, arena_printf(l->a, "%s_lut", n->name), DT_I16, (size_t)cnt * 2, t);
	out[0] = lower_buf(l, n->out[0]);
	lower_step(l, n, K_fx_lut, &p, 2, in, 1, out, 0);
	return 0;
}

/* ---- Softmax ---- */

#define FX_EXP_MAX 4096      /* entries of the exp table at most */
#define FX_EXP_ONE 32768.0   /* its scale: exp(0) = 2^15 */

int
fx_lower_softmax(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	axrt_fxlut_params p;
	FxFmt fx, fy;
	int64_t outer = 1, len = 1, inner = 1, range, cut;
	uint16_t *e;
	int ax, in[2], out[1];

	if (fx_fmt(n, l->d, x, &fx) < 0 || fx_fmt(n, l->d, n->out[0], &fy) < 0)
		return -1;
	if (fy.frac < 0 || fy.frac > 40)
		return diag_node(l->d, n, "output format Q%d.%d: Softmax needs 0 to 40 fractional bits",
			fy.bits, fy.frac);
	if (norm_axis(n, l->d, attr_i(n, "axis", n->opset < 13 ? 1 : -1), x->rank, &ax) < 0)
		return -1;
	for (int d = 0; d < x->rank; d++) {
		if (d < ax)
			outer *= x->dim[d];
		else if (d == ax || n->opset < 13)
			len *= x->dim[d];
		else
			inner *= x->dim[d];
	}
	memset(&p, 0, sizeof p);
	p.xt = fx.t;
	p.xbits = fx.bits;
	p.yt = fy.t;
	p.ybits = fy.bits;
	p.outer = (int32_t)outer;
	p.len = (int32_t)len;
	p.inner = (int32_t)inner;
	p.yfrac = fy.frac;
	/* differences d = max - x run over [0, 2^bits); past `cut` the table
	 * is 0 (2^15 exp(-t) < 1/2 for t > 16 ln 2) */
	range = (int64_t)1 << fx.bits;
	cut = (int64_t)ceil(ldexp(16.0 * log(2.0), fx.frac)) + 1;
	if (cut < range)
		range = cut + 1;
	while (((range - 1) >> p.step) + 1 > FX_EXP_MAX)
		p.step++;
	p.nexp = (int32_t)(((range - 1) >> p.step) + 1);
	e = arena_alloc(l->a, (size_t)p.nexp * sizeof *e);
	for (int32_t j = 0; j < p.nexp; j++) {
		/* a bucket of 2^step differences is represented by its centre */
		double d = (double)((int64_t)j << p.step) + (ldexp(1.0, p.step) - 1.0) / 2.0;
		double v = floor(FX_EXP_ONE * exp(-ldexp(d, -fx.frac)) + 0.5);
		e[j] = (uint16_t)(v > 32768.0 ? 32768.0 : v);
	}
	if (p.nexp > 1 && (((int64_t)1 << fx.bits) - 1) >> p.step >= p.nexp)
		e[p.nexp - 1] = 0;    /* differences past the table: exp is 0 */
	in[0] = lower_buf(l, x);
	in[1] = lower_const(l, arena_printf(l->a, "%s_exp", n->name), DT_U16, (size_t)p.nexp * 2, e);
	out[0] = lower_buf(l, n->out[0]);
	lower_step(l, n, K_fx_softmax, &p, 2, in, 1, out, 0);
	return 0;
}
