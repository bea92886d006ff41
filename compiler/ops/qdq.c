/* qdq.c: the qdq op family -- integer kernels for linear quantization with
 * any scales (docs/QDQ.md). The internal ops of domain "axcc" that
 * passes/qdq.c makes from DequantizeLinear -> op -> QuantizeLinear
 * patterns (QdqGemm, QdqAdd, QdqAvgPool, QdqRequant), and the fast
 * lowering of QLinearConv / QLinearMatMul with constant weights, scales
 * and zero points (called by compiler/ops/quant.c). Every scale, zero
 * point and weight these read is a constant: passes/qdq.c checks. */
#include <math.h>
#include <string.h>

#include "axrt.h"
#include "qdq.h"
#include "window.h"

/* ---- constants ---- */

/* Value i of the constant scale s (one value: i ignored). */
static float
qdq_scale(const Tensor *s, int64_t i)
{
	return ((const float *)s->init)[tensor_numel(s) == 1 ? 0 : i];
}

/* Value i of the constant zero point z (uint8/int8; NULL: 0). */
static int32_t
qdq_zero(const Tensor *z, int64_t i)
{
	if (!z)
		return 0;
	i = tensor_numel(z) == 1 ? 0 : i;
	return z->dtype == DT_U8 ? ((const uint8_t *)z->init)[i] : ((const int8_t *)z->init)[i];
}

int
qdq_mult(double m, int32_t *m0, int32_t *shift)
{
	int e;
	double f = frexp((float)m, &e);   /* (float)m = f * 2^e, 0.5 <= f < 1 */

	if (!(m > 0) || e > 31)
		return -1;
	*m0 = (int32_t)ldexp(f, 31);      /* exact: f has 24 significant bits */
	*shift = 31 - e;
	while (*shift > 62) {             /* M < 2^-31: keep the rounding exact in 62 bits */
		*m0 = (int32_t)((*m0 + 1) >> 1);
		(*shift)--;
	}
	return 0;
}

void
qdq_range(DType t, int act, float amin, float amax, float ys, int32_t yz, int32_t *lo, int32_t *hi)
{
	*lo = t == DT_U8 ? 0 : -128;
	*hi = t == DT_U8 ? 255 : 127;
	if (act == AXRT_ACT_RELU && yz > *lo)
		*lo = yz;
	if (act == AXRT_ACT_CLIP) {
		/* quantizing is monotonic: clamp(q(x), q(min), q(max)) = q(clip(x)) */
		double a = yz + nearbyint((double)amin / ys), b = yz + nearbyint((double)amax / ys);
		if (a > *lo)
			*lo = a > *hi ? *hi : (int32_t)a;
		if (b < *hi)
			*hi = b < *lo ? *lo : (int32_t)b;
	}
}

/* ---- weights: rows of w - z_w, multipliers, bias ---- */

typedef struct QdqRows {
	int64_t rows, k;       /* output channels x sums of k products */
	int wbuf, bbuf, mbuf, sbuf;
	int32_t wt;            /* AXRT_DT_INT8 or INT16 */
} QdqRows;

/* Largest |w - z_w| of the constant weight (rows x k, or k x rows). */
static int64_t
qdq_wmax(const Tensor *w, const Tensor *wz, int64_t rows, int64_t k, int kmaj)
{
	int64_t wmax = 0;

	for (int64_t o = 0; o < rows; o++)
		for (int64_t i = 0; i < k; i++) {
			int64_t e = kmaj ? i * rows + o : o * k + i;
			int32_t q = w->dtype == DT_U8 ? ((const uint8_t *)w->init)[e] : ((const int8_t *)w->init)[e];
			int64_t v = q - qdq_zero(wz, o);
			wmax = v > wmax ? v : -v > wmax ? -v : wmax;
		}
	return wmax;
}

int
qdq_fits(const Tensor *w, const Tensor *wz, int64_t rows, int64_t k, int kmaj, const Tensor *b)
{
	int64_t bmax = 0;

	for (int64_t o = 0; b && o < rows; o++) {
		int64_t v = ((const int32_t *)b->init)[o];
		bmax = v > bmax ? v : -v > bmax ? -v : bmax;
	}
	return 255 * qdq_wmax(w, wz, rows, k, kmaj) * k + bmax <= INT32_MAX;
}

/* Packs weight w (rows x k; or k x rows when kmaj, MatMul's B) with scale
 * ws and zero point wz per row or per tensor, the multipliers
 * s_x * s_w[o] / s_y, and the int32 bias b (NULL: none). Returns 1 when
 * every sum fits int32 and every multiplier is below 2^31 (then the
 * buffers are made), 0 otherwise (the caller keeps the reference
 * kernels). */
static int
qdq_rows(Node *n, Lower *l, const Tensor *w, const Tensor *ws, const Tensor *wz, int kmaj,
	float xs, float ys, const Tensor *b, QdqRows *r)
{
	int64_t nw = r->rows * r->k, wmax;
	int16_t *v;
	int32_t *m0, *sh;

	if (!qdq_fits(w, wz, r->rows, r->k, kmaj, b))
		return 0;
	wmax = qdq_wmax(w, wz, r->rows, r->k, kmaj);
	v = arena_alloc(l->a, (size_t)nw * 2);
	m0 = arena_alloc(l->a, (size_t)r->rows * 4);
	sh = arena_alloc(l->a, (size_t)r->rows * 4);
	for (int64_t o = 0; o < r->rows; o++) {
		int32_t z = qdq_zero(wz, o);
		for (int64_t k = 0; k < r->k; k++) {
			int64_t e = kmaj ? k * r->rows + o : o * r->k + k;
			int32_t q = w->dtype == DT_U8 ? ((const uint8_t *)w->init)[e] : ((const int8_t *)w->init)[e];
			v[o * r->k + k] = (int16_t)(q - z);
		}
		/* float products, as ONNX Runtime forms them */
		if (qdq_mult((float)((float)(xs * qdq_scale(ws, o)) / ys), &m0[o], &sh[o]) < 0)
			return 0;   /* M >= 2^31: the reference kernel's float product */
	}
	r->wt = wmax <= 127 ? AXRT_DT_INT8 : AXRT_DT_INT16;
	if (r->wt == AXRT_DT_INT8) {
		int8_t *v8 = arena_alloc(l->a, (size_t)nw);
		for (int64_t i = 0; i < nw; i++)
			v8[i] = (int8_t)v[i];
		r->wbuf = lower_const(l, arena_printf(l->a, "%s_qw", n->name), DT_I8, (size_t)nw, v8);
	} else
		r->wbuf = lower_const(l, arena_printf(l->a, "%s_qw", n->name), DT_I16, (size_t)nw * 2, v);
	r->bbuf = b ? lower_buf(l, b) : -1;
	r->mbuf = lower_const(l, arena_printf(l->a, "%s_qmul", n->name), DT_I32, (size_t)r->rows * 4, m0);
	r->sbuf = lower_const(l, arena_printf(l->a, "%s_qshift", n->name), DT_I32, (size_t)r->rows * 4, sh);
	return 1;
}

/* ---- conv (QLinearConv) ---- */

int
qdq_conv_ok(const Node *n)
{
	for (int i = 1; i < 9; i++)
		if (i < n->nin && n->in[i] && !n->in[i]->init)
			return 0;
	return 1;
}

int
qdq_lower_conv(Node *n, Lower *l, const axrt_qconv_params *g)
{
	axrt_qdqconv_params p;
	QdqRows r = {g->m, (int64_t)g->c / g->group * g->k[0] * g->k[1] * g->k[2], 0, 0, 0, 0, 0};
	float xs = qdq_scale(n->in[1], 0), ys = qdq_scale(n->in[6], 0);
	int in[5], out[1], rc;
	int32_t hp, wp;

	rc = qdq_rows(n, l, n->in[3], n->in[4], n->in[5], 0, xs, ys, n->nin > 8 ? n->in[8] : NULL, &r);
	if (rc <= 0)
		return rc;
	memset(&p, 0, sizeof p);
	WINDOW_COPY_CONV(&p, g);
	p.xt = n->in[0]->dtype;
	p.xz = qdq_zero(n->in[2], 0);
	p.wt = r.wt;
	p.yt = n->out[0]->dtype;
	p.yz = qdq_zero(n->in[7], 0);
	qdq_range(n->out[0]->dtype, n->act, n->act_alpha, n->act_beta, ys, p.yz, &p.lo, &p.hi);
	in[0] = lower_buf(l, n->in[0]);
	in[1] = r.wbuf;
	in[2] = r.bbuf;
	in[3] = r.mbuf;
	in[4] = r.sbuf;
	out[0] = lower_buf(l, n->out[0]);
	hp = (p.out[1] - 1) * p.stride[1] + (p.k[1] - 1) * p.dil[1] + 1;
	wp = (p.out[2] - 1) * p.stride[2] + (p.k[2] - 1) * p.dil[2] + 1;
	if (p.in[0] == 1 && p.k[0] == 1)   /* ORDER QDQ_FAST: axrt_qdq_conv_fast's condition */
		lower_step(l, n, K_qdq_conv_fast, &p, 5, in, 1, out,
			AXRT_QDQ_CONV_SCRATCH(p.c / p.group, hp, wp, (size_t)p.out[1] * p.out[2]));
	else
		lower_step(l, n, K_qdq_conv, &p, 5, in, 1, out, 0);
	return 1;
}

/* ---- gemm (QdqGemm, QLinearMatMul) ---- */

/* A (m x k codes, scale/zero point in[as], in[az]) times the constant w
 * (rows x k, or k x rows when kmaj) into y. Returns 1 when lowered, 0 when
 * the sums may leave int32, -1 after a diagnostic. */
static int
qdq_lower_mm(Node *n, Lower *l, int ia, int iw, int ib, int iy, int64_t m, int64_t k,
	int64_t rows, int kmaj, int trans_a)
{
	axrt_qdqgemm_params p;
	QdqRows r = {rows, k, 0, 0, 0, 0, 0};
	float xs = qdq_scale(n->in[ia + 1], 0), ys = qdq_scale(n->in[iy], 0);
	int in[5], out[1], rc;

	rc = qdq_rows(n, l, n->in[iw], n->in[iw + 1], n->in[iw + 2], kmaj, xs, ys,
		ib >= 0 ? n->in[ib] : NULL, &r);
	if (rc <= 0)
		return rc;
	memset(&p, 0, sizeof p);
	p.m = (int32_t)m;
	p.n = (int32_t)rows;
	p.k = (int32_t)k;
	p.trans_a = trans_a;
	p.xt = n->in[ia]->dtype;
	p.xz = qdq_zero(n->in[ia + 2], 0);
	p.wt = r.wt;
	p.yt = n->out[0]->dtype;
	p.yz = qdq_zero(n->in[iy + 1], 0);
	qdq_range(n->out[0]->dtype, n->act, n->act_alpha, n->act_beta, ys, p.yz, &p.lo, &p.hi);
	in[0] = lower_buf(l, n->in[ia]);
	in[1] = r.wbuf;
	in[2] = r.bbuf;
	in[3] = r.mbuf;
	in[4] = r.sbuf;
	out[0] = lower_buf(l, n->out[0]);
	if (!trans_a)
		lower_step(l, n, K_qdq_gemm_fast, &p, 5, in, 1, out, AXRT_QDQ_GEMM_SCRATCH(k));
	else
		lower_step(l, n, K_qdq_gemm, &p, 5, in, 1, out, 0);
	return 1;
}

int
qdq_matmul_ok(const Node *n)
{
	const Tensor *a = n->in[0], *b = n->in[3];

	for (int i = 1; i < 8; i++)
		if (i != 3 && !n->in[i]->init)
			return 0;
	return b->init && b->rank == 2 && a->rank >= 2 && tensor_numel(n->in[1]) == 1 &&
		tensor_numel(n->in[2]) == 1;
}

int
qdq_lower_matmul(Node *n, Lower *l)
{
	const Tensor *a = n->in[0], *b = n->in[3];
	int64_t k = a->dim[a->rank - 1];

	return qdq_lower_mm(n, l, 0, 3, -1, 6, tensor_numel(a) / k, k, b->dim[1], 1, 0);
}

/* ---- the internal ops ---- */

static int
qdq_gemm_infer(Node *n, Diag *d)
{
	Tensor *a = n->in[0], *b = n->in[3];
	int ta = (int)attr_i(n, "transA", 0), tb = (int)attr_i(n, "transB", 0);
	int64_t dim[IR_MAXRANK];

	if (a->rank < 2 || b->rank != 2 || (ta && a->rank != 2))
		return diag_node(d, n, "expected A of rank 2 or more and a 2-D B");
	memcpy(dim, a->dim, sizeof dim);
	if (ta)
		dim[0] = a->dim[1];
	dim[a->rank - 1] = b->dim[tb ? 0 : 1];
	tensor_set(n->out[0], n->in[8]->dtype, a->rank, dim);
	return 0;
}

static int
qdq_gemm_lower(Node *n, Lower *l)
{
	const Tensor *a = n->in[0], *b = n->in[3];
	int ta = (int)attr_i(n, "transA", 0), tb = (int)attr_i(n, "transB", 0);
	int64_t k = ta ? a->dim[0] : a->dim[a->rank - 1], rows = b->dim[tb ? 0 : 1];
	int rc = qdq_lower_mm(n, l, 0, 3, n->in[6] ? 6 : -1, 7, tensor_numel(a) / k, k, rows, !tb, ta);

	if (rc == 0)   /* passes/qdq.c checked the bound: cannot happen */
		return diag_node(l->d, n, "integer sums may overflow int32");
	return rc < 0 ? -1 : 0;
}

/* Element strides of t over the rank-r output dims (0: broadcast). */
static void
qdq_strides(const Tensor *t, const Tensor *y, int64_t *st)
{
	int64_t s = 1;

	for (int i = y->rank - 1; i >= 0; i--) {
		int it = i - (y->rank - t->rank);
		int64_t dt = it >= 0 ? t->dim[it] : 1;
		st[i] = dt == 1 ? 0 : s;
		s *= dt;
	}
}

static int
qdq_add_lower(Node *n, Lower *l)
{
	axrt_qdqbin_params p;
	Tensor *y = n->out[0];
	float ys = qdq_scale(n->in[6], 0);
	int32_t ma, mb, na, nb;

	memset(&p, 0, sizeof p);
	if (y->rank > AXRT_MAXRANK || qdq_mult(qdq_scale(n->in[1], 0) / ys, &ma, &na) < 0
	 || qdq_mult(qdq_scale(n->in[4], 0) / ys, &mb, &nb) < 0 || na - nb > 22 || nb - na > 22)
		return diag_node(l->d, n, "scales out of the range of the integer Add");
	p.rank = y->rank > 0 ? y->rank : 1;
	p.dims[0] = 1;
	for (int i = 0; i < y->rank; i++)
		p.dims[i] = (int32_t)y->dim[i];
	qdq_strides(n->in[0], y, p.a_str);
	qdq_strides(n->in[3], y, p.b_str);
	p.shift = na > nb ? na : nb;
	p.ma = (int64_t)ma << (p.shift - na);   /* < 2^53: (a - az) * ma fits int64 */
	p.mb = (int64_t)mb << (p.shift - nb);
	p.at = n->in[0]->dtype;
	p.az = qdq_zero(n->in[2], 0);
	p.bt = n->in[3]->dtype;
	p.bz = qdq_zero(n->in[5], 0);
	p.yt = y->dtype;
	p.yz = qdq_zero(n->in[7], 0);
	qdq_range(y->dtype, n->act, n->act_alpha, n->act_beta, ys, p.yz, &p.lo, &p.hi);
	int in[2] = {lower_buf(l, n->in[0]), lower_buf(l, n->in[3])}, out[1] = {lower_buf(l, y)};
	lower_step(l, n, K_qdq_add, &p, 2, in, 1, out, 0);
	return 0;
}

static int
qdq_requant_lower(Node *n, Lower *l)
{
	axrt_qdqcvt_params p;
	float ys = qdq_scale(n->in[3], 0);

	memset(&p, 0, sizeof p);
	p.n = tensor_numel(n->in[0]);
	p.xt = n->in[0]->dtype;
	p.xz = qdq_zero(n->in[2], 0);
	p.yt = n->out[0]->dtype;
	p.yz = qdq_zero(n->in[4], 0);
	if (qdq_mult(qdq_scale(n->in[1], 0) / ys, &p.m0, &p.shift) < 0)
		return diag_node(l->d, n, "scale ratio out of range");
	qdq_range(n->out[0]->dtype, n->act, n->act_alpha, n->act_beta, ys, p.yz, &p.lo, &p.hi);
	int in[1] = {lower_buf(l, n->in[0])}, out[1] = {lower_buf(l, n->out[0])};
	Step *s = lower_step(l, n, K_qdq_requant, &p, 1, in, 1, out, 0);
	s->inplace = 0;
	return 0;
}

/* AveragePool (attrs as ONNX's; passes/qdq.c admits only windows of
 * constant size) or, with attribute global = 1, GlobalAveragePool. */
static int
qdq_pool_geom(Node *n, Diag *d, Window *w)
{
	Tensor *x = n->in[0];

	memset(w, 0, sizeof *w);
	w->nsp = x->rank - 2;
	if (w->nsp < 1 || w->nsp > WIN_MAXSP)
		return diag_node(d, n, "expected 1 to 3 spatial dims");
	for (int i = 0; i < w->nsp; i++)
		w->in[i] = x->dim[2 + i];
	if (attr_i(n, "global", 0)) {
		for (int i = 0; i < w->nsp; i++) {
			w->k[i] = w->in[i];
			w->stride[i] = w->dil[i] = w->out[i] = 1;
		}
		return 0;
	}
	if (window_ints(n, d, "kernel_shape", w->nsp, 1, 1, w->k) < 0 || window_attrs(n, d, w) < 0)
		return -1;
	return window_infer(n, d, w, 0);
}

static int
qdq_pool_infer(Node *n, Diag *d)
{
	Window w;
	int64_t dim[IR_MAXRANK];

	if (qdq_pool_geom(n, d, &w) < 0)
		return -1;
	dim[0] = n->in[0]->dim[0];
	dim[1] = n->in[0]->dim[1];
	for (int i = 0; i < w.nsp; i++)
		dim[2 + i] = w.out[i];
	tensor_set(n->out[0], n->in[4]->dtype, n->in[0]->rank, dim);
	return 0;
}

static int
qdq_pool_lower(Node *n, Lower *l)
{
	axrt_qdqpool_params p;
	Window w;
	int64_t cnt = 1;
	float ys = qdq_scale(n->in[3], 0);

	if (qdq_pool_geom(n, l->d, &w) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.planes = (int32_t)(n->in[0]->dim[0] * n->in[0]->dim[1]);
	window_fill3(w.in, w.nsp, 1, p.in);
	window_fill3(w.out, w.nsp, 1, p.out);
	window_fill3(w.k, w.nsp, 1, p.k);
	window_fill3(w.stride, w.nsp, 1, p.stride);
	window_fill3(w.pad, w.nsp, 0, p.pad);
	for (int i = 0; i < w.nsp; i++)
		cnt *= w.k[i];
	p.xt = n->in[0]->dtype;
	p.xz = qdq_zero(n->in[2], 0);
	p.yt = n->out[0]->dtype;
	p.yz = qdq_zero(n->in[4], 0);
	if (cnt * 255 > INT32_MAX || qdq_mult(qdq_scale(n->in[1], 0) / ((double)ys * cnt), &p.m0, &p.shift) < 0)
		return diag_node(l->d, n, "window or scales out of range");
	qdq_range(n->out[0]->dtype, AXRT_ACT_NONE, 0, 0, ys, p.yz, &p.lo, &p.hi);
	int in[1] = {lower_buf(l, n->in[0])}, out[1] = {lower_buf(l, n->out[0])};
	lower_step(l, n, K_qdq_avgpool, &p, 1, in, 1, out, 0);
	return 0;
}

int
qdq_infer(Node *n, Diag *d)
{
	int64_t dim[IR_MAXRANK];
	int r;

	switch (n->op) {
	case OP_QDQGEMM:
		return qdq_gemm_infer(n, d);
	case OP_QDQADD:
		if (infer_broadcast(n, d, 2, (Tensor *[]){n->in[0], n->in[3]}, dim, &r) < 0)
			return -1;
		tensor_set(n->out[0], n->in[7]->dtype, r, dim);
		return 0;
	case OP_QDQAVGPOOL:
		return qdq_pool_infer(n, d);
	case OP_QDQREQUANT:
		tensor_set(n->out[0], n->in[4]->dtype, n->in[0]->rank, n->in[0]->dim);
		return 0;
	default:
		return diag_node(d, n, "not an op of the qdq family");
	}
}

int
qdq_lower(Node *n, Lower *l)
{
	switch (n->op) {
	case OP_QDQGEMM:
		return qdq_gemm_lower(n, l);
	case OP_QDQADD:
		return qdq_add_lower(n, l);
	case OP_QDQAVGPOOL:
		return qdq_pool_lower(n, l);
	case OP_QDQREQUANT:
		return qdq_requant_lower(n, l);
	default:
		return diag_node(l->d, n, "not an op of the qdq family");
	}
}
