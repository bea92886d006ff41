/* gemm.c: the gemm op family -- Gemm, MatMul, Einsum and Det: shape
 * inference and lowering to the runtime's gemm kernels (runtime/kernels/
 * gemm.c). Gemm and MatMul by a constant go to the blocked GEMM with the
 * constant packed here (gemm_pack_a, also used by conv.c); the other
 * cases to the reference kernels. */
#include <string.h>

#include "axrt.h"
#include "gemm.h"

int64_t
gemm_packed_size(int64_t rows, int64_t cols)
{
	return (rows + AXRT_GEMM_MR - 1) / AXRT_GEMM_MR * AXRT_GEMM_MR * cols;
}

size_t
gemm_scratch_bytes(int64_t rows, int64_t npos, int32_t kc, int32_t nc)
{
	int few = kc <= AXRT_GEMM_KSMALL && rows * npos >= AXRT_GEMM_CBIG;
	int64_t cols = rows > AXRT_GEMM_MC || few ? nc : AXRT_GEMM_NR;
	return (size_t)(((int64_t)kc + 1) * cols + 16) * sizeof(float);
}

int
gemm_pack_a(Lower *l, const char *name, const float *w, int64_t ngroup, int64_t rows,
	int64_t cols, int64_t kc)
{
	int64_t per = gemm_packed_size(rows, cols), mr = AXRT_GEMM_MR, rp = per / (cols ? cols : 1);
	size_t nbytes = (size_t)(ngroup * per) * sizeof(float);
	float *v = arena_alloc(l->a, nbytes + 1);   /* zeroed: the padding rows */

	for (int64_t g = 0; g < ngroup; g++) {
		const float *wg = w + g * rows * cols;
		float *vg = v + g * per;
		for (int64_t k0 = 0; k0 < cols; k0 += kc) {   /* block k0: rp x kb from vg + k0 * rp */
			int64_t kb = cols - k0 < kc ? cols - k0 : kc;
			for (int64_t i = 0; i < rows; i++)         /* row i: panel i / MR, lane i % MR */
				for (int64_t k = 0; k < kb; k++)
					vg[k0 * rp + ((i / mr) * kb + k) * mr + i % mr] = wg[i * cols + k0 + k];
		}
	}
	return lower_const(l, name, DT_F32, nbytes, v);
}

/* A step with exactly nin/nout kernel operands: the node's tensors in
 * order, -1 for absent or missing optional ones. */
static Step *
gemm_call(Lower *l, Node *n, KernelId k, const void *params, int nin, size_t scratch)
{
	int in[4], out[1];
	for (int i = 0; i < nin; i++)
		in[i] = i < n->nin ? lower_buf(l, n->in[i]) : -1;
	out[0] = lower_buf(l, n->out[0]);
	return lower_step(l, n, k, params, nin, in, 1, out, scratch);
}

/* ---- Gemm ---- */

static int
gemm_infer_gemm(Node *n, Diag *d)
{
	static const DType ok[] = {DT_F32};
	Tensor *a = n->in[0], *b = n->in[1], *c = n->nin > 2 ? n->in[2] : NULL;
	int ta = attr_i(n, "transA", 0) != 0, tb = attr_i(n, "transB", 0) != 0;

	if (check_dtype(n, d, a, ok, 1) < 0 || check_dtype(n, d, b, ok, 1) < 0 ||
	    (c && check_dtype(n, d, c, ok, 1) < 0))
		return -1;
	if (check_rank(n, d, a, 2, 2) < 0 || check_rank(n, d, b, 2, 2) < 0 ||
	    (c && check_rank(n, d, c, 0, 2) < 0))
		return -1;
	int64_t m = a->dim[ta], k = a->dim[!ta], kb = b->dim[tb], nn = b->dim[!tb];
	if (k != kb)
		return diag_node(d, n, "A has %lld columns but B has %lld rows (after transA=%d, transB=%d)",
			(long long)k, (long long)kb, ta, tb);
	if (c) {
		int64_t c0 = c->rank == 2 ? c->dim[0] : 1, c1 = c->rank >= 1 ? c->dim[c->rank - 1] : 1;
		if ((c0 != 1 && c0 != m) || (c1 != 1 && c1 != nn)) {
			char s[64];
			return diag_node(d, n, "C of shape %s does not broadcast to %lldx%lld",
				tensor_shape_str(c, s, sizeof s), (long long)m, (long long)nn);
		}
	}
	tensor_set(n->out[0], DT_F32, 2, (int64_t[]){m, nn});
	return 0;
}

/* A transposed copy (cols x rows) of the rows x cols constant t. */
static int
gemm_const_transposed(Lower *l, const Tensor *t)
{
	int64_t r = t->dim[0], c = t->dim[1];
	const float *s = t->init;
	float *v = arena_alloc(l->a, (size_t)(r * c) * sizeof *v + 1);
	for (int64_t i = 0; i < r; i++)
		for (int64_t j = 0; j < c; j++)
			v[j * r + i] = s[i * c + j];
	return lower_const(l, arena_printf(l->a, "%s_T", t->name), DT_F32,
		(size_t)(r * c) * sizeof *v, v);
}


/* Blocking of gemm_f32_packed (like conv_blocking in conv.c): k split
 * into equal blocks of at most 256, nc = m rounded up to AXRT_GEMM_NR,
 * at most 256. */
static void
gemm_blocking(axrt_gemmpk_params *q)
{
	int64_t nr = AXRT_GEMM_NR, nkb = (q->k + 255) / 256, nc = q->m < 256 ? q->m : 256;

	q->kc = (int32_t)((q->k + nkb - 1) / nkb);
	q->nc = (int32_t)((nc + nr - 1) / nr * nr);
}

/* The n x k matrix wt (W^T) packed for a matrix times a vector: strips
 * of AXRT_GEMV_NR rows of wt (the last one from AXRT_GEMV_LAST(n), of
 * another width), column after column (axrt_gemm.h, ORDER GEMV_PACK),
 * rows past n zero. */
static int
gemm_pack_gemv(Lower *l, const char *name, const float *wt, int64_t n, int64_t k)
{
	int64_t nr = AXRT_GEMV_NR, np = AXRT_GEMV_ROWS(n), last = AXRT_GEMV_LAST(n);
	float *v = arena_alloc(l->a, (size_t)(np * k) * sizeof *v + 1);   /* zeroed */

	for (int64_t j = 0; j < n; j++) {
		int64_t s0 = j < last ? j / nr * nr : last, ws = j < last ? nr : np - last;
		for (int64_t i = 0; i < k; i++)
			v[s0 * k + i * ws + j - s0] = wt[j * k + i];
	}
	return lower_const(l, name, DT_F32, (size_t)(np * k) * sizeof *v, v);
}

/* Y = act(bias + A' W) on the blocked GEMM: w (k x n, or n x k when
 * w_nk) packed as W^T; bias (n floats) or -1. */
static void
gemm_lower_packed(Node *n, Lower *l, const Tensor *a, const Tensor *w, int w_nk, int bias,
	int32_t m, int32_t nn, int32_t k, int trans_a)
{
	axrt_gemmpk_params q = {0};
	const float *wv = w->init;
	int in[3], out[1];

	if (!w_nk) {   /* W^T: n x k */
		float *t = arena_alloc(l->a, (size_t)nn * k * sizeof *t + 1);
		for (int64_t i = 0; i < k; i++)
			for (int64_t j = 0; j < nn; j++)
				t[j * k + i] = wv[i * nn + j];
		wv = t;
	}
	q.m = m;
	q.n = nn;
	q.k = k;
	q.trans_a = trans_a;
	q.act = n->act;
	q.act_alpha = n->act_alpha;
	q.act_beta = n->act_beta;
	gemm_blocking(&q);
	in[0] = lower_buf(l, a);
	in[1] = m == 1 ? gemm_pack_gemv(l, arena_printf(l->a, "%s_packed", w->name), wv, nn, k)
		: gemm_pack_a(l, arena_printf(l->a, "%s_packed", w->name), wv, 1, nn, k, q.kc);
	in[2] = bias;
	out[0] = lower_buf(l, n->out[0]);
	lower_step(l, n, K_gemm_f32_packed, &q, 3, in, 1, out,
		m > 1 ? gemm_scratch_bytes(q.n, q.m, q.kc, q.nc) : 0);
}

/* Gemm with constant B, alpha 1 and C absent or a constant that is one
 * value per column (n, 1 x n or a scalar): the blocked GEMM with beta * C
 * as the bias. Returns 1 when it lowered n, 0 when it does not apply. */
static int
gemm_lower_gemm_fast(Node *n, Lower *l, const axrt_gemm_params *p)
{
	Tensor *b = n->in[1], *c = n->nin > 2 ? n->in[2] : NULL;
	int bias = -1;

	if (!b->init || p->alpha != 1.0f || p->m < 1 || p->n < 1 || p->k < 1
	 || (c && (!c->init || p->c_rs != 0)))
		return 0;
	if (c && (p->beta != 1.0f || p->c_cs == 0)) {   /* beta * C, one value per column */
		const float *cv = c->init;
		float *v = arena_alloc(l->a, (size_t)p->n * sizeof *v);
		for (int32_t j = 0; j < p->n; j++)
			v[j] = p->beta * cv[j * p->c_cs];
		bias = lower_const(l, arena_printf(l->a, "%s_bias", n->name), DT_F32,
			(size_t)p->n * sizeof *v, v);
	} else if (c) {
		bias = lower_buf(l, c);
	}
	gemm_lower_packed(n, l, n->in[0], b, p->trans_b, bias, p->m, p->n, p->k, p->trans_a);
	return 1;
}

static int
gemm_lower_gemm(Node *n, Lower *l)
{
	Tensor *a = n->in[0], *b = n->in[1], *c = n->nin > 2 ? n->in[2] : NULL;
	axrt_gemm_params p = {0};
	p.trans_a = attr_i(n, "transA", 0) != 0;
	p.trans_b = attr_i(n, "transB", 0) != 0;
	p.m = (int32_t)a->dim[p.trans_a];
	p.k = (int32_t)a->dim[!p.trans_a];
	p.n = (int32_t)b->dim[!p.trans_b];
	p.alpha = attr_f(n, "alpha", 1.0f);
	p.beta = attr_f(n, "beta", 1.0f);
	if (c) {   /* C padded to 2-D; a dim of 1 broadcasts (stride 0) */
		int64_t c0 = c->rank == 2 ? c->dim[0] : 1, c1 = c->rank >= 1 ? c->dim[c->rank - 1] : 1;
		p.c_cs = c1 == 1 ? 0 : 1;
		p.c_rs = c0 == 1 ? 0 : (int32_t)c1;
	}
	p.act = n->act;
	p.act_alpha = n->act_alpha;
	p.act_beta = n->act_beta;
	if (gemm_lower_gemm_fast(n, l, &p))
		return 0;
	if (p.trans_b && b->init) {
		int in[3] = {lower_buf(l, a), gemm_const_transposed(l, b), lower_buf(l, c)};
		int out[1] = {lower_buf(l, n->out[0])};
		p.trans_b = 0;
		lower_step(l, n, K_gemm_f32, &p, 3, in, 1, out, 0);
		return 0;
	}
	gemm_call(l, n, K_gemm_f32, &p, 3, p.trans_b ? (size_t)p.k * p.n * sizeof(float) : 0);
	return 0;
}

/* ---- MatMul ---- */

/* Output batch dims of MatMul (numpy rules: 1-D operands get a 1 inserted,
 * the batch dims broadcast). Fills *mm's batch part and returns the output
 * batch rank, or -1 after a diagnostic. */
static int
gemm_matmul_batch(Node *n, Diag *d, int64_t *bdim)
{
	Tensor *a = n->in[0], *b = n->in[1];
	int ra = a->rank > 2 ? a->rank - 2 : 0, rb = b->rank > 2 ? b->rank - 2 : 0;
	int r = ra > rb ? ra : rb;

	for (int i = 0; i < r; i++) {
		int ia = i - (r - ra), ib = i - (r - rb);
		int64_t da = ia >= 0 ? a->dim[ia] : 1, db = ib >= 0 ? b->dim[ib] : 1;
		if (da != db && da != 1 && db != 1) {
			char s1[64], s2[64];
			return diag_node(d, n, "batch dims of %s and %s do not broadcast",
				tensor_shape_str(a, s1, sizeof s1), tensor_shape_str(b, s2, sizeof s2));
		}
		bdim[i] = da == 1 ? db : da;
	}
	return r;
}

static int
gemm_infer_matmul(Node *n, Diag *d)
{
	static const DType ok[] = {DT_F32, DT_F64, DT_I32, DT_I64};
	Tensor *a = n->in[0], *b = n->in[1];
	int64_t dim[IR_MAXRANK];

	if (check_dtype(n, d, a, ok, 4) < 0 || check_rank(n, d, a, 1, IR_MAXRANK) < 0 ||
	    check_rank(n, d, b, 1, IR_MAXRANK) < 0)
		return -1;
	if (b->dtype != a->dtype)
		return diag_node(d, n, "inputs have different types (%s and %s)",
			dtype_name(a->dtype), dtype_name(b->dtype));
	int64_t ka = a->dim[a->rank - 1], kb = b->dim[b->rank >= 2 ? b->rank - 2 : 0];
	if (ka != kb) {
		char s1[64], s2[64];
		return diag_node(d, n, "inner dimensions of %s and %s differ",
			tensor_shape_str(a, s1, sizeof s1), tensor_shape_str(b, s2, sizeof s2));
	}
	int r = gemm_matmul_batch(n, d, dim);
	if (r < 0)
		return -1;
	if (a->rank >= 2)
		dim[r++] = a->dim[a->rank - 2];
	if (b->rank >= 2)
		dim[r++] = b->dim[b->rank - 1];
	tensor_set(n->out[0], a->dtype, r, dim);
	return 0;
}

/* Batch strides (in elements) of operand t, matrices of msize elements,
 * right-aligned to the r output batch dims; broadcast dims get 0. */
static void
gemm_batch_strides(const Tensor *t, int r, int64_t msize, int32_t *bs)
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
gemm_lower_matmul(Node *n, Lower *l)
{
	Tensor *a = n->in[0], *b = n->in[1];
	axrt_matmul_params p = {0};
	int64_t bdim[IR_MAXRANK];
	static const KernelId kk[DT_MAX] = {[DT_F32] = K_matmul_f32, [DT_F64] = K_matmul_f64,
		[DT_I32] = K_matmul_i32, [DT_I64] = K_matmul_i64};

	if (n->act)
		return diag_node(l->d, n, "a fused activation on MatMul is not supported");
	p.m = a->rank >= 2 ? (int32_t)a->dim[a->rank - 2] : 1;
	p.k = (int32_t)a->dim[a->rank - 1];
	p.n = b->rank >= 2 ? (int32_t)b->dim[b->rank - 1] : 1;
	if (a->dtype == DT_F32 && b->rank == 2 && b->init && p.k > 0 && p.n > 0
	 && tensor_numel(a) >= p.k) {   /* A's rows, batch dims and all */
		gemm_lower_packed(n, l, a, b, 0, -1, (int32_t)(tensor_numel(a) / p.k), p.n, p.k, 0);
		return 0;
	}
	p.brank = gemm_matmul_batch(n, l->d, bdim);
	if (p.brank < 0)
		return -1;
	for (int i = 0; i < p.brank; i++)
		p.bdim[i] = (int32_t)bdim[i];
	gemm_batch_strides(a, p.brank, (int64_t)p.m * p.k, p.a_bs);
	gemm_batch_strides(b, p.brank, (int64_t)p.k * p.n, p.b_bs);
	gemm_call(l, n, kk[a->dtype], &p, 2, 0);
	return 0;
}

/* ---- Einsum ---- */

/* Labels: letters get ids 0..51 in ASCII order (so implicit outputs sort
 * like numpy's), ellipsis dims 52.. right-aligned across the operands. */
enum { EIN_ELL = 52, EIN_NID = EIN_ELL + IR_MAXRANK };

typedef struct Ein {
	int64_t size[EIN_NID];          /* extent of each label; -1 unused */
	int nd[2], lab[2][IR_MAXRANK];  /* each operand dim's label */
	int nout, out[EIN_NID];         /* output labels in order */
	int nsum, sum[EIN_NID];         /* summed labels */
} Ein;

/* Scans a term into labels (-1 for "..."), at most EIN_NID of them.
 * Returns the count, or -1 if the term is malformed (bad character, two
 * ellipses, too many labels). */
static int
ein_scan(const char *s, size_t len, int *lab)
{
	int k = 0, ell = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (k == EIN_NID)
			return -1;
		if (c == '.' && i + 2 < len && s[i + 1] == '.' && s[i + 2] == '.' && !ell) {
			lab[k++] = -1;
			ell = 1;
			i += 2;
		} else if (c >= 'A' && c <= 'Z') {
			lab[k++] = c - 'A';
		} else if (c >= 'a' && c <= 'z') {
			lab[k++] = c - 'a' + 26;
		} else {
			return -1;
		}
	}
	return k;
}

static char
ein_char(int id)
{
	return (char)(id < 26 ? 'A' + id : 'a' + id - 26);
}

/* Maps operand i's term to labels and records the label sizes. */
static int
ein_operand(Node *n, Diag *d, Ein *e, int i, const int *raw, int nraw, int ell)
{
	const Tensor *t = n->in[i];
	int ne = 0, q = 0;
	for (int k = 0; k < nraw; k++)
		ne += raw[k] < 0;
	int er = t->rank - (nraw - ne);
	if (er < 0 || (!ne && er != 0) || t->rank > IR_MAXRANK)
		return diag_node(d, n, "equation term %d has %d labels but input '%s' has rank %d",
			i, nraw - ne, t->name, t->rank);
	for (int k = 0; k < nraw; k++)
		if (raw[k] < 0)
			for (int j = 0; j < er; j++)
				e->lab[i][q++] = EIN_ELL + ell - er + j;
		else
			e->lab[i][q++] = raw[k];
	e->nd[i] = q;
	for (int k = 0; k < q; k++) {
		int id = e->lab[i][k];
		int64_t v = t->dim[k], *s = &e->size[id];
		if (*s < 0 || (id >= EIN_ELL && *s == 1))
			*s = v;                 /* first sight, or a broadcast 1 */
		else if (*s != v && !(id >= EIN_ELL && v == 1))
			return diag_node(d, n, "label '%c' has sizes %lld and %lld",
				ein_char(id), (long long)*s, (long long)v);
	}
	return 0;
}

/* The output labels: explicit after "->", else numpy's implicit rule
 * (ellipsis dims, then the letters used once, in ASCII order). */
static int
ein_output(Node *n, Diag *d, Ein *e, const char *rhs, int ell)
{
	int raw[EIN_NID], nraw, cnt[EIN_NID] = {0};
	for (int i = 0; i < n->nin; i++)
		for (int k = 0; k < e->nd[i]; k++)
			cnt[e->lab[i][k]]++;
	e->nout = 0;
	if (!rhs) {
		for (int id = EIN_ELL; id < EIN_ELL + ell; id++)
			e->out[e->nout++] = id;
		for (int id = 0; id < EIN_ELL; id++)
			if (cnt[id] == 1)
				e->out[e->nout++] = id;
		return 0;
	}
	if ((nraw = ein_scan(rhs, strlen(rhs), raw)) < 0)
		return diag_node(d, n, "malformed output term '%s'", rhs);
	for (int k = 0; k < nraw; k++) {
		if (raw[k] < 0) {
			for (int id = EIN_ELL; id < EIN_ELL + ell; id++)
				e->out[e->nout++] = id;
			continue;
		}
		if (cnt[raw[k]] <= 0)
			return diag_node(d, n, "output label '%c' is missing from the inputs or repeated",
				ein_char(raw[k]));
		cnt[raw[k]] = -1;
		e->out[e->nout++] = raw[k];
	}
	return 0;
}

/* Strips the spaces of n's equation into buf; splits it at "->" (*rhs is
 * NULL without one). Returns the left side, or NULL after a diagnostic. */
static char *
ein_equation(Node *n, Diag *d, char *buf, size_t cap, char **rhs)
{
	const char *eq = attr_s(n, "equation", NULL);
	size_t k = 0;
	if (!eq)
		return diag_node(d, n, "missing attribute 'equation'"), NULL;
	for (; *eq; eq++)
		if (*eq != ' ') {
			if (k + 1 >= cap)
				return diag_node(d, n, "equation is too long"), NULL;
			buf[k++] = *eq;
		}
	buf[k] = 0;
	*rhs = strstr(buf, "->");
	if (*rhs) {
		**rhs = 0;
		*rhs += 2;
	}
	return buf;
}

static int
einsum_parse(Node *n, Diag *d, Ein *e)
{
	char buf[256], *rhs, *lhs = ein_equation(n, d, buf, sizeof buf, &rhs);
	int raw[2][EIN_NID], nraw[2], ell = 0, nt = 0;
	if (!lhs)
		return -1;
	memset(e, 0, sizeof *e);
	for (int id = 0; id < EIN_NID; id++)
		e->size[id] = -1;
	for (char *s = lhs, *c; nt < 3; s = c + 1) {
		c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		if (nt < 2 && (nraw[nt] = ein_scan(s, len, raw[nt])) < 0)
			return diag_node(d, n, "malformed equation term '%.*s'", (int)len, s);
		nt++;
		if (!c)
			break;
	}
	if (nt != n->nin)
		return diag_node(d, n, "equation has %d input terms for %d inputs", nt, n->nin);
	for (int i = 0; i < nt; i++) {   /* ellipsis rank: the longest one */
		int nl = 0;
		for (int k = 0; k < nraw[i]; k++)
			nl += raw[i][k] >= 0;
		if (n->in[i]->rank - nl > ell)
			ell = n->in[i]->rank - nl;
	}
	for (int i = 0; i < nt; i++)
		if (ein_operand(n, d, e, i, raw[i], nraw[i], ell) < 0)
			return -1;
	if (ein_output(n, d, e, rhs, ell) < 0)
		return -1;
	for (int id = 0; id < EIN_NID; id++) {
		int used = 0;
		for (int k = 0; k < e->nout; k++)
			used |= e->out[k] == id;
		if (e->size[id] >= 0 && !used)
			e->sum[e->nsum++] = id;
	}
	/* two operands of rank <= 8 have at most 16 distinct labels */
	if (NEVER(e->nout + e->nsum > AXRT_EINSUM_MAXL))
		return -1;
	return 0;
}

static int
gemm_infer_einsum(Node *n, Diag *d)
{
	static const DType ok[] = {DT_F32, DT_F64};
	int64_t dim[EIN_NID];
	Ein e;

	for (int i = 0; i < n->nin; i++)
		if (check_dtype(n, d, n->in[i], ok, 2) < 0)
			return -1;
	if (n->nin > 1 && n->in[1]->dtype != n->in[0]->dtype)
		return diag_node(d, n, "inputs have different types (%s and %s)",
			dtype_name(n->in[0]->dtype), dtype_name(n->in[1]->dtype));
	if (einsum_parse(n, d, &e) < 0)
		return -1;
	if (e.nout > IR_MAXRANK)
		return diag_node(d, n, "output rank %d exceeds %d", e.nout, IR_MAXRANK);
	for (int k = 0; k < e.nout; k++)
		dim[k] = e.size[e.out[k]];
	tensor_set(n->out[0], n->in[0]->dtype, e.nout, dim);
	return 0;
}

/* Stride of operand i along label id (summed over a repeated label; 0 where
 * the operand lacks it or broadcasts it). */
static int32_t
ein_stride(const Ein *e, const Tensor *t, int i, int id)
{
	int64_t st = 1, s = 0;
	for (int k = e->nd[i] - 1; k >= 0; k--) {
		if (e->lab[i][k] == id && !(t->dim[k] == 1 && e->size[id] != 1))
			s += st;
		st *= t->dim[k];
	}
	return (int32_t)s;
}

static int
gemm_lower_einsum(Node *n, Lower *l)
{
	axrt_einsum_params p = {0};
	Ein e;

	if (einsum_parse(n, l->d, &e) < 0)
		return -1;
	p.nin = n->nin;
	p.nout_l = e.nout;
	p.nsum_l = e.nsum;
	for (int k = 0; k < e.nout + e.nsum; k++) {
		int id = k < e.nout ? e.out[k] : e.sum[k - e.nout];
		p.size[k] = (int32_t)e.size[id];
		p.s0[k] = ein_stride(&e, n->in[0], 0, id);
		p.s1[k] = n->nin > 1 ? ein_stride(&e, n->in[1], 1, id) : 0;
	}
	gemm_call(l, n, n->in[0]->dtype == DT_F64 ? K_einsum_f64 : K_einsum_f32, &p, 2, 0);
	return 0;
}

/* ---- Det ---- */

static int
gemm_infer_det(Node *n, Diag *d)
{
	static const DType ok[] = {DT_F32};
	Tensor *x = n->in[0];

	if (check_dtype(n, d, x, ok, 1) < 0 || check_rank(n, d, x, 2, IR_MAXRANK) < 0)
		return -1;
	if (x->dim[x->rank - 1] != x->dim[x->rank - 2]) {
		char s[64];
		return diag_node(d, n, "input of shape %s is not a batch of square matrices",
			tensor_shape_str(x, s, sizeof s));
	}
	tensor_set(n->out[0], DT_F32, x->rank - 2, x->dim);
	return 0;
}

static int
gemm_lower_det(Node *n, Lower *l)
{
	Tensor *x = n->in[0];
	axrt_det_params p = {(int32_t)tensor_numel(n->out[0]), (int32_t)x->dim[x->rank - 1]};
	gemm_call(l, n, K_det_f32, &p, 1, (size_t)p.n * p.n * sizeof(float));
	return 0;
}

int
gemm_infer(Node *n, Diag *d)
{
	switch (n->op) {
	case OP_GEMM: return gemm_infer_gemm(n, d);
	case OP_MATMUL: return gemm_infer_matmul(n, d);
	case OP_EINSUM: return gemm_infer_einsum(n, d);
	case OP_DET: return gemm_infer_det(n, d);
	default: return diag_node(d, n, "not a gemm-family op");
	}
}

int
gemm_lower(Node *n, Lower *l)
{
	switch (n->op) {
	case OP_GEMM: return gemm_lower_gemm(n, l);
	case OP_MATMUL: return gemm_lower_matmul(n, l);
	case OP_EINSUM: return gemm_lower_einsum(n, l);
	case OP_DET: return gemm_lower_det(n, l);
	default: return diag_node(l->d, n, "not a gemm-family op");
	}
}
