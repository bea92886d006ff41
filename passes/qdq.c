/* qdq.c: integer kernels for quantized ONNX models (docs/QDQ.md). Finds
 * DequantizeLinear -> op -> QuantizeLinear with constant per-tensor
 * activation scales and zero points (weights per tensor or per output
 * channel) and puts ops on codes in their place: Conv (+ Relu/Clip)
 * becomes QLinearConv, Gemm and MatMul with a constant B QdqGemm, Add
 * QdqAdd, AveragePool/GlobalAveragePool QdqAvgPool, Relu/Clip
 * QdqRequant, and MaxPool, Flatten, Reshape, Concat run on the codes
 * (QdqRequant where scales differ). What does not match stays float.
 * Constant DequantizeLinear nodes left over are folded at the end
 * (passes/infer.c keeps them for this pass).
 * needs: IR_SHAPES
 * gives: -
 * breaks: -
 */
#include <math.h>
#include <string.h>

#include "passes.h"
#include "axrt_core.h"
#include "qdq.h"

#define FOLD_MAX_BYTES ((size_t)256 << 20)   /* as passes/infer.c */

/* A per-tensor quantization: scale, zero point (NULL: 0) and code type. */
typedef struct QP {
	Tensor *s, *z;
	float scale;
	int32_t zp;
	DType t;
} QP;

typedef struct Qdq {
	Graph *g;
	Diag *d;
	int nint;               /* ops made integer */
} Qdq;

static int
is_q8(DType t)
{
	return t == DT_U8 || t == DT_I8;
}

static int
const_f32_scalar(const Tensor *t)
{
	return t && t->init && t->dtype == DT_F32 && tensor_numel(t) == 1;
}

static int32_t
zero_of(const Tensor *z)
{
	if (!z)
		return 0;
	return z->dtype == DT_U8 ? ((const uint8_t *)z->init)[0] : ((const int8_t *)z->init)[0];
}

/* Scale in[1], zero point in[2] of a QuantizeLinear/DequantizeLinear n
 * when they are constant and per tensor; t: the codes' type. */
static int
qp_of(const Node *n, DType t, QP *q)
{
	Tensor *z = n->nin > 2 ? n->in[2] : NULL;

	if (!is_q8(t) || !const_f32_scalar(n->in[1]) || (z && (!z->init || tensor_numel(z) != 1)))
		return 0;
	q->s = n->in[1];
	q->z = z;
	q->scale = ((const float *)q->s->init)[0];
	q->zp = zero_of(z);
	q->t = t;
	return q->scale > 0 && isfinite(q->scale);
}

/* Whether a scale ratio a / b has an integer multiplier (below 2^31). */
static int
ratio_ok(float a, float b)
{
	int32_t m0, sh;

	return qdq_mult(a / b, &m0, &sh) == 0;
}

/* The same for every channel of s_x * s_w[o] / s_y (as qdq.c forms it). */
static int
mults_ok(float xs, const Tensor *ws, float ys)
{
	for (int64_t o = 0; o < tensor_numel(ws); o++)
		if (!ratio_ok((float)(xs * ((const float *)ws->init)[o]), ys))
			return 0;
	return 1;
}

static int
qp_same(const QP *a, const QP *b)
{
	return a->scale == b->scale && a->zp == b->zp && a->t == b->t;
}

/* The live DequantizeLinear producing x with per-tensor constant
 * parameters, or NULL. */
static Node *
dq_of(Tensor *x, QP *q)
{
	Node *n = x ? x->def : NULL;

	if (!n || n->dead || n->op != OP_DEQUANTIZELINEAR || !qp_of(n, n->in[0]->dtype, q))
		return NULL;
	return n;
}

/* Tensor.nuse over the live nodes (graph_uses counts dead ones too). */
static void
live_uses(Graph *g)
{
	for (int i = 0; i < g->ntensor; i++)
		g->tensor[i]->nuse = 0;
	for (int i = 0; i < g->nnode; i++)
		for (int j = 0; !g->node[i]->dead && j < g->node[i]->nin; j++)
			if (g->node[i]->in[j])
				g->node[i]->in[j]->nuse++;
	for (int i = 0; i < g->noutput; i++)
		g->output[i]->nuse++;
}

/* The only reader of y (never a graph output), or NULL. */
static Node *
sole_reader(Graph *g, const Tensor *y)
{
	Node *r = NULL;

	if (!y || y->is_output || y->nuse != 1)
		return NULL;
	for (int i = 0; i < g->nnode; i++) {
		Node *n = g->node[i];
		for (int k = 0; !n->dead && k < n->nin; k++)
			if (n->in[k] == y)
				r = n;
	}
	return r;
}

/* The QuantizeLinear that alone reads y, with per-tensor constant
 * parameters, or NULL. */
static Node *
q_after(Graph *g, Tensor *y, QP *q)
{
	Node *n = sole_reader(g, y);

	if (!n || n->op != OP_QUANTIZELINEAR || n->in[0] != y || !qp_of(n, n->out[0]->dtype, q))
		return NULL;
	if (attr_i(n, "saturate", 1) != 1)
		return NULL;
	return n;
}

/* A constant tensor holding 0 of type t (an absent zero point). */
static Tensor *
zero_tensor(Graph *g, DType t)
{
	Tensor *z = graph_new_tensor(g, "qdq_zero");

	tensor_set(z, t, 0, NULL);
	z->init = arena_alloc(g->arena, 4);
	return z;
}

static Tensor *
zp_tensor(Graph *g, const QP *q)
{
	return q->z ? q->z : zero_tensor(g, q->t);
}

/* Weight w = DequantizeLinear(constant codes) with a scale per tensor or
 * one per slice of axis `axis` (rows of them). Fills the codes, scale and
 * zero point (NULL: 0) tensors. */
static int
dq_weight(Tensor *w, int axis, int64_t rows, Tensor **wq, Tensor **ws, Tensor **wz)
{
	Node *n = w ? w->def : NULL;
	Tensor *s, *z;
	int64_t ns;

	if (!n || n->dead || n->op != OP_DEQUANTIZELINEAR || !n->in[0]->init || !is_q8(n->in[0]->dtype))
		return 0;
	s = n->in[1];
	z = n->nin > 2 ? n->in[2] : NULL;
	ns = tensor_numel(s);
	if (!s->init || s->dtype != DT_F32 || (z && !z->init) || (ns != 1 && ns != rows))
		return 0;
	if (ns != 1) {
		int64_t ax = attr_i(n, "axis", 1);
		if ((ax < 0 ? ax + w->rank : ax) != axis || s->rank != 1)
			return 0;
	}
	for (int64_t i = 0; i < ns; i++)
		if (!(((const float *)s->init)[i] > 0))
			return 0;
	*wq = n->in[0];
	*ws = s;
	*wz = z;
	return 1;
}

/* The bias b (rows values, or one broadcast) as int32 at scale
 * s_x * s_w[o]: DequantizeLinear's int32 codes when its scale is that
 * (as ONNX Runtime's quantizer writes it), else the float values
 * rounded half to even. NULL b gives NULL; *ok 0 when b cannot be used. */
static Tensor *
bias_i32(Graph *g, Tensor *b, float xs, const Tensor *ws, int64_t rows, int *ok)
{
	Node *dq = b ? b->def : NULL;
	Tensor *t;
	int32_t *v;
	int64_t nb;

	*ok = 1;
	if (!b)
		return NULL;
	nb = tensor_numel(b);
	if (nb != rows && nb != 1) {
		*ok = 0;
		return NULL;
	}
	if (!b->init && !(dq && !dq->dead && dq->op == OP_DEQUANTIZELINEAR && dq->in[0]->init &&
	    dq->in[0]->dtype == DT_I32 && dq->in[1]->init && (dq->nin < 3 || !dq->in[2] || dq->in[2]->init))) {
		*ok = 0;
		return NULL;
	}
	if (b->init && b->dtype != DT_F32) {
		*ok = 0;
		return NULL;
	}
	t = graph_new_tensor(g, "qdq_bias");
	tensor_set(t, DT_I32, 1, &rows);
	t->init = v = arena_alloc(g->arena, (size_t)rows * 4);
	for (int64_t o = 0; o < rows; o++) {
		double sb = (double)xs * ((const float *)ws->init)[tensor_numel(ws) == 1 ? 0 : o], r;
		int64_t i = nb == 1 ? 0 : o;
		if (!b->init) {
			const Tensor *sd = dq->in[1], *zd = dq->nin > 2 ? dq->in[2] : NULL;
			int64_t is = tensor_numel(sd) == 1 ? 0 : i;
			double s = ((const float *)sd->init)[is];
			double q = (double)((const int32_t *)dq->in[0]->init)[i] - (zd ? ((const int32_t *)zd->init)[is] : 0);
			r = fabs(s - sb) <= 1e-6 * sb ? q : nearbyint(q * s / sb);
		} else
			r = nearbyint(((const float *)b->init)[i] / sb);
		if (!(fabs(r) <= INT32_MAX / 2)) {
			*ok = 0;
			return NULL;
		}
		v[o] = (int32_t)r;
	}
	return t;
}

/* Clip bound from input k or attribute `name` (+-inf when absent); -1
 * when it is not a float constant. */
static int
clip_bound(const Node *n, int k, const char *name, float absent, float *v)
{
	*v = absent;
	if (n->nin > k && n->in[k]) {
		if (!const_f32_scalar(n->in[k]))
			return -1;
		*v = ((const float *)n->in[k]->init)[0];
		return 0;
	}
	if (n->nin == 1)
		*v = attr_f(n, name, absent);
	return 0;
}

/* AXRT_ACT_RELU/CLIP of activation node a (bounds in *lo, *hi), or -1. */
static int
act_of(const Node *a, float *lo, float *hi)
{
	*lo = *hi = 0;
	if (a->op == OP_RELU)
		return AXRT_ACT_RELU;
	if (a->op == OP_CLIP && clip_bound(a, 1, "min", -INFINITY, lo) == 0 &&
	    clip_bound(a, 2, "max", INFINITY, hi) == 0)
		return AXRT_ACT_CLIP;
	return -1;
}

/* The QuantizeLinear after y, through one Relu or Clip that alone reads
 * y (its act in n->act, the activation node in *act). */
static Node *
q_after_act(Qdq *x, Node *n, Tensor *y, QP *q, Node **act)
{
	Node *a = sole_reader(x->g, y), *qn;
	float lo, hi;
	int k;

	*act = NULL;
	if (a && a->in[0] == y && (k = act_of(a, &lo, &hi)) >= 0 && (qn = q_after(x->g, a->out[0], q))) {
		n->act = k;
		n->act_alpha = lo;
		n->act_beta = hi;
		*act = a;
		return qn;
	}
	return q_after(x->g, y, q);
}

/* A node replacing `old` (its name and attributes) that reads in[0..nin)
 * and writes `out`, which the QuantizeLinear qn wrote. */
static Node *
replace(Qdq *x, Node *old, const char *optype, int op, const char *domain, int nin, Tensor **in,
	Node *qn)
{
	Node *n = graph_add_node(x->g, optype, old->name, nin, 1);

	n->op = op;
	n->domain = domain;
	n->opset = old->opset;
	n->attr = old->attr;
	n->nattr = old->nattr;
	n->act = old->act;
	n->act_alpha = old->act_alpha;
	n->act_beta = old->act_beta;
	memcpy(n->in, in, (size_t)nin * sizeof *in);
	n->out[0] = qn->out[0];
	qn->out[0]->def = n;
	old->dead = qn->dead = 1;
	x->nint++;
	return n;
}

/* Conv -> [Relu|Clip] -> Q with DQ'd input and weights: QLinearConv. */
static void
qdq_conv(Qdq *x, Node *n)
{
	QP qx, qy;
	Tensor *wq, *ws, *wz, *b, *in[9];
	Node *qn, *act;
	int64_t rows, k;
	int ok;

	if (!dq_of(n->in[0], &qx) || n->in[1]->rank < 3)
		return;
	rows = n->in[1]->dim[0];
	k = tensor_numel(n->in[1]) / rows;
	if (!dq_weight(n->in[1], 0, rows, &wq, &ws, &wz))
		return;
	b = bias_i32(x->g, n->nin > 2 ? n->in[2] : NULL, qx.scale, ws, rows, &ok);
	if (!ok || !qdq_fits(wq, wz, rows, k, 0, b) || !(qn = q_after_act(x, n, n->out[0], &qy, &act)) ||
	    !mults_ok(qx.scale, ws, qy.scale)) {
		n->act = AXRT_ACT_NONE;
		return;
	}
	in[0] = n->in[0]->def->in[0];
	in[1] = qx.s;
	in[2] = zp_tensor(x->g, &qx);
	in[3] = wq;
	in[4] = ws;
	in[5] = wz ? wz : zero_tensor(x->g, wq->dtype);
	in[6] = qy.s;
	in[7] = zp_tensor(x->g, &qy);
	in[8] = b;
	replace(x, n, "QLinearConv", OP_QLINEARCONV, "", b ? 9 : 8, in, qn);
	if (act)
		act->dead = 1;
}

/* Gemm (alpha 1, beta 1) or MatMul with a DQ'd constant 2-D B: QdqGemm. */
static void
qdq_gemm(Qdq *x, Node *n)
{
	QP qa, qy;
	Tensor *a = n->in[0], *bq, *bs, *bz, *c, *in[9];
	Node *qn, *act;
	int gemm = n->op == OP_GEMM, tb = gemm ? (int)attr_i(n, "transB", 0) : 0;
	int64_t rows, k;
	int ok;

	if (!dq_of(a, &qa) || n->in[1]->rank != 2 || a->rank < 2 || (gemm && a->rank != 2))
		return;
	if (gemm && (attr_f(n, "alpha", 1) != 1 || (n->nin > 2 && n->in[2] && attr_f(n, "beta", 1) != 1)))
		return;
	rows = n->in[1]->dim[tb ? 0 : 1];
	k = n->in[1]->dim[tb ? 1 : 0];
	if (!dq_weight(n->in[1], tb ? 0 : 1, rows, &bq, &bs, &bz))
		return;
	c = bias_i32(x->g, gemm && n->nin > 2 ? n->in[2] : NULL, qa.scale, bs, rows, &ok);
	if (!ok || !qdq_fits(bq, bz, rows, k, !tb, c) || !(qn = q_after_act(x, n, n->out[0], &qy, &act)) ||
	    !mults_ok(qa.scale, bs, qy.scale)) {
		n->act = AXRT_ACT_NONE;
		return;
	}
	in[0] = a->def->in[0];
	in[1] = qa.s;
	in[2] = zp_tensor(x->g, &qa);
	in[3] = bq;
	in[4] = bs;
	in[5] = bz ? bz : zero_tensor(x->g, bq->dtype);
	in[6] = c;
	in[7] = qy.s;
	in[8] = zp_tensor(x->g, &qy);
	qn = replace(x, n, "QdqGemm", OP_QDQGEMM, "axcc", 9, in, qn);
	if (!gemm)
		qn->nattr = 0;   /* MatMul has none; QdqGemm's defaults are its layout */
	if (act)
		act->dead = 1;
}

/* Add of two DQ'd tensors -> [Relu] -> Q: QdqAdd. */
static void
qdq_add(Qdq *x, Node *n)
{
	QP qa, qb, qy;
	Tensor *in[8];
	Node *qn, *act;
	int32_t m0, s0, m1, s1;

	if (!dq_of(n->in[0], &qa) || !dq_of(n->in[1], &qb) || !(qn = q_after_act(x, n, n->out[0], &qy, &act)))
		return;
	/* the integer Add aligns the two multipliers: at most 22 bits apart */
	if (qdq_mult(qa.scale / qy.scale, &m0, &s0) < 0 || qdq_mult(qb.scale / qy.scale, &m1, &s1) < 0 ||
	    s0 - s1 > 22 || s1 - s0 > 22 || n->out[0]->rank > AXRT_MAXRANK) {
		n->act = AXRT_ACT_NONE;
		return;
	}
	in[0] = n->in[0]->def->in[0];
	in[1] = qa.s;
	in[2] = zp_tensor(x->g, &qa);
	in[3] = n->in[1]->def->in[0];
	in[4] = qb.s;
	in[5] = zp_tensor(x->g, &qb);
	in[6] = qy.s;
	in[7] = zp_tensor(x->g, &qy);
	replace(x, n, "QdqAdd", OP_QDQADD, "axcc", 8, in, qn);
	if (act)
		act->dead = 1;
}

/* AveragePool with windows of constant size, GlobalAveragePool. */
static void
qdq_avgpool(Qdq *x, Node *n)
{
	QP qx, qy;
	Tensor *in[5];
	Node *qn, *r;
	const int64_t *v;
	int cnt;

	if (!dq_of(n->in[0], &qx) || n->in[0]->rank < 3 || n->in[0]->rank > 5 ||
	    !(qn = q_after(x->g, n->out[0], &qy)) || !ratio_ok(qx.scale, qy.scale))
		return;
	if (n->op == OP_AVERAGEPOOL) {
		if (attr_i(n, "ceil_mode", 0) != 0 || strcmp(attr_s(n, "auto_pad", "NOTSET"), "NOTSET") != 0)
			return;
		cnt = attr_ints(n, "dilations", &v);
		for (int i = 0; i < cnt; i++)
			if (v[i] != 1)
				return;
		cnt = attr_ints(n, "pads", &v);
		for (int i = 0; i < cnt && !attr_i(n, "count_include_pad", 0); i++)
			if (v[i] != 0)
				return;
	}
	in[0] = n->in[0]->def->in[0];
	in[1] = qx.s;
	in[2] = zp_tensor(x->g, &qx);
	in[3] = qy.s;
	in[4] = zp_tensor(x->g, &qy);
	r = replace(x, n, "QdqAvgPool", OP_QDQAVGPOOL, "axcc", 5, in, qn);
	if (n->op == OP_GLOBALAVERAGEPOOL) {
		Attr *a = arena_alloc(x->g->arena, sizeof *a);
		a->name = "global";
		a->type = AT_INT;
		a->i = 1;
		r->attr = a;
		r->nattr = 1;
	}
}

/* QdqRequant of codes xq (parameters qx) into y (parameters qy). */
static Node *
requant(Qdq *x, const char *name, Tensor *xq, const QP *qx, const QP *qy, Tensor *y)
{
	Node *n = graph_add_node(x->g, "QdqRequant",
		arena_printf(x->g->arena, "%s_requant%d", name, x->g->nnode), 5, 1);

	n->op = OP_QDQREQUANT;
	n->domain = "axcc";
	n->in[0] = xq;
	n->in[1] = qx->s;
	n->in[2] = zp_tensor(x->g, qx);
	n->in[3] = qy->s;
	n->in[4] = zp_tensor(x->g, qy);
	n->out[0] = y;
	y->def = n;
	return n;
}

/* Standalone Relu or Clip between DQ and Q: QdqRequant with the clamp. */
static void
qdq_act(Qdq *x, Node *n)
{
	QP qx, qy;
	Node *qn, *r;
	float lo, hi;
	int act = act_of(n, &lo, &hi);

	if (act < 0 || !dq_of(n->in[0], &qx) || !(qn = q_after(x->g, n->out[0], &qy)) ||
	    !ratio_ok(qx.scale, qy.scale))
		return;
	r = requant(x, n->name, n->in[0]->def->in[0], &qx, &qy, qn->out[0]);
	r->name = n->name;
	r->act = act;
	r->act_alpha = lo;
	r->act_beta = hi;
	n->dead = qn->dead = 1;
	x->nint++;
}

/* MaxPool, Flatten, Reshape, Concat move codes: they read the DQ'd codes
 * directly (requantized first where a Concat part's parameters differ
 * from the output's) and write the Q's codes (through a QdqRequant when
 * the input's parameters differ). */
static void
qdq_move(Qdq *x, Node *n)
{
	QP qx[64], qy;
	Node *qn;
	int nx = n->op == OP_CONCAT ? n->nin : 1;

	if (nx > 64 || (n->op == OP_MAXPOOL && n->nout > 1 && n->out[1]))
		return;
	for (int i = 0; i < nx; i++)
		if (!dq_of(n->in[i], &qx[i]))
			return;
	if (!(qn = q_after(x->g, n->out[0], &qy)))
		return;
	for (int i = 0; i < nx; i++)
		if (!ratio_ok(qx[i].scale, qy.scale))
			return;
	for (int i = 0; i < nx; i++) {
		Tensor *xq = n->in[i]->def->in[0];
		if (nx > 1 && !qp_same(&qx[i], &qy)) {
			Tensor *t = graph_new_tensor(x->g, "qdq_part");
			tensor_set(t, qy.t, xq->rank, xq->dim);
			requant(x, n->name, xq, &qx[i], &qy, t);
			xq = t;
		}
		n->in[i] = xq;
	}
	if (nx > 1 || qp_same(&qx[0], &qy)) {
		n->out[0] = qn->out[0];
		n->out[0]->def = n;
	} else {
		Tensor *t = graph_new_tensor(x->g, "qdq_codes");
		n->out[0] = t;
		t->def = n;
		qy.t = qn->out[0]->dtype;
		requant(x, n->name, t, &qx[0], &qy, qn->out[0]);
	}
	qn->dead = 1;
	if (infer_node(x->g, n, x->d) < 0)
		die("qdq: re-inferring %s failed", n->name);
	x->nint++;
}

/* Folds constant DequantizeLinear nodes left over, then any node all of
 * whose inputs became constant (what passes/infer.c would have done). */
static int
fold_rest(Graph *g, Diag *d)
{
	for (int i = 0; i < g->nnode; i++) {
		Node *n = g->node[i];
		int nconst = 0, all = 1;
		if (n->dead || n->op == OP_UNKNOWN)
			continue;
		for (int k = 0; k < n->nin; k++)
			if (n->in[k])
				n->in[k]->init ? nconst++ : (all = 0);
		for (int k = 0, used = 0; k < n->nout; k++) {
			if (n->out[k] && (n->out[k]->is_output || tensor_bytes(n->out[k]) > FOLD_MAX_BYTES))
				all = 0;
			used |= n->out[k] && n->out[k]->nuse;
			if (k == n->nout - 1 && !used)
				all = 0;   /* dead: passes/dce.c drops it */
		}
		if (all && nconst && fold_node(g, n, d) < 0)
			return -1;
	}
	return 0;
}

int
pass_qdq(Graph *g, PassCtx *cx)
{
	Qdq x = {g, cx->diag, 0};
	int n0 = g->nnode;

	live_uses(g);
	for (int i = 0; i < n0; i++) {
		Node *n = g->node[i];
		if (n->dead)
			continue;
		switch (n->op) {
		case OP_CONV: qdq_conv(&x, n); break;
		case OP_GEMM: case OP_MATMUL: qdq_gemm(&x, n); break;
		case OP_ADD: qdq_add(&x, n); break;
		case OP_AVERAGEPOOL: case OP_GLOBALAVERAGEPOOL: qdq_avgpool(&x, n); break;
		case OP_RELU: case OP_CLIP: qdq_act(&x, n); break;
		case OP_MAXPOOL: case OP_FLATTEN: case OP_RESHAPE: case OP_CONCAT: qdq_move(&x, n); break;
		default: break;
		}
		live_uses(g);
	}
	if (x.nint) {
		graph_compact(g);
		if (graph_toposort(g, cx->diag) < 0)
			return -1;
		if (cx->verbose)
			diag_note(cx->diag, "qdq: %d ops on integer codes", x.nint);
	}
	graph_compact(g);
	live_uses(g);
	if (fold_rest(g, cx->diag) < 0)
		return -1;
	graph_compact(g);
	return 0;
}
