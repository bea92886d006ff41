/* quant.c: the quant op family -- QuantizeLinear, DequantizeLinear,
 * DynamicQuantizeLinear, MatMulInteger, QLinearMatMul, ConvInteger and
 * QLinearConv: type and shape checks, and lowering to the kernels of
 * runtime/kernels/quant.c. Scales and zero points may be graph inputs as
 * well as constants: the kernels read them when they run. */
#include <string.h>

#include "axrt.h"
#include "qdq.h"
#include "window.h"

static const DType q8[] = {DT_U8, DT_I8};

/* ---- shared checks ---- */

static int
quant_nout(Node *n, Diag *d, int lo, int hi)
{
	if (n->nout < lo || n->nout > hi) {
		if (lo == hi)
			return diag_node(d, n, "has %d outputs, expected %d", n->nout, lo);
		return diag_node(d, n, "has %d outputs, expected %d to %d", n->nout, lo, hi);
	}
	return 0;
}

/* The inputs of a QLinear op are all required except QLinearConv's bias. */
static int
quant_required(Node *n, Diag *d, int nreq)
{
	static const char *const mm[] = {"a", "a_scale", "a_zero_point", "b", "b_scale",
		"b_zero_point", "y_scale", "y_zero_point"};
	static const char *const cv[] = {"x", "x_scale", "x_zero_point", "w", "w_scale",
		"w_zero_point", "y_scale", "y_zero_point"};

	for (int i = 0; i < nreq; i++)
		if (!n->in[i])
			return diag_node(d, n, "input %d (%s) is missing", i,
				n->op == OP_QLINEARMATMUL ? mm[i] : cv[i]);
	return 0;
}

static int
quant_float(Node *n, Diag *d, const Tensor *s)
{
	if (s->dtype != DT_F32)
		return diag_node(d, n, "scale '%s' has type %s, expected float", s->name, dtype_name(s->dtype));
	return 0;
}

/* A zero point has the element type of the tensor it belongs to. */
static int
quant_same_type(Node *n, Diag *d, const Tensor *zp, const Tensor *x)
{
	if (zp && zp->dtype != x->dtype)
		return diag_node(d, n, "zero point '%s' has type %s but '%s' has type %s",
			zp->name, dtype_name(zp->dtype), x->name, dtype_name(x->dtype));
	return 0;
}

static int
quant_scalar(Node *n, Diag *d, const Tensor *t)
{
	char s[64];

	if (tensor_numel(t) != 1)
		return diag_node(d, n, "'%s' has shape %s, expected one value (per tensor)",
			t->name, tensor_shape_str(t, s, sizeof s));
	return 0;
}

/* 0 when t holds one value, 1 when it holds one per output channel
 * (a 1-D tensor of m values); -1 after a diagnostic otherwise. */
static int
quant_per_chan(Node *n, Diag *d, const Tensor *t, int64_t m)
{
	char s[64];

	if (tensor_numel(t) == 1)
		return 0;
	if (t->rank == 1 && t->dim[0] == m)
		return 1;
	return diag_node(d, n, "'%s' has shape %s, expected one value or one per output channel (%lld)",
		t->name, tensor_shape_str(t, s, sizeof s), (long long)m);
}

/* ---- QuantizeLinear, DequantizeLinear ---- */

typedef struct QAxis {
	int64_t outer, chan, inner;   /* x as outer x chan x inner */
	int per;                      /* one scale per chan (else one) */
} QAxis;

/* The layout of a per-tensor or per-axis scale (and zero point) over x. */
static int
qlin_layout(Node *n, Diag *d, QAxis *q)
{
	Tensor *x = n->in[0], *s = n->in[1], *z = n->nin > 2 ? n->in[2] : NULL;
	char b1[64], b2[64];
	int ax;

	if (quant_float(n, d, s) < 0)
		return -1;
	if (z && !tensor_same_shape(z, s))
		return diag_node(d, n, "zero point '%s' has shape %s but scale '%s' has shape %s",
			z->name, tensor_shape_str(z, b1, sizeof b1), s->name, tensor_shape_str(s, b2, sizeof b2));
	if (attr_i(n, "block_size", 0) != 0)
		return diag_node(d, n, "blocked quantization (block_size %lld) is not supported",
			(long long)attr_i(n, "block_size", 0));
	memset(q, 0, sizeof *q);
	q->outer = q->chan = 1;
	q->inner = tensor_numel(x);
	if (tensor_numel(s) == 1)   /* a scalar or a 1-element tensor: per tensor */
		return 0;
	if (s->rank != 1 || s->dim[0] == 0)
		return diag_node(d, n, "scale '%s' has shape %s, expected one value or a 1-D tensor",
			s->name, tensor_shape_str(s, b1, sizeof b1));
	if (n->opset < 13)
		return diag_node(d, n, "scale '%s' has %lld values: per-axis quantization needs opset 13, "
			"the model has opset %d", s->name, (long long)s->dim[0], n->opset);
	if (norm_axis(n, d, attr_i(n, "axis", 1), x->rank, &ax) < 0)
		return -1;
	if (s->dim[0] != x->dim[ax])
		return diag_node(d, n, "scale '%s' has %lld values but axis %d of '%s' has %lld",
			s->name, (long long)s->dim[0], ax, x->name, (long long)x->dim[ax]);
	q->chan = x->dim[ax];
	q->inner = 1;
	for (int i = 0; i < ax; i++)
		q->outer *= x->dim[i];
	for (int i = ax + 1; i < x->rank; i++)
		q->inner *= x->dim[i];
	q->per = 1;
	return 0;
}

/* QuantizeLinear's output type: the zero point's, output_dtype (opset
 * 21) or uint8. */
static int
qlin_out_type(Node *n, Diag *d, DType *dt)
{
	static const DType ok[] = {DT_U8, DT_I8, DT_U16, DT_I16};
	Tensor *z = n->nin > 2 ? n->in[2] : NULL;
	int64_t od = attr_i(n, "output_dtype", 0);

	if (z) {
		if (check_dtype(n, d, z, ok, 4) < 0)
			return -1;
		if (od && od != z->dtype)
			return diag_node(d, n, "output_dtype %lld does not match zero point '%s' of type %s",
				(long long)od, z->name, dtype_name(z->dtype));
		*dt = z->dtype;
		return 0;
	}
	*dt = od ? (DType)od : DT_U8;
	for (int i = 0; i < 4; i++)
		if (*dt == ok[i])
			return 0;
	return diag_node(d, n, "output_dtype %lld is not uint8, int8, uint16 or int16", (long long)od);
}

static int
qlin_infer(Node *n, Diag *d)
{
	static const DType qt[] = {DT_F32, DT_I32}, dqt[] = {DT_U8, DT_I8, DT_U16, DT_I16, DT_I32};
	Tensor *x = n->in[0], *z = n->nin > 2 ? n->in[2] : NULL;
	QAxis q;
	DType dt = DT_F32;

	if (quant_nout(n, d, 1, 1) < 0)
		return -1;
	if (n->op == OP_QUANTIZELINEAR) {
		if (check_dtype(n, d, x, qt, 2) < 0 || qlin_out_type(n, d, &dt) < 0)
			return -1;
	} else if (check_dtype(n, d, x, dqt, 5) < 0 || quant_same_type(n, d, z, x) < 0)
		return -1;
	if (qlin_layout(n, d, &q) < 0 || window_check_size(n, d, x) < 0)
		return -1;
	tensor_set(n->out[0], dt, x->rank, x->dim);
	return 0;
}

static int
qlin_lower(Node *n, Lower *l)
{
	axrt_qlinear_params p;
	QAxis q;
	KernelId k = n->op == OP_DEQUANTIZELINEAR ? K_dequantize_f32
		: n->in[0]->dtype == DT_I32 ? K_quantize_i32 : K_quantize_f32;

	if (qlin_layout(n, l->d, &q) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.outer = (int32_t)q.outer;
	p.chan = (int32_t)q.chan;
	p.inner = (int32_t)q.inner;
	p.per_axis = q.per;
	p.qtype = n->op == OP_DEQUANTIZELINEAR ? n->in[0]->dtype : n->out[0]->dtype;
	lower_call(l, n, k, &p, 0);
	return 0;
}

/* ---- DynamicQuantizeLinear ---- */

static int
qdyn_infer(Node *n, Diag *d)
{
	static const DType f32[] = {DT_F32};
	Tensor *x = n->in[0];

	if (quant_nout(n, d, 1, 3) < 0 || check_dtype(n, d, x, f32, 1) < 0
	 || window_check_size(n, d, x) < 0)
		return -1;
	if (n->out[0])
		tensor_set(n->out[0], DT_U8, x->rank, x->dim);
	if (n->nout > 1 && n->out[1])
		tensor_set(n->out[1], DT_F32, 0, NULL);
	if (n->nout > 2 && n->out[2])
		tensor_set(n->out[2], DT_U8, 0, NULL);
	return 0;
}

static int
qdyn_lower(Node *n, Lower *l)
{
	axrt_dynquant_params p = {(int32_t)tensor_numel(n->in[0])};
	int in[1] = {lower_buf(l, n->in[0])}, out[3];

	for (int i = 0; i < 3; i++)   /* the kernel takes three output slots */
		out[i] = i < n->nout ? lower_buf(l, n->out[i]) : -1;
	lower_step(l, n, K_dynquant_u8, &p, 1, in, 3, out, 0);
	return 0;
}

/* ---- MatMulInteger, QLinearMatMul ---- */

/* Input positions: operand, scale (-1: none), zero point. */
typedef struct QMMIdx { int a, as, az, b, bs, bz; } QMMIdx;

static const QMMIdx *
qmm_idx(const Node *n)
{
	static const QMMIdx mi = {0, -1, 2, 1, -1, 3}, ql = {0, 1, 2, 3, 4, 5};
	return n->op == OP_QLINEARMATMUL ? &ql : &mi;
}

static Tensor *
qmm_in(const Node *n, int i)
{
	return i >= 0 && i < n->nin ? n->in[i] : NULL;
}

/* How scale or zero point t applies to matrix operand x: 0 one value,
 * 1 one per row of x (col 0: shape [M] or [1.., M, 1]) or per column
 * (col 1: [N] or [1.., 1, N]); -1 after a diagnostic. */
static int
qmm_per(Node *n, Diag *d, const Tensor *t, const Tensor *x, int col)
{
	int64_t cnt = x->rank < 2 ? 1 : x->dim[x->rank - (col ? 1 : 2)];
	int r = t->rank, ok;
	char s[64];

	if (tensor_numel(t) == 1)
		return 0;
	ok = r >= 1 && tensor_numel(t) == cnt;
	if (ok && r >= 2)
		ok = t->dim[r - 1] == (col ? cnt : 1) && t->dim[r - 2] == (col ? 1 : cnt);
	if (!ok)
		return diag_node(d, n, "'%s' has shape %s, expected one value or one per %s of '%s' (%lld)",
			t->name, tensor_shape_str(t, s, sizeof s), col ? "column" : "row", x->name, (long long)cnt);
	return 1;
}

/* Operand x = in[i] with scale in[si] and zero point in[zi] (either may be
 * absent): types, and *per as qmm_per gives it. */
static int
qmm_operand(Node *n, Diag *d, int i, int si, int zi, int col, int *per)
{
	Tensor *x = n->in[i], *st = qmm_in(n, si), *zt = qmm_in(n, zi);
	int ps = 0, pz = 0;

	if (check_dtype(n, d, x, q8, 2) < 0 || check_rank(n, d, x, 1, IR_MAXRANK) < 0
	 || quant_same_type(n, d, zt, x) < 0 || (st && quant_float(n, d, st) < 0))
		return -1;
	if ((zt && (pz = qmm_per(n, d, zt, x, col)) < 0) || (st && (ps = qmm_per(n, d, st, x, col)) < 0))
		return -1;
	if (st && zt && ps != pz)
		return diag_node(d, n, "scale '%s' and zero point '%s' differ in shape", st->name, zt->name);
	*per = st ? ps : pz;
	return 0;
}

/* numpy matmul shapes: 1-D operands get a 1 inserted, batch dims
 * broadcast. Fills dim with the output shape and returns the batch rank,
 * or -1 after a diagnostic. */
static int
qmm_shape(Node *n, Diag *d, const Tensor *a, const Tensor *b, int64_t *dim, int *rank)
{
	int ra = a->rank > 2 ? a->rank - 2 : 0, rb = b->rank > 2 ? b->rank - 2 : 0;
	int r = ra > rb ? ra : rb, k = r;
	int64_t ka = a->dim[a->rank - 1], kb = b->dim[b->rank >= 2 ? b->rank - 2 : 0];
	char s1[64], s2[64];

	tensor_shape_str(a, s1, sizeof s1);
	tensor_shape_str(b, s2, sizeof s2);
	if (ka != kb)
		return diag_node(d, n, "inner dimensions of %s and %s differ", s1, s2);
	for (int i = 0; i < r; i++) {
		int ia = i - (r - ra), ib = i - (r - rb);
		int64_t da = ia >= 0 ? a->dim[ia] : 1, db = ib >= 0 ? b->dim[ib] : 1;
		if (da != db && da != 1 && db != 1)
			return diag_node(d, n, "batch dims of %s and %s do not broadcast", s1, s2);
		dim[i] = da == 1 ? db : da;
	}
	if (a->rank >= 2)
		dim[k++] = a->dim[a->rank - 2];
	if (b->rank >= 2)
		dim[k++] = b->dim[b->rank - 1];
	*rank = k;
	return r;
}

static int
qmm_infer(Node *n, Diag *d)
{
	const QMMIdx *ix = qmm_idx(n);
	Tensor *a = n->in[ix->a], *b = n->in[ix->b], *ys, *yz;
	int64_t dim[IR_MAXRANK];
	int r, per;
	DType yt = DT_I32;

	if (quant_nout(n, d, 1, 1) < 0 || (n->op == OP_QLINEARMATMUL && quant_required(n, d, 8) < 0))
		return -1;
	if (qmm_operand(n, d, ix->a, ix->as, ix->az, 0, &per) < 0
	 || qmm_operand(n, d, ix->b, ix->bs, ix->bz, 1, &per) < 0)
		return -1;
	if (n->op == OP_QLINEARMATMUL) {
		ys = n->in[6];
		yz = n->in[7];
		if (quant_float(n, d, ys) < 0 || quant_scalar(n, d, ys) < 0
		 || check_dtype(n, d, yz, q8, 2) < 0 || quant_scalar(n, d, yz) < 0)
			return -1;
		yt = yz->dtype;
	}
	if (qmm_shape(n, d, a, b, dim, &r) < 0)
		return -1;
	tensor_set(n->out[0], yt, r, dim);
	if (window_check_size(n, d, a) < 0 || window_check_size(n, d, b) < 0)
		return -1;
	return window_check_size(n, d, n->out[0]);
}

/* Batch strides (elements) of operand t, matrices of msize elements,
 * right-aligned to the r output batch dims; broadcast dims get 0. */
static void
qmm_strides(const Tensor *t, int r, int64_t msize, int32_t *bs)
{
	int rt = t->rank > 2 ? t->rank - 2 : 0;
	int64_t st = msize;

	for (int i = r - 1; i >= 0; i--) {
		int it = i - (r - rt);
		int64_t dt = it >= 0 ? t->dim[it] : 1;
		bs[i] = dt == 1 ? 0 : (int32_t)st;
		st *= dt;
	}
}

static int
qmm_lower(Node *n, Lower *l)
{
	const QMMIdx *ix = qmm_idx(n);
	Tensor *a = n->in[ix->a], *b = n->in[ix->b];
	axrt_qmatmul_params p;
	int64_t dim[IR_MAXRANK];
	int r, pa, pb;

	memset(&p, 0, sizeof p);
	p.brank = qmm_shape(n, l->d, a, b, dim, &r);
	if (p.brank < 0 || qmm_operand(n, l->d, ix->a, ix->as, ix->az, 0, &pa) < 0
	 || qmm_operand(n, l->d, ix->b, ix->bs, ix->bz, 1, &pb) < 0)
		return -1;
	if (n->op == OP_QLINEARMATMUL && qdq_matmul_ok(n)) {   /* integer kernels (docs/QDQ.md) */
		int rc = qdq_lower_matmul(n, l);
		if (rc)
			return rc < 0 ? -1 : 0;
	}
	if (n->act)
		return diag_node(l->d, n, "a fused activation on %s is not supported", n->optype);
	p.a_per_row = pa;
	p.b_per_col = pb;
	p.m = a->rank >= 2 ? (int32_t)a->dim[a->rank - 2] : 1;
	p.k = (int32_t)a->dim[a->rank - 1];
	p.n = b->rank >= 2 ? (int32_t)b->dim[b->rank - 1] : 1;
	for (int i = 0; i < p.brank; i++)
		p.bdim[i] = (int32_t)dim[i];
	qmm_strides(a, p.brank, (int64_t)p.m * p.k, p.a_bs);
	qmm_strides(b, p.brank, (int64_t)p.k * p.n, p.b_bs);
	p.a_signed = a->dtype == DT_I8;
	p.b_signed = b->dtype == DT_I8;
	p.y_signed = n->out[0]->dtype == DT_I8;
	lower_call(l, n, n->op == OP_QLINEARMATMUL ? K_qlinearmatmul_q8 : K_matmulinteger_i32,
		&p, (size_t)p.n * sizeof(uint32_t));
	return 0;
}

/* ---- ConvInteger, QLinearConv ---- */

/* Input positions of x, w and their zero points; scales (-1: none). */
typedef struct QConvIdx { int x, xs, xz, w, ws, wz; } QConvIdx;

static const QConvIdx *
qconv_idx(const Node *n)
{
	static const QConvIdx ci = {0, -1, 2, 1, -1, 3}, ql = {0, 1, 2, 3, 4, 5};
	return n->op == OP_QLINEARCONV ? &ql : &ci;
}

/* Types, ranks and sizes of x and w. */
static int
qconv_operands(Node *n, Diag *d, const Tensor *x, const Tensor *w)
{
	if (check_dtype(n, d, x, q8, 2) < 0 || check_dtype(n, d, w, q8, 2) < 0)
		return -1;
	return window_operands(n, d, x, w);
}

/* group and kernel_shape against the channels and the weight (M x C/group
 * x k...); sets the kernel sizes of win. */
static int
qconv_kernel(Node *n, Diag *d, const Tensor *x, const Tensor *w, Window *win)
{
	int64_t group = attr_i(n, "group", 1), c = x->dim[1];
	const int64_t *ks;
	int cnt = attr_ints(n, "kernel_shape", &ks);

	if (group < 1)
		return diag_node(d, n, "group is %lld, must be at least 1", (long long)group);
	if (c % group || w->dim[0] % group)
		return diag_node(d, n, "group %lld does not divide the %lld input and %lld output channels",
			(long long)group, (long long)c, (long long)w->dim[0]);
	if (w->dim[1] * group != c)
		return diag_node(d, n, "weight '%s' expects %lld channels per group x %lld groups, "
			"input '%s' has %lld", w->name, (long long)w->dim[1], (long long)group,
			x->name, (long long)c);
	for (int i = 0; i < win->nsp; i++)
		win->k[i] = w->dim[2 + i];
	if (cnt >= 0 && cnt != win->nsp)
		return diag_node(d, n, "kernel_shape has %d values, expected %d", cnt, win->nsp);
	for (int i = 0; i < cnt; i++)
		if (ks[i] != win->k[i])
			return diag_node(d, n, "kernel_shape[%d] is %lld but weight '%s' has %lld",
				i, (long long)ks[i], w->name, (long long)win->k[i]);
	return 0;
}

/* Zero points, scales and bias; *wper: w's are per output channel. */
static int
qconv_quant(Node *n, Diag *d, int64_t m, int *wper)
{
	const QConvIdx *ix = qconv_idx(n);
	Tensor *x = n->in[ix->x], *w = n->in[ix->w], *xz = qmm_in(n, ix->xz), *wz = qmm_in(n, ix->wz);
	Tensor *ws = qmm_in(n, ix->ws), *b = qmm_in(n, 8);
	int pz = 0, ps = 0;
	char s[64];

	if (quant_same_type(n, d, xz, x) < 0 || quant_same_type(n, d, wz, w) < 0
	 || (xz && quant_scalar(n, d, xz) < 0) || (wz && (pz = quant_per_chan(n, d, wz, m)) < 0))
		return -1;
	*wper = pz;
	if (n->op != OP_QLINEARCONV)
		return 0;
	if (quant_float(n, d, n->in[1]) < 0 || quant_scalar(n, d, n->in[1]) < 0
	 || quant_float(n, d, ws) < 0 || (ps = quant_per_chan(n, d, ws, m)) < 0
	 || quant_float(n, d, n->in[6]) < 0 || quant_scalar(n, d, n->in[6]) < 0
	 || check_dtype(n, d, n->in[7], q8, 2) < 0 || quant_scalar(n, d, n->in[7]) < 0)
		return -1;
	if (ps != pz)
		return diag_node(d, n, "scale '%s' and zero point '%s' differ in shape", ws->name, wz->name);
	if (b && (b->dtype != DT_I32 || b->rank != 1 || b->dim[0] != m))
		return diag_node(d, n, "bias '%s' is %s of shape %s, expected int32 of shape %lld",
			b->name, dtype_name(b->dtype), tensor_shape_str(b, s, sizeof s), (long long)m);
	return 0;
}

/* The whole geometry; *m: output channels, *wper as for qconv_quant. */
static int
qconv_geom(Node *n, Diag *d, Window *win, int64_t *m, int *wper)
{
	const QConvIdx *ix = qconv_idx(n);
	Tensor *x = n->in[ix->x], *w = n->in[ix->w];

	if (quant_nout(n, d, 1, 1) < 0 || (n->op == OP_QLINEARCONV && quant_required(n, d, 8) < 0)
	 || qconv_operands(n, d, x, w) < 0)
		return -1;
	memset(win, 0, sizeof *win);
	win->nsp = x->rank - 2;
	for (int i = 0; i < win->nsp; i++)
		win->in[i] = x->dim[2 + i];
	*m = w->dim[0];
	if (qconv_kernel(n, d, x, w, win) < 0 || window_attrs(n, d, win) < 0
	 || qconv_quant(n, d, *m, wper) < 0)
		return -1;
	return window_infer(n, d, win, 0);
}

static int
qconv_infer(Node *n, Diag *d)
{
	Window w;
	int64_t m, dim[IR_MAXRANK];
	int wper;
	Tensor *x = n->in[0];

	if (qconv_geom(n, d, &w, &m, &wper) < 0)
		return -1;
	dim[0] = x->dim[0];
	dim[1] = m;
	for (int i = 0; i < w.nsp; i++)
		dim[2 + i] = w.out[i];
	tensor_set(n->out[0], n->op == OP_QLINEARCONV ? n->in[7]->dtype : DT_I32, x->rank, dim);
	if (window_check_size(n, d, x) < 0 || window_check_size(n, d, n->in[qconv_idx(n)->w]) < 0)
		return -1;
	return window_check_size(n, d, n->out[0]);
}

static int
qconv_lower(Node *n, Lower *l)
{
	const QConvIdx *ix = qconv_idx(n);
	axrt_qconv_params p;
	Window w;
	int64_t m;
	int wper;

	if (qconv_geom(n, l->d, &w, &m, &wper) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.w_per_chan = wper;
	p.n = (int32_t)n->in[0]->dim[0];
	p.c = (int32_t)n->in[0]->dim[1];
	p.m = (int32_t)m;
	p.group = (int32_t)attr_i(n, "group", 1);
	window_fill3(w.in, w.nsp, 1, p.in);
	window_fill3(w.out, w.nsp, 1, p.out);
	window_fill3(w.k, w.nsp, 1, p.k);
	window_fill3(w.stride, w.nsp, 1, p.stride);
	window_fill3(w.dil, w.nsp, 1, p.dil);
	window_fill3(w.pad, w.nsp, 0, p.pad);
	p.x_signed = n->in[ix->x]->dtype == DT_I8;
	p.w_signed = n->in[ix->w]->dtype == DT_I8;
	p.y_signed = n->out[0]->dtype == DT_I8;
	if (n->op == OP_QLINEARCONV && qdq_conv_ok(n)) {   /* integer kernels (docs/QDQ.md) */
		int rc = qdq_lower_conv(n, l, &p);
		if (rc)
			return rc < 0 ? -1 : 0;
	}
	if (n->act)
		return diag_node(l->d, n, "a fused activation on %s is not supported", n->optype);
	lower_call(l, n, n->op == OP_QLINEARCONV ? K_qlinearconv_q8 : K_convinteger_i32,
		&p, (size_t)p.out[2] * sizeof(uint32_t));
	return 0;
}

/* ---- family entry points ---- */

int
quant_infer(Node *n, Diag *d)
{
	switch (n->op) {
	case OP_QUANTIZELINEAR:
	case OP_DEQUANTIZELINEAR:
		return qlin_infer(n, d);
	case OP_DYNAMICQUANTIZELINEAR:
		return qdyn_infer(n, d);
	case OP_MATMULINTEGER:
	case OP_QLINEARMATMUL:
		return qmm_infer(n, d);
	case OP_CONVINTEGER:
	case OP_QLINEARCONV:
		return qconv_infer(n, d);
	default:
		return diag_node(d, n, "not an op of the quant family");
	}
}

int
quant_lower(Node *n, Lower *l)
{
	if (n->act && n->op != OP_QLINEARCONV && n->op != OP_QLINEARMATMUL)
		return diag_node(l->d, n, "a fused activation on %s is not supported", n->optype);
	switch (n->op) {
	case OP_QUANTIZELINEAR:
	case OP_DEQUANTIZELINEAR:
		return qlin_lower(n, l);
	case OP_DYNAMICQUANTIZELINEAR:
		return qdyn_lower(n, l);
	case OP_MATMULINTEGER:
	case OP_QLINEARMATMUL:
		return qmm_lower(n, l);
	case OP_CONVINTEGER:
	case OP_QLINEARCONV:
		return qconv_lower(n, l);
	default:
		return diag_node(l->d, n, "not an op of the quant family");
	}
}
