/* conv.c: the conv op family (Conv, ConvTranspose) -- attribute checks,
 * shape inference and lowering: depthwise convs to conv_f32_dw, the other
 * convs with constant weights to the blocked GEMM (conv_f32_gemm, weights
 * packed at compile time), the rest to the reference conv_f32 and
 * convtranspose_f32; plus the window geometry of window.h that the pool
 * family shares. */
#include <string.h>

#include "axrt.h"
#include "gemm.h"
#include "window.h"

int
window_ints(Node *n, Diag *d, const char *name, int want, int64_t def, int64_t lo, int64_t *v)
{
	const int64_t *a;
	int cnt = attr_ints(n, name, &a);

	if (cnt < 0) {
		for (int i = 0; i < want; i++)
			v[i] = def;
		return 0;
	}
	if (cnt != want)
		return diag_node(d, n, "%s has %d values, expected %d", name, cnt, want);
	for (int i = 0; i < want; i++) {
		if (a[i] < lo)
			return diag_node(d, n, "%s[%d] is %lld, must be at least %lld",
				name, i, (long long)a[i], (long long)lo);
		if (a[i] > (1 << 24))
			return diag_node(d, n, "%s[%d] is %lld, which is too large", name, i, (long long)a[i]);
		v[i] = a[i];
	}
	return 0;
}

int
window_attrs(Node *n, Diag *d, Window *w)
{
	static const char *const names[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
	int64_t pads[2 * WIN_MAXSP];
	const char *ap = attr_s(n, "auto_pad", "NOTSET");
	int i;

	for (i = 0; i < 4 && strcmp(ap, names[i]) != 0; i++)
		;
	if (i == 4 && *ap)
		return diag_node(d, n, "auto_pad '%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", ap);
	w->autopad = i == 4 ? PAD_NOTSET : (AutoPad)i;
	if (window_ints(n, d, "strides", w->nsp, 1, 1, w->stride) < 0
	 || window_ints(n, d, "dilations", w->nsp, 1, 1, w->dil) < 0
	 || window_ints(n, d, "pads", 2 * w->nsp, 0, 0, pads) < 0)
		return -1;
	for (i = 0; i < w->nsp; i++) {
		w->pad[i] = pads[i];
		w->pad_end[i] = pads[w->nsp + i];
	}
	return 0;
}

/* Output size along one axis for explicit pads (ceil_mode: the last
 * window may hang over the end but must start inside input or leading
 * padding, as in PyTorch and ONNX Runtime). */
static int64_t
window_size(const Window *w, int i, int64_t ek, int ceil_mode)
{
	int64_t span = w->in[i] + w->pad[i] + w->pad_end[i] - ek, s = w->stride[i], o;

	if (span < 0)
		return 0;
	if (!ceil_mode)
		return span / s + 1;
	o = (span + s - 1) / s + 1;
	if ((o - 1) * s >= w->in[i] + w->pad[i])
		o--;
	return o;
}

int
window_infer(Node *n, Diag *d, Window *w, int ceil_mode)
{
	for (int i = 0; i < w->nsp; i++) {
		int64_t ek = (w->k[i] - 1) * w->dil[i] + 1, s = w->stride[i], o, tot;
		switch (w->autopad) {
		case PAD_SAME_UPPER:
		case PAD_SAME_LOWER:   /* the odd pad goes at the end for UPPER */
			o = (w->in[i] + s - 1) / s;
			tot = (o - 1) * s + ek - w->in[i];
			tot = tot < 0 ? 0 : tot;
			w->pad[i] = w->autopad == PAD_SAME_UPPER ? tot / 2 : tot - tot / 2;
			w->pad_end[i] = tot - w->pad[i];
			break;
		case PAD_VALID:
			w->pad[i] = w->pad_end[i] = 0;
			o = window_size(w, i, ek, 0);
			break;
		default:
			o = window_size(w, i, ek, ceil_mode);
			break;
		}
		if (o < 1)
			return diag_node(d, n, "output size along spatial axis %d is %lld: input size %lld "
				"with pads %lld+%lld is smaller than the kernel extent %lld", i, (long long)o,
				(long long)w->in[i], (long long)w->pad[i], (long long)w->pad_end[i], (long long)ek);
		w->out[i] = o;
	}
	return 0;
}

void
window_fill3(const int64_t *v, int nsp, int32_t def, int32_t *dst)
{
	for (int a = 0; a < 3; a++)
		dst[a] = a < 3 - nsp ? def : (int32_t)v[a - (3 - nsp)];
}

int
window_check_size(Node *n, Diag *d, const Tensor *t)
{
	if (tensor_numel(t) > INT32_MAX)
		return diag_node(d, n, "tensor '%s' has %lld elements, more than the kernels' limit of 2^31-1",
			t->name, (long long)tensor_numel(t));
	return 0;
}

/* Types, ranks and sizes of x and w (both ops). */
static int
conv_check_inputs(Node *n, Diag *d)
{
	static const DType f32[] = {DT_F32};

	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && check_dtype(n, d, n->in[i], f32, 1) < 0)
			return -1;
	return window_operands(n, d, n->in[0], n->in[1]);
}

int
window_operands(Node *n, Diag *d, const Tensor *x, const Tensor *w)
{
	char buf[96];

	if (x->rank < 3 || x->rank > 2 + WIN_MAXSP)
		return diag_node(d, n, "input '%s' has rank %d; %s handles 1 to %d spatial dims (rank 3 to %d)",
			x->name, x->rank, n->optype, WIN_MAXSP, 2 + WIN_MAXSP);
	if (w->rank != x->rank)
		return diag_node(d, n, "weight '%s' has rank %d, expected %d like input '%s'",
			w->name, w->rank, x->rank, x->name);
	for (int i = 0; i < x->rank; i++)
		if (x->dim[i] < 1 || w->dim[i] < 1) {
			const Tensor *t = x->dim[i] < 1 ? x : w;
			return diag_node(d, n, "'%s' has an empty dimension (shape %s)",
				t->name, tensor_shape_str(t, buf, sizeof buf));
		}
	return 0;
}

/* kernel_shape, when given, must agree with the weight. */
static int
conv_kernel_shape(Node *n, Diag *d, const Tensor *w, Window *win)
{
	const int64_t *ks;
	int cnt = attr_ints(n, "kernel_shape", &ks);

	for (int i = 0; i < win->nsp; i++)
		win->k[i] = w->dim[2 + i];
	if (cnt < 0)
		return 0;
	if (cnt != win->nsp)
		return diag_node(d, n, "kernel_shape has %d values, expected %d", cnt, win->nsp);
	for (int i = 0; i < win->nsp; i++)
		if (ks[i] != win->k[i])
			return diag_node(d, n, "kernel_shape[%d] is %lld but weight '%s' has %lld",
				i, (long long)ks[i], w->name, (long long)win->k[i]);
	return 0;
}

/* group against the channel counts: Conv's weight is M x C/group x k...,
 * ConvTranspose's is C x M/group x k... Sets *m, the output channels. */
static int
conv_groups(Node *n, Diag *d, int64_t group, int64_t *m)
{
	Tensor *x = n->in[0], *w = n->in[1];
	int64_t c = x->dim[1];

	if (group < 1)
		return diag_node(d, n, "group is %lld, must be at least 1", (long long)group);
	if (c % group)
		return diag_node(d, n, "group %lld does not divide the %lld channels of input '%s'",
			(long long)group, (long long)c, x->name);
	if (n->op == OP_CONVTRANSPOSE) {
		if (w->dim[0] != c)
			return diag_node(d, n, "weight '%s' has %lld input channels (dim 0), input '%s' has %lld",
				w->name, (long long)w->dim[0], x->name, (long long)c);
		*m = w->dim[1] * group;
		return 0;
	}
	if (w->dim[0] % group)
		return diag_node(d, n, "group %lld does not divide the %lld output channels of weight '%s'",
			(long long)group, (long long)w->dim[0], w->name);
	if (w->dim[1] * group != c)
		return diag_node(d, n, "weight '%s' expects %lld channels per group x %lld groups, "
			"input '%s' has %lld", w->name, (long long)w->dim[1], (long long)group,
			x->name, (long long)c);
	*m = w->dim[0];
	return 0;
}

/* ConvTranspose output sizes: from output_shape (pads derived from it),
 * from auto_pad SAME (output = input * stride) or from the pads. Output
 * positions beyond the full result get the bias only. */
static int
convtranspose_size(Node *n, Diag *d, Window *w)
{
	int64_t op[WIN_MAXSP];
	const int64_t *os;
	int cnt = attr_ints(n, "output_shape", &os), nsp = w->nsp;

	if (window_ints(n, d, "output_padding", nsp, 0, 0, op) < 0)
		return -1;
	if (cnt >= 0 && cnt != nsp && cnt != nsp + 2)
		return diag_node(d, n, "output_shape has %d values, expected %d", cnt, nsp);
	for (int i = 0; i < nsp; i++) {
		int64_t full = w->stride[i] * (w->in[i] - 1) + op[i] + (w->k[i] - 1) * w->dil[i] + 1, tot;
		if (w->autopad == PAD_VALID)
			w->pad[i] = w->pad_end[i] = 0;
		if (cnt >= 0 || w->autopad == PAD_SAME_UPPER || w->autopad == PAD_SAME_LOWER) {
			w->out[i] = cnt >= 0 ? os[cnt - nsp + i] : w->in[i] * w->stride[i];
			tot = full - w->out[i] < 0 ? 0 : full - w->out[i];
			w->pad[i] = w->autopad == PAD_SAME_UPPER ? tot / 2 : tot - tot / 2;
			w->pad_end[i] = tot - w->pad[i];
		} else
			w->out[i] = full - w->pad[i] - w->pad_end[i];
		if (w->out[i] < 1)
			return diag_node(d, n, "output size along spatial axis %d is %lld, must be at least 1",
				i, (long long)w->out[i]);
	}
	return 0;
}

/* The whole geometry of a Conv or ConvTranspose node; *m: output channels. */
static int
conv_geom(Node *n, Diag *d, Window *w, int64_t *m)
{
	Tensor *x = n->in[0], *b = n->nin > 2 ? n->in[2] : NULL;
	char buf[96];

	memset(w, 0, sizeof *w);
	if (conv_check_inputs(n, d) < 0)
		return -1;
	w->nsp = x->rank - 2;
	for (int i = 0; i < w->nsp; i++)
		w->in[i] = x->dim[2 + i];
	if (conv_groups(n, d, attr_i(n, "group", 1), m) < 0
	 || conv_kernel_shape(n, d, n->in[1], w) < 0
	 || window_attrs(n, d, w) < 0)
		return -1;
	if (b && (b->rank != 1 || b->dim[0] != *m))
		return diag_node(d, n, "bias '%s' has shape %s, expected %lld (the output channels)",
			b->name, tensor_shape_str(b, buf, sizeof buf), (long long)*m);
	if (n->op == OP_CONVTRANSPOSE)
		return convtranspose_size(n, d, w);
	return window_infer(n, d, w, 0);
}

int
conv_infer(Node *n, Diag *d)
{
	Window w;
	int64_t m, dim[IR_MAXRANK];
	Tensor *x = n->in[0];

	if (conv_geom(n, d, &w, &m) < 0)
		return -1;
	dim[0] = x->dim[0];
	dim[1] = m;
	for (int i = 0; i < w.nsp; i++)
		dim[2 + i] = w.out[i];
	tensor_set(n->out[0], DT_F32, x->rank, dim);
	if (window_check_size(n, d, x) < 0 || window_check_size(n, d, n->in[1]) < 0)
		return -1;
	return window_check_size(n, d, n->out[0]);
}

/* Blocking of conv_f32_gemm: kc rows of the im2col matrix (K split into
 * equal blocks of at most CONV_KC) by nc output positions (at most
 * CONV_NC, a multiple of AXRT_GEMM_NR). When the packed strips of a
 * column block are kept (more than AXRT_GEMM_MC rows), nc is halved
 * while they ((kc + 1) * nc floats) exceed the larger of the conv's
 * input and output. */
#define CONV_KC 256
#define CONV_NC 256
static void
conv_blocking(const axrt_conv_params *p, axrt_convgemm_params *q)
{
	int64_t nr = AXRT_GEMM_NR, ksz = (int64_t)p->k[0] * p->k[1] * p->k[2];
	int64_t kk = p->c / p->group * ksz, npos = (int64_t)p->out[0] * p->out[1] * p->out[2];
	int64_t nkb = (kk + CONV_KC - 1) / CONV_KC, nc = npos < CONV_NC ? npos : CONV_NC;
	int64_t isz = (int64_t)p->c * p->in[0] * p->in[1] * p->in[2], osz = (int64_t)p->m * npos;
	int64_t cap = isz > osz ? isz : osz;

	q->kc = (int32_t)((kk + nkb - 1) / nkb);
	nc = (nc + nr - 1) / nr * nr;
	while (p->m / p->group > AXRT_GEMM_MC && nc > nr && (q->kc + 1) * nc > cap)
		nc = (nc / 2 + nr - 1) / nr * nr;
	q->nc = (int32_t)nc;
}

/* Whether a 1x1 conv_f32_gemm may write its output over its input, both
 * starting at the same address. The kernel reads the input directly as B
 * (no im2col): element (m, j) of the output sits on input element (m, j)
 * (same plane size), and output column j is written only after its strip
 * of kc rows (all channels of column j, when kc covers them) has been
 * packed into the scratch; later strips and column blocks read only later
 * columns. With more than one block of kc rows, a later block rereads
 * rows >= kc of the columns already written, which stay intact when the
 * output has no more than kc channels. One image, one group. */
static int
conv_gemm_overlaps(const axrt_conv_params *p, int32_t kc)
{
	for (int i = 0; i < 3; i++)
		if (p->k[i] != 1 || p->stride[i] != 1 || p->pad[i] != 0 || p->out[i] != p->in[i])
			return 0;
	return p->n == 1 && p->group == 1 && (kc >= p->c || p->m <= kc);
}

/* The path conv_f32_dw takes (runtime/kernels/conv.c, ORDER CONVDW_MODE). */
enum { DW_PADDED, DW_WIDE, DW_DIRECT, DW_RING, DW_FLAT, DW_FLATC };
static int
conv_dw_mode(const axrt_conv_params *p)
{
	int k3 = p->k[1] == 3 && p->k[2] == 3, s = p->stride[2];

	if (k3 && p->stride[1] == 1 && s == 1 && p->dil[1] == 1 && p->dil[2] == 1
	 && p->pad[1] == 1 && p->pad[2] == 1 && p->out[1] == p->in[1] && p->out[2] == p->in[2]
	 && p->in[1] >= 3 && p->in[2] >= 4)
		return p->in[1] * p->in[2] <= AXRT_CONVDW_FLATC ? DW_FLATC : DW_FLAT;
	if (k3 && p->stride[1] == 1 && s == 1 && p->dil[1] == p->dil[2] && p->out[2] < AXRT_CONVDW_WIDE)
		return DW_WIDE;
	if (k3 && p->stride[1] == s && (s == 1 || s == 2) && p->dil[1] == 1 && p->dil[2] == 1)
		return DW_DIRECT;
	if (k3 && s == 2 && p->dil[2] == 1)
		return DW_RING;
	return DW_PADDED;
}

/* How many bytes before its input the output of conv_f32_dw may start.
 * The kernel runs plane by plane (image-major, channel-minor; plane i at
 * i * isz in x, i * osz in y). Where a plane is first copied into the
 * scratch (padded, wide and small flat paths), plane i's output must
 * only end before plane i + 1 of the input starts. The ring path reads
 * input rows while writing outputs: plane i's output must end before
 * plane i of the input starts. The direct path writes output row oh after reading its
 * input rows, the first of them row max(0, oh * s - pad), and later rows
 * read nothing before it: row oh must end before that input row starts.
 * The flat path keeps that order (each output after the taps of its row
 * above, before any later read below that row), so the same bound holds.
 * Each bound is linear in i, so it is largest at the first or last plane. */
static size_t
conv_dw_lead(const axrt_conv_params *p)
{
	int64_t last = (int64_t)p->n * p->c - 1, lead = 0;
	int64_t isz = (int64_t)p->in[1] * p->in[2], osz = (int64_t)p->out[1] * p->out[2];
	int mode = conv_dw_mode(p);

	for (int e = 0; e < 2; e++) {
		int64_t i = e ? last : 0, need;
		if (mode == DW_DIRECT || mode == DW_FLAT)
			for (int64_t oh = 0; oh < p->out[1]; oh++) {
				int64_t r = oh * p->stride[1] - p->pad[1];
				r = r < 0 ? 0 : r > p->in[1] ? p->in[1] : r;
				need = i * osz + (oh + 1) * p->out[2] - (i * isz + r * p->in[2]);
				lead = need > lead ? need : lead;
			}
		else {
			need = (i + 1) * osz - (i + (mode == DW_RING ? 0 : 1)) * isz;
			lead = need > lead ? need : lead;
		}
	}
	return (size_t)lead * sizeof(float);
}

/* A Conv with constant weights as conv_f32_gemm: the weights packed for
 * the blocked GEMM, one matrix (m/group x c/group*k...) per group. */
static int
conv_lower_gemm(Node *n, Lower *l, const axrt_conv_params *p)
{
	axrt_convgemm_params q;
	const Tensor *w = n->in[1];
	int64_t mg = p->m / p->group, kk = p->c / p->group * (int64_t)p->k[0] * p->k[1] * p->k[2];
	int in[3], out[1];

	memset(&q, 0, sizeof q);
	WINDOW_COPY_CONV(&q, p);
	q.act = p->act;
	q.act_alpha = p->act_alpha;
	q.act_beta = p->act_beta;
	conv_blocking(p, &q);
	in[0] = lower_buf(l, n->in[0]);
	in[1] = gemm_pack_a(l, arena_printf(l->a, "%s_packed", w->name), w->init, p->group, mg, kk,
		q.kc);
	in[2] = n->nin > 2 ? lower_buf(l, n->in[2]) : -1;
	out[0] = lower_buf(l, n->out[0]);
	Step *st = lower_step(l, n, K_conv_f32_gemm, &q, 3, in, 1, out,
		gemm_scratch_bytes(mg, (int64_t)p->out[0] * p->out[1] * p->out[2], q.kc, q.nc));
	if (conv_gemm_overlaps(p, q.kc)) {
		st->overlap = 0;
		st->lead = 0;
	}
	return 0;
}

/* Scratch of conv_f32_dw (axrt_conv.h; ORDER CONVDW_SCRATCH), by path:
 * a padded input plane, plus the plane of the wide loop (wide paths); a
 * row of zeros (direct); three split rows (ring). */
static size_t
conv_dw_scratch(const axrt_conv_params *p)
{
	int64_t hp = (int64_t)(p->out[1] - 1) * p->stride[1] + (int64_t)(p->k[1] - 1) * p->dil[1] + 1;
	int64_t wp = (int64_t)(p->out[2] - 1) * p->stride[2] + (int64_t)(p->k[2] - 1) * p->dil[2] + 1;

	switch (conv_dw_mode(p)) {
	case DW_WIDE:
		return (size_t)(hp * wp + (int64_t)(p->out[1] - 1) * wp + p->out[2]) * sizeof(float);
	case DW_DIRECT:
	case DW_FLAT:
		return (size_t)p->in[2] * sizeof(float);
	case DW_FLATC:
		return (size_t)((p->in[1] + 2) * (int64_t)p->in[2] + 2) * sizeof(float);
	case DW_RING:
		return (size_t)6 * (p->out[2] + 1) * sizeof(float);
	default:
		return (size_t)(hp * wp) * sizeof(float);
	}
}

int
conv_lower(Node *n, Lower *l)
{
	axrt_conv_params p;
	Window w;
	int64_t m;
	int in[3], out[1];
	KernelId k = K_conv_f32;
	size_t scratch = 0;

	if (conv_geom(n, l->d, &w, &m) < 0)
		return -1;
	memset(&p, 0, sizeof p);
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
	p.act = n->act;
	p.act_alpha = n->act_alpha;
	p.act_beta = n->act_beta;
	in[0] = lower_buf(l, n->in[0]);
	in[1] = lower_buf(l, n->in[1]);
	in[2] = n->nin > 2 ? lower_buf(l, n->in[2]) : -1;
	out[0] = lower_buf(l, n->out[0]);
	if (n->op == OP_CONVTRANSPOSE)
		k = K_convtranspose_f32;
	else if (p.group == p.c && p.m == p.c && p.in[0] == 1) {
		k = K_conv_f32_dw;      /* depthwise, 1-D or 2-D */
		scratch = conv_dw_scratch(&p);
	} else if (n->in[1]->init)
		return conv_lower_gemm(n, l, &p);
	Step *st = lower_step(l, n, k, &p, 3, in, 1, out, scratch);
	if (k == K_conv_f32_dw) {
		st->overlap = 0;
		st->lead = conv_dw_lead(&p);
	}
	return 0;
}
